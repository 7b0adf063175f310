"""Video and image-sequence input/output for the loaders and writers.

Decoding uses PyAV (FFmpeg): frames come back as ``(T, H, W, 3)`` uint8 RGB
and timestamps from the container (``pts * time_base``), relative to the
first frame. A file that cannot be opened, or that stops decoding before the
number of frames its header announces, raises :class:`VideoDecodeError`
naming the file and the frame.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

__all__ = ["VideoDecodeError", "read_video", "write_video", "read_images", "write_image"]


class VideoDecodeError(ValueError):
    """A video or image file is corrupt, truncated or unreadable."""


def read_video(path, strict: bool = True):
    """Decode a whole video file.

    Returns ``(frames, timestamps_s, fps)``: uint8 RGB frames ``(T, H, W, 3)``,
    frame times from the container relative to the first frame, and the
    stream's average frame rate. With ``strict``, fewer decoded frames than
    the container header announces is an error (a truncated file).
    Timestamps that are missing or not increasing are replaced by
    ``index / fps``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {path}")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as err:
        raise VideoDecodeError(f"{path}: cannot open the video ({err})") from err
    frames, times = [], []
    with container:
        if not container.streams.video:
            raise VideoDecodeError(f"{path}: the file holds no video stream")
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        announced = int(stream.frames or 0)
        try:
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                times.append(np.nan if frame.time is None else float(frame.time))
        except (av.error.FFmpegError, ValueError) as err:
            raise VideoDecodeError(
                f"{path}: decoding failed at frame {len(frames)} ({err}); the file is corrupt or truncated"
            ) from err
    if not frames:
        raise VideoDecodeError(f"{path}: no frame could be decoded (frame 0)")
    if strict and announced and len(frames) < announced:
        raise VideoDecodeError(
            f"{path}: decoding stopped at frame {len(frames)} but the header announces "
            f"{announced} frames; the file is truncated or corrupt"
        )
    t = np.asarray(times, dtype=float)
    if fps <= 0 and len(t) > 1 and np.all(np.isfinite(t)):
        fps = float((len(t) - 1) / (t[-1] - t[0]))
    if not np.all(np.isfinite(t)) or (len(t) > 1 and np.any(np.diff(t) <= 0)):
        t = np.arange(len(frames)) / fps
    return np.stack(frames), t - t[0], fps


def write_video(path, frames, fps: float, codec: str = "ffv1") -> Path:
    """Write uint8 RGB frames ``(T, H, W, 3)`` to ``path`` (container from the suffix).

    ``codec="ffv1"`` (default) and ``"rawvideo"`` are lossless, so a written
    recording decodes back to the same pixels; ``"mpeg4"`` and ``"mjpeg"`` are
    lossy like most of the original datasets.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8 RGB, got {frames.shape} {frames.dtype}")
    pix_fmt = {"ffv1": "bgr0", "rawvideo": "bgr24", "huffyuv": "rgb24", "mjpeg": "yuvj444p"}.get(codec, "yuv420p")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = int(frames.shape[2]), int(frames.shape[1])
        stream.pix_fmt = pix_fmt
        if codec in ("mpeg4", "mjpeg"):
            stream.options = {"qscale": "2"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


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
