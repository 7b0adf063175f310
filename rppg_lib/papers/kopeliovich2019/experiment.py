"""Experiments of Kopeliovich et al. 2019 ("Architectural tricks for deep learning in rPPG").

Library code behind ``notebooks/kopeliovich2019.ipynb``:

- :func:`video_specs` / :func:`simulated_video`: one simulated video of the
  ``kopeliovich`` preset (camera, scenario, subject, session seed) turned into
  the paper's colour signals (Section 4.1.1: Viola-Jones box, averaged over the
  last 20 frames, six ROIs, 18 signals), cached on disk as ``.npz`` keyed by
  everything that defines them, so a rerun skips rendering and detection.
- :func:`osf_videos`: the same from the authors' OSF colour signals
  (:mod:`rppg_lib.data.kopeliovich_osf`).
- :func:`build_dataset`: windows and the per-video 70/10/20 split of every
  video (:func:`rppg_lib.papers.kopeliovich2019.colour_signals.build_splits`) with the camera and
  scenario of each window, and the sample counts of Table 1.
- :func:`train_model` / :func:`subset_metrics`: one of the four models (SE, CE,
  CL, CL+F) trained with :func:`rppg_lib.papers.kopeliovich2019.training.train_classifier` and
  scored per test subset (Table 2), :func:`camera_transfer` (Table 3),
  :func:`classical_baseline` (POS / CHROM on the same test windows, a row the
  paper does not have), :func:`constant_baseline` (the mean training HR) and
  :func:`pulse_visibility` (POS per video on 64-frame and 10-s windows: is
  the pulse in the colour signals at all?).
- :func:`paper_table` / :func:`side_by_side`: the paper's numbers (from
  the home's ``numbers.csv``) next to ours.
- :func:`reference_hr`: the HR of each window read from its ground-truth PPG
  with the classical baseline's estimator (issue 10's one reference);
  :func:`learning_record`: ``metrics["learning"]`` (constant, POS and each model
  per seed, full test set and per scenario, and whether each seed learned by
  :func:`rppg_lib.claims.network_learned`), :func:`learning_table`,
  :func:`data_difficulty_text` (no published classical number exists for the
  paper's data: said from :data:`rppg_lib.lookalike.PROTOCOLS`, with POS per
  scenario) and :func:`learning_target_text`; :data:`LADDER` / :func:`run_ladder`:
  the same recipe trained on data from easy to the preset (:mod:`rppg_lib.ladder`;
  plot with :func:`rppg_lib.ladder.plot_ladder`);
  :func:`data_curve`: the recipe on growing subsets of the videos;
  :func:`pulse_in_windows`: the pulse's amplitude in the networks' scaled input,
  measured on noise-free twin renderings, against the paper's
  (:func:`paper_pulse_amplitude`); :func:`video_mean_predictions`: the bar of a
  model that only knows which video a window comes from.

Session seeds: the paper's cameras were used *alternately*, so each (camera,
scenario, subject, take) video is a separate simulated session with seed
``seed * 10000 + 1000 * take + 100 * camera + 10 * scenario + subject``; the
simulator would otherwise give the three cameras of a subject the same pulse
and motion.
The label of a simulated window (what the networks train on) is the
simulator's instantaneous HR averaged over the window (the paper's came from a
pulse oximeter); the reference that scores every method is :func:`reference_hr`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import ladder as _ladder
from ... import methods as _methods
from ... import results as _results
from ... import signal as _signal
from ...baselines import CONSTANT, VIDEO_MEAN, baselines, classical_hr, constant_answer, constant_errors, per_video_mean
from ...chapter import training_checkpoint
from ...claims import LEARNED_FRACTION, network_learned
from ...ladder import TOP, RungData, rung_overrides
from ...metrics import hr_metrics
from ...model_store import colour_signals_input, save_model
from ...storage import cache_dir, cache_file, cached
from . import KEY
from .colour_signals import WINDOW, Windows, build_splits
from .model import ColourSignalCNN
from .training import evaluate, predict_outputs, train_classifier

__all__ = [
    "CAMERAS", "SCENARIOS", "SUBSETS", "MODEL_NAMES", "HR_RANGE", "CACHE_VERSION",
    "VideoSpec", "Video", "Dataset", "default_cache_dir", "video_grid", "video_specs", "session_seed",
    "simulated_video", "simulated_videos", "osf_videos", "build_dataset", "sample_counts",
    "train_model", "subset_metrics", "camera_transfer", "classical_baseline", "constant_baseline",
    "paper_table", "paper_sample_counts", "side_by_side", "inference_latency", "predictions",
    "pulse_visibility", "reference_hr", "classical_predictions", "learning_record", "learning_table",
    "data_difficulty_text", "learning_target_text", "DATA_LABEL", "LADDER", "SESSIONS", "TOP_RUNG",
    "ladder_videos", "window_baselines", "run_ladder", "CLEAN", "pulse_in_windows", "paper_pulse_amplitude",
    "balanced_order", "data_curve", "video_mean_predictions", "STORED_MODEL", "store_network",
]

CAMERAS = ("cam1", "cam2", "cam3")
SCENARIOS = ("stationary", "mixed")
#: Test subsets of Table 2, in the paper's column order.
SUBSETS = ("Stationary", "Mixed Motion", "Cam1", "Cam2", "Cam3", "Full test set")
#: Model names of the paper by head.
MODEL_NAMES = {"se": "SE", "ce": "CE", "cl": "CL", "clf": "CL+F"}
HR_RANGE = (40.0, 125.0)
#: Bump when the cached colour signals would change for the same settings.
#: 2: the cache also holds the ground-truth PPG at the frame times (for the reference HR).
CACHE_VERSION = 2

_SCENARIO_LABEL = {"stationary": "Stationary", "mixed": "Mixed Motion"}


def default_cache_dir() -> Path:
    """The ``kopeliovich2019`` cache (:func:`rppg_lib.storage.cache_dir`)."""
    return cache_dir(KEY)


@dataclass(frozen=True)
class VideoSpec:
    """One simulated video: camera ``cam1..3``, scenario ``stationary|mixed``, subject, session seed."""

    camera: str
    scenario: str
    subject: int
    seed: int
    take: int = 0

    @property
    def video_id(self) -> str:
        take = f"_take{self.take}" if self.take else ""
        return f"{self.camera}_{self.scenario}_s{self.subject}{take}_seed{self.seed}"


@dataclass
class Video:
    """Colour signals of one video: traces ``(T, 6, 3)``, HR per frame, face-detection facts.

    ``ppg``: the ground-truth PPG at the frame times (simulated videos), or None.
    """

    video_id: str
    camera: str
    scenario: str
    subject: str
    fps: float
    traces: np.ndarray
    hr: np.ndarray
    meta: dict
    ppg: np.ndarray | None = None


def session_seed(seed: int, camera: str, scenario: str, subject: int, take: int = 0) -> int:
    """Distinct session seed for every (camera, scenario, subject, take) of one run seed."""
    if not 0 <= int(subject) < 10 or not 0 <= int(take) < 10:
        raise ValueError(f"subject and take must be in 0..9, got {subject}, {take}")
    return (int(seed) * 10000 + 1000 * int(take) + 100 * CAMERAS.index(camera) + 10 * SCENARIOS.index(scenario)
            + int(subject))


def video_grid(cameras=CAMERAS, stationary_subjects=(0,), mixed_subjects=(0,)) -> list[tuple]:
    """``(camera, scenario, subject)`` for every camera x (stationary subjects + mixed subjects)."""
    return [(cam, scen, int(s)) for cam in cameras
            for scen, subjects in (("stationary", stationary_subjects), ("mixed", mixed_subjects)) for s in subjects]


def video_specs(videos, seed: int = 0) -> list[VideoSpec]:
    """One :class:`VideoSpec` per ``(camera, scenario, subject[, take])``, each its own session seed.

    ``take`` numbers repeated recordings of the same subject, camera and scenario.
    """
    specs = []
    for item in videos:
        cam, scenario, subject = item[:3]
        take = int(item[3]) if len(item) > 3 else 0
        if cam not in CAMERAS:
            raise ValueError(f"unknown camera {cam!r}; use {CAMERAS}")
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; use {SCENARIOS}")
        specs.append(VideoSpec(cam, scenario, int(subject), session_seed(seed, cam, scenario, subject, take), take))
    return specs


def _cached_video(cache_dir, spec: VideoSpec, settings: dict, compute) -> tuple[dict, bool, Path]:
    """``(arrays, from_cache, file)`` of one video's cached result (:func:`rppg_lib.storage.cached`, the file
    ``<video id>_<key>.npz`` in ``cache_dir``, None: :func:`default_cache_dir`)."""
    params = {"preset": "kopeliovich", "camera": spec.camera, "scenario": spec.scenario, "subject": spec.subject,
              "seed": spec.seed, **settings}
    opts = dict(version=CACHE_VERSION, prefix=f"{spec.video_id}_", length=16, layout="flat", root=cache_dir)
    data, hit = cached(KEY, params, compute, compressed=True, **opts)
    return data, hit, cache_file(KEY, params, **opts)


def _render(spec: VideoSpec, duration_s: float, resolution_scale: float, detect_every: int,
            detect_width, overrides=None, boxes=None) -> dict:
    """Render one video and extract the six ROI traces (the expensive part).

    ``overrides``: extra :func:`rppg_lib.synth.simulate` parameters (the data ladder's rungs);
    ``boxes``: face boxes to use instead of detecting them (a twin rendering of the same video).
    """
    from ... import synth
    from ...synth.presets import resolve as resolve_preset
    from ...video import detect_faces, roi_traces

    sim = {"camera": spec.camera, "scenario": spec.scenario, "subject": spec.subject,
           "duration_s": float(duration_s), **dict(overrides or {})}
    if resolution_scale != 1.0:
        p = resolve_preset("kopeliovich", {"camera": sim["camera"], "scenario": sim["scenario"]})
        sim.update(width=int(round(p["width"] * resolution_scale / 2)) * 2,
                   height=int(round(p["height"] * resolution_scale / 2)) * 2,
                   face_px=float(p["face_px"]) * resolution_scale)
    t0 = time.perf_counter()
    rec = synth.simulate("kopeliovich", spec.seed, **sim)
    t1 = time.perf_counter()
    if boxes is None:
        track = detect_faces(rec.frames, every=detect_every, smoothing="mean20", detect_width=detect_width,
                             on_missing="nan")
        boxes, detection_rate = np.asarray(track, dtype=float), float(track.detection_rate)
    else:
        boxes = np.asarray(boxes, dtype=float)[:len(rec.frames)]
        detection_rate = float(np.mean(np.all(np.isfinite(boxes), axis=1)))
    traces = roi_traces(rec.frames[:len(boxes)], boxes, rois="six_regions")
    t2 = time.perf_counter()
    return {"traces": traces.astype(np.float64), "hr": np.asarray(rec.hr, float), "boxes": boxes,
            "ppg": np.asarray(rec.ppg, float),
            "fps": float(rec.fps), "frame_shape": np.asarray(rec.frames.shape[1:3]),
            "detection_rate": detection_rate, "render_s": t1 - t0, "extract_s": t2 - t1}


def simulated_video(spec: VideoSpec, duration_s: float = 70.0, resolution_scale: float = 1.0,
                    detect_every: int = 1, detect_width=None, cache_dir=None, overrides=None) -> Video:
    """Colour signals of one simulated video, from the cache when present.

    ``resolution_scale`` < 1 renders the camera at a fraction of its preset
    size (face box scaled alike), ``detect_every`` / ``detect_width`` thin and
    downscale the Haar detection (the paper: every frame, full resolution).
    ``overrides``: extra simulator parameters (e.g. ``{"codec": None}``, a rung
    of :func:`run_ladder`). The cache key holds every one of these settings.
    """
    settings = {"duration_s": float(duration_s), "resolution_scale": float(resolution_scale),
                "detect_every": int(detect_every), "detect_width": detect_width, "smoothing": "mean20",
                "rois": "six_regions"}
    if overrides:
        settings["overrides"] = dict(sorted(dict(overrides).items()))
    data, hit, path = _cached_video(cache_dir, spec, settings, lambda: _render(
        spec, duration_s, resolution_scale, detect_every, detect_width, overrides))
    meta = {"cached": hit, "cache_file": str(path), "detection_rate": float(data["detection_rate"]),
            "render_s": float(data["render_s"]), "extract_s": float(data["extract_s"]),
            "frame_shape": tuple(int(v) for v in data["frame_shape"]), "boxes": data["boxes"], **settings}
    return Video(spec.video_id, spec.camera, spec.scenario, f"subject{spec.subject}", float(data["fps"]),
                 data["traces"], data["hr"], meta, data["ppg"] if "ppg" in data else None)


def _simulated_video_kw(args):
    spec, kw = args
    return simulated_video(spec, **kw)


def simulated_videos(specs, workers: int = 1, progress: bool = False, **kwargs) -> list[Video]:
    """:func:`simulated_video` of every spec, in order; ``workers`` > 1 renders in spawned processes
    (:func:`rppg_lib.clips.render_parallel`)."""
    from ...clips import render_parallel

    return render_parallel(_simulated_video_kw, [(s, kwargs) for s in specs], workers=workers,
                           desc="render kopeliovich", progress=progress)


def _norm_camera(name: str) -> str:
    n = str(name).strip().lower().replace(" ", "")
    if n not in CAMERAS:
        raise ValueError(f"unknown camera {name!r} (expected Cam1, Cam2 or Cam3)")
    return n


def _norm_scenario(name: str) -> str:
    n = str(name).strip().lower().replace(" ", "").replace("_", "")
    if n.startswith("stat"):
        return "stationary"
    if n.startswith("mixed"):
        return "mixed"
    raise ValueError(f"unknown scenario {name!r} (expected Stationary or Mixed Motion)")


def osf_videos(root) -> list[Video]:
    """The authors' colour signals (expected layout of :mod:`rppg_lib.data.kopeliovich_osf`)."""
    from ...data import load_kopeliovich_osf

    out = []
    for rec in load_kopeliovich_osf(root):
        out.append(Video(str(rec.session), _norm_camera(rec.camera), _norm_scenario(rec.scenario), rec.subject,
                         float(rec.fps), np.asarray(rec.traces, float), np.asarray(rec.hr, float),
                         {"cached": True, "detection_rate": np.nan, "render_s": 0.0, "extract_s": 0.0},
                         None if getattr(rec, "ppg", None) is None else np.asarray(rec.ppg, float)))
    if not out:
        raise ValueError(f"no videos in {root}")
    return out


# ----------------------------------------------------------------------------
# dataset
# ----------------------------------------------------------------------------
@dataclass
class Dataset:
    """Windows of every video, split per video; ``info`` maps video id -> camera, scenario, subject."""

    splits: dict
    counts: pd.DataFrame
    info: pd.DataFrame
    videos: dict

    def part(self, split: str, cameras=None, scenarios=None) -> Windows:
        """The windows of ``split`` ("train", "val", "test") from the given cameras / scenarios."""
        w = self.splits[split]
        cam = self.info.loc[w.video.astype(str), "camera"].to_numpy()
        scen = self.info.loc[w.video.astype(str), "scenario"].to_numpy()
        keep = np.ones(len(w), bool)
        if cameras is not None:
            keep &= np.isin(cam, list(cameras))
        if scenarios is not None:
            keep &= np.isin(scen, list(scenarios))
        return w.subset(np.flatnonzero(keep))

    def subsets(self, split: str = "test") -> dict:
        """Table 2's test subsets: Stationary, Mixed Motion, Cam1-3, Full test set."""
        return {"Stationary": self.part(split, scenarios=["stationary"]),
                "Mixed Motion": self.part(split, scenarios=["mixed"]),
                "Cam1": self.part(split, cameras=["cam1"]), "Cam2": self.part(split, cameras=["cam2"]),
                "Cam3": self.part(split, cameras=["cam3"]), "Full test set": self.splits[split]}


def build_dataset(videos: list[Video], hr_range=HR_RANGE) -> Dataset:
    """Windows (64 frames, step 10, [-1, 1]) and the per-video 70/10/20 split of every video."""
    splits, counts = build_splits(((v.video_id, v.traces, v.hr) for v in videos), hr_min=hr_range[0],
                                  hr_max=hr_range[1])
    info = pd.DataFrame([{"video": v.video_id, "camera": v.camera, "scenario": v.scenario, "subject": v.subject,
                          "detection_rate": v.meta.get("detection_rate", np.nan)} for v in videos]).set_index("video")
    counts = counts.join(info)
    return Dataset(splits, counts, info, {v.video_id: v for v in videos})


def sample_counts(ds: Dataset) -> pd.DataFrame:
    """Table 1: "train / val / test" sample counts per camera (rows) and scenario (columns)."""
    c = ds.counts
    rows = {}
    for cam in [*CAMERAS, None]:
        row = {}
        for scen in [*SCENARIOS, None]:
            keep = np.ones(len(c), bool)
            if cam is not None:
                keep &= (c.camera == cam).to_numpy()
            if scen is not None:
                keep &= (c.scenario == scen).to_numpy()
            sel = c[keep]
            row[_SCENARIO_LABEL.get(scen, "Both")] = "{} / {} / {}".format(*(int(sel[k].sum()) for k in
                                                                          ("train", "val", "test")))
        rows[cam.capitalize() if cam else "All"] = row
    return pd.DataFrame(rows).T


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------
def train_model(head: str, train: Windows, val: Windows, *, epochs: int, batch_size: int = 1024,
                max_lr: float = 5.8e-3, min_lr=None, mse_on: str = "softmax", device="cpu", seed: int = 0,
                noise=(5e-3, 5e-2), ce_reduction: str = "paper", retry_on_divergence: bool = False,
                filter_dropout=None, checkpoint_dir=None):
    """Train one of the paper's models; returns ``(model, TrainResult, seconds)``.

    A diverging loss (NaN or infinite) stops training with
    :class:`~rppg_lib.train.loop.TrainingDivergedError`, whose message names
    the epoch, the batch and the learning rate. With ``retry_on_divergence`` it
    restarts once from scratch at ``max_lr / 10`` instead (``result.extra["max_lr_used"]``
    says which LR produced the model). ``filter_dropout``: see
    :class:`~rppg_lib.papers.kopeliovich2019.model.ColourSignalCNN` (CL+F only). ``checkpoint_dir``: the
    training's checkpoints (a rerun with the same folder, settings and data resumes; None: no files).
    """
    from .training import TrainingDivergedError

    t0 = time.perf_counter()
    lr = float(max_lr)
    for attempt in range(2 if retry_on_divergence else 1):
        torch.manual_seed(seed)
        model = ColourSignalCNN(head, hr_min=HR_RANGE[0], hr_max=HR_RANGE[1], filter_dropout=filter_dropout)
        try:
            res = train_classifier(model, train, val, epochs=epochs, batch_size=batch_size, max_lr=lr,
                                   min_lr=None if min_lr is None else min_lr * lr / max_lr, device=device,
                                   seed=seed, progress=False, noise=noise, mse_on=mse_on,
                                   ce_reduction=ce_reduction, checkpoint_dir=checkpoint_dir)
            break
        except TrainingDivergedError:
            if attempt == 1 or not retry_on_divergence:
                raise
            lr /= 10.0
    res.extra["max_lr_used"] = lr
    return model, res, time.perf_counter() - t0


def subset_metrics(model, subsets: dict, device="cpu") -> pd.DataFrame:
    """MAE, coverage at +-3 bpm, the paper's +-4-class coverage and n of ``model`` on each subset."""
    rows = {}
    for name, w in subsets.items():
        if len(w) == 0:
            rows[name] = {"n": 0, "mae": np.nan, "cover3": np.nan, "cover_4cls": np.nan}
            continue
        m = evaluate(model, w, device=device)
        rows[name] = {"n": len(w), "mae": m["mae"], "cover3": 100 * m["within3"],
                      "cover_4cls": 100 * m.get("coverage_4cls", np.nan)}
    return pd.DataFrame(rows).T


def predictions(model, w: Windows, device="cpu") -> np.ndarray:
    """Predicted HR (bpm, argmax class centre or the SE output) of every window."""
    from .model import predict_bpm

    out = predict_outputs(model, w.x, device=device)
    return predict_bpm(out, model.hr_min, model.hr_max)


def camera_transfer(ds: Dataset, *, epochs: int, batch_size: int = 1024, max_lr: float = 5.8e-3,
                    mse_on: str = "softmax", device="cpu", seed: int = 0, head: str = "clf",
                    ce_reduction: str = "paper", chapter=None):
    """Table 3: CL+F trained on one camera or two (two-camera training sets halved at random), scored against
    :func:`reference_hr` on each camera's test windows.

    Returns ``(mae table rows (CL+F)_i / (CL+F)_i,j x Cam1..3 + Full test set, train sizes, seconds, errors)``;
    ``errors[model] = {"model": {subset: per-window absolute errors}, "constant": {subset: those of the model's
    constant answer, the mean of its own training HR}}`` (what :func:`~.claims.decide` needs to ask whether
    each transfer model learned). With the run's ``chapter`` every training checkpoints into the run's folder (one
    per camera subset) and a rerun of a killed run resumes it.
    """
    rng = np.random.default_rng(seed)
    keep = ["Cam1", "Cam2", "Cam3", "Full test set"]
    subsets = {k: with_reference_hr(ds, w) for k, w in ds.subsets("test").items() if k in keep}
    combos = [(1,), (2,), (3,), (1, 2), (1, 3), (2, 3)]
    rows, sizes, errors, secs = {}, {}, {}, 0.0
    for combo in combos:
        cams = [f"cam{i}" for i in combo]
        train, val = ds.part("train", cameras=cams), ds.part("val", cameras=cams)
        if len(combo) == 2:  # "reduced by removing random 50 % of the samples"
            train = train.subset(np.sort(rng.choice(len(train), len(train) // 2, replace=False)))
        name = "(CL+F)" + ",".join(map(str, combo))
        sizes[name] = len(train)
        if len(train) < 2 or len(val) == 0:
            rows[name] = {k: np.nan for k in keep}
            continue
        model, res, s = train_model(head, train, val, epochs=epochs, batch_size=batch_size, max_lr=max_lr,
                                    mse_on=mse_on, device=device, seed=seed, ce_reduction=ce_reduction,
                                    checkpoint_dir=training_checkpoint(chapter, "table3", head, mse_on,
                                                                       "cam" + "+".join(map(str, combo)),
                                                                       f"seed{seed}"))
        secs += s
        errors[name] = {"model": {k: np.abs(predictions(model, w, device) - w.hr) for k, w in subsets.items()},
                        "constant": {k: constant_errors(train.hr, w.hr) for k, w in subsets.items()}}
        rows[name] = {k: float(np.mean(e)) if e.size else np.nan for k, e in errors[name]["model"].items()}
    return pd.DataFrame(rows).T, pd.Series(sizes, name="train windows"), secs, errors


def _classical(name: str):
    """A classical method of :data:`rppg_lib.methods.METHODS` by name, any case ("POS", "pos")."""
    return _methods.METHODS[name] if name in _methods.METHODS else _methods.METHODS[name.lower()]


def classical_baseline(ds: Dataset, subsets: dict, method_names=("POS", "CHROM"), roi: int = 5,
                       band_bpm=HR_RANGE) -> pd.DataFrame:
    """POS / CHROM on the raw RGB of ROI ``roi`` (5 = the full box) of each test window.

    HR = peak of the zero-padded periodogram of the method's pulse inside
    ``band_bpm`` (40-125 bpm, the classifier's range). Returns one row per
    method with MAE and coverage at +-3 bpm on each subset.
    """
    out = {}
    for name in method_names:
        row = {}
        for sub, w in subsets.items():
            if len(w) == 0:
                row[(sub, "MAE")], row[(sub, "Cover")] = np.nan, np.nan
                continue
            m = hr_metrics(classical_predictions(ds, w, name, roi, band_bpm), w.hr)
            row[(sub, "MAE")], row[(sub, "Cover")] = m["mae"], 100 * m["within3"]
        out[name] = row
    return pd.DataFrame(out).T


def pulse_visibility(videos, windows=(WINDOW, 150), step: int = 10, roi: int = 5, method: str = "POS",
                     band_bpm=HR_RANGE) -> pd.DataFrame:
    """How visible the pulse is in each video's colour signals, with no learning involved.

    For every video and window length (frames), ``method`` (POS) on the raw RGB
    of ROI ``roi`` (5 = the full box) of every window (every ``step`` frames):
    MAE (bpm) of the periodogram peak in ``band_bpm`` against the window's mean
    reference HR, and the median SNR (dB, power within +-6 bpm of the reference
    HR and its first harmonic vs the rest of the band, :func:`rppg_lib.signal.snr`).
    One row per video (camera, scenario, mean HR, then ``mae_<n>`` / ``snr_<n>``).
    """
    fn = _classical(method)
    rows = []
    for v in videos:
        row = {"video": v.video_id, "camera": v.camera, "scenario": v.scenario, "hr_mean": float(np.mean(v.hr))}
        for n in windows:
            err, snr = [], []
            for s in range(0, len(v.hr) - int(n) + 1, int(step)):
                rgb = v.traces[s:s + int(n), roi, :]
                if not np.all(np.isfinite(rgb)):
                    continue
                pulse = fn(rgb, v.fps)
                ref = float(np.mean(v.hr[s:s + int(n)]))
                err.append(abs(_signal.estimate_hr(pulse, v.fps, band_bpm) - ref))
                snr.append(_signal.snr(pulse - np.mean(pulse), v.fps, ref, band_bpm=band_bpm))
            row[f"mae_{n}"] = float(np.mean(err)) if err else np.nan
            row[f"snr_{n}"] = float(np.median(snr)) if snr else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("video")


#: Simulator overrides of the noise-free twin renderings of :func:`pulse_in_windows`: no codec, no sensor noise.
CLEAN = {"codec": None, "full_well_e": 0.0}


def _pulse_twins(spec: VideoSpec, duration_s: float, resolution_scale: float, detect_every: int,
                 detect_width) -> dict:
    """Three renderings of one video on the same face boxes: as it is, noise-free, and noise-free without pulse."""
    as_is = _render(spec, duration_s, resolution_scale, detect_every, detect_width)
    clean = _render(spec, duration_s, resolution_scale, detect_every, detect_width, CLEAN, as_is["boxes"])
    flat = _render(spec, duration_s, resolution_scale, detect_every, detect_width,
                   {**CLEAN, "pulse_amplitude": 0.0}, as_is["boxes"])
    n = min(len(as_is["traces"]), len(clean["traces"]), len(flat["traces"]))
    return {"as_is": as_is["traces"][:n], "clean": clean["traces"][:n], "flat": flat["traces"][:n],
            "fps": as_is["fps"]}


def pulse_in_windows(specs, duration_s: float = 15.0, resolution_scale: float = 1.0, detect_every: int = 1,
                     detect_width=None, window: int = WINDOW, step: int = 10, cache_dir=None) -> pd.DataFrame:
    """How large the pulse is in the networks' input: each colour signal's window scaled to [-1, 1].

    Every video of ``specs`` is rendered three times on the same face boxes: as
    it is, without codec and sensor noise (:data:`CLEAN`), and the same with no
    pulse. In every window (``window`` frames every ``step``) the difference of
    the two clean renderings is the pulse; scaled by the as-is window's range
    (as :func:`~rppg_lib.papers.kopeliovich2019.colour_signals.scale_window`
    scales the input) its half peak-to-peak is the pulse amplitude the network
    sees, and the standard deviation of (as it is - clean), scaled alike, is the
    codec and sensor noise. Section 4.1.2 of the paper gives the other side: its
    augmentation noise of amplitude 5e-3 to 5e-2 "typically corresponds to 5 %-50 %
    of the pulse signal amplitude", i.e. a pulse amplitude near 0.1 in its scaled
    samples. One row per video, ROI and channel (``pulse``, ``noise``: medians
    over the windows); cached per video.
    """
    rows = []
    for spec in specs:
        settings = {"what": "pulse twins", "duration_s": float(duration_s), "resolution_scale": float(resolution_scale),
                    "detect_every": int(detect_every), "detect_width": detect_width, "clean": CLEAN}
        render = partial(_pulse_twins, spec, duration_s, resolution_scale, detect_every, detect_width)
        twins, _, _ = _cached_video(cache_dir, spec, settings, render)
        as_is, clean, flat = (twins[k].reshape(len(twins[k]), -1) for k in ("as_is", "clean", "flat"))
        pulse, noise = clean - flat, as_is - clean
        amp, sd = [], []
        for s in range(0, len(as_is) - window + 1, step):
            w = as_is[s:s + window]
            span = w.max(axis=0) - w.min(axis=0)
            if not (np.all(np.isfinite(w)) and np.all(span > 0)):
                continue
            p = 2.0 * pulse[s:s + window] / span
            amp.append(0.5 * (p.max(axis=0) - p.min(axis=0)))
            sd.append(np.std(2.0 * noise[s:s + window] / span, axis=0))
        if not amp:
            raise ValueError(f"{spec.video_id}: no complete {window}-frame window in {duration_s} s")
        amp, sd = np.median(amp, axis=0), np.median(sd, axis=0)
        for k in range(amp.size):
            rows.append({"video": spec.video_id, "camera": spec.camera, "scenario": spec.scenario,
                         "roi": k // 3 + 1, "channel": "RGB"[k % 3], "pulse": float(amp[k]), "noise": float(sd[k])})
    return pd.DataFrame(rows)


def paper_pulse_amplitude() -> float:
    """The pulse amplitude in the paper's scaled samples implied by Section 4.1.2 (noise amplitude / its share)."""
    lo, hi = (_results.reported(KEY, "Section 4.1.2", "augmentation", c) for c in ("noise low", "noise high"))
    share_lo, share_hi = (_results.reported(KEY, "Section 4.1.2", "augmentation", c) / 100.0
                          for c in ("share of pulse low", "share of pulse high"))
    return float(np.mean([lo / share_lo, hi / share_hi]))


def constant_baseline(train: Windows, subsets: dict) -> pd.DataFrame:
    """A model that always answers the mean training HR: MAE and coverage at +-3 bpm per subset.

    What a network that learnt only the label distribution would score.
    """
    value = constant_answer(train.hr)
    row = {}
    for sub, w in subsets.items():
        if len(w) == 0:
            row[(sub, "MAE")], row[(sub, "Cover")] = np.nan, np.nan
            continue
        m = hr_metrics(np.full(len(w), value), w.hr)
        row[(sub, "MAE")], row[(sub, "Cover")] = m["mae"], 100 * m["within3"]
    return pd.DataFrame({f"training mean ({value:.1f} bpm)": row}).T


def inference_latency(model, n_windows: int = 1, repeats: int = 50) -> float:
    """Median wall time (ms) of one forward pass on ``n_windows`` windows, eval mode, CPU."""
    model = model.cpu().eval()
    x = torch.zeros(n_windows, 1, model.n_signals, model.window)
    times = []
    with torch.no_grad():
        for _ in range(3):
            model(x)
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


# ----------------------------------------------------------------------------
# the paper's numbers
# ----------------------------------------------------------------------------
def paper_table(table: str) -> pd.DataFrame:
    """One table of the paper's reported numbers (``numbers.csv``) pivoted to its layout (rows x columns)."""
    df = _results.reported(KEY)
    df = df[df["table"] == table]
    if df.empty:
        raise KeyError(f"no numbers for {table!r} in numbers.csv")
    rows = list(dict.fromkeys(df["row"]))
    cols = list(dict.fromkeys(df["column"]))
    return df.pivot(index="row", columns="column", values="value").loc[rows, cols]


def side_by_side(ours: pd.DataFrame, paper: pd.DataFrame, ours_label: str, paper_label: str = "paper") -> pd.DataFrame:
    """Interleave two tables of the same layout: each column as (column, paper) and (column, ours)."""
    cols = [c for c in paper.columns if c in ours.columns]
    rows = list(paper.index) + [r for r in ours.index if r not in paper.index]
    parts = {}
    for c in cols:
        parts[(c, paper_label)] = paper[c].reindex(rows)
        parts[(c, ours_label)] = ours[c].reindex(rows)
    return pd.DataFrame(parts, index=rows)


def table_by_metric(table: pd.DataFrame, metrics=("MAE", "Cover")) -> dict[str, pd.DataFrame]:
    """Split a :func:`side_by_side` table whose columns are ``("<subset> <metric>", source)`` into one table
    per metric with columns ``(subset, source)``: half as wide, so it fits the page column."""
    out = {}
    for metric in metrics:
        cols = [c for c in table.columns if str(c[0]).endswith(" " + metric)]
        part = table[cols].copy()
        part.columns = pd.MultiIndex.from_tuples([(c[0][: -len(metric) - 1], c[1]) for c in cols])
        out[metric] = part
    return out


def paper_sample_counts() -> pd.DataFrame:
    """Table 1 of the paper in the layout of :func:`sample_counts`."""
    t = paper_table("Table 1")
    out = {}
    for row in t.index:
        out[row] = {c: " / ".join(str(int(t.loc[row, f"{c} {k}"])) for k in ("train", "val", "test"))
                    for c in ("Stationary", "Mixed Motion", "Both")}
    return pd.DataFrame(out).T


# ----------------------------------------------------------------------------
# the chapter's steps (what notebooks/kopeliovich2019.ipynb calls)
# ----------------------------------------------------------------------------
def load_videos(cfg, data_root=None, seed: int = 0) -> tuple[list[Video], str]:
    """The chapter's videos and a data-source label: the simulated ``kopeliovich`` preset of ``cfg``,
    or the authors' OSF colour signals under ``data_root``."""
    if data_root is not None:
        return osf_videos(data_root), f"real: Kopeliovich 2019 OSF colour signals at {data_root}"
    specs = video_specs(cfg.videos, seed)
    videos = simulated_videos(specs, workers=cfg.render_workers, duration_s=cfg.duration_s,
                              resolution_scale=cfg.resolution_scale, detect_every=cfg.detect_every,
                              detect_width=cfg.detect_width)
    return videos, "simulated: kopeliovich preset"


def settings_table(cfg, videos: list[Video], n_train: int, real: bool) -> pd.DataFrame:
    """The paper's data and training settings (from ``numbers.csv``) next to this run's."""
    train_windows = int(_results.reported(KEY, "Table 1", "All", "Both train"))
    paper = {"videos": int(_results.reported(KEY, "Section 3", "dataset", "videos")),
             "subjects": int(_results.reported(KEY, "Section 3", "dataset", "subjects")),
             "training windows": train_windows,
             "epochs": int(_results.reported(KEY, "Section 5.2", "hyperparameters", "epochs")),
             "batch size": int(_results.reported(KEY, "Section 5.2", "hyperparameters", "batch size"))}
    ours = {"videos": len(videos), "subjects": len({v.subject for v in videos}), "training windows": n_train,
            "epochs": cfg.epochs, "batch size": cfg.batch_size,
            "seeds": len(cfg.seeds)}
    if not real:
        ours["video length (s)"] = cfg.duration_s
        ours["face detection"] = (f"every {cfg.detect_every}th frame"
                                  + (f" at {cfg.detect_width} px" if cfg.detect_width else ""))
    ours["LR range test"] = (f"{cfg.lr_min:g} to {cfg.lr_max:g}, {cfg.lr_points_per_decade} point(s) per decade, "
                             f"{cfg.lr_epochs} epoch(s) per LR")
    table = pd.DataFrame({"paper": pd.Series(paper, dtype=object), "this run": pd.Series(ours, dtype=object)})
    return table.reindex(list(ours)).fillna("–")


@dataclass
class ModelRuns:
    """Every model of Table 2, trained once per seed.

    models : name -> one ``(model, TrainResult)`` per seed; names are "SE", "CE", "CL+F [MSE on <reading>]"
        for each reading of Eq. 5 and "CL [MSE on <reading>]" for the chosen one.
    info : one row per (model, seed): best epoch, validation MAE, LR used, seconds, windows/s.
    reading : the reading of Eq. 5 chosen by CL+F's mean validation MAE; clf_val_mae : reading -> that MAE.
    """

    models: dict
    info: pd.DataFrame
    reading: str
    clf_val_mae: dict

    @property
    def headline(self) -> dict:
        """Table 2's four rows -> the trained model name behind each."""
        return {"SE": "SE", "CE": "CE", "CL": f"CL [MSE on {self.reading}]", "CL+F": f"CL+F [MSE on {self.reading}]"}


def train_table2_models(train: Windows, val: Windows, cfg, max_lr: float, min_lr: float, device="cpu",
                        seed: int = 0, chapter=None) -> ModelRuns:
    """Train SE, CE, CL+F (with each reading of Eq. 5 in ``cfg.mse_readings``) and CL (with the reading
    whose CL+F has the lower mean validation MAE: chosen on validation, never on test), once per seed
    of ``cfg.seeds``. With the run's ``chapter`` (:class:`rppg_lib.chapter.Chapter`), every training
    checkpoints into its folder (:func:`rppg_lib.chapter.training_checkpoint`) and a rerun of a killed run
    resumes it."""
    from tqdm import tqdm

    models: dict = {}
    info = []

    def fit(head, name, reading, s):
        model, res, secs = train_model(head, train, val, epochs=cfg.epochs, batch_size=cfg.batch_size,
                                       max_lr=max_lr, min_lr=min_lr, mse_on=reading, ce_reduction=cfg.ce_reduction,
                                       device=device, seed=seed + s,
                                       checkpoint_dir=training_checkpoint(chapter, "table2", head, reading,
                                                                          f"seed{seed + s}"))
        models.setdefault(name, []).append((model, res))
        info.append({"model": name, "seed": seed + s, "best epoch": res.best_epoch, "val MAE": res.best_metric,
                     "max LR used": res.extra["max_lr_used"], "seconds": secs,
                     "windows/s": cfg.epochs * len(train) / secs})

    jobs = [(s, h, r) for s in cfg.seeds for h, r in [("se", "logits"), ("ce", "logits")]
            + [("clf", r) for r in cfg.mse_readings]]
    for s, head, reading in tqdm(jobs, desc="Table 2 models"):
        name = MODEL_NAMES[head] + (f" [MSE on {reading}]" if head == "clf" else "")
        fit(head, name, reading, s)
    clf_val = {r: float(np.mean([res.best_metric for _, res in models[f"CL+F [MSE on {r}]"]]))
               for r in cfg.mse_readings}
    reading = min(clf_val, key=clf_val.get)
    for s in tqdm(cfg.seeds, desc="CL models"):
        fit("cl", f"CL [MSE on {reading}]", reading, s)
    return ModelRuns(models, pd.DataFrame(info).set_index(["model", "seed"]), reading, clf_val)


#: The name the chapter's headline network (Table 2's CL+F, first seed) is stored under for ``rppg predict --model``.
STORED_MODEL = "kopeliovich2019-clf"


def store_network(chapter, runs: ModelRuns, ds: Dataset, test: Windows, data: str, cfg, device="cpu"):
    """Store Table 2's CL+F of the first seed (``runs.headline["CL+F"]``) as :data:`STORED_MODEL` for
    ``rppg predict --model`` (:func:`rppg_lib.model_store.save_model` into the run's results folder): rebuilt by
    :class:`~rppg_lib.papers.kopeliovich2019.model.ColourSignalCNN`, with the colour signals it reads
    (:func:`rppg_lib.model_store.colour_signals_input`: the six ROIs, the videos' frame rate, the window) and, as its
    ``test_mae``, its MAE on ``test`` (the full test set, scored against the reference HR as Table 2 is)."""
    from ...video import ROI_SETS

    name = runs.headline["CL+F"]
    model = runs.models[name][0][0]
    fps = np.array([float(v.fps) for v in ds.videos.values()])
    real = any(v.ppg is None for v in ds.videos.values())
    boxes = "Haar face boxes of the videos" if not real else "the authors' colour signals (their face tracking)"
    spec = colour_signals_input(float(np.median(fps)), model.window, ROI_SETS["six_regions"],
                                detect_every=cfg.detect_every, boxes=boxes, hr_range=(model.hr_min, model.hr_max),
                                clip_reader="rppg_lib.papers.kopeliovich2019.model:windows_hr")
    if np.ptp(fps) > 0:  # the videos' own rates; rppg predict resamples to the median
        spec["fps_range"] = [float(fps.min()), float(fps.max())]
    mae = float(np.mean(np.abs(predictions(model, test, device) - test.hr)))
    return save_model(chapter, STORED_MODEL, model, builder="rppg_lib.papers.kopeliovich2019.model:ColourSignalCNN",
                      builder_kwargs={"head": model.head, "n_signals": model.n_signals, "window": model.window,
                                      "n_classes": model.n_classes, "hr_min": model.hr_min, "hr_max": model.hr_max},
                      input_spec=spec, data=data, metrics={"test_mae": mae, "test_windows": len(test),
                                                           "seed": int(runs.info.loc[name].index[0]),
                                                           "model": name})


def window_predictions(runs: ModelRuns, w: Windows, device="cpu") -> dict:
    """Model name -> predicted HR, ``(seeds, windows)``."""
    return {name: np.stack([predictions(m, w, device) for m, _ in fits]) for name, fits in runs.models.items()}


def table2_ours(runs: ModelRuns, subsets: dict, device="cpu") -> tuple[pd.DataFrame, dict]:
    """Table 2 rows of our models (mean over seeds) and the per-model, per-subset metrics of every seed."""
    per_model = {name: [subset_metrics(m, subsets, device) for m, _ in fits] for name, fits in runs.models.items()}
    rows = {}
    for name, tables in per_model.items():
        mean = sum(tables) / len(tables)
        short = next((k for k, v in runs.headline.items() if v == name), name)
        classifier = not name.startswith("SE")
        rows[short] = {f"{sub} {col}": mean.loc[sub, key] for sub in SUBSETS
                       for col, key in (("MAE", "mae"), ("Cover", "cover_4cls" if classifier else "cover3"))}
    return pd.DataFrame(rows).T, per_model


def coverage_hits(runs: ModelRuns, name: str, w: Windows, device="cpu") -> np.ndarray:
    """Per window (pooled over seeds): is the model's class within 4 classes of the reference's?"""
    from .model import bpm_to_class

    out = []
    for model, _ in runs.models[name]:
        pred_cls = predict_outputs(model, w.x, device=device).argmax(dim=1).numpy()
        out.append(np.abs(pred_cls - bpm_to_class(w.hr, model.n_classes, model.hr_min, model.hr_max)) <= 4)
    return np.concatenate(out) if out else np.zeros(0, bool)


def summary_text(label: str, full_mae: dict, constant_mae: float, pos_mae: float, visibility_mae_150: float,
                 learned: dict, pulse_vs_paper: dict | None = None, curve=None,
                 video_mean_mae: float | None = None, *, verdicts) -> str:
    """The chapter's closing text, generated from the run: first what the claims engine decided
    (``verdicts``: :func:`~rppg_lib.papers.kopeliovich2019.claims.decide`'s, one line each), then the numbers
    that explain it. Conclusions come from the verdicts and the one "learned" rule, never from comparing two
    point estimates.

    ``learned``: model name -> whether it learned by :func:`rppg_lib.claims.network_learned` (seeds pooled);
    ``pulse_vs_paper``: scenario -> median pulse amplitude in the scaled input over the paper's
    (:func:`pulse_in_windows`); ``curve``: :func:`data_curve`'s rows (mean ratio to the constant per size);
    ``video_mean_mae``: :func:`video_mean_predictions`' MAE (a model that only knows the video).
    """
    from ...claims_page import verdict_sentence

    paper_best = _results.reported(KEY, "Table 2", "CL+F", "Full test set MAE")
    decided = "\n".join(f"- {verdict_sentence(v)}" for v in verdicts)
    text = (f"On {label}, the full-test MAE is " + ", ".join(f"{k} {v:.1f}" for k, v in full_mae.items())
            + f" bpm (the paper's CL+F: {paper_best:g} bpm, on its own data); always answering the mean training HR "
            f"gives {constant_mae:.1f} bpm, and POS on the same windows {pos_mae:.1f} bpm. ")
    if video_mean_mae is not None:
        text += (f"Answering each video's own mean training HR, which needs no pulse, gives {video_mean_mae:.1f} "
                 "bpm: the paper's split, with every video in training and test, rewards knowing the video. ")
    ok = [k for k, v in learned.items() if v]
    if ok:
        text += (f"By the compendium's rule (MAE at most {LEARNED_FRACTION:g} times the constant answer's and "
                 f"a paired interval below it), {', '.join(ok)} learned: "
                 f"{'it reads' if len(ok) == 1 else 'they read'} the pulse, not only the label distribution.")
        return f"{decided}\n\n{text}"
    text += (f"No network learned by the compendium's rule (MAE at most {LEARNED_FRACTION:g} times the constant "
             "answer's and a paired interval below it): they have learnt little more than the labels. ")
    if pulse_vs_paper:
        text += ("The pulse's share of the networks' scaled input is " + ", ".join(
            f"{r:.1f}x the paper's in {scen} videos" for scen, r in pulse_vs_paper.items()) + ". ")
    clf_curve = None if curve is None else curve[curve["model"] == MODEL_NAMES["clf"]]
    if clf_curve is not None and clf_curve["n_videos"].nunique() > 1:
        mean = clf_curve.groupby("n_train")["ratio"].mean()
        text += (f"With more training windows CL+F goes from {mean.iloc[0]:.2f} to {mean.iloc[-1]:.2f} times the "
                 f"constant answer's MAE ({mean.index[0]} to {mean.index[-1]} windows; the paper trained on "
                 f"{_results.reported(KEY, 'Table 1', 'All', 'Both train'):.0f}). ")
    text += (f"POS on longer windows of the same videos (150 frames) has an MAE of {visibility_mae_150:.1f} bpm, "
             f"against the constant answer's {constant_mae:.1f} bpm: how visible the pulse is, not a verdict.")
    return f"{decided}\n\n{text}"


# ----------------------------------------------------------------------------
# reference HR, learning summary and the data ladder (issue 10)
# ----------------------------------------------------------------------------
def with_reference_hr(ds: Dataset, w: Windows) -> Windows:
    """``w`` with each window's HR replaced by :func:`reference_hr` (the label mean kept in
    ``meta["label_hr"]``): what the chapter's tables are scored against."""
    out = Windows(w.x, reference_hr(ds, w), w.start, w.video, dict(w.meta))
    out.meta["label_hr"] = np.asarray(w.hr, dtype=float)
    return out


def reference_hr(ds: Dataset, w: Windows, band_bpm=HR_RANGE) -> np.ndarray:
    """The reference HR of each window: the HR the classical baseline's estimator reads from the
    ground-truth PPG of the same frames.

    Same estimator as :func:`classical_baseline` (peak of the zero-padded Hann
    periodogram inside ``band_bpm``, :func:`rppg_lib.signal.estimate_hr`), so
    every method is scored against a value an estimator can reach on 64
    frames (the papers' and the rPPG-Toolbox convention). Windows of videos
    without a PPG (the OSF colour signals ship HR only) keep their label
    (``w.hr``, the mean of the per-frame HR).
    """
    out = np.asarray(w.hr, dtype=float).copy()
    for i, (vid, s) in enumerate(zip(w.video.astype(str), w.start)):
        v = ds.videos[vid]
        if v.ppg is not None:
            seg = np.asarray(v.ppg[s:s + w.x.shape[-1]], dtype=float)
            if np.all(np.isfinite(seg)) and np.ptp(seg) > 0:
                out[i] = _signal.estimate_hr(seg, v.fps, band_bpm)
    return out


def classical_predictions(ds: Dataset, w: Windows, method: str = "POS", roi: int = 5,
                          band_bpm=HR_RANGE) -> np.ndarray:
    """HR of ``method`` (POS) on the raw RGB of ROI ``roi`` of every window (as :func:`classical_baseline`)."""
    est = np.empty(len(w))
    for i, (vid, s) in enumerate(zip(w.video.astype(str), w.start)):
        v = ds.videos[vid]
        est[i] = classical_hr(v.traces[None, s:s + w.x.shape[-1], roi, :], v.fps, method, band_bpm)[0]
    return est


def video_mean_predictions(ds: Dataset, w: Windows) -> np.ndarray:
    """Each window answered with the mean training label of its own video (the mean training HR for a
    video without training windows).

    The paper's split takes the training, validation and test windows of every video from the same
    recording, so a model that only recognised the video would score this; it is the bar between
    "knows the video" and "reads the pulse".
    """
    train = ds.splits["train"]
    return per_video_mean(train.hr, train.video, w.video)


#: What ``metrics["learning"]["data"]`` says the chapter trained and decided on.
DATA_LABEL = {False: "kopeliovich preset", True: "Kopeliovich 2019 OSF colour signals"}


def learning_record(ds: Dataset, models: dict, device="cpu", split: str = "test", real: bool = False) -> dict:
    """``metrics["learning"]`` of the run record: MAE (bpm) on the full ``split`` set against
    :func:`reference_hr`, and by scenario.

    ``models``: model name ("SE", "CE", "CL", "CL+F") -> list of trained models, one per seed; ``real``: the
    windows are the paper's OSF colour signals (else the ``kopeliovich`` preset).
    Returns ``{"data", "constant_mae", "pos_mae", "video_mean_mae", "models": {name: [MAE per seed]},
    "learned": {name: [learned by rppg_lib.claims.network_learned, per seed]}, "learned_detail": {...},
    "by_subset": {"Stationary" | "Mixed Motion": {"n", "constant_mae", "pos_mae", "models"}}, "label_mean": {...}}``
    (``video_mean_mae``: :func:`video_mean_predictions`; ``pos_by_subset``: POS per scenario, the same numbers
    as ``by_subset``); ``label_mean`` holds the full-test numbers against the window's mean label HR.
    """
    w = ds.splits[split]
    ref = reference_hr(ds, w)
    base = window_baselines(ds, w)
    const, pos, video_mean = base[CONSTANT], base["POS"], base[VIDEO_MEAN]
    preds = {name: [predictions(m, w, device) for m in ms] for name, ms in models.items()}
    scenario = ds.info.loc[w.video.astype(str), "scenario"].to_numpy()
    masks = {label: scenario == scen for scen, label in _SCENARIO_LABEL.items()}

    def mae(p, r, keep=slice(None)):
        e = np.abs(np.asarray(p, float) - r)[keep]
        return float(np.mean(e)) if e.size else float("nan")

    def block(r):
        return {"constant_mae": mae(const, r), "pos_mae": mae(pos, r), "video_mean_mae": mae(video_mean, r),
                "models": {name: [mae(p, r) for p in ps] for name, ps in preds.items()}}

    out = {"data": DATA_LABEL[bool(real)], **block(ref)}
    verdicts = {name: [network_learned(np.abs(p - ref), np.abs(const - ref)) for p in ps] for name, ps in preds.items()}
    out["learned"] = {name: [ok for ok, _ in v] for name, v in verdicts.items()}
    out["learned_detail"] = {name: [d for _, d in v] for name, v in verdicts.items()}
    out["by_subset"] = {label: {"n": int(keep.sum()), "constant_mae": mae(const, ref, keep),
                                "pos_mae": mae(pos, ref, keep),
                                "models": {name: [mae(p, ref, keep) for p in ps] for name, ps in preds.items()}}
                        for label, keep in masks.items()}
    out["pos_by_subset"] = {label: b["pos_mae"] for label, b in out["by_subset"].items()}
    out["label_mean"] = block(np.asarray(w.hr, float))
    out["reference"] = "HR of the ground-truth PPG of each window (periodogram peak, 40-125 bpm)"
    return out


def learning_table(learning: dict) -> pd.DataFrame:
    """The chapter's learning table from :func:`learning_record`: MAE (bpm) of every model (mean over seeds, and
    per seed), of POS and of the constant answer, on the full test set and per scenario, and whether each seed
    learned by :func:`rppg_lib.claims.network_learned`."""
    subsets = learning["by_subset"]
    rows = {}
    for name, v in learning["models"].items():
        ok = learning["learned"][name]
        rows[name] = {"Full test set": f"{np.mean(v):.2f}", "per seed": ", ".join(f"{x:.2f}" for x in v),
                      **{k: f"{np.mean(b['models'][name]):.2f}" for k, b in subsets.items()},
                      "learned (seeds, by the one rule)": f"{sum(ok)} of {len(ok)}"}
    for label, key in (("POS (same windows)", "pos_mae"), ("constant (mean training HR)", "constant_mae")):
        rows[label] = {"Full test set": f"{learning[key]:.2f}",
                       **{k: f"{b[key]:.2f}" for k, b in subsets.items()}}
    rows["per-video training mean (knows the video)"] = {"Full test set": f"{learning['video_mean_mae']:.2f}"}
    cols = ["Full test set", "per seed", *subsets, "learned (seeds, by the one rule)"]
    table = pd.DataFrame(rows).T.reindex(columns=cols).fillna("–")
    table.columns = [f"{c} (n={subsets[c]['n']})" if c in subsets else c for c in cols]
    return table


def data_difficulty_text(learning: dict, preset: str = "kopeliovich", real: bool = False,
                         resolution_scale: float = 1.0) -> str:
    """What anchors the difficulty of the chapter's data, generated from :data:`rppg_lib.lookalike.PROTOCOLS`,
    :func:`rppg_lib.lookalike.fidelity_rows` and the run's POS per scenario (:func:`learning_record`);
    ``resolution_scale``: the profile's fraction of each camera's native frame size."""
    from ...lookalike import PROTOCOLS, fidelity_rows

    pos = learning["pos_by_subset"]
    pos_text = " and ".join(f"{v:.1f} bpm on {k} ({learning['by_subset'][k]['n']} windows)" for k, v in pos.items())
    if real:
        return (f"These are the paper's own colour signals; POS on the test windows gives {pos_text}, "
                f"{learning['pos_mae']:.1f} bpm on the full test set.")
    scale = ("This run renders each camera at its native frame size (so its face pixels) and frame rate, with "
             "its codec and sensor noise." if resolution_scale == 1.0 else
             f"This run renders each camera at {resolution_scale:g} of its native frame size, so its faces have "
             "fewer pixels than the preset's: its numbers prove the code paths, not the preset's difficulty.")
    if PROTOCOLS.get(preset) is None and not fidelity_rows(preset, {"POS": [learning["pos_mae"]]}):
        return (f"No published classical error exists for the paper's data (three webcams of the authors' own): "
                f"the `{preset}` preset has no published protocol or anchor in `rppg_lib.lookalike`, so how hard "
                f"these simulated data are cannot be held against the real ones, and no claim orders a network "
                f"against a classical method (the fidelity precondition cannot hold). {scale} POS on the networks' "
                f"test windows gives {pos_text}, {learning['pos_mae']:.1f} bpm on the full test set: a measure of "
                "the data's difficulty, not a verdict.")
    rows = fidelity_rows(preset, {"POS": [learning["pos_mae"]]})
    return (f"POS on the test windows gives {pos_text}; the `{preset}` preset has a published anchor "
            + "; ".join(f"{m} {r['published']:g} ({r['source']})" for m, r in rows.items()) + ".")


def learning_target_text(learning: dict, model: str = "CL+F") -> str:
    """Whether ``model`` met the compendium's learning target in every seed (its MAE at most
    :data:`~.claims.LEARNING_TARGET_RATIO` x the constant answer's and below POS on the same windows); a target
    of the compendium, not a claim of the paper."""
    from .claims import LEARNING_TARGET_RATIO

    v = np.asarray(learning["models"][model], float)
    ratios = v / learning["constant_mae"]
    met = bool(np.all(ratios <= LEARNING_TARGET_RATIO) and np.all(v < learning["pos_mae"]))
    return (f"{model}'s full-test MAE is {', '.join(f'{x:.2f}' for x in v)} bpm over {len(v)} seed(s), "
            f"{ratios.min():.2f}-{ratios.max():.2f} times the constant answer's {learning['constant_mae']:.2f}, "
            f"against POS {learning['pos_mae']:.2f} on the same windows; the compendium's target (at most "
            f"{LEARNING_TARGET_RATIO:g} times the constant and below POS in every seed) is "
            f"{'met' if met else 'not met'}.")


def balanced_order(videos: list[Video]) -> list[Video]:
    """``videos`` reordered round-robin over their (camera, scenario) groups, so every prefix is balanced."""
    groups: dict = {}
    for v in videos:
        groups.setdefault((v.camera, v.scenario), []).append(v)
    out = []
    for k in range(max(len(g) for g in groups.values())):
        out += [g[k] for g in groups.values() if k < len(g)]
    return out


def data_curve(videos: list[Video], sizes, *, heads=("clf",), seeds=(0,), epochs: int, batch_size: int,
               max_lr: float, mse_on: str = "softmax", ce_reduction: str = "paper", device="cpu",
               progress=None, chapter=None) -> pd.DataFrame:
    """Does more data help? The same recipe trained on the first ``n`` videos of :func:`balanced_order` for each
    ``n`` in ``sizes``, with the paper's per-video split, each scored on the test windows of its own videos.

    One row per size x model x seed: ``n_videos``, ``n_train`` (training windows), ``mae`` against
    :func:`reference_hr`, and on the same windows ``constant_mae`` (mean training HR) and ``pos_mae``;
    ``ratio`` = ``mae / constant_mae`` compares sizes whose test windows differ. With the run's ``chapter`` every
    training checkpoints into the run's folder (one per size, model and seed) and a rerun of a killed run
    resumes it.
    """
    ordered = balanced_order(videos)
    rows = []
    for n in sizes:
        if not 1 <= int(n) <= len(ordered):
            raise ValueError(f"size {n} is not between 1 and the {len(ordered)} videos")
        ds = build_dataset(ordered[:int(n)])
        train, val, test = ds.splits["train"], ds.splits["val"], ds.splits["test"]
        ref = reference_hr(ds, test)
        const = float(np.mean(constant_errors(train.hr, ref)))
        pos = float(np.mean(np.abs(classical_predictions(ds, test) - ref)))
        for head in heads:
            for seed in seeds:
                model, _, secs = train_model(head, train, val, epochs=epochs, batch_size=batch_size, max_lr=max_lr,
                                             mse_on=mse_on, ce_reduction=ce_reduction, device=device, seed=seed,
                                             checkpoint_dir=training_checkpoint(chapter, "curve", f"videos{int(n)}",
                                                                                head, f"seed{seed}"))
                mae = float(np.mean(np.abs(predictions(model, test, device) - ref)))
                rows.append({"n_videos": int(n), "n_train": len(train), "n_test": len(test),
                             "model": MODEL_NAMES[head], "seed": int(seed), "mae": mae, "constant_mae": const,
                             "pos_mae": pos, "ratio": mae / const, "seconds": secs})
                if progress is not None:
                    progress(rows[-1])
    return pd.DataFrame(rows)


#: The sessions a ladder step may cut to: label -> the camera / scenario that replace each video's own (each
#: video keeps its session seed and id, so every step has the same windows and split); "" = the chapter's grid.
SESSIONS = {"": {}, "cam2, stationary scenario": {"camera": "cam2", "scenario": "stationary"},
            "three cameras, stationary scenario": {"scenario": "stationary"}}
#: The top rung: the chapter's own preset as it is (:data:`rppg_lib.ladder.TOP`).
TOP_RUNG = TOP

#: The data ladder, ``(rung of rppg_lib.ladder.RUNGS, sessions of SESSIONS)`` from data where the pulse is easy
#: to see to the preset as it is: the easy rungs on cam2's stationary videos, then the preset on them, on the
#: three cameras' stationary videos, and on the chapter's whole grid.
LADDER = (
    ("lossless, 2 % pulse, no noise", "cam2, stationary scenario"),
    ("lossless, no noise", "cam2, stationary scenario"),
    (TOP_RUNG, "cam2, stationary scenario"),
    (TOP_RUNG, "three cameras, stationary scenario"),
    (TOP_RUNG, ""),
)


def ladder_videos(videos, seed: int, overrides: dict, **kwargs) -> list[Video]:
    """The videos of one rung: the chapter's ``(camera, scenario, subject)`` grid rendered with ``overrides``.

    ``camera`` / ``scenario`` in ``overrides`` replace the rendered camera / scenario while each video keeps
    its session seed and its own id (so a rung has the same windows and split as the preset).
    ``kwargs`` go to :func:`simulated_videos` (``duration_s``, ``workers``, ``cache_dir``, ...).
    """
    specs = video_specs(videos, seed)
    workers = int(kwargs.pop("workers", 1))
    sim = dict(overrides)
    rendered = []
    for spec in specs:
        cam, scen = sim.get("camera", spec.camera), sim.get("scenario", spec.scenario)
        rendered.append(VideoSpec(cam, scen, spec.subject, spec.seed, spec.take))
    extra = {k: v for k, v in sim.items() if k not in ("camera", "scenario")}
    out = simulated_videos(rendered, workers=workers, overrides=extra or None, **kwargs)
    return [Video(s.video_id, s.camera, s.scenario, v.subject, v.fps, v.traces, v.hr, v.meta, v.ppg)
            for s, v in zip(specs, out)]


def window_baselines(ds: Dataset, w: Windows) -> dict:
    """The baselines' HR on the windows ``w`` (:func:`rppg_lib.baselines.baselines`): the constant answer (mean
    training label), the per-video mean (:func:`video_mean_predictions`) and POS on ROI 5's raw RGB
    (:func:`classical_predictions`)."""
    train = ds.splits["train"]
    out = baselines(train.hr, len(w), train_video=train.video, test_video=w.video)
    out["POS"] = classical_predictions(ds, w)
    return out


def run_ladder(videos, *, rungs=LADDER, heads=("se", "ce", "cl", "clf"), seeds=(0,), epochs: int,
               batch_size: int, max_lr: float = 5.8e-3, mse_on: str = "softmax",
               ce_reduction: str = "paper", data_seed: int = 0, device="cpu", video_kwargs=None,
               log=None, chapter=None) -> pd.DataFrame:
    """Train the same recipe on every step of the data ladder and score it against :func:`reference_hr`
    (:func:`rppg_lib.ladder.run_ladder`: one table, :data:`rppg_lib.ladder.COLUMNS`).

    ``videos``: the chapter's ``(camera, scenario, subject)`` grid; ``rungs``: ``(rung, sessions)`` pairs
    (:data:`LADDER`; rungs of :data:`rppg_lib.ladder.RUNGS`, sessions of :data:`SESSIONS`); ``video_kwargs``:
    settings of :func:`simulated_videos`. The baselines are :func:`window_baselines` on each step's test windows.
    With the run's ``chapter`` each finished training is kept and a rerun of a killed run trains only the rest.
    """
    kwargs = dict(video_kwargs or {})
    for _, sessions in rungs:
        if sessions not in SESSIONS:
            raise ValueError(f"unknown sessions {sessions!r}; valid: {list(SESSIONS)}")

    def prepare(rung, sessions):
        ds = build_dataset(ladder_videos(videos, data_seed, {**rung_overrides(rung), **SESSIONS[sessions]}, **kwargs))
        test = ds.splits["test"]
        ref = reference_hr(ds, test)
        errors = {k: np.abs(v - ref) for k, v in window_baselines(ds, test).items()}
        return RungData(ds, errors.pop(CONSTANT), errors)

    def recipe(head):
        def fit(ds, seed):
            model, _, _ = train_model(head, ds.splits["train"], ds.splits["val"], epochs=epochs, batch_size=batch_size,
                                      max_lr=max_lr, mse_on=mse_on, ce_reduction=ce_reduction, device=device, seed=seed)
            test = ds.splits["test"]
            return np.abs(predictions(model, test, device) - reference_hr(ds, test))
        return fit

    settings = repr((epochs, batch_size, max_lr, mse_on, ce_reduction, data_seed, sorted(kwargs.items())))
    return _ladder.run_ladder(rungs, prepare, {MODEL_NAMES[h]: recipe(h) for h in heads}, seeds=seeds, log=log,
                              chapter=chapter, settings=settings)
