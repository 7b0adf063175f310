"""Saliency-based sampler of Gideon & Stent (2021), Sec. 3.2, Table 5 and Eq. 1-3.

A small network looks at every frame and outputs a saliency map; the frame is
then resampled so that salient regions get more output pixels (Recasens et
al., "Learning to zoom", ECCV 2018). The warped clip goes to the PPG
estimator and the maps show where the model looks.

Where we follow what
--------------------
- Saliency network: ResNet-18 truncated after ``layer1`` (the paper's
  ``conv2_x``; Table 5), built from torchvision, then a 1x1 convolution to one
  channel (public code), bilinear resize to the saliency grid and a softmax
  over the grid positions of each frame. Table 5 lists three BasicBlocks, but
  ResNet-18's ``layer1`` (which the text and the public code use) has two;
  we use two.
- ImageNet weights (paper: pre-trained): nothing is downloaded. Pass
  ``weights_path`` to a local ResNet-18 state dict (for instance torchvision's
  ``resnet18-f37072fd.pth``); otherwise the trunk is randomly initialised,
  ``pretrained`` is False and a warning says so.
- Sampling grid: Recasens et al. 2018, Eq. 3-4: each output position takes the
  saliency-weighted mean of input coordinates under a Gaussian kernel, computed
  with two convolutions over the replicate-padded map; coordinates clamped to
  the image, grid upsampled bilinearly to the output size, frames resampled
  with ``grid_sample``. Grid size, padding and Gaussian FWHM scale with the
  saliency input size as in the public code (32, 32 and 13 at 128 px).
- Regularisers (Eq. 1-2): sparsity = mean of -s log s over all grid positions
  and frames (Eq. 1; the public code's sum / numel is the same number);
  temporal = mean squared frame-to-frame difference, divided by N (D - 1) as
  in Eq. 2 (the public code divides by N D). Weights ``w_sparsity``,
  ``w_temporal``: 1 and 1 in the paper (default here), 0 in the public code.
- Not reproduced: the public code's optional random down/up-scaling of the
  warped frames (an augmentation switched off in its training loop, p = 1).
"""
from __future__ import annotations

import math
import os
import warnings
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["SaliencySampler", "build_resnet18_trunk"]

_TRUNK_PREFIXES = ("conv1.", "bn1.", "layer1.")


