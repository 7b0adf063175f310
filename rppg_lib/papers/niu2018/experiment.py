"""What notebooks/niu2018.ipynb computes (Niu et al. 2018, SynRhythm), stage by stage.

1. Face videos -> raw block means per frame (:func:`look_videos`): the sessions of a look-alike
   (:func:`rppg_lib.lookalike.lookalike`: ``mahnob-like`` for Tables I, III, IV, ``mmse-like`` for
   Table II), rendered once for every chapter at the real dataset's face size, frame rate and codec and
   stored as face crops (:func:`rppg_lib.clips.render_session`). From the decoded crops
   (:func:`session_blocks`): the simulator's face box mapped into the crop, the cheek region (face box
   or eyes), the 10 x 20 block means (:func:`rppg_lib.video.stmap_blocks`), and a block mean over
   ``round(native / fps)`` frames (:func:`rppg_lib.clips.block_mean`: 61 -> 15.25 fps). The classical
   methods run on the session's stored trace under the real dataset's published protocol
   (:data:`rppg_lib.lookalike.PROTOCOLS`, native frame rate): the Table I baselines and the
   fidelity of the data (:func:`fidelity`). Cached per session through :func:`rppg_lib.storage.cached`.
2. Clips (:func:`clip_set`): random clips per video, each scaled to a map over its own frames
   (:func:`rppg_lib.video.random_clips`), labelled with the mean reference HR over the clip's frames.
3. Training (:func:`cross_validate`): 3-fold cross-validation over videos
   (random or subject-exclusive, :func:`rppg_lib.data.cv_folds`); in each fold
   a ResNet-18 regressor is trained on the training videos' clips, from
   scratch (stage I), from the synthetic-rhythm pretraining (:func:`pretrain_synthetic`,
   "synthetic -> face", the offline form of stage III) or from ImageNet weights
   (stages II and III, only with a local weight file), and predicts every clip
   of the test videos; a video's HR is the mean of its clips' predictions.
4. Metrics per table row (:func:`hr_row`): HRme, HRsd, HRrmse, HRmer; the learning ladder
   (:func:`run_ladder`, the rungs of :data:`rppg_lib.ladder.RUNGS`) and the run record's
   ``learning`` entry (:func:`learning_record`).

The Hsu 2014-style SVR baseline of Table I (and II) is in :mod:`.hsu2014`: the same folds and clips.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ... import ladder as _ladder
from ...baselines import constant_answer
from ...chapter import training_checkpoint
from ...evaluate import per_video_mean
from ...ladder import RungData, rung_overrides
from ...metrics import hr_metrics
from ...model_store import save_model, st_map_input
from ...storage import cache_file, cached, save_torch_atomic
from ...train.loop import data_fingerprint
from . import KEY
from .training import predict, prepare_input, train_regressor

__all__ = ["INITS", "METRIC_COLUMNS", "VideoSet", "SESSION_VERSION", "crop_face_boxes", "session_blocks",
           "look_videos", "table2_look", "table2_settings", "fidelity", "classical_table", "clip_seed", "clip_set",
           "synthetic_input", "Pretrained", "SYNTHETIC_TEST_MAPS", "pretrain_synthetic", "make_model", "recentre",
           "target_scale", "baseline_table", "constant_table", "zero_shot", "fold_hr", "plot_fold_hr",
           "seed_constant", "rung_rows", "run_ladder", "learning_record", "run_cv", "abs_errors", "hr_rows",
           "show", "cross_validate", "video_rows", "hr_row", "hr_table", "STORED_MODEL", "store_network"]

#: Network initialisations: name -> what it is (Table III and the offline variant).
INITS = {
    "scratch": "Stage I: face videos only",
    "imagenet": "Stage II: ImageNet -> face videos",
    "imagenet+synthetic": "Stage III: ImageNet -> synthetic -> face videos",
    "synthetic": "synthetic -> face videos (stage III without ImageNet)",
}
#: The paper's metric names -> keys of :func:`rppg_lib.metrics.hr_metrics`.
METRIC_COLUMNS = {"HRme": "me", "HRsd": "sd", "HRrmse": "rmse", "HRmer": "mer"}
#: Bumped when what :func:`session_blocks` computes changes (invalidates its cache).
SESSION_VERSION = 1
#: Bumped when what :func:`pretrain_synthetic` trains changes (invalidates its cache).
PRETRAINED_VERSION = 3
#: The name the chapter's main network is stored under for ``rppg predict --model`` (:func:`store_network`).
STORED_MODEL = "niu2018-resnet18"


@dataclass
class VideoSet:
    """Raw block means of face videos and their reference HR.

    blocks : (V, T, n, 3) float32 block means per frame; hr : (V, T) reference HR per frame (bpm);
    subjects : (V,) subject ids; fps : frame rate; source : what the videos are;
    regions : (V, 4) the cheek region of each video in fractions of its face box;
    filled : (V,) frames of each video whose face box was carried or interpolated from other frames
    (:func:`rppg_lib.video.complete_boxes`), 0 when the boxes are the simulator's;
    dropped : the videos left out because no face was found in them, each as ``"name: why"``;
    classical : on a look-alike, one row per video and classical method under the real dataset's published
    protocol on the native frames (``video``, ``method``, ``hr_est``, ``hr_ref`` the protocol's reference
    HR, ``abs_err``), None on real data; preset : the look-alike's preset (None on real data);
    extra : the simulator overrides on top of the look-alike (an easy rung of the ladder), ``{}`` for the
    look-alike itself.
    """

    blocks: np.ndarray
    hr: np.ndarray
    subjects: np.ndarray
    fps: float
    source: str
    regions: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    filled: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    dropped: tuple = ()
    classical: pd.DataFrame | None = None
    preset: str | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.blocks)

    @property
    def video_hr(self) -> np.ndarray:
        """Mean reference HR of each whole video (bpm): the paper's per-video ground truth."""
        return self.hr.mean(axis=1)


