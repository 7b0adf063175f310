"""The figures of the Kopeliovich et al. 2019 chapter (Fig. 1, 5, 6 and the training curves).

Each function draws one figure from the run's objects and returns it; labels say
which data and profile produced it.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .experiment import HR_RANGE, SUBSETS, ModelRuns, predictions
from .losses import class_weights
from .model import bpm_to_class, class_centres_bpm

__all__ = ["hr_histogram_and_weights", "lr_range_curve", "training_curves", "scatter_grid"]


def hr_histogram_and_weights(train, label: str):
    """Fig. 1: the training HR histogram and the class weights of Eq. 2."""
    weights = class_weights(bpm_to_class(train.hr), 128, are_counts=False).numpy()
    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.hist(train.hr, bins=np.linspace(*HR_RANGE, 86), color="tab:blue", alpha=0.7, label="training windows")
    ax.set_xlabel("reference HR (bpm)")
    ax.set_ylabel("windows")
    ax2 = ax.twinx()
    ax2.plot(class_centres_bpm(), weights, color="tab:red", label="class weight (Eq. 2)")
    ax2.set_ylabel("class weight", color="tab:red")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8)
    ax.set_title(f"Fig. 1: HR distribution and class weights\n({label})", fontsize=10)
    fig.tight_layout()
    return fig


def lr_range_curve(curve, criterion: str, label: str, lr_epochs: int):
    """Fig. 5: the LR range test (loss and MAE), with the chosen bounds dashed."""
    max_lr, min_lr = curve.attrs["max_lr"], curve.attrs["min_lr"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for ax, col in zip(axes, ("mae", "loss")):
        ax.semilogx(curve.lr, curve[col], "o-", ms=3, label=col)
        if col == criterion:
            ax.semilogx(curve.lr, curve.smoothed, label="smoothed")
        for x in (min_lr, max_lr):
            ax.axvline(x, ls="--", color="k", lw=0.8)
        ax.set_xlabel("learning rate")
        ax.set_ylabel(f"training {col} after {lr_epochs} epoch(s)")
        ax.legend(fontsize=8)
    fig.suptitle(f"Fig. 5: LR range test for CL+F ({label}); dashed: min / max LR", fontsize=10)
    fig.tight_layout()
    return fig


def training_curves(runs: ModelRuns, label: str):
    """Training loss and validation MAE per epoch of every model (first seed)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for name, fits in runs.models.items():
        history = fits[0][1].history_frame()
        style = "o-" if len(history) < 10 else "-"  # a run of one or a few epochs still shows its points
        axes[0].plot(history.epoch, history.train_loss, style, ms=4, label=name)
        axes[1].plot(history.epoch, history.val_mae, style, ms=4, label=name)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("training loss")
    axes[1].set_ylabel("validation MAE (bpm)")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Training curves, first seed ({label})", fontsize=10)
    fig.tight_layout()
    return fig


def scatter_grid(runs: ModelRuns, subsets: dict, label: str, device="cpu"):
    """Fig. 6: predicted vs reference HR of the four models (columns) on each test subset (rows), first seed.
    The paper's grid transposed, so that the figure fits the page column."""
    models = list(runs.headline.items())
    fig, axes = plt.subplots(len(SUBSETS), len(models), figsize=(8, 1.9 * len(SUBSETS)), sharex=True, sharey=True,
                             squeeze=False)
    lo, hi = HR_RANGE
    for j, (short, name) in enumerate(models):
        model = runs.models[name][0][0]
        for i, sub in enumerate(SUBSETS):
            w, ax = subsets[sub], axes[i, j]
            if len(w):
                ax.scatter(w.hr, predictions(model, w, device), s=4, alpha=0.5)
            ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
            for d in (-3, 3):
                ax.plot([lo, hi], [lo + d, hi + d], "k-.", lw=0.6)
            if i == 0:
                ax.set_title(short, fontsize=10)
            if j == 0:
                ax.set_ylabel(f"{sub}\npredicted", fontsize=8)
            if i == len(SUBSETS) - 1:
                ax.set_xlabel("reference HR")
    axes[0, 0].set_xlim(lo, hi)
    axes[0, 0].set_ylim(lo, hi)
    fig.suptitle(f"Fig. 6: predicted vs reference HR on the test subsets, first seed ({label})", fontsize=10)
    fig.tight_layout()
    return fig


def pulse_in_input(pulse, paper_amplitude: float, label: str):
    """Pulse amplitude (green, per ROI) in the networks' scaled input, by camera and scenario, vs the paper's.

    ``pulse``: :func:`~rppg_lib.papers.kopeliovich2019.experiment.pulse_in_windows`; the paper's
    amplitude is the dashed line, the codec and sensor noise (standard deviation) the grey bars.
    """
    green = pulse[pulse["channel"] == "G"]
    groups = list(green.groupby(["camera", "scenario"], sort=True))
    fig, ax = plt.subplots(figsize=(11, 3.4))
    width = 0.8 / 6
    for g, (_, part) in enumerate(groups):
        part = part.sort_values("roi")
        x = g + (part["roi"].to_numpy() - 3.5) * width
        ax.bar(x, part["pulse"], width * 0.9, color="tab:red", label="pulse (half peak-to-peak)" if g == 0 else None)
        ax.bar(x, part["noise"], width * 0.45, color="0.4", label="codec + sensor noise (sd)" if g == 0 else None)
    ax.axhline(paper_amplitude, color="k", ls="--", lw=1, label=f"paper, Section 4.1.2 ({paper_amplitude:g})")
    ax.set_xticks(range(len(groups)), [f"{cam}\n{scen}" for (cam, scen), _ in groups])
    ax.set_yscale("log")
    ax.set_ylabel("amplitude in the [-1, 1] window")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Pulse in the networks' input: green signal of ROIs 1-6 per video (median over windows)\n({label})",
                 fontsize=10)
    fig.tight_layout()
    return fig


def data_curve(curve, paper_train_windows: float, target_ratio: float, label: str):
    """Test MAE over the constant answer's, against the number of training windows (from
    :func:`~rppg_lib.papers.kopeliovich2019.experiment.data_curve`): seeds as dots, their mean as a line, POS dashed,
    the learning target dotted and the paper's training-set size as a vertical line."""
    fig, ax = plt.subplots(figsize=(11, 3.4))
    for name, part in curve.groupby("model", sort=False):
        ax.plot(part["n_train"], part["ratio"], "o", alpha=0.5, ms=4)
        mean = part.groupby("n_train")["ratio"].mean()
        ax.plot(mean.index, mean.to_numpy(), "-", color=ax.lines[-1].get_color(), label=f"{name} (seeds, mean)")
    pos = curve.groupby("n_train")[["pos_mae", "constant_mae"]].first()
    ax.plot(pos.index, pos["pos_mae"] / pos["constant_mae"], "s--", color="k", ms=4, label="POS, same windows")
    ax.axhline(1.0, color="0.5", ls=":", lw=1, label="constant answer")
    ax.axhline(target_ratio, color="tab:green", ls=":", lw=1, label=f"target ({target_ratio:g} x constant)")
    ax.axvline(paper_train_windows, color="tab:purple", lw=1, label=f"paper's training set ({paper_train_windows:.0f})")
    ax.set_xscale("log")
    ax.set_xlabel("training windows")
    ax.set_ylabel("test MAE / constant answer's")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Does more data help? The recipe on growing subsets of the videos\n({label})", fontsize=10)
    fig.tight_layout()
    return fig
