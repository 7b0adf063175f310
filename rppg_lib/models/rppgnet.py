"""rPPGNet (Yu et al., ICCV 2019): a 3-D CNN with a skin-segmentation branch, skin-guided
spatial attention and part-based outputs, the PPG estimator of Deng & Ramakrishnan.

Layout (``w`` = ``width`` = 64, input ``(N, 3, T, H, W)``; no layer strides time,
so every output has the input's T):

- stem: (1, 5, 5) conv to w/4, BN, ReLU; average pool (1, 2, 2) -> H/2;
- two spatio-temporal (R(2+1)D) convs to w/2 -> **features at H/2**; pool -> H/4;
- skin branch on the H/2 features: two (1, 3, 3) convs (w/4, w/8) plus a 1x1x1
  shortcut (w/8), summed, a (1, 3, 3) conv to 1 channel and a sigmoid: the
  **skin map** ``(N, T, H/2, W/2)`` (a skin probability per pixel and frame);
- two ST convs to w -> **features at H/4**; pool -> H/8; three ST convs at w;
- skin-guided attention at H/4 and at H/8: per frame, the spatial logits
  ``sigmoid(mean over channels) + sigmoid(max over channels) + skin`` (skin
  average-pooled to that size) go through a softmax over the frame's pixels,
  and the features are multiplied by the weights;
- heads, each a 1x1x1 conv on spatially pooled attended features: ``ppg_aux``
  from H/4, the **global PPG** from H/8, and one head per quadrant of the H/8
  map for the **part PPGs**.

Output
------
:class:`RPPGNetOutput`, a named tuple ``(ppg, skin, parts, ppg_aux, features)``:

- ``ppg`` ``(N, T)``: the global PPG, the network's estimate;
- ``skin`` ``(N, T, H // 2, W // 2)``: skin probabilities;
- ``parts`` ``(N, 4, T)``: the PPGs of the quadrants (top-left, top-right,
  bottom-left, bottom-right of the face crop);
- ``ppg_aux`` ``(N, T)``: the auxiliary PPG from the H/4 attention;
- ``features`` ``(f_half, f_quarter)``: the H/2 and H/4 feature maps before
  attention, which the joint STVEN + rPPGNet loss compares between the
  enhanced and the uncompressed clip (:func:`rppg_lib.losses.perceptual_loss`).

Where we follow what
--------------------
- Layers, widths and kernels: the rPPGNet public code (the paper's Fig. 2 draws
  the same stages). ST convs carry batch norm inside and after them, as there.
- Known bug not reproduced: the public code computes the first part's PPG with
  the *global* head (the quadrant head ``ConvPart1`` is built and never used);
  here each quadrant has its own head.
- Time: the public code pools the features to a fixed number of frames (64)
  set at construction; we pool space only, so any T works and ``ppg`` has T
  samples.
- Pooling after attention: the attention weights of a frame sum to 1, so we
  sum the attended features over space (an attention-weighted mean of the
  features); the public code averages them (the same up to a factor H * W,
  which the following 1x1x1 conv absorbs).
- Input normalisation: none in the paper or the code; ``normalize_input=True``
  z-normalises each clip per channel (as :class:`PhysNetUpsample` does).

Parameters (default width 64, RGB): 550,331; see the test suite.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .stven import SpatioTemporalConv

__all__ = ["RPPGNet", "RPPGNetOutput", "skin_attention"]

#: channels of the deep layers (rPPGNet public code)
WIDTH = 64
#: number of part (quadrant) outputs
N_PARTS = 4


class RPPGNetOutput(NamedTuple):
    """What :class:`RPPGNet` returns; a tuple whose first item is the global PPG ``(N, T)``."""

    ppg: torch.Tensor
    skin: torch.Tensor
    parts: torch.Tensor
    ppg_aux: torch.Tensor
    features: tuple


def _bn(c: int) -> nn.Module:
    return nn.BatchNorm3d(c)


def _st_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(SpatioTemporalConv(c_in, c_out, 3, bias=True, norm=_bn), _bn(c_out), nn.ReLU(inplace=True))


def _conv_bn_relu(c_in: int, c_out: int, kernel, padding) -> nn.Sequential:
    return nn.Sequential(nn.Conv3d(c_in, c_out, kernel, padding=padding), _bn(c_out), nn.ReLU(inplace=True))


def skin_attention(features: torch.Tensor, skin: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Skin-guided spatial attention: ``(features * weights, weights)``.

    features ``(N, C, T, h, w)``, skin ``(N, T, h, w)`` in [0, 1]. The weights
    ``(N, T, h, w)`` are, per frame, a softmax over the h * w pixels of
    ``sigmoid(mean_c) + sigmoid(max_c) + skin``.
    """
    logits = torch.sigmoid(features.mean(dim=1)) + torch.sigmoid(features.amax(dim=1)) + skin
    # softmax over (h, w) without flattening them (keeps the graph free of reshapes, which
    # dependency tracers for structured pruning handle slowly)
    e = torch.exp(logits - logits.amax(dim=(2, 3), keepdim=True))
    weights = e / e.sum(dim=(2, 3), keepdim=True)
    return features * weights[:, None], weights