def crop_face_boxes(preset: str, subject: int, seed: int, overrides: dict, crop: int) -> np.ndarray:
    """The simulator's face box of every frame of a session, in the pixels of its stored ``crop`` x ``crop``
    face crops (:func:`rppg_lib.clips.render_session`): the crops are the sticky box (the face box with a
    50 % margin, moved only when the face leaves it) area-resized, so the face box is mapped by the same
    shift and scale. The session's physiology and motion are drawn again (no frame is rendered)."""
    from ...synth import Scene
    from ...video.detect import smooth_boxes

    scene = Scene(preset, int(seed), subject=int(subject), **dict(sorted(dict(overrides).items())))
    truth = scene.face_boxes()
    sticky = smooth_boxes(truth, smoothing="sticky", margin=0.5)
    # the corners face_crops cuts: rounded to pixels, at least one pixel wide
    corners = np.rint(np.column_stack([sticky[:, :2], sticky[:, :2] + sticky[:, 2:]]))
    corners[:, 2:] = np.maximum(corners[:, 2:], corners[:, :2] + 1)
    scale = crop / (corners[:, 2:] - corners[:, :2])
    return np.column_stack([(truth[:, :2] - corners[:, :2]) * scale, truth[:, 2:] * scale])


def _session_blocks(preset, subject, seed, overrides, crop, fps, grid, cheek) -> dict:
    from ...clips import CLASSICAL, block_mean, render_session
    from ...lookalike import PROTOCOLS, protocol_error
    from ...video import CHEEK_REGION, eye_cheek_region, stmap_blocks

    d = render_session(preset, subject, seed, overrides, crop=crop)
    crops = np.asarray(d["crops"])
    boxes = crop_face_boxes(preset, subject, seed, overrides, crop)
    if cheek == "eyes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no eyes found -> the box rule, recorded in `region`
            region = eye_cheek_region(crops, boxes)
    else:
        region = CHEEK_REGION
    native = float(d["fps"])
    step = max(1, int(round(native / float(fps))))
    blocks = stmap_blocks(crops, boxes, tuple(grid), region=region)  # (T, n, 3) at the native rate
    protocol = PROTOCOLS.get(preset)
    est, ref = [], []
    for method in CLASSICAL if protocol is not None else ():
        e, r = protocol_error(d["toolbox"], d["ppg"], native, protocol, method.lower())
        est.append(e)
        ref.append(r)
    return {"blocks": block_mean(blocks, step).astype(np.float32),
            "hr": block_mean(np.asarray(d["hr"], float), step), "fps": native / step, "native_fps": native,
            "step": step, "region": np.asarray(region, float), "skin_type": int(d["skin_type"]),
            "methods": np.array(CLASSICAL if protocol is not None else (), dtype=str),
            "hr_est": np.asarray(est, float), "hr_ref": np.asarray(ref, float)}


