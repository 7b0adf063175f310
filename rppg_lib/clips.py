"""The one clip pipeline of the compendium: look-alike sessions -> face-crop clips for a network.

A session (one subject in one scenario) is rendered once, at the look-alike's native pixel scale,
frame rate and codec (:mod:`rppg_lib.lookalike`), and reduced while it streams to what every chapter
can use (:func:`render_session`, cached through :func:`rppg_lib.storage.cached` in the ``clips`` cache,
so all chapters share it):

- ``crops``: the sticky face crop of the 3-D CNN chapters (the simulator's face box enlarged by 50 % on
  each side, moved only when the face leaves it), area-resized after decoding to ``MASTER_CROP`` pixels;
- ``toolbox``: the mean colour of the fixed first-frame Haar box enlarged 1.5x (the rPPG-Toolbox's
  unsupervised protocol), the trace the fidelity check runs POS / CHROM on;
- ``ppg`` (the face PPG at the frame times) and ``hr`` (instantaneous HR).

:func:`lookalike_clips` turns the sessions of a look-alike into :class:`Clips` at a network's input
size and frame rate: a further area resize in space and a block mean in time (both what a real pipeline
that resizes decoded frames does; neither makes the pulse easier to see than in the native frames),
plus the classical methods under the dataset's published protocol (:attr:`Clips.classical`), from
which :func:`fidelity` builds the run records' ``metrics["fidelity"]`` entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .lookalike import LookAlike, fidelity_rows, protocol_error
from .storage import cached

__all__ = ["MASTER_CROP", "CLIPS_VERSION", "CLASSICAL", "Clips", "render_session", "render_parallel", "render_sessions",
           "lookalike_clips", "resize_crops", "block_mean", "fidelity"]

#: Side (px) of the face crops a session is stored with; chapters resize them further (16, 32, 64).
MASTER_CROP = 64
#: Bump when :func:`render_session` changes what it computes (invalidates the ``clips`` cache).
CLIPS_VERSION = 1
#: Classical methods run on every session's toolbox trace under the dataset's protocol.
CLASSICAL = ("POS", "CHROM", "GREEN", "ICA")
_TOOLBOX_BOX_SCALE = 1.5
_CHUNK = 64


@dataclass
class Clips:
    """Face-crop videos of several sessions, ready for a network.

    videos : (N, 3, T, h, w) uint8; ppg : (N, T) reference PPG at the frame times; fps : their rate;
    subjects : (N,) subject ids (a subject's sessions share one, so splits keep them together);
    source : what the data are (shown in tables); meta : per video, a dict (``scenario``, ``hr_mean``,
    ``skin_type``, ``seed``...); classical : per video and method, ``{"method", "hr_est", "hr_ref",
    "abs_err"}`` rows of the classical methods under the published protocol (native frame rate);
    extra : the overrides on top of the look-alike (an easy rung), ``{}`` for the look-alike itself.
    """

    videos: np.ndarray
    ppg: np.ndarray
    fps: float
    subjects: list
    source: str
    meta: list = field(default_factory=list)
    classical: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.videos)

    @property
    def rgb(self) -> np.ndarray:
        """Spatial mean colour of the crops, (N, T, 3) float32 (input of the classical methods)."""
        from .video import mean_colour

        return mean_colour(self.videos)

    @property
    def hr(self) -> np.ndarray:
        """Mean reference HR of each video (bpm)."""
        return np.array([m.get("hr_mean", np.nan) for m in self.meta], float)

    def select(self, indices) -> "Clips":
        """The videos ``indices`` (and their classical rows)."""
        idx = [int(i) for i in np.asarray(indices, int)]
        keep = set(idx)
        return Clips(self.videos[idx], self.ppg[idx], self.fps, [self.subjects[i] for i in idx], self.source,
                     [self.meta[i] for i in idx] if self.meta else [],
                     [{**r, "video": idx.index(r["video"])} for r in self.classical if r["video"] in keep],
                     dict(self.extra))


def _render_session(preset: str, subject: int, seed: int, overrides: dict, crop: int) -> dict:
    from .synth import Scene
    from .video import detect_face, enlarge_boxes, face_crops, roi_traces
    from .video.detect import smooth_boxes

    scene = Scene(preset, seed, subject=subject, **overrides)
    truth = scene.face_boxes()
    sticky = smooth_boxes(truth, smoothing="sticky", margin=0.5)
    n = len(scene.times)
    crops = np.empty((n, crop, crop, 3), np.uint8)
    toolbox = np.empty((n, 3), np.float32)
    state = {"box": None, "haar": True}
    buf = np.empty((_CHUNK, scene.H, scene.W, 3), np.uint8)

    def flush(count: int, start: int):
        chunk = buf[:count]
        if state["box"] is None:  # the Toolbox detects once, on the first frame with a face
            for f in chunk[: min(count, 15)]:
                box = detect_face(f)
                if box is not None:
                    state["box"] = enlarge_boxes(box, _TOOLBOX_BOX_SCALE - 1.0)
                    break
            if state["box"] is None:
                state["box"], state["haar"] = enlarge_boxes(truth[0], _TOOLBOX_BOX_SCALE - 1.0), False
        sl = slice(start, start + count)
        crops[sl] = face_crops(chunk, sticky[sl], size=(crop, crop))
        toolbox[sl] = roi_traces(chunk, np.repeat(np.asarray(state["box"])[None], count, 0), rois="face")[:, 0]

    info: dict = {}
    filled = start = 0
    for _, frame in scene.iter_frames(info):
        buf[filled] = frame
        filled += 1
        if filled == _CHUNK:
            flush(filled, start)
            start, filled = start + filled, 0
    if filled:
        flush(filled, start)
    meta = scene.metadata()
    return {"crops": crops, "toolbox": toolbox, "ppg": np.asarray(meta["face_ppg"], np.float32),
            "hr": np.asarray(scene.phys.hr_at(scene.times), np.float32), "fps": float(scene.p["fps"]),
            "skin_type": int(scene.p["skin_type"]), "toolbox_from_haar": bool(state["haar"]),
            "width": int(scene.W), "height": int(scene.H), "face_px": float(scene.p["face_px"]),
            "pulse_amplitude": float(scene.p["pulse_amplitude"]),
            "bitrate_kbps": float(info.get("bitrate_kbps", np.nan))}


def render_session(preset: str, subject: int, seed: int, overrides: dict | None = None, *,
                   crop: int = MASTER_CROP) -> dict:
    """One session's stored reduction (see the module docstring), rendered once and cached in the
    ``clips`` cache keyed by preset, subject, seed, overrides and crop. The frames themselves are never
    kept: memory stays at one chunk of frames."""
    overrides = dict(sorted((overrides or {}).items()))
    params = {"preset": preset, "subject": int(subject), "seed": int(seed), "overrides": overrides, "crop": int(crop)}
    data, _ = cached("clips", params, lambda: _render_session(preset, int(subject), int(seed), overrides, int(crop)),
                     version=CLIPS_VERSION, folder="sessions")
    return data


def _render_job(job: tuple) -> None:
    preset, subject, seed, overrides, crop = job
    render_session(preset, subject, seed, overrides, crop=crop)


def _worker_init() -> None:
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    cv2.setNumThreads(1)  # one core per worker


def render_parallel(fn, jobs, *, workers: int = 1, desc: str = "render", progress: bool = True) -> list:
    """``[fn(job) for job in jobs]`` on ``workers`` processes, in order, with a progress bar: the compendium's one
    parallel render entry point. Processes are spawned, not forked (forking a Jupyter kernel with OpenCV or BLAS
    threads running can deadlock), each with one OpenCV / OpenMP thread; ``fn`` must be a module-level function
    (spawned workers import it). With ``workers <= 1`` (or one job) it runs in this process."""
    from tqdm import tqdm

    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [fn(job) for job in tqdm(jobs, desc=desc, unit="video", disable=not progress)]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=int(workers), mp_context=mp.get_context("spawn"),
                             initializer=_worker_init) as ex:
        return list(tqdm(ex.map(fn, jobs), total=len(jobs), desc=desc, unit="video", disable=not progress))


def render_sessions(look: LookAlike, *, extra: dict | None = None, crop: int = MASTER_CROP, workers: int = 1,
                    progress: bool = True) -> None:
    """Render (and cache) every session of ``look`` on ``workers`` processes (:func:`render_parallel`). Sessions
    already cached are loaded by :func:`lookalike_clips` and cost nothing here beyond a file check."""
    extra = dict(extra or {})
    jobs = [(look.preset, s, seed, {**look.overrides(sc), **extra}, crop) for s, sc, seed in look.sessions()]
    render_parallel(_render_job, jobs, workers=workers, desc=f"render {look.preset}", progress=progress)


def resize_crops(crops: np.ndarray, size: int) -> np.ndarray:
    """Area-resize ``(T, c, c, 3)`` uint8 crops to ``size`` (a block mean when ``size`` divides ``c``)."""
    t, c = crops.shape[0], crops.shape[1]
    if size == c:
        return crops
    if c % size == 0:
        k = c // size
        x = crops.reshape(t, size, k, size, k, 3).mean(axis=(2, 4))
        return np.rint(x).astype(np.uint8)
    return np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in crops])


def block_mean(x: np.ndarray, step: int) -> np.ndarray:
    """Mean of consecutive blocks of ``step`` samples along the first axis (a trailing partial block is
    dropped); ``step`` 1 returns ``x``."""
    if step <= 1:
        return x
    n = (len(x) // step) * step
    return x[:n].reshape(n // step, step, *x.shape[1:]).mean(axis=1)


def lookalike_clips(look: LookAlike, *, crop: int = 32, fps: float | None = None, extra: dict | None = None,
                    progress: bool = True, label: str = "") -> Clips:
    """Face-crop clips of every session of ``look`` at ``crop`` px and about ``fps`` frames per second.

    ``extra`` overrides go on top of the look-alike (an easy rung of a learning ladder: ``codec=None``,
    ``pulse_amplitude=0.02``...); such data are then not the look-alike and the source says so. The frame
    rate is reduced by a block mean of ``round(native / fps)`` frames (``fps=None`` keeps the native rate).
    Classical methods run on the native-rate toolbox trace under the preset's protocol (when it has one).
    """
    from tqdm import tqdm

    extra = dict(extra or {})
    master = max(int(crop), MASTER_CROP)
    protocol = look.protocol
    videos, ppgs, subjects, metas, classical = [], [], [], [], []
    sessions = look.sessions()
    rate = None
    for k, (subject, scenario, seed) in enumerate(tqdm(sessions, desc=f"{look.preset} sessions", unit="video",
                                                       disable=not progress)):
        d = render_session(look.preset, subject, seed, {**look.overrides(scenario), **extra}, crop=master)
        native = float(d["fps"])
        step = 1 if fps is None else max(1, int(round(native / float(fps))))
        rate = native / step
        v = block_mean(resize_crops(d["crops"], crop).astype(np.float32), step)
        videos.append(np.rint(v).astype(np.uint8).transpose(3, 0, 1, 2))
        ppgs.append(block_mean(np.asarray(d["ppg"], float), step))
        subjects.append(f"{look.preset}-s{subject:02d}")
        metas.append({"scenario": scenario, "seed": seed, "subject": subject, "hr_mean": float(np.mean(d["hr"])),
                      "skin_type": int(d["skin_type"]), "toolbox_from_haar": bool(d["toolbox_from_haar"]),
                      "pulse_amplitude": float(d["pulse_amplitude"]), "bitrate_kbps": float(d["bitrate_kbps"])})
        if protocol is not None:
            for method in CLASSICAL:
                est, ref = protocol_error(d["toolbox"], d["ppg"], native, protocol, method.lower())
                classical.append({"video": k, "method": method, "hr_est": est, "hr_ref": ref,
                                  "abs_err": abs(est - ref)})
    length = min(v.shape[1] for v in videos)
    source = f"simulated: {look.name}" + (f" + {dict(sorted(extra.items()))}" if extra else "") + (
        f" ({label})" if label else "")
    return Clips(np.stack([v[:, :length] for v in videos]), np.stack([p[:length] for p in ppgs]), float(rate),
                 subjects, source, metas, classical, extra)


def fidelity(clips: Clips, preset: str, videos=None) -> dict:
    """``metrics["fidelity"][preset]`` of ``clips`` (optionally only the ``videos`` indices): each classical
    method's error under the published protocol beside the published one (:func:`rppg_lib.lookalike.fidelity_rows`).
    Empty for an easy rung (``clips.extra`` set): those data are not the look-alike, and no claim is decided on
    them (:func:`rppg_lib.claims.fidelity_precondition` fails on an empty dict)."""
    if clips.extra:
        return {}
    keep = None if videos is None else {int(v) for v in videos}
    errors: dict = {}
    for r in clips.classical:
        if keep is None or r["video"] in keep:
            errors.setdefault(r["method"], []).append(r["abs_err"])
    return fidelity_rows(preset, errors)
