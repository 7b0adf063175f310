"""The baselines every chapter scores its networks against, on the networks' own test items.

- the constant answer (:func:`constant_answer`): every test item gets the mean HR of the training items,
  what a network that learned only the label distribution scores; the compendium's one rule for "a network
  learned" (:func:`rppg_lib.claims.network_learned`) holds every network against it;
- the per-video mean (:func:`per_video_mean`): every test item gets the mean training HR of its own video,
  what a network that only recognised the video would score (where a split takes training and test items
  from the same recordings);
- POS / CHROM (:func:`classical_pulses`, :func:`classical_hr`) on the same test windows' mean colour.

:func:`baselines` gives all of them at once as predicted HRs, one per test item.
"""
from __future__ import annotations

import numpy as np

from .signal import DEFAULT_BAND_BPM

__all__ = ["CONSTANT", "VIDEO_MEAN", "constant_answer", "constant_errors", "per_video_mean", "classical_pulses",
           "classical_hr", "baselines"]

#: Names of the constant answer and of the per-video mean in tables.
CONSTANT, VIDEO_MEAN = "constant", "per-video mean"


def constant_answer(train_hr) -> float:
    """The constant answer: the mean of the training items' HR (bpm)."""
    hr = np.asarray(train_hr, float).ravel()
    if hr.size == 0 or not np.all(np.isfinite(hr)):
        raise ValueError(f"the constant answer needs finite training HRs, got {hr.size} values "
                         f"({int(np.sum(~np.isfinite(hr)))} not finite)")
    return float(hr.mean())


def constant_errors(train_hr, test_hr) -> np.ndarray:
    """Per-item absolute error (bpm) of the constant answer on every test item."""
    return np.abs(np.asarray(test_hr, float) - constant_answer(train_hr))


def per_video_mean(train_hr, train_video, test_video) -> np.ndarray:
    """Each test item answered with the mean training HR of its own video (the mean of all training HRs for a
    video without training items)."""
    train_hr = np.asarray(train_hr, float)
    train_video, test_video = np.asarray(train_video).astype(str), np.asarray(test_video).astype(str)
    if len(train_video) != len(train_hr):
        raise ValueError(f"{len(train_hr)} training HRs but {len(train_video)} training video ids")
    means = {v: float(train_hr[train_video == v].mean()) for v in np.unique(train_video)}
    fallback = constant_answer(train_hr)
    return np.array([means.get(v, fallback) for v in test_video], float)


def classical_pulses(rgb, fs: float, method: str, **kwargs) -> np.ndarray:
    """The pulse of classical ``method`` ("POS", "CHROM", ...; any case) on each window's mean colour ``rgb``
    ``(N, T, 3)`` (or one window ``(T, 3)``): ``(N, T)`` (or ``(T,)``). ``kwargs`` go to the method."""
    from .methods import apply_method

    x = np.asarray(rgb, float)
    if x.ndim == 2:
        return apply_method(method, x, fs, **kwargs)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"rgb must be (T, 3) or (N, T, 3), got shape {x.shape}")
    return np.stack([apply_method(method, w, fs, **kwargs) for w in x])


def classical_hr(rgb, fs: float, method: str, band_bpm=DEFAULT_BAND_BPM, **estimate) -> np.ndarray:
    """HR (bpm) of classical ``method`` on each window of ``rgb`` ``(N, T, 3)``: the spectral peak of its pulse
    inside ``band_bpm`` (:func:`rppg_lib.signal.estimate_hr`; ``estimate``: its other arguments)."""
    from .signal import estimate_hr

    pulses = np.atleast_2d(classical_pulses(rgb, fs, method))
    return np.atleast_1d(np.asarray(estimate_hr(pulses, fs, band_bpm, **estimate), float))


def baselines(train_hr, n_test: int, *, rgb=None, fs: float | None = None, methods=("POS", "CHROM"),
              band_bpm=DEFAULT_BAND_BPM, train_video=None, test_video=None, **estimate) -> dict:
    """Every baseline's predicted HR (bpm) on ``n_test`` test items, name -> ``(n_test,)``: the constant answer
    (mean of ``train_hr``); the per-video mean when ``train_video`` and ``test_video`` (one id per training /
    test item) are given; each classical method of ``methods`` on the test windows' mean colour ``rgb``
    ``(n_test, T, 3)`` at ``fs`` when ``rgb`` is given (:func:`classical_hr` in ``band_bpm``)."""
    out = {CONSTANT: np.full(int(n_test), constant_answer(train_hr))}
    if (train_video is None) != (test_video is None):
        raise ValueError("the per-video mean needs both train_video and test_video")
    if test_video is not None:
        if len(test_video) != n_test:
            raise ValueError(f"{len(test_video)} test video ids for {n_test} test items")
        out[VIDEO_MEAN] = per_video_mean(train_hr, train_video, test_video)
    if rgb is not None:
        if fs is None:
            raise ValueError("the classical baselines need the frame rate fs")
        if len(rgb) != n_test:
            raise ValueError(f"{len(rgb)} test windows for {n_test} test items")
        for m in methods:
            out[m] = classical_hr(rgb, fs, m, band_bpm, **estimate)
    return out