def session_blocks(preset: str, subject: int, seed: int, overrides: dict, *, crop: int, fps: float, grid,
                   cheek: str = "box") -> dict:
    """One look-alike session as this chapter's block means: ``blocks`` ``(T, n, 3)`` float32 at ``fps``
    (the mean of every ``round(native / fps)`` decoded frames), ``hr`` ``(T,)``, ``fps``, ``native_fps``,
    ``region`` (the cheek region in fractions of the face box), ``skin_type``, and the classical methods
    under the preset's published protocol at the native rate (``methods``, ``hr_est``, ``hr_ref``).

    The frames are the session's stored face crops (:func:`rppg_lib.clips.render_session`, shared with the
    other chapters), the face box the simulator's mapped into them (:func:`crop_face_boxes`); block means
    are linear, so the block mean in time of the block means is the block mean of the frames. Cached through
    :func:`rppg_lib.storage.cached` under ``cache_dir("niu2018")/lookalike``, keyed by the session, the
    preset's resolved parameters and the settings that shape the result.
    """
    from ...storage import jsonable
    from ...synth.presets import resolve

    if cheek not in ("box", "eyes"):
        raise ValueError(f"cheek must be 'box' or 'eyes', got {cheek!r}")
    overrides = dict(sorted(dict(overrides).items()))
    params = {"preset": preset, "subject": int(subject), "seed": int(seed), "overrides": overrides,
              "crop": int(crop), "fps": float(fps), "grid": [int(g) for g in grid], "cheek": cheek,
              "resolved": jsonable(resolve(preset, {**overrides, "subject": int(subject)}))}
    data, _ = cached(KEY, params, lambda: _session_blocks(preset, int(subject), int(seed), overrides, int(crop),
                                                          float(fps), grid, cheek),
                     version=SESSION_VERSION, folder="lookalike")
    return data


def look_videos(look, cfg, *, extra: dict | None = None, progress: bool = True) -> VideoSet:
    """Every session of the look-alike ``look`` (:class:`rppg_lib.lookalike.LookAlike`) as a :class:`VideoSet`
    (:func:`session_blocks` with the settings' ``crop``, ``fps``, ``grid`` and ``cheek``); sessions not yet
    cached are rendered first on ``cfg.render_workers`` processes (:func:`rppg_lib.clips.render_sessions`). ``extra``:
    simulator overrides on top of the look-alike (an easy rung of :data:`rppg_lib.ladder.RUNGS`); such
    data are not the look-alike, the source says so and :func:`fidelity` is empty for them."""
    from ...clips import render_sessions

    extra = dict(extra or {})
    render_sessions(look, extra=extra, crop=cfg.crop, workers=cfg.render_workers, progress=progress)
    sessions = look.sessions()
    if progress:
        from tqdm import tqdm

        sessions = tqdm(sessions, desc=f"{look.preset} sessions", unit="video")
    out, rows = [], []
    for k, (subject, scenario, seed) in enumerate(sessions):
        d = session_blocks(look.preset, subject, seed, {**look.overrides(scenario), **extra}, crop=cfg.crop,
                           fps=cfg.fps, grid=cfg.grid, cheek=cfg.cheek)
        out.append({**d, "subject": f"{look.preset}-s{subject:02d}"})
        rows += [{"video": k, "method": str(m), "hr_est": float(e), "hr_ref": float(r), "abs_err": abs(e - r)}
                 for m, e, r in zip(d["methods"], d["hr_est"], d["hr_ref"])]
    n = min(len(d["hr"]) for d in out)
    fps = float(out[0]["fps"])
    source = f"simulated: {look.name}" + (f" + {dict(sorted(extra.items()))}" if extra else "")
    return VideoSet(np.stack([d["blocks"][:n] for d in out]), np.stack([d["hr"][:n] for d in out]),
                    np.array([d["subject"] for d in out]), fps, source, np.stack([d["region"] for d in out]),
                    np.zeros(len(out), int), (), pd.DataFrame(rows, columns=["video", "method", "hr_est", "hr_ref",
                                                                            "abs_err"]), look.preset, extra)


def table2_look(cfg, profile: str):
    """Table II's look-alike: ``cfg.preset_table2`` at ``profile``, with at least ``cfg.table2_subjects``
    subjects (None: the look-alike's own)."""
    from ...lookalike import lookalike

    look = lookalike(cfg.preset_table2, profile)
    if cfg.table2_subjects is not None and cfg.table2_subjects > look.n_subjects:
        look = lookalike(cfg.preset_table2, profile, n_subjects=int(cfg.table2_subjects))
    return look


