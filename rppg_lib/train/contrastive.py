"""Supervised and contrastive training of Gideon & Stent (2021), Sec. 3.5.

Two loops over recordings of face video (and, for the supervised loop, their
reference PPG):

- :func:`train_supervised`: clip -> [saliency sampler] -> PPG estimator ->
  ``neg_mcc`` (or ``neg_pearson`` / ``snr_loss``) against the reference PPG;
  the epoch with the best validation MCC is kept.
- :func:`train_contrastive`: clip -> [sampler] -> anchor; the frequency
  resampler makes the negative (HR x r_f) and, from the network's output on it,
  the positive; MVTL with the PSD-MSE distance; no labels; the epoch with the
  lowest training IPR is kept.

Shared recipe (paper, with public-code facts where the paper is silent):
AdamW (lr 1e-5 in the paper; the public code's effective rate is 4e-5,
i.e. lr x batch size), batch 4, 100 epochs; every epoch draws one random
10 s clip per recording; clip-stretch augmentation lowers the HR by up to
33 %; a supervised clip whose reference PPG has IPR > 0.6 is redrawn (the
threshold relaxes as ``0.9 t + 0.1`` after each failure so the redraw ends,
as in the public code); ``r_f`` ~ U(1.25, 1.5) once per batch; 4 views of
5 s. The saliency sampler's regularisers (Eq. 3) are added when a sampler is
given.

Data: ``videos`` is an array / tensor ``(N, C, T, H, W)`` (uint8 or float;
the estimator z-normalises its input) with ``ppg`` ``(N, T)``, or a
``torch.utils.data.Dataset`` whose items are ``(video (C, T, H, W), ppg (T,))``
pairs, dicts with ``"video"`` and ``"ppg"``, or bare videos (contrastive).
Recordings may be longer than a clip; clips are drawn from them. A Dataset whose items are drawn at random
(e.g. :class:`rppg_lib.papers.gideon2021.experiment.OffsetRecordings`) names its generators in ``generators``
(saved and restored with the checkpoints, so a resumed run draws what an uninterrupted one would) and what
defines it in ``fingerprint_parts()`` (:func:`rppg_lib.train.loop.data_fingerprint`).

Safety: a non-finite loss stops training at once, naming the epoch and batch,
leaves the checkpoints on disk untouched (the last good ones) and puts the
best weights so far back into the model; then :class:`~rppg_lib.train.loop.TrainingDivergedError` is
raised (``on_nan="raise"``) or the result says why it stopped
(``on_nan="stop"``). Checkpoints are written to a temporary file and renamed.
On CPU a seed makes a run repeatable.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.utils.data

from .. import signal as sig
from ..augment import FrequencyResampler, sample_clip
from ..losses.contrastive import irrelevant_power_ratio, max_cross_correlation, mvtl, neg_mcc, neg_pearson, snr_loss
from .common import resolve_device, seed_everything
from .loop import TrainingDivergedError, TrainingLoop, TrainResult

__all__ = [
    "train_supervised",
    "train_contrastive",
    "predict_ppg",
    "TrainResult",
    "TrainingDivergedError",
]


# ----------------------------------------------------------------------------
# data access
# ----------------------------------------------------------------------------
class _Recordings:
    """Index recordings uniformly: ``rec[i] -> (video (C, T, H, W) tensor, ppg (T,) ndarray | None)``."""

    def __init__(self, videos, ppg=None, need_ppg: bool = False, name: str = "videos"):
        self.dataset = None
        if isinstance(videos, torch.utils.data.Dataset) and not torch.is_tensor(videos):
            if ppg is not None:
                raise ValueError("pass the PPG inside the Dataset items, not as a separate ppg argument")
            self.dataset = videos
            self.n = len(videos)
        else:
            self.videos = videos if torch.is_tensor(videos) else np.asarray(videos)
            if self.videos.ndim != 5:
                raise ValueError(f"{name} must be (N, C, T, H, W), got shape {tuple(self.videos.shape)}")
            self.n = self.videos.shape[0]
            self.ppg = None
            if ppg is not None:
                self.ppg = np.asarray(ppg.detach().cpu() if torch.is_tensor(ppg) else ppg, dtype=float)
                if self.ppg.shape != (self.n, self.videos.shape[2]):
                    raise ValueError(f"ppg must be (N, T) = {(self.n, self.videos.shape[2])}, "
                                     f"got {self.ppg.shape}")
        if self.n == 0:
            raise ValueError(f"{name} is empty")
        self.need_ppg = need_ppg
        if need_ppg and self.dataset is None and self.ppg is None:
            raise ValueError("supervised training needs the reference ppg (N, T)")

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.dataset is None:
            v = self.videos[i]
            v = v if torch.is_tensor(v) else torch.as_tensor(v)
            return v, (None if self.ppg is None else self.ppg[i])
        item = self.dataset[i]
        if isinstance(item, dict):
            v, p = item["video"], item.get("ppg")
        elif isinstance(item, (tuple, list)):
            v, p = item[0], (item[1] if len(item) > 1 else None)
        else:
            v, p = item, None
        v = v if torch.is_tensor(v) else torch.as_tensor(np.asarray(v))
        if p is not None:
            p = np.asarray(p.detach().cpu() if torch.is_tensor(p) else p, dtype=float)
        if self.need_ppg and p is None:
            raise ValueError(f"Dataset item {i} has no ppg; supervised training needs it")
        return v, p


def _zscore(p: np.ndarray) -> np.ndarray:
    sd = p.std()
    return (p - p.mean()) / sd if sd > 0 else p - p.mean()


class _ClipDrawer:
    """Random clips with stretch and (supervised) IPR redraw; counts redraws."""

    def __init__(self, recs, clip_len, rng, max_hr_decrease, fs, band_bpm, ipr_threshold, max_redraws):
        self.recs, self.clip_len, self.rng = recs, clip_len, rng
        self.max_hr_decrease, self.fs, self.band = max_hr_decrease, fs, band_bpm
        self.ipr_threshold, self.max_redraws = ipr_threshold, max_redraws
        self.redraws = 0
        self.kept_high_ipr = 0

    def one(self, i):
        video, ppg = self.recs[i]
        if video.ndim != 4 or video.shape[1] < self.clip_len:
            raise ValueError(f"recording {i} has shape {tuple(video.shape)}; need (C, T, H, W) "
                             f"with T >= {self.clip_len} frames per clip")
        if ppg is None or self.ipr_threshold is None:
            clip, p, _ = sample_clip(video, ppg, self.clip_len, self.rng, self.max_hr_decrease)
            return clip, (None if p is None else _zscore(p))
        thr, best = self.ipr_threshold, None
        for attempt in range(self.max_redraws + 1):
            clip, p, _ = sample_clip(video, ppg, self.clip_len, self.rng, self.max_hr_decrease)
            q = sig.ipr(p, self.fs, self.band)
            q = q if np.isfinite(q) else np.inf
            if best is None or q < best[0]:
                best = (q, clip, p)
            if q <= thr:
                return clip, _zscore(p)
            if attempt < self.max_redraws:
                self.redraws += 1
                thr = 0.9 * thr + 0.1  # relax, as the public code does, so the redraw ends
        self.kept_high_ipr += 1
        return best[1], _zscore(best[2])

    def batch(self, indices):
        items = [self.one(int(i)) for i in indices]
        clips = torch.stack([c for c, _ in items])
        ppg = None if items[0][1] is None else torch.as_tensor(np.stack([p for _, p in items]))
        return clips, ppg


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------
def _clip_len(clip_seconds: float, fs: float) -> int:
    if not (fs > 0 and clip_seconds > 0):
        raise ValueError(f"fs and clip_seconds must be positive, got {fs} and {clip_seconds}")
    return int(round(clip_seconds * fs))


def _forward(model, sampler, x):
    """(prediction, saliency regularisation dict or None)."""
    reg = None
    if sampler is not None:
        x, sal = sampler(x)
        reg = sampler.regularisation(sal)
    return model(x), reg


@torch.no_grad()
def predict_ppg(model, clips, sampler=None, batch_size: int = 4, device="auto") -> np.ndarray:
    """PPG estimates ``(N, T)`` of clips ``(N, C, T, H, W)`` in eval mode (float64 numpy)."""
    dev = resolve_device(device) if isinstance(device, str) else device
    model.to(dev).eval()
    if sampler is not None:
        sampler.to(dev).eval()
    clips = clips if torch.is_tensor(clips) else torch.as_tensor(np.asarray(clips))
    out = []
    for s in range(0, clips.shape[0], batch_size):
        y, _ = _forward(model, sampler, clips[s:s + batch_size].to(dev).float())
        out.append(y.double().cpu().numpy())
    return np.concatenate(out)


@torch.no_grad()
def _fixed_clip_ipr(model, sampler, recs, clip_len, fs, band_bpm, device, batch_size, per_recording) -> float:
    """Mean IPR of the model's PPG (eval mode) over the first ``per_recording`` consecutive
    non-overlapping clips of every recording: the same clips every epoch, no augmentation, no
    batch statistics."""
    model.eval()
    if sampler is not None:
        sampler.eval()
    values, clips = [], []

    def flush():
        if clips:
            y, _ = _forward(model, sampler, torch.stack(clips).to(device).float())
            values.append(irrelevant_power_ratio(y.double(), fs, band_bpm).cpu().numpy())
            clips.clear()

    for i in range(len(recs)):
        video, _ = recs[i]
        for start in range(0, video.shape[1] - clip_len + 1, clip_len)[:per_recording]:
            clips.append(video[:, start:start + clip_len].float())
            if len(clips) == batch_size:
                flush()
    flush()
    v = np.concatenate(values)
    return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")


@torch.no_grad()
def _validation_mcc(model, sampler, recs, clip_len, fs, band_bpm, device, batch_size) -> float:
    """Mean MCC over consecutive non-overlapping clips of the validation recordings."""
    model.eval()
    if sampler is not None:
        sampler.eval()
    scores = []
    clips, refs = [], []

    def flush():
        if clips:
            y, _ = _forward(model, sampler, torch.stack(clips).to(device).float())
            ref = torch.as_tensor(np.stack(refs), dtype=y.dtype, device=device)
            scores.append(max_cross_correlation(y, ref, fs, band_bpm).cpu())
            clips.clear()
            refs.clear()

    for i in range(len(recs)):
        video, ppg = recs[i]
        for start in range(0, video.shape[1] - clip_len + 1, clip_len):
            clips.append(video[:, start:start + clip_len].float())
            refs.append(_zscore(ppg[start:start + clip_len]))
            if len(clips) == batch_size:
                flush()
    flush()
    if not scores:
        raise ValueError(f"validation recordings are shorter than one clip ({clip_len} frames)")
    return float(torch.cat(scores).mean())


def _loop(model, sampler, lr, weight_decay, device, checkpoint_dir, progress, on_nan, selection, higher_is_better,
          config, data) -> TrainingLoop:
    """The shared loop with AdamW over the model and the sampler (the paper's optimiser)."""
    return TrainingLoop({"model": model, "sampler": sampler},
                        lambda params: torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay), device=device,
                        selection=selection, higher_is_better=higher_is_better, checkpoint_dir=checkpoint_dir,
                        progress=progress, on_nan=on_nan, config=config, data=data)


