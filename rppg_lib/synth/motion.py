"""Head motion: pose trajectories per frame, and the pose -> image warp.

A pose is (tx, ty) in output pixels, a relative scale, yaw / pitch / roll in
degrees and a jaw opening in face heights. :func:`head_motion` sums:

- **micro-motion** (always on): an Ornstein-Uhlenbeck random walk of
  ``micro_motion_px`` per frame (0.02-0.1 px, tau 10 s) [design; BCG head motion
  of Balakrishnan et al. 2013 and Moco et al. 2016 is of this order];
- **breathing sway** (always on): ``sway_px`` (0.2-1 px) vertical displacement and
  0.3 deg pitch following the respiration (SCAMPS drives the chest from breathing);
- **ballistocardiographic** head motion: ``bcg_px`` along y following the pulse
  delayed by 0.1 s [design];
- **natural roll**: OU with std ``roll_deg`` (tau 5 s), clipped to ``roll_max_deg``
  (15 deg keeps the Haar cascade working, spec §1);
- **translation** (PURE slow / fast: 7 % / 14 % of the face height per second): a
  sum of slow sinusoids scaled to the requested mean speed, mostly horizontal;
- **rotation** (PURE small / medium: ~20 / 35 deg): dwell-and-turn yaw (and pitch)
  to random targets with raised-cosine turns of 0.8-1.5 s [design];
- **talking**: jaw opening = ``talking`` x face height x a syllabic envelope
  (rectified band-limited noise at ``talk_rate_hz``, 2-5 Hz, with pauses), plus
  nods of ``nod_deg`` [rate: Ding et al. 2017; amplitude design].

Pixel amplitudes are for a 100-pixel face and scale with ``face_px``.
:func:`head_affine` turns a pose into the 2 x 3 affine of the head layer:
yaw and pitch are approximated by foreshortening (x cos(yaw), y cos(pitch)) plus
the shift of the face plane, which sits ``depth`` in front of the rotation axis.
"""
from __future__ import annotations

import numpy as np
import scipy.signal

from .pulse import ou_process

__all__ = ["POSE_KEYS", "head_motion", "head_affine", "body_affine", "apply_affine"]

POSE_KEYS = ("tx", "ty", "scale", "yaw", "pitch", "roll", "jaw", "body_tx", "body_ty")


def _sinusoid_path(times, rng, n: int = 6, f_range=(0.03, 0.25)) -> np.ndarray:
    f = rng.uniform(*f_range, n)
    ph = rng.uniform(0, 2 * np.pi, n)
    a = rng.uniform(0.5, 1.0, n)
    return (a[:, None] * np.sin(2 * np.pi * f[:, None] * times[None, :] + ph[:, None])).sum(0)


def _dwell_and_turn(times, rng, amplitude: float) -> np.ndarray:
    """Piecewise-constant targets in [-amplitude, amplitude] joined by raised cosines."""
    if amplitude == 0:
        return np.zeros_like(times)
    out = np.zeros_like(times)
    t, current = times[0] - rng.uniform(0, 3), 0.0
    while t < times[-1]:
        dwell = rng.uniform(1.0, 4.0)
        turn = rng.uniform(0.8, 1.5)
        target = rng.uniform(-amplitude, amplitude)
        x = np.clip((times - (t + dwell)) / turn, 0, 1)
        seg = (times >= t) & (times < t + dwell + turn)
        out[seg] = current + (target - current) * (0.5 - 0.5 * np.cos(np.pi * x[seg]))
        out[times >= t + dwell + turn] = target
        t, current = t + dwell + turn, target
    return out


def _speech_envelope(times, rng, rate_hz: float) -> np.ndarray:
    """Syllabic jaw envelope in [0, 1]: band-passed noise, rectified, with pauses."""
    fs = 100.0
    grid = np.arange(times[0] - 1.0, times[-1] + 1.0, 1 / fs)
    lo, hi = max(0.5, 0.6 * rate_hz), min(1.4 * rate_hz, 0.45 * fs)
    sos = scipy.signal.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos")
    x = scipy.signal.sosfiltfilt(sos, rng.standard_normal(len(grid)))
    x = np.maximum(x / (np.std(x) + 1e-12), 0) / 2.0
    # Speech in bursts of 2-6 s separated by 0.5-2 s pauses.
    gate = np.zeros_like(grid)
    t = grid[0]
    while t < grid[-1]:
        talk = rng.uniform(2.0, 6.0)
        gate[(grid >= t) & (grid < t + talk)] = 1.0
        t += talk + rng.uniform(0.5, 2.0)
    gate = np.convolve(gate, np.ones(20) / 20, mode="same")
    return np.clip(np.interp(times, grid, x * gate), 0, 1)


