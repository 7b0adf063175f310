"""What notebooks/niu2018.ipynb computes (Niu et al. 2018, SynRhythm), stage by stage.

1. Face videos -> raw block means per frame (:func:`prepare_simulated`):
   render each video, find the face box (simulator or Haar detector), place
   the cheek region (face box or eyes), average the 10 x 20 blocks
   (:func:`rppg_lib.video.stmap_blocks`). Cached per video under
   ``cache_dir("niu2018")``. Table II's ``mmse-like`` videos go through the
   same code (:func:`table2_videos`); a video without any face found is dropped
   and named in the set's ``dropped``.
2. Clips (:func:`clip_set`): random 300-frame clips per video, each scaled to
   a map over its own frames (:func:`rppg_lib.video.random_clips`), labelled
   with the mean reference HR over the clip's frames.
3. Training (:func:`cross_validate`): 3-fold cross-validation over videos
   (random or subject-exclusive, :func:`rppg_lib.data.cv_folds`); in each fold
   a ResNet-18 regressor is trained on the training videos' clips, from
   scratch (stage I), from the synthetic-rhythm pretraining (:func:`pretrain_synthetic`,
   "synthetic -> face", the offline form of stage III) or from ImageNet weights
   (stages II and III, only with a local weight file), and predicts every clip
   of the test videos; a video's HR is the mean of its clips' predictions.
4. Metrics per table row (:func:`hr_row`): HRme, HRsd, HRrmse, HRmer.

The Hsu 2014-style SVR baseline of Table I (and II) is in :mod:`.hsu2014`: the same folds and clips.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ...display import plot_ladder
from ...evaluate import per_video_mean
from ...metrics import hr_metrics
from ...storage import cache_dir, cache_key, cached_npz, save_torch_atomic
from . import KEY
from .training import predict, prepare_input, train_regressor

__all__ = ["INITS", "METRIC_COLUMNS", "VideoSet", "prepare_simulated", "table2_videos", "clip_seed", "clip_set",
           "synthetic_input", "Pretrained", "SYNTHETIC_TEST_MAPS", "pretrain_synthetic", "make_model", "recentre",
           "target_scale", "baseline_table", "constant_table", "zero_shot", "fold_hr", "plot_fold_hr",
           "LADDER", "rung_rows", "run_ladder", "plot_ladder", "run_cv", "abs_errors", "with_paper", "show",
           "cross_validate", "video_rows", "hr_row", "hr_table"]

#: Network initialisations: name -> what it is (Table III and the offline variant).
INITS = {
    "scratch": "Stage I: face videos only",
    "imagenet": "Stage II: ImageNet -> face videos",
    "imagenet+synthetic": "Stage III: ImageNet -> synthetic -> face videos",
    "synthetic": "synthetic -> face videos (stage III without ImageNet)",
}
#: The paper's metric names -> keys of :func:`rppg_lib.metrics.hr_metrics`.
METRIC_COLUMNS = {"HRme": "me", "HRsd": "sd", "HRrmse": "rmse", "HRmer": "mer"}


@dataclass
class VideoSet:
    """Raw block means of face videos and their reference HR.

    blocks : (V, T, n, 3) float32 block means per frame; hr : (V, T) reference HR per frame (bpm);
    subjects : (V,) subject ids; fps : frame rate; source : what the videos are;
    regions : (V, 4) the cheek region of each video in fractions of its face box;
    filled : (V,) frames of each video whose face box was carried or interpolated from other frames
    (:func:`rppg_lib.video.complete_boxes`), 0 when the boxes are the simulator's;
    dropped : the videos left out because no face was found in them, each as ``"name: why"``.
    """

    blocks: np.ndarray
    hr: np.ndarray
    subjects: np.ndarray
    fps: float
    source: str
    regions: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    filled: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    dropped: tuple = ()

    def __len__(self) -> int:
        return len(self.blocks)

    @property
    def video_hr(self) -> np.ndarray:
        """Mean reference HR of each whole video (bpm): the paper's per-video ground truth."""
        return self.hr.mean(axis=1)


