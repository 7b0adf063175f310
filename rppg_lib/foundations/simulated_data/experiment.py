"""Validation of the simulator against the literature (``design/SIMULATOR_SPEC.md`` §4).

Helpers of the "Data" chapter (``notebooks/simulated_data.ipynb``):

- :func:`clip_traces`: render one simulated clip frame by frame (memory stays
  flat) and keep only its colour traces, its ground truth and the Haar
  detection record; cached on disk as ``.npz`` keyed by preset, seed and
  overrides.
- :func:`toolbox_hr`: the post-processing of the rPPG-Toolbox for
  unsupervised methods (detrend, band-pass 0.75-2.5 Hz, spectral peak).
- :func:`method_rows`: run classical methods on whole-video traces -> one row
  per method with HR, reference HR, error and SNR.
- :func:`ground_truth_stats`, :func:`mean_predictor`, :func:`dhr_10s`: checks
  of the simulated labels alone (no rendering of frames).
- :func:`desync_rows`: Pearson and HR error of a pulse against a
  desynchronised reference (Gideon & Stent 2021, Fig. 5).

Traces per clip (all ``(T, 3)`` mean R, G, B):

``toolbox``
    the rPPG-Toolbox protocol (Liu et al. 2023): Haar face box found on the
    first frame, enlarged 1.5x about its centre, kept fixed for the whole video;
    the mean over that box stands for the spatial mean of the Toolbox's 72x72
    resized crop (an INTER_AREA resize averages the same pixels).
``skin``
    mean over the simulator's ground-truth skin mask of each frame (an ideal
    ROI: no detector error, no pixel-selection noise).
``skin_ycrcb``
    mean of the pixels that pass the fixed YCrCb skin thresholds (Chai & Ngan)
    inside the ground-truth face box: a realistic skin ROI. Pixels near the
    thresholds enter and leave the mask from frame to frame, which adds noise
    to a single channel (GREEN) that colour-difference methods largely cancel.
``frame``
    mean of the whole frame.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ... import methods as _methods
from ... import signal as sig

__all__ = ["TOOLBOX_BAND_HZ", "TOOLBOX_BOX_SCALE", "default_cache_dir", "clip_key", "clip_traces",
           "toolbox_hr", "method_rows", "ground_truth_stats", "mean_predictor", "dhr_10s",
           "desync_rows", "spearman", "render_many", "frames_at", "native_size"]

#: HR band of the rPPG-Toolbox's post-processing (Hz): 45-150 bpm.
TOOLBOX_BAND_HZ: tuple[float, float] = (0.75, 2.5)
#: Enlargement of the first-frame Haar box (the Toolbox's ``LARGE_BOX_COEF``).
TOOLBOX_BOX_SCALE = 1.5

#: Bump when :func:`clip_traces` or the face detector changes what it computes (invalidates caches).
CACHE_VERSION = 4

_CHUNK = 64


def default_cache_dir() -> Path:
    """``$RPPG_SIM_CACHE`` if set, else ``.cache/simulated_data`` at the repository root."""
    env = os.environ.get("RPPG_SIM_CACHE")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".cache" / "simulated_data"


def _jsonable(v):
    if isinstance(v, (np.generic,)):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"cannot use {type(v).__name__} in a cache key")


def clip_key(preset: str, seed: int, detect_every: int, overrides: dict) -> str:
    """SHA-256 (hex) of everything that defines a clip's traces."""
    from ...synth import SIMULATOR_VERSION

    blob = json.dumps({"preset": preset, "seed": int(seed), "detect_every": int(detect_every),
                       "overrides": overrides, "version": CACHE_VERSION,
                       "simulator": SIMULATOR_VERSION},
                      sort_keys=True, default=_jsonable)
    return hashlib.sha256(blob.encode()).hexdigest()


