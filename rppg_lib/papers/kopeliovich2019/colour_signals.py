"""Colour-signal windows, per-video split and noise augmentation of
Kopeliovich et al. 2019 (Section 4.1).

- :func:`colour_signals`: ROI traces ``(T, 6, 3)`` -> 18 colour signals ``(18, T)``
  (signal ``3 * r + c`` is colour ``c`` in R, G, B of ROI ``r``).
- :func:`make_windows`: 64-frame windows with step 10 starting at the first
  frame (Section 4.1.2), each signal min-max scaled to [-1, 1], one reference
  HR per window (mean over its frames); windows that cannot be used are
  counted and dropped, never repaired or clipped.
- :func:`split_windows`: the per-video split, first 70 % train / next 10 %
  validation without the windows that overlap train / last 20 % test.
- :func:`video_windows` and :func:`build_splits`: the two above for one video
  and for a list of videos, with a table of counts (the paper's Table 1).
- :func:`add_uniform_noise`: training augmentation (Section 4.1.2).

Interpretations: "samples are scaled to fit the [-1, 1] interval" is applied
per window *and per signal* (min-max), since the 18 signals have very
different colour levels and a joint scaling would flatten the pulse; the
noise amplitudes of the paper (5e-3 to 5e-2 being 5-50 % of the pulse) fit
this scale. The split is made on the usable windows of a video in time order.
Test windows must not overlap train either (the paper: "the training set
doesn't intersect with validation or test sets"); with 10 % of validation
windows in between this drops none in practice, but it is checked and
counted. Validation and test windows may overlap each other, as in the paper.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "Windows",
    "colour_signals",
    "scale_window",
    "make_windows",
    "split_windows",
    "video_windows",
    "build_splits",
    "add_uniform_noise",
    "WINDOW",
    "STEP",
]

#: Window length (frames, about 4.3 s at 15 fps) and step of Section 4.1.2.
WINDOW = 64
STEP = 10

#: Reasons a window is dropped, in the order they are checked (a window is
#: counted under the first reason that applies).
DROP_REASONS = ("nan_signal", "constant_signal", "nan_hr", "hr_out_of_range")


@dataclass
class Windows:
    """A set of colour-signal windows.

    x : (N, 1, n_signals, window) float32 scaled windows.
    hr : (N,) reference HR per window (bpm, mean over the window's frames).
    start : (N,) first frame of each window in its video.
    video : (N,) video identifier of each window.
    """

    x: np.ndarray
    hr: np.ndarray
    start: np.ndarray
    video: np.ndarray
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.hr.shape[0])

    def subset(self, idx) -> "Windows":
        idx = np.asarray(idx, dtype=np.int64)
        return Windows(self.x[idx], self.hr[idx], self.start[idx], self.video[idx], dict(self.meta))

    @staticmethod
    def concat(parts: list["Windows"], n_signals: int = 18, window: int = WINDOW) -> "Windows":
        parts = [p for p in parts if len(p)]
        if not parts:
            return Windows(np.zeros((0, 1, n_signals, window), np.float32), np.zeros(0), np.zeros(0, np.int64),
                           np.zeros(0, dtype=object))
        return Windows(np.concatenate([p.x for p in parts]), np.concatenate([p.hr for p in parts]),
                       np.concatenate([p.start for p in parts]),
                       np.concatenate([p.video.astype(object) for p in parts]))


def colour_signals(traces) -> np.ndarray:
    """ROI colour traces ``(T, R, 3)`` (or already flat ``(T, S)``) -> signals ``(R * 3, T)``."""
    tr = np.asarray(traces, dtype=float)
    if tr.ndim == 3:
        if tr.shape[2] != 3:
            raise ValueError(f"expected traces of shape (T, n_rois, 3), got {tr.shape}")
        tr = tr.reshape(tr.shape[0], -1)
    elif tr.ndim != 2:
        raise ValueError(f"expected traces of shape (T, 6, 3) or (T, 18), got {tr.shape}")
    return tr.T.copy()


def scale_window(w: np.ndarray) -> np.ndarray:
    """Min-max scale each row (signal) of a window ``(S, W)`` to [-1, 1].

    Rows must not be constant (the caller drops such windows first).
    """
    lo = w.min(axis=-1, keepdims=True)
    hi = w.max(axis=-1, keepdims=True)
    return 2.0 * (w - lo) / (hi - lo) - 1.0


def _is_constant(w: np.ndarray) -> bool:
    """True when some signal of the window does not change (lost face / frozen ROI)."""
    span = w.max(axis=-1) - w.min(axis=-1)
    scale = 1.0 + np.abs(w).max(axis=-1)
    return bool(np.any(span <= 1e-9 * scale))


def make_windows(traces, hr, window: int = WINDOW, step: int = STEP, hr_min: float = 40.0,
                 hr_max: float = 125.0, video=0) -> tuple[Windows, dict]:
    """Cut one video's colour signals into scaled windows with one HR each.

    Parameters
    ----------
    traces : (T, 6, 3) ROI colour traces or (T, 18) colour signals.
    hr : (T,) reference HR per frame (bpm).
    window, step : window length and step in frames (64 and 10).
    hr_min, hr_max : admissible HR range; windows whose mean HR is outside are
        dropped and counted (the classes only cover this range).
    video : identifier stored with every window.

    Returns
    -------
    windows : the usable windows, in time order.
    counts : ``total`` windows cut, ``kept``, and the number dropped for each
        reason of :data:`DROP_REASONS` (``nan_signal``: a NaN or infinite
        sample; ``constant_signal``: a signal that does not change, e.g. a lost
        face; ``nan_hr``: a NaN in the reference HR; ``hr_out_of_range``).
    """
    sig = colour_signals(traces)
    ref = np.asarray(hr, dtype=float).reshape(-1)
    n_sig, n_frames = sig.shape
    if ref.shape[0] != n_frames:
        raise ValueError(f"hr has {ref.shape[0]} frames but traces have {n_frames}")
    if window < 2 or step < 1:
        raise ValueError(f"window must be >= 2 and step >= 1, got {window}, {step}")

    starts = np.arange(0, n_frames - window + 1, step)
    counts = {"total": int(starts.size), "kept": 0, **{r: 0 for r in DROP_REASONS}}
    xs, hrs, kept_starts = [], [], []
    for s in starts:
        w = sig[:, s:s + window]
        h = ref[s:s + window]
        if not np.isfinite(w).all():
            counts["nan_signal"] += 1
        elif _is_constant(w):
            counts["constant_signal"] += 1
        elif not np.isfinite(h).all():
            counts["nan_hr"] += 1
        elif not (hr_min <= h.mean() <= hr_max):
            counts["hr_out_of_range"] += 1
        else:
            xs.append(scale_window(w))
            hrs.append(h.mean())
            kept_starts.append(s)
    counts["kept"] = len(xs)
    x = np.stack(xs)[:, None].astype(np.float32) if xs else np.zeros((0, 1, n_sig, window), np.float32)
    out = Windows(x, np.asarray(hrs, dtype=float), np.asarray(kept_starts, dtype=np.int64),
                  np.full(len(xs), video, dtype=object))
    return out, counts


def split_windows(starts, window: int = WINDOW, train: float = 0.7, val: float = 0.1) -> tuple[dict, dict]:
    """Per-video split of windows in time order (Section 4.1.2).

    The first ``round(train * n)`` windows are training, the last
    ``round((1 - train - val) * n)`` are test, the ones in between are
    validation. Validation and test windows sharing a frame with any training
    window are dropped and counted.

    Returns ``(indices, counts)``: index arrays into ``starts`` for ``train``,
    ``val``, ``test``, and their sizes plus ``val_dropped_overlap`` and
    ``test_dropped_overlap``.
    """
    s = np.asarray(starts, dtype=np.int64)
    if s.size and np.any(np.diff(s) <= 0):
        raise ValueError("window starts must be strictly increasing (one video, time order)")
    if not (0 < train < 1 and 0 <= val < 1 and train + val <= 1):
        raise ValueError(f"invalid split fractions train={train}, val={val}")
    n = s.size
    n_train = int(round(train * n))
    n_test = int(round((1 - train - val) * n))
    n_test = min(n_test, n - n_train)
    idx = np.arange(n)
    tr, va, te = idx[:n_train], idx[n_train:n - n_test], idx[n - n_test:]
    train_end = s[tr].max() + window if tr.size else -np.inf  # first frame after the last train window
    va_keep, te_keep = va[s[va] >= train_end], te[s[te] >= train_end]
    counts = {"train": int(tr.size), "val": int(va_keep.size), "test": int(te_keep.size),
              "val_dropped_overlap": int(va.size - va_keep.size),
              "test_dropped_overlap": int(te.size - te_keep.size)}
    return {"train": tr, "val": va_keep, "test": te_keep}, counts


def video_windows(traces, hr, video=0, window: int = WINDOW, step: int = STEP, hr_min: float = 40.0,
                  hr_max: float = 125.0, train: float = 0.7, val: float = 0.1) -> tuple[dict, dict]:
    """Windows of one video split into ``{"train", "val", "test"}`` :class:`Windows`, and all counts."""
    wins, counts = make_windows(traces, hr, window, step, hr_min, hr_max, video)
    idx, split_counts = split_windows(wins.start, window, train, val)
    return {k: wins.subset(v) for k, v in idx.items()}, {"video": video, **counts, **split_counts}


def build_splits(videos, window: int = WINDOW, step: int = STEP, hr_min: float = 40.0, hr_max: float = 125.0,
                 train: float = 0.7, val: float = 0.1) -> tuple[dict, pd.DataFrame]:
    """Split every video and concatenate: ``({"train", "val", "test"}, counts table)``.

    ``videos``: iterable of ``(video_id, traces, hr)``. The table has one row
    per video with the window counts, drop reasons and split sizes.
    """
    parts = {"train": [], "val": [], "test": []}
    rows = []
    n_signals = None
    for video_id, traces, hr in videos:
        split, counts = video_windows(traces, hr, video_id, window, step, hr_min, hr_max, train, val)
        n_signals = colour_signals(traces).shape[0]
        for k in parts:
            parts[k].append(split[k])
        rows.append(counts)
    if not rows:
        raise ValueError("no videos given")
    return ({k: Windows.concat(v, n_signals, window) for k, v in parts.items()},
            pd.DataFrame(rows).set_index("video"))


def add_uniform_noise(x, low: float = 5e-3, high: float = 5e-2, generator=None):
    """Training augmentation of Section 4.1.2 for one training step.

    An amplitude ``a ~ U(low, high)`` is drawn once per call (per step), then
    noise ``U(-a, a)`` is added to every sample of the batch. Works on torch
    tensors (random numbers from ``generator``, a CPU ``torch.Generator``) and
    on numpy arrays (``generator`` a ``numpy.random.Generator``).
    """
    if not 0 <= low <= high:
        raise ValueError(f"need 0 <= low <= high, got {low}, {high}")
    if isinstance(x, np.ndarray):
        rng = generator if generator is not None else np.random.default_rng()
        amp = rng.uniform(low, high)
        return x + amp * rng.uniform(-1.0, 1.0, size=x.shape).astype(x.dtype)
    import torch

    amp = low + (high - low) * torch.rand((), generator=generator)
    noise = (2.0 * torch.rand(x.shape, generator=generator) - 1.0) * amp
    return x + noise.to(device=x.device, dtype=x.dtype)