def _video(preset: str, subject: int, session_seed: int, *, duration_s, fps, frame_size, face_px, boxes, cheek,
           grid, overrides=None, bframes=None) -> dict:
    from ...synth import simulate
    from ...video import CHEEK_REGION, NoFaceFoundError, complete_boxes, detect_faces, eye_cheek_region, stmap_blocks

    if boxes not in ("truth", "detect"):
        raise ValueError(f"boxes must be 'truth' or 'detect', got {boxes!r}")
    width, height = frame_size
    size = {} if face_px is None else {"face_px": face_px}
    codec = {} if bframes is None else {"bframes": bframes}
    rec = simulate(preset, seed=session_seed, subject=subject, duration_s=duration_s, fps=fps, width=width,
                   height=height, **size, **codec, **dict(overrides or {}))
    skin = int(rec.meta["subject_traits"]["skin_type"])
    if boxes == "truth":
        found = np.asarray(rec.meta["face_box"], float)
    else:
        found = np.asarray(detect_faces(rec.frames, every=5, smoothing="mean20", on_missing="nan").boxes)
    try:  # frames without a box (before the first detection) carry the nearest one; boxes end at the frame's edge
        box = complete_boxes(found, rec.frames.shape[1:])
    except NoFaceFoundError:  # no face anywhere: the video is dropped (and counted), not turned into NaN maps
        return {"face": False, "skin_type": skin}
    if cheek == "eyes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no eyes found -> the box rule, recorded in `regions`
            region = eye_cheek_region(rec.frames, box)
    elif cheek == "box":
        region = CHEEK_REGION
    else:
        raise ValueError(f"cheek must be 'box' or 'eyes', got {cheek!r}")
    blocks = stmap_blocks(rec.frames, box, tuple(grid), region=region)
    filled = int(np.sum(~np.all(np.isfinite(found), axis=1)))
    return {"face": True, "skin_type": skin, "blocks": blocks.astype(np.float32), "hr": np.asarray(rec.hr, float),
            "region": np.asarray(region), "filled": filled}


def prepare_simulated(preset: str, n_subjects: int, videos_per_subject: int, *, duration_s: float, fps: float,
                      frame_size=(192, 144), face_px: float | None = 72.0, boxes: str = "truth", cheek: str = "box",
                      grid=(10, 20), seed: int = 0, overrides: dict | None = None, bframes: int | None = None,
                      cache: bool = True, progress: bool = True) -> VideoSet:
    """Render ``n_subjects`` x ``videos_per_subject`` videos of ``preset`` and take their block means.

    ``overrides``: extra :func:`rppg_lib.synth.simulate` parameters (the rungs of :data:`LADDER`).
    ``bframes``: the encoder's B frames (None: x264's default), see the ``bframes`` setting.

    Video ``k`` of subject ``s`` is session seed ``1000 * seed + k`` of subject ``s`` (the simulator
    draws a subject's traits from ``s`` and the session's HR and nuisances from the seed). Each
    video's result is cached on its own (``cache=False``: nothing is stored).

    Face boxes: frames where the detector has no box yet take the nearest found box, and boxes are
    clipped to the frame (:func:`rppg_lib.video.complete_boxes`; counted per video in ``filled``). A
    video in which the detector finds no face at all is left out and named in ``dropped`` with its
    subject's skin type (on ``mmse-like`` at small frame sizes the Haar cascade misses the darkest
    skin type entirely), so no map holds NaN or zero-filled blocks.
    """
    from ...synth import SIMULATOR_VERSION

    jobs = [(s, 1000 * seed + k) for s in range(n_subjects) for k in range(videos_per_subject)]
    opts = dict(duration_s=float(duration_s), fps=float(fps), frame_size=tuple(frame_size), face_px=face_px,
                boxes=boxes, cheek=cheek, grid=tuple(grid))
    if overrides:
        opts["overrides"] = dict(sorted(dict(overrides).items()))
    if bframes is not None:
        opts["bframes"] = int(bframes)
    if progress:
        from tqdm import tqdm

        jobs = tqdm(jobs, desc=f"videos ({preset})", unit="video")
    out, dropped = [], []
    for subject, session in jobs:
        params = dict(preset=preset, subject=subject, session=session, simulator=SIMULATOR_VERSION, version=2,
                      **opts)
        file = cache_dir(KEY) / "videos" / f"{cache_key(params, 24)}.npz" if cache else None
        data, _ = cached_npz(file, lambda s=subject, e=session: _video(preset, s, e, **opts))
        name = f"{preset}-s{subject:02d}"
        if bool(data["face"]):
            out.append({**data, "subject": name})
        else:
            dropped.append(f"{name} session {session}: no face found (skin type {int(data['skin_type'])})")
    if not out:
        raise ValueError(f"{preset}: no face found in any of its videos; dropped: {dropped}")
    return VideoSet(np.stack([d["blocks"] for d in out]), np.stack([d["hr"] for d in out]),
                    np.array([d["subject"] for d in out]),
                    float(fps), f"simulated: {preset}" + (f" {opts['overrides']}" if overrides else ""),
                    np.stack([d["region"] for d in out]), np.array([int(d["filled"]) for d in out]), tuple(dropped))


