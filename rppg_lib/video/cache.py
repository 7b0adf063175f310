"""Chunked preprocessing of a video file, cached on disk as ``.npz``.

:func:`preprocess_video` decodes a video chunk by chunk (memory bounded by the
chunk size, not the video length), tracks the face across chunks and keeps
only the small arrays the papers need: ROI traces, skin traces, face crops,
spatial-temporal maps. With ``cache_dir`` set, the result is stored as
``<cache_dir>/<key>.npz`` where the key hashes the source file (absolute path,
size, modification time) and *every* parameter, defaults included, so a
second call with the same arguments loads the file instead of decoding the
video, and any change of file or parameter recomputes. Files are written to a
temporary name and moved into place with ``os.replace`` (atomic), so an
interrupted run never leaves a half-written cache entry.

:func:`cached` gives the same behaviour to any function
``f(path, **params) -> dict[str, np.ndarray]``.
"""
from __future__ import annotations

import functools
import inspect
import json
import os
import warnings

import numpy as np

from .. import storage
from ..storage import load_npz, save_npz_atomic
from .decode import frame_rate, iter_video_chunks, probe_video
from .detect import FRONTAL_CASCADE, FaceTracker, NoFaceFoundError
from .roi import face_crops, frame_means, roi_traces, st_map_blocks, st_map_normalise

__all__ = ["cached", "cache_key", "file_fingerprint", "preprocess_video", "PREPROCESS_OUTPUTS"]

#: Bump when the preprocessing code changes what it computes (invalidates caches).
CACHE_VERSION = 2

PREPROCESS_OUTPUTS = ("roi_traces", "skin_trace", "full_trace", "crops", "st_map")


def file_fingerprint(path) -> dict:
    """Absolute path, size and modification time (ns) of ``path``."""
    path = os.path.abspath(os.fspath(path))
    st = os.stat(path)
    return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def cache_key(path, params: dict, namespace: str) -> str:
    """SHA-256 (hex) of the file fingerprint, ``namespace`` and ``params``."""
    return storage.cache_key({"file": file_fingerprint(path), "namespace": namespace, "params": params,
                              "version": CACHE_VERSION})