def _render(preset: str, seed: int, detect_every: int, overrides: dict) -> dict:
    from ...synth import Scene
    from ...video import FaceTracker, detect_face, enlarge_boxes, frame_means, roi_traces

    scene = Scene(preset, seed, **overrides)
    gt_boxes = scene.face_boxes()
    n = len(scene.times)
    out = {k: np.full((n, 3), np.nan) for k in ("toolbox", "skin", "skin_ycrcb", "frame")}
    tracker = FaceTracker(every=detect_every)
    detected, checked = [], []
    info: dict = {}
    tb_box, tb_source = None, "haar"
    buf = np.empty((_CHUNK, scene.H, scene.W, 3), np.uint8)
    filled, start = 0, 0

    def flush(count, start):
        nonlocal tb_box, tb_source
        chunk = buf[:count]
        if tb_box is None:
            for f in chunk[: min(count, 15)]:  # the Toolbox detects on the first frame
                box = detect_face(f)
                if box is not None:
                    tb_box = enlarge_boxes(box, TOOLBOX_BOX_SCALE - 1.0)
                    break
            if tb_box is None:
                tb_box, tb_source = enlarge_boxes(gt_boxes[0], TOOLBOX_BOX_SCALE - 1.0), "ground truth"
        sl = slice(start, start + count)
        out["toolbox"][sl] = roi_traces(chunk, np.repeat(tb_box[None], count, 0), rois="face")[:, 0]
        out["skin_ycrcb"][sl] = roi_traces(chunk, gt_boxes[sl], rois="face", skin=True)[:, 0]
        for j in range(count):
            mask = scene.skin_mask(start + j)
            if mask.any():
                out["skin"][start + j] = chunk[j][mask].mean(axis=0)
        out["frame"][sl] = frame_means(chunk)
        track = tracker.update(chunk)
        detected.append(track.detected[track.checked])
        checked.append(int(track.checked.sum()))

    for _, frame in scene.iter_frames(info):
        buf[filled] = frame
        filled += 1
        if filled == _CHUNK:
            flush(filled, start)
            start += filled
            filled = 0
    if filled:
        flush(filled, start)
    for k in out:  # rows without skin pixels: nearest valid value
        x = out[k]
        bad = ~np.isfinite(x[:, 0])
        if bad.any() and (~bad).any():
            idx = np.flatnonzero(~bad)
            for c in range(3):
                x[bad, c] = np.interp(np.flatnonzero(bad), idx, x[idx, c])
    meta = scene.metadata()
    det = np.concatenate(detected) if detected else np.zeros(0, bool)
    return {
        **out,
        "times": scene.times, "fps": float(scene.p["fps"]),
        "ppg": meta["face_ppg"], "finger_ppg": meta["finger_ppg_at_frames"],
        "hr": scene.phys.hr_at(scene.times), "hr_10s": meta["hr_10s"],
        "detections": det.astype(bool), "detection_rate": float(det.mean()) if det.size else np.nan,
        "toolbox_box": np.asarray(tb_box, float), "toolbox_box_from_haar": tb_source == "haar",
        "gt_box0": gt_boxes[0], "skin_type": int(scene.p["skin_type"]),
        "flash_bpm": np.nan if meta["flash_bpm"] is None else float(meta["flash_bpm"]),
        "bitrate_kbps": float(info.get("bitrate_kbps", np.nan)),
        "width": scene.W, "height": scene.H,
    }


def clip_traces(preset: str, seed: int = 0, *, detect_every: int = 30, cache_dir=None,
                use_cache: bool = True, **overrides) -> dict:
    """Traces and ground truth of one simulated clip, rendered in a stream.

    Parameters
    ----------
    preset, seed, **overrides : as :func:`rppg_lib.synth.simulate`.
    detect_every : run the Haar cascade on every n-th frame (held boxes in
        between) to measure the detection rate.
    cache_dir : where to keep ``<key>.npz`` (default :func:`default_cache_dir`);
        ``use_cache=False`` always renders and writes nothing.

    Returns a dict: ``toolbox``, ``skin``, ``skin_ycrcb``, ``frame`` traces ``(T, 3)`` (see the
    module docstring), ``times``, ``fps``, ``ppg`` (face PPG), ``finger_ppg``
    (reference PPG at the frame times), ``hr`` (instantaneous HR), ``hr_10s``,
    ``detections`` (bool per examined frame), ``detection_rate``,
    ``toolbox_box`` (x, y, w, h), ``toolbox_box_from_haar`` (False if the
    first frames had no face and the ground-truth box was used), ``skin_type``,
    ``flash_bpm`` (NaN without a flashing block), ``bitrate_kbps`` (NaN when
    lossless), ``width``, ``height``.
    """
    if not use_cache:
        return _render(preset, seed, detect_every, overrides)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    file = folder / f"{clip_key(preset, seed, detect_every, overrides)}.npz"
    if file.is_file():
        try:
            with np.load(file, allow_pickle=False) as npz:
                return {k: (npz[k].item() if npz[k].ndim == 0 else npz[k]) for k in npz.files}
        except (OSError, ValueError, KeyError):
            pass  # unreadable: render again
    result = _render(preset, seed, detect_every, overrides)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in result.items()})
        os.replace(tmp, file)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return result


def native_size(preset: str, **overrides) -> tuple[int, int, float]:
    """(width, height, face_px) a preset (and variant) renders at by default."""
    from ...synth.presets import resolve

    p = resolve(preset, overrides)
    return int(p["width"]), int(p["height"]), float(p["face_px"])