def table2_settings(cfg, videos: VideoSet, videos2: VideoSet):
    """The settings Table II's videos are cut and fed with: clips of the same seconds as Table I's
    (``clip_frames`` scaled by the two frame rates) resized to Table I's input size (200 x ``clip_frames``
    when the settings keep the maps' size), so the synthetic pretraining, drawn at Table I's rate, sees
    a heartbeat over as many map columns in both tables."""
    frames = max(2, int(round(cfg.clip_frames * videos2.fps / videos.fps)))
    size = cfg.input_size if cfg.input_size is not None else (int(np.prod(cfg.grid)), cfg.clip_frames)
    return dataclasses.replace(cfg, clip_frames=frames, input_size=tuple(size))


def fidelity(videos: VideoSet, videos_idx=None) -> dict:
    """``metrics["fidelity"][preset]`` of a look-alike :class:`VideoSet` (optionally only the videos
    ``videos_idx``): each classical method's error under the published protocol beside the published one
    (:func:`rppg_lib.lookalike.fidelity_rows`). Empty for an easy rung or real data: no claim about accuracy
    is decided there (:func:`rppg_lib.claims.fidelity_precondition`)."""
    from ...lookalike import fidelity_rows

    if videos.extra or videos.classical is None or videos.preset is None:
        return {}
    t = videos.classical
    if videos_idx is not None:
        t = t[t.video.isin([int(v) for v in videos_idx])]
    return fidelity_rows(videos.preset, {m: part["abs_err"].to_numpy(float) for m, part in t.groupby("method")})


def classical_table(videos: VideoSet, methods=("POS", "CHROM")) -> pd.DataFrame:
    """Classical methods, one HR per whole video: on a look-alike the published protocol's estimates
    (:attr:`VideoSet.classical`: the session's stored trace at the native rate), on real data
    :func:`baseline_table` (the cheek region's mean colour). Columns ``video``, ``subject``, ``method``,
    ``hr_ref`` (the video's mean reference HR, the networks' reference), ``hr_est``."""
    if videos.classical is None:
        return baseline_table(videos, methods)
    t = videos.classical[videos.classical.method.isin(methods)]
    return pd.DataFrame({"video": t.video.to_numpy(int), "subject": videos.subjects[t.video.to_numpy(int)],
                         "method": t.method.to_numpy(), "hr_ref": videos.video_hr[t.video.to_numpy(int)],
                         "hr_est": t.hr_est.to_numpy(float)}).reset_index(drop=True)


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
                    chunk: int = 256, cache: bool = True, progress: bool = True, noise_sd=None,
                    colour: bool = False):
    """``n`` synthetic rhythm maps (Sec. III-B) as network input ``(n, 3, h, w)`` float32 and their HR.

    ``noise_sd``: the SD of each row's noise (:func:`rppg_lib.synth.synthetic_rhythm_maps`; None: its default),
    or ``(low, high)``: every map draws its own SD, log-uniform in that range. Built in chunks (the full-size
    uint8 maps of a chunk at a time) and cached as network input. ``colour``: the maps of
    :func:`~.colour_maps.colour_rhythm_maps` (a pulse colour and a common-mode term, ours) instead of the
    paper's.
    """
    from ...synth import synthetic_rhythm_maps
    from ...synth.rhythm import NOISE_SD, RHYTHM_VERSION

    noise = NOISE_SD if noise_sd is None else noise_sd
    spread = np.ndim(noise) > 0

    def draw(count: int, start: int):
        s0 = seed * 1_000_003 + start
        if colour:
            from .colour_maps import colour_rhythm_maps

            return colour_rhythm_maps(count, clip_frames, fps, seed=s0, n_blocks=n_blocks, noise_sd=noise)
        if not spread:
            return synthetic_rhythm_maps(count, clip_frames, fps, seed=s0, n_blocks=n_blocks, noise_sd=float(noise))
        lo, hi = np.log(np.asarray(noise, float))
        sds = np.exp(np.random.default_rng([s0, 7]).uniform(lo, hi, count))
        parts = [synthetic_rhythm_maps(1, clip_frames, fps, seed=s0 + i, n_blocks=n_blocks, noise_sd=float(sd))
                 for i, sd in enumerate(sds)]
        return np.concatenate([m for m, _ in parts]), np.concatenate([h for _, h in parts])

    def compute():
        xs, hrs = [], []
        starts = range(0, n, chunk)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="synthetic rhythm maps", unit="chunk")
        for s in starts:
            maps, hr = draw(min(chunk, n - s), s)
            xs.append(prepare_input(maps, input_size).numpy())
            hrs.append(hr)
        return {"x": np.concatenate(xs), "hr": np.concatenate(hrs)}

    params = dict(n=n, T=clip_frames, fs=float(fps), size=None if input_size is None else list(input_size),
                  seed=seed, n_blocks=n_blocks, chunk=chunk, rhythm=RHYTHM_VERSION,
                  noise=list(np.atleast_1d(noise).astype(float)), **({"colour": True} if colour else {}))
    data, _ = cached(KEY, params, compute, version=None, simulator=False, layout="flat", folder="synthetic",
                     prefix="input-", length=24, use_cache=cache)
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


