"""Temporal augmentations of Gideon & Stent (2021): frequency resampling and clip stretch.

Resampling a clip in time changes the heart rate it shows: playing ``T``
frames back as ``T / r`` frames at the same frame rate multiplies the HR by
``r``. Two uses in the paper (Sec. 3.5):

- **Frequency resampler** (contrastive training, Fig. 2): the anchor clip is
  compressed by ``r_f`` in [1.25, 1.5] (drawn once per batch, as in the public
  code) to give the *negative*, whose HR is ``r_f`` times higher; the PPG the
  network predicts for it is stretched back by ``1 / r_f`` to give the
  *positive*, which should match the anchor's PPG. :class:`FrequencyResampler`.
- **Clip stretch** (both trainings): a window shorter than the clip length W is
  stretched to W, lowering the HR by up to 33 %. :func:`sample_clip`.

Video uses trilinear interpolation (time only; H and W are kept), signals
linear interpolation, both with ``align_corners=False`` as in the public code.
Inputs: torch tensors or numpy arrays shaped ``(N, C, T, H, W)`` or
``(C, T, H, W)`` (video), or ``(T,)``, ``(N, T)``, ``(N, C, T)`` (signals, time last).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "resample_time",
    "FrequencyResampler",
    "draw_stretch_length",
    "sample_clip",
]


def resample_time(x, factor: float | None = None, *, length: int | None = None):
    """Resample ``x`` along time so its content plays ``factor`` times faster.

    Give either ``factor`` (new length ``int(T / factor)``, floored as in the
    public code) or the new ``length``. The frequency of everything in the clip
    is multiplied by ``T / new_length`` (equal to ``factor`` up to the
    rounding of the length). 5-D / 4-D inputs are videos (time on axis 2 / 1),
    anything with at most 3 axes is a signal with time last. Returns the same
    type (torch or numpy) as the input; numpy results are float.
    """
    is_numpy = not torch.is_tensor(x)
    t = torch.as_tensor(np.asarray(x, dtype=float)) if is_numpy else x
    if not t.is_floating_point():
        t = t.float()
    video = t.ndim in (4, 5)
    if t.ndim == 0 or t.ndim > 5:
        raise ValueError(f"expected a video (N, C, T, H, W) / (C, T, H, W) or a signal (..., T), got {tuple(t.shape)}")
    n_time = t.shape[-3] if video else t.shape[-1]
    if (factor is None) == (length is None):
        raise ValueError("give exactly one of factor and length")
    if length is None:
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError(f"factor must be a positive number, got {factor!r}")
        length = int(n_time / factor)
    length = int(length)
    if length < 2:
        raise ValueError(f"resampling {n_time} samples gives {length}; need at least 2")

    if video:
        v = t if t.ndim == 5 else t[None]
        out = F.interpolate(v, size=(length, v.shape[-2], v.shape[-1]), mode="trilinear", align_corners=False)
        out = out if t.ndim == 5 else out[0]
    else:
        lead = t.shape[:-1]
        s = t.reshape(-1, 1, n_time)
        out = F.interpolate(s, size=length, mode="linear", align_corners=False).reshape(*lead, length)
    return out.numpy() if is_numpy else out


class FrequencyResampler:
    """Builds the negative and positive branches of contrastive training (Fig. 2).

    ``low``, ``high``: range of the frequency ratio ``r_f`` (1.25-1.5, i.e. the
    paper's resampling factor R_f of 66-80 %). One ``r_f`` per batch (public code).

    >>> resampler = FrequencyResampler()
    >>> x_neg, r_f = resampler(x_anchor, generator=g)    # HR x r_f, T // r_f frames
    >>> y_pos = resampler.positive(model(x_neg), T)      # back to T samples: HR / r_f
    """

    def __init__(self, low: float = 1.25, high: float = 1.5):
        if not (0 < low <= high):
            raise ValueError(f"need 0 < low <= high, got {low}, {high}")
        self.low, self.high = float(low), float(high)

    def draw(self, generator: torch.Generator | None = None) -> float:
        """One ratio ``r_f`` ~ U(low, high)."""
        u = torch.rand((), generator=generator, dtype=torch.float64).item()
        return self.low + (self.high - self.low) * u

    def negative(self, x, factor: float):
        """The negative clip: ``x`` compressed in time by ``factor`` (HR x factor)."""
        return resample_time(x, factor)

    @staticmethod
    def positive(y_negative, length: int):
        """The positive PPG: the negative branch's output stretched back to ``length`` samples."""
        return resample_time(y_negative, length=length)

    def __call__(self, x, generator: torch.Generator | None = None):
        """Draw ``r_f`` and return ``(negative_clip, r_f)``."""
        r_f = self.draw(generator)
        return self.negative(x, r_f), r_f

    def __repr__(self) -> str:
        return f"FrequencyResampler(low={self.low:g}, high={self.high:g})"


def draw_stretch_length(clip_len: int, max_hr_decrease: float = 1.0 / 3.0,
                        rng: np.random.Generator | None = None) -> int:
    """Source window length for a clip stretched to ``clip_len`` frames.

    Uniform over ``[ceil(clip_len * (1 - max_hr_decrease)), clip_len]``: the
    HR of the stretched clip is ``source_len / clip_len`` times the original,
    i.e. lowered by up to ``max_hr_decrease`` (1/3 in the paper). 0 disables.
    """
    if not (0.0 <= max_hr_decrease < 1.0):
        raise ValueError(f"max_hr_decrease must be in [0, 1), got {max_hr_decrease}")
    rng = rng or np.random.default_rng()
    shortest = max(2, math.ceil(clip_len * (1.0 - max_hr_decrease) - 1e-9))
    return int(rng.integers(shortest, clip_len + 1))


def sample_clip(video, ppg, clip_len: int, rng: np.random.Generator | None = None,
                max_hr_decrease: float = 0.0, start: int | None = None):
    """Draw a training clip of ``clip_len`` frames from one recording (Sec. 3.5, Sampling).

    ``video``: ``(C, T, H, W)``; ``ppg``: ``(T,)`` or None. A source window of
    ``draw_stretch_length(clip_len, max_hr_decrease)`` frames starts at a
    uniform random frame (or at ``start``) and is stretched to ``clip_len``
    frames (trilinear; the PPG linearly). Returns
    ``(clip (C, clip_len, H, W) float tensor, ppg_clip (clip_len,) float64 numpy or None, hr_factor)``
    with ``hr_factor = source_len / clip_len`` (1 when not stretched).
    """
    rng = rng or np.random.default_rng()
    v = video if torch.is_tensor(video) else torch.as_tensor(np.asarray(video))
    if v.ndim != 4:
        raise ValueError(f"video must be (C, T, H, W), got {tuple(v.shape)}")
    n_frames = v.shape[1]
    if n_frames < clip_len:
        raise ValueError(f"recording has {n_frames} frames, fewer than the clip length {clip_len}")
    src = draw_stretch_length(clip_len, max_hr_decrease, rng) if max_hr_decrease > 0 else clip_len
    if start is None:
        start = int(rng.integers(0, n_frames - src + 1))
    elif not (0 <= start <= n_frames - src):
        raise ValueError(f"start {start} leaves no room for {src} frames in {n_frames}")
    clip = v[:, start:start + src].float()
    p = None
    if ppg is not None:
        p = np.asarray(ppg, dtype=float)
        if p.shape[-1] != n_frames:
            raise ValueError(f"ppg has {p.shape[-1]} samples but the video {n_frames} frames")
        p = p[start:start + src]
    if src != clip_len:
        clip = resample_time(clip, length=clip_len)
        p = None if p is None else resample_time(p, length=clip_len)
    return clip, p, src / clip_len