def cached(fn=None, *, namespace: str | None = None):
    """Decorator: cache ``fn(path, **params) -> dict of arrays`` in ``.npz`` files.

    The wrapped function takes an extra keyword ``cache_dir`` (None = no
    caching). The key covers the file fingerprint and all arguments bound to
    ``fn``'s signature with defaults applied. Values must be numpy arrays or
    scalars (scalars come back as Python numbers).
    """
    if fn is None:
        return functools.partial(cached, namespace=namespace)
    sig = inspect.signature(fn)
    name = namespace or f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(path, *args, cache_dir=None, **kwargs):
        if cache_dir is None:
            return fn(path, *args, **kwargs)
        bound = sig.bind(path, *args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        params.pop(next(iter(sig.parameters)))  # the path is in the fingerprint
        key = cache_key(path, params, name)
        file = os.path.join(os.fspath(cache_dir), f"{key}.npz")
        stored = load_npz(file)
        if stored is not None:
            return {k: v for k, v in stored.items() if not k.startswith("__")}
        result = fn(path, *args, **kwargs)
        meta = json.dumps({"source": file_fingerprint(path), "function": name, "params": params},
                          sort_keys=True, default=storage.key_default)
        save_npz_atomic(file, {"__meta__": np.array(meta), **{k: np.asarray(v) for k, v in result.items()}})
        return result

    return wrapper


@cached(namespace="rppg_lib.video.preprocess_video")
def preprocess_video(path, outputs=("roi_traces",), *, rois="six_regions", skin: bool = False,
                     every: int = 1, smoothing: str = "mean20", fill: str = "hold",
                     scale_factor: float = 1.1, min_neighbors: int = 5, min_size=None,
                     detect_width: int | None = None, margin: float = 0.5,
                     crop_size=(64, 64), st_grid=(10, 20), chunk_frames: int = 256,
                     max_frames: int | None = None, on_missing: str = "raise",
                     cascade: str = FRONTAL_CASCADE) -> dict:
    """Decode ``path`` in chunks, track the face, and keep the requested arrays.

    outputs : any of ``"roi_traces"`` (T, R, 3) mean RGB of the ``rois`` (with
        ``skin``: skin pixels only), ``"skin_trace"`` (T, 3) mean RGB of the skin
        pixels inside the face box, ``"full_trace"`` (T, 3) mean RGB of the whole
        frame (no face detection), ``"crops"`` (T, h, w, 3) uint8 face crops
        of ``crop_size`` (use ``smoothing="sticky"`` for Gideon & Stent 2021),
        ``"st_map"`` (n, T, 3) uint8 spatial-temporal map (Niu et al. 2018).
    Face tracking parameters are those of
    :func:`rppg_lib.video.detect.detect_faces` (``every``, ``smoothing``, ...).
    cache_dir : directory of the ``.npz`` cache (None = no cache).

    Returns a dict with ``timestamps`` (T,) s, ``fps``, the requested outputs,
    and unless only ``full_trace`` was asked for, ``boxes`` (T, 4),
    ``detected`` (T,) and ``checked`` (T,) (see :class:`FaceTrack`). Frames
    without a face box have NaN traces and zero crops (with a warning).
    Raises :class:`NoFaceFoundError` when no frame has a face (unless
    ``on_missing="nan"``) and :class:`VideoDecodeError` for damaged files.
    """
    outputs = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    unknown = set(outputs) - set(PREPROCESS_OUTPUTS)
    if unknown or not outputs:
        raise ValueError(f"unknown outputs {sorted(unknown)}; choose from {PREPROCESS_OUTPUTS}")
    if on_missing not in ("raise", "nan"):
        raise ValueError(f"on_missing must be 'raise' or 'nan', got {on_missing!r}")
    path = os.fspath(path)
    tracker = None
    if set(outputs) - {"full_trace"}:
        tracker = FaceTracker(every, smoothing, fill, scale_factor, min_neighbors, min_size,
                              detect_width, margin, cascade=cascade)
    parts: dict[str, list] = {}

    def keep(name, value):
        parts.setdefault(name, []).append(value)

    for chunk in iter_video_chunks(path, chunk_frames, max_frames=max_frames):
        frames = chunk.frames
        keep("timestamps", chunk.timestamps)
        if tracker is not None:
            track = tracker.update(frames)
            boxes = track.boxes
            keep("boxes", boxes)
            keep("detected", track.detected)
            keep("checked", track.checked)
        if "roi_traces" in outputs:
            keep("roi_traces", roi_traces(frames, boxes, rois, skin=skin))
        if "skin_trace" in outputs:
            keep("skin_trace", roi_traces(frames, boxes, "face", skin=True)[:, 0])
        if "full_trace" in outputs:
            keep("full_trace", frame_means(frames))
        if "crops" in outputs:
            has = np.all(np.isfinite(boxes), axis=1)
            crops = np.zeros((len(frames),) + tuple(crop_size) + (3,), np.uint8)
            if has.any():
                crops[has] = face_crops(frames[has], boxes[has], crop_size)
            keep("crops", crops)
        if "st_map" in outputs:
            keep("st_blocks", st_map_blocks(frames, boxes, st_grid))
        del frames, chunk
    if not parts:
        raise ValueError(f"{path}: no frame was decoded")
    out = {name: np.concatenate(values) for name, values in parts.items()}
    out["fps"] = frame_rate(probe_video(path).fps, out["timestamps"])
    if tracker is not None:
        n_checked = int(out["checked"].sum())
        if not out["detected"].any() and on_missing == "raise":
            raise NoFaceFoundError(
                f"{path}: no face found in any of the {n_checked} frames examined "
                f"(detector run on 1 in {every} of {len(out['timestamps'])} frames)")
        missing = int(np.sum(~np.isfinite(out["boxes"][:, 0])))
        if missing and "crops" in outputs:
            warnings.warn(f"{path}: {missing} frames have no face box; their crops are zeros "
                          "(find them with np.isnan(result['boxes'][:, 0]))", stacklevel=3)
    if "st_map" in outputs:
        out["st_map"] = st_map_normalise(out.pop("st_blocks"))
    return out