def frames_at(preset: str, times_s, seed: int = 0, scale: float = 1.0, **overrides):
    """Frames of a clip at the given times (s), streamed; ``scale`` shrinks the frame and
    the face together (for pictures). Returns ``(frames (K, H, W, 3) uint8, Scene)``."""
    from ...synth import Scene

    w, h, face = native_size(preset, **{k: v for k, v in overrides.items()
                                        if k in ("scenario", "task", "camera")})
    kw = {"width": max(16, int(round(w * scale))), "height": max(16, int(round(h * scale))),
          "face_px": face * scale}
    kw.update(overrides)
    times_s = np.atleast_1d(np.asarray(times_s, float))
    kw.setdefault("duration_s", float(times_s.max()) + 0.3)
    scene = Scene(preset, seed, **kw)
    want = {int(np.argmin(np.abs(scene.times - t))): k for k, t in enumerate(times_s)}
    out = np.zeros((len(times_s), scene.H, scene.W, 3), np.uint8)
    for i, frame in scene.iter_frames():
        if i in want:
            out[want[i]] = frame
    return out, scene


def _render_spec(spec: dict) -> dict:
    spec = dict(spec)
    return clip_traces(spec.pop("preset"), spec.pop("seed", 0), **spec)


def _worker_init() -> None:
    import cv2

    cv2.setNumThreads(1)  # one core per worker