def pretrain_synthetic(cfg, *, fps: float | None = None, imagenet: bool = False, seed: int = 0, device="cpu",
                       cache: bool = True, progress: bool = True, chapter=None) -> Pretrained:
    """Train a regressor on synthetic rhythm maps (from ImageNet weights with ``imagenet``); cached per setting.
    With the run's ``chapter`` the training checkpoints into its folder (:func:`rppg_lib.chapter.training_checkpoint`)
    and a rerun of a killed run resumes it.

    ``fps``: the frame rate the maps are drawn at, the face videos' (a block mean of the native frames
    gives 15.25 fps on ``mahnob-like``, not the setting's 15); None: the setting ``fps``.

    Every epoch draws ``cfg.synthetic_maps`` new maps (the generator is cheap, and the paper's point
    is that synthetic maps are unlimited), and the learning rate decays from ``cfg.lr`` to 0 on a
    cosine (ours; the paper names no schedule). Measured on the book's sizes: at a constant rate the
    held-out error jumped between 12 and 54 bpm from one epoch to the next; with the decay it fell
    to 3-5 bpm, against about 49 bpm for the constant answer.
    """
    from ...synth.rhythm import RHYTHM_VERSION

    fs = float(cfg.fps if fps is None else fps)
    params = dict(n=cfg.synthetic_maps, epochs=cfg.synthetic_epochs, T=cfg.clip_frames, fps=fs,
                  size=None if cfg.input_size is None else list(cfg.input_size), lr=cfg.lr, batch=cfg.batch_size,
                  blocks=int(np.prod(cfg.grid)), imagenet=cfg.imagenet_weights if imagenet else None, seed=seed,
                  scale_target=cfg.scale_target, test=SYNTHETIC_TEST_MAPS, rhythm=RHYTHM_VERSION,
                  noise=list(np.atleast_1d(cfg.synthetic_noise).astype(float)),
                  **({"colour": True} if cfg.synthetic_colour else {}))
    file = cache_file(KEY, params, version=PRETRAINED_VERSION, simulator=False, layout="flat", folder="synthetic",
                      prefix="pretrained-", suffix=".pt", length=24) if cache else None
    if file is not None and file.is_file():
        saved = torch.load(file, map_location="cpu", weights_only=True)
        return Pretrained(saved["state"], list(saved["test_mae"]), float(saved["constant_mae"]))
    n_blocks = int(np.prod(cfg.grid))

    sets = {}

    def epoch_set(epoch):  # new maps every epoch, seeded by (seed, epoch); one epoch's set in memory
        if epoch not in sets:
            sets.clear()
            sets[epoch] = synthetic_input(cfg.synthetic_maps, cfg.clip_frames, fs, cfg.input_size,
                                          seed=seed * 1000 + epoch, n_blocks=n_blocks, cache=False, progress=False,
                                          noise_sd=cfg.synthetic_noise, colour=cfg.synthetic_colour)
        return sets[epoch]

    test_x, test_hr = synthetic_input(SYNTHETIC_TEST_MAPS, cfg.clip_frames, fs, cfg.input_size, seed=10_000 + seed,
                                      n_blocks=n_blocks, chunk=SYNTHETIC_TEST_MAPS, cache=False, progress=False,
                                      noise_sd=cfg.synthetic_noise, colour=cfg.synthetic_colour)
    torch.manual_seed(seed)
    first_hr = epoch_set(0)[1]
    model = make_model("imagenet" if imagenet else "scratch", cfg, hr_offset=float(np.mean(first_hr)),
                       hr_scale=target_scale(cfg, first_hr))
    result = train_regressor(
        model, lambda e: epoch_set(e)[0], lambda e: epoch_set(e)[1], epochs=cfg.synthetic_epochs, lr=cfg.lr,
        batch_size=cfg.batch_size, seed=seed, device=device, progress=progress, schedule="cosine",
        on_epoch=lambda e, m: {"synthetic_test_mae": float(np.mean(np.abs(predict(m, test_x, device=device)
                                                                          - test_hr)))},
        checkpoint_dir=training_checkpoint(chapter, "pretraining", "imagenet+synthetic" if imagenet else "synthetic",
                                           f"seed{seed}"))
    test_mae = [h["synthetic_test_mae"] for h in result.history]
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    out = Pretrained(state, test_mae, float(np.mean(np.abs(test_hr - np.mean(test_hr)))))
    if file is not None:
        save_torch_atomic({"state": out.state, "test_mae": out.test_mae, "constant_mae": out.constant_mae}, file)
    return out


