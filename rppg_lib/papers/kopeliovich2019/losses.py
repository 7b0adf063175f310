"""Losses of Kopeliovich et al. 2019, Section 4.3 (Eqs. 1-5).

- :func:`class_weights`: inverse class counts smoothed by a Gaussian and
  normalised to sum 1 (Eq. 2), window 13 bpm, sigma 13/3 bpm.
- :func:`smoothed_one_hot`: one-hot target smoothed by a Gaussian and
  normalised to sum 1 (Eq. 4), window 13 bpm, sigma 13/6 bpm.
- :func:`weighted_cross_entropy`: class-weighted CE (Eq. 3).
- :func:`combined_loss`: CL = CE + alpha * MSE(output, smoothed one-hot) (Eq. 5).
- :func:`squared_error_loss`: SE (Eq. 1) on bpm for the regression model.
- :func:`loss_for_head`: the loss each model of the paper is trained with.

Conventions (interpretations of the paper, stated once here):

- Labels are class indices (``torch.long``); bpm -> class goes through
  :func:`rppg_lib.papers.kopeliovich2019.model.bpm_to_class` only.
- Gaussian kernels live on the class grid (0.664 bpm per class): the window
  of 13 bpm becomes the odd number of taps closest to 13 / 0.664 = 19.6,
  i.e. 19 taps (+-9 classes); sigma 13/3 bpm = 6.5 classes, 13/6 bpm = 3.3
  classes. "Same padding" (Eq. 2) is zero padding, so classes at the edges
  receive mass from one side only before the renormalisation.
- Inverse counts of empty classes are 0 (not infinite) before smoothing, so an
  empty class gets a finite weight from its neighbours within the window.
- Batch reduction of the weighted CE follows PyTorch's weighted mean,
  ``sum_n w_{y_n} CE_n / sum_n w_{y_n}``: the overall scale of the weights
  (sum 1 in Eq. 2) then cancels and only their ratios matter.
- Eq. 5 compares the *raw network output* Y^ with the smoothed one-hot,
  because the paper uses the same symbol Y^ for the pre-softmax scores in
  Eq. 3 and describes the CL+F filter as smoothing Y^ itself to fit the
  target (Section 4.4). ``mse_on="softmax"`` gives the other reading.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .model import bpm_to_class, class_width_bpm

__all__ = [
    "gaussian_kernel_classes",
    "class_weights",
    "smoothed_one_hot",
    "weighted_cross_entropy",
    "combined_loss",
    "squared_error_loss",
    "loss_for_head",
    "bpm_to_class",
    "CE_REDUCTIONS",
]


def gaussian_kernel_classes(window_bpm: float, sigma_bpm: float, n_classes: int = 128,
                            hr_min: float = 40.0, hr_max: float = 125.0) -> np.ndarray:
    """Zero-mean Gaussian kernel on the class grid, normalised to sum 1.

    The length is the odd number of taps closest to ``window_bpm / width``
    (19 taps for 13 bpm and 128 classes over 40-125 bpm).
    """
    if not (window_bpm > 0 and sigma_bpm > 0):
        raise ValueError(f"window_bpm and sigma_bpm must be positive, got {window_bpm}, {sigma_bpm}")
    width = class_width_bpm(n_classes, hr_min, hr_max)
    half = max(int(round((window_bpm / width - 1) / 2)), 0)
    offsets = np.arange(-half, half + 1) * width  # bpm
    g = np.exp(-0.5 * (offsets / sigma_bpm) ** 2)
    return g / g.sum()


def _as_label_tensor(labels, n_classes: int) -> torch.Tensor:
    y = torch.as_tensor(labels)
    if y.is_floating_point():
        if not torch.all(y == torch.round(y)):
            raise ValueError("labels must be integer class indices (convert bpm with bpm_to_class first)")
        y = y.long()
    y = y.long().reshape(-1)
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(
            f"labels must be class indices in [0, {n_classes - 1}], got range "
            f"[{int(y.min())}, {int(y.max())}]"
        )
    return y


def class_weights(labels_or_counts, n_classes: int = 128, window_bpm: float = 13.0, sigma_bpm: float = 13 / 3,
                  *, hr_min: float = 40.0, hr_max: float = 125.0, are_counts: bool | None = None) -> torch.Tensor:
    """Class weights W~ of Eq. 2: smoothed inverse class counts, summing to 1.

    ``labels_or_counts``: the training labels (class indices) or the per-class
    counts. ``are_counts=None`` reads a 1-D input of length ``n_classes`` as
    counts and anything else as labels; pass ``are_counts`` explicitly when a
    label vector happens to have ``n_classes`` entries.

    Steps: L_i = 1 / count_i (0 for empty classes); W = L * G (discrete
    convolution, zero "same" padding, Gaussian of ``window_bpm`` and
    ``sigma_bpm``); W~ = W / sum(W). Returns a float32 tensor (n_classes,).
    """
    x = torch.as_tensor(labels_or_counts)
    if are_counts is None:
        are_counts = x.ndim == 1 and x.numel() == n_classes
    if are_counts:
        counts = x.double().reshape(-1)
        if counts.numel() != n_classes:
            raise ValueError(f"counts must have {n_classes} entries, got {counts.numel()}")
        if not torch.isfinite(counts).all() or (counts < 0).any():
            raise ValueError("class counts must be finite and non-negative")
    else:
        y = _as_label_tensor(x, n_classes)
        counts = torch.bincount(y, minlength=n_classes).double()
    if counts.sum() <= 0:
        raise ValueError("no samples: every class count is zero")
    inv = torch.where(counts > 0, 1.0 / counts.clamp(min=1e-300), torch.zeros_like(counts)).numpy()
    kernel = gaussian_kernel_classes(window_bpm, sigma_bpm, n_classes, hr_min, hr_max)
    smoothed = np.convolve(inv, kernel, mode="same")
    return torch.as_tensor(smoothed / smoothed.sum(), dtype=torch.float32)


def smoothed_one_hot(labels, n_classes: int = 128, window_bpm: float = 13.0, sigma_bpm: float = 13 / 6,
                     *, hr_min: float = 40.0, hr_max: float = 125.0) -> torch.Tensor:
    """Smoothed one-hot targets Y~ of Eq. 4, ``(N, n_classes)``, each row summing to 1.

    The one-hot vector of each label is convolved with the Gaussian (zero
    "same" padding) and renormalised, so rows near the range edges are
    truncated Gaussians that still sum to 1 and peak at the label.
    """
    y = _as_label_tensor(labels, n_classes)
    kernel = torch.as_tensor(gaussian_kernel_classes(window_bpm, sigma_bpm, n_classes, hr_min, hr_max),
                             dtype=torch.float32)
    half = kernel.numel() // 2
    offsets = torch.arange(-half, half + 1)
    cols = y[:, None] + offsets[None, :]
    valid = (cols >= 0) & (cols < n_classes)
    target = torch.zeros(y.numel(), n_classes)
    rows = torch.arange(y.numel())[:, None].expand_as(cols)
    target[rows[valid], cols[valid]] = kernel.expand_as(cols)[valid]
    return target / target.sum(dim=1, keepdim=True)


def _check_logits(logits: torch.Tensor, labels: torch.Tensor) -> None:
    if logits.ndim != 2:
        raise ValueError(f"expected logits of shape (N, C), got {tuple(logits.shape)}")
    if logits.shape[0] != labels.numel():
        raise ValueError(f"{logits.shape[0]} outputs but {labels.numel()} labels")
    if not torch.isfinite(logits).all():
        raise ValueError("logits contain NaN or infinite values")


#: Batch reductions of the weighted CE: ``"weighted_mean"`` = ``sum w_y CE / sum w_y`` (PyTorch's
#: weighted mean, the weights' scale cancels) and ``"paper"`` = ``mean(w_y CE)`` with the weights of
#: Eq. 2 summing to 1, Eq. 3 as printed.
CE_REDUCTIONS = ("weighted_mean", "paper")


def weighted_cross_entropy(logits: torch.Tensor, labels, class_weights: torch.Tensor | None = None,
                           reduction: str = "weighted_mean") -> torch.Tensor:
    """Weighted cross entropy of Eq. 3.

    ``reduction="weighted_mean"``: ``sum w_y CE / sum w_y``; ``"paper"``: the
    batch mean of ``w_y CE`` (Eq. 3 literally, with ``w`` of Eq. 2 summing to
    1, so the term is about ``CE / n_populated_classes``). The two differ only
    by a scale per batch for CE alone, but the scale sets the balance against
    the MSE term of Eq. 5 (see :func:`combined_loss`).
    ``class_weights=None`` gives the unweighted mean either way.
    """
    if reduction not in CE_REDUCTIONS:
        raise ValueError(f"reduction must be one of {CE_REDUCTIONS}, got {reduction!r}")
    y = _as_label_tensor(labels, logits.shape[-1]).to(logits.device)
    _check_logits(logits, y)
    w = None if class_weights is None else torch.as_tensor(class_weights, dtype=logits.dtype, device=logits.device)
    if w is not None and w.numel() != logits.shape[1]:
        raise ValueError(f"class_weights has {w.numel()} entries for {logits.shape[1]} classes")
    if w is not None and reduction == "paper":
        return (w[y] * F.cross_entropy(logits, y, reduction="none")).mean()
    return F.cross_entropy(logits, y, weight=w)


def combined_loss(logits: torch.Tensor, labels, class_weights: torch.Tensor | None = None, alpha: float = 25.0,
                  *, window_bpm: float = 13.0, sigma_bpm: float = 13 / 6, hr_min: float = 40.0,
                  hr_max: float = 125.0, mse_on: str = "logits", ce_reduction: str = "weighted_mean") -> torch.Tensor:
    """Combined loss CL of Eq. 5: weighted CE + ``alpha`` * MSE(Y^, Y~).

    The MSE is the mean over the N classes and over the batch of
    (Y^_i - Y~_i)^2, with Y~ from :func:`smoothed_one_hot`. ``mse_on``:
    ``"logits"`` (default, the literal Eq. 5: the raw network output) or
    ``"softmax"`` (the output normalised to probabilities first).
    ``ce_reduction``: see :func:`weighted_cross_entropy`.

    Balance (the paper: alpha = 25 was chosen "to equalize the contribution of
    terms"): at initialisation, with weights of Eq. 2, the CE term is 0.050 with
    ``ce_reduction="paper"`` and 5.6 with ``"weighted_mean"``; 25 x MSE is 0.029
    on the softmax and 25 on the raw outputs (BatchNorm makes them unit
    variance). Only ``"paper"`` + ``"softmax"`` puts the two terms at the same
    size; ``"weighted_mean"`` + ``"logits"`` lets the MSE dominate 4.5 : 1 and
    ``"weighted_mean"`` + ``"softmax"`` makes CL equal to CE (1 : 190).
    """
    ce = weighted_cross_entropy(logits, labels, class_weights, reduction=ce_reduction)
    if alpha == 0:
        return ce
    n_classes = logits.shape[1]
    target = smoothed_one_hot(labels, n_classes, window_bpm, sigma_bpm, hr_min=hr_min, hr_max=hr_max)
    target = target.to(device=logits.device, dtype=logits.dtype)
    if mse_on == "logits":
        pred = logits
    elif mse_on == "softmax":
        pred = torch.softmax(logits, dim=1)
    else:
        raise ValueError(f"mse_on must be 'logits' or 'softmax', got {mse_on!r}")
    return ce + alpha * F.mse_loss(pred, target)


def squared_error_loss(pred_bpm: torch.Tensor, hr_bpm: torch.Tensor) -> torch.Tensor:
    """SE loss of Eq. 1, (y^ - y)^2 in bpm^2, averaged over the batch."""
    pred = pred_bpm.reshape(-1)
    ref = torch.as_tensor(hr_bpm, dtype=pred.dtype, device=pred.device).reshape(-1)
    if pred.shape != ref.shape:
        raise ValueError(f"{pred.numel()} predictions but {ref.numel()} reference heart rates")
    return F.mse_loss(pred, ref)


def loss_for_head(head: str, output: torch.Tensor, hr_bpm=None, weights: torch.Tensor | None = None,
                  alpha: float = 25.0, *, labels=None, hr_min: float = 40.0, hr_max: float = 125.0,
                  mse_on: str = "logits", ce_reduction: str = "weighted_mean") -> torch.Tensor:
    """The paper's loss of each model (Section 5.3).

    ``"se"``: SE (Eq. 1) against ``hr_bpm``; ``"ce"``: weighted CE (Eq. 3);
    ``"cl"`` and ``"clf"``: combined loss (Eq. 5). Class ``labels`` are derived
    from ``hr_bpm`` when not given.
    """
    if head == "se":
        if hr_bpm is None:
            raise ValueError("the SE loss needs hr_bpm")
        return squared_error_loss(output, hr_bpm)
    if labels is None:
        if hr_bpm is None:
            raise ValueError("give hr_bpm or labels")
        hr = hr_bpm.detach().cpu().numpy() if torch.is_tensor(hr_bpm) else np.asarray(hr_bpm)
        labels = torch.as_tensor(bpm_to_class(hr, output.shape[1], hr_min, hr_max))
    if head == "ce":
        return weighted_cross_entropy(output, labels, weights, reduction=ce_reduction)
    if head in ("cl", "clf"):
        return combined_loss(output, labels, weights, alpha, hr_min=hr_min, hr_max=hr_max, mse_on=mse_on,
                             ce_reduction=ce_reduction)
    raise ValueError(f"unknown head {head!r}")
