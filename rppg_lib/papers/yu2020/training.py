"""Training, architecture search and prediction of AutoHR (Yu et al. 2020, Sec. II-B to II-D, App. B).

- :func:`draw_clips`: a batch of training clips from face-crop recordings, with DA1
  (:func:`rppg_lib.augment.spatiotemporal_cutout`) and DA2
  (:func:`rppg_lib.augment.hr_resample_clip`); every clip's HR label is read from its own
  reference PPG (the peak of its periodogram), so a resampled clip carries its new HR.
- :func:`train_network`: one network (AutoHR, PhysNet...) trained with the hybrid loss,
  the time loss alone (1 - Pearson) or the frequency loss alone (CE of the PSD), Adam,
  on the library's :class:`~rppg_lib.train.loop.TrainingLoop` (NaN guard: a diverging run
  stops with the epoch and the learning rate in the message).
- :func:`search_architecture`: the bi-level search of Eq. 2 (first-order DARTS with partial
  channels and edge normalisation, :func:`rppg_lib.models.search_step`): the training
  recordings are split in two halves, one for the weights and one for the architecture;
  the architecture is frozen for the first epochs (App. B).
- :func:`predict_clips`: PPG of test clips, and :func:`clip_hr`: their HR.

Choices of ours (the paper does not give them): a clip is drawn at a uniform random start
of a uniformly drawn training recording; DA1 and DA2 are each applied with probability
:data:`DA_PROBABILITY`; the kept weights are those of the epoch with the lowest training
loss (the paper has no validation split for training).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ... import signal as sig
from ...train.loop import TrainingDivergedError, TrainingLoop

__all__ = ["LOSSES", "HR_BAND", "DA_PROBABILITY", "clip_hr", "draw_clips", "loss_function", "train_network",
           "SearchResult", "search_architecture", "predict_clips"]

#: The losses of Fig. 4a: name -> what it is.
LOSSES = {"hybrid": "0.2 x (1 - Pearson) + CE(PSD, HR class) (Sec. II-C)",
          "time": "1 - Pearson only (L_time, PhysNet's loss)",
          "frequency": "CE(PSD, HR class) only (L_fre)"}
#: Band (bpm) in which a clip's HR is read, for predictions and references alike: the hybrid
#: loss's HR classes (40-179 bpm).
HR_BAND = (40.0, 180.0)
#: Probability that DA1 / DA2 changes a drawn clip (ours; the authors' later code uses 0.5 for DA2).
DA_PROBABILITY = 0.5


def clip_hr(ppg, fs: float) -> np.ndarray:
    """HR (bpm) of each clip ``(N, T)`` (or one ``(T,)``): the highest periodogram peak in :data:`HR_BAND`."""
    return np.atleast_1d(sig.estimate_hr(np.atleast_2d(np.asarray(ppg, float)), fs, HR_BAND, harmonic_ratio=None))


def draw_clips(videos, ppg, indices, clip_len: int, fs: float, rng: np.random.Generator, *, da1: bool = False,
               da2: bool = False, video_hr=None):
    """One training batch: a clip of ``clip_len`` frames from each recording ``indices``.

    ``videos``: ``(N, C, T, H, W)``; ``ppg``: ``(N, T)``; ``video_hr``: each recording's HR (DA2
    decides up- or down-sampling from it). Returns ``(clips (B, C, clip_len, H, W) float tensor,
    ppg (B, clip_len) float tensor, hr (B,) numpy)``.
    """
    from ...augment import hr_resample_clip, spatiotemporal_cutout

    clips, targets = [], []
    for i in indices:
        hr = float(video_hr[i]) if video_hr is not None else float("nan")
        clip, p, _, _ = hr_resample_clip(videos[i], ppg[i], hr if da2 else 80.0, clip_len, rng,
                                         p=DA_PROBABILITY if da2 else 0.0)
        if da1:
            clip = spatiotemporal_cutout(clip, rng, p=DA_PROBABILITY)
        clips.append(clip)
        targets.append(p)
    target = np.stack(targets)
    return torch.stack(clips), torch.as_tensor(target, dtype=torch.float32), clip_hr(target, fs)


def loss_function(name: str, fs: float, lam: float | None = None):
    """``(pred, ppg, hr) -> loss`` for a name of :data:`LOSSES`."""
    from ...losses import hybrid_loss, neg_pearson
    from ...losses.hybrid import LAMBDA_TIME

    lam = LAMBDA_TIME if lam is None else lam
    if name == "hybrid":
        return lambda pred, ppg, hr: hybrid_loss(pred, hr, fs, lam=lam, ppg=ppg)
    if name == "time":
        return lambda pred, ppg, hr: neg_pearson(pred, ppg)
    if name == "frequency":
        return lambda pred, ppg, hr: hybrid_loss(pred, hr, fs, lam=0.0)
    raise ValueError(f"loss must be one of {list(LOSSES)}, got {name!r}")


def _steps(n_items: int, batch_size: int, clips_per_video: int) -> int:
    return max(1, -(-n_items * clips_per_video // batch_size))


def train_network(model, videos, ppg, fs: float, *, loss: str = "hybrid", epochs: int = 15, lr: float = 1e-4,
                  weight_decay: float = 5e-5, batch_size: int = 4, clip_len: int = 160, clips_per_video: int = 1,
                  da1: bool = False, da2: bool = False, seed: int = 0, device="cpu", progress: bool = True,
                  checkpoint_dir=None):
    """Train ``model`` (``(N, C, T, H, W) -> (N, T)``) on recordings ``videos`` / ``ppg`` (App. B: Adam,
    lr 1e-4, wd 5e-5, batch 4, 160-frame clips, at most 15 epochs).

    An epoch draws ``clips_per_video`` clips per recording on average (recordings drawn at random).
    ``checkpoint_dir``: checkpoints of every epoch; a rerun with the same folder, settings and data resumes.
    Returns the :class:`~rppg_lib.train.loop.TrainResult` (history per epoch; the model holds the
    weights of the epoch with the lowest mean training loss).
    """
    videos, ppg = np.asarray(videos), np.asarray(ppg, float)
    if len(videos) == 0 or len(videos) != len(ppg):
        raise ValueError(f"{len(videos)} recordings for {len(ppg)} reference signals")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    video_hr = clip_hr(ppg, fs)
    fn = loss_function(loss, fs)
    loop = TrainingLoop({"model": model}, lambda p: torch.optim.Adam(p, lr=lr, weight_decay=weight_decay),
                        device=device, selection="train_loss", higher_is_better=False, progress=progress,
                        checkpoint_dir=checkpoint_dir,
                        config={"loss": loss, "epochs": epochs, "lr": lr, "weight_decay": weight_decay,
                                "batch_size": batch_size, "clip_len": clip_len, "clips_per_video": clips_per_video,
                                "da1": da1, "da2": da2, "seed": seed, "fs": float(fs)}, data=(videos, ppg))
    dev = loop.device
    n_steps = _steps(len(videos), batch_size, clips_per_video)
    loop.track_rng(rng)
    for epoch in range(loop.resume(), epochs):  # a rerun with the same checkpoint_dir continues
        loop.start_epoch()
        with loop.bar(n_steps, epoch, epochs) as bar:
            for b in range(n_steps):
                idx = rng.integers(0, len(videos), batch_size)
                x, target, hr = draw_clips(videos, ppg, idx, clip_len, fs, rng, da1=da1, da2=da2, video_hr=video_hr)
                value = loop.step(fn(model(x.to(dev)), target.to(dev), hr), epoch, b)
                loop.account(len(idx), bar, loss=value)
        record = loop.epoch_record()
        loop.end_epoch(epoch, record, record["loss"])
    return loop.finish()


@dataclass
class SearchResult:
    """What one architecture search gave: the derived ``genotype``, the final ``alphas`` / ``betas``
    (softmax-free parameters), the losses per epoch and the wall time."""

    genotype: object
    alphas: np.ndarray
    betas: np.ndarray
    history: list = field(default_factory=list)
    seconds: float = 0.0
    config: str = "shared"
    primitives: tuple = ()


def search_architecture(videos, ppg, fs: float, *, config: str = "shared", primitives=None, width: int = 8,
                        epochs: int = 12, warmup_epochs: int = 5, steps_per_epoch: int | None = None,
                        batch_size: int = 2, clip_len: int = 128, pc_k: int | None = None, pool: str = "max",
                        seed: int = 0, device="cpu", progress: bool = True, grad_clip: float = 5.0) -> SearchResult:
    """Search a cell (Sec. II-B, App. B) on recordings ``videos`` / ``ppg`` with the hybrid loss.

    The recordings are split at random into two halves: clips of the first train the weights, clips
    of the second the architecture (first-order DARTS, :func:`rppg_lib.models.search_step`); the
    architecture is not updated in the first ``warmup_epochs``. ``steps_per_epoch`` defaults to one
    pass over the weight half. A non-finite loss raises
    :class:`~rppg_lib.train.loop.TrainingDivergedError` with the epoch and learning rate.
    """
    from ...models import PRIMITIVES, AutoHRSearchNet, make_search_optimizers, search_step
    from ...models.autohr import PC_K

    videos, ppg = np.asarray(videos), np.asarray(ppg, float)
    if len(videos) < 2:
        raise ValueError(f"the search needs at least 2 recordings (weights and architecture halves), got {len(videos)}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    order = rng.permutation(len(videos))
    w_idx, a_idx = order[: (len(videos) + 1) // 2], order[(len(videos) + 1) // 2:]
    primitives = tuple(primitives or PRIMITIVES)
    net = AutoHRSearchNet(width=width, config=config, primitives=primitives, pc_k=PC_K if pc_k is None else pc_k,
                          pool=pool)
    dev = torch.device(device) if isinstance(device, str) else device
    net.to(dev)
    w_opt, a_opt = make_search_optimizers(net)
    fn = loss_function("hybrid", fs)
    loss_fn = lambda pred, target, hr: fn(pred, target, hr)  # noqa: E731
    steps = steps_per_epoch or _steps(len(w_idx), batch_size, 1)
    history = []
    t0 = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(total=epochs * steps, desc=f"search ({config}, {len(primitives)} operations)", disable=not progress,
               leave=False)
    for epoch in range(epochs):
        sums = {"train_loss": 0.0, "val_loss": 0.0}
        for step in range(steps):
            xb, pb, hb = draw_clips(videos, ppg, rng.choice(w_idx, batch_size), clip_len, fs, rng)
            xa, pa, ha = draw_clips(videos, ppg, rng.choice(a_idx, batch_size), clip_len, fs, rng)
            out = search_step(net, w_opt, a_opt, (xb.to(dev), pb.to(dev), hb), (xa.to(dev), pa.to(dev), ha), loss_fn,
                              update_arch=epoch >= warmup_epochs, grad_clip=grad_clip)
            if not all(np.isfinite(v) for v in out.values()):
                bar.close()
                lr = float(w_opt.param_groups[0]["lr"])
                arch_lr = float(a_opt.param_groups[0]["lr"])
                raise TrainingDivergedError(f"non-finite search loss {out} at epoch {epoch}, step {step}, learning "
                                            f"rate {lr:g} (architecture {arch_lr:g}); search stopped. Lower the "
                                            "learning rates or check the data.",
                                            epoch=epoch, batch=step, lr=lr, history=history)
            for k, v in out.items():
                sums[k] += v / steps
            bar.update(1)
        history.append({"epoch": epoch, "train_loss": sums["train_loss"],
                        "val_loss": sums["val_loss"] if epoch >= warmup_epochs else float("nan"),
                        "arch_updated": epoch >= warmup_epochs})
    bar.close()
    return SearchResult(net.genotype(), net.alphas.detach().cpu().numpy(), net.betas.detach().cpu().numpy(),
                        history, time.perf_counter() - t0, config, primitives)


@torch.no_grad()
def predict_clips(model, clips, batch_size: int = 8, device="cpu") -> np.ndarray:
    """PPG ``(N, T)`` predicted for clips ``(N, C, T, H, W)`` in eval mode."""
    model.eval()
    clips = np.asarray(clips)
    out = [model(torch.as_tensor(clips[s:s + batch_size]).float().to(device)).cpu()
           for s in range(0, len(clips), batch_size)]
    return torch.cat(out).numpy().astype(float)
