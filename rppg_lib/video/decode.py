"""Decoding and writing videos with their container timestamps (PyAV).

Frame times come from the container's presentation timestamps (pts), not
from ``index / fps``: phone and webcam recordings are often variable-rate, and
the reference signals of the datasets are aligned to the frames by time
(the loaders of Kopeliovich et al. 2019 do the same). Times are in seconds
from the start of the video stream.

Damaged files fail loudly: a file that cannot be opened, a packet the decoder
rejects or a resolution change raises :class:`VideoDecodeError` with the file
name and the frame index. A stream that ends before the number of frames its
header announces (a truncated download, a recording cut short) gives the frames
it holds, with a :class:`VideoTruncatedWarning` that names the frames lost; one
whose frames are missing inside the stream (a gap in the frame times) is damaged
and raises (``strict``, the default).
"""
from __future__ import annotations

import itertools
import os
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, NamedTuple

import av
import numpy as np

__all__ = [
    "VideoDecodeError",
    "VideoTruncatedWarning",
    "VideoInfo",
    "VideoChunk",
    "probe_video",
    "read_video",
    "iter_video_chunks",
    "write_video",
    "frame_rate",
]


class VideoDecodeError(ValueError):
    """A video could not be opened or decoded; the message names the file and frame."""


class VideoTruncatedWarning(UserWarning):
    """The video stream ended before the frame count its file announces; the decoded part is used."""


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream.

    ``n_frames`` is the header's frame count when it has one, else an
    estimate from the stream or container duration, else None.
    """

    path: str
    width: int
    height: int
    fps: float
    n_frames: int | None
    duration_s: float | None
    codec: str


class VideoChunk(NamedTuple):
    """Consecutive frames of a video, as yielded by :func:`iter_video_chunks`."""

    frames: np.ndarray  # (n, H, W, 3) uint8 RGB
    timestamps: np.ndarray  # (n,) seconds
    start: int  # index of the first frame in the video


# ----------------------------------------------------------------------------
# opening and probing
# ----------------------------------------------------------------------------
def _open(path):
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"video file not found: {path}")
    try:
        container = av.open(path)
    except av.FFmpegError as exc:
        raise VideoDecodeError(f"{path}: cannot open the video (no frame decoded): {exc}") from exc
    if not container.streams.video:
        container.close()
        raise VideoDecodeError(f"{path}: the file holds no video stream")
    return path, container, container.streams.video[0]


def _header_fps(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return float(rate)
    return float("nan")


def _expected(container, stream, fps: float) -> tuple[int | None, float | None, bool]:
    """(frame count, duration in s, whether the count is exact) announced by the file."""
    duration = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1e6
    if stream.frames:
        return int(stream.frames), duration, True  # count in the header (AVI, MP4)
    if duration and np.isfinite(fps):
        return int(round(duration * fps)), duration, False  # estimate from the duration
    return None, duration, False


def probe_video(path) -> VideoInfo:
    """Read the header of ``path`` (no decoding)."""
    path, container, stream = _open(path)
    with container:
        fps = _header_fps(stream)
        n, duration, _ = _expected(container, stream, fps)
        return VideoInfo(path, stream.codec_context.width, stream.codec_context.height, fps, n,
                         duration, stream.codec_context.name)


# ----------------------------------------------------------------------------
# decoding
# ----------------------------------------------------------------------------
def _decoded_frames(path, start: int = 0, max_frames: int | None = None, strict: bool = True):
    """Yield ``(index, rgb, t_seconds)`` for frames ``start .. start+max_frames-1``.

    Frames before ``start`` are decoded (inter-frame codecs need them) but not
    converted to RGB. Raises :class:`VideoDecodeError` on decoder errors and
    when the stream stops short of the frame count its header announces.
    ``strict``: the decoder raises on bitstream errors instead of concealing
    them (FFmpeg ``err_detect=explode``) and a header frame count must be met
    exactly; ``strict=False`` conceals damage and tolerates 5 % missing frames.
    """
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1 or None, got {max_frames}")
    stop = None if max_frames is None else start + max_frames
    path, container, stream = _open(path)
    with container:
        stream.thread_type = "AUTO"  # frame + slice threads: about 2x faster on 2 cores
        if strict:
            stream.codec_context.options = {"err_detect": "explode"}
        fps = _header_fps(stream)
        time_base = stream.time_base
        t0 = stream.start_time or 0
        expected, _, exact = _expected(container, stream, fps)
        tolerance = 0.0 if (exact and strict) else 0.05
        index, shape = -1, None
        last_t, gap_after, gap = None, -1, 0.0  # the largest step between frame times, and where
        try:
            for frame in container.decode(stream):
                index += 1
                if index < start:
                    continue
                if stop is not None and index >= stop:
                    return
                rgb = frame.to_ndarray(format="rgb24")
                if shape is None:
                    shape = rgb.shape
                elif rgb.shape != shape:
                    raise VideoDecodeError(
                        f"{path}: frame {index} is {rgb.shape[1]}x{rgb.shape[0]} but the video "
                        f"started at {shape[1]}x{shape[0]}; resolution changes are not supported")
                if frame.pts is not None and time_base:
                    t = float((frame.pts - t0) * time_base)
                else:  # no timestamp in the container: fall back to the nominal rate
                    t = index / fps
                if last_t is not None and t - last_t > gap:
                    gap, gap_after = t - last_t, index - 1
                last_t = t
                yield index, rgb, t
        except av.FFmpegError as exc:
            done = f"frames 0-{index} decoded" if index >= 0 else "no frame decoded"
            raise VideoDecodeError(f"{path}: decoding failed at frame {index + 1} ({done}): {exc}") from exc
        n_decoded = index + 1
        if expected is not None and n_decoded < np.floor(expected * (1 - tolerance)):
            if strict and gap > 1.5 / fps:  # frames missing inside the stream: damage, not a cut-off end
                raise VideoDecodeError(
                    f"{path}: damaged: {expected - n_decoded} of {expected} frames are missing, with a gap of "
                    f"{gap:.2f} s after frame {gap_after} (strict=False accepts small gaps)")
            announced = f"{expected} frames" if exact else f"about {expected} frames (its duration)"
            warnings.warn(VideoTruncatedWarning(
                f"{path}: truncated: the stream ended after frame {index} but the file announces {announced}; "
                f"frames {n_decoded}-{expected - 1} are lost, the {n_decoded} decoded frames are used"),
                stacklevel=3)


def iter_video_chunks(path, chunk_frames: int = 256, start: int = 0,
                      max_frames: int | None = None, strict: bool = True) -> Iterator[VideoChunk]:
    """Decode ``path`` into consecutive chunks of at most ``chunk_frames`` frames.

    Yields :class:`VideoChunk` ``(frames (n, H, W, 3) uint8 RGB, timestamps (n,) s,
    start)``. Each chunk is a fresh array, so peak memory is about two chunks
    (the one held by the caller and the one being filled), independent of the
    video's length: 256 frames of 640x480 are 236 MB. ``strict``: see
    :func:`read_video`.
    """
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    frames = times = None
    k = first = 0
    for index, rgb, t in _decoded_frames(path, start, max_frames, strict):
        if frames is None:
            frames = np.empty((chunk_frames,) + rgb.shape, dtype=np.uint8)
            times = np.empty(chunk_frames)
            k, first = 0, index
        frames[k], times[k] = rgb, t
        k += 1
        if k == chunk_frames:
            yield VideoChunk(frames, times, first)
            frames = None
    if frames is not None and k:
        yield VideoChunk(frames[:k], times[:k], first)  # a view: no copy of the last chunk


def read_video(path, max_frames: int | None = None, start: int = 0, strict: bool = True):
    """Decode a whole video (or ``max_frames`` frames from frame ``start``).

    Returns ``(frames, timestamps_s, fps)``: ``(T, H, W, 3)`` uint8 RGB, the
    container's presentation times in seconds from the start of the stream,
    and the frame rate. ``fps`` is the header's nominal rate unless it
    disagrees by more than 5 % with the rate measured from the timestamps
    (variable-rate files), in which case the measured mean rate is returned.

    strict : (default) fail on any bitstream error and on a frame count below
        the header's; ``False`` lets FFmpeg conceal damaged frames and accepts
        up to 5 % missing frames (some AVI writers count dropped frames).
    For long videos use :func:`iter_video_chunks` (a 60 s 640x480 video at
    30 fps is 1.7 GB of RGB frames).
    """
    info = probe_video(path)
    hint = 256 if info.n_frames is None else max(1, info.n_frames - start)
    if max_frames is not None:
        hint = min(hint, max_frames)
    # One chunk as large as the announced video: no copy in the usual case.
    chunks = list(iter_video_chunks(path, hint, start, max_frames, strict))
    if not chunks:
        if start > 0:
            raise ValueError(f"{info.path}: start={start} is past the last frame of the video")
        raise VideoDecodeError(f"{info.path}: no frame could be decoded")
    if len(chunks) == 1:
        frames, timestamps = chunks[0].frames, chunks[0].timestamps
    else:
        frames = np.concatenate([c.frames for c in chunks])
        timestamps = np.concatenate([c.timestamps for c in chunks])
    return frames, timestamps, frame_rate(info.fps, timestamps)


def frame_rate(header_fps: float, timestamps) -> float:
    """The header's rate, or the rate measured from ``timestamps`` if they disagree by > 5 %."""
    t = np.asarray(timestamps, dtype=float)
    fps = float(header_fps)
    if len(t) > 2 and t[-1] > t[0]:
        measured = (len(t) - 1) / (t[-1] - t[0])
        if not np.isfinite(fps) or abs(measured / fps - 1) > 0.05:
            fps = float(measured)
    return fps


