"""Tests of the simulator (rppg_lib.synth): physiology, optics, camera, presets, API."""
from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
from av.video.frame import PictureType

from rppg_lib import signal as sig
from rppg_lib.synth import PARAMETERS, PRESETS, Scene, simulate
from rppg_lib.synth import camera as cam
from rppg_lib.synth import pulse as pl
from rppg_lib.synth.optics import PULSE_COLOUR, melanin_transmittance

SMALL = dict(width=160, height=120, face_px=45)


def _digest(frames: np.ndarray) -> str:
    return hashlib.sha256(frames.tobytes()).hexdigest()


def _skin_means(rec, masks=None) -> np.ndarray:
    """(T, 3) mean RGB over the skin mask (per frame when given, else frame 0's)."""
    frames = rec.frames.astype(np.float32)
    if masks is None:
        return frames[:, rec.meta["skin_mask"]].mean(axis=1)
    return np.array([f[m].mean(axis=0) for f, m in zip(frames, masks)])


# ----------------------------------------------------------------------------- physiology
def test_hr_change_over_10s_matches_gideon_stent():
    """Median |HR change| between 10-s windows ~2.5 bpm (GS21 Fig. 6), pooled over sessions."""
    changes = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        phys = pl.simulate_physiology(60.0, rng, hr0_bpm=pl.sample_hr0(rng, 75, 0.26),
                                      hr_ou_sigma_bpm=PARAMETERS["hr_ou_sigma_bpm"][0])
        t = np.arange(0, 60, 1 / 30)
        changes.extend(pl.hr_changes(t, phys.hr_at(t)))
    changes = np.asarray(changes)
    assert 1.5 <= np.median(changes) <= 4.0
    assert np.mean(changes <= 10) >= 0.8


def test_spectral_hr_of_ppg_matches_label():
    """The PSD peak of each 10-s window of the PPG equals the window's mean HR label."""
    errors = []
    for seed in range(10):
        phys = pl.simulate_physiology(40.0, np.random.default_rng(seed), hr0_bpm=50 + 10 * seed)
        t = np.arange(0, 40, 1 / 30)
        ppg, hr = phys.ppg(t), phys.hr_at(t)
        for start in range(0, len(t) - 300 + 1, 300):
            w = slice(start, start + 300)
            errors.append(sig.estimate_hr(ppg[w], 30.0) - hr[w].mean())
    assert np.median(np.abs(errors)) < 1.0


def test_hr_ramp_takes_20_s_whatever_the_clip_length():
    """A stress ramp rises over RAMP_DURATION_S, not over a share of the clip."""
    from rppg_lib.synth.simulate import RAMP_DURATION_S

    for duration in (30.0, 90.0):
        sc = Scene("ubfc-like", 0, duration_s=duration, width=32, height=24, face_px=12,
                   ramp_bpm_range=(30.0, 30.0), hr_ou_sigma_bpm=0.0, rsa_frac_range=(0.0, 0.0),
                   lf_hf=0.0)
        t = np.arange(0, duration, 0.1)
        rise = np.diff(sc.phys.hr_at(t)) > 1e-6
        assert abs(rise.sum() * 0.1 - RAMP_DURATION_S) < 2.0  # 9 and 27 s before


def test_subjects_differ_in_pulse_amplitude_unless_it_is_given():
    amps = [Scene("ubfc-like", 0, subject=s, duration_s=1, width=32, height=24, face_px=12
                  ).p["pulse_amplitude"] for s in range(12)]
    assert len(set(amps)) == 12 and 0.001 < min(amps) and max(amps) < 0.02
    assert 0.002 < float(np.median(amps)) < 0.008
    fixed = Scene("ubfc-like", 0, subject=3, duration_s=1, width=32, height=24, face_px=12,
                  pulse_amplitude=0.01)
    assert fixed.p["pulse_amplitude"] == 0.01


def test_coloured_light_steps_change_the_light_colour():
    t = np.arange(0, 60, 1 / 30)
    _, grey = cam.illumination(t, np.random.default_rng(1), steps_per_min=6.0)
    _, coloured = cam.illumination(t, np.random.default_rng(1), steps_per_min=6.0, step_chroma=0.02)
    assert np.allclose(grey, 1.0)
    jumps = np.abs(np.diff(coloured, axis=0)).max(axis=0)
    assert np.all(jumps > 1e-4) and np.abs(coloured - 1).max() < 0.2


