"""Small helpers every training loop uses: deterministic seeds and device choice."""
from __future__ import annotations

import os
import random

import numpy as np

__all__ = ["seed_everything", "resolve_device"]


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, numpy and torch; return a numpy ``Generator`` for the caller.

    CPU results are then repeatable run to run; on CUDA some kernels stay
    non-deterministic unless ``torch.use_deterministic_algorithms`` is set.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    return np.random.default_rng(seed)


def resolve_device(device: str = "auto"):
    """``"auto"`` -> CUDA when available, else CPU; otherwise ``torch.device(device)``."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available here")
    return torch.device(device)
