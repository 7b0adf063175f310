"""What notebooks/niu2018.ipynb computes (Niu et al. 2018, SynRhythm), stage by stage.

1. Face videos -> raw block means per frame (:func:`prepare_simulated`):
   render each video, find the face box (simulator or Haar detector), place
   the cheek region (face box or eyes), average the 10 x 20 blocks
   (:func:`rppg_lib.video.stmap_blocks`). Cached per video under
   ``cache_dir("niu2018")``.
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
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ...evaluate import per_video_mean
from ...metrics import hr_metrics
from ...storage import cache_dir, cache_key, cached_npz, save_torch_atomic
from . import KEY
from .training import predict, prepare_input, train_regressor

__all__ = ["INITS", "METRIC_COLUMNS", "VideoSet", "prepare_simulated", "clip_set", "synthetic_input",
           "pretrain_synthetic", "make_model", "cross_validate", "hr_row", "hr_table"]

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
    regions : (V, 4) the cheek region of each video in fractions of its face box.
    """

    blocks: np.ndarray
    hr: np.ndarray
    subjects: np.ndarray
    fps: float
    source: str
    regions: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))

    def __len__(self) -> int:
        return len(self.blocks)

    @property
    def video_hr(self) -> np.ndarray:
        """Mean reference HR of each whole video (bpm): the paper's per-video ground truth."""
        return self.hr.mean(axis=1)


def _video(preset: str, subject: int, session_seed: int, *, duration_s, fps, frame_size, face_px, boxes, cheek,
           grid) -> dict:
    from ...synth import simulate
    from ...video import CHEEK_REGION, detect_faces, eye_cheek_region, stmap_blocks

    width, height = frame_size
    size = {} if face_px is None else {"face_px": face_px}
    rec = simulate(preset, seed=session_seed, subject=subject, duration_s=duration_s, fps=fps, width=width,
                   height=height, **size)
    if boxes == "truth":
        box = np.asarray(rec.meta["face_box"], float)
    elif boxes == "detect":
        box = np.asarray(detect_faces(rec.frames, every=5, smoothing="mean20").boxes)
    else:
        raise ValueError(f"boxes must be 'truth' or 'detect', got {boxes!r}")
    if cheek == "eyes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no eyes found -> the box rule, recorded in `regions`
            region = eye_cheek_region(rec.frames, box)
    elif cheek == "box":
        region = CHEEK_REGION
    else:
        raise ValueError(f"cheek must be 'box' or 'eyes', got {cheek!r}")
    blocks = stmap_blocks(rec.frames, box, tuple(grid), region=region)
    return {"blocks": blocks.astype(np.float32), "hr": np.asarray(rec.hr, float), "region": np.asarray(region)}


def prepare_simulated(preset: str, n_subjects: int, videos_per_subject: int, *, duration_s: float, fps: float,
                      frame_size=(192, 144), face_px: float | None = 72.0, boxes: str = "truth", cheek: str = "box",
                      grid=(10, 20), seed: int = 0, cache: bool = True, progress: bool = True) -> VideoSet:
    """Render ``n_subjects`` x ``videos_per_subject`` videos of ``preset`` and take their block means.

    Video ``k`` of subject ``s`` is session seed ``1000 * seed + k`` of subject ``s`` (the simulator
    draws a subject's traits from ``s`` and the session's HR and nuisances from the seed). Each
    video's result is cached on its own (``cache=False``: nothing is stored).
    """
    from ...synth import SIMULATOR_VERSION

    jobs = [(s, 1000 * seed + k) for s in range(n_subjects) for k in range(videos_per_subject)]
    opts = dict(duration_s=float(duration_s), fps=float(fps), frame_size=tuple(frame_size), face_px=face_px,
                boxes=boxes, cheek=cheek, grid=tuple(grid))
    if progress:
        from tqdm import tqdm

        jobs = tqdm(jobs, desc=f"videos ({preset})", unit="video")
    out = []
    for subject, session in jobs:
        params = dict(preset=preset, subject=subject, session=session, simulator=SIMULATOR_VERSION, version=1,
                      **opts)
        file = cache_dir(KEY) / "videos" / f"{cache_key(params, 24)}.npz" if cache else None
        data, _ = cached_npz(file, lambda s=subject, e=session: _video(preset, s, e, **opts))
        out.append(data)
    return VideoSet(np.stack([d["blocks"] for d in out]), np.stack([d["hr"] for d in out]),
                    np.array([f"{preset}-s{s:02d}" for s in range(n_subjects) for _ in range(videos_per_subject)]),
                    float(fps), f"simulated: {preset}", np.stack([d["region"] for d in out]))


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
        m, starts = random_clips(videos.blocks[v], clips_per_video, clip_frames, seed=int(seed) * 100_003 + int(v))
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


