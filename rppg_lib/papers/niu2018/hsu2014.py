"""A Hsu et al. 2014-style learning baseline: hand-crafted spectral features and a support vector regressor.

Niu et al. (2018) list "Hus2014" in Table I (and its Bland-Altman plot in Fig. 5): Hsu et al.'s 2014
learning-based HR estimator (the paper's reference [11]), which, in Niu et al.'s words, "combined the frequency domain
features of RGB channels as well as ICA components and used support vector regression (SVR) to estimate
the HR"; Niu et al. re-implemented it under their protocol. That sentence is all we take from it. What
follows is **ours**, a readable version in that spirit, not Hsu et al.'s method:

Signals (per clip)
    The cheek region's mean colour (the mean of the map's blocks, :func:`clip_traces`), the same
    clips as the network's. Its R, G and B traces, each divided by its mean and detrended
    (:func:`rppg_lib.signal.detrend`, cut-off near 0.5 Hz), and the three FastICA sources of the
    z-scored traces (scikit-learn), ordered by the height of their highest in-band spectral peak
    (ICA leaves the order arbitrary): six signals.
Features (:func:`spectral_features`)
    For each signal, its Hann-windowed power spectrum over :data:`BAND_HZ` (0.7-4 Hz) pooled into
    :data:`N_BINS` equal bins and normalised to sum 1, plus its peak frequency in bpm: 6 x 12 = 72.
Regressor (:func:`make_svr`)
    ``StandardScaler`` + ``sklearn.svm.SVR`` (linear kernel, C = 0.01, epsilon = 0.1, on the HR
    standardised over the training clips), trained on the training videos' clips labelled with their
    mean reference HR; a video's HR is the mean of its clips' predictions, as for the network.
    Measured before choosing: on clean synthetic pulses (the test's) an RBF kernel (gamma "scale",
    C 1-100) erred 8 bpm per video against 2.4 for the linear one, the 72 features and a few hundred
    clips being too few for it (a smaller gamma, 0.001-0.003: 3.1-4.2 bpm); on the book's
    ``mahnob-like`` videos every variant tried (linear C 0.01-0.1, RBF) erred 8.7-10.5 bpm per video,
    near the constant answer's 10.6, and the linear one with C = 0.01 was the better linear one.
Protocol (:func:`svr_cross_validate`)
    The network's folds (:func:`rppg_lib.data.cv_folds`, same seed) and the network's clips
    (:func:`~.experiment.clip_seed`): the same training and test videos.

It lives in the chapter's home: no other paper of the compendium compares with it.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .experiment import VideoSet, clip_seed, video_rows

__all__ = ["BAND_HZ", "N_BINS", "clip_traces", "spectral_features", "make_svr", "svr_cross_validate", "svr_runs"]

#: Heart-rate band of the features (Hz): 42-240 bpm, the band of the synthetic rhythms and of POS.
BAND_HZ = (0.7, 4.0)
#: Equal-width spectral bins over :data:`BAND_HZ` per signal (0.3 Hz, 18 bpm each).
N_BINS = 11


def clip_traces(videos: VideoSet, indices, clips_per_video: int, clip_frames: int, seed: int = 0):
    """The mean cheek colour of the clips :func:`~.experiment.clip_set` cuts with the same arguments:
    ``(rgb, hr, video)`` with rgb ``(N, clip_frames, 3)`` (mean of the blocks), hr ``(N,)`` the mean
    reference HR over each clip's frames and video ``(N,)`` each clip's video."""
    from ...data.splits import random_clip_windows

    rgb, hr, video = [], [], []
    for v in np.asarray(indices, dtype=int):
        for s, e in random_clip_windows(videos.blocks.shape[1], clip_frames, clips_per_video, seed=clip_seed(seed, v)):
            rgb.append(videos.blocks[v, s:e].astype(float).mean(axis=1))
            hr.append(videos.hr[v, s:e].mean())
            video.append(v)
    if not rgb:
        raise ValueError("no videos to cut clips from")
    return np.stack(rgb), np.asarray(hr), np.asarray(video)


def _sources(channels: np.ndarray, fs: float) -> np.ndarray:
    """The three FastICA sources ``(3, T)`` of one clip's detrended channels ``(3, T)``, highest relative
    in-band spectral peak first."""
    from sklearn.decomposition import FastICA

    from ...signal import power_spectrum

    z = (channels - channels.mean(axis=1, keepdims=True)) / np.maximum(channels.std(axis=1, keepdims=True), 1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastICA's convergence warnings on noisy clips
        ica = FastICA(n_components=3, whiten="unit-variance", random_state=0, max_iter=200, tol=1e-3)
        sources = ica.fit_transform(z.T).T
    freqs, psd = power_spectrum(sources, fs)
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    return sources[np.argsort(-psd[:, band].max(axis=1) / psd.sum(axis=1))]


def spectral_features(rgb, fs: float) -> np.ndarray:
    """Features ``(N, 6 * (N_BINS + 1))`` of clips' mean colour traces ``rgb`` ``(N, T, 3)`` (module docstring)."""
    from ...signal import detrend, power_spectrum

    rgb = np.asarray(rgb, float)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be (N, T, 3) mean colour traces, got shape {rgb.shape}")
    x = rgb.transpose(0, 2, 1)  # (N, 3, T)
    channels = detrend(x / x.mean(axis=2, keepdims=True) - 1.0, lam=100.0 * (fs / 30.0) ** 2)  # cut-off ~0.5 Hz
    signals = np.concatenate([channels, np.stack([_sources(c, fs) for c in channels])], axis=1)  # (N, 6, T)
    freqs, psd = power_spectrum(signals, fs)
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    freqs, psd = freqs[band], psd[..., band]
    which = np.clip(np.searchsorted(np.linspace(*BAND_HZ, N_BINS + 1), freqs, side="right") - 1, 0, N_BINS - 1)
    power = np.stack([psd[..., which == k].sum(axis=-1) for k in range(N_BINS)], axis=-1)  # (N, 6, N_BINS)
    power /= np.maximum(power.sum(axis=-1, keepdims=True), 1e-30)
    peak_bpm = 60.0 * freqs[np.argmax(psd, axis=-1)]  # (N, 6)
    return np.concatenate([power, peak_bpm[..., None]], axis=-1).reshape(len(rgb), -1)


