"""Training of the map regressor (Niu et al. 2018, Sec. III-C and IV-A) on the library's one loop.

L1 loss between predicted and reference HR (bpm), learning rate 0.001, at most
30 epochs in the paper. The paper names no optimiser, batch size or
validation set: we use Adam, the profile's batch size, and keep the epoch with
the lowest training L1 (there is no validation split in the paper's protocol).
``schedule="cosine"`` (ours, used by the synthetic pretraining) decays the
learning rate from ``lr`` to 0 over all steps of the run.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ...train.loop import TrainingLoop, TrainResult

__all__ = ["prepare_input", "cosine_decay", "train_regressor", "predict", "map_clips_hr"]


def prepare_input(maps, input_size=None, batch: int = 256) -> torch.Tensor:
    """uint8 maps ``(N, n, T, 3)`` -> float32 ``(N, 3, h, w)`` on [0, 1], resized to ``input_size``
    in batches (bilinear, antialiased, as :class:`~rppg_lib.models.ResNet18Regressor` resizes), so
    the full-size float maps are never all in memory."""
    from ...models import maps_to_input

    maps = np.asarray(maps)
    parts = []
    for s in range(0, len(maps), batch):
        x = maps_to_input(maps[s:s + batch])
        if input_size is not None and tuple(x.shape[-2:]) != tuple(input_size):
            x = F.interpolate(x, size=tuple(input_size), mode="bilinear", align_corners=False, antialias=True)
        parts.append(x)
    if not parts:
        raise ValueError("no maps to prepare")
    return torch.cat(parts)


def cosine_decay(total_steps: int):
    """``optimizer -> LambdaLR`` that decays the learning rate from its value to 0 over ``total_steps``."""
    total = max(int(total_steps), 1)
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total)))


def train_regressor(model, x, hr, *, epochs: int, lr: float = 1e-3, batch_size: int = 32,
                    seed: int = 0, device="cpu", progress: bool = True, schedule: str = "constant",
                    on_epoch=None, checkpoint_dir=None) -> TrainResult:
    """Train ``model`` on inputs ``x`` ``(N, 3, h, w)`` and heart rates ``hr`` ``(N,)`` with L1 and Adam.

    ``x`` and ``hr`` may instead be callables ``epoch -> inputs`` and ``epoch -> heart rates``
    that give fresh data of the same size every epoch (the synthetic pretraining draws new maps).
    ``schedule``: ``"constant"`` (the paper's fixed rate) or ``"cosine"`` (:func:`cosine_decay`).
    ``on_epoch(epoch, model)`` is called after every epoch (e.g. to score a held-out set); a dict it returns
    joins the epoch's record in ``history`` (so a resumed run still has the epochs before it).
    ``checkpoint_dir``: checkpoints of every epoch; a rerun with the same folder, settings and data (the
    first epoch's, for callables) resumes.

    Batches are reshuffled every epoch with ``seed``. A non-finite loss stops
    training with the epoch, batch and learning rate in the message
    (:class:`~rppg_lib.train.loop.TrainingDivergedError`). The model ends
    with the weights of the epoch of lowest mean training L1.
    """
    if schedule not in ("constant", "cosine"):
        raise ValueError(f"schedule must be 'constant' or 'cosine', got {schedule!r}")
    fresh = callable(x)
    inputs, labels = (x, hr) if fresh else ((lambda e: x), (lambda e: hr))
    x, y = _checked(inputs(0), labels(0))
    n_batches = -(-len(x) // batch_size)
    loop = TrainingLoop({"regressor": model}, lambda p: torch.optim.Adam(p, lr=lr), device=device,
                        make_scheduler=cosine_decay(epochs * n_batches) if schedule == "cosine" else None,
                        selection="train_l1", higher_is_better=False, progress=progress,
                        checkpoint_dir=checkpoint_dir,
                        config={"epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
                                "schedule": schedule, "fresh_data": fresh}, data=(x, y))
    dev = loop.device
    gen = torch.Generator().manual_seed(seed)
    loop.track_rng(gen)
    start = loop.resume()
    if fresh and start > 0:
        x, y = _checked(inputs(start), labels(start))
    for epoch in range(start, epochs):
        if fresh and epoch > start:
            x, y = _checked(inputs(epoch), labels(epoch))
        loop.start_epoch()
        order = torch.randperm(len(x), generator=gen)
        with loop.bar(n_batches, epoch, epochs) as bar:
            for b in range(n_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                loss = F.l1_loss(model(x[idx].to(dev)), y[idx].to(dev))
                value = loop.step(loss, epoch, b)
                loop.account(len(idx), bar, train_l1=value)
        record = loop.epoch_record()
        if on_epoch is not None:
            record.update(on_epoch(epoch, model) or {})
        loop.end_epoch(epoch, record, record["train_l1"])
    return loop.finish()


def _checked(x, hr):
    y = torch.as_tensor(np.asarray(hr, dtype=np.float32))
    if len(y) != len(x) or len(x) == 0:
        raise ValueError(f"{len(x)} inputs for {len(y)} heart rates")
    return x, y


@torch.no_grad()
def predict(model, x: torch.Tensor, batch_size: int = 256, device="cpu") -> np.ndarray:
    """Heart rates ``(N,)`` predicted by ``model`` in eval mode."""
    model.eval()
    out = [model(x[s:s + batch_size].to(device)).cpu() for s in range(0, len(x), batch_size)]
    return torch.cat(out).numpy().astype(float)


def map_clips_hr(net, blocks, spec: dict, starts, batch_size: int = 32) -> np.ndarray:
    """One HR per clip of a stored map network, for ``rppg predict --model`` (the ``clip_reader`` of
    :func:`rppg_lib.model_store.st_map_input`): the clips of ``spec["clip_frames"]`` frames of the block means
    ``blocks`` (N, n, 3) that begin at ``starts``, each min-max scaled on its own to a uint8 map
    (:func:`rppg_lib.video.st_map_normalise`, as :func:`rppg_lib.video.random_clips` cuts the chapter's clips) and
    prepared as the chapter prepares them (:func:`prepare_input` at ``spec["input_size"]``)."""
    from ...video import st_map_normalise

    clip, size = int(spec["clip_frames"]), spec.get("input_size")
    hr = []
    with torch.no_grad():
        for b in range(0, len(starts), batch_size):
            maps = np.stack([st_map_normalise(blocks[s:s + clip]) for s in starts[b:b + batch_size]])
            hr.append(net(prepare_input(maps, size)).reshape(-1).double().numpy())
    return np.concatenate(hr) if hr else np.zeros(0)