def test_ipfm_constant_rate_and_template_notch():
    rng = np.random.default_rng(0)
    phys = pl.simulate_physiology(20.0, rng, hr0_bpm=72, hr_ou_sigma_bpm=0, rsa_frac=0, lf_hf=0,
                                  beat_jitter=0)
    assert np.allclose(np.diff(phys.beat_times), 60 / 72, atol=1e-3)
    # One beat: systolic peak near 0.26 IBI, a dicrotic notch, then the diastolic peak.
    b = phys.beat_times[5]
    x = np.linspace(0, 1, 1000, endpoint=False)
    y = phys.ppg(b + x * 60 / 72)
    assert abs(x[np.argmax(y)] - 0.26) < 0.02
    d = np.sign(np.diff(y))
    turning = np.flatnonzero(d[1:] != d[:-1]) + 1
    assert len(turning) >= 3  # peak, notch (minimum), diastolic peak
    assert y[turning[1]] < y[turning[2]]
    assert abs(np.ptp(y) - 1.0) < 0.05 and abs(phys.ppg(np.linspace(3, 13, 3000)).mean()) < 0.02


def test_finger_reference_lag_and_desync_offset():
    scene = Scene("ubfc-like", seed=1, duration_s=30, finger_lag_s=0.1, gt_offset_s=2.0)
    t_ref, ref = scene.finger_ppg()
    face = np.interp(t_ref, scene.times, scene.face_ppg())
    lags = np.arange(0, 200)  # samples at 60 Hz
    corr = [np.corrcoef(face[: len(face) - k], ref[k:])[0, 1] for k in lags]
    assert abs(lags[int(np.argmax(corr))] / 60.0 - 2.1) < 0.03
    dropped = Scene("ubfc-like", seed=1, duration_s=30, gt_dropout_runs=2)
    t_ref, ref = dropped.finger_ppg()
    assert 60 <= np.sum(ref == 0) <= 2 * 5 * 60 and len(dropped.gt_dropouts) == 2


# ----------------------------------------------------------------------------- optics, camera
def test_melanin_darkens_blue_most_and_flicker_aliases():
    t1, t6 = melanin_transmittance(3.0), melanin_transmittance(28.0)
    assert np.all(t6 < t1) and np.argmin(t6 / t1) == 2
    assert cam.flicker_alias_hz(100, 30) == pytest.approx(10)
    assert cam.flicker_alias_hz(120, 30) == pytest.approx(0)
    assert cam.flicker_alias_hz(120, 25) == pytest.approx(5)
    times = np.arange(300) / 30.0
    level, _ = cam.illumination(times, np.random.default_rng(0), drift=0, flicker_hz=100,
                                flicker_depth=0.2, exposure_s=0.002)
    f, p = sig.power_spectrum(level, 30.0)
    assert f[np.argmax(p)] == pytest.approx(10.0, abs=0.1)


def test_pulse_colour_direction_and_sign():
    """V1: noise-free, still, no specular: AC/DC per channel is parallel to c, anti-phase to PPG."""
    rec = simulate("ubfc-like", seed=3, duration_s=6, width=200, height=150, face_px=60,
                   full_well_e=0, micro_motion_px=0, sway_px=0, bcg_px=0, roll_deg=0, specular=0,
                   illum_drift=0, riiv=0, ae_tau_s=None, awb_tau_s=None)
    means = _skin_means(rec)
    x = rec.ppg - rec.ppg.mean()
    ac = ((means - means.mean(0)) * x[:, None]).sum(0) / (x @ x)
    rel = ac / means.mean(0)
    assert np.all(rel < 0)  # more blood, darker skin
    cosine = -rel @ PULSE_COLOUR / np.linalg.norm(rel) / np.linalg.norm(PULSE_COLOUR)
    assert cosine > 0.99


def test_darker_skin_lowers_dc_and_pulse_amplitude():
    common = dict(seed=2, duration_s=6, width=200, height=150, face_px=60, full_well_e=0,
                  micro_motion_px=0, sway_px=0, roll_deg=0)
    out = {}
    for f in (1, 6):
        rec = simulate("ubfc-like", skin_type=f, **common)
        g = _skin_means(rec)[:, 1]
        x = rec.ppg - rec.ppg.mean()
        out[f] = (g.mean(), abs(((g - g.mean()) @ x) / (x @ x)))
    assert out[6][0] < out[1][0] - 20  # green DC
    assert out[6][1] < 0.8 * out[1][1]  # green pulse amplitude (DN per unit PPG)


def test_codecs_return_every_frame():
    frames = np.random.default_rng(0).integers(0, 255, (5, 48, 66, 3), dtype=np.uint8)
    for name in cam.CODECS:
        codec = cam.Codec(name, 66, 48, 15.0, crf=30, qscale=10)
        out = [f for fr in frames for f in codec.push(fr)] + codec.flush()
        assert len(out) == 5 and out[0].shape == (48, 66, 3), name