def _step(loop: TrainingLoop, task, reg, epoch: int, batch: int, n: int, bar) -> bool:
    """One optimiser step on the task loss plus the saliency regularisation; False when training stopped."""
    total = loop.step(task if reg is None else task + reg["total"], epoch, batch)
    if total is None:
        return False
    loop.account(n, bar, loss=float(task.detach()), saliency_reg=0.0 if reg is None else float(reg["total"].detach()),
                 total=total)
    return True


def _batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[s:s + batch_size] for s in range(0, n, batch_size)]


# ----------------------------------------------------------------------------
# supervised
# ----------------------------------------------------------------------------
def train_supervised(model, videos, ppg=None, *, fs: float = 30.0, loss="mcc", epochs: int = 100,
                     lr: float = 1e-5, weight_decay: float = 0.01, batch_size: int = 4,
                     clip_seconds: float = 10.0, max_hr_decrease: float = 1.0 / 3.0,
                     ipr_threshold: float | None = 0.6, max_redraws: int = 20,
                     band_bpm=sig.DEFAULT_BAND_BPM, val_videos=None, val_ppg=None, sampler=None,
                     seed: int = 0, device="auto", checkpoint_dir=None, progress: bool = True,
                     on_nan: str = "raise") -> TrainResult:
    """Supervised training of a PPG estimator against reference PPG (Sec. 3.5).

    Parameters (paper values as defaults)
    -------------------------------------
    model : e.g. :class:`rppg_lib.models.PhysNetUpsample`, ``(N, C, T, H, W) -> (N, T)``.
    videos, ppg : recordings, see the module docstring.
    loss : ``"mcc"`` (paper, :func:`neg_mcc`), ``"pearson"`` (:func:`neg_pearson`),
        ``"snr"`` (:func:`snr_loss` against the HR of the reference clip), or a
        callable ``(pred, target_ppg) -> scalar``.
    clip_seconds : W = 10 s; ``clip_len = round(W * fs)``.
    max_hr_decrease : clip-stretch augmentation (1/3 = up to 33 %; 0 disables).
    ipr_threshold : redraw clips whose reference IPR exceeds it (0.6; None disables).
    val_videos, val_ppg : validation recordings, cut into consecutive clips;
        the epoch with the highest mean validation MCC is kept. Without them
        the epoch with the lowest training loss is kept (``selection``).
    sampler : optional :class:`rppg_lib.models.SaliencySampler` in front of the
        model (trained jointly; its Eq. 3 regularisation is added to the loss).
    checkpoint_dir : where ``best.pt``, ``last.pt`` and ``resume.pt`` go (None: no files); a rerun with the same
        folder, settings and data continues from ``resume.pt``.
    """
    fs = float(fs)
    clip_len = _clip_len(clip_seconds, fs)
    if isinstance(loss, str):
        if loss not in ("mcc", "pearson", "snr"):
            raise ValueError(f"loss must be 'mcc', 'pearson', 'snr' or a callable, got {loss!r}")
        loss_name = loss
    elif callable(loss):
        loss_name = getattr(loss, "__name__", "custom")
    else:
        raise ValueError(f"loss must be 'mcc', 'pearson', 'snr' or a callable, got {loss!r}")
    recs = _Recordings(videos, ppg, need_ppg=True)
    val = None
    if val_videos is not None:
        val = _Recordings(val_videos, val_ppg, need_ppg=True, name="val_videos")
    rng = seed_everything(seed)
    config = dict(kind="supervised", loss=loss_name, fs=fs, epochs=epochs, lr=lr, weight_decay=weight_decay,
                  batch_size=batch_size, clip_len=clip_len, max_hr_decrease=max_hr_decrease,
                  ipr_threshold=ipr_threshold, band_bpm=tuple(band_bpm), seed=seed,
                  saliency=sampler is not None)
    loop = _loop(model, sampler, lr, weight_decay, device, checkpoint_dir, progress, on_nan,
                 selection="val_mcc" if val is not None else "train_loss",
                 higher_is_better=val is not None, config=config, data=(videos, ppg, val_videos, val_ppg))
    model, sampler = loop.modules["model"], loop.modules.get("sampler")
    drawer = _ClipDrawer(recs, clip_len, rng, max_hr_decrease, fs, band_bpm, ipr_threshold, max_redraws)
    dev = loop.device
    loop.track_rng(rng, *getattr(videos, "generators", ()))

    def compute_loss(y, target):
        if loss == "mcc":
            return neg_mcc(y, target, fs, band_bpm)
        if loss == "pearson":
            return neg_pearson(y, target)
        if loss == "snr":
            # Gideon & Stent Sec. 3.5: the ground truth's HR is its highest spectral peak
            hr = sig.estimate_hr(target.double().cpu().numpy(), fs, band_bpm, harmonic_ratio=None)
            return snr_loss(y, np.atleast_1d(hr), fs, band_bpm)
        return loss(y, target)

    for epoch in range(loop.resume(), epochs):  # a rerun with the same checkpoint_dir continues
        loop.start_epoch()
        batches = _batches(len(recs), batch_size, rng)
        with loop.bar(len(batches), epoch, epochs) as bar:
            for b, idx in enumerate(batches):
                clips, target = drawer.batch(idx)
                x = clips.to(dev).float()
                target = target.to(dev, dtype=x.dtype)
                y, reg = _forward(model, sampler, x)
                if not _step(loop, compute_loss(y, target), reg, epoch, b, len(idx), bar):
                    break
        if loop.result.stopped:
            break
        record = loop.epoch_record()
        if val is not None:
            metric = _validation_mcc(model, sampler, val, clip_len, fs, band_bpm, dev, batch_size)
        else:
            metric = record["loss"]
        loop.end_epoch(epoch, record, metric)

    res = loop.finish()
    res.extra.update(redraws=drawer.redraws, kept_high_ipr=drawer.kept_high_ipr)
    return res


