"""Evaluation protocols shared by the chapters: windowed HR of RGB traces, per-video means of clip predictions.

The protocol of :func:`windowed_hr_table` follows the common practice of the
rPPG-Toolbox and of Poh et al. (2011): cut the trace into windows, run the
method on each window, take the HR of each window's pulse from the spectral
peak, and compare with the mean reference HR over the same window.

:func:`per_video_mean` is the video-level protocol of Niu et al. (2018,
Sec. IV-A): the HR of a video is the mean of the predictions of its clips.
"""
from __future__ import annotations

import numpy as np

from . import metrics, signal

__all__ = ["window_starts", "windowed_hr_table", "metrics_table", "per_video_mean"]


def window_starts(n_samples: int, fs: float, window_s: float, step_s: float) -> np.ndarray:
    """Start indices of the full windows of ``window_s`` every ``step_s`` seconds."""
    win = int(round(window_s * fs))
    step = max(1, int(round(step_s * fs)))
    if win > n_samples:
        raise ValueError(f"trace ({n_samples / fs:.1f} s) is shorter than one window ({window_s} s)")
    return np.arange(0, n_samples - win + 1, step)


def windowed_hr_table(rgb, fs: float, reference_hr, methods: dict, window_s: float = 30.0,
                      step_s: float = 30.0, band_bpm=signal.DEFAULT_BAND_BPM):
    """HR per window for every method against the window's mean reference HR.

    Parameters
    ----------
    rgb : (T, 3) colour trace.
    reference_hr : (T,) reference HR per sample (NaN where the device gave none).
    methods : name -> callable ``(rgb_windows (N, W, 3), fs) -> pulse (N, W)``.

    Returns a long DataFrame with columns ``method, t_s`` (window centre),
    ``hr_est, hr_ref``. Windows whose reference is missing for more than half
    of their samples are dropped; ``df.attrs["dropped_windows"]`` counts them.
    """
    import pandas as pd

    rgb = np.asarray(rgb, dtype=float)
    if rgb.ndim != 2 or rgb.shape[1] != 3:
        raise ValueError(f"rgb must have shape (T, 3), got {rgb.shape}")
    reference_hr = np.asarray(reference_hr, dtype=float)
    if reference_hr.shape != (rgb.shape[0],):
        raise ValueError(f"reference_hr has shape {reference_hr.shape}, expected ({rgb.shape[0]},)")
    win = int(round(window_s * fs))
    starts = window_starts(len(rgb), fs, window_s, step_s)
    idx = starts[:, None] + np.arange(win)[None, :]
    ref_windows = reference_hr[idx]
    covered = np.mean(np.isfinite(ref_windows), axis=1) >= 0.5
    with np.errstate(all="ignore"):
        ref = np.nanmean(np.where(covered[:, None], ref_windows, 0.0), axis=1)
    windows = rgb[idx[covered]]
    centres = (starts[covered] + win / 2.0) / fs
    frames = []
    for name, method in methods.items():
        pulse = method(windows, fs)
        hr = np.atleast_1d(signal.estimate_hr(pulse, fs, band_bpm))
        frames.append(pd.DataFrame({"method": name, "t_s": centres, "hr_est": hr, "hr_ref": ref[covered]}))
    table = pd.concat(frames, ignore_index=True)
    table.attrs["dropped_windows"] = int((~covered).sum())
    return table


def metrics_table(table, group: str = "method", order=None):
    """:func:`rppg_lib.metrics.hr_metrics` per group of a long HR table."""
    import pandas as pd

    rows = {name: metrics.hr_metrics(g["hr_est"], g["hr_ref"]) for name, g in table.groupby(group, sort=False)}
    out = pd.DataFrame(rows).T
    out["n"] = out["n"].astype(int)
    out.index.name = group
    if order is not None:
        out = out.loc[[o for o in order if o in out.index]]
    return out


def per_video_mean(predictions, video_ids) -> tuple[np.ndarray, np.ndarray]:
    """Mean clip prediction per video: ``(videos, means)``, videos in order of first appearance.

    predictions : (N,) clip predictions (bpm); video_ids : (N,) the video of
    each clip (any hashable labels). Niu et al. (2018, Sec. IV-A) average the
    100 clips of each 30-s video this way.
    """
    pred = np.asarray(predictions, dtype=float).ravel()
    ids = np.asarray(video_ids).ravel()
    if pred.shape != ids.shape:
        raise ValueError(f"{pred.size} predictions for {ids.size} video ids")
    if pred.size == 0:
        raise ValueError("no predictions to average")
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=pred)
    counts = np.bincount(inverse)
    order = np.argsort(first)
    return ids[first[order]], (sums / counts)[order]
