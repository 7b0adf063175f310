"""Spatial-temporal maps of Niu et al. (2018, SynRhythm, Sec. III-A) and their random clips (Sec. IV-A).

A map turns a face video of T frames into an image of n x T pixels and 3
channels: the cheek region of every frame is resized to 100x200 (``size``),
cut into a 10x20 grid of blocks (n = 200, row by row), each block averaged per
channel (Eq. 1), and each block's series min-max scaled to [0, 255] per
channel. :func:`stmap` is the interface the chapter and the checks call; the
block means come from :func:`~rppg_lib.video.roi.st_map_blocks` and the
scaling from :func:`~rppg_lib.video.roi.st_map_normalise`, the one min-max
code that the synthetic rhythm maps of :mod:`rppg_lib.synth.rhythm` use too.

The cheek region
----------------
The paper takes the bounding box of the cheek area from 81 SeetaFace
landmarks on every frame. No landmark model ships offline here, so by default
the region is :data:`~rppg_lib.video.roi.CHEEK_REGION`, a fixed rectangle in
fractions of the face box (from below the eyes to above the mouth, between the
face contours). This is a deviation: the rectangle follows the box, not the
face's rotation or expression. A user with a landmark model passes
``regions``: per-frame cheek rectangles ``(T, 4)`` x, y, w, h in pixels, or
per-frame landmark points ``(T, K, 2)`` x, y whose bounding box is the region,
as in the paper. :func:`eye_cheek_region` places the rectangle from the
eyes instead (OpenCV's Haar eye cascade on a few frames): the same proportions
as :data:`CHEEK_REGION`, measured from the subject's own eye line and
inter-ocular distance rather than from where the face detector's box happens
to sit.

Clips
-----
The paper samples 100 random 300-frame clips from each 30-s video and
predicts the video's HR as the mean over its clips. :func:`random_clips` cuts
the clips from a video's raw block means and scales each clip on its own, so
a clip's map is exactly the map of those 300 frames.
"""
from __future__ import annotations

import warnings

import cv2
import numpy as np

from .detect import _cascade, _check_frames
from .roi import CHEEK_REGION, st_map_blocks, st_map_normalise

__all__ = ["STMAP_GRID", "STMAP_SIZE", "CLIP_FRAMES", "CLIPS_PER_VIDEO", "EYE_CASCADE", "CHEEK_FROM_EYES",
           "stmap", "stmap_blocks", "regions_to_boxes", "eye_cheek_region", "random_clips"]

#: Grid of blocks (rows, columns): 10 x 20 = 200 blocks (Sec. IV-A).
STMAP_GRID: tuple[int, int] = (10, 20)
#: Size (h, w) the cheek region is resized to: 100 x 200 pixels (Sec. IV-A).
STMAP_SIZE: tuple[int, int] = (100, 200)
#: Frames per clip, T (Sec. IV-A).
CLIP_FRAMES = 300
#: Random clips per 30-s video (Sec. IV-A).
CLIPS_PER_VIDEO = 100
#: OpenCV's Haar eye cascade, used by :func:`eye_cheek_region`.
EYE_CASCADE = "haarcascade_eye.xml"
#: Cheek rectangle in units of the inter-ocular distance d, from the midpoint of the eyes:
#: half-width, top and bottom below the eye line. With the eyes where the box rule assumes
#: them (centres at 26 % and 74 % of the box width, 38 % of its height) this is
#: :data:`CHEEK_REGION` (x 0.12-0.88, y 0.43-0.76 of the box).
CHEEK_FROM_EYES = {"half_width": 0.8, "top": 0.1, "bottom": 0.8}


def regions_to_boxes(regions, T: int) -> np.ndarray:
    """Per-frame cheek regions as pixel boxes ``(T, 4)`` x, y, w, h.

    ``regions`` is ``(T, 4)`` boxes (returned as floats) or ``(T, K, 2)``
    landmark points x, y, K >= 2, whose per-frame bounding box is taken (the
    paper's "bounding box of the cheek area ... based on the landmarks").
    """
    r = np.asarray(regions, dtype=float)
    if r.ndim == 2 and r.shape == (T, 4):
        return r.copy()
    if r.ndim == 3 and r.shape[0] == T and r.shape[2] == 2 and r.shape[1] >= 2:
        lo, hi = r.min(axis=1), r.max(axis=1)
        return np.column_stack([lo, hi - lo])
    raise ValueError(f"regions must be ({T}, 4) boxes x, y, w, h or ({T}, K, 2) landmark points, "
                     f"got shape {r.shape}")


