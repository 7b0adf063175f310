"""Heart rate from a video file with a classical (training-free) rPPG method or a network a chapter trained.

:func:`predict_video` runs the whole chain on one file:

1. decode in chunks with container timestamps and track the face with the
   Haar cascade every ``detect_every`` frames, boxes held in between and
   averaged over the last 20 (Kopeliovich et al. 2019), see
   :mod:`rppg_lib.video`;
2. average the colour of a region per frame: the skin pixels (YCrCb
   thresholds) inside the face box (``roi="skin"``, default), the truncated
   face box (``roi="face"``), or the whole frame (``roi="full"``, no
   detection; for clips that show only skin);
3. resample the trace onto a uniform grid at the video's frame rate (frames
   without a face are dropped and bridged by linear interpolation);
4. extract the pulse with :func:`rppg_lib.methods.apply_method` (POS by
   default) and its HR in sliding windows (:func:`rppg_lib.signal.sliding_hr`);
5. grade every window by its SNR (:func:`rppg_lib.signal.snr`, de Haan &
   Jeanne 2013). The default threshold, -2 dB, is the 99th percentile of the
   SNR of band-passed white noise in 10 s windows (measured: median -5.5 dB,
   95th percentile -3.0 dB), so a window passes only if its spectrum is
   clearly peaked. The recording is ``"ok"`` when at least half the windows
   pass, else ``"no reliable pulse"``. The SNR counts only +-6 bpm around the
   peak and its harmonic as signal, so it depends on the window length (a
   pure sinusoid scores 3.6 dB in 6 s windows, 10.6 dB in 10 s windows, the
   Hann window's main lobe being wider than 12 bpm); the threshold is
   therefore set from the noise side.

:func:`predict_video_with_model` replaces steps 2-4 with a stored network
(:mod:`rppg_lib.model_store`): the face crops its chapter trained it on, its
pulse over overlapping windows; step 5 is the same. A network that reads
spatial-temporal maps (Niu et al. 2018) or colour signals (Kopeliovich et al.
2019) gives one HR per clip instead of a pulse; its clips are graded by the
SNR of the face's colour at that HR.

No face in any examined frame raises :class:`~rppg_lib.video.NoFaceFoundError`;
a damaged file raises :class:`~rppg_lib.video.VideoDecodeError`.
:func:`plot_prediction` draws the pulse, the HR over time and the SNR.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import signal as sig
from .video import ROI_SETS, NoFaceFoundError, preprocess_video, probe_video

__all__ = ["VideoPrediction", "predict_video", "predict_video_with_model", "check_model", "plot_prediction",
           "PREDICT_ROIS", "SNR_THRESHOLD_DB", "MODEL_INPUTS", "MODEL_INPUT_KEYS",
           "PULSE_STAND_IN_LABEL"]

#: Regions :func:`predict_video` can average.
PREDICT_ROIS = ("skin", "face", "full")

#: Windows whose SNR is below this are not trusted (see the module docstring).
SNR_THRESHOLD_DB = -2.0

#: HR band (bpm): the band of the classical methods' final filter, 0.7-4 Hz.
_BAND_BPM = (42.0, 240.0)


@dataclass
class VideoPrediction:
    """Result of :func:`predict_video`.

    time_s, rgb, pulse : the uniform time grid (s), the colour trace (N, 3)
        and the pulse on it.
    hr_time_s, hr_bpm, snr_db, reliable : one value per sliding window
        (window centres, HR, SNR, SNR >= threshold).
    hr_median_bpm : median HR of the reliable windows (of all windows when
        none is reliable; then ``status`` says so).
    status : ``"ok"`` or ``"no reliable pulse"``; ``message`` explains.
    detection_rate : share of the examined frames with a face (NaN for
        ``roi="full"``); trace_fraction : share of frames with a usable trace.
    model : for a trained network (:func:`predict_video_with_model`), its name, builder, input and
        run record (chapter, data, profile, revision, metrics); None for a classical method.
    """

    path: str
    method: str
    roi: str
    fps: float
    time_s: np.ndarray
    rgb: np.ndarray
    pulse: np.ndarray
    hr_time_s: np.ndarray
    hr_bpm: np.ndarray
    snr_db: np.ndarray
    reliable: np.ndarray
    hr_median_bpm: float
    status: str
    message: str
    detection_rate: float
    trace_fraction: float
    band_bpm: tuple[float, float]
    window_s: float
    snr_threshold_db: float
    meta: dict = field(default_factory=dict)
    model: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> str:
        """A few lines for a terminal."""
        face = ("whole frame used as skin" if self.roi == "full" else
                f"face found in {100 * self.detection_rate:.0f} % of examined frames")
        return (f"{os.path.basename(self.path)}: {self.status.upper()}: {self.message}\n"
                f"  HR {self.hr_median_bpm:.1f} bpm (median of "
                f"{int(self.reliable.sum())}/{len(self.reliable)} reliable {self.window_s:g} s "
                f"windows), {'model' if self.model else 'method'} {self.method}, roi {self.roi}, {face}")

    def to_dict(self) -> dict:
        """JSON-ready summary (per-window arrays as lists)."""
        return {
            "path": self.path, "method": self.method, "roi": self.roi, "fps": self.fps,
            "status": self.status, "message": self.message,
            "hr_median_bpm": self.hr_median_bpm,
            "detection_rate": None if np.isnan(self.detection_rate) else self.detection_rate,
            "trace_fraction": self.trace_fraction, "band_bpm": list(self.band_bpm),
            "window_s": self.window_s, "snr_threshold_db": self.snr_threshold_db,
            "hr_time_s": self.hr_time_s.tolist(), "hr_bpm": self.hr_bpm.tolist(),
            "snr_db": self.snr_db.tolist(), "reliable": self.reliable.tolist(),
            "model": self.model,
        }


def _trace(path, roi, detect_every, detect_width, max_frames, cache_dir, chunk_frames):
    common = dict(max_frames=max_frames, cache_dir=cache_dir, chunk_frames=chunk_frames)
    if roi == "full":
        out = preprocess_video(path, ("full_trace",), **common)
        return out, out["full_trace"], float("nan")
    detect = dict(every=detect_every, smoothing="mean20", detect_width=detect_width, **common)
    if roi == "skin":
        out = preprocess_video(path, ("skin_trace",), **detect)
        trace = out["skin_trace"]
    else:
        face = {"face": ROI_SETS["six_regions"]["truncated_box"]}
        out = preprocess_video(path, ("roi_traces",), rois=face, **detect)
        trace = out["roi_traces"][:, 0]
    checked = out["checked"].sum()
    return out, trace, float(out["detected"].sum() / checked) if checked else 0.0


def predict_video(path, method: str = "pos", window_s: float = 10.0, step_s: float = 1.0,
                  detect_every: int = 10, roi: str = "skin", *, band_bpm=_BAND_BPM,
                  snr_threshold_db: float = SNR_THRESHOLD_DB, min_reliable: float = 0.5,
                  detect_width: int | None = 320, max_seconds: float | None = None,
                  cache_dir=None, chunk_frames: int = 256) -> VideoPrediction:
    """Estimate the heart rate in the video file ``path`` (see the module docstring).

    Parameters
    ----------
    method : a classical method of :mod:`rppg_lib.methods` (green, ica, chrom,
        pos, lgi, pbv).
    window_s, step_s : sliding HR windows (shortened to the recording if it is
        shorter than one window).
    detect_every : run the face detector on every n-th frame.
    roi : ``"skin"``, ``"face"`` or ``"full"`` (whole frame is skin).
    band_bpm : HR search band; its upper edge is lowered below the Nyquist
        frequency for slow cameras.
    snr_threshold_db, min_reliable : quality rule (a window is reliable if its
        SNR >= threshold; the recording is "ok" if that share >= min_reliable).
    detect_width : run the detector on frames downscaled to this width (speed;
        None = full resolution).
    max_seconds : analyse only the beginning of the video.
    cache_dir : cache the colour traces there (see
        :func:`rppg_lib.video.preprocess_video`).
    """
    from .methods import METHODS, apply_method

    # check the arguments before decoding anything: a typo must not cost a minute of video reading
    if roi not in PREDICT_ROIS:
        raise ValueError(f"roi must be one of {PREDICT_ROIS}, got {roi!r}")
    if str(method).lower() not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    path = os.fspath(path)
    info = probe_video(path)
    max_frames = None
    if max_seconds is not None:
        max_frames = max(1, int(round(max_seconds * info.fps)))
    out, trace, detection_rate = _trace(path, roi, detect_every, detect_width, max_frames,
                                        cache_dir, chunk_frames)
    fs = float(out["fps"])
    valid = np.all(np.isfinite(trace), axis=1)
    if not valid.any():
        raise NoFaceFoundError(f"{path}: the face was found but no frame has skin-coloured "
                               f"pixels in the face box; try roi='face'")
    t, rgb = sig.resample_uniform(out["timestamps"][valid], trace[valid], fs)
    duration = len(t) / fs
    lo, hi = float(band_bpm[0]), min(float(band_bpm[1]), 0.9 * 30.0 * fs)
    min_duration = max(4.0, 2 * 60.0 / lo)
    if duration < min_duration:
        raise ValueError(f"{path}: only {duration:.1f} s of usable video (need at least "
                         f"{min_duration:.1f} s for a heart rate)")
    pulse = apply_method(method, rgb, fs, band_hz=(lo / 60.0, hi / 60.0))
    graded = _grade(pulse, fs, window_s, step_s, (lo, hi), snr_threshold_db, min_reliable)
    if roi != "full" and detection_rate < 0.5:
        graded["message"] += f"; the face was found in only {100 * detection_rate:.0f} % of examined frames"
    hr_time_s = graded.pop("hr_time_s") + t[0]
    return VideoPrediction(
        path=path, method=method, roi=roi, fps=fs, time_s=t, rgb=rgb, pulse=pulse,
        hr_time_s=hr_time_s, **graded, detection_rate=detection_rate,
        trace_fraction=float(valid.mean()), band_bpm=(lo, hi), snr_threshold_db=float(snr_threshold_db),
        meta={"n_frames": int(len(trace)), "duration_s": float(duration)})


def _grade(pulse, fs: float, window_s: float, step_s: float, band_bpm, snr_threshold_db: float,
           min_reliable: float) -> dict:
    """HR and SNR of ``pulse`` in sliding windows and the quality rule of the module docstring: the
    per-window fields of :class:`VideoPrediction` (``hr_time_s`` relative to the pulse's start) and its
    ``hr_median_bpm``, ``status``, ``message`` and ``window_s``."""
    lo, hi = band_bpm
    win_s = min(window_s, len(pulse) / fs)
    hr_t, hr = sig.sliding_hr(pulse, fs, win_s, step_s, (lo, hi))
    win, step = int(round(win_s * fs)), max(1, int(round(step_s * fs)))
    windows = np.lib.stride_tricks.sliding_window_view(pulse, win)[::step]
    snr_db = np.atleast_1d(sig.snr(windows, fs, hr_bpm=hr, band_bpm=(lo, hi)))
    return {"hr_time_s": np.asarray(hr_t, float), **_verdict(np.asarray(hr, float), snr_db, snr_threshold_db,
                                                             min_reliable), "window_s": float(win_s)}


def _verdict(hr, snr_db, snr_threshold_db: float, min_reliable: float) -> dict:
    """The quality rule of the module docstring on per-window ``hr`` and ``snr_db``: ``hr_bpm``, ``snr_db``,
    ``reliable``, ``hr_median_bpm``, ``status`` and ``message`` of :class:`VideoPrediction`."""
    reliable = snr_db >= snr_threshold_db
    share = float(reliable.mean())
    hr_median = float(np.median(hr[reliable] if reliable.any() else hr))
    if share >= min_reliable:
        status = "ok"
        message = (f"pulse found in {100 * share:.0f} % of the windows "
                   f"(SNR >= {snr_threshold_db:g} dB)")
    else:
        status = "no reliable pulse"
        message = (f"only {100 * share:.0f} % of the windows have SNR >= {snr_threshold_db:g} dB "
                   f"(median SNR {np.median(snr_db):.1f} dB); the HR shown is a guess")
    return {"hr_bpm": hr, "snr_db": snr_db, "reliable": reliable, "hr_median_bpm": hr_median, "status": status,
            "message": message}


#: Input kinds of stored models that :func:`predict_video_with_model` can build from a video file.
MODEL_INPUTS = ("face_crops", "st_map", "colour_signals")

#: What each input kind's ``input_spec`` must hold for :func:`predict_video_with_model` to build it
#: (:func:`rppg_lib.model_store.face_crops_input`, :func:`rppg_lib.model_store.st_map_input`).
MODEL_INPUT_KEYS = {"face_crops": ("frame_size",), "st_map": ("fps", "clip_frames", "grid", "cheek", "clip_reader"),
                    "colour_signals": ("fps", "window", "rois", "clip_reader")}


def check_model(name: str, results_dir=None):
    """The :class:`~rppg_lib.model_store.StoredModel` ``name`` if ``rppg predict`` can run it; else
    :class:`~rppg_lib.model_store.MissingModelError` (unknown or not trained yet: which run writes it)
    or ``ValueError`` (an input this command does not build yet), or
    :class:`~rppg_lib.model_store.IncompatibleModelError` (an ``input_spec`` that lacks what its kind needs,
    :data:`MODEL_INPUT_KEYS`, or holds values it cannot use). Reads no video and no weights."""
    from .model_store import IncompatibleModelError, find_model, produced_by

    stored = find_model(name, results_dir)
    spec = stored.input_spec
    kind = spec.get("kind")
    if kind not in MODEL_INPUTS:
        raise ValueError(f"model {name!r} reads {kind!r} input, which rppg predict does not build from a video "
                         f"yet (supported: {', '.join(MODEL_INPUTS)}); its chapter ({stored.chapter}) computes "
                         "that input from its own data")
    missing = [key for key in MODEL_INPUT_KEYS[kind] if spec.get(key) is None]
    problem = f"lacks {', '.join(map(repr, missing))}" if missing else None
    if kind in ("st_map", "colour_signals") and not missing:
        problem = _st_map_problem(spec) if kind == "st_map" else _colour_signals_problem(spec)
    if problem:
        raise IncompatibleModelError(f"model {name!r}: its input_spec ({stored.path / 'model.json'}, kind {kind!r}) "
                                     f"{problem}, so rppg predict cannot rebuild its input; rerun "
                                     f"`{produced_by(name)}`")
    return stored


def _st_map_problem(spec: dict) -> str | None:
    """What is wrong with an ``st_map`` input_spec that has all of :data:`MODEL_INPUT_KEYS` (None: nothing)."""
    grid, region, fps, clip = spec["grid"], spec.get("region"), spec["fps"], spec["clip_frames"]
    if not (isinstance(grid, list) and len(grid) == 2 and all(isinstance(g, int) and g > 0 for g in grid)):
        return f"has grid {grid!r}, not two positive integers (rows, columns)"
    if spec["cheek"] not in ("box", "eyes"):
        return f"has cheek {spec['cheek']!r}, not 'box' or 'eyes'"
    if region is not None and not (isinstance(region, list) and len(region) == 4
                                   and all(isinstance(v, (int, float)) for v in region)
                                   and 0 <= region[0] < region[2] <= 1 and 0 <= region[1] < region[3] <= 1):
        return f"has region {region!r}, not x0, y0, x1, y1 fractions of the face box"
    if not (isinstance(fps, (int, float)) and fps > 0 and isinstance(clip, int) and clip >= 2):
        return f"has fps {fps!r} and clip_frames {clip!r}, not a positive rate and at least 2 frames"
    return None


def _colour_signals_problem(spec: dict) -> str | None:
    """What is wrong with a ``colour_signals`` input_spec that has all of :data:`MODEL_INPUT_KEYS` (None:
    nothing)."""
    fps, window, rois = spec["fps"], spec["window"], spec["rois"]
    if not (isinstance(rois, list) and rois and all(
            isinstance(r, list) and len(r) == 4 and all(isinstance(v, (int, float)) for v in r)
            and r[0] < r[2] and r[1] < r[3] for r in rois)):
        return f"has rois {rois!r}, not a list of x0, y0, x1, y1 rectangles in fractions of the face box"
    if not (isinstance(fps, (int, float)) and fps > 0 and isinstance(window, int) and window >= 2):
        return f"has fps {fps!r} and window {window!r}, not a positive rate and at least 2 frames"
    return None


def _face_clips(path, spec: dict, detect_every: int, detect_width, max_frames, chunk_frames):
    """The network's input as its chapter made it: sticky face crops (50 % margin) of the master
    size, area-resized to ``frame_size`` and block-averaged in time to about ``fps``. Returns
    ``(frames (T, s, s, 3) uint8, fps, preprocess output)``."""
    from .clips import MASTER_CROP, block_mean, resize_crops

    size = int(spec["frame_size"])
    out = preprocess_video(path, ("crops",), every=detect_every, smoothing="sticky", margin=0.5,
                           crop_size=(max(size, MASTER_CROP),) * 2, detect_width=detect_width,
                           max_frames=max_frames, chunk_frames=chunk_frames)
    native = float(out["fps"])
    step = max(1, int(round(native / float(spec["fps"])))) if spec.get("fps") else 1
    crops = block_mean(resize_crops(out["crops"], size).astype(np.float32), step)
    return np.rint(crops).astype(np.uint8), native / step, out


def _network_pulse(net, frames, clip_frames: int, batch_size: int = 4) -> np.ndarray:
    """The network's pulse over all ``frames`` (T, h, w, 3): windows of ``clip_frames`` with half
    overlap (the last one ends at the last frame), each output z-normalised, joined by Hann-weighted
    overlap-add. A recording shorter than one window is one window."""
    import torch

    n = len(frames)
    clip = min(int(clip_frames), n)
    starts = list(range(0, n - clip + 1, max(1, clip // 2)))
    if starts[-1] != n - clip:
        starts.append(n - clip)
    video = np.ascontiguousarray(frames.transpose(3, 0, 1, 2))  # (3, T, h, w)
    outputs = []
    with torch.no_grad():
        for b in range(0, len(starts), batch_size):
            x = torch.as_tensor(np.stack([video[:, s:s + clip] for s in starts[b:b + batch_size]])).float()
            y = net(x)
            y = y[0] if isinstance(y, (tuple, list)) else y
            outputs.append(y.reshape(len(x), -1).double().numpy())
    outputs = np.concatenate(outputs)
    weight = np.hanning(clip + 2)[1:-1]
    pulse, total = np.zeros(n), np.zeros(n)
    for s, y in zip(starts, outputs):
        y = (y - y.mean()) / max(y.std(), 1e-12)
        pulse[s:s + clip] += weight * y
        total[s:s + clip] += weight
    return pulse / np.maximum(total, 1e-12)


#: A block or ROI of a network that reads colour means is used if it lies inside the frame in at least this share
#: of the frames; rarer ones are set to 0 (a constant) instead of dropping every frame they miss (ours).
_MIN_BLOCK_SHARE = 0.5

#: Label of the trace shown as the pulse of a network that returns HR only (``{}``: where the colour is averaged).
PULSE_STAND_IN_LABEL = "{} mean green, band-passed\n(the network gives HR only)"


def _cheek_region(path, spec: dict, detect_every: int, detect_width, chunk_frames: int) -> tuple:
    """The cheek region ``(x0, y0, x1, y1)`` in fractions of the face box that a map network reads: the spec's
    ``region`` with ``cheek="box"`` (:data:`~rppg_lib.video.CHEEK_REGION` if it records none); with
    ``cheek="eyes"`` placed from the eyes on the video's first ``chunk_frames`` frames, as
    :mod:`rppg_lib.papers.niu2018.real` places it on real videos (Haar boxes averaged over 20,
    :func:`~rppg_lib.video.complete_boxes`, :func:`~rppg_lib.video.eye_cheek_region`, which falls back to the
    box rule with a warning when it finds no pair of eyes)."""
    from .video import CHEEK_REGION, complete_boxes, detect_faces, eye_cheek_region, iter_video_chunks

    if spec["cheek"] == "box":
        return tuple(float(v) for v in (spec.get("region") or CHEEK_REGION))
    frames = next(iter_video_chunks(path, chunk_frames)).frames
    track = detect_faces(frames, every=detect_every, smoothing="mean20", detect_width=detect_width,
                         on_missing="nan")
    try:
        boxes = complete_boxes(np.asarray(track.boxes), frames.shape[1:])
    except NoFaceFoundError:  # none at the start: the box rule; the main pass says whether there is a face at all
        return tuple(CHEEK_REGION)
    return tuple(float(v) for v in eye_cheek_region(frames, boxes))


def _uniform_roi_traces(path, rois, fps: float, detect_every: int, detect_width, max_frames, chunk_frames: int):
    """Mean R, G, B of the face-box-relative rectangles ``rois`` (R, 4) in every frame, on the uniform grid of
    ``fps``: ``(t (N,), traces (N, R, 3), preprocess output)``.

    The face is tracked as :func:`predict_video` tracks it (Haar detector every ``detect_every`` frames, boxes
    averaged over the last 20, as both Niu et al. 2018 and Kopeliovich et al. 2019 do), each ROI averaged per frame
    (:func:`rppg_lib.video.roi_traces`). Then a block mean of ``round(native / fps)`` frames (the chapters'
    look-alike sessions) and a linear resampling onto the exact rate ``fps`` (their real videos); frames without a
    face are bridged by the interpolation; see :data:`_MIN_BLOCK_SHARE`."""
    from .clips import block_mean

    out = preprocess_video(path, ("roi_traces",), rois=np.asarray(rois, float), every=detect_every,
                           smoothing="mean20", detect_width=detect_width, max_frames=max_frames,
                           chunk_frames=chunk_frames)
    step = max(1, int(round(float(out["fps"]) / fps)))
    traces = block_mean(np.asarray(out["roi_traces"], float), step)
    t = block_mean(np.asarray(out["timestamps"], float), step)
    flat = traces.reshape(len(traces), -1)
    live = np.isfinite(flat).mean(axis=0) >= _MIN_BLOCK_SHARE
    if not live.any() or np.all(np.isfinite(flat[:, live]), axis=1).sum() < 2:
        raise NoFaceFoundError(f"{path}: the face was found but the regions the network reads lie outside the frame")
    t_uniform, values = sig.resample_uniform(t, flat[:, live], fps)
    uniform = np.zeros((len(t_uniform), flat.shape[1]))
    uniform[:, live] = values
    return t_uniform, uniform.reshape(len(t_uniform), -1, 3), out


def _st_map_blocks(path, spec: dict, detect_every: int, detect_width, max_frames, chunk_frames: int):
    """The raw block means a map network reads, on the uniform grid of its ``fps``:
    ``(t (N,), blocks (N, rows * cols, 3), region, preprocess output)``: the cheek region (:func:`_cheek_region`)
    cut into the spec's grid (:func:`rppg_lib.video.grid_rois`), each block averaged per frame
    (:func:`_uniform_roi_traces`), which is what the chapter's :func:`rppg_lib.video.stmap_blocks` computes."""
    from .video import grid_rois

    region = _cheek_region(path, spec, detect_every, detect_width, chunk_frames)
    t, blocks, out = _uniform_roi_traces(path, grid_rois(region, tuple(spec["grid"])), float(spec["fps"]),
                                         detect_every, detect_width, max_frames, chunk_frames)
    return t, blocks, region, out


def _clip_starts(n: int, clip: int, step: int) -> np.ndarray:
    """First frames of clips of ``clip`` frames every ``step`` frames of ``n``, the last one ending at the last."""
    starts = list(range(0, n - clip + 1, max(1, int(step))))
    if starts[-1] != n - clip:
        starts.append(n - clip)
    return np.asarray(starts)


def _read_clips(net, traces, spec: dict, starts) -> np.ndarray:
    """One HR per clip beginning at ``starts`` of the colour means ``traces`` (N, R, 3), by the function the stored
    model names as its ``clip_reader`` (``"module:callable"``, called ``(net, traces, spec, starts)``): the chapter
    that trained the network cuts and scales its clips (e.g.
    :func:`rppg_lib.papers.niu2018.training.map_clips_hr`), so this command never imports a paper's home."""
    from .model_store import _import

    if not len(starts):
        return np.zeros(0)
    return np.asarray(_import(spec["clip_reader"])(net, traces, spec, np.asarray(starts)), dtype=float)


def _per_clip_prediction(path, stored, t, traces, out, starts, hr, clip: int, *, where: str, roi: str, band_bpm,
                         snr_threshold_db: float, min_reliable: float, meta: dict) -> VideoPrediction:
    """The :class:`VideoPrediction` of a network that gives one HR per clip of ``clip`` frames (``hr`` of the clips
    beginning at ``starts``, NaN for a clip it could not read) on the ROI traces ``traces`` (N, R, 3) at times
    ``t``. Such a network gives no pulse waveform: the ``pulse`` shown is the ROIs' mean green (relative to its
    mean), band-passed (:data:`PULSE_STAND_IN_LABEL`), and a clip is graded by that trace's SNR at the network's HR
    for the clip (does the colour pulse at the rate the network says?), over at least two periods of the band's
    lowest HR."""
    spec = stored.input_spec
    fs = float(spec["fps"])
    lo, hi = float(band_bpm[0]), min(float(band_bpm[1]), 0.9 * 30.0 * fs)
    snr_frames = max(clip, int(np.ceil(2 * 60.0 / lo * fs)))
    if len(t) < snr_frames:
        raise ValueError(f"{path}: only {len(t) / fs:.1f} s of video (model {stored.name!r} reads clips of "
                         f"{clip / fs:.1f} s, and the SNR needs {snr_frames / fs:.1f} s)")
    keep = np.isfinite(hr)
    if not keep.any():
        raise ValueError(f"{path}: model {stored.name!r} could read none of its {len(hr)} clips (a colour signal "
                         "that does not change in every clip)")
    starts, hr = np.asarray(starts)[keep], np.asarray(hr, float)[keep]
    rgb = traces.mean(axis=1)
    green = rgb[:, 1] / max(float(np.mean(rgb[:, 1])), 1e-12) - 1.0
    pulse = sig.bandpass(green, fs, lo / 60.0, hi / 60.0)
    windows = np.stack([pulse[s:s + snr_frames] for s in np.minimum(starts, len(t) - snr_frames)])
    snr_db = np.atleast_1d(sig.snr(windows, fs, hr_bpm=hr, band_bpm=(lo, hi)))
    graded = _verdict(hr, snr_db, snr_threshold_db, min_reliable)
    graded["message"] += (f"; each {clip / fs:.1f} s clip is graded by the SNR of the mean green of the {where} at "
                          "the network's HR")
    if not keep.all():
        graded["message"] += f"; {int((~keep).sum())} clip(s) with a constant colour signal skipped"
    checked = out["checked"].sum()
    detection_rate = float(out["detected"].sum() / checked) if checked else 0.0
    if detection_rate < 0.5:
        graded["message"] += f"; the face was found in only {100 * detection_rate:.0f} % of examined frames"
    return VideoPrediction(
        path=path, method=stored.name, roi=roi, fps=fs, time_s=t, rgb=rgb, pulse=pulse,
        hr_time_s=t[starts] + (clip - 1) / (2 * fs), **graded, detection_rate=detection_rate,
        trace_fraction=float(np.all(np.isfinite(out["boxes"]), axis=1).mean()), band_bpm=(lo, hi),
        window_s=round(clip / fs, 2), snr_threshold_db=float(snr_threshold_db),
        meta={"n_frames": int(len(out["timestamps"])), "duration_s": float(len(t) / fs), "clips": int(len(starts)),
              "pulse_label": PULSE_STAND_IN_LABEL.format(where), **meta},
        model={"name": stored.name, "builder": stored.spec.get("builder"),
               "builder_kwargs": stored.spec.get("builder_kwargs"), "input_spec": spec, "record": stored.record})


def _predict_per_clip(path, net, stored, *, step_s: float, detect_every: int, detect_width, max_frames,
                      chunk_frames: int, **grading) -> VideoPrediction:
    """:func:`predict_video_with_model` for a network that returns one HR per clip: the video's colour means
    as its chapter computed them, clips of the network's length every ``step_s`` seconds, one HR each at the
    clip's centre (:func:`_per_clip_prediction`). ``st_map`` (Niu et al. 2018): the cheek's block means
    (:func:`_st_map_blocks`); ``colour_signals`` (Kopeliovich et al. 2019): the ROIs' means
    (:func:`_uniform_roi_traces`); either turned into the network's clips and HRs by the spec's ``clip_reader``
    (:func:`_read_clips`). The HR of the video is the median over the reliable clips (both papers average over a
    video's clips)."""
    spec = stored.input_spec
    fs = float(spec["fps"])
    common = (detect_every, detect_width, max_frames, chunk_frames)
    if spec["kind"] == "st_map":
        clip = int(spec["clip_frames"])
        t, traces, region, out = _st_map_blocks(path, spec, *common)
        starts = _clip_starts(len(t), clip, round(step_s * fs)) if len(t) >= clip else np.zeros(0, int)
        hr = _read_clips(net, traces, spec, starts)
        rows, cols = spec["grid"]
        where, roi, meta = "cheek", f"cheek, {rows}x{cols} blocks", {"region": [float(v) for v in region]}
    else:
        clip = int(spec["window"])
        t, traces, out = _uniform_roi_traces(path, spec["rois"], fs, *common)
        starts = _clip_starts(len(t), clip, round(step_s * fs)) if len(t) >= clip else np.zeros(0, int)
        hr = _read_clips(net, traces, spec, starts)
        where, roi, meta = "ROIs", f"{len(spec['rois'])} face ROIs", {"rois": spec.get("roi_names")}
    if not len(starts):
        raise ValueError(f"{path}: only {len(t) / fs:.1f} s of video (model {stored.name!r} reads clips of "
                         f"{clip / fs:.1f} s)")
    return _per_clip_prediction(path, stored, t, traces, out, starts, hr, clip, where=where, roi=roi, meta=meta,
                                **grading)


def predict_video_with_model(path, model: str, window_s: float = 10.0, step_s: float = 1.0,
                             detect_every: int = 10, *, band_bpm=_BAND_BPM,
                             snr_threshold_db: float = SNR_THRESHOLD_DB, min_reliable: float = 0.5,
                             detect_width: int | None = 320, max_seconds: float | None = None,
                             chunk_frames: int = 256, results_dir=None) -> VideoPrediction:
    """Estimate the heart rate in ``path`` with the stored network ``model``
    (:mod:`rppg_lib.model_store`, ``rppg models`` lists them), graded like :func:`predict_video`.

    The video is decoded in chunks and the face tracked as the classical path does (Haar detector
    every ``detect_every`` frames), then cut into the input the network was trained on (its
    ``input_spec``): sticky face crops resized to its frame size and averaged down to its frame
    rate, in windows of its clip length (:func:`_network_pulse`). The pulse is band-passed to
    ``band_bpm`` and its HR and SNR taken in sliding windows. A network that reads Niu et al. (2018)'s
    spatial-temporal maps (``kind`` ``"st_map"``) gets the maps of the cheek's block means instead and gives
    one HR per clip of its own length every ``step_s`` (``window_s`` is then not used; :func:`_predict_per_clip`),
    and so does one that reads Kopeliovich et al. (2019)'s colour signals (``"colour_signals"``).
    The input kinds supported are :data:`MODEL_INPUTS`; the model is checked before the video is read.
    """
    from .model_store import load_model

    check_model(model, results_dir)
    net, stored = load_model(model, results_dir, with_record=True)  # both before the video is read
    path = os.fspath(path)
    info = probe_video(path)
    spec = stored.input_spec
    max_frames = None if max_seconds is None else max(1, int(round(max_seconds * info.fps)))
    if spec["kind"] in ("st_map", "colour_signals"):
        return _predict_per_clip(path, net, stored, step_s=step_s, detect_every=detect_every, band_bpm=band_bpm,
                                 snr_threshold_db=snr_threshold_db, min_reliable=min_reliable,
                                 detect_width=detect_width, max_frames=max_frames, chunk_frames=chunk_frames)
    frames, fs, out = _face_clips(path, spec, detect_every, detect_width, max_frames, chunk_frames)
    has_face = np.all(np.isfinite(out["boxes"]), axis=1)
    checked = out["checked"].sum()
    detection_rate = float(out["detected"].sum() / checked) if checked else 0.0
    duration = len(frames) / fs
    lo, hi = float(band_bpm[0]), min(float(band_bpm[1]), 0.9 * 30.0 * fs)
    min_duration = max(4.0, 2 * 60.0 / lo)
    if duration < min_duration:
        raise ValueError(f"{path}: only {duration:.1f} s of video (need at least {min_duration:.1f} s for a "
                         "heart rate)")
    pulse = sig.bandpass(_network_pulse(net, frames, spec.get("clip_frames") or len(frames)), fs,
                         lo / 60.0, hi / 60.0)
    t = np.arange(len(frames)) / fs + float(out["timestamps"][0])
    graded = _grade(pulse, fs, window_s, step_s, (lo, hi), snr_threshold_db, min_reliable)
    if detection_rate < 0.5:
        graded["message"] += f"; the face was found in only {100 * detection_rate:.0f} % of examined frames"
    hr_time_s = graded.pop("hr_time_s") + t[0]
    rgb = frames.reshape(len(frames), -1, 3).mean(axis=1)
    return VideoPrediction(
        path=path, method=model, roi="face crop", fps=fs, time_s=t, rgb=rgb, pulse=pulse, hr_time_s=hr_time_s,
        **graded, detection_rate=detection_rate, trace_fraction=float(has_face.mean()), band_bpm=(lo, hi),
        snr_threshold_db=float(snr_threshold_db),
        meta={"n_frames": int(len(out["timestamps"])), "duration_s": float(duration)},
        model={"name": stored.name, "builder": stored.spec.get("builder"),
               "builder_kwargs": stored.spec.get("builder_kwargs"), "input_spec": spec, "record": stored.record})


def plot_prediction(result: VideoPrediction, path=None):
    """Figure of the pulse, the HR over time and the window SNR; saved to ``path`` if given.

    Returns the :class:`matplotlib.figure.Figure` (built without pyplot, so it
    works with any backend and leaves no open figure behind).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 7), layout="constrained")
    ax_p, ax_hr, ax_snr = fig.subplots(3, 1, sharex=True)
    ax_p.plot(result.time_s, result.pulse, lw=0.8, color="tab:red")
    ax_p.set_ylabel(result.meta.get("pulse_label")
                    or f"pulse ({result.method if result.model else result.method.upper()})")
    colour = "tab:green" if result.ok else "tab:orange"
    ax_p.set_title(f"{os.path.basename(result.path)}: {result.status}, "
                   f"HR {result.hr_median_bpm:.1f} bpm", color=colour)
    ax_hr.plot(result.hr_time_s, result.hr_bpm, "-", color="0.7", lw=1, label="all windows")
    rel = result.reliable
    ax_hr.plot(result.hr_time_s[rel], result.hr_bpm[rel], "o", ms=3, color="tab:blue",
               label=f"SNR >= {result.snr_threshold_db:g} dB")
    ax_hr.axhline(result.hr_median_bpm, color=colour, ls="--", lw=1,
                  label=f"median {result.hr_median_bpm:.1f} bpm")
    ax_hr.set_ylim(*result.band_bpm)
    ax_hr.set_ylabel(f"HR (bpm), {result.window_s:g} s windows")
    ax_hr.legend(loc="upper right", fontsize="small")
    ax_snr.plot(result.hr_time_s, result.snr_db, ".-", color="tab:purple", lw=1)
    ax_snr.axhline(result.snr_threshold_db, color="k", ls=":", lw=1)
    ax_snr.set_ylabel("SNR (dB)")
    ax_snr.set_xlabel("time (s)")
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100)
    return fig
