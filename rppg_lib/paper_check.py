"""The paper-shape check: every chapter's networks at the ``paper`` profile's shapes, on real-layout data.

No chapter runs its ``paper`` profile on the book's machine, so this check proves that the code path would
work on a GPU with the real datasets: for every paper home it

1. writes a tiny copy of the chapter's real dataset in the layout it ships in (:func:`write_fixture`: a few
   simulated face recordings, or colour signals, at the dataset's frame rate, through the library's writers
   in :mod:`rppg_lib.data`) and reads it back through ``data_root`` with the chapter's own loader, at the
   paper profile's crop size and frame rate;
2. builds the chapter's main network(s) at the paper's widths and trains them for :data:`STEPS` optimiser
   step(s) with the chapter's own trainer and loss, on clips of the paper's length;
3. predicts :data:`EVAL_CLIPS` held-out clip(s) of the paper's test length.

Per training it records the model, its parameter count, the input shape of one batch, the batch size, the
seconds per optimiser step (the training part of the trainer's epochs, from the shared
:class:`~rppg_lib.train.loop.TrainingLoop`, divided by the steps it took), both wall seconds and the process's
CPU seconds (every thread; on a machine shared with other jobs the wall time grows, the CPU time hardly), the
steps the paper profile takes in full (from the chapter's settings and the paper dataset's size) and from
them the CPU-hours (:func:`cpu_hours`) or, on CUDA, the GPU-hours (:func:`gpu_hours`).
Per chapter it records the peak memory: the peak resident memory of the chapter's own check process on the
CPU (each chapter runs in a fresh process), ``torch.cuda.max_memory_allocated`` on CUDA.

On the CPU a 3D network at paper shapes takes from seconds to minutes per clip, so the networks whose
entry in :data:`CPU_BATCH` is smaller than the paper's batch are measured at that batch and their seconds
per step scaled by ``paper batch / measured batch`` (the record says so: ``measured_batch``). On CUDA every
batch is the paper's. Any shape, dtype, device or missing-file error fails the check with the chapter and
the stage named (:class:`PaperCheckError`).

It also checks that the device is chosen in one place and that ``device="auto"`` picks CUDA when PyTorch
sees a GPU (:func:`device_choice`), and writes one record per device to ``results/paper_check.json``
(:func:`write_record`), which the "How to reproduce" page reads (:mod:`rppg_lib.reproduce`).

Run it with ``make paper-check`` or ``python -m rppg_lib.paper_check [--chapters KEY ...] [--device auto]``.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["STEPS", "EVAL_CLIPS", "CPU_BATCH", "PaperCheckError", "write_fixture", "check_chapter",
           "paper_chapters", "device_choice", "device_name", "record_path", "write_record", "read_record",
           "summary_table", "cpu_hours", "gpu_hours", "main"]

#: Optimiser steps every training of the check takes. One step runs every line of the trainer (forward, loss,
#: backward, optimiser, checkpoint) at paper shapes; on two CPU cores an AutoHR or rPPGNet step at paper shapes
#: takes one to three minutes, so a second step would push the check past its ten-minute budget in CI.
STEPS = 1
#: Held-out clips of the paper's test length every trained network predicts (a 10-s clip at 61 fps is
#: 610 frames through a 3D network).
EVAL_CLIPS = 1
#: On the CPU, the batch a network is measured at when the paper's batch would take minutes per step
#: (seconds per step are then scaled to the paper's batch); on CUDA the paper's batch is always used.
CPU_BATCH = {"gideon2021": 1, "deng_pruned_stven": 1, "yu2020": 1, "niu2018": 8}

#: The dataset each chapter's ``data_root`` reads, and the frame rate of its videos.
DATASETS = {"gideon2021": ("UBFC-rPPG", 30.0), "deng_pruned_stven": ("MAHNOB-HCI", 61.0),
            "niu2018": ("MAHNOB-HCI", 61.0), "yu2020": ("VIPL-HR", 30.0),
            "kopeliovich2019": ("Kopeliovich 2019 OSF colour signals", 30.0)}


class PaperCheckError(RuntimeError):
    """A chapter failed the check; the message names the chapter and the stage."""


@contextlib.contextmanager
def _stage(key: str, stage: str, log=None):
    """Run a stage of chapter ``key``'s check; any error becomes a :class:`PaperCheckError` naming both."""
    t0 = time.perf_counter()
    try:
        yield
    except PaperCheckError:
        raise
    except Exception as err:  # noqa: BLE001 - every failure is reported with the chapter and stage
        raise PaperCheckError(f"{key}: stage '{stage}' failed: {type(err).__name__}: {err}") from err
    if log is not None:
        log(f"  {key}: {stage} ({time.perf_counter() - t0:.1f} s)")


