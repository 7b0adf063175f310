"""The one training loop every trainer of the library runs on.

A trainer (the supervised and contrastive video trainers of
:mod:`rppg_lib.train.contrastive`, the colour-signal classifier of
Kopeliovich et al. 2019) keeps what is specific to it (how batches are drawn,
the loss, the selection metric) and hands the rest to a :class:`TrainingLoop`:

- :meth:`TrainingLoop.step`: backward and optimiser step (and the schedule's
  step), with a guard that stops on a NaN or infinite loss, restores the best
  weights so far and names the epoch, the batch and the learning rate
  (:class:`TrainingDivergedError`, or ``result.stopped`` with ``on_nan="stop"``);
- :meth:`TrainingLoop.start_epoch` / :meth:`account` / :meth:`epoch_record`:
  per-epoch mean losses, wall time and throughput;
- :meth:`TrainingLoop.end_epoch`: the epoch's record, the kept weights (best
  selection metric, higher or lower is better), ``best.pt`` and ``last.pt``
  checkpoints written atomically, and every ``checkpoint_every`` epochs
  ``resume.pt``: networks, optimiser, schedule, history, kept weights and the
  random states (global ones and the generators the trainer registered with
  :meth:`TrainingLoop.track_rng`);
- :meth:`TrainingLoop.resume`: a rerun with the same checkpoint folder and the
  same settings continues after the last ``resume.pt`` (a trainer loops
  ``for epoch in range(loop.resume(), epochs)``) and ends with the weights an
  uninterrupted run would have (CPU); a changed setting starts from epoch 0, and so do other training
  data (the trainer hands the loop its arrays, ``data=``, and :func:`data_fingerprint` joins the settings)
  or another network architecture;
- :class:`TrainResult`: what a run did, the same for every trainer.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from ..storage import save_torch_atomic
from .common import resolve_device

__all__ = ["TrainingDivergedError", "TrainResult", "TrainingLoop", "snapshot", "data_fingerprint", "RESUME_FILE"]

#: The file in the checkpoint folder that a rerun resumes from.
RESUME_FILE = "resume.pt"

#: Arrays up to this size are hashed whole by :func:`data_fingerprint`; larger ones through an even sample.
FINGERPRINT_FULL_BYTES = 64 * 2**20
#: Elements of the even sample of a larger array.
FINGERPRINT_SAMPLES = 2**20


def data_fingerprint(*parts) -> str:
    """A short hash (16 hex digits) of training data, so that a checkpoint is never resumed on other data.

    ``parts``: numpy arrays, torch tensors, lists or tuples of them (recordings of different lengths),
    numbers, strings, None, or objects with a ``fingerprint_parts()`` method (e.g. a Dataset that draws its items
    at random: it is hashed by what that method returns, its items are never drawn). Each array contributes its
    dtype, its shape and its bytes: all of them up to :data:`FINGERPRINT_FULL_BYTES`, else
    :data:`FINGERPRINT_SAMPLES` elements spread evenly over it (a re-rendered data set changes nearly every
    element; an edit of a few elements of a large array between the samples would go unseen).
    """
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        _feed_fingerprint(digest, part)
    return digest.hexdigest()


def _feed_fingerprint(digest, part) -> None:
    if part is None or isinstance(part, (str, bytes, int, float, bool)):
        digest.update(f"{type(part).__name__}:{part!r};".encode())
        return
    if isinstance(part, (list, tuple)):
        digest.update(f"seq{len(part)}[".encode())
        for item in part:
            _feed_fingerprint(digest, item)
        digest.update(b"]")
        return
    if callable(getattr(part, "fingerprint_parts", None)):
        digest.update(f"{type(part).__name__}(".encode())
        _feed_fingerprint(digest, tuple(part.fingerprint_parts()))
        digest.update(b")")
        return
    if isinstance(part, torch.Tensor):
        part = part.detach().cpu()
        part = part.float().numpy() if part.dtype == torch.bfloat16 else part.numpy()
    arr = np.asarray(part)
    if arr.dtype == object:
        _feed_fingerprint(digest, list(arr.ravel()))
        return
    digest.update(f"{arr.dtype.str}{arr.shape};".encode())
    if arr.nbytes <= FINGERPRINT_FULL_BYTES:
        digest.update(np.ascontiguousarray(arr).view(np.uint8))
    else:
        spread = np.linspace(0, arr.size - 1, FINGERPRINT_SAMPLES).astype(np.int64)
        digest.update(np.ascontiguousarray(arr.flat[spread]).view(np.uint8))


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the networks hold the best weights so far.

    Attributes: ``epoch`` and ``batch`` where it happened (as the trainer counts them), ``lr`` (the
    learning rate of that step), ``history`` (the epochs completed),
    ``checkpoint`` (the last good file, or None) and ``best_state`` (the kept
    weights of each network, or None).
    """

    def __init__(self, message: str, *, epoch: int, batch: int, lr: float, history, checkpoint=None,
                 best_state=None):
        super().__init__(message)
        self.epoch, self.batch, self.lr = epoch, batch, lr
        self.history, self.checkpoint, self.best_state = history, checkpoint, best_state


