"""PhysNet-3DCNN with an interpolation decoder (Gideon & Stent 2021, Sec. 3.3 and Table 4).

PhysNet (Yu et al., BMVC 2019) maps a face clip to a PPG waveform with 3-D
convolutions. Gideon & Stent replace its two transposed convolutions, which
they found to alias the output PPG, by "interpolate in time, then Conv3d with
a (3, 1, 1) kernel", twice.

Where we follow what
--------------------
- Layer list, kernels, paddings, pools and channel counts: the paper's Table 4
  (``width`` = 64 and ``stem_channels`` = 32 reproduce it exactly; 858,497
  parameters for RGB input).
- Upsampling factor: Sec. 3.3 says "x 4 ... repeated twice", Table 4 says
  (2, 1, 1) twice; the encoder only halves time twice, so x2 twice is the one
  that restores the input length. We follow Table 4 and the public code
  (nearest-neighbour, x2, twice).
- Input normalisation: not in the paper; the public code z-normalises every
  clip per channel over (T, H, W) with the unbiased std. We do the same, with
  the std floored at ``eps`` so a constant channel gives zeros, not NaN.
- Odd lengths: the public code records the parity of the time axis before each
  temporal pooling and replicate-pads the decoder output by it, so the output
  has exactly the input length. We do the same (after each decoder conv).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tdc import TDC3d

__all__ = ["PhysNetUpsample"]


def _conv_bn_elu(c_in: int, c_out: int, kernel, padding, theta: float = 0.0) -> nn.Sequential:
    """Conv -> BN -> ELU; with ``theta > 0`` a 3x3x3 convolution is a temporal difference convolution."""
    conv = (TDC3d(c_in, c_out, kernel, theta=theta, bias=True) if theta > 0 and kernel == 3
            else nn.Conv3d(c_in, c_out, kernel_size=kernel, stride=1, padding=padding))
    return nn.Sequential(
        conv,
        nn.BatchNorm3d(c_out),
        nn.ELU(inplace=True),
    )


def _double(width: int, theta: float = 0.0) -> nn.Sequential:
    return nn.Sequential(_conv_bn_elu(width, width, 3, 1, theta), _conv_bn_elu(width, width, 3, 1, theta))


class PhysNetUpsample(nn.Module):
    """Modified PhysNet-3DCNN PPG estimator of Gideon & Stent (2021), Table 4.

    Parameters
    ----------
    in_channels : colour channels C of the input clip (3 = RGB).
    width : channels of the 3x3x3 encoder and of the decoder (64 in the paper).
    stem_channels : channels of the first (1, 5, 5) convolution; default
        ``width // 2`` (32 in the paper).
    normalize_input : z-normalise each clip per channel first (public code).
    eps : floor of the std in that normalisation.
    theta : 0 (default, PhysNet) or the theta of a temporal difference convolution
        (:class:`~rppg_lib.models.tdc.TDC3d`) that replaces every 3x3x3 convolution of the
        encoder (Yu et al. 2020, Fig. 4b: PhysNet with TDC); the state dict is the same.

    Shapes
    ------
    input ``(N, C, T, H, W)`` -> output ``(N, T)``, the PPG estimate with the
    same number of frames. ``T >= 4`` (time is pooled by 2 twice) and
    ``H, W >= 16`` (space is pooled by 2 four times); other sizes raise
    ``ValueError`` naming the nearest valid size. Any T >= 4 works: odd
    lengths are restored by replicate padding. H and W need not be multiples
    of 16 (pooling floors), but the paper uses 64 x 64.
    """

    #: time is pooled by (2, 2, 2) twice
    temporal_stride = 4
    #: space is pooled by 2 four times
    spatial_stride = 16

    def __init__(self, in_channels: int = 3, width: int = 64, stem_channels: int | None = None,
                 normalize_input: bool = True, eps: float = 1e-6, theta: float = 0.0):
        super().__init__()
        if in_channels < 1 or width < 1:
            raise ValueError(f"in_channels and width must be positive, got {in_channels} and {width}")
        stem_channels = stem_channels or max(1, width // 2)
        self.in_channels = in_channels
        self.width = width
        self.normalize_input = normalize_input
        self.eps = eps

        # ---- encoder (Table 4, top) ----
        self.stem = _conv_bn_elu(in_channels, stem_channels, (1, 5, 5), (0, 2, 2))
        self.pool1 = nn.AvgPool3d((1, 2, 2))
        self.theta = float(theta)
        self.block1 = nn.Sequential(_conv_bn_elu(stem_channels, width, 3, 1, theta),
                                    _conv_bn_elu(width, width, 3, 1, theta))
        self.pool2 = nn.AvgPool3d((2, 2, 2))
        self.block2 = _double(width, theta)
        self.pool3 = nn.AvgPool3d((2, 2, 2))
        self.block3 = _double(width, theta)
        self.pool4 = nn.AvgPool3d((1, 2, 2))
        self.block4 = _double(width, theta)
        # ---- decoder: nearest x2 in time, then Conv3d (3, 1, 1), twice ----
        self.up1 = _conv_bn_elu(width, width, (3, 1, 1), (1, 0, 0))
        self.up2 = _conv_bn_elu(width, width, (3, 1, 1), (1, 0, 0))
        # ---- head: spatial average, then 1x1x1 conv to one channel ----
        self.head = nn.Conv3d(width, 1, kernel_size=1)

    # ------------------------------------------------------------------
    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` for a clip this network cannot take."""
        if x.ndim != 5:
            raise ValueError(f"expected a clip batch (N, C, T, H, W), got shape {tuple(x.shape)}")
        _, c, t, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"clip has {c} channels; this PhysNetUpsample was built for {self.in_channels}")
        if t < self.temporal_stride:
            raise ValueError(
                f"clip has {t} frames; PhysNetUpsample halves time twice and needs at least "
                f"{self.temporal_stride} frames: nearest valid length is {self.temporal_stride}"
            )
        if h < self.spatial_stride or w < self.spatial_stride:
            s = self.spatial_stride
            raise ValueError(
                f"frame size {h}x{w} is too small: PhysNetUpsample halves H and W four times "
                f"(spatial stride {s}); nearest valid size is {max(h, s)}x{max(w, s)}"
            )

    @staticmethod
    def _upsample_to(x: torch.Tensor, conv: nn.Module, length: int) -> torch.Tensor:
        """Nearest x2 in time, (3,1,1) conv, then replicate-pad to ``length`` frames."""
        n, c, t, h, w = x.shape
        x = conv(F.interpolate(x, size=(2 * t, h, w), mode="nearest"))
        if x.shape[2] < length:  # odd length before the matching pooling
            x = F.pad(x, (0, 0, 0, 0, 0, length - x.shape[2]), mode="replicate")
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        t_in = x.shape[2]
        if self.normalize_input:
            mean = x.mean(dim=(2, 3, 4), keepdim=True)
            std = x.std(dim=(2, 3, 4), keepdim=True).clamp_min(self.eps)
            x = (x - mean) / std
        x = self.block1(self.pool1(self.stem(x)))          # (N, width, T, H/2, W/2)
        x = self.block2(self.pool2(x))                     # T // 2
        t_half = x.shape[2]
        x = self.block3(self.pool3(x))                     # T // 4
        x = self.block4(self.pool4(x))
        x = self._upsample_to(x, self.up1, t_half)
        x = self._upsample_to(x, self.up2, t_in)
        x = self.head(x.mean(dim=(3, 4), keepdim=True))    # AdaptiveAvgPool3d((None, 1, 1)) + conv
        return x[:, 0, :, 0, 0]
