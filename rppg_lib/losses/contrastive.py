"""Losses and label-free quality index of Gideon & Stent (2021), in torch.

Every function takes signals shaped ``(N, T)`` (a batch, time last) or
``(T,)`` and is differentiable, so it can be used as a training loss.
Frequencies are in Hz, heart rates and bands in beats per minute (bpm).

- :func:`neg_mcc`: negative maximum cross-correlation (Sec. 3.4, Eq. 4), the
  supervised loss; :func:`max_cross_correlation` gives the per-signal MCC.
- :func:`neg_pearson`: negative Pearson correlation (suppl. A2), a baseline loss.
- :func:`snr_loss`: negative SNR around the reference HR (suppl. A2), a baseline loss.
- :func:`psd_mse`: PSD-MSE (Sec. 3.4), the distance inside MVTL.
- :func:`mvtl`: multi-view triplet loss (Sec. 3.4), the contrastive loss.
- :func:`irrelevant_power_ratio` (alias :func:`ipr`): IPR (Sec. 3.4), the
  validation metric without labels.

The spectral conventions are those of :mod:`rppg_lib.signal`, so that
``max_cross_correlation`` equals ``rppg_lib.signal.mcc``,
``irrelevant_power_ratio`` equals ``rppg_lib.signal.ipr`` and ``snr_db`` equals
``rppg_lib.signal.snr`` on the same inputs (the tests check this to 1e-9 relative, in float64).
Where the authors' public code (ToyotaResearchInstitute/RemotePPG) differs
from the paper, the docstring of the function says so and which one we follow.
"""
from __future__ import annotations

import numpy as np
import torch

from ..signal import DEFAULT_BAND_BPM, _check_band, _nfft_for

__all__ = [
    "max_cross_correlation",
    "neg_mcc",
    "pearson_correlation",
    "neg_pearson",
    "snr_db",
    "snr_loss",
    "normalised_psd",
    "psd_mse",
    "temporal_views",
    "mvtl",
    "irrelevant_power_ratio",
    "ipr",
]

_TINY = 1e-20


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def _as_batch(x, name: str) -> tuple[torch.Tensor, bool]:
    """(T,) or (N, T) -> ((N, T) floating tensor, was_1d)."""
    if not torch.is_tensor(x):
        x = torch.as_tensor(np.asarray(x, dtype=float))
    if not x.is_floating_point():
        x = x.float()
    if x.ndim == 1:
        return x[None], True
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (N, T) or (T,), got {tuple(x.shape)}")
    if x.shape[-1] < 2:
        raise ValueError(f"{name} has {x.shape[-1]} samples along time; need at least 2")
    return x, False


def _pair(a, b, names=("pred", "target")):
    a, one_d = _as_batch(a, names[0])
    b, _ = _as_batch(b, names[1])
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} {tuple(a.shape)} and {names[1]} {tuple(b.shape)} differ in shape")
    return a, b.to(dtype=a.dtype, device=a.device), one_d


def _band_mask(n_fft: int, fs: float, band_bpm, like: torch.Tensor) -> torch.Tensor:
    """Boolean mask of the rfft bins whose frequency lies in ``band_bpm`` (inclusive).

    Built in float64 numpy exactly as :mod:`rppg_lib.signal` builds it, so both
    sides select the same bins.
    """
    lo, hi = _check_band(band_bpm, fs)
    f_bpm = np.fft.rfftfreq(n_fft, 1.0 / fs) * 60.0
    return torch.as_tensor((f_bpm >= lo) & (f_bpm <= hi), device=like.device)


def _safe_div(num: torch.Tensor, den: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """num / den where den > 0, else 0, with a finite gradient. Returns (value, ok).

    A NaN denominator counts as ``ok`` so that NaN inputs still give NaN (and
    the training loop can stop) instead of being silently masked to 0.
    """
    ok = ~(den <= _TINY)
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(num)), ok


