"""Hybrid time + frequency loss of AutoHR (Yu et al. 2020, Sec. II-C, Eqs. 3-4).

    L_overall = lambda * L_time + L_fre,   lambda = 0.2 (App. B)
    L_time    = 1 - Pearson(X, Y)                          (Eq. 3)
    L_fre     = CE(PSD(X), HR_gt)                          (Eq. 4)

with ``X`` the predicted rPPG, ``Y`` the reference PPG and HR estimation
treated as a classification over heart-rate classes.

HR classes. The paper does not give them; we use the authors' later public
code of the same loss (PAPERS.md, Sec. 4): one class per integer bpm from 40
to 179, i.e. ``N_HR_CLASSES = 140`` classes, class ``k`` = ``40 + k`` bpm
(1-bpm bins centred on the integers, covering [39.5, 179.5) bpm). A label is
mapped to the nearest class (:func:`hr_to_class`; the public code truncates,
``int(hr - 40)``, which shifts every label down by 0.5 bpm on average) and
labels outside the range go to the edge class (``clip=True``) or raise.

PSD. The power of the Hann-windowed prediction at exactly the class
frequencies, ``P_k = |sum_n x_n h_n exp(-2 pi i f_k n / fs)|^2`` with
``f_k = (40 + k) / 60`` Hz (a DFT at chosen, not bin-aligned, frequencies,
as in the public code), normalised to sum 1 over the classes. We remove the
mean first (the public code does not; the Hann window already keeps most of
the DC leakage away from 40 bpm for clips of a few seconds or more).

Cross-entropy. ``psd_as="logits"`` (default, the public code): the
normalised PSD is passed to the softmax cross-entropy as logits, i.e.
``L_fre = logsumexp(p) - p_label``; bounded in ``[log K - 1, log K]``
because ``p`` sums to 1, and its gradient raises the label's share of power
and lowers the others' alike. ``psd_as="probabilities"`` reads the normalised
PSD as the class distribution, ``L_fre = -log p_label`` (unbounded, steeper
when the label bin holds little power).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .contrastive import _as_batch, _out, pearson_correlation

__all__ = [
    "HR_CLASS_MIN_BPM",
    "N_HR_CLASSES",
    "LAMBDA_TIME",
    "hr_classes_bpm",
    "hr_to_class",
    "hr_class_psd",
    "frequency_ce_loss",
    "hybrid_loss",
    "sinusoid_correlation",
    "predict_hr_class",
]

#: Lowest HR class (bpm) and number of 1-bpm classes: 40, 41, ..., 179 (public code).
HR_CLASS_MIN_BPM = 40
N_HR_CLASSES = 140
#: lambda of L_overall = lambda * L_time + L_fre (App. B).
LAMBDA_TIME = 0.2


def hr_classes_bpm() -> np.ndarray:
    """Centre of every HR class in bpm, ``(140,)``: 40, 41, ..., 179."""
    return HR_CLASS_MIN_BPM + np.arange(N_HR_CLASSES, dtype=float)


def hr_to_class(hr_bpm, clip: bool = True) -> torch.Tensor:
    """Nearest HR class of each label, ``(N,)`` long; see the module docstring for the bins."""
    hr = torch.as_tensor(np.asarray(hr_bpm, dtype=float)).reshape(-1)
    if not torch.isfinite(hr).all():
        raise ValueError(f"HR labels must be finite, got {hr.tolist()}")
    k = torch.floor(hr - HR_CLASS_MIN_BPM + 0.5).long()
    if not clip and ((k < 0) | (k >= N_HR_CLASSES)).any():
        lo, hi = HR_CLASS_MIN_BPM - 0.5, HR_CLASS_MIN_BPM + N_HR_CLASSES - 0.5
        raise ValueError(f"HR labels {hr.tolist()} outside the class range [{lo}, {hi}) bpm")
    return k.clamp(0, N_HR_CLASSES - 1)


def _fs_column(fs, n: int, like: torch.Tensor) -> torch.Tensor:
    f = torch.as_tensor(np.asarray(fs, dtype=float), dtype=like.dtype, device=like.device).reshape(-1, 1)
    if f.shape[0] not in (1, n):
        raise ValueError(f"fs must be one number or one per signal ({n}), got {f.shape[0]} values")
    if not (f > 0).all():
        raise ValueError(f"fs must be positive, got {f.flatten().tolist()}")
    return f.expand(n, 1)


def hr_class_psd(pred, fs) -> torch.Tensor:
    """Normalised power at the HR class frequencies, ``(N, 140)`` (``(140,)`` for 1-D input), rows sum to 1.

    ``pred``: ``(N, T)`` or ``(T,)``; ``fs``: frame rate in Hz, one number or
    one per signal (datasets such as VIPL-HR mix frame rates). A flat signal
    gives a uniform row. Differentiable.
    """
    x, one_d = _as_batch(pred, "pred")
    n, t = x.shape
    fs = _fs_column(fs, n, x)
    x = x - x.mean(dim=-1, keepdim=True)
    x = x * torch.as_tensor(np.hanning(t), dtype=x.dtype, device=x.device)
    f_hz = torch.as_tensor(hr_classes_bpm() / 60.0, dtype=x.dtype, device=x.device)
    phase = 2 * math.pi * (f_hz[None, :, None] / fs[:, :, None]) * torch.arange(t, dtype=x.dtype, device=x.device)
    re = (x[:, None, :] * torch.cos(phase)).sum(-1)
    im = (x[:, None, :] * torch.sin(phase)).sum(-1)
    power = re * re + im * im
    total = power.sum(dim=-1, keepdim=True)
    flat = total <= 1e-30
    out = torch.where(flat, torch.full_like(power, 1.0 / N_HR_CLASSES), power / torch.where(flat, 1.0, total))
    return _out(out, one_d)


def frequency_ce_loss(pred, hr_bpm, fs, psd_as: str = "logits", clip: bool = True) -> torch.Tensor:
    """L_fre = CE(PSD(pred), HR class) averaged over the batch (Eq. 4); see the module docstring."""
    p = hr_class_psd(_as_batch(pred, "pred")[0], fs)
    target = hr_to_class(hr_bpm, clip=clip).to(p.device)
    if target.shape[0] == 1 and p.shape[0] > 1:
        target = target.expand(p.shape[0])
    if target.shape[0] != p.shape[0]:
        raise ValueError(f"{p.shape[0]} predictions but {target.shape[0]} HR labels")
    if psd_as == "logits":
        return F.cross_entropy(p, target)
    if psd_as == "probabilities":
        return F.nll_loss(torch.log(p.clamp_min(1e-12)), target)
    raise ValueError(f"psd_as must be 'logits' or 'probabilities', got {psd_as!r}")


def sinusoid_correlation(pred, hr_bpm, fs) -> torch.Tensor:
    """Pearson correlation of each prediction with the best-phased sinusoid at its labelled HR, ``(N,)``.

    With ``c`` and ``s`` the correlations of the prediction with a cosine and a sine at the label's
    frequency and ``rho`` the correlation of that cosine and sine over the clip (0 over whole
    periods), the largest correlation over the sinusoid's phase is the multiple correlation
    ``sqrt((c**2 + s**2 - 2 c s rho) / (1 - rho**2))``. Used as the time term's reference when no
    PPG is given (ours, see :func:`hybrid_loss`). Differentiable.
    """
    x, _ = _as_batch(pred, "pred")
    n, t = x.shape
    fs = _fs_column(fs, n, x)
    hr = torch.as_tensor(np.asarray(hr_bpm, dtype=float), dtype=x.dtype, device=x.device).reshape(-1, 1)
    if hr.shape[0] not in (1, n):
        raise ValueError(f"{n} predictions but {hr.shape[0]} HR labels")
    phase = 2 * math.pi * (hr.expand(n, 1) / 60.0) / fs * torch.arange(t, dtype=x.dtype, device=x.device)
    cos, sin = torch.cos(phase).expand(n, t), torch.sin(phase).expand(n, t)
    c, s, rho = pearson_correlation(x, cos), pearson_correlation(x, sin), pearson_correlation(cos, sin)
    r2 = (c * c + s * s - 2 * c * s * rho) / (1 - rho * rho).clamp_min(1e-6)
    return torch.sqrt(r2.clamp(1e-12, 1.0))


def hybrid_loss(pred, hr_bpm, fs, lam: float = LAMBDA_TIME, ppg=None, psd_as: str = "logits",
                clip: bool = True) -> torch.Tensor:
    """AutoHR's overall loss ``lam * (1 - Pearson(pred, ppg)) + CE(PSD(pred), HR class)``.

    ``pred``: ``(N, T)`` or ``(T,)``; ``hr_bpm``: one label per signal (or one for all);
    ``fs``: Hz, one or one per signal; ``ppg``: the reference PPG, ``(N, T)`` or ``(T,)``.
    Both terms are batch means; Pearson of a flat signal is 0.

    Without ``ppg`` (a dataset with HR labels only) the time term correlates the prediction
    with a sinusoid at the labelled HR, at the phase that fits it best
    (:func:`sinusoid_correlation`; ours: the paper always has the PPG). ``lam=0`` gives the
    frequency term alone (the "L_fre" bar of Fig. 4a).
    """
    fre = frequency_ce_loss(pred, hr_bpm, fs, psd_as=psd_as, clip=clip)
    if lam == 0:
        return fre
    r = sinusoid_correlation(pred, hr_bpm, fs) if ppg is None else pearson_correlation(pred, ppg)
    return lam * (1.0 - r.mean()) + fre


def predict_hr_class(pred, fs) -> torch.Tensor:
    """HR (bpm) of the strongest class of each prediction, ``(N,)``: the arg-max of :func:`hr_class_psd`."""
    p = hr_class_psd(_as_batch(pred, "pred")[0], fs)
    return HR_CLASS_MIN_BPM + p.argmax(dim=-1).to(p.dtype)
