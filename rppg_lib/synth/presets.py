"""Parameters of the simulator, the dataset-like presets and the sweeps.

:data:`PARAMETERS` lists every parameter with its default and meaning; every key
is an accepted override of :func:`rppg_lib.synth.simulate`. A value of ``None``
means "drawn per subject or session". :data:`PRESETS` maps a preset name to its
description, the number of subjects, its variants (``scenario``, ``camera``) and
the parameters it changes. Numbers marked [design] have no published source;
dataset facts come from the papers that describe the datasets.

Resolution order: defaults < preset < camera variant < scenario variant <
subject traits (only for parameters still ``None``) < user overrides.

The ablations of Gideon & Stent (2021) are overrides of ``ubfc-like``:
``flash_block=True`` (Fig. 4) and ``gt_offset_max_s`` in :data:`SWEEPS` (Fig. 5).

Choices made by measuring the simulator against the literature (the Data
chapter, ``notebooks/simulated_data.ipynb``, checks each of them on every run;
its numbers are there, not here):

- ``hr_ou_sigma_bpm`` 6, not 5: set so that the median change of the HR taken
  as 10-s window means (as a reference device or a 10-s spectral estimate
  reports it) matches Gideon & Stent's Supplement Fig. 6 (check V2).
- ``hr_tail_p`` 0, not 5 %: a uniform 100-250 bpm tail alone pushed the
  mean-predictor errors of every preset far above GS21 Table 3. With 0 and a
  per-preset ``hr_sigma_log`` (most of the log-variance between subjects) the
  mean predictor is compared with Table 3 in check V2.
- melanin ``mu_epi`` per type recalibrated on the rendered skin colour
  (:mod:`~rppg_lib.synth.optics`).
- per-subject pulse amplitude (``perfusion_sigma_log`` around
  :data:`PULSE_AMPLITUDE_MEDIAN`) and, for ``ubfc-like``, the light of the game
  screen (a few steps a minute, a few % in level and about 1 % in colour per
  channel). Without them the classical methods found the HR of ubfc-like clips
  almost exactly under the rPPG-Toolbox protocol: a noise-free pulse that no
  real dataset has. With them errors come from a few subjects whose weak pulse
  loses to a coloured light step, as in real data; since they hinge on a few
  failing subjects, a handful of subjects gives a coarse estimate. Check V4
  compares them with the Toolbox's errors on real UBFC-rPPG.
- ``pulse_amplitude_median`` per preset (0.8 % for ``mahnob-like``, 0.55 % for ``vipl-like``, 0.4 %
  elsewhere): calibrated so that POS and CHROM miss about as often as on the real dataset (the
  look-alikes' fidelity table); at 0.4 % both failed on most videos of these two presets.
- HR ramps rise over 20 s whatever the clip length (they took 0.3 of the clip).
- ``kopeliovich`` cameras: quantiser 1 / 1 / 2 (was 4 / 6 / 9). The paper gives codecs
  (WMV2, WMV3) but no bitrate; at 4-9 the fixed quantiser erased the sub-grey-level
  pulse (POS lost the HR on 10-s windows), while the paper's networks find it on its
  videos, so its recordings kept the pulse. At quantiser 1 POS on 10-s windows does as
  well as on lossless video.
"""
from __future__ import annotations

import zlib

import numpy as np

__all__ = ["PARAMETERS", "PRESETS", "SWEEPS", "SIMULATOR_VERSION", "PULSE_AMPLITUDE_MEDIAN",
           "resolve", "subject_traits", "stream_rng"]

#: Bumped whenever the same preset, seed and overrides render different frames;
#: every on-disk cache of simulated data keys on it.
SIMULATOR_VERSION = 6

#: Median green AC/DC (peak to peak) of the pulse in the 8-bit output; a subject's
#: amplitude is this times ``exp(perfusion_sigma_log * z)``.
PULSE_AMPLITUDE_MEDIAN = 0.004

