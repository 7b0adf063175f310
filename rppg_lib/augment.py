"""Temporal and spatio-temporal augmentations of rPPG clips.

Gideon & Stent (2021): frequency resampling and clip stretch
-------------------------------------------------------------
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

Yu et al. (2020), AutoHR (Sec. II-D)
------------------------------------
- **DA1** spatio-temporal cutout: a tube (a rectangle over a run of frames,
  less than 20 % of the frame area and 20 % of the frames) is erased, mimicking
  an occluded face region. :func:`spatiotemporal_cutout`.
- **DA2** HR resampling: a recording with HR > 90 bpm gives a clip
  up-sampled x2 in time (HR halved), one with HR < 70 bpm a clip taking every
  second frame (HR doubled); the PPG label is resampled with it.
  :func:`hr_resample_clip`.

Video uses trilinear interpolation (time only; H and W are kept), signals
linear interpolation, both with ``align_corners=False`` as in the public code.
Inputs: torch tensors or numpy arrays shaped ``(N, C, T, H, W)`` or
``(C, T, H, W)`` (video), or ``(T,)``, ``(N, T)``, ``(N, C, T)`` (signals, time last).
Random draws come from a ``numpy.random.Generator`` (or a ``torch.Generator``
where a batch-level draw is shared with torch code), so a seed fixes them.
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
    "CUTOUT_MAX_AREA",
    "CUTOUT_MAX_TIME",
    "DA2_HIGH_BPM",
    "DA2_LOW_BPM",
    "spatiotemporal_cutout",
    "hr_resample_clip",
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


def _recording(video, clip_len: int):
    """``video`` (C, T, H, W) as a tensor and its frame count, checked to hold at least ``clip_len`` frames."""
    v = video if torch.is_tensor(video) else torch.as_tensor(np.asarray(video))
    if v.ndim != 4:
        raise ValueError(f"video must be (C, T, H, W), got {tuple(v.shape)}")
    n_frames = v.shape[1]
    if n_frames < clip_len:
        raise ValueError(f"recording has {n_frames} frames, fewer than the clip length {clip_len}")
    return v, n_frames


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
    v, n_frames = _recording(video, clip_len)
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


# ----------------------------------------------------------------------------
# AutoHR (Yu et al. 2020, Sec. II-D)
# ----------------------------------------------------------------------------
#: DA1: a tube covers less than this share of the frame area and of the frames.
CUTOUT_MAX_AREA = 0.2
CUTOUT_MAX_TIME = 0.2
#: DA2: recordings above / below these HRs are up- / down-sampled in time.
DA2_HIGH_BPM = 90.0
DA2_LOW_BPM = 70.0


def spatiotemporal_cutout(video, rng: np.random.Generator | None = None, max_area: float = CUTOUT_MAX_AREA,
                          max_time: float = CUTOUT_MAX_TIME, n_tubes: int = 1, fill: float = 0.0, p: float = 1.0,
                          return_boxes: bool = False):
    """DA1: erase ``n_tubes`` random spatio-temporal tubes of a clip ``(C, T, H, W)``.

    Each tube spans ``1 .. floor(max_time * T)`` consecutive frames (at
    least 1) and a rectangle whose sides are ``1 .. floor(sqrt(max_area) * H)``
    rows and ``1 .. floor(sqrt(max_area) * W)`` columns, so its area is at most
    ``max_area`` of the frame (the paper: "less than 20 % spatial size and 20 %
    temporal length"; it does not say how the size is drawn: uniform integers
    here). Every channel of the tube is set to ``fill`` (0: erased). With
    probability ``1 - p`` the clip is returned unchanged (the paper gives no
    rate). Returns a new array / tensor of the input's type (the input is not
    modified) and, with ``return_boxes``, the list of tubes
    ``(t0, t1, y0, y1, x0, x1)`` (half-open).
    """
    rng = rng or np.random.default_rng()
    is_numpy = not torch.is_tensor(video)
    v = np.array(video, dtype=float) if is_numpy else video.clone()
    if v.ndim != 4:
        raise ValueError(f"video must be (C, T, H, W), got {tuple(v.shape)}")
    if not (0 < max_area <= 1 and 0 < max_time <= 1):
        raise ValueError(f"max_area and max_time must lie in (0, 1], got {max_area}, {max_time}")
    _, t, h, w = v.shape
    boxes = []
    if rng.random() < p:
        side = math.sqrt(max_area)
        for _ in range(n_tubes):
            lt = int(rng.integers(1, max(1, int(max_time * t)) + 1))
            lh = int(rng.integers(1, max(1, int(side * h)) + 1))
            lw = int(rng.integers(1, max(1, int(side * w)) + 1))
            t0, y0, x0 = (int(rng.integers(0, n - m + 1)) for n, m in ((t, lt), (h, lh), (w, lw)))
            v[:, t0:t0 + lt, y0:y0 + lh, x0:x0 + lw] = fill
            boxes.append((t0, t0 + lt, y0, y0 + lh, x0, x0 + lw))
    return (v, boxes) if return_boxes else v


def hr_resample_clip(video, ppg, hr_bpm: float, clip_len: int, rng: np.random.Generator | None = None,
                     start: int | None = None, high_bpm: float = DA2_HIGH_BPM, low_bpm: float = DA2_LOW_BPM,
                     p: float = 1.0):
    """DA2: a training clip of ``clip_len`` frames whose HR is halved or doubled, label included.

    ``video``: one recording ``(C, T, H, W)``; ``ppg``: ``(T,)`` or None;
    ``hr_bpm``: its HR. With probability ``p`` (the authors' later public code
    uses 0.5; the paper gives none):

    - ``hr_bpm > high_bpm``: a window of ``ceil(clip_len / 2)`` frames is
      up-sampled to ``clip_len`` (trilinear in time; the PPG linearly), so the
      HR becomes ``hr_bpm * window / clip_len`` (half of it for even ``clip_len``);
    - ``hr_bpm < low_bpm``: every second frame of a ``2 * clip_len`` window
      (and every second PPG sample), so the HR doubles. A recording shorter
      than ``2 * clip_len`` cannot give such a clip and is left as is;
    - otherwise, and when not drawn: a plain clip (factor 1).

    The window starts at a uniform random frame (or at ``start``). Returns
    ``(clip (C, clip_len, H, W) float tensor, ppg_clip (clip_len,) float64
    numpy or None, new_hr_bpm, hr_factor)``; ``new_hr_bpm = hr_bpm * hr_factor``.
    """
    rng = rng or np.random.default_rng()
    v, n_frames = _recording(video, clip_len)
    p_sig = None if ppg is None else np.asarray(ppg, dtype=float)
    if p_sig is not None and p_sig.shape[-1] != n_frames:
        raise ValueError(f"ppg has {p_sig.shape[-1]} samples but the video {n_frames} frames")
    drawn = rng.random() < p
    if drawn and hr_bpm > high_bpm:
        mode, src = "up", math.ceil(clip_len / 2)
    elif drawn and hr_bpm < low_bpm and n_frames >= 2 * clip_len:
        mode, src = "down", 2 * clip_len
    else:
        mode, src = "plain", clip_len
    if start is None:
        start = int(rng.integers(0, n_frames - src + 1))
    elif not (0 <= start <= n_frames - src):
        raise ValueError(f"start {start} leaves no room for {src} frames in {n_frames}")
    clip = v[:, start:start + src].float()
    seg = None if p_sig is None else p_sig[start:start + src]
    if mode == "up":
        clip = resample_time(clip, length=clip_len)
        seg = None if seg is None else resample_time(seg, length=clip_len)
        factor = src / clip_len
    elif mode == "down":
        clip = clip[:, ::2].contiguous()
        seg = None if seg is None else seg[::2].copy()
        factor = 2.0
    else:
        factor = 1.0
    return clip, seg, float(hr_bpm) * factor, factor