@pytest.mark.parametrize("name", ["libx264", "libx265"])
def test_bframes_sets_the_frame_types(name, monkeypatch):
    """``bframes=0`` leaves no B frame (no I/P/B quality cadence, which sits at fps / 4 = 3.75 Hz,
    225 bpm, at 15 fps with the encoders' default); the default makes some."""
    types = []
    to_rgb = cam.Codec._to_rgb
    monkeypatch.setattr(cam.Codec, "_to_rgb", lambda self, f: (types.append(int(f.pict_type)), to_rgb(self, f))[1])
    frames = np.random.default_rng(0).integers(0, 255, (16, 48, 64, 3), dtype=np.uint8)
    for bframes in (None, 0):
        types.clear()
        codec = cam.Codec(name, 64, 48, 15.0, crf=30, bframes=bframes)
        assert len([f for fr in frames for f in codec.push(fr)] + codec.flush()) == 16
        assert (int(PictureType.B) in types) == (bframes is None), (bframes, types)


@pytest.mark.parametrize("codec", ["libx264", "libx265", "mpeg4"])
def test_compressed_clips_are_deterministic(codec):
    """Same seed, same bytes, also through an encoder (x264's own threads broke this once)."""
    kw = dict(duration_s=1.5, width=320, height=240, face_px=85, codec=codec, crf=23.0)
    digests = {_digest(simulate("ubfc-like", seed=0, **kw).frames) for _ in range(3)}
    assert len(digests) == 1


# ----------------------------------------------------------------------------- API
@pytest.fixture(scope="module")
def small_clip():
    return simulate("ubfc-like", seed=0, duration_s=2, **SMALL)


def test_shapes_dtypes_and_metadata(small_clip):
    rec = small_clip
    T = len(rec)
    assert rec.frames.shape == (T, 120, 160, 3) and rec.frames.dtype == np.uint8
    assert T == 60 and rec.fps == 30
    assert np.all(np.diff(rec.timestamps) > 0)
    assert rec.ppg.shape == (T,) and rec.hr.shape == (T,) and np.all((rec.hr > 40) & (rec.hr < 250))
    m = rec.meta
    assert m["face_box"].shape == (T, 4) and m["skin_mask"].shape == (120, 160)
    assert m["skin_mask"].dtype == bool and m["skin_mask"].sum() > 200
    assert len(m["finger_ppg"]) == len(m["finger_t"])
    assert abs(np.diff(m["finger_t"])[0] - 1 / 60) < 1e-9
    assert set(m["pose"]) >= {"tx", "ty", "yaw", "pitch", "roll", "jaw"}
    assert m["params"]["duration_s"] == 2 and rec.skin_tone in range(1, 7)
    assert rec.dataset == "ubfc-like" and rec.subject == "subject0"


def test_determinism(small_clip):
    again = simulate("ubfc-like", seed=0, duration_s=2, **SMALL)
    assert _digest(again.frames) == _digest(small_clip.frames)
    assert np.array_equal(again.ppg, small_clip.ppg)
    other = simulate("ubfc-like", seed=1, duration_s=2, **SMALL)
    assert _digest(other.frames) != _digest(small_clip.frames)
    person = simulate("ubfc-like", seed=0, subject=5, duration_s=2, **SMALL)
    assert _digest(person.frames) != _digest(small_clip.frames)


def test_unknown_preset_override_and_scenario_raise():
    with pytest.raises(ValueError, match="ubfc-like"):
        simulate("ubfc", duration_s=1)
    with pytest.raises(ValueError, match="duration_s"):
        simulate("ubfc-like", duraton_s=1)
    with pytest.raises(ValueError, match="steady"):
        simulate("pure-like", task="jogging", duration_s=1)
    with pytest.raises(ValueError, match="cam2"):
        simulate("kopeliovich", camera="cam9", duration_s=1)


def _variants():
    for name, spec in PRESETS.items():
        for scenario in spec["scenarios"]:
            yield name, scenario, None
        for camera in list(spec["cameras"])[1:]:
            yield name, None, camera


@pytest.mark.parametrize("preset,scenario,camera", list(_variants()))
def test_every_preset_variant_runs(preset, scenario, camera):
    rec = simulate(preset, seed=0, duration_s=1.0, scenario=scenario, camera=camera, **SMALL)
    fps = rec.fps
    assert len(rec) == round(fps) and rec.frames.shape[1:] == (120, 160, 3)
    assert np.isfinite(rec.ppg).all() and rec.frames.std() > 5