# name: (default, description)
PARAMETERS: dict[str, tuple] = {
    # --- clip and framing
    "duration_s": (60.0, "clip length in seconds"),
    "fps": (30.0, "nominal frame rate (Hz)"),
    "width": (640, "frame width (px)"),
    "height": (480, "frame height (px)"),
    "face_px": (160.0, "side of the Haar face box in the output (px); 20-200 in sweeps"),
    "face_pos": ((0.5, 0.45), "face-box centre as fractions of (width, height)"),
    "scenario": (None, "preset variant (e.g. PURE task); None = the preset's first"),
    "task": (None, "alias of scenario (PURE calls its scenarios tasks)"),
    "camera": (None, "camera variant of the preset; None = the preset's first"),
    "subject": (0, "subject index: skin tone, face geometry, perfusion, HR, motion style"),
    "masks": (False, "also return per-frame skin masks in meta['skin_masks'] (T, H, W) bool"),
    # --- physiology
    "hr0_bpm": (None, "resting HR of the session; None = lognormal draw"),
    "hr_median_bpm": (75.0, "median of the HR0 lognormal [GS21 band; design]"),
    "hr_sigma_log": (0.2, "sigma of log HR0 (0.17-0.28, per preset to match GS21 Table 3)"),
    "hr_range": (None, "(low, high) bpm: draw HR0 uniformly instead (HR sweep)"),
    "hr_tail_p": (0.0, "share of sessions with HR0 uniform on 100-250 bpm; 0 by default (a "
                       "tail pushes the mean-predictor errors above GS21 Table 3's)"),
    "hr_ou_sigma_bpm": (6.0, "std of the OU HR trend; set for the median change between 10-s "
                              "window means of GS21 Supplement Fig. 6"),
    "hr_ou_tau_s": (30.0, "time constant of the OU HR trend"),
    "ramp_bpm_range": ((0.0, 0.0), "range of a smooth HR step over the clip (stress, recovery)"),
    "resp_hz_range": ((0.15, 0.35), "breathing rate range (Hz)"),
    "rsa_frac_range": ((0.02, 0.08), "RSA depth range (relative HR modulation)"),
    "lf_hf": (0.5, "Mayer-wave / RSA power ratio (ECGSYN default)"),
    "beat_jitter": (0.05, "per-beat relative jitter of template amplitudes and widths"),
    "pulse_amplitude": (None, "A: green peak-to-peak AC/DC in the 8-bit output (0.1-2 %); "
                              "None = pulse_amplitude_median x the subject's perfusion factor"),
    "pulse_amplitude_median": (PULSE_AMPLITUDE_MEDIAN, "median of A between subjects (None amplitude only); "
                                                       "a preset sets its own where calibrated on the look-alike"),
    "perfusion_sigma_log": (0.45, "sigma of log A between subjects (None amplitude only) [design]"),
    "riiv": (0.2, "respiratory intensity variation b_I as a fraction of the linear A (0.1-0.3)"),
    "riav": (0.1, "respiratory amplitude variation b_A (0.05-0.2)"),
    "tau_max_s": (0.02, "pulse arrival delay from hairline to chin (0-20 ms)"),
    "finger_lag_s": (None, "finger PPG lag behind the face; None = U(0.05, 0.15) s"),
    "finger_fs": (60.0, "finger PPG sampling rate (CMS50E-like)"),
    "gt_offset_s": (None, "explicit reference desynchronisation (s, reference late if > 0)"),
    "gt_offset_max_s": (0.0, "O_max: offset drawn from U(-O_max, O_max) (GS21 Fig. 5)"),
    "gt_clock_skew_ppm": (0.0, "reference clock skew (parts per million)"),
    "gt_dropout_runs": (0, "number of 1-5 s zero runs in the finger PPG (sensor dropouts, "
                           "as in 4 of 42 UBFC subjects per GS21)"),
    "label": ("face", "Recording.ppg: 'face' (true face PPG) or 'finger' (lagged, desynced)"),
    # --- face and optics
    "skin_type": (None, "Fitzpatrick type 1-6; None = drawn from the preset's mix"),
    "d_epi_cm": (None, "epidermis thickness; None = U(0.006, 0.01) cm"),
    "geometry_strength": (1.0, "size of the per-subject face warp (0 = the photo)"),
    "perfusion_jitter": (0.1, "per-subject perfusion-map jitter"),
    "specular": (0.04, "specular strength k_s (linear) [design]"),
    "shininess": (30.0, "specular exponent [design]"),
    "ambient": (0.35, "ambient share of the head shading [design]"),
    "light_dir": ((-0.3, -0.45, 1.0), "direction to the key light (x right, y down, z camera)"),
    "background_level": (0.22, "linear reflectance level of the wall behind"),
    # --- motion
    "micro_motion_px": (None, "OU head random walk per frame, px at a 100-px face; None = "
                              "0.05 x subject style"),
    "sway_px": (None, "breathing sway amplitude, px at a 100-px face; None = 0.5 x style"),
    "bcg_px": (0.03, "pulse-locked head motion, px at a 100-px face [design]"),
    "roll_deg": (1.5, "std of natural head roll (deg)"),
    "roll_max_deg": (15.0, "roll limit (<= 15 keeps Haar detection)"),
    "translation_speed": (0.0, "mean translation speed (face heights/s; PURE 0.07 / 0.14)"),
    "rotation_deg": (0.0, "yaw amplitude of dwell-and-turn rotation (PURE ~20 / 35)"),
    "pitch_deg": (0.0, "pitch amplitude of dwell-and-turn rotation"),
    "talking": (0.0, "jaw opening amplitude (face heights, 0.03-0.05 when talking)"),
    "talk_rate_hz": (4.0, "syllable rate of the talking envelope (2-5 Hz)"),
    "nod_deg": (0.0, "head nods and turns that accompany talking / expressions (deg)"),
    "motion_level": (1.0, "multiplier of the task motion (translation, rotation, talking, nods)"),
    # --- illumination
    "illum_level": (1.0, "light level (1 = the photo's exposure)"),
    "illum_drift": (0.01, "relative light change per 10 s (0.005-0.05)"),
    "illum_steps_per_min": (0.0, "rate of abrupt light changes"),
    "illum_step_size": ((0.1, 0.5), "relative size range of the light steps"),
    "illum_step_chroma": (0.0, "std of the relative per-channel colour change at a light step "
                               "(a screen or lamp of another colour) [design]"),
    "illum_colour_drift": (0.0, "std of the red/blue colour-temperature drift"),
    "flicker_hz": (100.0, "mains flicker frequency (100 or 120 Hz)"),
    "flicker_depth": (0.0, "flicker modulation depth (0-0.3)"),
    "exposure_s": (None, "exposure time; None = half the frame period"),
    # --- camera
    "ae_tau_s": (1.0, "auto-exposure time constant (0.3-2 s); None = fixed gain"),
    "awb_tau_s": (2.0, "auto-white-balance time constant; None = off"),
    "ae_target": (0.25, "metered linear luminance the AE aims at [design]"),
    "ae_deadband": (0.03, "relative exposure error tolerated before the AE moves [design]"),
    "gain": (1.0, "analog gain when AE is off"),
    "full_well_e": (6000.0, "full-well capacity (3-10 ke-); 0 = no sensor noise"),
    "read_noise_e": (5.0, "read noise (2-15 e-)"),
    "noise_blur_px": (0.0, "spatial correlation of the noise (demosaicing/denoising), px"),
    "codec": (None, "None (lossless) or libx264, libx265, mpeg4, mjpeg, wmv2, msmpeg4"),
    "crf": (23.0, "x264/x265 CRF (0-51)"),
    "qscale": (5.0, "fixed quantiser of mpeg4 / mjpeg / wmv2 / msmpeg4 (2-31)"),
    "x264_preset": ("medium", "x264/x265 speed preset (FFmpeg's default, as datasets are encoded "
                              "offline; 'veryfast' is ~1.3x faster and harsher on the pulse)"),
    "bframes": (None, "x264/x265 B-frames between reference frames; None = the encoder's default "
                      "(3). The frame-type cadence, fps / (bframes + 1) Hz, is in the HR band below ~30 fps"),
    "jitter_ms": (0.0, "frame-time jitter std (0-5 ms)"),
    "drop_rate": (0.0, "share of dropped frames (0-0.02)"),
    # --- nuisances
    "occlusion_rate_per_min": (0.0, "rate of occlusion events"),
    "occlusion_coverage": ((0.1, 0.5), "share of the face box an occluder covers"),
    "flash_block": (False, "add the flashing block of GS21 Fig. 4"),
    "flash_bpm": (None, "flashing rate; None = U(60, 180) bpm"),
    "flash_size": (0.15, "block side as a fraction of min(width, height)"),
    "flash_depth": (0.5, "block brightness modulation depth"),
    "flash_corner": ("tl", "tl, tr, bl, br or random"),
}