def cross_validate(videos: VideoSet, cfg, *, protocol: str = "random", init: str = "scratch", fraction: float = 1.0,
                   synthetic_state: dict | None = None, seed: int = 0, device="cpu",
                   progress: bool = True, chapter=None, store: str | None = None) -> pd.DataFrame:
    """``cfg.folds``-fold cross-validation of the map regressor: one row per video.

    protocol : ``"random"`` or ``"subject"`` (:func:`rppg_lib.data.cv_folds`).
    init : a key of :data:`INITS`; ``"synthetic"`` / ``"imagenet+synthetic"`` need ``synthetic_state``.
    fraction : share of the training clips kept (Fig. 6), drawn at random per fold.
    chapter : the run's :class:`rppg_lib.chapter.Chapter`: each fold's training checkpoints into its folder
        (named by init, data, protocol, fraction, seed and fold) and a rerun of a killed run resumes it.
    store : with ``chapter``, the first fold's trained network is stored under this name for
        ``rppg predict --model`` (:func:`store_network`).
    Columns: ``video``, ``subject``, ``fold``, ``hr_ref`` (video mean), ``hr_est`` (mean of its clips'
    predictions), ``clips``, plus ``init``, ``protocol``, ``fraction`` and ``seed``.
    """
    from ...data import cv_folds

    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rows = []
    data = (videos.preset or "real") + (f"+{data_fingerprint(sorted(videos.extra.items(), key=str))[:8]}"
                                        if videos.extra else "")
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
        lr = cfg.lr
        if init.endswith("synthetic"):
            recentre(model, x, hr, device=device)
            lr = cfg.lr if cfg.finetune_lr is None else cfg.finetune_lr
        train_regressor(model, x, hr, epochs=cfg.epochs, lr=lr, batch_size=cfg.batch_size, seed=seed * 1000 + f,
                        device=device, progress=progress,
                        checkpoint_dir=training_checkpoint(chapter, init, data, protocol, f"frac{fraction:g}",
                                                           f"seed{seed}", f"fold{f}"))
        test_maps, _, test_video = clip_set(videos, test_idx, cfg.clips_per_video, cfg.clip_frames, seed=seed + 1)
        pred = predict(model, prepare_input(test_maps, cfg.input_size), device=device)
        fold_rows = video_rows(videos, f, pred, test_video)
        if store and chapter is not None and f == 0:
            store_network(chapter, store, model, videos, cfg, pd.DataFrame(fold_rows), seed=seed, init=init)
        rows += fold_rows
    table = pd.DataFrame(rows).sort_values("video").reset_index(drop=True)
    return table.assign(init=init, protocol=protocol, fraction=fraction, seed=seed)


