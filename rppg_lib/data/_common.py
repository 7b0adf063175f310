"""Helpers shared by the dataset loaders: layout errors, time alignment, ordering.

Every loader aligns a reference signal to the video *by time*: the reference is
interpolated (``np.interp``) at the frame times, and the recording is cropped
to the span that both cover. :func:`align_to_frames` does this and returns the
overlap as a dict that loaders store in ``Recording.meta["alignment"]``.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .. import signal as sig

__all__ = ["DatasetLayoutError", "require_dir", "require_file", "align_to_frames",
           "interp_finite", "hr_from_beats", "hr_from_ppg", "natural_key", "optional_import",
           "reference_grid"]

#: Tolerance (s) when comparing frame times with the edges of a reference.
_EDGE_EPS = 1e-6


class DatasetLayoutError(FileNotFoundError):
    """A dataset folder is missing or does not have the expected layout."""


def require_dir(path, dataset: str, layout: str, how_to_get: str = "") -> Path:
    """Return ``path`` as a Path, or raise :class:`DatasetLayoutError` saying what belongs there."""
    if path is None:
        raise DatasetLayoutError(f"no root folder given for {dataset}; expected layout:\n{layout}")
    p = Path(path).expanduser()
    if not p.is_dir():
        hint = f"\n{how_to_get}" if how_to_get else ""
        raise DatasetLayoutError(
            f"{dataset} folder not found: {p}\nExpected layout:\n{layout}{hint}"
        )
    return p


def require_file(path: Path, dataset: str, what: str) -> Path:
    """Return ``path`` if it is a file, else raise naming the file and its role."""
    if not Path(path).is_file():
        raise DatasetLayoutError(f"{dataset}: missing {what}: expected the file {path}")
    return Path(path)


def natural_key(text) -> list:
    """Sort key that orders ``subject2`` before ``subject10``."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", str(text))]


def optional_import(module: str, purpose: str, pin: str):
    """Import an optional dependency or raise an ImportError that says how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"{purpose} needs the package {module!r}: pip install '{pin}'") from err


def reference_grid(last_s: float, fs: float) -> np.ndarray:
    """Sample times ``k / fs`` from 0 up to the first sample at or after ``last_s`` (for writers)."""
    return np.arange(int(np.ceil(last_s * fs - 1e-9)) + 1) / fs


def interp_finite(t_new, t, y) -> np.ndarray:
    """``np.interp`` over the finite samples of ``y`` only (NaN readings are skipped)."""
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    if ok.sum() == 0:
        raise ValueError("the reference has no finite samples to interpolate")
    order = np.argsort(t[ok], kind="stable")
    return np.interp(np.asarray(t_new, dtype=float), t[ok][order], y[ok][order])


def align_to_frames(frame_t, ref_t, crop: bool = True):
    """Frames that lie inside the reference's time span, and the overlap report.

    Parameters
    ----------
    frame_t : (T,) frame times (s), in the same clock as ``ref_t``.
    ref_t : (N,) reference sample times (s).
    crop : when False every frame is kept (the reference is then held
        constant beyond its ends by ``np.interp``; the report says so).

    Returns ``(keep, report)``: a boolean mask over frames and a dict with
    ``video_span_s``, ``reference_span_s``, ``overlap_s``, ``frames_total``,
    ``frames_kept`` and ``cropped``. Raises ``ValueError`` when the two do not
    overlap at all (usually a unit or clock mistake).
    """
    frame_t = np.asarray(frame_t, dtype=float)
    ref_t = np.asarray(ref_t, dtype=float)
    ref_t = ref_t[np.isfinite(ref_t)]
    if len(frame_t) == 0 or len(ref_t) == 0:
        raise ValueError("cannot align: the video or the reference is empty")
    video = (float(frame_t[0]), float(frame_t[-1]))
    ref = (float(ref_t.min()), float(ref_t.max()))
    lo, hi = max(video[0], ref[0]), min(video[1], ref[1])
    if hi < lo:
        raise ValueError(
            f"video ({video[0]:.3f}-{video[1]:.3f} s) and reference ({ref[0]:.3f}-{ref[1]:.3f} s) "
            "do not overlap in time; check the units and the start times"
        )
    if crop:
        keep = (frame_t >= lo - _EDGE_EPS) & (frame_t <= hi + _EDGE_EPS)
    else:
        keep = np.ones(len(frame_t), dtype=bool)
    report = {
        "video_span_s": video,
        "reference_span_s": ref,
        "overlap_s": (lo, hi),
        "frames_total": int(len(frame_t)),
        "frames_kept": int(keep.sum()),
        "cropped": bool(crop),
    }
    return keep, report


def hr_from_beats(beat_times_s) -> tuple[np.ndarray, np.ndarray]:
    """Instantaneous HR (bpm) of each inter-beat interval, placed at the interval's midpoint.

    Returns ``(t_mid_s, hr_bpm)``; interpolating them at frame times gives a
    per-frame HR without stretching anything.
    """
    b = np.asarray(beat_times_s, dtype=float)
    if len(b) < 2:
        raise ValueError("need at least two beats to compute a heart rate")
    ibi = np.diff(b)
    return b[:-1] + ibi / 2.0, 60.0 / ibi


def hr_from_ppg(t, ppg, window_s: float = 10.0, step_s: float = 1.0):
    """HR over time from a reference PPG, for datasets that ship no HR labels.

    The PPG is resampled to 30 Hz (or kept when already uniform), then
    :func:`rppg_lib.signal.sliding_hr` is applied with ``window_s`` windows
    (shortened to the recording when it is shorter). Returns
    ``(t_centres_s, hr_bpm, description)``.
    """
    t = np.asarray(t, dtype=float)
    fs = 30.0
    grid, y = sig.resample_uniform(t, ppg, fs)
    window = min(window_s, len(grid) / fs)
    centres, hr = sig.sliding_hr(y, fs, window_s=window, step_s=step_s)
    desc = (f"sliding_hr of the reference PPG (resampled to {fs:g} Hz), {window:g} s windows, "
            f"{step_s:g} s step; the dataset ships no HR labels")
    return grid[0] + centres, hr, desc