def head_motion(times, rng: np.random.Generator, *, face_px: float, resp, pulse_late,
                micro_motion_px: float = 0.05, sway_px: float = 0.5, bcg_px: float = 0.03,
                roll_deg: float = 1.5, roll_max_deg: float = 15.0, translation_speed: float = 0.0,
                rotation_deg: float = 0.0, pitch_deg: float = 0.0, talking: float = 0.0,
                talk_rate_hz: float = 4.0, nod_deg: float = 0.0, scale_jitter: float = 0.005,
                fps: float = 30.0) -> dict:
    """Per-frame pose arrays (see module docstring; keys :data:`POSE_KEYS`).

    ``resp`` and ``pulse_late`` are the respiration and the pulse (at t - 0.1 s)
    sampled at ``times``. ``translation_speed`` is in face heights per second.
    """
    times = np.asarray(times, float)
    n = len(times)
    unit = face_px / 100.0
    dt = 1.0 / fps
    # Micro-motion: OU with per-frame step std micro_motion_px and tau 10 s.
    tau = 10.0
    sigma = micro_motion_px * unit * np.sqrt(tau / (2 * dt))
    tx = ou_process(n, dt, sigma, tau, rng) if sigma > 0 else np.zeros(n)
    ty = ou_process(n, dt, sigma, tau, rng) if sigma > 0 else np.zeros(n)
    ty = ty + sway_px * unit * np.asarray(resp) + bcg_px * unit * np.asarray(pulse_late)
    pitch = 0.3 * (sway_px > 0) * np.asarray(resp)
    roll = np.clip(ou_process(n, dt, roll_deg, 5.0, rng), -roll_max_deg, roll_max_deg)
    scale = 1 + ou_process(n, dt, scale_jitter, 10.0, rng)
    body_tx = np.zeros(n)  # the body follows only deliberate translation, so that
    body_ty = np.zeros(n)  # a still subject's body layer can be drawn once

    if translation_speed > 0 and n > 1:
        px, py = _sinusoid_path(times, rng), 0.4 * _sinusoid_path(times, rng)
        speed = np.hypot(np.gradient(px, times), np.gradient(py, times)).mean()
        k = translation_speed * face_px / max(speed, 1e-9)
        tx, ty = tx + k * px, ty + k * py
        body_tx, body_ty = body_tx + k * px, body_ty + k * py
    yaw = _dwell_and_turn(times, rng, rotation_deg)
    pitch = pitch + _dwell_and_turn(times, rng, pitch_deg)
    jaw = np.zeros(n)
    if talking > 0:
        jaw = talking * _speech_envelope(times, rng, talk_rate_hz)
    if nod_deg > 0:
        pitch = pitch + nod_deg * np.clip(_sinusoid_path(times, rng, 4, (0.2, 0.8)) / 2, -1, 1)
        yaw = yaw + 0.7 * nod_deg * np.clip(_sinusoid_path(times, rng, 4, (0.1, 0.5)) / 2, -1, 1)
    return {"tx": tx, "ty": ty, "scale": scale, "yaw": yaw, "pitch": pitch, "roll": roll,
            "jaw": jaw, "body_tx": body_tx, "body_ty": body_ty}


def head_affine(pose_i: dict, origin, head_centre, pivot, face_centre, out_centre,
                depth: float) -> np.ndarray:
    """2 x 3 affine from head-crop pixels to output pixels for one frame.

    ``origin``: asset coordinates of the crop's top-left; ``head_centre``: yaw /
    pitch axis; ``pivot``: roll centre; ``face_centre``: the point placed at
    ``out_centre`` (+ translation) at rest; ``depth``: distance of the face plane
    in front of the yaw/pitch axis (asset pixels). All in asset pixels.
    """
    yaw, pitch, roll = np.deg2rad([pose_i["yaw"], pose_i["pitch"], pose_i["roll"]])
    ch = np.asarray(head_centre, float)
    # crop -> relative to the head centre
    m = np.array([[1.0, 0, origin[0] - ch[0]], [0, 1.0, origin[1] - ch[1]], [0, 0, 1]])
    # foreshortening and shift of the face plane (x cos + z sin; y cos - z sin)
    fs = np.array([[np.cos(yaw), 0, depth * np.sin(yaw)],
                   [0, np.cos(pitch), -depth * np.sin(pitch)], [0, 0, 1]])
    d = np.asarray(pivot, float) - ch
    c, s = np.cos(roll), np.sin(roll)
    rot = np.array([[c, -s, d[0] - c * d[0] + s * d[1]],
                    [s, c, d[1] - s * d[0] - c * d[1]], [0, 0, 1]])
    k = pose_i["scale"]
    off = ch - np.asarray(face_centre, float)
    place = np.array([[k, 0, out_centre[0] + k * off[0] + pose_i["tx"]],
                      [0, k, out_centre[1] + k * off[1] + pose_i["ty"]], [0, 0, 1]])
    return (place @ rot @ fs @ m)[:2]


def body_affine(pose_i: dict, origin, face_centre, out_centre) -> np.ndarray:
    """2 x 3 affine of the body layer: translation only."""
    k = 1.0
    return np.array([
        [k, 0, out_centre[0] + k * (origin[0] - face_centre[0]) + pose_i["body_tx"]],
        [0, k, out_centre[1] + k * (origin[1] - face_centre[1]) + pose_i["body_ty"]]])


def apply_affine(m: np.ndarray, points) -> np.ndarray:
    """Map (N, 2) points through a 2 x 3 affine."""
    p = np.asarray(points, float)
    return p @ m[:, :2].T + m[:, 2]
