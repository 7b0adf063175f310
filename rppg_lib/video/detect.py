"""Face detection and box tracking with OpenCV's Viola-Jones (Haar) cascade.

Boxes are ``(x, y, w, h)`` floats in pixels, one row per frame; NaN rows mark
frames for which no face has been found yet. The pipeline per frame is

1. **detect** on every ``every``-th frame (frontal Haar cascade on the grey
   image, largest face kept), as Kopeliovich et al. (2019, Sec. 4.1.1) do with
   the OpenCV implementation of Viola & Jones. The grey image is not
   histogram-equalised (OpenCV's tutorial does that): on the simulated presets
   equalisation dropped the hit rate from 100 % to 77-90 % on PURE-, UBFC- and
   MAHNOB-like frames, and it never helped. Once a face is found, the next
   search looks around its last box first (``local_search``; about 3x faster
   than searching the whole frame) and falls back to the whole frame;
2. **fill** the frames in between: ``"hold"`` the last box, or
   ``"interpolate"`` linearly between detections; a failed detection also
   holds (or bridges) the previous box;
3. **smooth**: ``"none"``; ``"mean20"``, the mean of the last 20 boxes
   (Kopeliovich et al. 2019: "averaged over the last 20 frames (~1.3 s) to
   minimize detection jitter"); or ``"sticky"``, the crop of Gideon & Stent
   (2021, Sec. 3.1): the box enlarged by a 50 % margin, moved only when the new
   (non-enlarged) box leaves it. With ``"sticky"`` the returned boxes are the
   enlarged crops. Deviations from Gideon & Stent: they detect faces with S3FD
   (the Haar cascade is used here) and cut a 192x128 frame before scaling to
   64x64; here the enlarged box keeps the detector's square shape and
   :func:`~rppg_lib.video.roi.face_crops` scales it to 64x64 directly.

:func:`complete_boxes` then gives every frame a box inside the frame (missed
frames interpolated between detections or carried from the nearest one, boxes
clipped to the frame), for code that needs a finite box on every frame.

:class:`FaceTracker` keeps the state between calls, so a long video can be
processed chunk by chunk with the same result as in one call (except that
``"interpolate"`` cannot look past the end of a chunk and holds there).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

__all__ = [
    "NoFaceFoundError",
    "FaceTrack",
    "FaceTracker",
    "detect_faces",
    "detect_face",
    "enlarge_boxes",
    "smooth_boxes",
    "complete_boxes",
    "SMOOTHINGS",
    "FRONTAL_CASCADE",
]

#: The cascade file of OpenCV's frontal face detector.
FRONTAL_CASCADE = "haarcascade_frontalface_default.xml"

SMOOTHINGS = ("none", "mean20", "sticky")
_FILLS = ("hold", "interpolate")


class NoFaceFoundError(RuntimeError):
    """The face detector found no face in any of the frames it examined."""


@lru_cache(maxsize=4)
def _cascade(name: str) -> cv2.CascadeClassifier:
    path = name if os.path.isfile(name) else os.path.join(cv2.data.haarcascades, name)
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise FileNotFoundError(f"cannot load the Haar cascade {path}")
    return cascade


def _check_frames(frames) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must have shape (T, H, W, 3), got {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 RGB, got dtype {frames.dtype}")
    return frames


def detect_face(frame, scale_factor: float = 1.1, min_neighbors: int = 5, min_size=None,
                detect_width: int | None = None, cascade: str = FRONTAL_CASCADE, near=None):
    """Largest face in one RGB frame as ``(x, y, w, h)`` floats, or None.

    min_size : smallest face side in pixels of the frame; default 15 % of the
        frame's shorter side (faces in rPPG datasets fill much more).
    detect_width : run the cascade on a copy downscaled to this width (faster;
        boxes are mapped back to full resolution); None = full resolution.
    near : a previous box ``(x, y, w, h)``: search first only around it (twice its
        size) and for faces 0.7-1.4 times its side, which is several times faster
        than a full-frame search; the full frame is searched when that fails.
    """
    if near is not None and np.all(np.isfinite(near)):
        x, y, w, h = (float(v) for v in near)
        H, W = frame.shape[:2]
        x0, y0 = max(0, int(x - w / 2)), max(0, int(y - h / 2))
        x1, y1 = min(W, int(x + 1.5 * w) + 1), min(H, int(y + 1.5 * h) + 1)
        if x1 - x0 >= 0.7 * w and y1 - y0 >= 0.7 * h:
            faces = _cascade(cascade).detectMultiScale(
                cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY),
                scaleFactor=scale_factor, minNeighbors=min_neighbors,
                minSize=(int(0.7 * w), int(0.7 * w)), maxSize=(int(1.4 * w) + 1, int(1.4 * w) + 1))
            if len(faces):
                faces = np.asarray(faces, dtype=float)
                return faces[np.argmax(faces[:, 2] * faces[:, 3])] + [x0, y0, 0, 0]
    gray = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
    H, W = gray.shape
    if min_size is None:
        min_size = 0.15 * min(H, W)
    s = 1.0
    if detect_width is not None and W > detect_width:
        s = detect_width / W
        gray = cv2.resize(gray, (detect_width, max(1, round(H * s))), interpolation=cv2.INTER_AREA)
    side = max(1, int(round(min_size * s)))
    faces = _cascade(cascade).detectMultiScale(gray, scaleFactor=scale_factor,
                                               minNeighbors=min_neighbors, minSize=(side, side))
    if len(faces) == 0:
        return None
    faces = np.asarray(faces, dtype=float)
    return faces[np.argmax(faces[:, 2] * faces[:, 3])] / s


def enlarge_boxes(boxes, margin: float = 0.5) -> np.ndarray:
    """Scale boxes about their centre: ``w, h -> (1 + margin) * (w, h)``."""
    b = np.asarray(boxes, dtype=float)
    grow = margin * b[..., 2:] / 2
    return np.concatenate([b[..., :2] - grow, b[..., 2:] + 2 * grow], axis=-1)


@dataclass
class FaceTrack:
    """Per-frame face boxes and how they were obtained.

    boxes : (T, 4) float x, y, w, h (NaN rows: no face found yet).
    detected : (T,) bool, the detector ran on this frame and found a face.
    checked : (T,) bool, the detector ran on this frame.
    ``np.asarray(track)`` gives ``boxes``.
    """

    boxes: np.ndarray
    detected: np.ndarray
    checked: np.ndarray
    smoothing: str = "none"

    def __array__(self, dtype=None, copy=None):
        return self.boxes if dtype is None else self.boxes.astype(dtype)

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def detection_rate(self) -> float:
        """Share of the examined frames in which a face was found."""
        n = int(self.checked.sum())
        return float(self.detected.sum() / n) if n else 0.0

    @property
    def found_fraction(self) -> float:
        """Share of all frames that have a box (found, held or interpolated)."""
        return float(np.mean(np.isfinite(self.boxes[:, 0]))) if len(self.boxes) else 0.0


class FaceTracker:
    """Stateful detector + filler + smoother; see the module docstring.

    Call :meth:`update` with consecutive chunks of frames; each call returns
    the :class:`FaceTrack` of that chunk. Parameters are those of
    :func:`detect_faces`, plus ``local_search``: once a face is found, look for it
    first around its last box (see :func:`detect_face`'s ``near``).
    """

    def __init__(self, every: int = 1, smoothing: str = "none", fill: str = "hold",
                 scale_factor: float = 1.1, min_neighbors: int = 5, min_size=None,
                 detect_width: int | None = None, margin: float = 0.5, window: int = 20,
                 cascade: str = FRONTAL_CASCADE, local_search: bool = True):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        if smoothing not in SMOOTHINGS:
            raise ValueError(f"unknown smoothing {smoothing!r}; use one of {SMOOTHINGS}")
        if fill not in _FILLS:
            raise ValueError(f"unknown fill {fill!r}; use one of {_FILLS}")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.every, self.smoothing, self.fill = int(every), smoothing, fill
        self.window, self.margin = int(window), float(margin)
        self.local_search = bool(local_search)
        self.detect_kwargs = dict(scale_factor=scale_factor, min_neighbors=min_neighbors,
                                  min_size=min_size, detect_width=detect_width, cascade=cascade)
        _cascade(cascade)  # fail early on a bad cascade file
        self.reset()

    def reset(self) -> None:
        """Forget all state (start of a new video)."""
        self._n_seen = 0
        self._anchor = None  # (global index, box) of the last successful detection
        self._history = np.empty((0, 4))  # last window-1 filled boxes (mean20)
        self._crop = None  # current enlarged crop (sticky)
        self._last_found = None  # last detected box: where the next search starts

    # -- the three stages --------------------------------------------------
    def _detect(self, frames):
        T = len(frames)
        idx = np.arange(self._n_seen, self._n_seen + T)
        checked = idx % self.every == 0
        raw = np.full((T, 4), np.nan)
        for i in np.flatnonzero(checked):  # one cascade run per examined frame
            near = self._last_found if self.local_search else None
            box = detect_face(frames[i], near=near, **self.detect_kwargs)
            if box is not None:
                raw[i] = box
                self._last_found = box
        return idx, checked, raw

    def _fill(self, idx, raw):
        found = np.isfinite(raw[:, 0])
        anchor_idx, anchor_box = idx[found], raw[found]
        if self._anchor is not None:
            anchor_idx = np.r_[self._anchor[0], anchor_idx]
            anchor_box = np.vstack([self._anchor[1], anchor_box])
        if len(anchor_idx) == 0:
            return np.full_like(raw, np.nan)
        self._anchor = (anchor_idx[-1], anchor_box[-1])
        if self.fill == "interpolate":
            return np.column_stack([np.interp(idx, anchor_idx, anchor_box[:, k], left=np.nan)
                                    for k in range(4)])
        pos = np.searchsorted(anchor_idx, idx, side="right") - 1  # last anchor at or before
        out = anchor_box[np.maximum(pos, 0)]
        out[pos < 0] = np.nan
        return out

    def _mean_of_last(self, boxes):
        """Mean of the finite boxes of the last ``window`` frames, via cumulative sums."""
        allb = np.vstack([self._history, boxes])
        valid = np.isfinite(allb[:, 0])
        csum = np.vstack([np.zeros(4), np.cumsum(np.where(valid[:, None], allb, 0.0), axis=0)])
        ccnt = np.r_[0, np.cumsum(valid)]
        end = np.arange(1, len(allb) + 1)
        begin = np.maximum(end - self.window, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (csum[end] - csum[begin]) / (ccnt[end] - ccnt[begin])[:, None]
        self._history = allb[-(self.window - 1):] if self.window > 1 else allb[:0]
        return mean[len(allb) - len(boxes):]

    def _sticky(self, boxes):
        """Gideon & Stent's crop: move the enlarged box only when the face leaves it."""
        out = np.full_like(boxes, np.nan)
        for i, b in enumerate(boxes):  # sequential by nature; cheap (no pixels)
            if not np.isfinite(b[0]):
                continue
            c = self._crop
            inside = c is not None and (b[0] >= c[0] and b[1] >= c[1] and b[0] + b[2] <= c[0] + c[2]
                                        and b[1] + b[3] <= c[1] + c[3])
            if not inside:
                self._crop = enlarge_boxes(b, self.margin)
            out[i] = self._crop
        return out

    def update(self, frames) -> FaceTrack:
        """Track the face through the next chunk of frames ``(T, H, W, 3)`` uint8 RGB."""
        frames = _check_frames(frames)
        idx, checked, raw = self._detect(frames)
        boxes = self._fill(idx, raw)
        if self.smoothing == "mean20":
            boxes = self._mean_of_last(boxes)
        elif self.smoothing == "sticky":
            boxes = self._sticky(boxes)
        self._n_seen += len(frames)
        return FaceTrack(boxes, checked & np.isfinite(raw[:, 0]), checked, self.smoothing)


def smooth_boxes(boxes, smoothing: str = "mean20", window: int = 20,
                 margin: float = 0.5) -> np.ndarray:
    """Apply one of the :data:`SMOOTHINGS` to a ``(T, 4)`` box sequence (NaN rows allowed).

    The same code as in :func:`detect_faces`, for boxes from elsewhere (a cache,
    another detector): ``"mean20"`` averages the last ``window`` boxes
    (Kopeliovich et al. 2019); ``"sticky"`` returns the crop boxes of Gideon &
    Stent (2021).
    """
    b = np.asarray(boxes, dtype=float)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes must have shape (T, 4), got {b.shape}")
    tracker = FaceTracker(smoothing=smoothing, window=window, margin=margin)
    if smoothing == "mean20":
        return tracker._mean_of_last(b)
    if smoothing == "sticky":
        return tracker._sticky(b)
    return b.copy()


def complete_boxes(boxes, frame_shape) -> np.ndarray:
    """A box for every frame, inside the frame: ``(T, 4)`` x, y, w, h with no NaN.

    Tracks from :func:`detect_faces` leave NaN rows before the first detection
    (and a box can drift past the frame's edge, where an ROI of it would be
    empty and average to NaN). Here a box that misses the frame entirely counts
    as missing; missing rows between two boxes are interpolated linearly, those
    before the first (after the last) box take that box; then every box is
    clipped to the frame ``frame_shape`` ``(H, W, ...)``, so each of its ROIs
    lies inside the frame. Raises :class:`NoFaceFoundError` when no row has a
    box: there is nothing to carry, and a map of such a video would be NaN.
    """
    b = np.array(boxes, dtype=float)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes must have shape (T, 4), got {b.shape}")
    H, W = frame_shape[:2]
    x0, y0 = b[:, 0], b[:, 1]
    x1, y1 = x0 + b[:, 2], y0 + b[:, 3]
    with np.errstate(invalid="ignore"):
        inside = np.all(np.isfinite(b), axis=1) & (x1 > 0) & (y1 > 0) & (x0 < W) & (y0 < H) \
            & (b[:, 2] > 0) & (b[:, 3] > 0)
    if not inside.any():
        raise NoFaceFoundError(f"none of the {len(b)} frames has a face box inside the {W}x{H} frame")
    t, known = np.arange(len(b)), np.flatnonzero(inside)
    corners = np.column_stack([x0, y0, x1, y1])
    filled = np.column_stack([np.interp(t, known, corners[known, k]) for k in range(4)])  # holds at the ends
    lo = np.clip(filled[:, :2], 0, [W, H])
    hi = np.clip(filled[:, 2:], 0, [W, H])
    return np.column_stack([lo, hi - lo])


def detect_faces(frames, every: int = 1, smoothing: str = "none", scale_factor: float = 1.1,
                 min_neighbors: int = 5, min_size=None, *, fill: str = "hold",
                 detect_width: int | None = None, margin: float = 0.5, window: int = 20,
                 on_missing: str = "raise") -> FaceTrack:
    """Face box of every frame of ``frames`` ``(T, H, W, 3)`` uint8 RGB.

    Parameters
    ----------
    every : run the detector on frames 0, every, 2*every, ...
    smoothing : ``"none"``, ``"mean20"`` (Kopeliovich et al. 2019) or
        ``"sticky"`` (Gideon & Stent 2021, returns the enlarged crop boxes).
    scale_factor, min_neighbors, min_size : passed to OpenCV's
        ``detectMultiScale``; ``min_size`` in pixels, default 15 % of the
        frame's shorter side.
    fill : ``"hold"`` or ``"interpolate"`` boxes between detections.
    detect_width : detect on frames downscaled to this width (speed).
    margin : sticky margin (0.5 = the box grows by 50 %).
    window : number of boxes averaged by ``"mean20"``.
    on_missing : ``"raise"`` a :class:`NoFaceFoundError` when no frame has a
        face, or ``"nan"`` to return an all-NaN track (``detection_rate`` 0).

    Returns a :class:`FaceTrack`; ``np.asarray(track)`` is the ``(T, 4)``
    array of boxes, NaN for the frames before the first detection.
    """
    if on_missing not in ("raise", "nan"):
        raise ValueError(f"on_missing must be 'raise' or 'nan', got {on_missing!r}")
    frames = _check_frames(frames)
    tracker = FaceTracker(every, smoothing, fill, scale_factor, min_neighbors, min_size,
                          detect_width, margin, window)
    track = tracker.update(frames)
    if on_missing == "raise" and not track.detected.any():
        raise NoFaceFoundError(
            f"no face found in any of the {int(track.checked.sum())} frames examined "
            f"(detector run on 1 in {every} of {len(frames)} frames, min_size={min_size}, "
            f"min_neighbors={min_neighbors})")
    return track