def _pair(v, name: str) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    try:
        h, w = (int(x) for x in v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an int or a pair (H, W), got {v!r}") from None
    return (h, w)


def build_resnet18_trunk(in_channels: int = 3) -> nn.Sequential:
    """torchvision ResNet-18 truncated after ``layer1`` (64 output channels, stride 4).

    Module names match torchvision's, so a ResNet-18 state dict loads into it.
    """
    import torchvision

    net = torchvision.models.resnet18(weights=None)
    conv1 = net.conv1
    if in_channels != 3:
        conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        nn.init.kaiming_normal_(conv1.weight, mode="fan_out", nonlinearity="relu")
    return nn.Sequential(OrderedDict(conv1=conv1, bn1=net.bn1, relu=net.relu,
                                     maxpool=net.maxpool, layer1=net.layer1))


def _load_trunk_weights(trunk: nn.Sequential, path, in_channels: int) -> None:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"saliency network weights not found: {os.fspath(path)!r}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    state = {k.removeprefix("module."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if k.startswith(_TRUNK_PREFIXES)}
    missing = sorted(set(trunk.state_dict()) - set(state))
    if missing:
        raise ValueError(f"{os.fspath(path)!r} is not a ResNet-18 state dict: missing {missing[:5]}"
                         f"{' ...' if len(missing) > 5 else ''}")
    w = state["conv1.weight"]
    if in_channels != w.shape[1]:
        if in_channels == 1:      # one channel: the green filters (public code)
            state["conv1.weight"] = w[:, 1:2].clone()
        elif in_channels < w.shape[1]:
            state["conv1.weight"] = w[:, :in_channels].clone()
        else:
            raise ValueError(f"cannot adapt {w.shape[1]}-channel weights to {in_channels} input channels")
    trunk.load_state_dict(state, strict=True)


def _gaussian(size: int, fwhm: float) -> torch.Tensor:
    r = torch.arange(size, dtype=torch.float64) - size // 2
    d2 = r[:, None] ** 2 + r[None, :] ** 2
    return torch.exp(-4.0 * math.log(2.0) * d2 / fwhm**2).float()


class SaliencySampler(nn.Module):
    """Learned saliency-based resampling of every frame of a clip (Sec. 3.2).

    Parameters
    ----------
    in_channels : channels C of the clip.
    input_size : (H, W) the frames are average-pooled to before the saliency
        network (64 x 64 in the paper's pipeline); at least 16 x 16.
    output_size : (H, W) of the warped frames handed to the PPG estimator;
        default ``input_size``.
    grid_size, padding, fwhm : saliency grid, its replicate padding and the
        Gaussian's full width at half maximum, in grid cells; defaults scale
        the public code's 32 / 32 / 13 at 128 px with ``input_size``.
    weights_path : local ResNet-18 state dict for the trunk; None = random
        initialisation (``self.pretrained`` False, with a warning); a path that
        does not exist raises ``FileNotFoundError``.
    w_sparsity, w_temporal : weights w_s, w_t of Eq. 3 (paper 1, 1; public code 0, 0).

    ``forward(x)`` takes ``(N, C, T, H, W)`` (any H, W) and returns
    ``(warped, saliency)``: ``(N, C, T, *output_size)`` and
    ``(N, T, *grid_size)``, each saliency frame summing to 1.
    :meth:`regularisation` turns the maps into the Eq. 1-3 losses.
    """

    def __init__(self, in_channels: int = 3, input_size=(64, 64), output_size=None,
                 grid_size=None, padding: int | None = None, fwhm: float | None = None,
                 weights_path=None, w_sparsity: float = 1.0, w_temporal: float = 1.0):
        super().__init__()
        self.in_channels = int(in_channels)
        self.input_size = _pair(input_size, "input_size")
        if min(self.input_size) < 16:
            h, w = self.input_size
            raise ValueError(f"input_size {h}x{w} is too small for the saliency network; "
                             f"nearest valid size is {max(h, 16)}x{max(w, 16)}")
        self.output_size = _pair(output_size, "output_size") if output_size is not None else self.input_size
        if min(self.output_size) < 1:
            raise ValueError(f"output_size must be positive, got {self.output_size}")
        ratio_hw = [s / 128.0 for s in self.input_size]
        ratio = sum(ratio_hw) / 2.0
        self.grid_size = (_pair(grid_size, "grid_size") if grid_size is not None
                          else tuple(max(2, round(32 * r)) for r in ratio_hw))
        if min(self.grid_size) < 2:
            raise ValueError(f"grid_size must be at least 2x2, got {self.grid_size}")
        self.padding = int(padding if padding is not None else max(1, round(32 * ratio)))
        self.fwhm = float(fwhm if fwhm is not None else 13.0 * ratio)
        self.w_sparsity = float(w_sparsity)
        self.w_temporal = float(w_temporal)

        self.trunk = build_resnet18_trunk(self.in_channels)
        self.weights_path = None if weights_path is None else os.fspath(weights_path)
        if weights_path is None:
            self.pretrained = False
            warnings.warn("SaliencySampler: no weights_path given, the ResNet-18 trunk is randomly "
                          "initialised (the paper uses ImageNet weights)", stacklevel=2)
        else:
            _load_trunk_weights(self.trunk, weights_path, self.in_channels)
            self.pretrained = True
        self.head = nn.Conv2d(64, 1, kernel_size=1)

        k = 2 * self.padding + 1
        self.register_buffer("kernel", _gaussian(k, self.fwhm)[None, None], persistent=False)
        gh, gw = self.grid_size
        p = self.padding
        ys = (torch.arange(gh + 2 * p, dtype=torch.float32) - p) / (gh - 1)
        xs = (torch.arange(gw + 2 * p, dtype=torch.float32) - p) / (gw - 1)
        # channel 0: x (width) coordinate in [0, 1] inside the grid, channel 1: y
        basis = torch.stack([xs[None, :].expand(gh + 2 * p, -1), ys[:, None].expand(-1, gw + 2 * p)])
        self.register_buffer("coord_basis", basis[None], persistent=False)

    # ------------------------------------------------------------------
    def saliency_maps(self, frames: torch.Tensor) -> torch.Tensor:
        """Frames ``(B, C, H, W)`` -> softmax saliency ``(B, 1, gh, gw)``."""
        low = F.adaptive_avg_pool2d(frames, self.input_size)
        logits = self.head(F.relu(self.trunk(low)))
        logits = F.interpolate(logits, size=self.grid_size, mode="bilinear", align_corners=True)
        b = logits.shape[0]
        return torch.softmax(logits.reshape(b, -1), dim=1).reshape(b, 1, *self.grid_size)

    def sampling_grid(self, saliency: torch.Tensor) -> torch.Tensor:
        """Saliency ``(B, 1, gh, gw)`` -> ``grid_sample`` grid ``(B, oh, ow, 2)`` in [-1, 1].

        Uniform saliency gives the identity grid.
        """
        b = saliency.shape[0]
        padded = F.pad(saliency, (self.padding,) * 4, mode="replicate")
        weight_sum = F.conv2d(padded, self.kernel)                               # (B, 1, gh, gw)
        weighted = (padded * self.coord_basis).reshape(b * 2, 1, *padded.shape[-2:])
        coords = F.conv2d(weighted, self.kernel).reshape(b, 2, *self.grid_size) / weight_sum
        coords = (coords * 2.0 - 1.0).clamp(-1.0, 1.0)
        coords = F.interpolate(coords, size=self.output_size, mode="bilinear", align_corners=True)
        return coords.permute(0, 2, 3, 1)

    def forward(self, x: torch.Tensor):
        if x.ndim != 5:
            raise ValueError(f"expected a clip batch (N, C, T, H, W), got shape {tuple(x.shape)}")
        n, c, t, h, w = x.shape
        if c != self.in_channels:
            raise ValueError(f"clip has {c} channels; this SaliencySampler was built for {self.in_channels}")
        frames = x.transpose(1, 2).reshape(n * t, c, h, w)
        sal = self.saliency_maps(frames)
        warped = F.grid_sample(frames, self.sampling_grid(sal), mode="bilinear",
                               padding_mode="border", align_corners=True)
        warped = warped.reshape(n, t, c, *self.output_size).transpose(1, 2)
        return warped, sal.reshape(n, t, *self.grid_size)

    # ------------------------------------------------------------------
    def regularisation(self, saliency: torch.Tensor) -> dict:
        """Eq. 1-3 on saliency maps ``(N, T, gh, gw)``.

        Returns ``{"sparsity", "temporal", "total"}`` with
        ``total = w_sparsity * sparsity + w_temporal * temporal``.
        """
        s = saliency
        sparsity = -(s * torch.log(s.clamp_min(1e-30))).mean()
        if s.shape[1] > 1:
            temporal = ((s[:, 1:] - s[:, :-1]) ** 2).mean()
        else:
            temporal = s.new_zeros(())
        return {"sparsity": sparsity, "temporal": temporal,
                "total": self.w_sparsity * sparsity + self.w_temporal * temporal}

    def extra_repr(self) -> str:
        return (f"input_size={self.input_size}, output_size={self.output_size}, grid_size={self.grid_size}, "
                f"padding={self.padding}, fwhm={self.fwhm:g}, pretrained={self.pretrained}, "
                f"w_sparsity={self.w_sparsity:g}, w_temporal={self.w_temporal:g}")