class RPPGNet(nn.Module):
    """rPPGNet (Yu et al. 2019) with the part-head bug of the public code fixed.

    Parameters
    ----------
    in_channels : colour channels (3).
    width : channels of the deep layers (64); the stem has width/4, the first
        ST stage width/2, the skin branch width/4 and width/8.
    normalize_input : z-normalise each clip per channel over (T, H, W) first.
    eps : floor of the std in that normalisation.

    Shapes
    ------
    ``(N, C, T, H, W)`` -> :class:`RPPGNetOutput` (see the module docstring);
    T >= 1, H, W >= 16 (space is pooled by 2 three times and the H/8 map is
    split into quadrants).
    """

    #: space is pooled by 2 three times
    spatial_stride = 8
    min_size = 16

    def __init__(self, in_channels: int = 3, width: int = WIDTH, normalize_input: bool = False, eps: float = 1e-6):
        super().__init__()
        if in_channels < 1 or width < 8:
            raise ValueError(f"in_channels must be positive and width >= 8, got {in_channels} and {width}")
        w1, w2, w = width // 4, width // 2, width
        self.in_channels, self.width = in_channels, width
        self.normalize_input, self.eps = normalize_input, eps
        self.stem = _conv_bn_relu(in_channels, w1, (1, 5, 5), (0, 2, 2))
        self.stage1 = nn.Sequential(_st_bn_relu(w1, w2), _st_bn_relu(w2, w2))
        self.stage2 = nn.Sequential(_st_bn_relu(w2, w), _st_bn_relu(w, w))
        self.stage3 = nn.Sequential(_st_bn_relu(w, w), _st_bn_relu(w, w), _st_bn_relu(w, w))
        # skin segmentation branch (on the H/2 features)
        self.skin_main = nn.Sequential(_conv_bn_relu(w2, w1, (1, 3, 3), (0, 1, 1)),
                                       _conv_bn_relu(w1, width // 8, (1, 3, 3), (0, 1, 1)))
        self.skin_shortcut = _conv_bn_relu(w2, width // 8, 1, 0)
        self.skin_out = nn.Conv3d(width // 8, 1, (1, 3, 3), padding=(0, 1, 1))
        # PPG heads
        self.head_aux = nn.Conv3d(w, 1, 1)
        self.head_global = nn.Conv3d(w, 1, 1)
        self.head_parts = nn.ModuleList([nn.Conv3d(w, 1, 1) for _ in range(N_PARTS)])

    def check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected a clip batch (N, {self.in_channels}, T, H, W), got {tuple(x.shape)}")
        h, w = x.shape[3:]
        if min(h, w) < self.min_size:
            raise ValueError(f"frame size {h}x{w} is too small: RPPGNet pools space by 2 three times and "
                             f"splits the H/8 map into quadrants; it needs H, W >= {self.min_size}")

    @staticmethod
    def _pool(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool3d(x, (1, 2, 2))

    @staticmethod
    def _head(conv: nn.Module, attended: torch.Tensor) -> torch.Tensor:
        """Sum over space (an attention-weighted mean), 1x1x1 conv -> (N, T)."""
        return conv(attended.sum(dim=(3, 4), keepdim=True))[:, 0, :, 0, 0]

    def forward(self, x: torch.Tensor) -> RPPGNetOutput:
        self.check_input(x)
        if self.normalize_input:
            x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True).clamp_min(self.eps)
        f_half = self.stage1(self._pool(self.stem(x)))                        # (N, w/2, T, H/2, W/2)
        skin = torch.sigmoid(self.skin_out(self.skin_main(f_half) + self.skin_shortcut(f_half)))[:, 0]
        f_quarter = self.stage2(self._pool(f_half))                           # (N, w, T, H/4, W/4)
        f_eighth = self.stage3(self._pool(f_quarter))                         # (N, w, T, H/8, W/8)

        skin_q = F.avg_pool2d(skin, 2)                                        # (N, T, H/4, W/4)
        skin_e = F.avg_pool2d(skin_q, 2)
        att_q, _ = skin_attention(f_quarter, skin_q)
        att_e, _ = skin_attention(f_eighth, skin_e)
        ppg_aux = self._head(self.head_aux, att_q)
        ppg = self._head(self.head_global, att_e)
        h2, w2 = att_e.shape[3] // 2, att_e.shape[4] // 2
        quads = [att_e[..., :h2, :w2], att_e[..., :h2, w2:], att_e[..., h2:, :w2], att_e[..., h2:, w2:]]
        parts = torch.stack([self._head(c, q) for c, q in zip(self.head_parts, quads)], dim=1)
        return RPPGNetOutput(ppg, skin, parts, ppg_aux, (f_half, f_quarter))
