"""Experiments of Deng & Ramakrishnan for ``notebooks/deng_pruned_stven.ipynb``.

The notebook is a narrative; the work is here:

- memory and latency (no learning needed): :func:`pruned_variants` builds the dense,
  SNIP-masked and structurally pruned rPPGNet from one initialisation (plus the SNIP model run
  in sparse format), :func:`memory_latency_table` counts their parameters and nonzeros, measures
  their bytes on disk dense and sparse and times one 10-s clip each on the CPU
  (:func:`timings`), with the real-time factor; ``benchmarks/bench_deng_pruned_stven.py`` uses
  the same functions;
- data: :func:`chapter_clips` (the profile's look-alike of MAHNOB-HCI through the one clip pipeline,
  :func:`rppg_lib.clips.lookalike_clips`, optionally with overrides and for some subjects only),
  :func:`load_mahnob` (a MAHNOB-HCI copy); splits and clips from :mod:`rppg_lib.data.splits`;
- learning: :func:`train_rppgnet` (rPPGNet with its loss, dense or SNIP-pruned at
  initialisation, on the shared supervised loop), :func:`accuracy_runs` (both models, POS, CHROM
  and the constant answer on the same test clips), :func:`learning_record` (the run record's
  ``learning`` entry), :func:`learned_table` (learned or not by :func:`rppg_lib.claims.network_learned`,
  in the one ladder layout) and :func:`run_ladder` (the dense model on the easy rungs of
  :data:`rppg_lib.ladder.RUNGS` below the look-alike, :func:`rppg_lib.ladder.run_ladder`);
- Table I: :func:`clip_errors`, :func:`table_one`, :func:`table_one_with_paper`;
- compression and resolution: :func:`compression_sweep` and :func:`resolution_sweep` (trained models
  on the test subjects re-rendered as the look-alike at other x264 CRFs, or with a smaller face:
  overrides on the look-alike, not look-alikes);
- STVEN in front of the frozen rPPGNet: :func:`train_stven`;
- Fig. 2: :func:`channel_spectra`, :func:`plot_channel_spectra`.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from ... import ladder as _ladder
from ... import signal as sig
from ...baselines import classical_pulses, constant_answer
from ...chapter import training_checkpoint
from ...clips import MASTER_CROP, Clips, lookalike_clips, render_sessions
from ...data.splits import cut_clips, split_by_subject
from ...ladder import TOP, RungData, rung_overrides
from ...lookalike import LookAlike
from ...losses import rppgnet_loss
from ...model_store import face_crops_input, save_model
from ...models import RPPGNet
from ...train.pruning import (
    count_nonzero,
    count_prunable,
    snip_prune,
    storage_report,
    structured_prune,
    to_sparse_inference,
)
from ...video import mean_colour
from . import KEY

__all__ = [
    "KEY", "BAND", "CLIP_S", "timings", "snip_loss", "random_batch", "pruned_variants", "memory_latency_table",
    "Clips", "chapter_clips", "subject_numbers", "compression_extra", "resolution_extra", "scaled_frame",
    "load_mahnob", "split_by_subject", "cut_clips", "PPGOnly", "train_rppgnet", "kept_by_block", "predict",
    "clip_errors", "NETWORKS", "CONSTANT", "accuracy_runs", "abs_errors", "learning_record", "table_one",
    "table_one_with_paper", "test_baselines", "learned_table", "run_ladder", "compression_label",
    "compression_sweep", "resolution_sweep", "train_stven", "channel_spectra", "plot_channel_spectra",
    "settings_text", "RPPGNet",
]

#: Band searched for the heart rate (bpm): the library's default, for networks, classical methods and references.
BAND = sig.DEFAULT_BAND_BPM
#: Length of an evaluation clip (s): the paper's latency and the book's Table I are per 10-s clip.
CLIP_S = 10.0


# ----------------------------------------------------------------------------
# memory and latency
# ----------------------------------------------------------------------------
def timings(func, repeats: int) -> np.ndarray:
    """Wall times (s) of ``repeats`` calls of ``func`` after one untimed warm-up call."""
    func()
    out = []
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        func()
        out.append(time.perf_counter() - t0)
    return np.asarray(out)


def snip_loss(model, batch) -> torch.Tensor:
    """rPPGNet's loss on ``batch = (clips, ppg)``: the ``loss_fn`` SNIP scores the weights with."""
    return rppgnet_loss(model(batch[0]), batch[1])


def random_batch(n: int, frames: int, size: int, fs: float, seed: int = 0):
    """A batch of random clips ``(n, 3, frames, size, size)`` with a 72-bpm sinusoid as their PPG:
    enough for SNIP's scores when only storage and timing matter (they do not depend on training)."""
    g = torch.Generator().manual_seed(seed)
    clips = torch.rand(n, 3, frames, size, size, generator=g)
    ppg = torch.sin(2 * torch.pi * 1.2 * torch.arange(frames) / fs).repeat(n, 1)
    return clips, ppg