# ----------------------------------------------------------------------------
# fixture data in the real layouts
# ----------------------------------------------------------------------------
def _face_recording(fps: float, seconds: float, seed: int = 0):
    """A simulated face video small enough to write fast (160 x 120, a 70-px face) at ``fps``."""
    from .synth import simulate

    return simulate("ubfc-like", seed=seed, subject=seed, duration_s=seconds, fps=fps, width=160, height=120,
                    face_px=70)


def _colour_recording(fps: float, seconds: float, seed: int):
    """Colour signals ``(T, 6, 3)`` of six regions that share a pulse, with a per-frame HR (the OSF layout)."""
    from .record import Recording

    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * fps))) / fps
    hr = np.full(len(t), rng.uniform(55, 110))
    pulse = np.sin(2 * np.pi * hr / 60.0 * t)
    traces = 100 + rng.normal(0, 1, (len(t), 6, 3)) + pulse[:, None, None] * np.array([0.3, 1.0, 0.5])
    return Recording(fps=fps, timestamps=t, traces=traces, hr=hr, subject=str(seed % 8),
                     camera=f"Cam{seed % 3 + 1}", scenario="Stationary" if seed % 2 else "Mixed Motion",
                     session=f"v{seed:03d}")


def write_fixture(key: str, root, n_recordings: int, seconds: float) -> Path:
    """Write ``n_recordings`` recordings of ``seconds`` in the layout of chapter ``key``'s real dataset
    (:data:`DATASETS`) under ``root``, through the library's writers; returns ``root``. The face videos
    repeat two simulated sessions (a shape check needs the layout and the sizes, not many faces)."""
    from . import data as d

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fps = DATASETS[key][1]
    if key == "kopeliovich2019":
        for i in range(n_recordings):
            d.write_kopeliovich_osf_recording(root, _colour_recording(fps, seconds, i))
        return root
    faces = [_face_recording(fps, seconds, seed) for seed in range(min(2, n_recordings))]
    for i in range(n_recordings):
        rec = dataclasses.replace(faces[i % len(faces)], subject=str(i + 1))
        if key == "gideon2021":
            d.write_ubfc_rppg_recording(root, rec, subject=i + 1)
        elif key in ("deng_pruned_stven", "niu2018"):
            d.write_mahnob_hci_recording(root, rec, session=2 * (i + 1), subject=i + 1, seed=i)
        elif key == "yu2020":
            d.write_vipl_hr_recording(root, rec, subject=i + 1, scenario=1, source=1)
        else:
            raise ValueError(f"no fixture writer for chapter {key!r}; known: {sorted(DATASETS)}")
    return root


# ----------------------------------------------------------------------------
# timing of the shared training loop
# ----------------------------------------------------------------------------
class _LoopMeter:
    """Counts optimiser steps and sums the training seconds of every epoch of every
    :class:`~rppg_lib.train.loop.TrainingLoop` while active (it wraps the class's ``step`` and
    ``epoch_record``; the epoch's ``seconds`` span its batches, not its validation)."""

    def __init__(self):
        self.steps, self.seconds, self.cpu_seconds, self._cpu0 = 0, 0.0, 0.0, None

    def __enter__(self):
        from .train.loop import TrainingLoop

        self._orig = (TrainingLoop.step, TrainingLoop.start_epoch, TrainingLoop.epoch_record)
        step, start, record = self._orig
        meter = self

        def counted_step(loop, *args, **kwargs):
            meter.steps += 1
            return step(loop, *args, **kwargs)

        def timed_start(loop):
            meter._cpu0 = time.process_time()
            return start(loop)

        def timed_record(loop):
            out = record(loop)
            meter.seconds += float(out["seconds"])
            if meter._cpu0 is not None:
                meter.cpu_seconds += time.process_time() - meter._cpu0
            return out

        TrainingLoop.step, TrainingLoop.start_epoch, TrainingLoop.epoch_record = counted_step, timed_start, timed_record
        return self

    def __exit__(self, *exc):
        from .train.loop import TrainingLoop

        TrainingLoop.step, TrainingLoop.start_epoch, TrainingLoop.epoch_record = self._orig
        return False