def test_pure_tasks_move_the_head():
    still = simulate("pure-like", task="steady", duration_s=3, **SMALL).meta["pose"]
    fast = simulate("pure-like", task="fast_translation", duration_s=3, **SMALL).meta["pose"]
    talk = simulate("pure-like", task="talking", duration_s=3, **SMALL).meta["pose"]
    rot = simulate("pure-like", task="medium_rotation", duration_s=8, **SMALL).meta["pose"]
    assert np.ptp(fast["tx"]) > 3 * np.ptp(still["tx"])
    assert talk["jaw"].max() > 0 and still["jaw"].max() == 0
    assert np.abs(rot["yaw"]).max() > 5


def test_kopeliovich_cameras_share_the_ground_truth():
    a = simulate("kopeliovich", camera="cam1", duration_s=2, **SMALL)
    b = simulate("kopeliovich", camera="cam3", duration_s=2, **SMALL)
    assert a.fps == b.fps == 15
    assert np.allclose(a.ppg, b.ppg) and _digest(a.frames) != _digest(b.frames)


def test_nuisances_jitter_occlusion_and_flashing_block():
    rec = simulate("ubfc-like", seed=4, duration_s=6, jitter_ms=3, drop_rate=0.05,
                   occlusion_rate_per_min=60, flash_block=True, flash_bpm=150, **SMALL)
    dt = np.diff(rec.timestamps)
    assert len(rec) < 180 and dt.std() > 1e-3 and np.all(dt > 0)
    assert rec.meta["occluded"].max() > 0.05
    x0, y0, s, _ = rec.meta["flash_box"]
    block = rec.frames[:, y0:y0 + s, x0:x0 + s].mean(axis=(1, 2, 3))
    t_u, block_u = sig.resample_uniform(rec.timestamps, block, 30.0)
    assert abs(sig.estimate_hr(block_u, 30.0) - 150) < 3


# ----------------------------------------------------------------------------- detection, POS
def test_haar_finds_the_face_in_a_stationary_clip():
    rec = simulate("ubfc-like", seed=0, duration_s=1, width=320, height=240, face_px=85)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    for i in (0, len(rec) - 1):
        boxes = cascade.detectMultiScale(cv2.cvtColor(rec.frames[i], cv2.COLOR_RGB2GRAY), 1.1, 5)
        assert len(boxes) == 1
        (x, y, w, h), (gx, gy, gw, gh) = boxes[0], rec.meta["face_box"][i]
        ix = max(0, min(x + w, gx + gw) - max(x, gx)) * max(0, min(y + h, gy + gh) - max(y, gy))
        assert ix / (w * h + gw * gh - ix) > 0.6


def test_pos_recovers_hr_from_skin_means():
    methods = pytest.importorskip("rppg_lib.methods")
    rec = simulate("ubfc-like", seed=0, duration_s=20, width=320, height=240, face_px=85,
                   masks=True)
    trace = _skin_means(rec, rec.meta["skin_masks"])
    hr_pos = sig.estimate_hr(methods.pos(trace, rec.fps), rec.fps, (40, 250))
    hr_ref = sig.estimate_hr(rec.ppg, rec.fps, (40, 250))
    assert abs(hr_pos - hr_ref) < 3
    assert abs(hr_ref - rec.hr.mean()) < 5


# ----------------------------------------------------------------------------- writer
def test_write_dataset_ubfc_layout_roundtrip_and_resume(tmp_path):
    from rppg_lib.data.ubfc_rppg import load_ubfc_rppg
    from rppg_lib.synth import write_dataset

    kw = dict(duration_s=1.0, **SMALL)
    paths = write_dataset("ubfc-like", 2, tmp_path, seed=3, progress=False, **kw)
    assert [p.name for p in paths] == ["subject1", "subject2"]
    recs = list(load_ubfc_rppg(tmp_path))
    direct = simulate("ubfc-like", seed=3, subject=1, **kw)
    assert np.array_equal(recs[1].frames, direct.frames)
    assert np.allclose(recs[1].ppg, direct.ppg, atol=1e-5) and not (tmp_path / ".partial").exists()
    stamp = (tmp_path / "subject1" / "vid.avi").stat().st_mtime_ns
    (tmp_path / ".partial" / "subject9").mkdir(parents=True)  # debris of a crashed run
    write_dataset("ubfc-like", 2, tmp_path, seed=3, progress=False, **kw)
    assert (tmp_path / "subject1" / "vid.avi").stat().st_mtime_ns == stamp
    assert not (tmp_path / ".partial").exists()
    with pytest.raises(ValueError, match="ubfc-like"):
        write_dataset("mmse-like", 1, tmp_path)


def test_write_dataset_pure_layout(tmp_path):
    from rppg_lib.data.pure import load_pure
    from rppg_lib.synth import write_dataset

    write_dataset("pure-like", 1, tmp_path, progress=False, duration_s=0.5, **SMALL)
    recs = list(load_pure(tmp_path))
    assert len(recs) == 6 and all(len(r) == 15 for r in recs)
