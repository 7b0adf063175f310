"""STVEN, the Spatio-Temporal Video Enhancement Network (Yu et al., ICCV 2019), as Deng &
Ramakrishnan use it in front of rPPGNet.

STVEN maps a (compressed) face clip to an enhanced clip of the same shape. It is
an encoder-decoder of 3-D convolutions: two strided convolutions bring the clip
to a quarter of its spatial size and half its length, a stack of
spatio-temporal residual blocks works there, two transposed convolutions bring
it back, and the last convolution's (tanh-bounded) output is *added* to the
input clip, so the network learns a correction and starts close to identity.

The compression level
---------------------
The STVEN paper conditions the generator on a one-hot code of the compression
level to produce, broadcast over (T, H, W) and concatenated to the clip's
colour channels. The code names the level of the *output*: level 0 is the
uncompressed (target) quality and is what enhancement asks for; a cycle loss
asks for the input's own level to map an enhanced clip back (see
:func:`rppg_lib.losses.stven_loss`). :meth:`STVEN.forward` accepts

- ``None``: level 0 for every clip (enhance), the default;
- an ``int`` or an integer tensor ``(N,)``: one level per clip, one-hot encoded;
- a float tensor ``(N, n_levels)``: used as given (one-hot or soft codes).

Where we follow what
--------------------
- Layers, kernels, strides and channel widths: the STVEN public code (Deng &
  Ramakrishnan's Fig. 1 draws the model adopted from it): (3, 7, 7) conv to 64
  channels; (3, 4, 4) conv, stride (1, 2, 2), to 128; (4, 4, 4) conv, stride 2,
  to 512; ``n_blocks`` = 4 spatio-temporal blocks at 512 channels; transposed
  (4, 4, 4) stride 2 to 128; transposed (1, 4, 4) stride (1, 2, 2) to 64;
  (1, 7, 7) conv to 3 channels, tanh, plus the input. No biases (every conv is
  followed by a normalisation, except the last, which is followed by tanh).
- Spatio-temporal blocks: R(2+1)D factorised convolutions (a (1, 3, 3) spatial
  conv to M channels, norm, ReLU, a (3, 1, 1) temporal conv), with M chosen
  by Tran et al.'s rule so the pair has as many weights as a full 3x3x3 conv.
  The paper calls them residual blocks; the public code stacks them without a
  skip. We add the skip: ``x + ReLU(norm(conv(x)))``.
- Normalisation: instance norm with affine parameters, computed per clip in
  training and inference alike (the public code tracks running statistics,
  which makes inference on a single clip depend on the training batches).
- Number of levels: ``n_levels`` = 4 (ours: the uncompressed video and three
  compression levels); the public code sizes the code for 5 levels. Deng &
  Ramakrishnan do not give it: set it to the number of levels you train on.
- Clip sizes: the encoder halves T once and H, W twice. Other sizes are padded
  (replicate) up to multiples of (2, 4, 4) and the output is cropped back, so
  the output always has the input's shape.
- ReLUs are not in-place, so the instance norms stay visible to the dependency
  tracer of :func:`rppg_lib.train.pruning.structured_prune` (an in-place ReLU
  hides them and the channel pruner then leaves them at their old width).
- Value range: any; the correction is bounded to (-1, 1) by the tanh, which
  suits clips scaled to [0, 1] or [-1, 1].

Parameters (default, RGB, 4 levels): 37,314,816 (the bottleneck blocks hold 28.3 M of them);
see the test suite.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["STVEN", "SpatioTemporalConv", "STResidualBlock", "level_code"]

#: channels of the first convolution (STVEN public code ``conv_dim``)
BASE_CHANNELS = 64
#: spatio-temporal blocks in the bottleneck (public code ``repeat_num``)
N_BLOCKS = 4
#: compression levels: uncompressed + three bitrates (STVEN paper, MAHNOB-HCI)
N_LEVELS = 4


def _norm(channels: int) -> nn.Module:
    return nn.InstanceNorm3d(channels, affine=True, track_running_stats=False)


def _rule_channels(c_in: int, c_out: int, kt: int, ks: int) -> int:
    """Tran et al. (2018): intermediate width giving the (2+1)D pair the weights of a full kt x ks x ks conv."""
    return max(1, math.floor(kt * ks * ks * c_in * c_out / (ks * ks * c_in + kt * c_out)))


class SpatioTemporalConv(nn.Module):
    """A 3-D convolution factorised into a spatial (1, k, k) and a temporal (k, 1, 1) one.

    ``norm`` builds the normalisation between them (instance norm by default);
    ``mid_channels`` defaults to Tran et al.'s parameter-matching rule. Same
    padding: the output has the input's (T, H, W).
    """

    def __init__(self, c_in: int, c_out: int, kernel: int = 3, mid_channels: int | None = None,
                 bias: bool = False, norm=_norm):
        super().__init__()
        mid = mid_channels or _rule_channels(c_in, c_out, kernel, kernel)
        p = kernel // 2
        self.spatial = nn.Conv3d(c_in, mid, (1, kernel, kernel), padding=(0, p, p), bias=bias)
        self.norm = norm(mid)
        self.act = nn.ReLU()
        self.temporal = nn.Conv3d(mid, c_out, (kernel, 1, 1), padding=(p, 0, 0), bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.act(self.norm(self.spatial(x))))


class STResidualBlock(nn.Module):
    """``x + ReLU(norm(SpatioTemporalConv(x)))``: a spatio-temporal block with an identity skip."""

    def __init__(self, channels: int, kernel: int = 3):
        super().__init__()
        self.conv = SpatioTemporalConv(channels, channels, kernel)
        self.norm = _norm(channels)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.act(self.norm(self.conv(x)))


def level_code(level, n: int, n_levels: int, *, like: torch.Tensor) -> torch.Tensor:
    """The ``(n, n_levels)`` float code for ``level`` (None, int, int tensor ``(n,)`` or float ``(n, n_levels)``)."""
    if level is None:
        level = 0
    if isinstance(level, int):
        if not 0 <= level < n_levels:
            raise ValueError(f"level {level} is outside 0..{n_levels - 1}")
        level = torch.full((n,), level, dtype=torch.long, device=like.device)
    level = torch.as_tensor(level, device=like.device)
    if level.is_floating_point():
        if level.shape != (n, n_levels):
            raise ValueError(f"a float level code must have shape ({n}, {n_levels}), got {tuple(level.shape)}")
        return level.to(like.dtype)
    level = level.reshape(-1)
    if level.numel() == 1:
        level = level.expand(n)
    if level.shape != (n,):
        raise ValueError(f"integer levels must have shape ({n},), got {tuple(level.shape)}")
    if (level < 0).any() or (level >= n_levels).any():
        raise ValueError(f"levels {level.tolist()} are outside 0..{n_levels - 1}")
    return F.one_hot(level.long(), n_levels).to(like.dtype)


class STVEN(nn.Module):
    """Spatio-Temporal Video Enhancement Network (Yu et al. 2019), input-to-output residual.

    Parameters
    ----------
    in_channels : colour channels of the clip (3).
    n_levels : size of the compression-level code (0 disables conditioning:
        the network then takes the clip alone).
    base_channels : width of the first convolution; the encoder goes to 2x and
        8x this (64, 128, 512 in the public code).
    n_blocks : spatio-temporal residual blocks in the bottleneck.

    Shapes
    ------
    ``forward(x, level=None)``: ``x`` ``(N, C, T, H, W)`` -> ``(N, C, T, H, W)``,
    any T >= 1 and H, W >= 8. See the module docstring for ``level``.
    """

    #: the encoder halves time once and space twice; other sizes are padded
    stride = (2, 4, 4)
    #: smallest H and W (the bottleneck must hold more than one element for instance norm)
    min_size = 8

    def __init__(self, in_channels: int = 3, n_levels: int = N_LEVELS, base_channels: int = BASE_CHANNELS,
                 n_blocks: int = N_BLOCKS):
        super().__init__()
        if in_channels < 1 or base_channels < 1 or n_levels < 0 or n_blocks < 0:
            raise ValueError("in_channels and base_channels must be positive, n_levels and n_blocks >= 0")
        c1, c2, c3 = base_channels, 2 * base_channels, 8 * base_channels
        self.in_channels, self.n_levels = in_channels, n_levels
        self.encoder = nn.Sequential(
            nn.Conv3d(in_channels + n_levels, c1, (3, 7, 7), padding=(1, 3, 3), bias=False),
            _norm(c1), nn.ReLU(),
            nn.Conv3d(c1, c2, (3, 4, 4), stride=(1, 2, 2), padding=1, bias=False),
            _norm(c2), nn.ReLU(),
            nn.Conv3d(c2, c3, (4, 4, 4), stride=2, padding=1, bias=False),
            _norm(c3), nn.ReLU(),
        )
        self.blocks = nn.Sequential(*[STResidualBlock(c3) for _ in range(n_blocks)])
        self.decoder = nn.Sequential(
            nn.ConvTranspose3d(c3, c2, (4, 4, 4), stride=2, padding=1, bias=False),
            _norm(c2), nn.ReLU(),
            nn.ConvTranspose3d(c2, c1, (1, 4, 4), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
            _norm(c1), nn.ReLU(),
            nn.Conv3d(c1, in_channels, (1, 7, 7), padding=(0, 3, 3), bias=False),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor, level=None) -> torch.Tensor:
        if x.ndim != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected a clip batch (N, {self.in_channels}, T, H, W), got {tuple(x.shape)}")
        n, _, t, h, w = x.shape
        if min(h, w) < self.min_size:
            raise ValueError(f"frame size {h}x{w} is too small: STVEN needs H, W >= {self.min_size} "
                             "(instance norm needs more than one element at a quarter of the size)")
        pads = [(-s) % k for s, k in zip((t, h, w), self.stride)]
        xp = x
        if any(pads):
            # replicate-pad the end of each axis up to a multiple of the encoder's stride
            xp = F.pad(x, (0, pads[2], 0, pads[1], 0, pads[0]), mode="replicate")
        z = xp
        if self.n_levels:
            code = level_code(level, n, self.n_levels, like=x)
            z = torch.cat([xp, code[:, :, None, None, None].expand(-1, -1, *xp.shape[2:])], dim=1)
        elif level is not None:
            raise ValueError("this STVEN was built with n_levels = 0 and takes no level code")
        correction = self.decoder(self.blocks(self.encoder(z)))
        return x + correction[:, :, :t, :h, :w]