def _training(name: str, model, x_shape, paper_batch: int, batch: int, meter: _LoopMeter, full_steps: int,
              full_steps_how: str, eval_clips: int, eval_shape) -> dict:
    if meter.steps == 0:
        raise RuntimeError(f"{name}: the trainer took no optimiser step")
    measured, cpu = meter.seconds / meter.steps, meter.cpu_seconds / meter.steps
    return {"model": name, "parameters": int(sum(p.numel() for p in model.parameters())),
            "input_shape": [int(s) for s in x_shape], "batch_size": int(paper_batch),
            "measured_batch": int(batch), "steps_run": int(meter.steps),
            "seconds_per_step_measured": measured, "cpu_seconds_per_step_measured": cpu,
            "seconds_per_step": measured * paper_batch / batch,
            "cpu_seconds_per_step": cpu * paper_batch / batch,
            "full_steps": int(full_steps), "full_steps_how": full_steps_how,
            "eval_clips": int(eval_clips), "eval_shape": [int(s) for s in eval_shape]}


def _check_output(key: str, pred, n: int, length: int | None = None):
    pred = np.asarray(pred)
    if len(pred) != n or (length is not None and pred.shape[-1] != length):
        raise PaperCheckError(f"{key}: stage 'evaluate' gave predictions of shape {pred.shape}, expected "
                              f"{n} clips" + (f" of {length} samples" if length else ""))
    if not np.isfinite(pred).all():
        raise PaperCheckError(f"{key}: stage 'evaluate' gave non-finite predictions")


def _batch_for(key: str, paper_batch: int, device: str) -> int:
    return paper_batch if device != "cpu" else min(paper_batch, CPU_BATCH.get(key, paper_batch))


# ----------------------------------------------------------------------------
# the chapters
# ----------------------------------------------------------------------------
def _gideon(cfg, root: Path, device: str, log) -> list:
    """PhysNet (width ``cfg.width``) on ``cfg.crop`` crops at 30 fps, 10-s clips; supervised (MCC) and
    contrastive (MVTL) training by :func:`~rppg_lib.papers.gideon2021.experiment.run_model`."""
    from .lookalike import lookalike
    from .papers.gideon2021 import experiment as gx

    key = "gideon2021"
    batch = _batch_for(key, cfg.batch_size, device)
    n_train, n_test = STEPS * batch, EVAL_CLIPS
    with _stage(key, "write real-layout fixture (UBFC-rPPG)", log):
        write_fixture(key, root, n_train + 1 + n_test, gx.CLIP_S + 0.5)
    with _stage(key, "load through data_root (prepare_ubfc)", log):
        data = gx.prepare_ubfc(root, None, seconds=lookalike(cfg.preset, "paper").duration_s, fps=cfg.fps,
                               crop=cfg.crop)
    look = lookalike(cfg.preset, "paper")
    n_tr = look.n_subjects - cfg.n_val - cfg.n_test
    out = []
    for kind, train, val in (("supervised", np.arange(n_train), [n_train]),
                             ("contrastive", np.arange(n_train - 1), [n_train - 1])):
        split = (np.asarray(train), np.asarray(val), np.arange(n_train + 1, n_train + 1 + n_test))
        with _stage(key, f"train PhysNet {kind} ({STEPS} steps) and evaluate", log), _LoopMeter() as meter:
            r = gx.run_model(data, split, kind=kind, width=cfg.width, epochs=1, lr=cfg.lr, batch_size=batch,
                             threads=int(cfg.threads), device=device)
            _check_output(key, r["pred"], n_test, r["clips"].shape[2])
        recordings = n_tr if kind == "supervised" else n_tr + cfg.n_val
        epochs = cfg.epochs_supervised if kind == "supervised" else cfg.epochs_contrastive
        per_run = epochs * math.ceil(recordings / cfg.batch_size)
        out.append(_training(f"PhysNet-{cfg.width} {kind}", r["model"],
                             (cfg.batch_size, 3, r["clips"].shape[2], cfg.crop, cfg.crop), cfg.batch_size, batch,
                             meter, per_run * len(cfg.seeds),
                             f"{epochs} epochs x {math.ceil(recordings / cfg.batch_size)} batches "
                             f"({recordings} {cfg.preset} recordings, one clip each) x {len(cfg.seeds)} seeds",
                             len(r["clips"]), r["clips"].shape[1:]))
    return out