def store_network(chapter, name: str, model, videos: VideoSet, cfg, fold_table: pd.DataFrame, *, seed: int,
                  init: str):
    """Store ``model``, one fold's trained regressor, as ``name`` for ``rppg predict --model``
    (:func:`rppg_lib.model_store.save_model` into the run's results folder): rebuilt by
    :func:`rppg_lib.model_store.build_map_regressor`, with the map it reads (:func:`rppg_lib.model_store.st_map_input`:
    the maps' frame rate, clip length, block grid, cheek region and input size) and, as its ``test_mae``, the
    per-video MAE on that fold's test videos (``fold_table``, :func:`video_rows`)."""
    from ...video import CHEEK_REGION

    boxes = (f"the simulator's face boxes ({videos.preset} look-alike)" if videos.preset is not None
             else "Haar face boxes (detect_faces every 5 frames, mean of 20)")
    spec = st_map_input(videos.fps, cfg.clip_frames, cfg.grid, cfg.cheek, cfg.input_size,
                        region=CHEEK_REGION if cfg.cheek == "box" else None, boxes=boxes,
                        hr_offset=float(model.hr_offset), hr_scale=float(model.hr_scale),
                        clip_reader="rppg_lib.papers.niu2018.training:map_clips_hr")
    return save_model(chapter, name, model, builder="rppg_lib.model_store:build_map_regressor",
                      builder_kwargs={"input_size": cfg.input_size}, input_spec=spec, data=videos.source,
                      metrics={"test_mae": _mae(fold_table), "test_videos": int(len(fold_table)),
                               "fold": int(fold_table["fold"].iloc[0]), "seed": int(seed), "init": init})


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


def metric_row(table: pd.DataFrame) -> dict:
    """:func:`hr_row` with plain floats: the row the run record stores (JSON) for a per-video table."""
    return {k: float(v) for k, v in hr_row(table).items()}


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
        out.append(part.assign(hr_est=constant_answer(videos.video_hr[train]), init="constant"))
    return pd.concat(out).sort_values(["seed", "video"]).reset_index(drop=True)


def _model_name(init: str) -> str:
    """Short name of an initialisation: "Stage I", "synthetic -> face videos", ..."""
    return INITS[init].split(":")[0].split(" (")[0]


def _mae(table: pd.DataFrame) -> float:
    return float(np.mean(np.abs(table["hr_est"] - table["hr_ref"])))


def seed_constant(videos: VideoSet, cfg, seed: int, protocol: str = "random") -> pd.DataFrame:
    """The constant answer of the folds :func:`cross_validate` draws with ``seed``: every test video of a fold
    gets the mean reference HR of that fold's training videos (:func:`rppg_lib.baselines.constant_answer`)."""
    from ...data import cv_folds

    out = []
    for f, (train, test) in enumerate(cv_folds(list(videos.subjects), protocol, k=cfg.folds, seed=seed)):
        test = np.asarray(test, int)
        out.append(pd.DataFrame({"video": test, "fold": f, "seed": int(seed), "hr_ref": videos.video_hr[test],
                                 "hr_est": constant_answer(videos.video_hr[np.asarray(train, int)])}))
    return pd.concat(out).sort_values("video").reset_index(drop=True)


def _rung(videos: VideoSet, constant: dict) -> RungData:
    """A ladder step on ``videos``: the constant answer per seed (``constant``: seed -> per-video table) and POS
    (:func:`classical_table`), per-video absolute errors in video order."""
    pos = classical_table(videos, ("POS",))
    return RungData(videos, {s: abs_errors(t).ravel() for s, t in constant.items()}, {"POS": abs_errors(pos).ravel()})


def rung_rows(name: str, videos: VideoSet, runs: dict) -> list:
    """Rows of one ladder step already run (``runs``: init -> stacked :func:`cross_validate` tables) in the one
    ladder layout (:func:`rppg_lib.ladder.rows`): the constant answer of the runs' folds, POS and each network's
    per-video MAE per seed, learned or not by the one rule against the constant answer of the same seed's folds."""
    any_run = next(iter(runs.values()))
    c = constant_table(videos, any_run)
    step = _rung(videos, {int(seed): t for seed, t in c.groupby("seed")})
    models = {_model_name(init): {int(seed): (abs_errors(t).ravel(), 0.0) for seed, t in table.groupby("seed")}
              for init, table in runs.items()}
    return _ladder.rows(name, step, models)


