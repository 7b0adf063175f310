"""Regions of interest, colour traces, face crops and spatial-temporal maps.

A region is a rectangle ``(x0, y0, x1, y1)`` in *fractions of the face box*
(0 = left/top edge, 1 = right/bottom edge), so it follows the box from frame
to frame. Rectangles are converted to whole pixels by rounding each edge and
clipped to the frame.

Mean colours of all frames and all regions come from integral images
(summed-area tables): four look-ups per region and frame, whatever the
region's size, gathered for a whole batch of frames and all regions at once.
The tables cover only the bounding box of the batch's regions and stay under
~64 MB.

Region sets (``ROI_SETS``)
--------------------------
``"six_regions"``: the six ROIs of Kopeliovich et al. (2019, Sec. 4.1.1,
Fig. 4): nose, nose bridge, under the left eye, under the right eye, truncated
facial box, full box. The paper shows them only in a figure ("set manually to
match the facial features on most video sequences"); the fractions below were
chosen on OpenCV Haar boxes of frontal faces (eyes at ~38 % of the box height,
eye centres at ~28 % and ~72 % of its width, nose tip at ~60 %, mouth at ~80 %).
The "truncated box" drops 15 % on each side and 10 % at top and bottom, where
the Haar box holds hair and background.

``"face"``: the whole box; ``"cheeks"``: the :data:`CHEEK_REGION`.

Spatial-temporal maps (Niu et al. 2018, SynRhythm)
--------------------------------------------------
The paper takes the cheek bounding box from 81 facial landmarks (SeetaFace).
No landmark model ships offline here, so :data:`CHEEK_REGION` is a fixed
rectangle of the face box: from just below the eyes to just above the mouth
(y 0.42-0.77) and between the face contours (x 0.12-0.88); it includes the
nose, as the landmark box does. This is a deviation: the box does not rotate
or deform with the face.
"""
from __future__ import annotations

import warnings
from typing import Mapping

import cv2
import numpy as np

from .detect import NoFaceFoundError, _check_frames

__all__ = [
    "ROI_SETS",
    "CHEEK_REGION",
    "SKIN_CR",
    "SKIN_CB",
    "grid_rois",
    "roi_rects",
    "roi_masks",
    "skin_mask",
    "roi_traces",
    "frame_means",
    "face_crops",
    "st_map",
    "st_map_blocks",
    "st_map_normalise",
]

#: Region sets: name -> {region name: (x0, y0, x1, y1) as fractions of the face box}.
ROI_SETS: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "six_regions": {
        "nose": (0.40, 0.45, 0.60, 0.65),
        "nose_bridge": (0.42, 0.28, 0.58, 0.45),
        "under_left_eye": (0.15, 0.47, 0.38, 0.62),  # left in the image
        "under_right_eye": (0.62, 0.47, 0.85, 0.62),
        "truncated_box": (0.15, 0.10, 0.85, 0.90),
        "full_box": (0.0, 0.0, 1.0, 1.0),
    },
    "face": {"face": (0.0, 0.0, 1.0, 1.0)},
    "cheeks": {"cheeks": (0.12, 0.42, 0.88, 0.77)},
}

#: Cheek area used for spatial-temporal maps (fractions of the face box).
CHEEK_REGION: tuple[float, float, float, float] = ROI_SETS["cheeks"]["cheeks"]

#: Skin thresholds on Cr and Cb (Chai & Ngan 1999), inclusive, 8-bit YCrCb.
SKIN_CR: tuple[int, int] = (133, 173)
SKIN_CB: tuple[int, int] = (77, 127)

_BATCH_BYTES = 64 * 2**20


def grid_rois(region=CHEEK_REGION, grid: tuple[int, int] = (10, 20)) -> np.ndarray:
    """Split ``region`` into ``rows x cols`` equal blocks, row-major: ``(rows*cols, 4)``."""
    rows, cols = grid
    x0, y0, x1, y1 = region
    ys = np.linspace(y0, y1, rows + 1)
    xs = np.linspace(x0, x1, cols + 1)
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return np.stack([xs[c], ys[r], xs[c + 1], ys[r + 1]], axis=-1).reshape(-1, 4)


def _as_rects(rois) -> np.ndarray:
    if isinstance(rois, str):
        if rois not in ROI_SETS:
            raise ValueError(f"unknown ROI set {rois!r}; known: {', '.join(ROI_SETS)}")
        rois = ROI_SETS[rois]
    if isinstance(rois, Mapping):
        rois = list(rois.values())
    rects = np.asarray(rois, dtype=float)
    if rects.ndim == 1:
        rects = rects[None]
    if rects.ndim != 2 or rects.shape[1] != 4 or len(rects) == 0:
        raise ValueError(f"ROIs must be (R, 4) rectangles x0, y0, x1, y1, got shape {rects.shape}")
    if np.any(rects[:, 2] <= rects[:, 0]) or np.any(rects[:, 3] <= rects[:, 1]):
        raise ValueError("every ROI needs x1 > x0 and y1 > y0")
    return rects