def _deng(cfg, root: Path, device: str, log) -> list:
    """rPPGNet (width ``cfg.width``) on 128 x 128 crops at 61 fps, 64-frame clips, trained by
    :func:`~rppg_lib.papers.deng_pruned_stven.experiment.train_rppgnet` (dense and SNIP-pruned)."""
    from .papers.deng_pruned_stven import experiment as dx

    key = "deng_pruned_stven"
    batch = _batch_for(key, cfg.batch_size, device)
    n_train, n_test = STEPS * batch, EVAL_CLIPS
    with _stage(key, "write real-layout fixture (MAHNOB-HCI)", log):
        write_fixture(key, root, n_train + 1 + n_test, cfg.test_clip_s + 0.3)
    with _stage(key, "load through data_root (load_mahnob)", log):
        data = dx.load_mahnob(root, cfg.look.n_subjects, seconds=cfg.look.duration_s, fps=cfg.fps, crop=cfg.crop)
    split = (np.arange(n_train), np.array([n_train]), np.arange(n_train + 1, n_train + 1 + n_test))
    n_tr = cfg.look.n_subjects - cfg.n_val - cfg.n_test
    per_run = cfg.epochs * math.ceil(n_tr / cfg.batch_size)
    clips, _, _ = dx.cut_clips(data.videos[split[2]], data.ppg[split[2]], int(round(cfg.test_clip_s * data.fps)))
    out = []
    for name, pruned in dx.NETWORKS:
        with _stage(key, f"train {name} ({STEPS} steps) and evaluate", log), _LoopMeter() as meter:
            r = dx.train_rppgnet(data, split, width=cfg.width, epochs=1, lr=cfg.lr, batch_size=batch,
                                 clip_s=cfg.clip_s, keep=cfg.keep if pruned else None, device=device)
            pred = dx.predict(r["model"], clips, device)
            _check_output(key, pred, len(clips), clips.shape[2])
        clip_len = int(round(cfg.clip_s * data.fps))
        out.append(_training(f"{name} (width {cfg.width})", r["model"],
                             (cfg.batch_size, 3, clip_len, cfg.crop, cfg.crop), cfg.batch_size, batch, meter,
                             per_run * len(cfg.seeds),
                             f"{cfg.epochs} epochs x {math.ceil(n_tr / cfg.batch_size)} batches ({n_tr} training "
                             f"recordings) x {len(cfg.seeds)} seeds", len(clips), clips.shape[1:]))
    return out


