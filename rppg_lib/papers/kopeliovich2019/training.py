"""Training recipe of Kopeliovich et al. 2019 (Section 5.2) for
:class:`rppg_lib.models.ColourSignalCNN`.

- :func:`lr_range_test`: train a fresh model for a few epochs at each of a
  log-spaced set of learning rates (1e-7 ... 10), record the loss, smooth the
  curve with a Gaussian; :func:`pick_lr_bounds` takes max LR = argmin of the
  smoothed curve and min LR = max LR / 100 (Fig. 5).
- :func:`train_classifier`: Adam (default betas), batch 1024, reshuffled every
  epoch, uniform-noise augmentation, 1cycle schedule (LR linearly min -> max
  -> min), keeps the epoch with the lowest validation MAE.
- :func:`evaluate`: MAE, coverage at +-3 bpm (``within3``) and the rest of
  :func:`rppg_lib.metrics.hr_metrics`, plus the paper's coverage at +-4 classes
  for the classification heads.

Data: a :class:`rppg_lib.papers.kopeliovich2019.colour_signals.Windows` or a pair ``(x, hr_bpm)`` with
``x`` of shape (N, 1, 18, 64). The loss follows ``model.head`` (SE, weighted
CE, or CL for "cl" / "clf"); class weights come from the training labels.

Loss defaults: ``ce_reduction="paper"`` (Eq. 3 as printed: mean of ``w_y CE``
with weights summing to 1) and ``mse_on="softmax"``, the only pairing under
which Eq. 5's alpha = 25 makes the CE and MSE terms the same size, as the paper
says it was chosen to (see :func:`rppg_lib.papers.kopeliovich2019.losses.combined_loss`).

Interpretations: the LR-test curve is the mean training loss of the last of
the ``epochs_per_lr`` epochs (Fig. 5 plots "classification loss"; the text
says MAE, which is recorded too, ``criterion="mae"``); diverged points count
as the worst finite value of the curve before smoothing. The 1cycle schedule
is torch's ``OneCycleLR`` with ``pct_start=0.5``, linear annealing,
``div_factor = max_lr / min_lr`` and ``final_div_factor=1`` (so it ends at
``min_lr``, "from minimum to maximum and back"), and without momentum cycling
(Adam "with default parameters").
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from scipy.ndimage import gaussian_filter1d

from ...metrics import hr_metrics
from ...train.common import resolve_device, seed_everything
from ...train.loop import TrainingDivergedError, TrainingLoop, TrainResult
from .colour_signals import add_uniform_noise
from .losses import class_weights, loss_for_head
from .model import bpm_to_class, predict_bpm

__all__ = [
    "TrainResult",
    "TrainingDivergedError",
    "NoLRMinimumError",
    "lr_range_test",
    "pick_lr_bounds",
    "train_classifier",
    "evaluate",
    "predict_outputs",
]


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def _tensors(data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if data is None:
        raise ValueError(f"{name} data is missing")
    x, hr = (data.x, data.hr) if hasattr(data, "x") and hasattr(data, "hr") else data
    x = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, dtype=torch.float32)
    hr = torch.as_tensor(np.asarray(hr, dtype=float) if not torch.is_tensor(hr) else hr, dtype=torch.float32)
    hr = hr.reshape(-1)
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"{name}: expected windows of shape (N, 1, 18, 64), got {tuple(x.shape)}")
    if x.shape[0] != hr.shape[0]:
        raise ValueError(f"{name}: {x.shape[0]} windows but {hr.shape[0]} heart rates")
    if x.shape[0] == 0:
        raise ValueError(f"{name} data is empty")
    if not torch.isfinite(x).all() or not torch.isfinite(hr).all():
        raise ValueError(f"{name} data contains NaN or infinite values")
    return x, hr


def _device(device):
    return device if isinstance(device, torch.device) else resolve_device(str(device))


def _labels(model, hr: torch.Tensor) -> torch.Tensor | None:
    if model.head == "se":
        return None
    return torch.as_tensor(bpm_to_class(hr.numpy(), model.n_classes, model.hr_min, model.hr_max))


def _batches(n: int, batch_size: int, generator: torch.Generator):
    """Shuffled index batches; a trailing batch of one sample is dropped (BatchNorm needs two)."""
    perm = torch.randperm(n, generator=generator)
    for i in range(0, n, batch_size):
        idx = perm[i:i + batch_size]
        if idx.numel() > 1:
            yield idx


def _loss(model, out, hr, labels, weights, alpha, mse_on, ce_reduction="weighted_mean"):
    return loss_for_head(model.head, out, hr, weights, alpha, labels=labels,
                         hr_min=model.hr_min, hr_max=model.hr_max, mse_on=mse_on, ce_reduction=ce_reduction)


def _run_epoch(loop: TrainingLoop, model, x, hr, labels, weights, *, batch_size, alpha, mse_on, noise, generator,
               epoch, ce_reduction="paper") -> None:
    """One training epoch on ``loop`` (batches counted from 1); a non-finite loss or output raises
    :class:`~rppg_lib.train.loop.TrainingDivergedError` naming the epoch, batch and learning rate."""
    loop.start_epoch()
    for b, idx in enumerate(_batches(x.shape[0], batch_size, generator), start=1):
        dev_idx = idx.to(x.device)
        xb = x[dev_idx]
        if noise is not None:
            xb = add_uniform_noise(xb, noise[0], noise[1], generator=generator)
        lb = None if labels is None else labels[dev_idx]
        out = model(xb)
        loss = _loss(model, out, hr[dev_idx], lb, weights, alpha, mse_on, ce_reduction) if torch.isfinite(out).all() \
            else torch.tensor(float("nan"))
        loop.account(idx.numel(), loss=loop.step(loss, epoch, b))


def _adam_loop(model, lr: float, device, make_scheduler=None, checkpoint_dir=None, config=None,
               data=None) -> TrainingLoop:
    return TrainingLoop({"model": model}, lambda params: torch.optim.Adam(params, lr=lr), device=device,
                        make_scheduler=make_scheduler, selection="val_mae", higher_is_better=False,
                        checkpoint_dir=checkpoint_dir, progress=False, config=config, throughput_unit="windows",
                        data=data)


@torch.no_grad()
def predict_outputs(model, x, batch_size: int = 4096, device=None) -> torch.Tensor:
    """Raw model outputs (on CPU) for windows ``x`` in eval mode; the model's mode is restored."""
    x = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x), dtype=torch.float32)
    dev = next(model.parameters()).device if device is None else _device(device)
    was_training = model.training
    model.eval()
    try:
        outs = [model(x[i:i + batch_size].to(dev)).float().cpu() for i in range(0, x.shape[0], batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(outs)


def evaluate(model, data, batch_size: int = 4096, device=None, rule: str = "argmax", alpha: float = 25.0,
             weights=None, mse_on: str = "softmax", ce_reduction: str = "paper") -> dict:
    """Metrics of ``model`` on ``data`` (Section 5.1).

    Returns :func:`rppg_lib.metrics.hr_metrics` of the predicted HR (bpm) vs
    the window's reference HR (``mae``; ``within3`` = coverage at +-3 bpm, a
    share in [0, 1]; ...), ``loss`` (the model's training loss, with
    ``weights`` if given), and for classification heads ``coverage_4cls``
    (share with |predicted class - reference class| <= 4, about +-2.7 bpm,
    the paper's coverage for classifiers).
    """
    x, hr = _tensors(data, "evaluation")
    out = predict_outputs(model, x, batch_size, device)
    pred = predict_bpm(out, model.hr_min, model.hr_max, rule)
    res = hr_metrics(pred, hr.numpy().astype(float))
    labels = _labels(model, hr)
    w = None if weights is None else torch.as_tensor(weights, dtype=torch.float32)
    res["loss"] = float(_loss(model, out, hr, labels, w, alpha, mse_on, ce_reduction))
    if labels is not None:
        res["coverage_4cls"] = float((out.argmax(dim=1) - labels).abs().le(4).float().mean())
    return res


# ----------------------------------------------------------------------------
# LR range test
# ----------------------------------------------------------------------------
class NoLRMinimumError(ValueError):
    """The LR range test's smoothed curve has no minimum inside the tested range.

    ``curve`` holds the full curve (``lr``, ``loss``, ``mae``, ``smoothed``) so
    it can still be shown. A minimum at the first or last learning rate is not
    a finding: the best rate may lie outside the range, or (at the top) a
    test with a handful of optimiser steps per rate just rewards the largest
    step (the book run's "max LR 10" was this).
    """

    def __init__(self, message, curve):
        super().__init__(message)
        self.curve = curve


def pick_lr_bounds(curve: pd.DataFrame, factor: float = 100.0) -> tuple[float, float]:
    """``(max_lr, min_lr)``: the LR at the minimum of ``curve["smoothed"]``, and it divided by ``factor``.

    Raises :class:`NoLRMinimumError` when that minimum is the first or the last
    learning rate of the curve (no minimum inside the range), instead of
    returning the edge. Ties count as the first occurrence.
    """
    vals = curve["smoothed"].to_numpy(dtype=float)
    if vals.size < 3 or not np.isfinite(vals).any():
        raise NoLRMinimumError(f"an LR range test needs at least 3 finite points, got {vals.size}", curve)
    i = int(np.nanargmin(vals))
    lrs = curve["lr"].to_numpy(dtype=float)
    if i in (0, vals.size - 1):
        where = "lowest" if i == 0 else "highest"
        raise NoLRMinimumError(
            f"the smoothed LR-test curve is lowest at the {where} learning rate tested ({lrs[i]:.3g}; range "
            f"{lrs[0]:.3g} to {lrs[-1]:.3g}): no minimum inside the range. Widen the range or train more "
            "steps per learning rate (a few steps per rate favour the largest rate).", curve)
    max_lr = float(lrs[i])
    return max_lr, max_lr / factor


def lr_range_test(model_factory, train_data, lr_min: float = 1e-7, lr_max: float = 10.0,
                  points_per_decade: int = 4, epochs_per_lr: int = 5, batch_size: int = 1024,
                  val_data=None, criterion: str = "loss", smooth_sigma: float = 1.0, alpha: float = 25.0,
                  noise=(5e-3, 5e-2), mse_on: str = "softmax", device="auto", seed: int = 0,
                  progress: bool = True, ce_reduction: str = "paper") -> pd.DataFrame:
    """Learning-rate range test of Section 5.2 (Smith's LR range test, Fig. 5).

    For each of the log-spaced LRs in [lr_min, lr_max] a fresh model from
    ``model_factory()`` (same seed, same batches) is trained with Adam at that
    constant LR for ``epochs_per_lr`` epochs (5 in the paper).

    Returns a DataFrame with columns ``lr``, ``loss`` (mean training loss of
    the last epoch; inf when it diverged), ``mae`` (on ``val_data``, or on the
    training data when None; NaN when diverged) and ``smoothed`` (Gaussian
    smoothing, ``smooth_sigma`` points, of the ``criterion`` column, "loss"
    or "mae"). ``df.attrs`` holds ``max_lr`` and ``min_lr`` from
    :func:`pick_lr_bounds`, which raises :class:`NoLRMinimumError` (carrying
    the curve as ``.curve``) when the smoothed curve is lowest at either end of
    the range.
    """
    if not 0 < lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max, got {lr_min}, {lr_max}")
    if criterion not in ("loss", "mae"):
        raise ValueError(f"criterion must be 'loss' or 'mae', got {criterion!r}")
    from tqdm import tqdm  # plain text bars: no ipywidgets needed in notebooks

    dev = _device(device)
    x, hr = _tensors(train_data, "train")
    xv, hrv = (x, hr) if val_data is None else _tensors(val_data, "validation")
    n_points = max(int(round(np.log10(lr_max / lr_min) * points_per_decade)) + 1, 2)
    lrs = np.logspace(np.log10(lr_min), np.log10(lr_max), n_points)
    rows = []
    for lr in tqdm(lrs, desc="LR range test", disable=not progress):
        seed_everything(seed)
        model = model_factory().to(dev)
        labels = _labels(model, hr)
        weights = None if labels is None else class_weights(labels, model.n_classes, are_counts=False,
                                                            hr_min=model.hr_min, hr_max=model.hr_max).to(dev)
        loop = _adam_loop(model, float(lr), dev)
        gen = torch.Generator().manual_seed(seed)
        xd, hd = x.to(dev), hr.to(dev)
        ld = None if labels is None else labels.to(dev)
        loss = float("inf")
        try:
            for e in range(1, epochs_per_lr + 1):
                _run_epoch(loop, model, xd, hd, ld, weights, batch_size=batch_size, alpha=alpha, mse_on=mse_on,
                           noise=noise, generator=gen, epoch=e, ce_reduction=ce_reduction)
                loss = loop.epoch_record()["loss"]
            out = predict_outputs(model, xv, device=dev)
            mae = float("nan") if not torch.isfinite(out).all() else \
                hr_metrics(predict_bpm(out, model.hr_min, model.hr_max), hrv.numpy())["mae"]
        except TrainingDivergedError:  # non-finite loss or outputs
            loss, mae = float("inf"), float("nan")
        rows.append({"lr": float(lr), "loss": loss, "mae": mae})
    df = pd.DataFrame(rows)
    vals = df[criterion].to_numpy(dtype=float)
    finite = np.isfinite(vals)
    if not finite.any():
        raise RuntimeError("every learning rate of the range test diverged")
    vals = np.where(finite, vals, vals[finite].max())
    df["smoothed"] = gaussian_filter1d(vals, smooth_sigma, mode="nearest") if smooth_sigma > 0 else vals
    df.attrs["criterion"] = criterion
    df.attrs["max_lr"], df.attrs["min_lr"] = pick_lr_bounds(df)  # raises NoLRMinimumError at an edge
    return df


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
def train_classifier(model, train, val, epochs: int, batch_size: int = 1024, max_lr: float = 5.8e-3,
                     min_lr: float | None = None, device="auto", seed: int = 0, progress: bool = True,
                     checkpoint_dir=None, alpha: float = 25.0, noise=(5e-3, 5e-2),
                     mse_on: str = "softmax", ce_reduction: str = "paper") -> TrainResult:
    """Train ``model`` with the paper's recipe on the shared :class:`~rppg_lib.train.loop.TrainingLoop`
    and keep the epoch with the lowest validation MAE.

    Parameters
    ----------
    model : a :class:`~rppg_lib.papers.kopeliovich2019.model.ColourSignalCNN` (its ``head`` picks the loss).
    train, val : windows (``Windows`` or ``(x, hr_bpm)``).
    epochs : number of epochs (5000 in the paper), counted from 1.
    batch_size : 1024 in the paper.
    max_lr, min_lr : 1cycle bounds (paper's Fig. 5: 5.8e-3 and 5.8e-5);
        ``min_lr`` defaults to ``max_lr / 100``.
    device : "auto", "cpu", "cuda", or a torch.device.
    seed : seeds model-independent randomness (shuffling, noise, dropout).
        Results on CPU are identical for the same seed and initial model.
    noise : (low, high) of the noise amplitude, or None for no augmentation.
    checkpoint_dir : when given, ``best.pt`` (whenever the validation MAE improves), ``last.pt`` and
        ``resume.pt`` every epoch; a rerun with the same folder, settings and data (training and validation
        windows) continues from ``resume.pt``.

    Returns a :class:`~rppg_lib.train.loop.TrainResult` (``history`` rows: epoch, lr, train_loss,
    val_loss, val_mae, val_within3, seconds, windows_per_s; ``best_metric`` = the best validation
    MAE; ``extra["class_weights"]``); the model is left holding the best state. A non-finite loss
    raises :class:`~rppg_lib.train.loop.TrainingDivergedError` naming the epoch, batch and learning
    rate, with the model restored to its best state so far.
    """
    from tqdm import tqdm  # plain text bars: no ipywidgets needed in notebooks

    if epochs < 1 or batch_size < 2:
        raise ValueError(f"need epochs >= 1 and batch_size >= 2, got {epochs}, {batch_size}")
    min_lr = max_lr / 100.0 if min_lr is None else min_lr
    if not 0 < min_lr <= max_lr:
        raise ValueError(f"need 0 < min_lr <= max_lr, got {min_lr}, {max_lr}")
    dev = _device(device)
    seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)

    x, hr = _tensors(train, "train")
    xv, hrv = _tensors(val, "validation")
    model.to(dev)
    labels = _labels(model, hr)
    weights = None
    if labels is not None:
        weights = class_weights(labels, model.n_classes, are_counts=False, hr_min=model.hr_min,
                                hr_max=model.hr_max)
    x, hr = x.to(dev), hr.to(dev)
    labels_d = None if labels is None else labels.to(dev)
    weights_d = None if weights is None else weights.to(dev)

    total = epochs * sum(1 for i in range(0, x.shape[0], batch_size) if min(batch_size, x.shape[0] - i) > 1)

    def one_cycle(opt):
        if total >= 3:
            return torch.optim.lr_scheduler.OneCycleLR(
                opt, max_lr=max_lr, total_steps=total, pct_start=0.5, anneal_strategy="linear",
                cycle_momentum=False, div_factor=max_lr / min_lr, final_div_factor=1.0)
        # torch's 1cycle cannot schedule fewer than 3 steps (it divides by zero at 2): stay at min_lr
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)

    loop = _adam_loop(model, min_lr, dev, one_cycle, checkpoint_dir,
                      config={"head": model.head, "max_lr": max_lr, "min_lr": min_lr, "seed": seed, "epochs": epochs,
                              "batch_size": batch_size, "alpha": alpha, "noise": noise, "mse_on": mse_on,
                              "ce_reduction": ce_reduction, "n_train": int(x.shape[0])}, data=(x, hr, xv, hrv))
    loop.track_rng(gen)
    bar = tqdm(range(max(1, loop.resume()), epochs + 1), desc=f"train {model.head}", disable=not progress)
    for epoch in bar:
        _run_epoch(loop, model, x, hr, labels_d, weights_d, batch_size=batch_size, alpha=alpha, mse_on=mse_on,
                   noise=noise, generator=gen, epoch=epoch, ce_reduction=ce_reduction)
        done = loop.epoch_record()
        metrics = evaluate(model, (xv, hrv), device=dev, alpha=alpha, weights=weights, mse_on=mse_on,
                           ce_reduction=ce_reduction)
        record = {"epoch": epoch, "lr": done["lr"], "train_loss": done.get("loss", float("nan")),
                  "val_loss": metrics["loss"],
                  "val_mae": metrics["mae"], "val_within3": metrics["within3"], "seconds": done["seconds"],
                  "windows_per_s": done["windows_per_s"]}
        loop.end_epoch(epoch, record, metrics["mae"])
        bar.set_postfix(loss=f"{record['train_loss']:.4g}", val_mae=f"{metrics['mae']:.2f}",
                        best=loop.result.best_epoch)
    res = loop.finish()
    res.extra["class_weights"] = weights
    return res