def render_many(specs, workers: int = 1) -> list[dict]:
    """:func:`clip_traces` of every spec (dicts with ``preset``, ``seed`` and its keyword
    arguments), in order, on ``workers`` processes (spawned: forking a Jupyter kernel with
    OpenCV or BLAS threads running can deadlock; 1 = in this process).
    Cached clips are loaded, not rendered."""
    specs = [dict(s) for s in specs]
    if workers <= 1 or len(specs) <= 1:
        return [_render_spec(s) for s in specs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with ProcessPoolExecutor(max_workers=int(workers), mp_context=mp.get_context("spawn"),
                             initializer=_worker_init) as ex:
        return list(ex.map(_render_spec, specs))


def toolbox_hr(pulse, fs: float, band_hz=TOOLBOX_BAND_HZ) -> float:
    """HR (bpm) of a whole-video pulse as the rPPG-Toolbox post-processes it.

    Smoothness-priors detrending (lambda 100), a first-order Butterworth
    band-pass over ``band_hz`` (zero phase), then the peak of the zero-padded
    periodogram inside the band. Applied to predictions and labels alike.
    """
    x = sig.detrend(np.asarray(pulse, float), 100.0)
    x = sig.bandpass(x, fs, band_hz[0], band_hz[1], order=1)
    return sig.estimate_hr(x, fs, (60.0 * band_hz[0], 60.0 * band_hz[1]))


def method_rows(clip: dict, roi: str = "toolbox", names=("green", "ica", "chrom", "pos"),
                band_hz=TOOLBOX_BAND_HZ, **ids) -> list[dict]:
    """Whole-video HR of each method on one clip's ``roi`` trace.

    The reference is :func:`toolbox_hr` of the clip's face PPG. SNR (dB) is
    the Toolbox's: power within 6 bpm of the reference HR and its harmonic over
    the rest of ``band_hz``. ``ids`` (e.g. ``subject=3``) are copied into each row.
    """
    fs = float(clip["fps"])
    ref = toolbox_hr(clip["ppg"], fs, band_hz)
    band_bpm = (60.0 * band_hz[0], 60.0 * band_hz[1])
    rows = []
    for name in names:
        pulse = _methods.METHODS[name](np.asarray(clip[roi], float), fs)
        hr = toolbox_hr(pulse, fs, band_hz)
        p = sig.bandpass(sig.detrend(pulse, 100.0), fs, band_hz[0], band_hz[1], order=1)
        rows.append({**ids, "roi": roi, "method": name, "hr_est": hr, "hr_ref": ref,
                     "abs_err": abs(hr - ref), "snr_db": sig.snr(p, fs, ref, band_bpm)})
    return rows


def dhr_10s(hr_10s, fs: float, lag_s: float = 10.0) -> np.ndarray:
    """|HR(t + lag) - HR(t)| of a 10-s-mean HR series sampled at ``fs``, every ``lag_s``."""
    x = np.asarray(hr_10s, float)
    step = int(round(lag_s * fs))
    idx = np.arange(0, len(x) - step, step)
    return np.abs(x[idx + step] - x[idx])


def ground_truth_stats(preset: str, n_subjects: int, scenarios=(None,), seeds=(0,),
                       duration_s: float = 60.0):
    """Labels of many clips without rendering frames (one tiny Scene each).

    One row per clip: ``preset, subject, scenario, seed, hr_label`` (mean of
    the instantaneous HR), ``hr_fft`` (spectral peak of the face PPG over the
    clip, 40-250 bpm), ``hr_10s_windows`` (list: mean HR of consecutive 10-s
    windows), ``fft_err_10s`` (list: |spectral HR of the PPG in each window - the
    window's mean HR|), ``dhr`` (list: |change of the 10-s mean HR over 10 s|),
    ``hr_beats`` (beat-count HR of the face PPG: 60 x (peaks - 1) / time from the first
    to the last systolic peak found by :func:`~rppg_lib.signal.hr_from_peaks`) and
    ``beat_err`` (its gap to the mean label HR over the same span).
    """
    import pandas as pd

    from ...synth import Scene

    rows = []
    for scen in scenarios:
        for subject in range(n_subjects):
            for seed in seeds:
                kw = {"subject": subject, "duration_s": duration_s, "width": 64, "height": 48,
                      "face_px": 24.0}
                if scen is not None:
                    kw["scenario"] = scen
                sc = Scene(preset, seed, **kw)
                fs = float(sc.p["fps"])
                hr = sc.phys.hr_at(sc.times)
                w = int(round(10 * fs))
                starts = range(0, len(hr) - w + 1, w)
                wins = [float(hr[i:i + w].mean()) for i in starts]
                ppg = sc.face_ppg()
                win_err = [abs(sig.estimate_hr(ppg[i:i + w], fs) - m) for i, m in zip(starts, wins)]
                peaks = sc.times[np.round(sig.hr_from_peaks(ppg, fs)[1] * fs).astype(int)]
                hr_beats = 60.0 * (len(peaks) - 1) / (peaks[-1] - peaks[0])
                span_label = float(sc.phys.hr_at(np.linspace(peaks[0], peaks[-1], 4000)).mean())
                rows.append({"preset": preset, "subject": subject, "scenario": sc.p["scenario"],
                             "seed": seed, "hr_label": float(hr.mean()),
                             "hr_fft": sig.estimate_hr(sc.face_ppg(), fs),
                             "hr_10s_windows": wins, "fft_err_10s": win_err,
                             "dhr": dhr_10s(sc.phys.hr_10s(sc.times), fs).tolist(),
                             "hr_beats": hr_beats, "beat_err": abs(hr_beats - span_label)})
    return pd.DataFrame(rows)


def mean_predictor(values) -> dict:
    """RMSE and MAE (bpm) of predicting every value by the mean of all values."""
    v = np.asarray(values, float)
    err = v - v.mean()
    return {"rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.mean(np.abs(err))), "n": int(v.size)}


def desync_rows(pulse, fs: float, preset: str, seed: int, offsets_s, band_hz=TOOLBOX_BAND_HZ,
                **overrides) -> list[dict]:
    """Agreement of a fixed rPPG ``pulse`` with references desynchronised by O_max.

    The reference stream of the simulator is independent of the video, so the
    same video is paired with the finger PPG of ``gt_offset_max_s = O`` for each
    ``O`` in ``offsets_s``. The simulator's physiology covers the clip +- 3 s, so
    only the frames whose (shifted) reference sample lies inside it are compared
    (``overlap_s``): the pulse and the reference over those frames. Returns rows
    ``o_max, offset_s, overlap_s, pearson`` (frame level, after the same band-pass)
    and ``hr_err`` (|HR(pulse) - HR(reference)|, Toolbox post-processing).
    """
    from ...synth import Scene

    kw = dict(overrides, width=64, height=48, face_px=24.0)
    p = np.asarray(pulse, float)
    rows = []
    for o in offsets_s:
        sc = Scene(preset, seed, gt_offset_max_s=float(o), **kw)
        t_ref, ref = sc.finger_ppg()
        ref_f = np.interp(sc.times, t_ref, ref)
        # The simulated physiology spans the clip +- 3 s only; beyond it the reference is
        # flat. Keep the frames whose reference sample lies inside the simulated beats.
        true_t = (sc.times * (1 + sc.p["gt_clock_skew_ppm"] * 1e-6) - sc.p["finger_lag_s"]
                  - sc.gt_offset)
        bt = sc.phys.beat_times
        keep = (true_t >= bt[1]) & (true_t <= bt[-2])
        keep[len(p):] = False
        idx = np.flatnonzero(keep)
        pk, rk = np.asarray(pulse, float)[idx], ref_f[idx]
        r = sig.bandpass(rk, fs, band_hz[0], band_hz[1], order=1)
        pb = sig.bandpass(pk, fs, band_hz[0], band_hz[1], order=1)
        rows.append({"o_max": float(o), "offset_s": sc.gt_offset, "overlap_s": len(idx) / fs,
                     "pearson": float(np.corrcoef(pb, r)[0, 1]),
                     "hr_err": abs(toolbox_hr(pk, fs, band_hz) - toolbox_hr(rk, fs, band_hz))})
    return rows


def spearman(x, y) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    from scipy.stats import spearmanr

    return float(spearmanr(np.asarray(x, float), np.asarray(y, float)).statistic)