def _yu(cfg, root: Path, device: str, log) -> list:
    """The AutoHR network (the manual genotype: the search is not run here) of width ``cfg.train_width`` on
    112 x 112 crops at the native frame rate, 160-frame clips, trained by
    :func:`~rppg_lib.papers.yu2020.experiment.train_and_test` with the hybrid loss and DA1 + DA2."""
    from .lookalike import lookalike
    from .papers.yu2020 import experiment as yx

    key = "yu2020"
    batch = _batch_for(key, cfg.batch_size, device)
    n_train, n_test = math.ceil(STEPS * batch / cfg.clips_per_video), EVAL_CLIPS
    with _stage(key, "write real-layout fixture (VIPL-HR)", log):
        write_fixture(key, root, n_train + n_test, cfg.test_clip_s + 0.3)
    with _stage(key, "load through data_root (prepare_real)", log):
        data = yx.prepare_real(root, cfg)
    run_cfg = dataclasses.replace(cfg, batch_size=batch, epochs=1)
    split = (np.arange(n_train), np.arange(n_train, n_train + n_test))
    look = lookalike(cfg.preset, "paper")
    n_videos = len(look.sessions())
    n_tr = n_videos - n_videos // cfg.folds
    per_run = cfg.epochs * math.ceil(n_tr * cfg.clips_per_video / cfg.batch_size)
    clips, _, _ = yx.test_clips(data, split[1], cfg)
    with _stage(key, f"train AutoHR ({STEPS} steps) and evaluate", log), _LoopMeter() as meter:
        r = yx.train_and_test("AutoHR", "autohr", data, split, run_cfg, da1=True, da2=True, device=device,
                              progress=False)
        if len(r.table) != n_test or not np.isfinite(r.table.hr_est).all():
            raise PaperCheckError(f"{key}: stage 'evaluate' gave {len(r.table)} per-video rows "
                                  f"(expected {n_test}) or non-finite estimates")
    return [_training(f"AutoHR-{cfg.train_width} ({cfg.pool} pools)", r.model,
                      (cfg.batch_size, 3, cfg.clip_frames, cfg.crop, cfg.crop), cfg.batch_size, batch, meter,
                      per_run * len(cfg.seeds),
                      f"{cfg.epochs} epochs x {math.ceil(n_tr * cfg.clips_per_video / cfg.batch_size)} batches "
                      f"({n_tr} training videos of {n_videos}, fold 1 of {cfg.folds}) x {len(cfg.seeds)} seeds",
                      len(clips), clips.shape[1:])]


def _niu(cfg, root: Path, device: str, log) -> list:
    """ResNet-18 on 10 x 20-block maps of 300 frames at 61 fps (200 x 300 inputs), L1 loss, trained by
    :func:`~rppg_lib.papers.niu2018.training.train_regressor` on clips from
    :func:`~rppg_lib.papers.niu2018.real.prepare_real`."""
    from .lookalike import lookalike
    from .papers.niu2018 import experiment as nx
    from .papers.niu2018.real import prepare_real
    from .papers.niu2018.training import predict, prepare_input, train_regressor

    key = "niu2018"
    batch = _batch_for(key, cfg.batch_size, device)
    seconds = cfg.clip_frames / cfg.fps + 1.0
    with _stage(key, "write real-layout fixture (MAHNOB-HCI)", log):
        write_fixture(key, root, 3, seconds)
    with _stage(key, "load through data_root (prepare_real)", log):
        videos = prepare_real(root, "mahnob-hci", fps=cfg.fps, duration_s=seconds - 0.5, cheek=cfg.cheek,
                              grid=cfg.grid, cache=False, progress=False)
    with _stage(key, "cut clips and build inputs (clip_set, prepare_input)", log):
        maps, hr, _ = nx.clip_set(videos, [0, 1], cfg.clips_per_video, cfg.clip_frames)
        x = prepare_input(maps[: STEPS * batch], cfg.input_size)
        hr = hr[: STEPS * batch]
        test_maps, _, _ = nx.clip_set(videos, [2], EVAL_CLIPS, cfg.clip_frames, seed=1)
        x_test = prepare_input(test_maps, cfg.input_size)
    with _stage(key, f"train ResNet-18 ({STEPS} steps) and evaluate", log), _LoopMeter() as meter:
        model = nx.make_model("scratch", cfg, hr_offset=float(np.mean(hr)), hr_scale=nx.target_scale(cfg, hr))
        train_regressor(model, x, hr, epochs=1, lr=cfg.lr, batch_size=batch, device=device, progress=False)
        _check_output(key, predict(model, x_test, device=device), len(x_test))
    look = lookalike(cfg.preset, "paper")
    n_videos = len(look.sessions())
    n_tr = n_videos - n_videos // cfg.folds
    cv = cfg.folds * cfg.epochs * math.ceil(n_tr * cfg.clips_per_video / cfg.batch_size)
    synthetic = cfg.synthetic_epochs * math.ceil(cfg.synthetic_maps / cfg.batch_size)
    return [_training("ResNet-18 regressor", model, (cfg.batch_size, *x.shape[1:]), cfg.batch_size, batch, meter,
                      2 * cv * len(cfg.seeds) + synthetic,
                      f"Table III's two cross-validations (stage I, synthetic -> face): {cfg.folds} folds x "
                      f"{cfg.epochs} epochs x {math.ceil(n_tr * cfg.clips_per_video / cfg.batch_size)} batches "
                      f"({n_tr} videos x {cfg.clips_per_video} clips) x {len(cfg.seeds)} seed(s), plus the "
                      f"synthetic pretraining's {cfg.synthetic_epochs} epochs x "
                      f"{math.ceil(cfg.synthetic_maps / cfg.batch_size)} batches", len(x_test), x_test.shape[1:])]