_PURE_TASKS = {
    "steady": {},
    "talking": {"talking": 0.04, "nod_deg": 2.0},
    "slow_translation": {"translation_speed": 0.07},
    "fast_translation": {"translation_speed": 0.14},
    "small_rotation": {"rotation_deg": 20.0, "pitch_deg": 4.0},
    "medium_rotation": {"rotation_deg": 35.0, "pitch_deg": 6.0},
}

PRESETS: dict[str, dict] = {
    "ubfc-like": {
        "description": "UBFC-rPPG: 640x480@30 uncompressed, near-stationary, math-stress HR "
                       "ramps, F I-IV; HR SD ~22 bpm (GS21 mean predictor)",
        "n_subjects": 42,
        "skin_mix": {1: 0.2, 2: 0.35, 3: 0.3, 4: 0.15},
        "params": {"hr_sigma_log": 0.3, "ramp_bpm_range": (0.0, 20.0), "face_px": 170.0,
                   # the game screen in front of the subject: new content ~4 times a minute
                   # changes the light on the face by 2-8 % and its colour by ~2 % [design; calibrated
                   # on the look-alike: at 3/min and 1.25 % POS missed by 0.7 bpm MAE where the
                   # Toolbox reports 4.0 on real UBFC-rPPG, at 6/min and 3 % by 10.1. On the book's
                   # 16 subjects at 4/min and 2 % POS / CHROM 11.8 / 8.5: two subjects decide the mean,
                   # their HR at the band's edges and swinging (mean 55, 41-64 bpm; mean 133, 114-153),
                   # and they miss alike at 1.5 % chroma (11.8 / 8.2) and at a 0.5 % median pulse
                   # (11.3 / 8.3); without them POS errs 4.5]
                   "illum_steps_per_min": 4.0, "illum_step_size": (0.02, 0.08),
                   "illum_step_chroma": 0.02},
        "scenarios": {"default": {}},
        "cameras": {"default": {}},
    },
    "pure-like": {
        "description": "PURE: 640x480@30 lossless (PNG), 1.1 m, face ~100 px, 6 tasks x 60 s, "
                       "daylight drift; HR SD ~16",
        "n_subjects": 10,
        "skin_mix": {1: 0.3, 2: 0.4, 3: 0.3},
        "params": {"hr_sigma_log": 0.2, "face_px": 105.0, "illum_drift": 0.03,
                   "illum_colour_drift": 0.01, "ae_tau_s": 2.0},
        "scenarios": _PURE_TASKS,
        "cameras": {"default": {}},
    },
    "cohface-like": {
        "description": "COHFACE: 640x480@20, heavy MPEG-4 Part 2 (C525-like); studio and "
                       "natural light; HR SD ~15",
        "n_subjects": 40,
        "skin_mix": {1: 0.25, 2: 0.35, 3: 0.3, 4: 0.1},
        "params": {"fps": 20.0, "hr_sigma_log": 0.19, "face_px": 170.0, "codec": "mpeg4",
                   # qscale calibrated on the look-alike (4 subjects x 2 lightings x 60 s, POS / CHROM
                   # MAE): 12 -> 6.5 / 5.3, 24 -> 12.8 / 12.5, 31 (the coarsest) -> 10.1 / 7.9 bpm,
                   # against PhysBench's 22.3 / 27.4 on real COHFACE: the codec alone does not make
                   # the look-alike as hard as the real dataset
                   "qscale": 24.0, "full_well_e": 4000.0, "read_noise_e": 8.0},
        "scenarios": {
            "studio": {"illum_drift": 0.005},
            "natural": {"illum_level": 0.55, "illum_drift": 0.03, "illum_colour_drift": 0.015,
                        "light_dir": (-0.85, -0.2, 0.6), "ambient": 0.25},
        },
        "cameras": {"default": {}},
    },
    "mahnob-like": {
        "description": "MAHNOB-HCI: 780x580@61 H.264, emotion clips, ECG reference; 61 fps "
                       "aliases 120 Hz flicker to 1.9 Hz (set flicker_hz=120)",
        "n_subjects": 27,
        "skin_mix": {1: 0.2, 2: 0.35, 3: 0.25, 4: 0.15, 5: 0.05},
        "params": {"fps": 61.0, "width": 780, "height": 580, "face_px": 150.0, "codec": "libx264",
                   "crf": 18.0, "flicker_depth": 0.03, "hr_sigma_log": 0.18, "nod_deg": 1.0,
                   "talking": 0.005,
                   # calibrated on the look-alike (8 subjects x 30 s; POS / CHROM MAE, published CHROM
                   # 13.49): median pulse 0.4 % -> 24.7 / 38.2 (16 subjects), flicker off 18.4 / 31.2,
                   # 0.8 % -> 6.5 / 28.1; on the book's 16 subjects CHROM 20.5 (1.5x the published).
                   # CHROM misses more than POS: its 1.6-s windows, each band-passed on its own, lose
                   # slow pulses to broadband noise that POS rejects (the Data chapter's fidelity table
                   # counts the misses)
                   "pulse_amplitude_median": 0.008},
        "scenarios": {"emotion": {}},
        "cameras": {"default": {}},
    },
    "vipl-like": {
        "description": "VIPL-HR: 9 scenarios x 3 devices (webcam 960x720@25, RealSense "
                       "640x480@30, phone 1920x1080@30); motion, illumination, AE",
        "n_subjects": 107,
        "skin_mix": {2: 0.15, 3: 0.55, 4: 0.3},
        "params": {"fps": 25.0, "width": 960, "height": 720, "face_px": 190.0, "duration_s": 30.0,
                   "codec": "libx264", "crf": 20.0, "hr_sigma_log": 0.18,
                   # calibrated on the look-alike (2 subjects x 7 scenarios x 30 s, POS / CHROM MAE against
                   # the published 11.5 / 11.4): median pulse 0.4 % -> 19.1 / 24.8, 0.55 % -> 18.5 / 17.1,
                   # 0.8 % -> 1.9 / 22.6 (a few failing videos, exercise and far, decide the mean)
                   "pulse_amplitude_median": 0.0055},
        "scenarios": {
            "stable": {},
            "large_motion": {"rotation_deg": 30.0, "pitch_deg": 12.0, "translation_speed": 0.05},
            "talking": {"talking": 0.04, "nod_deg": 3.0},
            "dark": {"illum_level": 0.3},
            "bright": {"illum_level": 1.8, "light_dir": (0.6, -0.3, 1.0)},
            "far": {"face_px": 90.0},
            "exercise": {"hr_range": (100.0, 180.0), "ramp_bpm_range": (-40.0, -20.0),
                         "resp_hz_range": (0.3, 0.5), "sway_px": 1.0},
            "phone_stable": {"camera": "phone"},
            "phone_moving": {"camera": "phone", "translation_speed": 0.1, "micro_motion_px": 0.3},
        },
        "cameras": {
            "webcam": {},
            "realsense": {"fps": 30.0, "width": 640, "height": 480, "face_px": 140.0},
            "phone": {"fps": 30.0, "width": 1920, "height": 1080, "face_px": 380.0, "crf": 23.0},
        },
    },
    "mmse-like": {
        "description": "MMSE-HR: 1040x1392@25 (portrait) JPEG frames, emotion elicitation, "
                       "diverse skin tones F I-VI",
        "n_subjects": 40,
        "skin_mix": {1: 0.15, 2: 0.2, 3: 0.2, 4: 0.2, 5: 0.15, 6: 0.1},
        "params": {"fps": 25.0, "width": 1040, "height": 1392, "face_px": 420.0,
                   "duration_s": 30.0, "codec": "mjpeg", "qscale": 2.0, "talking": 0.01,
                   "nod_deg": 3.0, "hr_sigma_log": 0.18},
        "scenarios": {"emotion": {}},
        "cameras": {"default": {}},
    },
    "kopeliovich": {
        "description": "Kopeliovich et al. 2019: 8 subjects, 3 webcams at 15 fps, "
                       "Stationary and Mixed Motion, 60-80 s; Cam1 rendered at half its "
                       "1920x1080 (memory), WMV3 (no FFmpeg encoder) replaced by msmpeg4",
        "n_subjects": 8,
        "skin_mix": {1: 0.2, 2: 0.4, 3: 0.3, 4: 0.1},
        "params": {"fps": 15.0, "duration_s": 70.0, "hr_sigma_log": 0.15},
        "scenarios": {
            "stationary": {},
            "mixed": {"rotation_deg": 60.0, "pitch_deg": 50.0, "talking": 0.04, "nod_deg": 3.0},
        },
        "cameras": {
            "cam1": {"width": 960, "height": 540, "face_px": 225.0, "codec": "wmv2",
                     "qscale": 1.0, "full_well_e": 9000.0, "read_noise_e": 3.0},
            "cam2": {"width": 640, "height": 480, "face_px": 200.0, "codec": "msmpeg4",
                     "qscale": 1.0, "full_well_e": 6000.0, "read_noise_e": 5.0},
            "cam3": {"width": 640, "height": 480, "face_px": 170.0, "codec": "msmpeg4",
                     "qscale": 2.0, "full_well_e": 3000.0, "read_noise_e": 12.0,
                     "illum_level": 0.5, "ae_tau_s": 0.5},
        },
    },
}