@dataclass
class TrainResult:
    """What a training run did.

    history : one dict per finished epoch (mean losses, the selection metric, seconds, throughput).
    selection : the metric that picked the kept epoch; best_epoch, best_metric : that epoch (as the
        trainer counts epochs) and its value; best_state : the kept weights per network name.
    checkpoint, last_checkpoint : files written (None without a checkpoint folder).
    stopped : why training stopped early (None when it ran every epoch).
    extra : what a trainer adds (e.g. clip redraws, class weights, the learning rate used).
    """

    history: list = field(default_factory=list)
    selection: str = ""
    best_epoch: int | None = None
    best_metric: float | None = None
    best_state: dict | None = None
    checkpoint: str | None = None
    last_checkpoint: str | None = None
    stopped: str | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def history_frame(self):
        """``history`` as a pandas DataFrame (one row per epoch)."""
        import pandas as pd

        return pd.DataFrame(self.history)


def snapshot(module) -> dict | None:
    """A detached copy of ``module``'s state (None for no module)."""
    return None if module is None else {k: v.detach().clone() for k, v in module.state_dict().items()}


class TrainingLoop:
    """Optimiser steps, NaN guard, epoch records, selection of the kept epoch and checkpoints.

    modules : network name -> ``nn.Module`` (None entries are skipped), moved to ``device``.
    make_optimizer : ``parameters -> torch.optim.Optimizer`` over every module's parameters.
    make_scheduler : optional ``optimizer -> LR scheduler``, stepped after every optimiser step.
    selection, higher_is_better : the metric :meth:`end_epoch` receives and its direction.
    on_nan : ``"raise"`` (:class:`TrainingDivergedError`) or ``"stop"`` (``result.stopped``).
    throughput_unit : names the throughput column (``"<unit>_per_s"``).
    checkpoint_dir : folder of ``best.pt``, ``last.pt`` and ``resume.pt`` (None: no files, no resuming).
    checkpoint_every : write ``resume.pt`` after every this many epochs.
    config : the run's settings; saved in the checkpoints, and a rerun resumes only when they are equal.
    data : the training data (what :func:`data_fingerprint` takes; a tuple for several arrays). With a
        checkpoint folder its fingerprint joins ``config`` as ``"data"``, and the networks' parameter names
        and shapes as ``"architecture"``: other data or another network never resume an old run.
    """

    def __init__(self, modules: dict, make_optimizer, *, device="auto", make_scheduler=None,
                 selection: str, higher_is_better: bool, checkpoint_dir=None, progress: bool = True,
                 on_nan: str = "raise", config: dict | None = None, throughput_unit: str = "clips",
                 checkpoint_every: int = 1, data=None):
        if on_nan not in ("raise", "stop"):
            raise ValueError(f"on_nan must be 'raise' or 'stop', got {on_nan!r}")
        if int(checkpoint_every) < 1:
            raise ValueError(f"checkpoint_every must be at least 1, got {checkpoint_every!r}")
        self.checkpoint_every = int(checkpoint_every)
        self._rngs: list = []
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.modules = {k: m.to(self.device) for k, m in modules.items() if m is not None}
        params = [p for m in self.modules.values() for p in m.parameters()]
        self.optimizer = make_optimizer(params)
        self.scheduler = None if make_scheduler is None else make_scheduler(self.optimizer)
        self.progress, self.on_nan, self.config = progress, on_nan, config or {}
        self.higher, self.unit = higher_is_better, throughput_unit
        self.result = TrainResult(selection=selection)
        self.result.best_state = {k: snapshot(m) for k, m in self.modules.items()}
        self.ckpt_dir = None if checkpoint_dir is None else os.fspath(checkpoint_dir)
        if self.ckpt_dir is not None:  # hashed only where it decides something: resuming
            self.config = {**self.config, "data": data_fingerprint(data),
                           "architecture": {k: {n: list(v.shape) for n, v in m.state_dict().items()}
                                            for k, m in self.modules.items()}}
        self._t_start = time.perf_counter()
        self.last_lr = self.lr  # the learning rate of the most recent step

    @property
    def lr(self) -> float:
        """The learning rate of the next step."""
        return float(self.optimizer.param_groups[0]["lr"])

    def train_mode(self) -> None:
        for m in self.modules.values():
            m.train()

    def step(self, loss: torch.Tensor, epoch: int, batch: int) -> float | None:
        """Backward and update on ``loss``; its value as a float, or None when it was not finite
        and ``on_nan="stop"`` (with ``"raise"``: :class:`TrainingDivergedError`)."""
        if not torch.isfinite(loss.detach()).all():
            self.restore()
            kept = self.result.last_checkpoint or self.result.checkpoint
            msg = (f"non-finite loss ({float(loss.detach())}) at epoch {epoch}, batch {batch}, "
                   f"learning rate {self.lr:g}; training stopped, best weights so far restored"
                   + (f", last good checkpoint kept at {kept}" if kept else ", no checkpoint written yet")
                   + ". Lower the learning rate or check the data.")
            self.result.stopped = msg
            if self.on_nan == "raise":
                raise TrainingDivergedError(msg, epoch=epoch, batch=batch, lr=self.lr,
                                            history=self.result.history, checkpoint=kept,
                                            best_state=self.result.best_state)
            return None
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.last_lr = self.lr
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return float(loss.detach())

    def start_epoch(self) -> None:
        """Reset the epoch's sums and put the networks in training mode."""
        self.train_mode()
        self._t0 = time.perf_counter()
        self._sums: dict[str, float] = {}
        self._n = 0

    def account(self, n: int, bar=None, **losses: float) -> None:
        """Add one batch of ``n`` items with its losses (floats) to the epoch's means."""
        self._n += n
        for k, v in losses.items():
            self._sums[k] = self._sums.get(k, 0.0) + float(v) * n
        if bar is not None:
            bar.set_postfix({k: f"{float(v):.4g}" for k, v in losses.items()})
            bar.update(1)

    def epoch_record(self) -> dict:
        """The epoch's mean losses, wall time, throughput and the learning rate of its last step."""
        record = {k: v / max(self._n, 1) for k, v in self._sums.items()}
        record["seconds"] = time.perf_counter() - self._t0
        record[f"{self.unit}_per_s"] = self._n / record["seconds"] if record["seconds"] > 0 else float("nan")
        record["lr"] = self.last_lr
        return record

    def _payload(self, epoch: int, metric: float) -> dict:
        return {**{k: m.state_dict() for k, m in self.modules.items()}, "epoch": epoch,
                "selection": self.result.selection, "metric": metric, "config": self.config}

    def end_epoch(self, epoch: int, record: dict, metric: float) -> bool:
        """Record the epoch, keep its weights when its metric is the best so far, write checkpoints.
        Returns whether the epoch is the new best."""
        res = self.result
        record["epoch"] = epoch
        record[res.selection] = metric
        res.history.append(record)
        better = math.isfinite(metric) and (res.best_metric is None or
                                            (metric > res.best_metric if self.higher else metric < res.best_metric))
        if better:
            res.best_epoch, res.best_metric = epoch, metric
            res.best_state = {k: snapshot(m) for k, m in self.modules.items()}
        if self.ckpt_dir is not None:
            if better:
                res.checkpoint = os.path.join(self.ckpt_dir, "best.pt")
                save_torch_atomic(self._payload(epoch, metric), res.checkpoint)
            res.last_checkpoint = os.path.join(self.ckpt_dir, "last.pt")
            save_torch_atomic(self._payload(epoch, metric), res.last_checkpoint)
            if (epoch + 1) % self.checkpoint_every == 0:
                save_torch_atomic(self._resume_payload(epoch), os.path.join(self.ckpt_dir, RESUME_FILE))
        return better

    # -- resuming -------------------------------------------------------------------------------------
    def track_rng(self, *generators) -> None:
        """Register the trainer's own random generators (``numpy.random.Generator`` or ``torch.Generator``):
        ``resume.pt`` saves their states and :meth:`resume` restores them, so a resumed run draws the same
        batches as an uninterrupted one."""
        for g in generators:
            if not isinstance(g, (np.random.Generator, torch.Generator)):
                raise TypeError(f"track_rng takes numpy or torch generators, got {type(g).__name__}")
        self._rngs.extend(generators)

    def config_key(self) -> str:
        """A short hash of the run's settings (``config``): a rerun resumes only when it is the same."""
        text = json.dumps(self.config, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _rng_states(self) -> dict:
        return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
                "tracked": [g.get_state() if isinstance(g, torch.Generator) else g.bit_generator.state
                            for g in self._rngs]}

    def _set_rng_states(self, states: dict) -> None:
        random.setstate(states["python"])
        np.random.set_state(states["numpy"])
        torch.set_rng_state(states["torch"])
        if states.get("cuda") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(states["cuda"])
        for g, state in zip(self._rngs, states["tracked"], strict=True):
            if isinstance(g, torch.Generator):
                g.set_state(state)
            else:
                g.bit_generator.state = state

    def _resume_payload(self, epoch: int) -> dict:
        res = self.result
        return {"next_epoch": epoch + 1, "config_key": self.config_key(), "config": self.config,
                "modules": {k: m.state_dict() for k, m in self.modules.items()},
                "optimizer": self.optimizer.state_dict(),
                "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
                "rng": self._rng_states(), "history": res.history, "best_epoch": res.best_epoch,
                "best_metric": res.best_metric, "best_state": res.best_state, "checkpoint": res.checkpoint,
                "last_lr": self.last_lr}

    def resume(self) -> int:
        """Continue a run that stopped: load ``resume.pt`` from the checkpoint folder (networks, optimiser,
        schedule, history, kept weights, random states) and return the next epoch to train; 0 when there
        is no folder, no file, or the file was written with other settings, data or networks (``config``: a
        changed one starts a new run, with a warning); a resumed run says so on stderr. Call it after
        :meth:`track_rng`, before the first epoch."""
        if self.ckpt_dir is None:
            return 0
        path = os.path.join(self.ckpt_dir, RESUME_FILE)
        if not os.path.exists(path):
            return 0
        state = torch.load(path, map_location="cpu", weights_only=False)  # random states must stay on the CPU
        if state.get("config_key") != self.config_key():
            warnings.warn(f"{path} was written with other settings (or other data, or another network); "
                          "training starts from epoch 0 (and overwrites it)", stacklevel=2)
            return 0
        if len(state["rng"]["tracked"]) != len(self._rngs):
            raise ValueError(f"{path} holds {len(state['rng']['tracked'])} generator states, the trainer "
                             f"registered {len(self._rngs)}: call track_rng before resume")
        for k, m in self.modules.items():
            m.load_state_dict(state["modules"][k])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        res = self.result
        res.history, res.best_epoch, res.best_metric = state["history"], state["best_epoch"], state["best_metric"]
        res.best_state, res.checkpoint = state["best_state"], state["checkpoint"]
        res.last_checkpoint = os.path.join(self.ckpt_dir, "last.pt")
        self.last_lr = state["last_lr"]
        self._set_rng_states(state["rng"])
        res.extra["resumed_at_epoch"] = state["next_epoch"]
        print(f"resumed {path}: {len(res.history)} epochs done", file=sys.stderr)  # to the run's log
        return int(state["next_epoch"])

    def restore(self) -> None:
        """Load the kept weights back into the networks."""
        for k, m in self.modules.items():
            state = (self.result.best_state or {}).get(k)
            if state is not None:
                m.load_state_dict(state)

    def finish(self) -> TrainResult:
        """Restore the kept weights and return the result with the total wall time."""
        self.restore()
        self.result.seconds = time.perf_counter() - self._t_start
        return self.result

    def bar(self, total: int, epoch: int, epochs: int):
        """A plain-text progress bar over one epoch's batches (off when ``progress`` is False)."""
        from tqdm import tqdm

        return tqdm(total=total, desc=f"epoch {epoch + 1}/{epochs}", disable=not self.progress, leave=False)