def pruned_variants(width: int = 64, keep: float = 0.1, *, batch=None, example=None, seed: int = 0,
                    normalize_input: bool = False) -> dict:
    """Dense, SNIP-masked and structurally pruned rPPGNet of ``width`` from one initialisation.

    ``batch``: what SNIP scores on (default :func:`random_batch` of 2 x 16 frames at 32 x 32);
    ``example``: the input the channel pruner traces (default 1 x 4 frames at 32 x 32). The
    structured model has at most ``keep`` x the dense model's conv weights
    (:func:`rppg_lib.train.pruning.structured_prune`). Returns ``{"dense", "masked-dense",
    "structured"}``.
    """
    batch = batch if batch is not None else random_batch(2, 16, 32, 15.0, seed)
    example = example if example is not None else torch.rand(1, 3, 4, 32, 32)
    torch.manual_seed(seed)
    dense = RPPGNet(width=width, normalize_input=normalize_input)
    masked = copy.deepcopy(dense)
    snip_prune(masked, batch, snip_loss, keep=keep)
    structured = structured_prune(dense, example, keep=keep)
    return {"dense": dense, "masked-dense": masked, "structured": structured}


#: Rows of the memory and latency table: (row label, variant, run in sparse format).
_ROWS = (("dense", "dense", False), ("SNIP, masked dense", "masked-dense", False),
         ("SNIP, sparse format (CSR)", "masked-dense", True), ("structured (channels)", "structured", False))


def memory_latency_table(width: int = 64, size: int = 64, fps: float = 30.0, keep: float = 0.1, *,
                         repeats: int = 3, sparse_repeats: int = 1, clip_s: float = CLIP_S, seed: int = 0,
                         threads: int | None = None, variants: dict | None = None, progress: bool = True):
    """The memory and latency of rPPGNet dense and pruned: ``(table, raw)``.

    One row per :data:`_ROWS`: ``parameters`` (values stored), ``prunable`` (conv weights),
    ``nonzero`` and ``nonzero prunable``, ``bytes dense`` (``torch.save`` of the state dict),
    ``bytes CSR int32`` (prunable weights sparser than 50 % as CSR with 32-bit indices),
    ``bytes on disk`` (the format the row stores: CSR for the sparse-format row, dense otherwise),
    ``latency median / min / max (s)`` of one clip of ``clip_s`` seconds at ``fps`` and ``size`` x
    ``size`` (batch 1, eval mode, no grad; ``repeats`` timed runs after a warm-up,
    ``sparse_repeats`` for the slow sparse-format row) and ``real-time factor`` = ``clip_s`` /
    median latency (above 1: faster than real time). ``raw`` holds every timed run and the
    :func:`rppg_lib.train.pruning.storage_report` of each variant.
    """
    from tqdm import tqdm

    if threads is not None:
        torch.set_num_threads(int(threads))
    frames = int(round(clip_s * fps))
    models = variants if variants is not None else pruned_variants(width, keep, seed=seed)
    clip = torch.rand(1, 3, frames, size, size, generator=torch.Generator().manual_seed(seed + 1))
    rows, raw = [], {"storage": {}, "times_s": {}, "clip": f"{frames} frames x {size} x {size}",
                     "torch_threads": torch.get_num_threads()}
    for label, key, sparse in tqdm(_ROWS, desc="memory and latency", disable=not progress):
        model = models[key]
        model.eval()
        rep = raw["storage"].setdefault(key, storage_report(model))
        runner = to_sparse_inference(model) if sparse else model
        runner.eval()
        with torch.no_grad():
            t = timings(lambda r=runner: r(clip), sparse_repeats if sparse else repeats)
        raw["times_s"][label] = t.tolist()
        rows.append({"model": label, "parameters": rep["parameters"], "prunable": rep["prunable"],
                     "nonzero": rep["nonzero"], "nonzero prunable": rep["nonzero_prunable"],
                     "bytes dense": rep["dense_bytes"], "bytes CSR int32": rep["csr32_bytes"],
                     "bytes on disk": rep["csr32_bytes"] if sparse else rep["dense_bytes"],
                     "latency median (s)": float(np.median(t)), "latency min (s)": float(t.min()),
                     "latency max (s)": float(t.max()), "timed runs": len(t),
                     "real-time factor": clip_s / float(np.median(t))})
    table = pd.DataFrame(rows).set_index("model")
    return table, raw


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Subjects(LookAlike):
    """A look-alike restricted to some of its subjects (the sweeps and STVEN re-render only those)."""

    only: tuple = ()

    def sessions(self):
        return [s for s in super().sessions() if s[0] in self.only]


def chapter_clips(cfg, extra: dict | None = None, *, subjects=None, label: str = "",
                  progress: bool = True) -> Clips:
    """The profile's look-alike (``cfg.look``) through the one clip pipeline
    (:func:`rppg_lib.clips.lookalike_clips`) at the network's ``cfg.crop`` and ``cfg.fps``, optionally
    with ``extra`` simulator overrides (an easy rung, a sweep level: then not the look-alike, and
    :func:`rppg_lib.clips.fidelity` is empty) and only the subject numbers ``subjects``. Sessions not yet
    cached are rendered first on ``cfg.threads`` processes (:func:`rppg_lib.clips.render_sessions`)."""
    look = cfg.look
    if subjects is not None:
        look = _Subjects(**{f.name: getattr(look, f.name) for f in fields(LookAlike)},
                         only=tuple(sorted(int(s) for s in subjects)))
    render_sessions(look, extra=extra, crop=max(int(cfg.crop), MASTER_CROP), workers=cfg.threads, progress=False)
    return lookalike_clips(look, crop=cfg.crop, fps=cfg.fps, extra=extra, progress=progress, label=label)


