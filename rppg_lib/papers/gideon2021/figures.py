"""Figures of the Gideon & Stent 2021 chapter that need more than a line or two (Fig. 4, Fig. 3's maps)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["flashing_block", "saliency_maps"]


def flashing_block(sal: dict, runs: dict, data, split, title: str):
    """Fig. 4: the first test crop with the block outlined, and each model's mean saliency map."""
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
    meta = data.meta[split[2][0]]
    axes[0].imshow(runs["contrastive"]["clips"][0][:, 0].transpose(1, 2, 0))
    x, y, w, h = meta["flash_box_crop"]
    axes[0].add_patch(plt.Rectangle((x - 0.5, y - 0.5), w, h, fill=False, ec="r", lw=1.5))
    axes[0].set_title(f"test crop, block at {meta['flash_bpm']:.0f} bpm", fontsize=8)
    for ax, kind in zip(axes[1:], ("contrastive", "supervised")):
        ax.imshow(sal[kind]["map"], cmap="magma")
        ax.set_title(f"{kind} saliency: {100 * sal[kind]['mass_in_box']:.1f} % on block\n"
                     f"(block area {100 * sal[kind]['area_share']:.1f} %)", fontsize=8)
    for ax in axes:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def saliency_maps(maps: dict, title: str):
    """Mean saliency map of one test clip per (w_s, w_t) setting (cf. Fig. 3)."""
    fig, axes = plt.subplots(1, len(maps), figsize=(2.6 * len(maps), 2.6))
    for ax, ((ws, wt), m) in zip(np.atleast_1d(axes), maps.items()):
        ax.imshow(m, cmap="magma")
        ax.set_title(f"w_s={ws:g}, w_t={wt:g}", fontsize=8)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