def _kopeliovich(cfg, root: Path, device: str, log) -> list:
    """The CL+F colour-signal CNN on windows of 64 frames x 18 signals, trained by
    :func:`~rppg_lib.papers.kopeliovich2019.experiment.train_model` (1cycle Adam, batch 1024)."""
    from .papers.kopeliovich2019 import experiment as K
    from .results import reported

    key = "kopeliovich2019"
    batch = _batch_for(key, cfg.batch_size, device)
    seconds = cfg.duration_s
    per_video = 0.7 * (seconds * DATASETS[key][1] - 64) / 10  # training windows (64 frames, step 10, 70 %)
    with _stage(key, "write real-layout fixture (OSF colour signals)", log):
        write_fixture(key, root, int(math.ceil(STEPS * batch / per_video)) + 1, seconds)
    with _stage(key, "load through data_root (load_videos, build_dataset)", log):
        videos, _ = K.load_videos(cfg, root)
        ds = K.build_dataset(videos)
        train, val, test = ds.splits["train"], ds.splits["val"], ds.splits["test"]
        if len(train) < STEPS * batch:
            raise ValueError(f"{len(train)} training windows, need {STEPS * batch}")
        train = train.subset(np.arange(STEPS * batch))
        test = test.subset(np.arange(EVAL_CLIPS))
    with _stage(key, f"train CL+F ({STEPS} steps) and evaluate", log), _LoopMeter() as meter:
        model, _, _ = K.train_model("clf", train, val, epochs=1, batch_size=batch, device=device)
        pred = K.predictions(model, test, device=device)
        _check_output(key, pred, EVAL_CLIPS)
    n_tr = int(reported(key, "Table 1", "All", "Both train"))
    heads = len(K.MODEL_NAMES)
    return [_training("ColourSignalCNN CL+F", model, (batch, *train.x.shape[1:]), cfg.batch_size, batch, meter,
                      cfg.epochs * math.ceil(n_tr / cfg.batch_size) * heads * len(cfg.seeds),
                      f"{cfg.epochs} epochs x {math.ceil(n_tr / cfg.batch_size)} batches ({n_tr} training windows, "
                      f"the paper's Table 1) x {heads} models x {len(cfg.seeds)} seeds", EVAL_CLIPS,
                      test.x.shape[1:])]


_CHECKS = {"gideon2021": _gideon, "deng_pruned_stven": _deng, "yu2020": _yu, "niu2018": _niu,
           "kopeliovich2019": _kopeliovich}


def paper_chapters() -> list[str]:
    """The chapter homes with a paper profile that this check covers, in the homes' order."""
    from .homes import homes

    missing = [k for k, h in homes().items() if h.kind == "paper" and k not in _CHECKS]
    if missing:
        raise PaperCheckError(f"no paper-shape check for the paper chapter(s) {missing}: add one to "
                              "rppg_lib.paper_check._CHECKS")
    return [k for k, h in homes().items() if h.kind == "paper"]