def subject_numbers(data: Clips, idx) -> list[int]:
    """The simulator's subject number of the videos ``idx`` of ``data``."""
    return [int(data.meta[int(i)]["subject"]) for i in idx]


def compression_extra(preset: str, crf) -> dict:
    """Overrides for x264 at ``crf`` on top of the look-alike: None = lossless, the preset's own CRF = the
    look-alike itself (``{}``, its cached sessions)."""
    from ...synth.presets import resolve

    if crf is None:
        return {"codec": None}
    own = resolve(preset, {})
    if own.get("codec") == "libx264" and float(own.get("crf", -1)) == float(crf):
        return {}
    return {"codec": "libx264", "crf": float(crf)}


def resolution_extra(look: LookAlike, scale: float) -> dict:
    """Overrides that shrink the face (and the window rendered around it, or the whole frame when the
    look-alike renders it) by ``scale``; 1 = the look-alike itself (``{}``)."""
    from ...synth.presets import resolve

    if float(scale) == 1.0:
        return {}
    p = resolve(look.preset, {})
    face = float(p["face_px"]) * float(scale)
    if look.window_faces is None:
        w, h = scaled_frame((p["width"], p["height"]), scale)
    else:
        side = int(math.ceil(look.window_faces * face / 16.0) * 16)
        w, h = min(side, int(p["width"]) // 2 * 2), min(side, int(p["height"]) // 2 * 2)
    return {"face_px": face, "width": int(w), "height": int(h)}


def scaled_frame(frame_size, scale: float) -> tuple:
    """(width, height) times ``scale``, rounded to even pixels (4:2:0 video)."""
    return tuple(max(2, 2 * int(round(v * scale / 2))) for v in frame_size)


def _ppg_from_hr(hr, fs: float) -> np.ndarray:
    """A unit cosine whose instantaneous rate follows ``hr`` (bpm per frame): the training target when a
    dataset gives heart rate (from ECG) but no PPG."""
    phase = 2 * np.pi * np.cumsum(np.asarray(hr, float) / 60.0) / fs
    return np.cos(phase)


def load_mahnob(root, n_recordings: int | None = None, *, seconds: float = 30.0, fps: float = 15.0,
                crop: int = 32) -> Clips:
    """The first ``n_recordings`` MAHNOB-HCI sessions under ``root`` (its layout, see
    :mod:`rppg_lib.data.mahnob_hci`; a wrong layout raises naming what is missing), cut to
    ``seconds``, decimated to about ``fps``, face-cropped by detection, as :class:`rppg_lib.clips.Clips`.
    MAHNOB-HCI gives ECG, not a PPG: the training target is a cosine following the ECG heart rate
    (:func:`_ppg_from_hr`)."""
    from ...data import list_mahnob_hci, load_mahnob_hci_session
    from ...video import sticky_face_crops

    folders = list_mahnob_hci(root)[:n_recordings]
    videos, ppgs, subjects, metas, rate = [], [], [], [], None
    for folder in folders:
        rec = load_mahnob_hci_session(folder)
        step = max(1, int(round(rec.fps / fps)))
        n = int(round(seconds * rec.fps))
        frames = rec.frames[:n:step]
        rate = rec.fps / step
        videos.append(sticky_face_crops(frames, "detect", crop=crop)[0].transpose(3, 0, 1, 2))
        hr = np.asarray(rec.hr[:n:step], float)
        ppgs.append(_ppg_from_hr(hr, rate))
        subjects.append(rec.subject or folder.name)
        metas.append({"subject": subjects[-1], "session": folder.name, "hr_mean": float(np.nanmean(hr))})
    if not videos:
        raise FileNotFoundError(f"no MAHNOB-HCI session with video and ECG under {root}")
    length = min(v.shape[1] for v in videos)
    return Clips(np.stack([v[:, :length] for v in videos]), np.stack([p[:length] for p in ppgs]), float(rate),
                 subjects, "real: MAHNOB-HCI", metas)


# ----------------------------------------------------------------------------
# learning
# ----------------------------------------------------------------------------
class PPGOnly(nn.Module):
    """rPPGNet for the shared supervised loop: its whole output while training (the loss needs the part
    and auxiliary PPGs), the global PPG ``(N, T)`` in eval mode (validation, prediction)."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        out = self.net(x)
        return out if self.training else out[0]


def _rppgnet_train_loss(out, target):
    # the skin BCE is left out: the shared loop hands the loss the PPG only (see the chapter)
    return rppgnet_loss(out, target)


def train_rppgnet(data: Clips, split, *, width: int = 16, epochs: int = 10, lr: float = 1e-3, batch_size: int = 4,
                  clip_s: float = CLIP_S, keep: float | None = None, seed: int = 0, device="cpu",
                  progress: bool = False, checkpoint_dir=None) -> dict:
    """Train rPPGNet (``normalize_input=True``) on the training recordings of ``split`` with its loss
    (negative Pearson on the global PPG, the four parts and the auxiliary PPG) on the shared supervised
    loop (:func:`rppg_lib.train.contrastive.train_supervised`: AdamW, random clips with the clip-stretch
    augmentation, the epoch of best validation MCC kept).

    ``keep``: SNIP-prune at initialisation to this fraction of the conv weights, scored on one batch of
    training clips (the first ``batch_size`` training recordings' first clip), masks kept through
    training. ``checkpoint_dir``: the training's checkpoints (a rerun with the same folder, settings and data
    resumes; None: no files). Returns ``{"model", "result", "masks", "train_seconds", "nonzero_prunable", "prunable"}``.
    """
    from ...train.contrastive import train_supervised

    train, val, _ = split
    fs = data.fps
    clip_len = int(round(clip_s * fs))
    torch.manual_seed(seed)
    net = RPPGNet(width=width, normalize_input=True)
    masks = None
    if keep is not None:
        first = train[:batch_size]
        x = torch.as_tensor(data.videos[first, :, :clip_len]).float()
        y = torch.as_tensor(data.ppg[first, :clip_len]).float()
        masks = snip_prune(net, (x, y), snip_loss, keep=keep)
    model = PPGOnly(net)
    t0 = time.perf_counter()
    result = train_supervised(model, data.videos[train], data.ppg[train], fs=fs, loss=_rppgnet_train_loss,
                              epochs=epochs, lr=lr, batch_size=batch_size, clip_seconds=clip_s,
                              val_videos=data.videos[val] if len(val) else None,
                              val_ppg=data.ppg[val] if len(val) else None, seed=seed, device=device,
                              progress=progress, checkpoint_dir=checkpoint_dir)
    return {"model": model, "result": result, "masks": masks, "train_seconds": time.perf_counter() - t0,
            "nonzero_prunable": count_nonzero(net, prunable_only=True), "prunable": count_prunable(net)}


def kept_by_block(masks: dict) -> pd.DataFrame:
    """Where SNIP kept its weights: per block of rPPGNet (the parameter name's first part: stem, stage1-3,
    skin branch, heads) the conv weights, the kept ones, the kept share and the layers left with none
    (a layer with no weight passes no signal: SNIP's "layer collapse")."""
    rows = {}
    for name, m in masks.items():
        block = name.split(".")[0]
        block = "skin branch" if block.startswith("skin") else ("heads" if block.startswith("head") else block)
        r = rows.setdefault(block, {"weights": 0, "kept": 0, "layers": 0, "layers with none kept": 0})
        r["weights"] += m.numel()
        r["kept"] += int(m.sum())
        r["layers"] += 1
        r["layers with none kept"] += int(m.sum() == 0)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["kept share"] = out["kept"] / out["weights"]
    return out


def predict(model, clips, device="cpu") -> np.ndarray:
    """The model's PPG of every clip ``(M, 3, T, h, w)`` (eval mode)."""
    from ...train.contrastive import predict_ppg

    return predict_ppg(model, clips, device=device)


def clip_errors(pred_ppg, ref_ppg, fs: float, recording=None, hr_pred=None) -> pd.DataFrame:
    """One row per clip: ``hr_ref`` and ``hr_pred`` (highest periodogram peak in :data:`BAND`, the same
    estimator for both; ``hr_pred`` given directly for the constant answer) and ``error`` = pred - ref."""
    ref = np.atleast_2d(np.asarray(ref_ppg, float))
    hr_ref = np.atleast_1d(sig.estimate_hr(ref, fs, BAND, harmonic_ratio=None))
    if hr_pred is None:
        hr_pred = np.atleast_1d(sig.estimate_hr(np.atleast_2d(pred_ppg), fs, BAND, harmonic_ratio=None))
    hr_pred = np.broadcast_to(np.asarray(hr_pred, float), hr_ref.shape)
    return pd.DataFrame({"recording": np.arange(len(ref)) if recording is None else recording,
                         "hr_ref": hr_ref, "hr_pred": hr_pred, "error": hr_pred - hr_ref})


#: The two networks of the chapter: (name in the tables, SNIP-prune or not).
NETWORKS = (("rPPGNet dense", False), ("rPPGNet SNIP", True))
#: The constant answer's name in the tables (the mean reference HR of the training recordings).
CONSTANT = "Constant (train mean HR)"


def test_baselines(data: Clips, split, test_clip_s: float = CLIP_S) -> dict:
    """Clip tables (:func:`clip_errors`) of the baselines on the test clips of ``split``: the constant answer
    (:data:`CONSTANT`, :func:`rppg_lib.baselines.constant_answer` of the training recordings' reference HR),
    POS and CHROM on the clips' mean colour (:func:`rppg_lib.baselines.classical_pulses`)."""
    fs = data.fps
    clips, refs, rec = cut_clips(data.videos[split[2]], data.ppg[split[2]], int(round(test_clip_s * fs)))
    train_hr = np.atleast_1d(sig.estimate_hr(data.ppg[split[0]], fs, BAND, harmonic_ratio=None))
    errors = {CONSTANT: clip_errors(None, refs, fs, rec, hr_pred=constant_answer(train_hr))}
    rgb = mean_colour(clips)
    for m in ("POS", "CHROM"):
        errors[m] = clip_errors(classical_pulses(rgb, fs, m), refs, fs, rec)
    return errors


def accuracy_runs(data: Clips, split, *, width: int, epochs: int, lr: float, batch_size: int, clip_s: float,
                  keep: float, seeds=(0,), seed: int = 0, test_clip_s: float = CLIP_S, networks=NETWORKS,
                  device="cpu", log=None, progress: bool = False, chapter=None) -> dict:
    """``networks`` (default: rPPGNet dense and SNIP-pruned to ``keep``; each once per seed), POS, CHROM
    and the constant answer (the mean reference HR of the training recordings) on the same test clips of
    ``test_clip_s`` seconds. With the run's ``chapter`` (:class:`rppg_lib.chapter.Chapter`), the first
    seed's dense rPPGNet is stored for ``rppg predict --model`` (:func:`rppg_lib.model_store.save_model`), and
    every training checkpoints into the run's folder (:func:`rppg_lib.chapter.training_checkpoint`), so a rerun
    of a killed run resumes it.

    Returns ``{"errors": {method: clip table (seeds stacked, column "seed")}, "models": {(method, seed):
    model}, "train": [per-run dicts], "clips", "refs", "recording", "masks"}``.
    """
    fs = data.fps
    clips, refs, rec = cut_clips(data.videos[split[2]], data.ppg[split[2]], int(round(test_clip_s * fs)))
    errors = test_baselines(data, split, test_clip_s)
    models, runs, masks = {}, [], {}
    for name, pruned in networks:
        tables = []
        for s in seeds:
            r = train_rppgnet(data, split, width=width, epochs=epochs, lr=lr, batch_size=batch_size, clip_s=clip_s,
                              keep=keep if pruned else None, seed=seed + s, device=device, progress=progress,
                              checkpoint_dir=training_checkpoint(chapter, "accuracy", name, f"seed{seed + s}"))
            t0 = time.perf_counter()
            pred = predict(r["model"], clips, device)
            infer = (time.perf_counter() - t0) / len(clips)
            t = clip_errors(pred, refs, fs, rec).assign(seed=seed + s)
            tables.append(t)
            models[(name, seed + s)] = r["model"]
            if chapter is not None and not pruned and s == seeds[0]:
                save_model(chapter, "deng-rppgnet", r["model"].net, builder="rppg_lib.models:RPPGNet",
                           builder_kwargs={"width": width, "normalize_input": True}, data=data.source,
                           input_spec=face_crops_input(data.videos.shape[-1], fs, int(round(clip_s * fs))),
                           metrics={"test_mae": float(t.error.abs().mean())})
            if r["masks"] is not None:
                masks[seed + s] = r["masks"]
            hist = r["result"].history
            runs.append({"method": name, "seed": seed + s, "mae": float(t.error.abs().mean()),
                         "train_seconds": r["train_seconds"], "best_epoch": r["result"].best_epoch,
                         "epochs": len(hist), "clips_per_s": float(np.median([h["clips_per_s"] for h in hist])),
                         "infer_s_per_clip": infer, "nonzero_prunable": r["nonzero_prunable"],
                         "prunable": r["prunable"], "stopped": r["result"].stopped})
            if log is not None:
                log(f"{data.source} {name} seed {seed + s}: MAE {runs[-1]['mae']:.1f} bpm "
                    f"(constant {float(errors[CONSTANT].error.abs().mean()):.1f}), "
                    f"best epoch {r['result'].best_epoch}, {r['train_seconds']:.0f} s")
        errors[name] = pd.concat(tables, ignore_index=True)
    return {"errors": errors, "models": models, "train": runs, "clips": clips, "refs": refs, "recording": rec,
            "masks": masks}


def abs_errors(table: pd.DataFrame) -> np.ndarray:
    """Absolute errors of a clip table: ``(clips,)``, or ``(seeds, clips)`` when it has a ``seed`` column."""
    if "seed" not in table:
        return np.abs(table.error.to_numpy(float))
    return np.stack([np.abs(g.error.to_numpy(float)) for _, g in table.groupby("seed")])


def learning_record(runs: dict, data_name: str) -> dict:
    """The run record's ``metrics["learning"]``: what the networks were tested on, the constant answer's and
    POS's MAE on the same test clips, and each network's MAE per seed."""
    e = runs["errors"]
    nets = [m for m in e if m not in (CONSTANT, "POS", "CHROM")]
    return {"data": data_name, "constant_mae": float(np.abs(e[CONSTANT].error).mean()),
            "pos_mae": float(np.abs(e["POS"].error).mean()),
            "models": {m: [float(v) for v in np.atleast_2d(abs_errors(e[m])).mean(axis=1)] for m in nets}}


def table_one(errors: dict) -> pd.DataFrame:
    """Table I's columns for every method: mean error (signed) and its SD, mean absolute error, RMSE,
    % of clips with |error| < 5 bpm, Pearson's r of predicted vs reference HR, clips (x seeds)."""
    rows = []
    for method, t in errors.items():
        e = t.error.to_numpy(float)
        hp, hr = t.hr_pred.to_numpy(float), t.hr_ref.to_numpy(float)
        r = float(np.corrcoef(hp, hr)[0, 1]) if np.ptp(hp) > 1e-9 and np.ptp(hr) > 1e-9 else float("nan")
        rows.append({"method": method, "mean error": float(e.mean()), "SD error": float(e.std(ddof=1)) if len(e) > 1
                     else float("nan"), "MAE": float(np.abs(e).mean()), "RMSE": float(np.sqrt(np.mean(e ** 2))),
                     "% abs error < 5 bpm": float(100 * np.mean(np.abs(e) < 5)), "r": r, "clips": len(e)})
    return pd.DataFrame(rows).set_index("method")


def table_one_with_paper(ours: pd.DataFrame, paper: pd.DataFrame, label: str) -> pd.DataFrame:
    """Our Table I rows (labelled ``label``: data and profile) under the paper's rows (MAHNOB-HCI).
    The paper's "mean error" is shown beside our MAE and our signed mean error: the paper does not say
    which it reports."""
    p = paper[paper.table == "Table I"].pivot(index="row", columns="column", values="value")
    p = p.reindex(list(dict.fromkeys(paper[paper.table == "Table I"].row)))
    out = pd.DataFrame({"source": "paper (MAHNOB-HCI)", "mean error": p["mean error"], "MAE": np.nan,
                        "RMSE": p["RMSE"], "% abs error < 5 bpm": p["% abs error < 5 bpm"], "r": p["r"]})
    mine = ours[["mean error", "MAE", "RMSE", "% abs error < 5 bpm", "r"]].assign(source=label)
    return pd.concat([out, mine])[["source", "mean error", "MAE", "RMSE", "% abs error < 5 bpm", "r"]]


def _rung_data(runs: dict, networks) -> RungData:
    """:func:`accuracy_runs`' result as a ladder step: the constant answer, POS and CHROM, and the trained
    ``networks``' per-clip errors per seed (reused, not trained again)."""
    e = runs["errors"]
    done = {(name, int(seed)): np.abs(t.error.to_numpy(float)) for name in networks if name in e
            for seed, t in e[name].groupby("seed")}
    return RungData(runs, abs_errors(e[CONSTANT]), {m: abs_errors(e[m]) for m in ("POS", "CHROM")}, done)


def learned_table(runs: dict, label: str) -> pd.DataFrame:
    """The networks of :func:`accuracy_runs` (every seed), POS, CHROM and the constant answer on its test clips
    in the one ladder layout (:data:`rppg_lib.ladder.COLUMNS`, rung ``label``): MAE, the constant answer's, and
    whether each network learned by the one rule, with the rule's numbers."""
    step = _rung_data(runs, [name for name, _ in NETWORKS])
    models: dict = {}
    for (name, seed), e in step.done.items():
        models.setdefault(name, {})[seed] = (e, 0.0)
    return pd.DataFrame(_ladder.rows(label, step, models), columns=list(_ladder.COLUMNS))


def run_ladder(cfg, top: dict, *, rungs=None, seed: int = 0, device="cpu", log=None,
               progress: bool = True, chapter=None) -> tuple[pd.DataFrame, dict]:
    """The learning ladder (:func:`rppg_lib.ladder.run_ladder`): the dense rPPGNet (same split, recipe and seeds)
    on each easy rung of ``rungs`` (names of :data:`rppg_lib.ladder.RUNGS`, default ``cfg.ladder``: the
    look-alike with that rung's overrides), then the look-alike itself, whose runs are ``top`` (its
    :func:`accuracy_runs`, reused). Returns ``(table, steps)``: the ladder table (:data:`rppg_lib.ladder.COLUMNS`)
    and, per rung, easy to hard, ``{"data", "split", "clips", "refs"}`` (its test clips). A diagnosis: no claim
    is decided on an easy rung. With the run's ``chapter`` each finished training is kept and a rerun of a killed
    run trains only the rest."""
    dense = NETWORKS[0][0]
    names = [r for r in (cfg.ladder if rungs is None else rungs) if r != TOP] + [TOP]
    steps: dict = {}

    def prepare(rung, _sessions):
        if rung == TOP:
            runs = top
        else:
            data = chapter_clips(cfg, rung_overrides(rung), label=rung, progress=progress)
            split = split_by_subject(data.subjects, cfg.n_val, cfg.n_test, seed)
            clips, refs, rec = cut_clips(data.videos[split[2]], data.ppg[split[2]],
                                         int(round(cfg.test_clip_s * data.fps)))
            runs = {"data": data, "split": split, "clips": clips, "refs": refs, "recording": rec,
                    "errors": test_baselines(data, split, cfg.test_clip_s)}
        steps[rung] = {k: runs[k] for k in ("data", "split", "clips", "refs")}
        return _rung_data(runs, [dense])

    def fit(runs, s):
        r = train_rppgnet(runs["data"], runs["split"], width=cfg.width, epochs=cfg.epochs, lr=cfg.lr,
                          batch_size=cfg.batch_size, clip_s=cfg.clip_s, seed=s, device=device)
        pred = predict(r["model"], runs["clips"], device)
        return np.abs(clip_errors(pred, runs["refs"], runs["data"].fps, runs["recording"]).error.to_numpy(float))

    table = _ladder.run_ladder(names, prepare, {dense: fit}, seeds=[seed + s for s in cfg.seeds], log=log,
                               chapter=chapter, settings=repr((cfg, seed)))
    return table, steps


def _sweep(cfg, models: dict, subjects, variants, column: str, *, device, progress: bool = False) -> pd.DataFrame:
    """MAE of POS and of ``models`` (name -> model) on the subject numbers ``subjects`` rendered as each of
    ``variants``, ``(label, extra overrides on the look-alike)``: one row per (variant, method) with
    ``column`` = label, ``method``, ``MAE``, ``clips``."""
    rows = []
    for label, extra in variants:
        data = chapter_clips(cfg, extra, subjects=subjects, label=label, progress=progress)
        fs = data.fps
        clips, refs, rec = cut_clips(data.videos, data.ppg, int(round(cfg.test_clip_s * fs)))
        rgb = mean_colour(clips)
        t = clip_errors(classical_pulses(rgb, fs, "POS"), refs, fs, rec)
        rows.append({column: label, "method": "POS", "MAE": float(t.error.abs().mean()), "clips": len(t)})
        for name, model in models.items():
            t = clip_errors(predict(model, clips, device), refs, fs, rec)
            rows.append({column: label, "method": name, "MAE": float(t.error.abs().mean()), "clips": len(t)})
    return pd.DataFrame(rows)


def compression_label(preset: str, crf) -> str:
    own = " (the look-alike)" if crf is not None and not compression_extra(preset, crf) else ""
    return ("lossless" if crf is None else f"x264 CRF {crf:g}") + own


def compression_sweep(cfg, models: dict, subjects, *, crf_levels, device="cpu") -> pd.DataFrame:
    """MAE of ``models`` (name -> model) and POS on the subject numbers ``subjects`` re-rendered as the
    look-alike with x264 at each CRF of ``crf_levels`` (None = lossless; :func:`compression_extra`). One row
    per (level, method): ``compression``, ``method``, ``MAE``, ``clips``."""
    variants = [(compression_label(cfg.preset, crf), compression_extra(cfg.preset, crf)) for crf in crf_levels]
    return _sweep(cfg, models, subjects, variants, "compression", device=device)


def resolution_sweep(cfg, models: dict, subjects, *, scales, device="cpu") -> pd.DataFrame:
    """MAE of ``models`` and POS on the subject numbers ``subjects`` re-rendered as the look-alike with the
    face (and the window around it) times each of ``scales`` (:func:`resolution_extra`); the crops are
    resized to ``cfg.crop`` after decoding, so a smaller face is upsampled to the networks' input. One row
    per (resolution, method): ``resolution`` ("face F px, W x H"), ``method``, ``MAE``, ``clips``."""
    from ...synth.presets import resolve

    face = float(resolve(cfg.preset, {})["face_px"])
    variants = []
    for k in scales:
        extra = resolution_extra(cfg.look, k)
        size = (f", {extra['width']}x{extra['height']}" if extra else "") + (" (the look-alike)" if not extra else "")
        variants.append((f"face {face * k:g} px{size}", extra))
    return _sweep(cfg, models, subjects, variants, "resolution", device=device)


# ----------------------------------------------------------------------------
# Fig. 2
# ----------------------------------------------------------------------------
def channel_spectra(clip, fs: float, band_bpm=BAND):
    """Fig. 2: the power spectrum of the spatial mean of each colour channel of one clip ``(3, T, h, w)``
    (mean removed, detrended), each normalised to its peak inside ``band_bpm``. Returns ``(bpm, psd (3, F))``
    restricted to the band."""
    rgb = np.asarray(clip, float).mean(axis=(2, 3))                      # (3, T)
    x = np.stack([sig.detrend(c / c.mean()) for c in rgb])
    f, p = sig.power_spectrum(x, fs)
    bpm = 60.0 * f
    keep = (bpm >= band_bpm[0]) & (bpm <= band_bpm[1])
    p = p[:, keep]
    return bpm[keep], p / p.max(axis=1, keepdims=True)


def plot_channel_spectra(bpm, psd, hr_ref: float, title: str = "", ax=None):
    """Draw :func:`channel_spectra` (one line per channel, in its colour) and the reference HR."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    for c, colour in enumerate(("tab:red", "tab:green", "tab:blue")):
        ax.plot(bpm, psd[c], color=colour, lw=1, label="RGB"[c])
    ax.axvline(hr_ref, color="k", ls="--", lw=0.8, label=f"reference HR {hr_ref:.0f} bpm")
    ax.set_xlabel("frequency (bpm)")
    ax.set_ylabel("power (normalised)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return ax


def settings_text(cfg, device) -> str:
    """One paragraph on what this profile renders and trains."""
    from ...synth.presets import resolve

    look, p = cfg.look, resolve(cfg.preset, {})
    codec = "lossless" if p.get("codec") is None else f"{p['codec']} CRF {p.get('crf', 'default'):g}"
    view = ("the whole frame" if look.window_faces is None else
            f"a window of {look.window_faces:g} face sizes around the face")
    step = max(1, int(round(float(p["fps"]) / cfg.fps)))
    return (f"The {look.name}: {look.n_subjects} subjects x {len(look.scenarios)} scenario(s) of "
            f"{look.duration_s:g} s, rendered at the preset's {p['fps']:g} fps, face {p['face_px']:g} px, {codec} "
            f"and sensor noise, {view}; after decoding, face crops area-resized to {cfg.crop}x{cfg.crop} and "
            f"averaged over blocks of {step} frames ({float(p['fps']) / step:.4g} fps). Split: {cfg.n_val} "
            f"validation and {cfg.n_test} test subjects, HR per {cfg.test_clip_s:g}-s test clip. "
            f"rPPGNet width {cfg.width}, AdamW lr {cfg.lr:g}, batch {cfg.batch_size} clips of {cfg.clip_s:.3g} s, "
            f"{cfg.epochs} epochs, dense and SNIP-pruned to {cfg.keep:.0%} of the conv weights, seeds {cfg.seeds}; "
            f"{cfg.threads} torch thread(s) on {device}. Memory and latency: rPPGNet width {cfg.latency_width} on a "
            f"10-s clip of {cfg.latency_size}x{cfg.latency_size} at {cfg.latency_fps:g} fps. HR of a PPG: the highest "
            f"peak of a zero-padded periodogram in {BAND[0]:g}-{BAND[1]:g} bpm, for predictions and references alike.")


# ----------------------------------------------------------------------------
# STVEN in front of rPPGNet
# ----------------------------------------------------------------------------
def train_stven(cfg, rppgnet, train_subjects, test_subjects, *, crf: float, level: int, n_levels: int,
                epochs: int, lr: float = 1e-4, batch_size: int = 2, seed: int = 0, device="cpu",
                progress: bool = True) -> dict:
    """Train STVEN (``cfg.stven_base`` channels, ``n_levels`` compression codes) in front of a trained,
    frozen rPPGNet with the joint loss (:func:`rppg_lib.losses.joint_loss`: rPPGNet's loss on the enhanced
    clip + the perceptual term against rPPGNet on the lossless clip + a small weight on the reconstruction),
    on the subject numbers ``train_subjects`` rendered as the look-alike lossless and with x264 at ``crf``
    (code ``level``). Clips are scaled to [0, 1]. Then both pipelines read the subject numbers
    ``test_subjects`` at that CRF.

    Returns ``{"stven", "without": clip table, "with": clip table, "seconds", "history": [mean loss per
    epoch]}``; the clip tables are :func:`clip_errors` of rPPGNet alone and of STVEN + rPPGNet on the same
    test clips of ``cfg.test_clip_s``.
    """
    from tqdm import tqdm

    from ...losses import joint_loss
    from ...models import STVEN

    comp = compression_extra(cfg.preset, crf)
    orig = chapter_clips(cfg, compression_extra(cfg.preset, None), subjects=train_subjects, progress=False)
    compressed = chapter_clips(cfg, comp, subjects=train_subjects, progress=False)
    orig_v, comp_v, ppg, fs = orig.videos, compressed.videos, orig.ppg, orig.fps
    length = min(orig_v.shape[2], comp_v.shape[2])
    clip_len = int(round(cfg.clip_s * fs))
    net = rppgnet.net if isinstance(rppgnet, PPGOnly) else rppgnet
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    torch.manual_seed(seed)
    stven = STVEN(n_levels=n_levels, base_channels=cfg.stven_base).to(device)
    opt = torch.optim.Adam(stven.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    history, t0 = [], time.perf_counter()
    for epoch in tqdm(range(epochs), desc="STVEN + rPPGNet", disable=not progress):
        stven.train()
        order, losses = rng.permutation(len(orig_v)), []
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            starts = rng.integers(0, length - clip_len + 1, len(idx))
            comp_x, orig_x = (torch.as_tensor(np.stack([v[i, :, a:a + clip_len] for i, a in zip(idx, starts)]))
                              .float().div(255.0).to(device) for v in (comp_v, orig_v))
            y = torch.as_tensor(np.stack([ppg[i, a:a + clip_len] for i, a in zip(idx, starts)])).float().to(device)
            loss = joint_loss(stven, net, comp_x, orig_x, y, target_level=0)
            if not torch.isfinite(loss):
                raise RuntimeError(f"STVEN training diverged at epoch {epoch}, learning rate {lr:g}")
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        history.append(float(np.mean(losses)))
    for p in net.parameters():
        p.requires_grad_(True)
    test = chapter_clips(cfg, comp, subjects=test_subjects, progress=False)
    clips, refs, rec = cut_clips(test.videos, test.ppg, int(round(cfg.test_clip_s * fs)))
    stven.eval()
    with torch.no_grad():
        x = torch.as_tensor(clips).float().div(255.0)
        plain = np.stack([net(x[i:i + 1].to(device))[0][0].double().cpu().numpy() for i in range(len(x))])
        enhanced = np.stack([net(stven(x[i:i + 1].to(device), 0))[0][0].double().cpu().numpy()
                             for i in range(len(x))])
    return {"stven": stven, "without": clip_errors(plain, refs, fs, rec), "with": clip_errors(enhanced, refs, fs, rec),
            "seconds": time.perf_counter() - t0, "history": history, "level": level}