def _normalise_by_stds(num: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``num / (T std(a) std(b))`` for zero-mean ``a``, ``b``; 0 (and zero gradient) when
    either signal is constant, NaN when either holds NaN."""
    var_a = (a * a).mean(dim=-1)
    var_b = (b * b).mean(dim=-1)
    flat = (var_a <= _TINY) | (var_b <= _TINY)
    denom = a.shape[-1] * torch.sqrt(var_a.clamp_min(_TINY)) * torch.sqrt(var_b.clamp_min(_TINY))
    return torch.where(flat, torch.zeros_like(num), num / torch.where(flat, torch.ones_like(denom), denom))


def _out(x: torch.Tensor, one_d: bool) -> torch.Tensor:
    return x[0] if one_d else x


# ----------------------------------------------------------------------------
# MCC (Eq. 4)
# ----------------------------------------------------------------------------
def max_cross_correlation(pred, target, fs: float, band_bpm=DEFAULT_BAND_BPM) -> torch.Tensor:
    """Maximum cross-correlation (MCC) per signal, Gideon & Stent (2021) Eq. 4.

    Steps: remove the means; zero-pad both signals to ``2T`` (no circular
    wrap-around); cross-spectrum ``F{pred} * conj(F{target})``; zero the bins
    outside ``band_bpm``; inverse FFT; divide by ``T * std(pred) * std(target)``
    (population std); take the maximum over lags; multiply by ``c_pr``, the
    fraction of the cross-spectrum magnitude that lies inside the band.

    Returns ``(N,)`` (a 0-d tensor for 1-D input): 1 for identical band-limited
    signals; a delayed copy loses only the non-overlapping part. A constant
    signal gives 0 with a zero gradient (as in the public code); NaN inputs
    give NaN, so a training loop can notice them.

    Paper vs public code: the paper *scales by* ``c_pr`` (multiplies) and
    divides by the standard deviations; the public code divides the maximum by
    the in-band fraction and normalises by ``T - 1``. We follow the paper (and
    :func:`rppg_lib.signal.mcc`, which this function matches numerically).
    """
    a, b, one_d = _pair(pred, target)
    T = a.shape[-1]
    a = a - a.mean(dim=-1, keepdim=True)
    b = b - b.mean(dim=-1, keepdim=True)
    n = 2 * T
    cross = torch.fft.rfft(a, n=n) * torch.conj(torch.fft.rfft(b, n=n))
    mask = _band_mask(n, fs, band_bpm, a)
    power = cross.abs()
    c_pr, _ = _safe_div((power * mask).sum(dim=-1), power.sum(dim=-1))
    xc = torch.fft.irfft(cross * mask, n=n)
    return _out(c_pr * _normalise_by_stds(xc.max(dim=-1).values, a, b), one_d)


def neg_mcc(pred, target, fs: float, band_bpm=DEFAULT_BAND_BPM) -> torch.Tensor:
    """Negative MCC averaged over the batch: the paper's supervised loss (Sec. 3.4).

    -1 when every prediction matches its target up to a time shift (within
    the overlap) and a gain. See :func:`max_cross_correlation`.
    """
    return -max_cross_correlation(pred, target, fs, band_bpm).mean()


# ----------------------------------------------------------------------------
# Pearson and SNR (supplementary A2)
# ----------------------------------------------------------------------------
def pearson_correlation(pred, target) -> torch.Tensor:
    """Pearson's correlation along time, ``(N,)``; 0 for a constant signal."""
    a, b, one_d = _pair(pred, target)
    a = a - a.mean(dim=-1, keepdim=True)
    b = b - b.mean(dim=-1, keepdim=True)
    return _out(_normalise_by_stds((a * b).sum(dim=-1), a, b), one_d)


def neg_pearson(pred, target) -> torch.Tensor:
    """Negative Pearson correlation averaged over the batch (PhysNet's loss; paper A2).

    Assumes perfect synchronisation: a target delayed by half a beat turns a
    perfect prediction into a correlation near -1.
    """
    return -pearson_correlation(pred, target).mean()


def _periodogram(x: torch.Tensor, fs: float, nfft: int | None):
    """Mean-removed, Hann-windowed, zero-padded power |X|^2 (unscaled), as in rppg_lib.signal."""
    T = x.shape[-1]
    nfft = int(nfft or _nfft_for(T, fs))
    if nfft < T:
        raise ValueError(f"nfft = {nfft} is shorter than the signal ({T} samples)")
    x = x - x.mean(dim=-1, keepdim=True)
    window = torch.hann_window(T, periodic=True, dtype=x.dtype, device=x.device)
    spec = torch.fft.rfft(x * window, n=nfft)
    return spec.real**2 + spec.imag**2, nfft


def snr_db(pred, hr_bpm, fs: float, band_bpm=DEFAULT_BAND_BPM, tol_bpm: float = 6.0,
           nfft: int | None = None) -> torch.Tensor:
    """SNR in dB of each predicted signal around a known heart rate, ``(N,)``.

    Power within ``tol_bpm`` of ``hr_bpm`` and of its first harmonic, over the
    remaining power inside ``band_bpm`` (de Haan & Jeanne 2013), from the same
    Hann periodogram as :func:`rppg_lib.signal.snr` (equal to it numerically).
    ``hr_bpm``: a number or ``(N,)`` values, one per signal.

    Public code: power in the single bin nearest the HR over the *mean* of the
    other in-band bins, no harmonic, no window. We use the library's
    definition so training loss and evaluation metric agree.
    """
    x, one_d = _as_batch(pred, "pred")
    lo, hi = _check_band(band_bpm, fs)
    psd, nfft = _periodogram(x, fs, nfft)
    f_bpm = torch.as_tensor(np.fft.rfftfreq(nfft, 1.0 / fs) * 60.0, dtype=x.dtype, device=x.device)
    hr = torch.as_tensor(np.asarray(hr_bpm, dtype=float), dtype=x.dtype, device=x.device)
    hr = hr.reshape(-1, 1).expand(x.shape[0], 1)
    in_band = (f_bpm >= lo) & (f_bpm <= hi)
    signal_bins = ((f_bpm - hr).abs() <= tol_bpm) | ((f_bpm - 2 * hr).abs() <= tol_bpm)
    p_sig = (psd * (signal_bins & in_band)).sum(dim=-1)
    p_noise = (psd * (~signal_bins & in_band)).sum(dim=-1)
    out = 10.0 * torch.log10(p_sig.clamp_min(_TINY) / p_noise.clamp_min(_TINY))
    return _out(out, one_d)


def snr_loss(pred, hr_bpm, fs: float, band_bpm=DEFAULT_BAND_BPM, tol_bpm: float = 6.0) -> torch.Tensor:
    """Negative SNR (dB) averaged over the batch: the SNR baseline loss of the paper (A2).

    The target is the reference heart rate, not the waveform (compute it
    from the reference PPG with :func:`rppg_lib.signal.estimate_hr`).
    """
    return -snr_db(pred, hr_bpm, fs, band_bpm, tol_bpm).mean()


# ----------------------------------------------------------------------------
# PSD-MSE and MVTL
# ----------------------------------------------------------------------------
def _taper(x: torch.Tensor, window: str | None) -> torch.Tensor:
    """Multiply the (mean-removed) signals by a window along time: None (rectangular) or "hann"."""
    if window is None:
        return x
    if window == "hann":
        return x * torch.hann_window(x.shape[-1], periodic=False, dtype=x.dtype, device=x.device)
    raise ValueError(f"window must be None or 'hann', got {window!r}")


def normalised_psd(x, fs: float, band_bpm=DEFAULT_BAND_BPM, nfft: int | None = None,
                   window: str | None = None) -> torch.Tensor:
    """In-band power spectrum normalised to sum 1, ``(N, K)`` for K in-band bins.

    Mean removed, ``nfft`` defaults to the signal length (no zero padding), as
    in the public code. ``window``: None (rectangular, the public code) or
    ``"hann"``, which keeps the power of slow drifts (head motion, light) from
    leaking into the band's lowest bins (see :func:`mvtl`). A signal with no
    in-band power gives zeros.
    """
    x, one_d = _as_batch(x, "x")
    n = int(nfft or x.shape[-1])
    x = _taper(x - x.mean(dim=-1, keepdim=True), window)
    spec = torch.fft.rfft(x, n=n)
    psd = (spec.real**2 + spec.imag**2)[..., _band_mask(n, fs, band_bpm, x)]
    if psd.shape[-1] == 0:
        raise ValueError(
            f"no frequency bin of a {n}-point spectrum at fs = {fs:g} Hz lies in {tuple(band_bpm)} bpm; "
            "use longer signals or a larger nfft"
        )
    out, _ = _safe_div(psd, psd.sum(dim=-1, keepdim=True))
    return _out(out, one_d)


def psd_mse(a, b, fs: float, band_bpm=DEFAULT_BAND_BPM, nfft: int | None = None,
            reduction: str = "mean", window: str | None = None) -> torch.Tensor:
    """PSD-MSE distance (Sec. 3.4): MSE between the normalised in-band PSDs of ``a`` and ``b``.

    ``reduction="mean"`` averages over bins and batch (a scalar);
    ``"none"`` returns one distance per signal, ``(N,)``. 0 for identical
    signals and for signals that differ only by gain or offset (nearly 0
    for a delay, which moves power only through the window edges).
    ``window``: see :func:`normalised_psd`.
    """
    pa = normalised_psd(a, fs, band_bpm, nfft, window)
    pb = normalised_psd(b, fs, band_bpm, nfft, window)
    if pa.shape != pb.shape:
        raise ValueError(f"signals give PSDs of different shapes {tuple(pa.shape)} and {tuple(pb.shape)}; "
                         "they must have the same length (or pass a common nfft)")
    d = (pa - pb) ** 2
    if reduction == "mean":
        return d.mean()
    if reduction == "none":
        return d.mean(dim=-1)
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def temporal_views(x, n_views: int, view_len: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n_views`` random windows of ``view_len`` samples of a batch, ``(V, N, view_len)``.

    One random offset per view, shared across the batch (as in the public
    code). A signal shorter than ``view_len`` is zero-padded at the end.
    """
    x, _ = _as_batch(x, "x")
    if n_views < 1 or view_len < 2:
        raise ValueError(f"need n_views >= 1 and view_len >= 2, got {n_views} and {view_len}")
    T = x.shape[-1]
    if T < view_len:
        x = torch.nn.functional.pad(x, (0, view_len - T))
        T = view_len
    starts = torch.randint(0, T - view_len + 1, (n_views,), generator=generator).tolist()
    return torch.stack([x[:, s:s + view_len] for s in starts])


def mvtl(anchor, positive, negative, fs: float, n_views: int = 4, view_len: int | None = None,
         band_bpm=DEFAULT_BAND_BPM, view_scaling: str = "paper",
         generator: torch.Generator | None = None, window: str | None = "hann") -> torch.Tensor:
    """Multi-view triplet loss (MVTL) with the PSD-MSE distance, Sec. 3.4.

    From each branch (``(N, T)`` each; the negative may be shorter) take
    ``n_views`` random views of ``view_len`` samples (default 5 s, the paper's
    V_L; V_N = 4). ``P_tot`` is the PSD-MSE summed over all V x V
    anchor-positive view pairs, ``N_tot`` the same for anchor-negative pairs;
    the loss is ``P_tot - N_tot``, averaged over the batch.

    ``view_scaling``: ``"paper"`` divides by V^2 as the paper states;
    ``"public_code"`` does not (the authors' code divides and multiplies by V,
    which cancels). With AdamW the choice mostly rescales the loss, but it
    changes its printed values by a factor V^2 = 16.

    ``window``: taper of each view before its PSD. The paper does not say how
    the PSD is estimated; the public code uses none (rectangular). We default
    to ``"hann"`` (the library's periodogram window): without it, the slow
    drift that head motion and light put into an untrained network's output
    leaks into the band's lowest bins of anchor, positive and negative alike,
    the loss is flat and training stalls (book profile, ubfc-like: 1 of 3
    seeds learned in 25 epochs with ``None``, 3 of 3 with ``"hann"``; on the
    same data without head motion ``None`` learned too). ``None`` gives the
    public code's estimator.
    """
    if view_scaling not in ("paper", "public_code"):
        raise ValueError(f"view_scaling must be 'paper' or 'public_code', got {view_scaling!r}")
    view_len = int(view_len or round(5.0 * fs))
    a, _ = _as_batch(anchor, "anchor")
    p, _ = _as_batch(positive, "positive")
    n, _ = _as_batch(negative, "negative")
    if not (a.shape[0] == p.shape[0] == n.shape[0]):
        raise ValueError(f"branches have different batch sizes: {a.shape[0]}, {p.shape[0]}, {n.shape[0]}")
    psds = [normalised_psd(temporal_views(x, n_views, view_len, generator).reshape(-1, view_len), fs, band_bpm,
                           window=window)
            .reshape(n_views, x.shape[0], -1) for x in (a, p, n)]
    pa, pp, pn = psds

    def total(p1, p2):  # sum over view pairs of the batch-and-bin mean squared error
        return ((p1[:, None] - p2[None, :]) ** 2).mean(dim=(-2, -1)).sum()

    loss = total(pa, pp) - total(pa, pn)
    return loss / n_views**2 if view_scaling == "paper" else loss


# ----------------------------------------------------------------------------
# IPR
# ----------------------------------------------------------------------------
def irrelevant_power_ratio(x, fs: float, band_bpm=DEFAULT_BAND_BPM, nfft: int | None = None) -> torch.Tensor:
    """Irrelevant power ratio per signal, ``(N,)``: share of the power outside ``band_bpm``.

    Same estimator as :func:`rppg_lib.signal.ipr` (mean removed, Hann
    periodogram zero-padded for 0.2 bpm bins, one-sided, DC excluded), hence
    numerically equal to it. 0 for an in-band sinusoid, near 1 for an
    out-of-band one; NaN for a constant signal.

    Public code: sums spectral *magnitudes* (not power) of an unwindowed,
    unpadded FFT. We use power, as the paper's text says ("power").
    """
    x, one_d = _as_batch(x, "x")
    psd, n = _periodogram(x, fs, nfft)
    # one-sided spectrum: every bin but DC (and Nyquist for even n) counts twice
    weight = torch.full((psd.shape[-1],), 2.0, dtype=psd.dtype, device=psd.device)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0
    psd = psd * weight
    mask = _band_mask(n, fs, band_bpm, psd)
    total = psd[..., 1:].sum(dim=-1)
    inside = (psd * mask).sum(dim=-1)
    ratio, ok = _safe_div(inside, total)
    out = torch.where(ok, 1.0 - ratio, torch.full_like(ratio, float("nan")))
    return _out(out, one_d)


#: Short alias used in the training loop and notebooks.
ipr = irrelevant_power_ratio