# ----------------------------------------------------------------------------
# device
# ----------------------------------------------------------------------------
def device_choice() -> dict:
    """Whether ``device="auto"`` picks CUDA when ``torch.cuda.is_available()`` is true, in the one place the
    library picks it (:func:`rppg_lib.train.common.resolve_device`), as a chapter
    (:meth:`rppg_lib.chapter.Chapter.start`) and a trainer (:class:`~rppg_lib.train.loop.TrainingLoop`) see it,
    and the CPU when it is false. Checked with ``is_available`` replaced for the call; raises
    :class:`PaperCheckError` when a choice is wrong."""
    import torch

    from .chapter import Chapter
    from .train.loop import TrainingLoop

    def chosen(available: bool) -> dict:
        real, threads = torch.cuda.is_available, torch.get_num_threads()
        torch.cuda.is_available = lambda: available
        try:
            chapter = Chapter.start("kopeliovich2019", "smoke", device="auto").device
            loop = TrainingLoop({}, lambda params: torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1),
                                device="auto", selection="loss",
                                higher_is_better=False, progress=False).device.type
        finally:
            torch.cuda.is_available = real
            torch.set_num_threads(threads)
        return {"Chapter.start": chapter, "TrainingLoop": loop}

    out = {"with_gpu": chosen(True), "without_gpu": chosen(False)}
    for seen, want in (("with_gpu", "cuda"), ("without_gpu", "cpu")):
        wrong = {k: v for k, v in out[seen].items() if v != want}
        if wrong:
            raise PaperCheckError(f"device choice: device='auto' {seen.replace('_', ' ')} chose {wrong}, not {want!r}")
    return out


def device_name(device: str) -> str:
    """A readable name of ``device``: the GPU's name, or the CPU's model and core count."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores"


# ----------------------------------------------------------------------------
# one chapter
# ----------------------------------------------------------------------------
def _peak_memory_mib(device: str) -> float:
    import resource

    import torch

    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def check_chapter(key: str, device: str = "cpu", root=None, log=print, settings=None) -> dict:
    """Run the paper-shape check of chapter ``key`` on ``device`` ("cpu" or "cuda") and return its entry.

    root : folder for the real-layout fixture (None: a temporary folder, removed after).
    settings : the Settings to check (None: ``profiles.resolve(key, "paper")``; tests pass smaller ones).
    The peak memory is the process's (run each chapter in its own process for a per-chapter figure, as
    :func:`main` does). Raises :class:`PaperCheckError` naming the chapter and the stage on any error.
    """
    import torch

    from .profiles import resolve

    if key not in _CHECKS:
        raise PaperCheckError(f"{key}: no paper-shape check; known: {sorted(_CHECKS)}")
    with _stage(key, "resolve the paper profile"):
        cfg = resolve(key, "paper") if settings is None else settings
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"paper-check-{key}-") as tmp:
        data_root = Path(root) if root is not None else Path(tmp)
        trainings = _CHECKS[key](cfg, data_root, device, log)
    return {"chapter": key, "dataset": DATASETS[key][0], "device": device,
            "peak_memory_mib": _peak_memory_mib(device), "wall_s": time.perf_counter() - t0,
            "trainings": trainings}


# ----------------------------------------------------------------------------
# the record
# ----------------------------------------------------------------------------
def record_path(results_dir=None) -> Path:
    """``<results>/paper_check.json`` (:func:`rppg_lib.results.default_results_dir` unless given)."""
    from .results import default_results_dir

    return Path(results_dir if results_dir is not None else default_results_dir()) / "paper_check.json"


def read_record(results_dir=None) -> dict:
    """The record: ``{"cpu": {...}, "cuda": {...}}``, one entry per device kind that ran the check
    (empty when the check has never run)."""
    path = record_path(results_dir)
    return json.loads(path.read_text()) if path.is_file() else {}


def write_record(entry: dict, results_dir=None) -> Path:
    """Put ``entry`` (one device's run) into the record under its device kind, keeping the other devices'
    entries; written atomically."""
    from .storage import write_json_atomic

    record = read_record(results_dir)
    record[entry["device_kind"]] = entry
    return write_json_atomic(record_path(results_dir), record)


def summary_table(entry: dict):
    """One row per training of a device's entry: chapter, model, parameters, input shape, batch (and the batch
    measured at), s/step, steps of the paper profile, hours, peak memory (GiB)."""
    import pandas as pd

    rows = []
    for ch in entry.get("chapters", []):
        for t in ch["trainings"]:
            row = {"chapter": ch["chapter"], "model": t["model"], "parameters": t["parameters"],
                   "input shape": "x".join(map(str, t["input_shape"])),
                   "batch (measured at)": f"{t['batch_size']} ({t['measured_batch']})",
                   "s/step (wall)": round(t["seconds_per_step"], 2), "paper steps": t["full_steps"]}
            if entry.get("device_kind") == "cuda":
                row["GPU-hours"] = round(gpu_hours(t), 2)
            else:
                row["CPU s/step"] = round(t["cpu_seconds_per_step"], 2)
                row["CPU-hours"] = round(cpu_hours(t), 1)
            row["peak memory (GiB)"] = round(ch["peak_memory_mib"] / 1024, 2)
            rows.append(row)
    return pd.DataFrame(rows)


def cpu_hours(training: dict) -> float:
    """Core-hours of a training's full paper run on the CPU: its CPU seconds per step (the process's CPU time,
    every thread, which contention from other jobs does not inflate) times the paper's steps."""
    return training["cpu_seconds_per_step"] * training["full_steps"] / 3600


