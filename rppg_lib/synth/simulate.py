"""The simulator: ``simulate(preset, seed=0, **overrides) -> Recording``.

A :class:`Scene` precomputes everything that does not change per frame (the
subject's face maps at working scale, the shader, background and still body,
all time series: physiology, pose, light, occlusions) and then renders frames
one at a time: head radiance on its crop (optics), optional jaw warp (remap),
one affine warp into the frame's head region, compositing, occluders, light,
sensor, flashing block, codec. :func:`simulate` collects the frames into a
:class:`~rppg_lib.record.Recording`; :meth:`Scene.iter_frames` streams them
(used by the dataset writer to keep memory flat).
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ..record import Recording
from . import camera as cam
from . import face as fc
from .motion import POSE_KEYS, apply_affine, body_affine, head_affine, head_motion
from .nuisance import FlashingBlock, draw_occluder, occlusion_events
from .optics import HeadShader, rotation
from .presets import resolve, stream_rng, subject_traits
from .pulse import sample_hr0, simulate_physiology

#: Rise time of an HR ramp (s) [design]: a stress response or a recovery takes tens
#: of seconds whatever the clip length (it was 0.3 x the clip, so a 10-s clip
#: carried a whole 20-bpm step in 3 s).
RAMP_DURATION_S = 20.0

__all__ = ["Scene", "simulate", "iter_frames"]


@lru_cache(maxsize=8)
def _subject_face(preset: str, subject: int, face_seed: int, geometry_strength: float,
                  perfusion_jitter: float, tau_max_s: float) -> fc.FaceAsset:
    rng = np.random.default_rng(face_seed)
    return fc.build_face(rng, geometry_strength=geometry_strength,
                         perfusion_jitter=perfusion_jitter, tau_max_s=tau_max_s)


class Scene:
    """One simulated clip: parameters, time series and the per-frame renderer.

    Parameters
    ----------
    preset : a key of :data:`~rppg_lib.synth.presets.PRESETS`.
    seed : session seed (physiology, motion, light, noise); the subject's looks
        depend on ``subject`` only.
    **overrides : any key of :data:`~rppg_lib.synth.presets.PARAMETERS`.
    """

    def __init__(self, preset: str, seed: int = 0, **overrides):
        p = resolve(preset, overrides)
        self.preset, self.seed, self.p = preset, int(seed), p
        subject = int(p["subject"])
        traits = subject_traits(preset, subject)
        for key in ("skin_type", "d_epi_cm", "finger_lag_s"):
            if p[key] is None:
                p[key] = traits[key]
        if p["micro_motion_px"] is None:
            p["micro_motion_px"] = 0.05 * traits["motion_style"]
        if p["sway_px"] is None:
            p["sway_px"] = 0.5 * traits["sway_style"]
        if p["pulse_amplitude"] is None:
            p["pulse_amplitude"] = p["pulse_amplitude_median"] * float(
                np.exp(p["perfusion_sigma_log"] * traits["perfusion_z"]))
        if p["exposure_s"] is None:
            p["exposure_s"] = 0.5 / p["fps"]
        self.traits = traits
        rng = lambda name: stream_rng(preset, subject, seed, name)  # noqa: E731

        # --- timing and physiology
        n_nominal = max(2, int(round(p["duration_s"] * p["fps"])))
        self.times = cam.capture_times(n_nominal, p["fps"], rng("timing"), p["jitter_ms"] / 1000.0,
                                       p["drop_rate"])
        r = rng("physiology")
        if p["hr0_bpm"] is not None:
            hr0 = float(p["hr0_bpm"])
        elif p["hr_range"] is not None:
            hr0 = float(r.uniform(*p["hr_range"]))
        else:
            # Between-subject share 0.8^2 = 64 % of the log-HR variance, the rest per session.
            median = p["hr_median_bpm"] * np.exp(0.8 * p["hr_sigma_log"] * traits["hr_z"])
            hr0 = sample_hr0(r, median, 0.6 * p["hr_sigma_log"], tail_p=p["hr_tail_p"])
        self.hr0 = hr0
        self.resp_hz = float(r.uniform(*p["resp_hz_range"]))
        self.rsa_frac = float(r.uniform(*p["rsa_frac_range"]))
        self.ramp_bpm = float(r.uniform(*p["ramp_bpm_range"]))
        ramp_start = float(r.uniform(0.1, 0.5) * p["duration_s"])
        self.phys = simulate_physiology(
            p["duration_s"], r, hr0_bpm=hr0, hr_ou_sigma_bpm=p["hr_ou_sigma_bpm"],
            hr_ou_tau_s=p["hr_ou_tau_s"], resp_hz=self.resp_hz, rsa_frac=self.rsa_frac,
            lf_hf=p["lf_hf"], ramp_bpm=self.ramp_bpm, ramp_start_s=ramp_start,
            ramp_duration_s=RAMP_DURATION_S, beat_jitter=p["beat_jitter"])
        t = self.times
        self.p_now = self.phys.ppg(t)
        self.p_late = self.phys.ppg(t - fc.TAU_REF_S)
        self.resp = self.phys.resp_at(t)

        # --- face, optics and framing
        asset = _subject_face(preset, subject, traits["face_seed"], float(p["geometry_strength"]),
                              float(p["perfusion_jitter"]), float(p["tau_max_s"]))
        self.asset = fc.scale_face(asset, p["face_px"] / fc.HAAR_BOX[3])
        self.shader = HeadShader(self.asset, int(p["skin_type"]), p["pulse_amplitude"],
                                 p["d_epi_cm"], p["light_dir"], p["ambient"], p["specular"],
                                 p["shininess"])
        w = self.asset.perfusion
        self.mean_delay = float((w * self.asset.delay).sum() / max(w.sum(), 1e-9))
        self.H, self.W = int(p["height"]), int(p["width"])
        self.out_centre = (p["face_pos"][0] * self.W, p["face_pos"][1] * self.H)
        lm = self.asset.landmarks
        self._lm = lm
        self._depth = 75.0 * self.asset.scale

        # --- motion
        level = p["motion_level"]
        self.pose = head_motion(
            t, rng("motion"), face_px=p["face_px"], resp=self.resp,
            pulse_late=self.phys.ppg(t - 0.1), micro_motion_px=p["micro_motion_px"],
            sway_px=p["sway_px"], bcg_px=p["bcg_px"], roll_deg=p["roll_deg"],
            roll_max_deg=p["roll_max_deg"], translation_speed=level * p["translation_speed"],
            rotation_deg=level * p["rotation_deg"], pitch_deg=level * p["pitch_deg"],
            talking=level * p["talking"], talk_rate_hz=p["talk_rate_hz"],
            nod_deg=level * p["nod_deg"], fps=p["fps"])
        self._jaw_field = fc.jaw_field(self.asset) if np.any(self.pose["jaw"] > 0) else None
        if self._jaw_field is not None:
            h, w_ = self.asset.alpha.shape
            self._gy, self._gx = np.mgrid[0:h, 0:w_].astype(np.float32)

        # --- light and nuisances
        self.light, self.light_colour = cam.illumination(
            t, rng("light"), level=p["illum_level"], drift=p["illum_drift"],
            steps_per_min=p["illum_steps_per_min"], step_size=p["illum_step_size"],
            step_chroma=p["illum_step_chroma"],
            colour_drift=p["illum_colour_drift"], flicker_hz=p["flicker_hz"],
            flicker_depth=p["flicker_depth"], exposure_s=p["exposure_s"])
        self.occlusions = occlusion_events(p["duration_s"], rng("occlusion"),
                                           p["occlusion_rate_per_min"], p["occlusion_coverage"])
        skin_rgb = self.shader.skin_rgb
        self._occluder_colour = skin_rgb * np.array([1.0, 0.95, 0.95]) * 0.9
        self.flash = None
        if p["flash_block"]:
            self.flash = FlashingBlock((self.H, self.W), rng("flash"), p["flash_bpm"], p["flash_size"],
                                       p["flash_corner"], p["flash_depth"])

        # --- static layers
        bg = fc.make_background(self.H, self.W, rng("background"), p["background_level"])
        bg = np.ascontiguousarray(np.moveaxis(bg, -1, 0))  # channel-first from here on
        self._body_static = not (np.any(self.pose["body_tx"]) or np.any(self.pose["body_ty"]))
        self._bg = bg
        if self._body_static:
            self._composite_body(bg, self._pose_at(0))
        self._frame = np.empty((3, self.H, self.W), np.float32)

        # --- reference signals
        rr = rng("reference")
        if p["gt_offset_s"] is not None:
            self.gt_offset = float(p["gt_offset_s"])
        else:
            o = float(p["gt_offset_max_s"])
            self.gt_offset = float(rr.uniform(-o, o)) if o > 0 else 0.0
        n_drop = int(p["gt_dropout_runs"])
        self.gt_dropouts = [(float(rr.uniform(0, p["duration_s"])), float(rr.uniform(1, 5)))
                            for _ in range(n_drop)]

    # ------------------------------------------------------------------ helpers
    def _pose_at(self, i: int) -> dict:
        return {k: float(self.pose[k][i]) for k in POSE_KEYS}

    def _composite_body(self, frame: np.ndarray, pose_i: dict) -> None:
        a = self.asset
        m = body_affine(pose_i, a.body_origin, self._lm["face_centre"], self.out_centre)
        self._blend(frame, np.dstack([a.body_rgb, a.body_alpha]), m)

    @staticmethod
    def _blend(frame: np.ndarray, layer4: np.ndarray, m: np.ndarray):
        """Warp a premultiplied RGBA layer by ``m`` and composite it over ``frame``.

        ``frame`` is channel-first (3, H, W); only the layer's bounding box in the
        frame is touched. Returns the box (x0, y0, x1, y1), or None when off-frame.
        """
        h, w = layer4.shape[:2]
        corners = apply_affine(m, [[0, 0], [w, 0], [0, h], [w, h]])
        H, W = frame.shape[1:]
        x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 1, 0)
        x1 = min(int(np.ceil(corners[:, 0].max())) + 2, W)
        y1 = min(int(np.ceil(corners[:, 1].max())) + 2, H)
        if x1 <= x0 or y1 <= y0:
            return None
        m_roi = m.copy()
        m_roi[:, 2] -= (x0, y0)
        warped = cv2.warpAffine(layer4, m_roi, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        r, g, b, a = cv2.split(warped)
        inv = 1.0 - a
        for c, plane in enumerate((r, g, b)):
            roi = frame[c, y0:y1, x0:x1]
            roi *= inv
            roi += plane
        return (x0, y0, x1, y1)

    def head_affine(self, i: int) -> np.ndarray:
        """2 x 3 affine from the head crop to the output frame at frame ``i``."""
        lm = self._lm
        return head_affine(self._pose_at(i), self.asset.head_origin, lm["head_centre"], lm["pivot"],
                           lm["face_centre"], self.out_centre, self._depth)

    def face_boxes(self) -> np.ndarray:
        """Ground-truth face boxes (T, 4) as (x, y, w, h) in output pixels."""
        ox, oy = self.asset.head_origin
        corners = self._lm["face_box"] - (ox, oy)
        out = np.empty((len(self.times), 4))
        for i in range(len(self.times)):
            c = apply_affine(self.head_affine(i), corners)
            lo, hi = c.min(0), c.max(0)
            out[i] = (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        return out

    def _jaw_remap(self, layer4: np.ndarray, i: int) -> np.ndarray:
        jaw = self.pose["jaw"][i]
        if self._jaw_field is None or jaw <= 0:
            return layer4
        shift = np.float32(jaw * self._lm["face_height"])
        map_y = self._gy - shift * self._jaw_field
        return cv2.remap(layer4, self._gx, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    def skin_mask(self, i: int) -> np.ndarray:
        """Boolean face-skin mask of frame ``i`` (H, W) (occluders not removed)."""
        layer = np.dstack([np.zeros(self.shader.alpha.shape + (3,), np.float32),
                           self.asset.skin.astype(np.float32)])
        layer = self._jaw_remap(layer, i)
        out = np.zeros((self.H, self.W), bool)
        w = cv2.warpAffine(np.ascontiguousarray(layer[..., 3]), self.head_affine(i),
                           (self.W, self.H), flags=cv2.INTER_LINEAR)
        out[:] = w >= 0.5
        return out

    # ------------------------------------------------------------------ rendering
    def render_radiance(self, i: int) -> tuple[np.ndarray, float]:
        """Linear scene radiance of frame ``i`` before light and camera gains.

        Returns the frame buffer (reused by the next call) and the occluded share
        of the face box.
        """
        p = self.p
        frame = self._frame
        if self._body_static:
            np.copyto(frame, self._bg)
        else:
            np.copyto(frame, self._bg)
            self._composite_body(frame, self._pose_at(i))
        pose = self._pose_at(i)
        rot = None
        if pose["yaw"] or pose["pitch"] or pose["roll"]:
            rot = rotation(pose["yaw"], pose["pitch"], pose["roll"])
        b_i = p["riiv"] * fc.GAMMA * p["pulse_amplitude"]
        head = self.shader.render(self.p_now[i], self.p_late[i], self.resp[i], rot,
                                  riiv=b_i, riav=p["riav"])
        head = self._jaw_remap(head, i)
        self._blend(frame, head, self.head_affine(i))
        occluded = 0.0
        if self.occlusions:
            box = None
            for ev in self.occlusions:
                if ev["start"] <= self.times[i] <= ev["end"]:
                    if box is None:
                        box = self._face_box(i)
                    occluded += draw_occluder(frame, ev, box, self._occluder_colour, self.times[i])
        return frame, min(occluded, 1.0)

    def _face_box(self, i: int):
        ox, oy = self.asset.head_origin
        c = apply_affine(self.head_affine(i), self._lm["face_box"] - (ox, oy))
        lo, hi = c.min(0), c.max(0)
        return (lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def iter_frames(self, info: dict | None = None):
        """Yield ``(index, uint8 RGB frame)`` in order, after the codec if any.

        ``info`` (optional dict) receives per-frame ``gains`` (T, 3), ``occluded``
        (T,), ``skin_masks`` (if requested) and the codec's ``bitrate_kbps``.
        """
        p = self.p
        n = len(self.times)
        info = {} if info is None else info
        info["gains"] = np.zeros((n, 3))
        info["occluded"] = np.zeros(n)
        if p["masks"]:
            info["skin_masks"] = np.zeros((n, self.H, self.W), bool)
        exposure = cam.ExposureControl(p["fps"], p["ae_tau_s"], p["awb_tau_s"], p["ae_target"],
                                       p["gain"], deadband=p["ae_deadband"])
        sensor = cam.Sensor((self.H, self.W, 3), stream_rng(self.preset, p["subject"], self.seed,
                                                            "sensor"),
                            p["full_well_e"], p["read_noise_e"], noise_blur_px=p["noise_blur_px"])
        codec = None
        if p["codec"]:
            codec = cam.Codec(p["codec"], self.W, self.H, p["fps"], crf=p["crf"],
                              qscale=p["qscale"], preset=p["x264_preset"], bframes=p["bframes"])
        out_index = 0
        for i in range(n):
            radiance, occluded = self.render_radiance(i)
            light = self.light[i] * self.light_colour[i]
            metered = exposure.meter(radiance) * light
            if i == 0:
                exposure.update(metered)
            gains = exposure.applied_gains
            frame = sensor.capture(radiance, light * gains, camera_gain=gains)
            exposure.update(metered)
            info["gains"][i] = gains
            info["occluded"][i] = occluded
            if p["masks"]:
                info["skin_masks"][i] = self.skin_mask(i)
            if self.flash is not None:
                self.flash.apply(frame, self.times[i])
            if codec is None:
                yield i, frame
                continue
            for decoded in codec.push(frame):
                yield out_index, decoded
                out_index += 1
        if codec is not None:
            for decoded in codec.flush():
                yield out_index, decoded
                out_index += 1
            seconds = max(self.times[-1] + 1 / p["fps"], 1e-9)
            info["bitrate_kbps"] = codec.bytes * 8 / 1000.0 / seconds

    # ------------------------------------------------------------------ labels
    def face_ppg(self) -> np.ndarray:
        """Face PPG at the frame times: the pulse at the perfusion-weighted mean delay."""
        a = self.mean_delay
        return (1 - a) * self.p_now + a * self.p_late

    def finger_ppg(self):
        """Reference PPG as a finger oximeter records it: ``(t_ref, ppg_ref)``.

        Sample k is labelled ``t_k = k / finger_fs`` but shows the face pulse at
        ``t_k (1 + skew) - lag - offset`` (lag 50-150 ms; offset and skew for the
        desynchronisation experiments of GS21).
        """
        p = self.p
        t_ref = np.arange(0.0, self.times[-1] + 1.0 / p["fps"], 1.0 / p["finger_fs"])
        true_t = t_ref * (1 + p["gt_clock_skew_ppm"] * 1e-6) - p["finger_lag_s"] - self.gt_offset
        true_t -= self.mean_delay * fc.TAU_REF_S
        ppg = self.phys.ppg(true_t)
        for start, length in self.gt_dropouts:
            ppg[(t_ref >= start) & (t_ref < start + length)] = 0.0
        return t_ref, ppg

    def metadata(self) -> dict:
        """Everything about the clip except frames (see :func:`simulate`)."""
        p = self.p
        t_ref, ppg_ref = self.finger_ppg()
        meta = {
            "simulator": "rppg_lib.synth",
            "preset": self.preset,
            "seed": self.seed,
            "params": dict(p),
            "subject_traits": dict(self.traits),
            "hr0_bpm": self.hr0,
            "resp_hz": self.resp_hz,
            "rsa_frac": self.rsa_frac,
            "ramp_bpm": self.ramp_bpm,
            "beat_times": self.phys.beat_times[(self.phys.beat_times >= -1)
                                               & (self.phys.beat_times <= self.times[-1] + 1)],
            "hr_10s": self.phys.hr_10s(self.times),
            "respiration": self.resp,
            "finger_t": t_ref,
            "finger_ppg": ppg_ref,
            "finger_ppg_at_frames": np.interp(self.times, t_ref, ppg_ref),
            "finger_lag_s": p["finger_lag_s"],
            "gt_offset_s": self.gt_offset,
            "gt_dropouts": self.gt_dropouts,
            "face_ppg": self.face_ppg(),
            "mean_delay_s": self.mean_delay * fc.TAU_REF_S,
            "pose": {k: v.copy() for k, v in self.pose.items()},
            "face_box": self.face_boxes(),
            "skin_mask": self.skin_mask(0),
            "illumination": self.light,
            "illumination_colour": self.light_colour,
            "flicker_alias_hz": cam.flicker_alias_hz(p["flicker_hz"], p["fps"]),
            "occlusions": self.occlusions,
            "flash_bpm": None if self.flash is None else self.flash.rate_bpm,
            "flash_box": None if self.flash is None else self.flash.box,
            "skin_albedo_linear": self.shader.skin_rgb,
            "nominal_times": np.arange(int(round(p["duration_s"] * p["fps"]))) / p["fps"],
        }
        return meta


def iter_frames(preset: str, seed: int = 0, **overrides):
    """Stream ``(index, frame)`` of a clip without keeping the video in memory."""
    yield from Scene(preset, seed, **overrides).iter_frames()


def simulate(preset: str, seed: int = 0, **overrides) -> Recording:
    """Simulate one recording of a dataset-like preset.

    Parameters
    ----------
    preset : one of :data:`rppg_lib.synth.PRESETS` (``ubfc-like``, ``pure-like``,
        ``cohface-like``, ``mahnob-like``, ``vipl-like``, ``mmse-like``, ``kopeliovich``).
    seed : session seed; the same (preset, seed, overrides) gives identical frames.
    **overrides : any of :data:`rppg_lib.synth.PARAMETERS`, e.g. ``duration_s=10``,
        ``width=320, height=240, face_px=80``, ``subject=3``, ``scenario="talking"``
        (or ``task=``), ``camera="cam3"``, ``skin_type=6``, ``codec="libx264", crf=28``,
        ``hr_range=(120, 140)``, ``motion_level=2``, ``flash_block=True``,
        ``gt_offset_max_s=4``, ``label="finger"``.

    Returns a :class:`~rppg_lib.record.Recording`: ``frames`` (T, H, W, 3) uint8
    RGB, ``timestamps`` (capture times, s), ``ppg`` (face PPG, or the finger PPG
    with ``label="finger"``), ``hr`` (instantaneous HR, bpm), and ``meta`` with
    the resolved parameters, beat times, respiration, 10-s HR, finger PPG at
    60 Hz, pose, ground-truth face boxes, the first frame's skin mask (all
    frames' with ``masks=True``), light, camera gains, occlusions, flashing block.

    The whole video is held in memory (T x H x W x 3 bytes: 1.7 GB for 60 s of
    640 x 480 at 30 fps); for long clips lower ``duration_s`` or the resolution, or
    stream with :func:`iter_frames` / :func:`rppg_lib.synth.write_dataset`.

    Raises ``ValueError`` for an unknown preset, override, scenario or camera.
    """
    scene = Scene(preset, seed, **overrides)
    n = len(scene.times)
    frames = np.empty((n, scene.H, scene.W, 3), np.uint8)
    info: dict = {}
    count = 0
    for i, frame in scene.iter_frames(info):
        frames[i] = frame
        count += 1
    if count != n:
        raise RuntimeError(f"the codec returned {count} frames for {n} inputs")
    meta = scene.metadata()
    meta.update({k: v for k, v in info.items()})
    p = scene.p
    ppg = meta["face_ppg"] if p["label"] == "face" else meta["finger_ppg_at_frames"]
    return Recording(
        fps=float(p["fps"]), timestamps=scene.times, frames=frames, ppg=ppg,
        hr=scene.phys.hr_at(scene.times), dataset=scene.preset, subject=f"subject{p['subject']}",
        session=f"seed{seed}", camera=str(p["camera"]), scenario=str(p["scenario"]),
        skin_tone=int(p["skin_type"]), meta=meta)