def make_model(init: str, cfg, hr_offset: float, synthetic_state: dict | None = None):
    """A :class:`~rppg_lib.models.ResNet18Regressor` initialised as ``init`` (a key of :data:`INITS`).

    Its output is ``hr_offset + network(x)``; the caller passes the mean HR of the clips it trains
    on, so every initialisation starts centred on the training data (ours, not the paper's). For the
    synthetic pretraining the offset is re-set after loading its weights: the network keeps what it
    learned about deviations from the synthetic maps' mean and starts from the face videos' mean.
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
                                  input_size=cfg.input_size, hr_offset=hr_offset)
    if init.endswith("synthetic"):
        if synthetic_state is None:
            raise ValueError(f"init {init!r} needs the synthetic pretraining's weights (pretrain_synthetic)")
        model.load_state_dict(synthetic_state)
        model.hr_offset.fill_(float(hr_offset))
    return model


def pretrain_synthetic(cfg, *, imagenet: bool = False, seed: int = 0, device="cpu", cache: bool = True,
                       progress: bool = True) -> dict:
    """Weights of a regressor trained on ``cfg.synthetic_maps`` synthetic maps for
    ``cfg.synthetic_epochs`` (from ImageNet weights with ``imagenet``); cached per setting."""
    params = dict(n=cfg.synthetic_maps, epochs=cfg.synthetic_epochs, T=cfg.clip_frames, fps=cfg.fps,
                  size=None if cfg.input_size is None else list(cfg.input_size), lr=cfg.lr, batch=cfg.batch_size,
                  blocks=int(np.prod(cfg.grid)), imagenet=cfg.imagenet_weights if imagenet else None, seed=seed,
                  version=1)
    file = cache_dir(KEY) / "synthetic" / f"pretrained-{cache_key(params, 24)}.pt" if cache else None
    if file is not None and file.is_file():
        return torch.load(file, map_location="cpu", weights_only=True)
    x, hr = synthetic_input(cfg.synthetic_maps, cfg.clip_frames, cfg.fps, cfg.input_size, seed=seed,
                            n_blocks=int(np.prod(cfg.grid)), cache=cache, progress=progress)
    torch.manual_seed(seed)
    model = make_model("imagenet" if imagenet else "scratch", cfg, hr_offset=float(np.mean(hr)))
    train_regressor(model, x, hr, epochs=cfg.synthetic_epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed,
                    device=device, progress=progress)
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    if file is not None:
        save_torch_atomic(state, file)
    return state


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
        model = make_model(init, cfg, hr_offset=float(np.mean(hr)), synthetic_state=synthetic_state)
        train_regressor(model, x, hr, epochs=cfg.epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed * 1000 + f,
                        device=device, progress=progress)
        test_maps, _, test_video = clip_set(videos, test_idx, cfg.clips_per_video, cfg.clip_frames, seed=seed + 1)
        pred = predict(model, prepare_input(test_maps, cfg.input_size), device=device)
        ids, est = per_video_mean(pred, test_video)
        for v, e in zip(ids, est):
            rows.append({"video": int(v), "subject": videos.subjects[v], "fold": f,
                         "hr_ref": float(videos.video_hr[v]), "hr_est": float(e),
                         "clips": int(np.sum(test_video == v))})
    table = pd.DataFrame(rows).sort_values("video").reset_index(drop=True)
    return table.assign(init=init, protocol=protocol, fraction=fraction, seed=seed)


def hr_row(table: pd.DataFrame) -> dict:
    """HRme, HRsd, HRrmse (bpm) and HRmer (%) of a per-video table (columns ``hr_est``, ``hr_ref``)."""
    m = hr_metrics(table["hr_est"], table["hr_ref"])
    return {name: m[key] for name, key in METRIC_COLUMNS.items()}


def hr_table(runs: dict) -> pd.DataFrame:
    """One :func:`hr_row` per named run (name -> per-video table)."""
    return pd.DataFrame({name: hr_row(t) for name, t in runs.items()}).T
