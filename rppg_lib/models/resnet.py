"""ResNet-18 heart-rate regressor on spatial-temporal maps (Niu et al. 2018, SynRhythm, Sec. III-C and IV-A).

The paper feeds a map of n = 200 blocks x T = 300 frames x 3 channels to a
ResNet-18 "for feature learning in our regression model", trained with an L1
loss (lr 0.001, at most 30 epochs), from ImageNet weights (stage II), then
synthetic rhythm maps (stage III).

Where we follow what
--------------------
- Architecture: torchvision's ``resnet18`` unchanged except its last layer, a
  ``Linear(512, 1)`` that outputs the heart rate (the paper names only
  ResNet-18 and a regression loss). 11,177,025 parameters.
- Input layout: the map as a 3-channel image, RGB channels as image channels,
  blocks along the height and time along the width, i.e. ``(N, 3, n, T)``
  (:func:`maps_to_input`). Inside the network the image is scaled to
  ImageNet's mean and standard deviation (a fixed buffer, no parameters), so
  ImageNet weights see the statistics they were trained on.
- ``input_size``: optional (h, w) the maps are resized to before the network
  (bilinear, antialiased), to train on a CPU; ``None`` keeps 200 x 300.
- ImageNet weights: nothing is downloaded. ``weights_path`` names a local
  torchvision ResNet-18 state dict (``resnet18-f37072fd.pth``); its last layer
  (1000 classes) is skipped. Without it the network is randomly initialised,
  ``pretrained`` is False and a warning says so.
- ``hr_offset``, ``hr_scale``: the output is ``hr_offset + hr_scale * fc(features)``; 0 and 1 by
  default. A scale near the spread of the training HR lets the head learn outputs of order one
  (a conditioning choice; it let the book-sized synthetic pretraining of SynRhythm, with heart
  rates over 42-240 bpm, learn within its budget).
  A trainer may set it to the training set's mean HR so that a fresh network
  starts at the constant answer instead of 0 bpm (not in the paper).
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["ResNet18Regressor", "maps_to_input", "IMAGENET_MEAN", "IMAGENET_STD"]

#: ImageNet channel statistics of torchvision's pretrained models (RGB, on [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def maps_to_input(maps) -> torch.Tensor:
    """Maps ``(N, n, T, 3)`` (or one ``(n, T, 3)``) uint8 -> float32 tensor ``(N, 3, n, T)`` on [0, 1]."""
    x = torch.as_tensor(np.asarray(maps))
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"maps must be (N, n, T, 3) or (n, T, 3), got shape {tuple(x.shape)}")
    if x.dtype != torch.uint8:
        raise ValueError(f"maps must be uint8 (0-255), got {x.dtype}")
    return x.permute(0, 3, 1, 2).float().div_(255.0).contiguous()


class ResNet18Regressor(nn.Module):
    """torchvision ResNet-18 with a one-output regression head, on maps as images (module docstring).

    Parameters
    ----------
    weights_path : a local ImageNet ResNet-18 state dict, or None (random
        initialisation, with a warning). A missing file raises.
    input_size : (h, w) the input is resized to, or None (as given).
    hr_offset : added to the head's output (bpm).
    hr_scale : the head's output is multiplied by this (bpm) before the offset is added.

    ``forward(x)``: ``x`` ``(N, 3, h, w)`` on [0, 1] (:func:`maps_to_input`)
    -> ``(N,)`` heart rates.
    """

    def __init__(self, weights_path=None, input_size: tuple[int, int] | None = None, hr_offset: float = 0.0,
                 hr_scale: float = 1.0):
        super().__init__()
        import torchvision

        self.net = torchvision.models.resnet18(weights=None)
        self.net.fc = nn.Linear(self.net.fc.in_features, 1)
        self.input_size = None if input_size is None else (int(input_size[0]), int(input_size[1]))
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("hr_offset", torch.tensor(float(hr_offset)))
        if not hr_scale > 0:
            raise ValueError(f"hr_scale must be positive, got {hr_scale}")
        self.register_buffer("hr_scale", torch.tensor(float(hr_scale)))
        self.pretrained = False
        if weights_path is None:
            warnings.warn("ResNet18Regressor: no ImageNet weight file given; randomly initialised", stacklevel=2)
        else:
            self.load_imagenet(weights_path)

    def load_imagenet(self, path) -> None:
        """Load an ImageNet ResNet-18 state dict from ``path`` into every layer but the head."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"ImageNet ResNet-18 weights not found: {os.fspath(path)!r}")
        state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
            state = state["state_dict"]
        state = {k.removeprefix("module."): v for k, v in state.items()}
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}  # the 1000-class head
        own = {k for k in self.net.state_dict() if not k.startswith("fc.")}
        missing = sorted(own - set(state))
        if missing:
            raise ValueError(f"{os.fspath(path)!r} is not a ResNet-18 state dict: missing {missing[:5]}"
                             f"{' ...' if len(missing) > 5 else ''}")
        self.net.load_state_dict(state, strict=False)
        self.pretrained = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"input must be (N, 3, h, w) maps, got shape {tuple(x.shape)}")
        if self.input_size is not None and tuple(x.shape[-2:]) != self.input_size:
            x = F.interpolate(x, size=self.input_size, mode="bilinear", align_corners=False, antialias=True)
        x = (x - self.mean) / self.std
        return self.net(x).squeeze(1) * self.hr_scale + self.hr_offset