def make_svr():
    """The regressor: standardised features -> linear SVR, on the standardised HR (module docstring)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    return TransformedTargetRegressor(make_pipeline(StandardScaler(), SVR(kernel="linear", C=0.01, epsilon=0.1)),
                                      transformer=StandardScaler())


def svr_cross_validate(videos: VideoSet, cfg, *, protocol: str = "random", seed: int = 0) -> pd.DataFrame:
    """The Hsu 2014-style baseline in the network's ``cfg.folds``-fold cross-validation: one row per video,
    the columns of :func:`~.experiment.cross_validate` (``init`` is ``"Hsu 2014-style SVR"``)."""
    from ...data import cv_folds

    every = np.arange(len(videos))
    # a video's clips do not depend on the fold (clip_seed), so each clip's features are computed once
    rgb, hr, video = clip_traces(videos, every, cfg.clips_per_video, cfg.clip_frames, seed=seed)
    features = spectral_features(rgb, videos.fps)
    test_rgb, _, test_video = clip_traces(videos, every, cfg.clips_per_video, cfg.clip_frames, seed=seed + 1)
    test_features = spectral_features(test_rgb, videos.fps)
    rows = []
    for f, (train_idx, test_idx) in enumerate(cv_folds(list(videos.subjects), protocol, k=cfg.folds, seed=seed)):
        train, test = np.isin(video, train_idx), np.isin(test_video, test_idx)
        model = make_svr().fit(features[train], hr[train])
        rows += video_rows(videos, f, model.predict(test_features[test]), test_video[test])
    table = pd.DataFrame(rows).sort_values("video").reset_index(drop=True)
    return table.assign(init="Hsu 2014-style SVR", protocol=protocol, fraction=1.0, seed=seed)


def svr_runs(videos: VideoSet, cfg, seeds) -> pd.DataFrame:
    """:func:`svr_cross_validate` once per seed of ``seeds`` (random protocol), the per-video tables stacked in
    seed order (column ``seed`` tells them apart)."""
    return pd.concat([svr_cross_validate(videos, cfg, seed=s) for s in seeds], ignore_index=True)