def gpu_hours(training: dict) -> float:
    """Hours of a training's full paper run on the GPU it was measured on: wall seconds per step x steps."""
    return training["seconds_per_step"] * training["full_steps"] / 3600


def _git_revision() -> str | None:
    from .homes import REPO_ROOT

    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip() or None
    return None


# ----------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------
def _run_in_subprocess(key: str, device: str) -> dict:
    """Run one chapter's check in a fresh Python process (its own peak memory); its entry, or
    :class:`PaperCheckError` with the child's message."""
    with tempfile.TemporaryDirectory(prefix="paper-check-out-") as tmp:
        out = Path(tmp) / "entry.json"
        proc = subprocess.run([sys.executable, "-m", "rppg_lib.paper_check", "--one", key, "--device", device,
                               "--out", str(out)], stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0 or not out.is_file():
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            message = next((ln for ln in reversed(lines) if "PaperCheckError" in ln or key in ln),
                           lines[-1] if lines else f"exit status {proc.returncode}")
            sys.stderr.write(proc.stderr)
            raise PaperCheckError(message.split("PaperCheckError: ", 1)[-1])
        return json.loads(out.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rppg_lib.paper_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="+", help="chapter keys (default: every paper chapter)")
    parser.add_argument("--device", default="auto", help='"auto" (CUDA when available), "cpu" or "cuda"')
    parser.add_argument("--results-dir", default=None, help="where paper_check.json goes (default: results/)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    from .storage import write_json_atomic
    from .train.common import resolve_device

    dev = resolve_device(args.device)
    device = "cuda" if dev.type == "cuda" else "cpu"
    if args.one:  # one chapter in this process (the parent's subprocess)
        try:
            write_json_atomic(args.out, check_chapter(args.one, device, log=lambda m: print(m, flush=True)))
        except PaperCheckError as err:
            import traceback

            traceback.print_exc()
            print(f"PaperCheckError: {err}", file=sys.stderr)
            return 1
        return 0

    t0 = time.perf_counter()
    try:
        choice = device_choice()
        print(f"device choice: device='auto' picks {choice['with_gpu']} when CUDA is available, "
              f"{choice['without_gpu']} when not", flush=True)
        keys = args.chapters or paper_chapters()
        chapters = []
        for i, key in enumerate(keys, 1):
            print(f"[{i}/{len(keys)}] {key} on {device} ...", flush=True)
            entry = _run_in_subprocess(key, device)
            chapters.append(entry)
            print(f"[{i}/{len(keys)}] {key}: ok in {entry['wall_s']:.0f} s, peak memory "
                  f"{entry['peak_memory_mib'] / 1024:.2f} GiB", flush=True)
    except PaperCheckError as err:
        print(f"paper-check FAILED: {err}", file=sys.stderr)
        return 1
    entry = {"device_kind": device, "device": device_name(device), "steps": STEPS, "eval_clips": EVAL_CLIPS,
             "cpu_batch": CPU_BATCH if device == "cpu" else {}, "torch_threads": _torch_threads(),
             "load_average": list(os.getloadavg()), "wall_s": time.perf_counter() - t0,
             "finished_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
             "git_revision": _git_revision(), "device_choice": choice, "complete": args.chapters is None,
             "chapters": chapters}
    path = write_record(entry, args.results_dir)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary_table(entry).to_string(index=False))
    print(f"paper-check passed on {entry['device']} in {entry['wall_s']:.0f} s; record: {path}")
    return 0


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


if __name__ == "__main__":
    sys.exit(main())
