"""Tiny synthetic recordings for the loader round-trip tests.

:func:`make_recording` builds a 32x32, 10 s, 30 fps video whose green channel
pulses with a reference PPG whose heart rate ramps from ``hr_start`` to
``hr_end`` (mean 72 bpm by default), plus the matching ``ppg`` and ``hr``.
"""
from __future__ import annotations

import numpy as np

from rppg_lib.record import Recording


def make_recording(fps: float = 30.0, seconds: float = 10.0, size: int = 32, hr_start: float = 66.0,
                   hr_end: float = 78.0, subject: str = "1") -> Recording:
    t = np.arange(int(round(seconds * fps))) / fps
    hr = np.linspace(hr_start, hr_end, len(t))
    phase = 2 * np.pi * np.concatenate([[0.0], np.cumsum(hr[1:] / 60.0 / fps)])
    ppg = np.sin(phase)
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = np.stack([170 + 20 * xx, 110 + 20 * yy, 90 + 10 * xx * yy], axis=-1)  # smooth skin-like colours
    frames = base[None] + np.array([0.0, 6.0, 2.0]) * ppg[:, None, None, None]
    frames = np.clip(np.round(frames), 0, 255).astype(np.uint8)
    return Recording(fps=fps, timestamps=t, frames=frames, ppg=ppg, hr=hr, dataset="synthetic",
                     subject=subject)


def mean_green(recording: Recording) -> np.ndarray:
    """Spatial mean of the green channel per frame."""
    return recording.frames[..., 1].reshape(len(recording), -1).mean(axis=1)