def table2_videos(cfg, seed: int = 0, progress: bool = True) -> VideoSet:
    """Table II's face videos: ``cfg.preset_table2`` (``mmse-like``) at the settings' Table II sizes, with
    Table I's duration, frame rate, boxes, cheek rule and grid (:func:`prepare_simulated`). The setting
    ``bframes`` does not apply: ``mmse-like`` frames are JPEG-coded one by one, as MMSE-HR's are."""
    return prepare_simulated(cfg.preset_table2, cfg.table2_subjects, cfg.table2_videos_per_subject,
                             duration_s=cfg.duration_s, fps=cfg.fps, frame_size=cfg.table2_frame_size,
                             face_px=cfg.table2_face_px, boxes=cfg.boxes, cheek=cfg.cheek, grid=cfg.grid, seed=seed,
                             progress=progress)


def clip_seed(seed: int, video: int) -> int:
    """The seed of the clip starts of video ``video`` in a set drawn with ``seed`` (:func:`clip_set`)."""
    return int(seed) * 100_003 + int(video)


def clip_set(videos: VideoSet, indices, clips_per_video: int, clip_frames: int, seed: int = 0):
    """Random clips of the videos ``indices`` as maps: ``(maps, hr, video)``.

    maps : (N, n, clip_frames, 3) uint8; hr : (N,) mean reference HR over each clip's frames;
    video : (N,) index of each clip's video in ``videos``. Clip starts of video ``v`` are drawn with
    seed ``(seed, v)``-derived :func:`rppg_lib.video.random_clips` seeds, so a video's clips do not
    depend on which other videos are in the set.
    """
    from ...video import random_clips

    maps, hr, video = [], [], []
    for v in np.asarray(indices, dtype=int):
        m, starts = random_clips(videos.blocks[v], clips_per_video, clip_frames, seed=clip_seed(seed, v))
        maps.append(m)
        hr.append([videos.hr[v, s:s + clip_frames].mean() for s in starts])
        video.append(np.full(len(m), v))
    if not maps:
        raise ValueError("no videos to cut clips from")
    return np.concatenate(maps), np.concatenate(hr), np.concatenate(video)


def synthetic_input(n: int, clip_frames: int, fps: float, input_size, seed: int = 0, n_blocks: int = 200,
                    chunk: int = 256, cache: bool = True, progress: bool = True):
    """``n`` synthetic rhythm maps (Sec. III-B) as network input ``(n, 3, h, w)`` float32 and their HR.

    Built in chunks (the full-size uint8 maps of a chunk at a time) and cached as network input.
    """
    from ...synth import synthetic_rhythm_maps
    from ...synth.rhythm import RHYTHM_VERSION

    def compute():
        xs, hrs = [], []
        starts = range(0, n, chunk)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="synthetic rhythm maps", unit="chunk")
        for s in starts:
            maps, hr = synthetic_rhythm_maps(min(chunk, n - s), clip_frames, fps, seed=seed * 1_000_003 + s,
                                             n_blocks=n_blocks)
            xs.append(prepare_input(maps, input_size).numpy())
            hrs.append(hr)
        return {"x": np.concatenate(xs), "hr": np.concatenate(hrs)}

    params = dict(n=n, T=clip_frames, fs=float(fps), size=None if input_size is None else list(input_size),
                  seed=seed, n_blocks=n_blocks, chunk=chunk, rhythm=RHYTHM_VERSION)
    file = cache_dir(KEY) / "synthetic" / f"input-{cache_key(params, 24)}.npz" if cache else None
    data, _ = cached_npz(file, compute)
    return torch.from_numpy(np.asarray(data["x"], np.float32)), np.asarray(data["hr"], float)