def _check_boxes(boxes, T: int) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=float)
    if boxes.shape != (T, 4):
        raise ValueError(f"boxes must have shape ({T}, 4) (x, y, w, h per frame), "
                         f"got {boxes.shape}")
    return boxes


def roi_rects(boxes, rois, frame_shape):
    """Pixel rectangles of every ROI in every frame.

    boxes : (T, 4) face boxes x, y, w, h; rois : set name, mapping or (R, 4).
    frame_shape : (H, W, ...). Returns ``(rects, valid)``: ``(T, R, 4)`` int
    ``x0, y0, x1, y1`` (half-open, clipped to the frame) and ``(T, R)`` bool,
    False where the box is NaN or the clipped rectangle is empty.
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    rects = _as_rects(rois)
    H, W = frame_shape[:2]
    finite = np.all(np.isfinite(boxes), axis=1)
    b = np.where(finite[:, None], boxes, 0.0)[:, None, :]  # (T, 1, 4)
    x0 = b[..., 0] + rects[:, 0] * b[..., 2]
    x1 = b[..., 0] + rects[:, 2] * b[..., 2]
    y0 = b[..., 1] + rects[:, 1] * b[..., 3]
    y1 = b[..., 1] + rects[:, 3] * b[..., 3]
    out = np.stack([np.clip(np.rint(x0), 0, W), np.clip(np.rint(y0), 0, H),
                    np.clip(np.rint(x1), 0, W), np.clip(np.rint(y1), 0, H)], axis=-1)
    out = out.astype(np.int64)
    valid = finite[:, None] & (out[..., 2] > out[..., 0]) & (out[..., 3] > out[..., 1])
    return out, valid


def roi_masks(box, frame_shape, rois="six_regions") -> np.ndarray:
    """Boolean masks ``(R, H, W)`` of the ROIs of one face box (for plots and checks)."""
    rects, valid = roi_rects(np.asarray(box, dtype=float)[None], rois, frame_shape)
    H, W = frame_shape[:2]
    ys, xs = np.arange(H)[:, None], np.arange(W)[None, :]
    r = rects[0][:, :, None, None]
    masks = (xs >= r[:, 0]) & (xs < r[:, 2]) & (ys >= r[:, 1]) & (ys < r[:, 3])
    return masks & valid[0][:, None, None]


def _skin_mask_one(img) -> np.ndarray:
    """0/255 uint8 skin mask of one RGB image (or of rows of images stacked)."""
    lo = (0, SKIN_CR[0], SKIN_CB[0])
    hi = (255, SKIN_CR[1], SKIN_CB[1])
    return cv2.inRange(cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb), lo, hi)


def skin_mask(frames) -> np.ndarray:
    """Skin pixels by fixed YCrCb thresholds (Chai & Ngan 1999): :data:`SKIN_CR`, :data:`SKIN_CB`.

    ``frames`` ``(T, H, W, 3)`` or ``(H, W, 3)`` uint8 RGB -> bool mask of the
    same leading shape. All frames go through one OpenCV call (stacked rows).
    """
    frames = np.ascontiguousarray(frames)
    if frames.ndim not in (3, 4) or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) or (H, W, 3) uint8, got {frames.shape} "
                         f"{frames.dtype}")
    flat = frames.reshape(-1, frames.shape[-2], 3)
    return _skin_mask_one(flat).reshape(frames.shape[:-1]) > 0


def _rect_sums(frames, rects, valid, skin: bool) -> np.ndarray:
    """Sums over the rectangles ``(T, R, 4)`` of every frame: ``(T, R, 3)`` (``(T, R, 4)``
    with ``skin``: sums over skin pixels and the skin pixel count).

    Frames are taken in batches; each batch is cut to the bounding box of its
    valid rectangles (a face fills a fraction of the frame), and the summed-area
    table of each cut frame (OpenCV's ``integral``, C++) serves all its
    rectangles with four look-ups, done for the whole batch at once.
    """
    T, H, W, _ = frames.shape
    C = 4 if skin else 3
    out = np.zeros((T, rects.shape[1], C))
    depth, depth_dtype = (cv2.CV_32S, np.int32) if H * W * 255 < 2**31 else (cv2.CV_64F, np.float64)
    batch = max(1, _BATCH_BYTES // ((H + 1) * (W + 1) * C * np.dtype(depth_dtype).itemsize))
    for s in range(0, T, batch):  # batches of frames, not pixels
        sl = slice(s, min(T, s + batch))
        v = valid[sl]
        if not v.any():
            continue
        r = rects[sl]
        X0, Y0 = r[..., 0][v].min(), r[..., 1][v].min()
        X1, Y1 = r[..., 2][v].max(), r[..., 3][v].max()
        crop = frames[sl, Y0:Y1, X0:X1]
        ii = np.empty((len(crop), Y1 - Y0 + 1, X1 - X0 + 1, C), dtype=depth_dtype)
        for k, img in enumerate(crop):  # one C++ call per frame; each serves every ROI
            if skin:
                mask = _skin_mask_one(img)  # 0 / 255
                ii[k, :, :, :3] = cv2.integral(cv2.bitwise_and(img, img, mask=mask), sdepth=depth)
                ii[k, :, :, 3] = cv2.integral(mask, sdepth=depth) // 255
            else:
                ii[k] = cv2.integral(img, sdepth=depth)
        x0 = np.clip(r[..., 0] - X0, 0, X1 - X0)
        x1 = np.clip(r[..., 2] - X0, 0, X1 - X0)
        y0 = np.clip(r[..., 1] - Y0, 0, Y1 - Y0)
        y1 = np.clip(r[..., 3] - Y0, 0, Y1 - Y0)
        t = np.arange(len(crop))[:, None]
        out[sl] = (ii[t, y1, x1].astype(np.float64) - ii[t, y0, x1]
                   - ii[t, y1, x0] + ii[t, y0, x0])
    return out


def roi_traces(frames, boxes, rois="six_regions", skin: bool = False) -> np.ndarray:
    """Mean R, G, B of every ROI in every frame: ``(T, R, 3)`` float.

    frames : (T, H, W, 3) uint8 RGB; boxes : (T, 4) face boxes (a
    :class:`~rppg_lib.video.detect.FaceTrack` works too).
    rois : a name in :data:`ROI_SETS`, a mapping name -> rectangle, or an
        ``(R, 4)`` array of box-relative rectangles.
    skin : average only the skin pixels (:func:`skin_mask`) inside each ROI.
    NaN where the frame has no box, the ROI lies outside the frame, or (with
    ``skin``) it holds no skin pixel.
    """
    frames = _check_frames(frames)
    boxes = _check_boxes(boxes, len(frames))
    rects, valid = roi_rects(boxes, rois, frames.shape[1:])
    sums = _rect_sums(frames, rects, valid, skin)
    if skin:
        count = sums[..., 3:]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums[..., :3] / count
        means[count[..., 0] == 0] = np.nan
    else:
        area = ((rects[..., 2] - rects[..., 0]) * (rects[..., 3] - rects[..., 1]))[..., None]
        means = sums / np.maximum(area, 1)
    means[~valid] = np.nan
    return means


def frame_means(frames) -> np.ndarray:
    """Mean R, G, B of every whole frame: ``(T, 3)`` float (``roi="full"`` of the predictor).

    One ``cv2.mean`` per frame: ~15x faster than ``frames.mean(axis=(1, 2))``
    on uint8, which converts every pixel to float first.
    """
    frames = _check_frames(frames)
    return np.array([cv2.mean(f)[:3] for f in frames]).reshape(len(frames), 3)


def face_crops(frames, boxes, size: tuple[int, int] = (64, 64),
               interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """Crop every frame to its box and resize: ``(T, h, w, 3)`` uint8, ``size = (h, w)``.

    Parts of a box outside the frame are filled by repeating the border pixels
    (so an enlarged box near the edge keeps its geometry). The 3D CNN papers
    use 64x64 (Gideon & Stent 2021) or larger crops. Raises
    :class:`NoFaceFoundError` if a box is NaN (no face in that frame).
    """
    frames = _check_frames(frames)
    boxes = _check_boxes(boxes, len(frames))
    missing = np.flatnonzero(~np.all(np.isfinite(boxes), axis=1))
    if len(missing):
        raise NoFaceFoundError(f"{len(missing)} of {len(frames)} frames have no face box "
                               f"(first: frame {missing[0]}); drop or fill them before cropping")
    h, w = size
    H, W = frames.shape[1:3]
    corners = np.rint(np.column_stack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]])).astype(int)
    corners[:, 2:] = np.maximum(corners[:, 2:], corners[:, :2] + 1)
    out = np.empty((len(frames), h, w, 3), np.uint8)
    for i, (x0, y0, x1, y1) in enumerate(corners):  # one resize per frame
        pad = max(0, -x0, -y0, x1 - W, y1 - H)
        img = frames[i]
        if pad:
            img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        out[i] = cv2.resize(img[y0 + pad:y1 + pad, x0 + pad:x1 + pad], (w, h),
                            interpolation=interpolation)
    return out


def mean_colour(videos) -> np.ndarray:
    """Spatial mean colour of face-crop videos ``(N, C, T, H, W)`` -> ``(N, T, C)`` float32, the input of
    the classical methods."""
    return np.asarray(videos).astype(np.float32).mean(axis=(3, 4)).transpose(0, 2, 1)


def sticky_face_crops(frames, boxes: str = "detect", truth_boxes=None, crop: int = 64, margin: float = 0.5):
    """The 3-D CNN chapters' face crops: ``(crops (T, crop, crop, 3) uint8, boxes (T, 4))``.

    One face box, enlarged by ``margin`` on each side, that moves only when the face leaves it
    (:func:`~rppg_lib.video.detect.smooth_boxes`' "sticky" rule), from the Haar detector
    (``boxes="detect"``; frames before a detection hold the first box) or from ``truth_boxes``
    (``boxes="truth"``, e.g. the simulator's); every frame is cropped to it and resized
    (:func:`face_crops`).
    """
    from .detect import detect_faces, smooth_boxes

    if boxes == "detect":
        box = np.asarray(detect_faces(frames, every=5, smoothing="sticky", margin=margin, fill="hold"))
    elif boxes == "truth":
        if truth_boxes is None:
            raise ValueError("boxes='truth' needs truth_boxes")
        box = smooth_boxes(np.asarray(truth_boxes, float), smoothing="sticky", margin=margin)
    else:
        raise ValueError(f"boxes must be 'detect' or 'truth', got {boxes!r}")
    return face_crops(frames, box, size=(crop, crop)), box


def st_map_normalise(block_means) -> np.ndarray:
    """Min-max scale each block and channel over time to [0, 255] -> uint8 ``(n, T, 3)``.

    ``block_means`` is ``(T, n, 3)`` (as returned by :func:`roi_traces`).
    A constant series maps to 0. Frames with NaN (no face) map to 0 with a
    warning.
    """
    x = np.asarray(block_means, dtype=float).transpose(1, 0, 2)  # (n, T, 3)
    bad = ~np.all(np.isfinite(x), axis=(0, 2))
    if bad.all():
        raise NoFaceFoundError("no frame of the spatial-temporal map has a face box")
    if bad.any():
        warnings.warn(f"{int(bad.sum())} of {len(bad)} frames have no face box; their "
                      "columns of the spatial-temporal map are set to 0", stacklevel=2)
    lo = np.nanmin(x, axis=1, keepdims=True)
    span = np.nanmax(x, axis=1, keepdims=True) - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(span > 0, (x - lo) / span, 0.0) * 255.0
    return np.rint(np.nan_to_num(scaled, nan=0.0)).astype(np.uint8)


def st_map(frames, boxes, grid: tuple[int, int] = (10, 20), region=CHEEK_REGION,
           size: tuple[int, int] = (100, 200), method: str = "integral") -> np.ndarray:
    """Spatial-temporal map of Niu et al. (2018): ``(rows*cols, T, 3)`` uint8.

    The cheek ``region`` of each face box is resized to ``size`` (h, w) =
    100x200, split into ``grid`` = 10x20 = 200 blocks, averaged per block and
    channel, and each block's series min-max scaled to [0, 255] (Eq. 1 and
    Sec. III-A of the paper). Blocks are ordered row by row.

    method : ``"integral"`` (default) averages each block over its
        sub-rectangle of the original frame with integral images, which is
        what area resampling to 100x200 followed by 10x10 pooling computes
        (up to pixel-edge rounding) without the per-frame resize;
        ``"resize"`` does the literal resize per frame (slower; for checks).
    The cheek region is derived from the face box: see the module docstring.
    """
    return st_map_normalise(st_map_blocks(frames, boxes, grid, region, size, method))


def st_map_blocks(frames, boxes, grid=(10, 20), region=CHEEK_REGION, size=(100, 200),
                  method: str = "integral") -> np.ndarray:
    """Raw block means ``(T, rows*cols, 3)`` float of :func:`st_map` (before scaling)."""
    rows, cols = grid
    if method == "integral":
        return roi_traces(frames, boxes, grid_rois(region, grid))
    if method != "resize":
        raise ValueError(f"method must be 'integral' or 'resize', got {method!r}")
    h, w = size
    if h % rows or w % cols:
        raise ValueError(f"size {size} must be divisible by grid {grid}")
    frames = _check_frames(frames)
    boxes = _check_boxes(boxes, len(frames))
    x0, y0, x1, y1 = region
    cheeks = np.column_stack([boxes[:, 0] + x0 * boxes[:, 2], boxes[:, 1] + y0 * boxes[:, 3],
                              (x1 - x0) * boxes[:, 2], (y1 - y0) * boxes[:, 3]])
    resized = face_crops(frames, cheeks, size=(h, w)).astype(float)
    blocks = resized.reshape(len(frames), rows, h // rows, cols, w // cols, 3).mean(axis=(2, 4))
    return blocks.reshape(len(frames), rows * cols, 3)