#: Standard sweep values (spec §3), each an override of :func:`rppg_lib.synth.simulate`.
SWEEPS: dict[str, list] = {
    "skin_type": [1, 2, 3, 4, 5, 6],
    "crf": [0, 12, 18, 23, 28, 33, 38, 45],
    "face_px": [200, 160, 120, 80, 60, 40, 30, 20],
    "hr_range": [(40, 60), (60, 80), (80, 100), (100, 130), (130, 170), (170, 210), (210, 250)],
    "motion_level": [0.0, 0.5, 1.0, 1.5, 2.0],
    "occlusion_rate_per_min": [0, 2, 5, 10],
    "flicker_depth": [0.0, 0.1, 0.2, 0.3],
    "gt_offset_max_s": [0, 1, 2, 4, 8, 16],
}

_STREAMS = ("subject", "physiology", "motion", "light", "background", "sensor", "occlusion",
            "flash", "timing", "reference")


def stream_rng(preset: str, subject: int, seed: int | None, stream: str) -> np.random.Generator:
    """Independent generator per (preset, subject, seed, stream).

    Separate streams keep, e.g., the pulse and the motion of a session identical
    across camera variants, as in "one subject and ground truth, three pipelines".
    Subject traits ignore the seed, so a subject looks the same in every session.
    """
    code = zlib.crc32(preset.encode())
    idx = _STREAMS.index(stream)
    key = [code, int(subject), idx] if seed is None else [code, int(subject), idx, int(seed)]
    return np.random.default_rng(key)