def make_model(init: str, cfg, hr_offset: float, synthetic_state: dict | None = None, hr_scale: float = 1.0):
    """A :class:`~rppg_lib.models.ResNet18Regressor` initialised as ``init`` (a key of :data:`INITS`).

    Its output is ``hr_offset + hr_scale * network(x)``; the caller passes the mean (and, with the
    setting ``scale_target``, the SD) of the HR of the clips it trains on, so every initialisation
    starts centred on its training data (ours, not the paper's). The synthetic pretraining keeps its
    own offset and scale: its network already answers in bpm, and moving the offset to the face
    videos' mean would shift every answer it learned by the difference of the two means
    (:func:`cross_validate` then re-centres it on its training clips with :func:`recentre`).
    """
    from ...models import ResNet18Regressor

    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; known: {list(INITS)}")
    if init.startswith("imagenet") and not cfg.imagenet_weights:
        raise ValueError(f"init {init!r} needs the setting imagenet_weights (a local ResNet-18 state dict); "
                         "without it stages II and III are reported as not run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # random initialisation is what stage I and 'synthetic' ask for
        model = ResNet18Regressor(weights_path=cfg.imagenet_weights if init.startswith("imagenet") else None,
                                  input_size=cfg.input_size, hr_offset=hr_offset, hr_scale=hr_scale)
    if init.endswith("synthetic"):
        if synthetic_state is None:
            raise ValueError(f"init {init!r} needs the synthetic pretraining's weights (pretrain_synthetic)")
        model.load_state_dict(synthetic_state)
    return model


def recentre(model, x: torch.Tensor, hr, device="cpu") -> float:
    """Shift a pretrained model's ``hr_offset`` so that its mean answer on the training inputs ``x``
    equals their mean heart rate ``hr`` (ours): the synthetic maps span 42-240 bpm, the face videos
    a much narrower range, and a fine-tuning of a few hundred steps cannot remove a bias of tens of
    bpm. The answers' differences, what the pretraining learned, are kept. Returns the shift (bpm)."""
    shift = float(np.mean(hr) - np.mean(predict(model, x, device=device)))
    model.hr_offset.add_(shift)
    return shift


def target_scale(cfg, hr) -> float:
    """The ``hr_scale`` of a model trained on heart rates ``hr``: their SD (at least 1 bpm) with the
    setting ``scale_target``, else 1 (the head answers in bpm directly)."""
    return max(float(np.std(hr)), 1.0) if cfg.scale_target else 1.0


#: Held-out synthetic maps that score the pretraining (drawn with their own seed, never trained on).
SYNTHETIC_TEST_MAPS = 400


@dataclass
class Pretrained:
    """The synthetic pretraining's weights and what it scored on held-out synthetic maps.

    state : the regressor's state dict; test_mae : per-epoch MAE (bpm) on :data:`SYNTHETIC_TEST_MAPS`
    held-out maps; constant_mae : the MAE of answering their mean HR (what a network that learned
    nothing scores there).
    """

    state: dict
    test_mae: list
    constant_mae: float


def pretrain_synthetic(cfg, *, imagenet: bool = False, seed: int = 0, device="cpu", cache: bool = True,
                       progress: bool = True) -> Pretrained:
    """Train a regressor on synthetic rhythm maps (from ImageNet weights with ``imagenet``); cached per setting.

    Every epoch draws ``cfg.synthetic_maps`` new maps (the generator is cheap, and the paper's point
    is that synthetic maps are unlimited), and the learning rate decays from ``cfg.lr`` to 0 on a
    cosine (ours; the paper names no schedule). Measured on the book's sizes: at a constant rate the
    held-out error jumped between 12 and 54 bpm from one epoch to the next; with the decay it fell
    to 3-5 bpm, against about 49 bpm for the constant answer.
    """
    from ...synth import synthetic_rhythm_maps
    from ...synth.rhythm import RHYTHM_VERSION

    params = dict(n=cfg.synthetic_maps, epochs=cfg.synthetic_epochs, T=cfg.clip_frames, fps=cfg.fps,
                  size=None if cfg.input_size is None else list(cfg.input_size), lr=cfg.lr, batch=cfg.batch_size,
                  blocks=int(np.prod(cfg.grid)), imagenet=cfg.imagenet_weights if imagenet else None, seed=seed,
                  scale_target=cfg.scale_target, test=SYNTHETIC_TEST_MAPS, rhythm=RHYTHM_VERSION, version=3)
    file = cache_dir(KEY) / "synthetic" / f"pretrained-{cache_key(params, 24)}.pt" if cache else None
    if file is not None and file.is_file():
        saved = torch.load(file, map_location="cpu", weights_only=True)
        return Pretrained(saved["state"], list(saved["test_mae"]), float(saved["constant_mae"]))
    n_blocks = int(np.prod(cfg.grid))

    sets = {}

    def epoch_set(epoch):  # new maps every epoch, seeded by (seed, epoch); one epoch's set in memory
        if epoch not in sets:
            sets.clear()
            sets[epoch] = synthetic_input(cfg.synthetic_maps, cfg.clip_frames, cfg.fps, cfg.input_size,
                                          seed=seed * 1000 + epoch, n_blocks=n_blocks, cache=False, progress=False)
        return sets[epoch]

    maps, test_hr = synthetic_rhythm_maps(SYNTHETIC_TEST_MAPS, cfg.clip_frames, cfg.fps, seed=10_000 + seed,
                                          n_blocks=n_blocks)
    test_x = prepare_input(maps, cfg.input_size)
    del maps
    test_mae = []
    torch.manual_seed(seed)
    first_hr = epoch_set(0)[1]
    model = make_model("imagenet" if imagenet else "scratch", cfg, hr_offset=float(np.mean(first_hr)),
                       hr_scale=target_scale(cfg, first_hr))
    train_regressor(model, lambda e: epoch_set(e)[0], lambda e: epoch_set(e)[1], epochs=cfg.synthetic_epochs,
                    lr=cfg.lr, batch_size=cfg.batch_size, seed=seed, device=device, progress=progress,
                    schedule="cosine", on_epoch=lambda e, m: test_mae.append(
                        float(np.mean(np.abs(predict(m, test_x, device=device) - test_hr)))))
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    out = Pretrained(state, test_mae, float(np.mean(np.abs(test_hr - np.mean(test_hr)))))
    if file is not None:
        save_torch_atomic({"state": out.state, "test_mae": out.test_mae, "constant_mae": out.constant_mae}, file)
    return out


def cross_validate(videos: VideoSet, cfg, *, protocol: str = "random", init: str = "scratch", fraction: float = 1.0,
                   synthetic_state: dict | None = None, seed: int = 0, device="cpu",
                   progress: bool = True) -> pd.DataFrame:
    """``cfg.folds``-fold cross-validation of the map regressor: one row per video.

    protocol : ``"random"`` or ``"subject"`` (:func:`rppg_lib.data.cv_folds`).
    init : a key of :data:`INITS`; ``"synthetic"`` / ``"imagenet+synthetic"`` need ``synthetic_state``.
    fraction : share of the training clips kept (Fig. 6), drawn at random per fold.
    Columns: ``video``, ``subject``, ``fold``, ``hr_ref`` (video mean), ``hr_est`` (mean of its clips'
    predictions), ``clips``, plus ``init``, ``protocol``, ``fraction`` and ``seed``.
    """
    from ...data import cv_folds

    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rows = []
    for f, (train_idx, test_idx) in enumerate(cv_folds(list(videos.subjects), protocol, k=cfg.folds, seed=seed)):
        maps, hr, _ = clip_set(videos, train_idx, cfg.clips_per_video, cfg.clip_frames, seed=seed)
        if fraction < 1:
            keep = np.random.default_rng([seed, f]).permutation(len(hr))[:max(1, int(round(fraction * len(hr))))]
            maps, hr = maps[np.sort(keep)], hr[np.sort(keep)]
        x = prepare_input(maps, cfg.input_size)
        del maps
        torch.manual_seed(seed * 1000 + f)
        model = make_model(init, cfg, hr_offset=float(np.mean(hr)), synthetic_state=synthetic_state,
                           hr_scale=target_scale(cfg, hr))
        if init.endswith("synthetic"):
            recentre(model, x, hr, device=device)
        train_regressor(model, x, hr, epochs=cfg.epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed * 1000 + f,
                        device=device, progress=progress)
        test_maps, _, test_video = clip_set(videos, test_idx, cfg.clips_per_video, cfg.clip_frames, seed=seed + 1)
        pred = predict(model, prepare_input(test_maps, cfg.input_size), device=device)
        rows += video_rows(videos, f, pred, test_video)
    table = pd.DataFrame(rows).sort_values("video").reset_index(drop=True)
    return table.assign(init=init, protocol=protocol, fraction=fraction, seed=seed)


def video_rows(videos: VideoSet, fold: int, pred, clip_video) -> list:
    """Rows of a per-video table from clip predictions ``pred`` of the videos ``clip_video``: each
    video's estimate ``hr_est`` is the mean of its clips' predictions (the paper's rule)."""
    ids, est = per_video_mean(np.asarray(pred, float), clip_video)
    return [{"video": int(v), "subject": videos.subjects[v], "fold": fold, "hr_ref": float(videos.video_hr[v]),
             "hr_est": float(e), "clips": int(np.sum(clip_video == v))} for v, e in zip(ids, est)]


def hr_row(table: pd.DataFrame) -> dict:
    """HRme, HRsd, HRrmse (bpm) and HRmer (%) of a per-video table (columns ``hr_est``, ``hr_ref``)."""
    m = hr_metrics(table["hr_est"], table["hr_ref"])
    return {name: m[key] for name, key in METRIC_COLUMNS.items()}


def hr_table(runs: dict) -> pd.DataFrame:
    """One :func:`hr_row` per named run (name -> per-video table)."""
    return pd.DataFrame({name: hr_row(t) for name, t in runs.items()}).T


# ---------------------------------------------------------------------------
# baselines, the constant answer and the learning ladder
# ---------------------------------------------------------------------------

def baseline_table(videos: VideoSet, methods=("POS", "CHROM")) -> pd.DataFrame:
    """Classical methods on the mean colour of each video's cheek region (the mean of its blocks),
    one HR per whole video (the paper's unit): columns ``video``, ``subject``, ``method``, ``hr_ref``,
    ``hr_est``."""
    from ...methods import apply_method
    from ...signal import estimate_hr

    rows = []
    for v in range(len(videos)):
        rgb = videos.blocks[v].astype(float).mean(axis=1)  # (T, 3)
        for name in methods:
            hr = float(estimate_hr(apply_method(name, rgb, videos.fps), videos.fps))
            rows.append({"video": v, "subject": videos.subjects[v], "method": name,
                         "hr_ref": float(videos.video_hr[v]), "hr_est": hr})
    return pd.DataFrame(rows)


def constant_table(videos: VideoSet, runs: pd.DataFrame) -> pd.DataFrame:
    """The constant answer of a cross-validation table ``runs`` (:func:`cross_validate`): every test
    video of a fold gets the mean reference HR of that fold's training videos."""
    out = []
    for _, part in runs.groupby(["fold", "seed"]):
        train = np.setdiff1d(np.arange(len(videos)), part["video"].to_numpy())
        out.append(part.assign(hr_est=float(videos.video_hr[train].mean()), init="constant"))
    return pd.concat(out).sort_values(["seed", "video"]).reset_index(drop=True)


#: The learning ladder: the same recipe (stage I, random split) trained on data from easy to the
#: preset as it is. Each rung renders the same subjects and sessions with these simulator overrides.
LADDER = (
    ("1 lossless, pulse 2 %, still", {"codec": None, "pulse_amplitude": 0.02, "full_well_e": 0.0,
                                      "nod_deg": 0.0, "talking": 0.0, "flicker_depth": 0.0}),
    ("2 lossless, subject's pulse, still", {"codec": None, "full_well_e": 0.0, "nod_deg": 0.0,
                                            "talking": 0.0, "flicker_depth": 0.0}),
    ("3 + sensor noise, codec, flicker", {"nod_deg": 0.0, "talking": 0.0}),
    ("4 the preset as it is", {}),
)


def _model_name(init: str) -> str:
    """Short name of an initialisation: "Stage I", "synthetic -> face videos", ..."""
    return INITS[init].split(":")[0].split(" (")[0]


def rung_rows(name: str, videos: VideoSet, runs: dict) -> list:
    """Rows of one ladder rung: POS on the videos, the constant answer of the runs' folds and each
    network's per-video MAE per seed (``runs``: init -> stacked :func:`cross_validate` tables)."""
    base = baseline_table(videos, ("POS",))
    any_run = next(iter(runs.values()))
    c = constant_table(videos, any_run[any_run["seed"] == any_run["seed"].min()])
    rows = [{"rung": name, "model": "POS", "seed": -1, "mae": float(np.mean(np.abs(base["hr_est"] - base["hr_ref"])))},
            {"rung": name, "model": "constant", "seed": -1, "mae": float(np.mean(np.abs(c["hr_est"] - c["hr_ref"])))}]
    for init, table in runs.items():
        for seed, t in table.groupby("seed"):
            rows.append({"rung": name, "model": _model_name(init), "seed": int(seed),
                         "mae": float(np.mean(np.abs(t["hr_est"] - t["hr_ref"])))})
    return rows


def run_ladder(cfg, *, rungs=LADDER, inits=("scratch",), synthetic_state: dict | None = None, seeds=(0,),
               data_seed: int = 0, device="cpu", progress: bool = True, report=None) -> pd.DataFrame:
    """Train each of ``inits`` (random split) on every rung of :data:`LADDER` and score it per video.

    The videos are ``cfg``'s (preset, subjects, sessions, sizes) rendered with each rung's overrides;
    ``"synthetic"`` needs ``synthetic_state``. Returns :func:`rung_rows` per rung: ``rung``, ``model``,
    ``seed``, ``mae`` (per-video MAE, bpm); POS and the constant answer (mean HR of each fold's training
    videos) have seed -1. ``report(row)`` is called with each row.
    """
    rows = []
    for name, overrides in rungs:
        videos = prepare_simulated(cfg.preset, cfg.n_subjects, cfg.videos_per_subject, duration_s=cfg.duration_s,
                                   fps=cfg.fps, frame_size=cfg.frame_size, face_px=cfg.face_px, boxes=cfg.boxes,
                                   cheek=cfg.cheek, grid=cfg.grid, seed=data_seed, overrides=overrides,
                                   bframes=cfg.bframes, progress=progress)
        runs = {init: run_cv(videos, cfg, seeds=seeds, init=init, synthetic_state=synthetic_state, device=device,
                             progress=progress) for init in inits}
        for row in rung_rows(name, videos, runs):
            rows.append(row)
            if report is not None:
                report(row)
    return pd.DataFrame(rows)


def zero_shot(videos: VideoSet, cfg, state: dict, seed: int = 0, device="cpu") -> pd.DataFrame:
    """The synthetic pretraining's network on every video before any face training: a per-video table
    like :func:`cross_validate`'s (``fold`` -1), each video's estimate the mean over its clips."""
    model = make_model("synthetic", cfg, hr_offset=0.0, synthetic_state=state)
    maps, _, video = clip_set(videos, np.arange(len(videos)), cfg.clips_per_video, cfg.clip_frames, seed=seed + 1)
    ids, est = per_video_mean(predict(model, prepare_input(maps, cfg.input_size), device=device), video)
    return pd.DataFrame({"video": ids.astype(int), "subject": videos.subjects[ids], "fold": -1,
                         "hr_ref": videos.video_hr[ids], "hr_est": est,
                         "clips": [int(np.sum(video == v)) for v in ids]}).assign(
        init="synthetic only", protocol="none", fraction=0.0, seed=seed)


def plot_fold_hr(folds_hr: pd.DataFrame, title: str = ""):
    """Fig. 7: histograms of the training and test videos' HR, one panel per fold (:func:`fold_hr`)."""
    import matplotlib.pyplot as plt

    folds = sorted(folds_hr["fold"].unique())
    fig, axes = plt.subplots(1, len(folds), figsize=(4 * len(folds), 2.8), sharex=True, sharey=True, squeeze=False)
    axes = axes[0]
    bins = np.arange(np.floor(folds_hr["hr"].min() / 5) * 5, folds_hr["hr"].max() + 5, 5)
    for f, ax in zip(folds, axes):
        part = folds_hr[folds_hr["fold"] == f]
        for name, color in (("train", "C0"), ("test", "C1")):
            ax.hist(part.loc[part["part"] == name, "hr"], bins=bins, alpha=0.6, color=color, label=f"{name} videos")
        ax.set_title(f"fold {f + 1}", fontsize=9)
        ax.set_xlabel("video-mean HR (bpm)")
    axes[0].set_ylabel("videos")
    axes[-1].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def fold_hr(videos: VideoSet, folds: int = 3, protocol: str = "random", seed: int = 0) -> pd.DataFrame:
    """Video-mean HR of every video in every fold, as training or test video (Fig. 7): columns
    ``fold``, ``part`` ("train"/"test"), ``video``, ``hr``."""
    from ...data import cv_folds

    rows = []
    for f, (train, test) in enumerate(cv_folds(list(videos.subjects), protocol, k=folds, seed=seed)):
        for part, idx in (("train", train), ("test", test)):
            rows += [{"fold": f, "part": part, "video": int(v), "hr": float(videos.video_hr[v])} for v in idx]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# tables beside the paper's and the errors the claims compare
# ---------------------------------------------------------------------------

def run_cv(videos: VideoSet, cfg, *, seeds, **kwargs) -> pd.DataFrame:
    """:func:`cross_validate` once per seed, the tables stacked (column ``seed``)."""
    return pd.concat([cross_validate(videos, cfg, seed=int(s), **kwargs) for s in seeds], ignore_index=True)


def abs_errors(table: pd.DataFrame) -> np.ndarray:
    """Absolute per-video errors ``(seeds, videos)`` of a stacked table (videos in index order), the
    layout :func:`rppg_lib.papers.niu2018.claims.decide` pairs."""
    t = table.assign(err=(table["hr_est"] - table["hr_ref"]).abs())
    if "seed" not in t:
        t = t.assign(seed=0)
    return t.pivot_table(index="seed", columns="video", values="err").to_numpy(float)


def with_paper(ours: dict, table: str, paper_rows: dict | None = None, notes: dict | None = None) -> pd.DataFrame:
    """Our rows (label -> per-video table, or None when not run) beside the paper's ``table``.

    ``paper_rows``: our label -> the paper's row name printed beside it; the paper's rows not named
    there are listed after ours with no numbers of ours. ``notes``: label -> a note (why not run,
    which data). Columns: ours (HRme, HRsd, HRrmse, HRmer), the paper's, note.
    """
    from ...results import reported

    paper = reported(KEY)
    paper = paper[paper["table"] == table].pivot_table(index="row", columns="column", values="value", sort=False)
    paper_rows, notes = dict(paper_rows or {}), dict(notes or {})
    metrics = list(METRIC_COLUMNS)
    rows = {}
    for label, t in ours.items():
        mine = hr_row(t) if t is not None else dict.fromkeys(metrics, np.nan)
        p = paper_rows.get(label)
        theirs = paper.loc[p, metrics].to_dict() if p in paper.index else dict.fromkeys(metrics, np.nan)
        rows[label] = {**{("ours", m): mine[m] for m in metrics}, **{("paper", m): theirs[m] for m in metrics},
                       ("", "paper row"): p or "", ("", "note"): notes.get(label, "")}
    for p in paper.index:
        if p not in paper_rows.values():
            rows[f"{p} (paper only)"] = {**{("ours", m): np.nan for m in metrics},
                                         **{("paper", m): paper.loc[p, m] for m in metrics},
                                         ("", "paper row"): p, ("", "note"): ""}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def show(table: pd.DataFrame, digits: int = 2):
    """A table for the page: numbers rounded, missing numbers as a dash."""
    return table.style.format(precision=digits, na_rep="—")