# ----------------------------------------------------------------------------
# writing (test videos, demos)
# ----------------------------------------------------------------------------
#: Pixel formats of the lossless (and full-chroma MJPEG) encoders; the rest use yuv420p.
_PIXEL_FORMATS = {"ffv1": "bgr0", "rawvideo": "bgr24", "huffyuv": "rgb24", "mjpeg": "yuvj444p"}


def write_video(path, frames, fps: float, timestamps=None, codec: str = "libx264",
                options: dict | None = None) -> int:
    """Encode RGB frames to ``path`` with PyAV; returns the number of frames written.

    frames : ``(T, H, W, 3)`` uint8 array, or any iterable of ``(H, W, 3)`` uint8
        frames (a generator writes a long video without holding it in memory).
    timestamps : (s) each frame's time, for variable-rate files (stored with a
        1 ms time base); by default frames are ``1 / fps`` apart.
    options : encoder options; libx264 defaults to ``crf=17`` (visually
        lossless, keeps a faint colour pulse) and ``preset=veryfast``.
    Lossless codecs keep full-resolution colour (``ffv1``, ``rawvideo``,
    ``huffyuv``: a written recording decodes back to the same pixels); the
    others use yuv420p, so width and height must be even.
    """
    if isinstance(frames, np.ndarray) and timestamps is not None and len(timestamps) != len(frames):
        raise ValueError(f"{len(timestamps)} timestamps for {len(frames)} frames")
    frames = iter(frames)
    first = np.asarray(next(frames, np.empty(0)))
    if first.ndim != 3 or first.shape[-1] != 3 or first.dtype != np.uint8:
        raise ValueError("frames must be a (T, H, W, 3) uint8 array or an iterable of (H, W, 3) "
                         f"uint8 frames; the first frame is {first.shape} {first.dtype}")
    if options is None:
        options = {"crf": "17", "preset": "veryfast"} if codec == "libx264" else {}
    n = 0
    with av.open(os.fspath(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = first.shape[1], first.shape[0]
        stream.pix_fmt = _PIXEL_FORMATS.get(codec, "yuv420p")
        stream.options = {k: str(v) for k, v in options.items()}
        if codec == "mpeg4" and "b" not in options:
            stream.bit_rate = 8_000_000  # the encoder's default (200 kb/s) erases a faint pulse
        if timestamps is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        for rgb in itertools.chain([first], frames):
            if rgb.shape != first.shape or rgb.dtype != np.uint8:
                raise ValueError(f"frame {n} is {rgb.shape} {rgb.dtype}, the first {first.shape}")
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if timestamps is not None:
                frame.pts = int(round(float(timestamps[n]) * 1000))
                frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame))
            n += 1
        container.mux(stream.encode())
    return n