# ----------------------------------------------------------------------------
# contrastive
# ----------------------------------------------------------------------------
def train_contrastive(model, videos, *, fs: float = 30.0, epochs: int = 100, lr: float = 1e-5,
                      weight_decay: float = 0.01, batch_size: int = 4, clip_seconds: float = 10.0,
                      max_hr_decrease: float = 1.0 / 3.0, freq_range=(1.25, 1.5), n_views: int = 4,
                      view_seconds: float = 5.0, view_scaling: str = "paper", psd_window: str | None = "hann",
                      band_bpm=sig.DEFAULT_BAND_BPM, sampler=None, seed: int = 0, device="auto",
                      checkpoint_dir=None, progress: bool = True, on_nan: str = "raise",
                      ipr_on: str = "fixed", ipr_clips_per_recording: int = 1) -> TrainResult:
    """Self-supervised (contrastive) training without labels (Sec. 3.5, Fig. 2).

    Per batch: anchor clips ``x_a`` (through the sampler if given),
    ``r_f ~ U(freq_range)``, negative ``x_n = resample(x_a, r_f)``, outputs
    ``y_a``, ``y_n``, positive ``y_p = resample(y_n, back to T)``; loss
    :func:`mvtl` with ``n_views`` views of ``view_seconds`` (``view_scaling``
    ``"paper"`` divides by V^2, ``"public_code"`` does not; ``psd_window``
    tapers each view before its PSD, ``"hann"`` by default, None = the public
    code's rectangular window, see :func:`~rppg_lib.losses.contrastive.mvtl`). Any PPG in the
    data is ignored. The paper folds the validation recordings into training
    here: pass them in ``videos``. The epoch with the lowest mean IPR on the
    training set is kept (``selection="train_ipr"``), as the paper says.
    ``ipr_on``: ``"fixed"`` (default) measures it after each epoch in eval mode on
    the first ``ipr_clips_per_recording`` consecutive clips of every training
    recording (1: about 20 % more time per epoch at the book profile, all
    clips of 30 s recordings: 60 %); ``"batches"`` on the
    anchor outputs of the epoch's random, augmented clips in training mode (the
    public code). The latter is noisy with few recordings and kept epochs whose
    PPG still followed head motion (book profile, pure-like, seed 3: the kept
    epoch gave test RMSE 18.8 bpm in a 50-epoch run and 12.3 at lr 1e-3, where
    the last epoch gave 0.3 and 0.4; with ``"fixed"``: 0.3).
    """
    if ipr_on not in ("fixed", "batches"):
        raise ValueError(f"ipr_on must be 'fixed' or 'batches', got {ipr_on!r}")
    fs = float(fs)
    clip_len = _clip_len(clip_seconds, fs)
    view_len = int(round(view_seconds * fs))
    if view_len > clip_len:
        raise ValueError(f"views of {view_len} samples do not fit in clips of {clip_len}")
    recs = _Recordings(videos, None, need_ppg=False)
    rng = seed_everything(seed)
    gen = torch.Generator().manual_seed(seed)
    resampler = FrequencyResampler(*freq_range)
    config = dict(kind="contrastive", fs=fs, epochs=epochs, lr=lr, weight_decay=weight_decay,
                  batch_size=batch_size, clip_len=clip_len, max_hr_decrease=max_hr_decrease,
                  freq_range=tuple(freq_range), n_views=n_views, view_len=view_len,
                  view_scaling=view_scaling, psd_window=psd_window, ipr_on=ipr_on,
                  ipr_clips_per_recording=ipr_clips_per_recording, band_bpm=tuple(band_bpm),
                  seed=seed,
                  saliency=sampler is not None)
    loop = _loop(model, sampler, lr, weight_decay, device, checkpoint_dir, progress, on_nan,
                 selection="train_ipr", higher_is_better=False, config=config, data=videos)
    model, sampler = loop.modules["model"], loop.modules.get("sampler")
    drawer = _ClipDrawer(recs, clip_len, rng, max_hr_decrease, fs, band_bpm, None, 0)
    dev = loop.device
    loop.track_rng(rng, gen, *getattr(videos, "generators", ()))

    for epoch in range(loop.resume(), epochs):  # a rerun with the same checkpoint_dir continues
        loop.start_epoch()
        ipr_values = []
        batches = _batches(len(recs), batch_size, rng)
        with loop.bar(len(batches), epoch, epochs) as bar:
            for b, idx in enumerate(batches):
                clips, _ = drawer.batch(idx)
                x = clips.to(dev).float()
                reg = None
                if sampler is not None:
                    x, sal = sampler(x)
                    reg = sampler.regularisation(sal)
                x_n, _ = resampler(x, generator=gen)
                y_a = model(x)
                y_n = model(x_n)
                y_p = resampler.positive(y_n, x.shape[2])
                task = mvtl(y_a, y_p, y_n, fs, n_views=n_views, view_len=view_len, band_bpm=band_bpm,
                            view_scaling=view_scaling, generator=gen, window=psd_window)
                if not _step(loop, task, reg, epoch, b, len(idx), bar):
                    break
                ipr_values.append(irrelevant_power_ratio(y_a.detach().double(), fs, band_bpm).cpu().numpy())
        if loop.result.stopped:
            break
        record = loop.epoch_record()
        if ipr_on == "fixed":
            metric = _fixed_clip_ipr(model, sampler, recs, clip_len, fs, band_bpm, dev, batch_size,
                                     ipr_clips_per_recording)
        else:
            all_ipr = np.concatenate(ipr_values)
            metric = float(np.nanmean(all_ipr)) if np.isfinite(all_ipr).any() else float("nan")
        loop.end_epoch(epoch, record, metric)

    return loop.finish()