def run_ladder(cfg, look, *, rungs=(), inits=("scratch",), synthetic_state: dict | None = None, seeds=(0,),
               device="cpu", progress: bool = True, log=None, chapter=None) -> pd.DataFrame:
    """Train each of ``inits`` (random split) on the easy rungs ``rungs`` (names of
    :data:`rppg_lib.ladder.RUNGS`) and score it per video (:func:`rppg_lib.ladder.run_ladder`, its one table).

    Each rung is the look-alike ``look`` rendered with the rung's overrides (:func:`look_videos`);
    ``"synthetic"`` needs ``synthetic_state``. The baselines are POS and the constant answer of each seed's folds
    (:func:`seed_constant`). The ladder's top rung, the look-alike itself, is the caller's (the runs of Table III,
    through :func:`rung_rows`). With the run's ``chapter`` each finished training is kept and a rerun of a killed
    run trains only the rest.
    """
    def prepare(rung, _sessions):
        videos = look_videos(look, cfg, extra=rung_overrides(rung), progress=progress)
        return _rung(videos, {int(s): seed_constant(videos, cfg, int(s)) for s in seeds})

    def recipe(init):
        def fit(videos, seed):
            t = cross_validate(videos, cfg, seed=int(seed), init=init, synthetic_state=synthetic_state, device=device,
                               progress=progress)
            return abs_errors(t).ravel()
        return fit

    return _ladder.run_ladder(rungs, prepare, {_model_name(i): recipe(i) for i in inits}, seeds=seeds, log=log,
                              chapter=chapter, settings=repr((cfg, look, inits)))


def learning_record(videos: VideoSet, runs: dict, constant: pd.DataFrame) -> dict:
    """The run record's ``metrics["learning"]``: ``data`` (the look-alike), ``constant_mae`` (the training
    mean of each fold), ``pos_mae`` (:func:`classical_table`) and ``models``: network name -> per-video MAE
    per seed (``runs``: init -> stacked :func:`cross_validate` tables)."""
    pos = classical_table(videos, ("POS",))
    data = f"{videos.preset} look-alike" if videos.preset else videos.source
    if videos.extra:
        data += f" + {dict(sorted(videos.extra.items()))}"
    return {"data": data, "constant_mae": _mae(constant), "pos_mae": _mae(pos),
            "models": {_model_name(init): [_mae(t) for _, t in table.groupby("seed")] for init, table in runs.items()}}


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

def run_cv(videos: VideoSet, cfg, *, seeds, store: str | None = None, **kwargs) -> pd.DataFrame:
    """:func:`cross_validate` once per seed, the tables stacked (column ``seed``); ``store`` (with ``chapter``):
    the first seed's first fold's network is stored under that name (:func:`store_network`)."""
    return pd.concat([cross_validate(videos, cfg, seed=int(s), store=store if k == 0 else None, **kwargs)
                      for k, s in enumerate(seeds)], ignore_index=True)


def fraction_runs(videos: VideoSet, cfg, full: dict, *, seeds, synthetic_state, device="cpu", chapter=None) -> dict:
    """Fig. 6: Stage I (``"scratch"``) and synthetic -> face (``"synthetic"``) trained on a share of the training
    clips, for every share of ``cfg.fractions``; ``full`` holds the two runs on all clips (share 1). With the run's
    ``chapter``, every training checkpoints and resumes (:func:`cross_validate`)."""
    runs = {1.0: dict(full)}
    for f in cfg.fractions:
        if f < 1:
            runs[f] = {init: run_cv(videos, cfg, seeds=seeds, init=init, fraction=f, synthetic_state=synthetic_state,
                                    device=device, progress=False, chapter=chapter)
                       for init in ("scratch", "synthetic")}
    return runs


def fraction_table(runs: dict, constant: pd.DataFrame) -> pd.DataFrame:
    """Fig. 6 as a table: per-video MAE per share of training clips (rows) and initialisation, with the
    constant answer's."""
    def mae(t):
        return float(np.mean(np.abs(t["hr_est"] - t["hr_ref"])))

    out = pd.DataFrame({f"{f:g}": {init: mae(t) for init, t in by_init.items()}
                        for f, by_init in runs.items()}).T.rename_axis("share of training clips")
    out["constant answer"] = mae(constant)
    return out


def abs_errors(table: pd.DataFrame) -> np.ndarray:
    """Absolute per-video errors ``(seeds, videos)`` of a stacked table (videos in index order), the
    layout :func:`rppg_lib.papers.niu2018.claims.decide` pairs."""
    t = table.assign(err=(table["hr_est"] - table["hr_ref"]).abs())
    if "seed" not in t:
        t = t.assign(seed=0)
    return t.pivot_table(index="seed", columns="video", values="err").to_numpy(float)


def hr_rows(runs: dict) -> dict:
    """Our rows for :func:`rppg_lib.results.beside_paper`: label -> :func:`hr_row` of its per-video table (None:
    not run)."""
    return {label: None if t is None else hr_row(t) for label, t in runs.items()}


def show(table: pd.DataFrame, digits: int = 2):
    """A table for the page: numbers rounded, missing numbers as a dash."""
    return table.style.format(precision=digits, na_rep="—")
