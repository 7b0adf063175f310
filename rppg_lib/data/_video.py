"""Video and image-sequence input/output for the loaders and writers.

Videos go through :mod:`rppg_lib.video.decode` (PyAV): frames come back as
``(T, H, W, 3)`` uint8 RGB and timestamps from the container, relative to the
first frame. A file that cannot be opened or decoded raises
:class:`VideoDecodeError` naming the file and the frame; one that stops before
the number of frames its header announces gives its decoded frames with a
:class:`~rppg_lib.video.VideoTruncatedWarning` naming the frames lost. Image sequences (PURE, MMSE-HR, MR-NIRP) use
OpenCV.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..video import decode as _video
from ..video.decode import VideoDecodeError

__all__ = ["VideoDecodeError", "read_video", "write_video", "read_images", "write_image"]


def read_video(path, strict: bool = True):
    """Decode a whole video: ``(frames, timestamps_s, fps)`` with times from 0.

    :func:`rppg_lib.video.read_video` (container timestamps, a warning naming the frames lost
    when the stream is cut short), with the times shifted so that the
    first frame is at 0 s as the loaders' ``Recording`` expects.
    """
    frames, timestamps, fps = _video.read_video(path, strict=strict)
    return frames, timestamps - timestamps[0], fps


def write_video(path, frames, fps: float, codec: str = "ffv1") -> Path:
    """Write uint8 RGB frames ``(T, H, W, 3)`` to ``path`` (container from the suffix).

    ``codec="ffv1"`` (default) and ``"rawvideo"`` are lossless, so a written
    recording decodes back to the same pixels; ``"mpeg4"`` and ``"mjpeg"`` are
    lossy like most of the original datasets. See :func:`rppg_lib.video.write_video`.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8 RGB, got {frames.shape} {frames.dtype}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    options = {"qscale": "2"} if codec in ("mpeg4", "mjpeg") else None
    _video.write_video(path, frames, fps, codec=codec, options=options)
    return Path(path)


def read_images(paths, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """Read an ordered list of image files; colour images come back RGB.

    ``flags=cv2.IMREAD_UNCHANGED`` keeps 16-bit and single-channel images as
    they are (raw Bayer frames).
    """
    images = []
    for i, p in enumerate(paths):
        img = cv2.imread(str(p), flags)
        if img is None:
            raise VideoDecodeError(f"{p}: cannot read image (frame {i}); the file is corrupt or not an image")
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        images.append(img)
    if not images:
        raise VideoDecodeError("no image files to read")
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise VideoDecodeError(f"images have different sizes {sorted(shapes)}; first file {paths[0]}")
    return np.stack(images)


def write_image(path, image, params=None) -> None:
    """Write one image (RGB colour, or a single-channel array as it is) with OpenCV."""
    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), img, params or []):
        raise OSError(f"could not write image {path}")