def _eye_pair(grey, box) -> np.ndarray | None:
    """Centres ``(2, 2)`` (left, right in the image) of the largest eye found in each half of the
    upper 70 % of ``box``, in frame pixels; None unless both are found."""
    x, y, w, h = (int(round(v)) for v in box)
    H, W = grey.shape
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + int(0.7 * h), H)
    if x1 - x0 < 20 or y1 - y0 < 10:
        return None
    found = _cascade(EYE_CASCADE).detectMultiScale(grey[y0:y1, x0:x1], scaleFactor=1.1, minNeighbors=5,
                                                   minSize=(max(8, w // 10),) * 2, maxSize=(w // 3,) * 2)
    centres = [(x0 + ex + ew / 2, y0 + ey + eh / 2, ew * eh) for ex, ey, ew, eh in np.reshape(found, (-1, 4))]
    left = [c for c in centres if c[0] < x + w / 2]
    right = [c for c in centres if c[0] >= x + w / 2]
    if not left or not right:
        return None
    return np.array([max(left, key=lambda c: c[2])[:2], max(right, key=lambda c: c[2])[:2]])


def eye_cheek_region(frames, boxes, n_frames: int = 10) -> tuple[float, float, float, float]:
    """Cheek rectangle of one video in fractions of its face boxes, placed from the eyes.

    Eyes are searched (Haar eye cascade, :data:`EYE_CASCADE`) in ``n_frames``
    frames spread over the video; on each frame where both are found, the
    rectangle :data:`CHEEK_FROM_EYES` (in inter-ocular distances from the eye
    midpoint) is expressed in fractions of that frame's box, and the median
    over those frames is returned: one region per video, which then follows
    the (smoothed) box like :data:`CHEEK_REGION` does, so it adds no jitter.
    Pass it as ``region`` to :func:`stmap`. Without any eye pair it returns
    :data:`CHEEK_REGION` with a warning.
    """
    frames = _check_frames(frames)
    boxes = np.asarray(boxes, dtype=float)
    if boxes.shape != (len(frames), 4):
        raise ValueError(f"boxes must have shape ({len(frames)}, 4), got {boxes.shape}")
    usable = np.flatnonzero(np.all(np.isfinite(boxes), axis=1))
    picks = usable[np.linspace(0, len(usable) - 1, min(n_frames, len(usable))).round().astype(int)] \
        if len(usable) else []
    g = CHEEK_FROM_EYES
    regions = []
    for i in picks:  # a few frames per video: cheap
        eyes = _eye_pair(cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY), boxes[i])
        if eyes is None:
            continue
        (mx, my), d = eyes.mean(axis=0), float(np.hypot(*(eyes[1] - eyes[0])))
        x, y, w, h = boxes[i]
        regions.append([(mx - g["half_width"] * d - x) / w, (my + g["top"] * d - y) / h,
                        (mx + g["half_width"] * d - x) / w, (my + g["bottom"] * d - y) / h])
    if not regions:
        warnings.warn(f"no pair of eyes found in {len(picks)} frames; using the face-box cheek region",
                      stacklevel=2)
        return CHEEK_REGION
    return tuple(float(v) for v in np.median(regions, axis=0))


def stmap_blocks(frames, boxes=None, grid=STMAP_GRID, size=STMAP_SIZE, *, regions=None,
                 region=CHEEK_REGION, method: str = "integral") -> np.ndarray:
    """Raw block means ``(T, rows*cols, 3)`` float of :func:`stmap`, before min-max scaling."""
    frames = _check_frames(frames)
    if regions is not None:
        boxes, region = regions_to_boxes(regions, len(frames)), (0.0, 0.0, 1.0, 1.0)
    elif boxes is None:
        raise ValueError("stmap needs face boxes or cheek regions")
    return st_map_blocks(frames, boxes, grid=tuple(grid), region=region, size=tuple(size), method=method)


def stmap(frames, boxes=None, grid=STMAP_GRID, size=STMAP_SIZE, *, regions=None,
          region=CHEEK_REGION, method: str = "integral") -> np.ndarray:
    """Spatial-temporal map of Niu et al. (2018, Sec. III-A): ``(rows*cols, T, 3)`` uint8.

    frames : (T, H, W, 3) uint8 RGB.
    boxes : (T, 4) face boxes x, y, w, h in pixels; the cheek region is
        ``region`` (fractions of the box, default :data:`CHEEK_REGION`).
    grid : (rows, columns) of blocks, 10 x 20 = 200 in the paper.
    size : (h, w) the cheek region is resized to, 100 x 200 in the paper.
    regions : per-frame cheek regions from a landmark model, ``(T, 4)``
        pixel boxes or ``(T, K, 2)`` points; they replace ``boxes`` and
        ``region``.
    method : ``"integral"`` (default) averages each block over its share of
        the original pixels with integral images (the area-resampled 100x200
        image pooled in 10x10 blocks, up to pixel-edge rounding; ~15x faster);
        ``"resize"`` resizes every region to ``size`` first, literally.

    Row ``i`` of the map is block ``i`` (row-major in the grid); each block
    and channel is min-max scaled over the T frames to [0, 255] (a constant
    series maps to 0; frames without a box map to 0 with a warning).
    """
    return st_map_normalise(stmap_blocks(frames, boxes, grid, size, regions=regions, region=region,
                                         method=method))


def random_clips(block_means, count: int = CLIPS_PER_VIDEO, length: int = CLIP_FRAMES,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random clips of ``length`` frames of one video, as maps (Sec. IV-A).

    block_means : ``(T, n, 3)`` raw block means of the whole video
        (:func:`stmap_blocks`), so that every clip is min-max scaled over its
        own frames.
    Returns ``(maps, starts)``: ``(count, n, length, 3)`` uint8 and the
    ``(count,)`` first frame of each clip (uniform random starts,
    :func:`~rppg_lib.data.splits.random_clip_windows`; clips may overlap).
    """
    from ..data.splits import random_clip_windows  # lazily: rppg_lib.data loads every dataset reader

    blocks = np.asarray(block_means, dtype=float)
    if blocks.ndim != 3 or blocks.shape[2] != 3:
        raise ValueError(f"block_means must be (T, n, 3), got shape {blocks.shape}")
    windows = random_clip_windows(len(blocks), length, count, seed=seed)
    starts = np.array([s for s, _ in windows], dtype=np.int64)
    maps = np.empty((count, blocks.shape[1], length, 3), np.uint8)
    for i, (s, e) in enumerate(windows):  # one vectorised scaling per clip
        maps[i] = st_map_normalise(blocks[s:e])
    return maps, starts