def _choose(name: str, value, options: dict, preset: str):
    if value is None:
        return next(iter(options))
    if value not in options:
        raise ValueError(f"unknown {name} {value!r} for preset {preset!r}; valid: {list(options)}")
    return value


def resolve(preset: str, overrides: dict) -> dict:
    """Merge defaults, preset, camera / scenario variants and overrides into one dict.

    Raises ``ValueError`` for an unknown preset, override name, scenario or camera.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; valid presets: {list(PRESETS)}")
    unknown = sorted(set(overrides) - set(PARAMETERS))
    if unknown:
        raise ValueError(f"unknown override(s) {unknown}; valid overrides: {sorted(PARAMETERS)}")
    spec = PRESETS[preset]
    overrides = dict(overrides)
    task = overrides.pop("task", None)
    if task is not None:
        if overrides.get("scenario") not in (None, task):
            raise ValueError(f"task={task!r} and scenario={overrides['scenario']!r} disagree")
        overrides["scenario"] = task
    scenario = _choose("scenario", overrides.get("scenario"), spec["scenarios"], preset)
    scen_params = dict(spec["scenarios"][scenario])
    camera = overrides.get("camera") or scen_params.pop("camera", None)
    scen_params.pop("camera", None)
    camera = _choose("camera", camera, spec["cameras"], preset)

    params = {k: v[0] for k, v in PARAMETERS.items()}
    params.update(spec["params"])
    params.update(spec["cameras"][camera])
    params.update(scen_params)
    params.update(overrides)
    params["scenario"], params["camera"], params["task"] = scenario, camera, None
    if params["skin_type"] is not None and params["skin_type"] not in range(1, 7):
        raise ValueError(f"skin_type must be a Fitzpatrick type 1-6, got {params['skin_type']!r}")
    if params["label"] not in ("face", "finger"):
        raise ValueError(f"label must be 'face' or 'finger', got {params['label']!r}")
    if params["duration_s"] is None or params["duration_s"] <= 0:
        raise ValueError(f"duration_s must be positive, got {params['duration_s']!r}")
    if params["width"] < 16 or params["height"] < 16:
        raise ValueError("width and height must be at least 16 pixels")
    return params


def subject_traits(preset: str, subject: int) -> dict:
    """Per-subject draws: skin type, epidermis, resting-HR level, pulse strength and
    motion style [design].

    The geometry warp and the perfusion map are drawn from the same subject stream
    by :func:`rppg_lib.synth.face.build_face`.
    """
    rng = stream_rng(preset, subject, None, "subject")
    mix = PRESETS[preset]["skin_mix"]
    types = list(mix)
    probs = np.asarray([mix[k] for k in types], float)
    skin = int(rng.choice(types, p=probs / probs.sum()))
    return {
        "skin_type": skin,
        "d_epi_cm": float(rng.uniform(0.006, 0.01)),
        "motion_style": float(np.exp(0.35 * rng.standard_normal())),
        "sway_style": float(np.exp(0.35 * rng.standard_normal())),
        "finger_lag_s": float(rng.uniform(0.05, 0.15)),
        "face_seed": int(rng.integers(2**31)),
        "hr_z": float(rng.standard_normal()),  # the subject's resting-HR level (in sigma_log)
        "perfusion_z": float(rng.standard_normal()),  # the subject's pulse strength (in sigma_log)
    }
