"""Experiments of Gideon & Stent (2021) for ``notebooks/gideon2021.ipynb``.

The notebook is a narrative; the work is here:

- data: :func:`prepare_simulated` (simulator preset -> sticky face crops, cached
  on disk), :func:`prepare_sessions` (several scenarios / tasks per subject, e.g.
  PURE's six tasks) and :func:`prepare_ubfc` (a real UBFC-rPPG copy through
  :mod:`rppg_lib.data`), all returning :class:`ClipData`; :func:`split_indices`
  (one recording per subject) and :func:`split_by_subject` (all recordings of a
  subject on one side);
- training: :func:`run_model` (supervised / contrastive, with or without the
  saliency sampler, optional injected reference desynchronisation through
  :class:`OffsetRecordings`), evaluated on non-overlapping 10 s test clips by
  :func:`clip_table`;
- baselines: :func:`baseline_table` (mean / median HR of the test clips) and
  :func:`classical_table` (POS, CHROM on the crops' mean colour);
- Table 3 on one data set in one call: :func:`table3_runs` (baselines, POS,
  CHROM, supervised, contrastive) and :func:`table3_with_paper` (ours next to the
  paper's column of that data set);
- learning ladder (issue 10): :func:`learning_ladder` trains the same recipe on data from
  easy to the preset (:data:`LADDER`), :func:`plot_ladder` draws it and
  :func:`learning_metrics` gives the run record's ``metrics["learning"]``;
- analysis: :func:`summarise`, :func:`saliency_share` (Fig. 4),
  :func:`hr_change_quantiles` (Fig. 6); :func:`learning_metrics` (the learning record of the run).
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ... import methods
from ... import signal as sig
from ...data.splits import cut_clips, split_by_subject
from ...storage import cache_dir, cache_key, load_npz, save_npz_atomic
from ...video import mean_colour, sticky_face_crops
from . import KEY

__all__ = [
    "ClipData", "mean_colour", "ppg_lag", "default_cache_dir", "prepare_simulated", "prepare_sessions",
    "pulsing_patch_data", "prepare_ubfc",
    "split_indices", "split_by_subject", "cut_clips", "OffsetRecordings", "clip_table", "summarise",
    "baseline_table", "classical_table", "run_model", "table3_runs", "table3_with_paper", "PAPER_DATASET",
    "saliency_share", "hr_change_quantiles", "inference_seconds",
    "LADDER", "learning_ladder", "plot_ladder", "learning_metrics",
]

BAND = sig.DEFAULT_BAND_BPM  # 40-250 bpm, the paper's Assumption A1
#: The paper's HR estimator (Sec. 3.5) is the highest spectral peak in the band, for predictions and references
#: alike: :func:`rppg_lib.signal.estimate_hr` without its harmonic check (added for CHROM on finger traces).
HR_PEAK = {"harmonic_ratio": None}


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------
@dataclass
class ClipData:
    """Preprocessed recordings: ``videos`` (N, 3, T, h, w) uint8 face crops,
    ``ppg`` (N, T) reference PPG at the frame times, ``fps``, ``subjects``,
    ``source`` (a label for tables), ``meta`` (per-recording dicts)."""

    videos: np.ndarray
    ppg: np.ndarray
    fps: float
    subjects: list
    source: str
    meta: list = field(default_factory=list)

    def __len__(self):
        return len(self.videos)

    @property
    def rgb(self) -> np.ndarray:
        """Spatial mean colour of the crops, (N, T, 3) (input of the classical methods)."""
        return mean_colour(self.videos)


def default_cache_dir() -> Path:
    """The ``gideon2021`` cache (:func:`rppg_lib.storage.cache_dir`)."""
    return cache_dir(KEY)


def _key(params: dict) -> str:
    from ...synth import SIMULATOR_VERSION

    return cache_key({**params, "simulator": SIMULATOR_VERSION}, length=20)


def prepare_simulated(preset: str, n_subjects: int, *, seed: int = 0, duration_s: float = 30.0,
                      fps: float = 15.0, width: int = 160, height: int = 120, face_px: float | None = 60.0,
                      crop: int = 32, boxes: str = "detect", cache_dir=None, first_subject: int = 0,
                      **overrides) -> ClipData:
    """Simulate ``n_subjects`` recordings of ``preset`` and crop the face as in Sec. 3.1.

    ``boxes="detect"``: OpenCV face detection with the sticky 50 % margin box;
    ``"truth"``: the simulator's face boxes through the same sticky rule
    (faster). Extra ``overrides`` go to :func:`rppg_lib.synth.simulate`
    (e.g. ``flash_block=True``); ``face_px=None`` keeps the preset's face size. The result is cached as ``.npz`` under
    ``cache_dir`` (default :func:`default_cache_dir`), keyed by every argument.
    """
    from ...synth import simulate

    params = dict(preset=preset, n=n_subjects, seed=seed, duration_s=duration_s, fps=fps, width=width,
                  height=height, face_px=face_px, crop=crop, boxes=boxes, first=first_subject,
                  overrides=overrides, version=1)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    file = folder / f"sim_{_key(params)}.npz"
    z = load_npz(file, allow_pickle=True)
    if z is not None:
        return ClipData(z["videos"], z["ppg"], float(z["fps"]), list(z["subjects"]),
                        str(z["source"]), list(z["meta"]))
    videos, ppgs, subjects, metas = [], [], [], []
    for s in range(first_subject, first_subject + n_subjects):
        size = {} if face_px is None else {"face_px": face_px}
        rec = simulate(preset, seed=seed, subject=s, duration_s=duration_s, fps=fps, width=width,
                       height=height, **size, **overrides)
        crops, crop_boxes = sticky_face_crops(rec.frames, boxes, rec.meta["face_box"], crop)
        videos.append(crops.transpose(3, 0, 1, 2))
        ppgs.append(np.asarray(rec.ppg, float))
        subjects.append(rec.subject)
        m = {"hr_mean": float(np.mean(rec.hr)), "flash_bpm": rec.meta.get("flash_bpm")}
        fb = rec.meta.get("flash_box")
        if fb is not None:  # the block in crop pixels (crop box of the first frame)
            bx, by, bw, bh = crop_boxes[0]
            x, y, w, h = fb
            m["flash_box_crop"] = ((x - bx) / bw * crop, (y - by) / bh * crop, w / bw * crop, h / bh * crop)
        metas.append(m)
    data = ClipData(np.stack(videos), np.stack(ppgs), float(fps), subjects,
                    f"simulated: {preset}", metas)
    save_npz_atomic(file, dict(videos=data.videos, ppg=data.ppg, fps=data.fps, subjects=np.array(subjects),
                               source=data.source, meta=np.array(metas, dtype=object)))
    return data


def prepare_sessions(preset: str, n_subjects: int, scenarios=None, **kwargs) -> ClipData:
    """Recordings of ``n_subjects`` subjects in each of ``scenarios`` (PURE's tasks, COHFACE's
    lighting), concatenated scenario by scenario; ``None`` = the preset's default scenario only.

    Every scenario goes through :func:`prepare_simulated` (so each is cached on its own) with the
    same ``kwargs``. Scenario ``k`` is its own session, simulated with session seed ``seed + k``
    (as PURE's tasks and COHFACE's lightings are separate recordings): a subject keeps its
    identity (skin, face, its share of the resting HR) across scenarios, while the session's HR
    trajectory, motion and light draws change. ``subjects`` repeats, so a split must keep a
    subject's recordings together (:func:`split_by_subject`). ``meta[i]["scenario"]`` names the
    scenario of recording ``i``.
    """
    if not scenarios:
        return prepare_simulated(preset, n_subjects, **kwargs)
    seed = kwargs.pop("seed", 0)
    parts = []
    for k, sc in enumerate(scenarios):
        d = prepare_simulated(preset, n_subjects, seed=seed + k, scenario=sc, **kwargs)
        for m in d.meta:
            m["scenario"] = sc
        parts.append(d)
    return ClipData(np.concatenate([d.videos for d in parts]), np.concatenate([d.ppg for d in parts]),
                    parts[0].fps, [s for d in parts for s in d.subjects], f"simulated: {preset}",
                    [m for d in parts for m in d.meta])


def prepare_ubfc(root, n_subjects: int | None = None, *, seconds: float = 30.0, fps: float = 15.0,
                 crop: int = 32) -> ClipData:
    """The first ``n_subjects`` UBFC-rPPG recordings under ``root`` (its real layout),
    cut to ``seconds``, decimated to about ``fps`` and cropped as in Sec. 3.1 (face detection)."""
    from ...data import list_ubfc_rppg, load_ubfc_rppg_session

    folders = list_ubfc_rppg(root)[:n_subjects]
    videos, ppgs, subjects, metas = [], [], [], []
    rate = None
    for folder in folders:
        rec = load_ubfc_rppg_session(folder)
        step = max(1, int(round(rec.fps / fps)))
        n = int(round(seconds * rec.fps))
        frames = rec.frames[:n:step]
        crops, _ = sticky_face_crops(frames, "detect", crop=crop)
        rate = rec.fps / step
        videos.append(crops.transpose(3, 0, 1, 2))
        ppgs.append(np.asarray(rec.ppg[:n:step], float))
        subjects.append(rec.subject)
        metas.append({"hr_mean": float(np.nanmean(rec.hr)) if rec.hr is not None else None})
    length = min(v.shape[1] for v in videos)
    return ClipData(np.stack([v[:, :length] for v in videos]), np.stack([p[:length] for p in ppgs]),
                    float(rate), subjects, "real: UBFC-rPPG", metas)


def pulsing_patch_data(n: int, *, seconds: float = 20.0, fs: float = 15.0, crop: int = 16,
                       amplitude: float = 4.0, noise: float = 3.0, seed: int = 0) -> ClipData:
    """A control without a face: a uniform grey patch whose brightness pulses as a sinusoid
    at a random rate in 50-150 bpm, plus white noise (grey levels). The dominant in-band
    signal is the "pulse", so a working contrastive trainer must find it."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * fs))) / fs
    hr = rng.uniform(50, 150, n)
    ppg = np.sin(2 * np.pi * hr[:, None] / 60.0 * t + rng.uniform(0, 2 * np.pi, (n, 1)))
    videos = 120 + rng.normal(0, noise, (n, 3, len(t), crop, crop)) + amplitude * ppg[:, None, :, None, None]
    return ClipData(videos.clip(0, 255).astype(np.uint8), ppg, float(fs), [f"patch{i}" for i in range(n)],
                    "synthetic control: pulsing patch", [{"hr_mean": float(h)} for h in hr])


def split_indices(n: int, n_val: int, n_test: int, seed: int = 0):
    """Subject-exclusive split (one recording per subject): (train, val, test) index arrays."""
    if n_val + n_test >= n:
        raise ValueError(f"{n} recordings cannot hold {n_val} validation and {n_test} test ones plus training")
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val + n_test:]), np.sort(order[:n_val]), np.sort(order[n_val:n_val + n_test])


class OffsetRecordings(torch.utils.data.Dataset):
    """Recordings whose reference PPG is shifted by a fresh random offset every time
    one is drawn (Fig. 5): offset ~ U(-max_offset_s, max_offset_s), applied as a
    circular shift inside the recording (the paper shifts "using neighbouring data")."""

    def __init__(self, videos, ppg, fs: float, max_offset_s: float, seed: int = 0):
        self.videos, self.ppg = videos, np.asarray(ppg, float)
        self.max_shift = int(round(max_offset_s * fs))
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return len(self.videos)

    def __getitem__(self, i):
        k = int(self.rng.integers(-self.max_shift, self.max_shift + 1)) if self.max_shift else 0
        return torch.as_tensor(self.videos[i]), np.roll(self.ppg[i], k)


# ----------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------
def ppg_lag(pred, ref, fs: float) -> np.ndarray:
    """Lag (s) at which MCC finds its maximum: the peak of the 40-250 bpm band-limited,
    zero-padded cross-correlation of each prediction with its reference; > 0 = prediction late.
    MCC is blind to this lag, Pearson's PC (Table 6) is not: a model trained with MCC may carry
    any lag, and a lag near half a beat turns a right waveform into a negative PC."""
    a = np.atleast_2d(np.asarray(pred, float))
    b = np.atleast_2d(np.asarray(ref, float))
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    n = 2 * a.shape[-1]
    f_bpm = np.fft.rfftfreq(n, 1.0 / fs) * 60.0
    cross = np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)) * ((f_bpm >= BAND[0]) & (f_bpm <= BAND[1]))
    k = np.argmax(np.fft.irfft(cross, n), axis=-1)
    return np.where(k < n // 2, k, k - n) / fs


def clip_table(pred, ref, fs: float, recording=None) -> pd.DataFrame:
    """One row per test clip: HR of prediction and reference (highest periodogram peak in
    40-250 bpm, :data:`HR_PEAK`, the same estimator for both: the reference HR is read from the clip's own
    ground-truth PPG, not from a label), the PPG statistics of Table 6 (PC, MCC, SNR in dB at
    the reference HR) and the lag at which MCC peaks (:func:`ppg_lag`)."""
    pred, ref = np.atleast_2d(np.asarray(pred, float)), np.atleast_2d(np.asarray(ref, float))
    hr_ref = np.atleast_1d(sig.estimate_hr(ref, fs, BAND, **HR_PEAK))
    hr_pred = np.atleast_1d(sig.estimate_hr(pred, fs, BAND, **HR_PEAK))
    return pd.DataFrame({
        "recording": np.arange(len(pred)) if recording is None else recording,
        "hr_ref": hr_ref, "hr_pred": hr_pred,
        "ppg_pc": np.atleast_1d(sig.pearson(pred, ref)),
        "ppg_mcc": np.atleast_1d(sig.mcc(pred, ref, fs, BAND)),
        "ppg_snr": np.atleast_1d(sig.snr(pred, fs, hr_ref, BAND)),
        "ppg_lag_s": ppg_lag(pred, ref, fs),
    })


def summarise(table: pd.DataFrame) -> dict:
    """RMSE / MAE / PC of HR (Table 3) and mean PC / MCC / SNR of the PPG (Table 6)."""
    err = table.hr_pred.to_numpy() - table.hr_ref.to_numpy()
    pc = (float(np.corrcoef(table.hr_pred, table.hr_ref)[0, 1])
          if np.ptp(table.hr_pred) > 1e-9 and np.ptp(table.hr_ref) > 1e-9 else float("nan"))
    return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err))), "pc": pc,
            "ppg_pc": float(table.ppg_pc.mean()), "ppg_mcc": float(table.ppg_mcc.mean()),
            "ppg_snr": float(table.ppg_snr.mean()), "n_clips": int(len(table))}


def baseline_table(ref_clips, fs: float, how: str) -> pd.DataFrame:
    """Mean or median baseline: every clip gets the mean / median reference HR of the
    test clips; its "PPG" is a cosine at that rate (for the Table 6 statistics)."""
    hr_ref = np.atleast_1d(sig.estimate_hr(ref_clips, fs, BAND, **HR_PEAK))
    value = {"mean": np.mean, "median": np.median}[how](hr_ref)
    t = np.arange(ref_clips.shape[1]) / fs
    pred = np.tile(np.cos(2 * np.pi * value / 60.0 * t), (len(ref_clips), 1))
    table = clip_table(pred, ref_clips, fs)
    table["hr_pred"] = value  # exact constant (the periodogram would round it to its grid)
    return table


def classical_table(rgb_clips, ref_clips, fs: float, method: str) -> pd.DataFrame:
    """A classical method (``"pos"``, ``"chrom"``, ...) on the crops' mean colour of each clip."""
    fn = methods.METHODS[method] if method in methods.METHODS else getattr(methods, method)
    pred = np.stack([fn(c, fs) for c in rgb_clips])
    return clip_table(pred, ref_clips, fs)


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
def run_model(data: ClipData, split, *, kind: str, width: int = 16, epochs: int = 20, lr: float = 1e-3,
              batch_size: int = 4, saliency: bool = False, w_s: float = 1.0, w_t: float = 1.0,
              loss: str = "mcc", max_offset_s: float = 0.0, seed: int = 0, clip_s: float = 10.0,
              grid_size=None, threads: int = 1, device: str = "cpu", psd_window: str | None = "hann") -> dict:
    """Train one configuration and evaluate it on the test recordings' 10 s clips.

    ``kind``: ``"supervised"`` (train recordings, validation MCC picks the epoch)
    or ``"contrastive"`` (train + validation recordings without labels, lowest
    training IPR picks the epoch, as in the paper; ``psd_window`` is MVTL's PSD taper, "hann" or
    None for the public code's rectangular window). Returns a dict with the
    clip table, its summary, training speed and the trained modules.
    """
    from ...models import PhysNetUpsample, SaliencySampler
    from ...train.contrastive import predict_ppg, train_contrastive, train_supervised

    torch.set_num_threads(threads)
    train, val, test = split
    fs = data.fps
    clip_len = int(round(clip_s * fs))
    torch.manual_seed(seed)
    model = PhysNetUpsample(3, width)
    sampler = None
    if saliency:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no ImageNet weights offline: random init, said in the chapter
            sampler = SaliencySampler(3, input_size=data.videos.shape[-2:], grid_size=grid_size,
                                      w_sparsity=w_s, w_temporal=w_t)
    common = dict(fs=fs, epochs=epochs, lr=lr, batch_size=batch_size, clip_seconds=clip_s, sampler=sampler,
                  seed=seed, device=device, progress=False)
    t0 = time.perf_counter()
    if kind == "supervised":
        if max_offset_s > 0:
            videos = OffsetRecordings(data.videos[train], data.ppg[train], fs, max_offset_s, seed)
            result = train_supervised(model, videos, loss=loss, val_videos=data.videos[val],
                                      val_ppg=data.ppg[val], **common)
        else:
            result = train_supervised(model, data.videos[train], data.ppg[train], loss=loss,
                                      val_videos=data.videos[val], val_ppg=data.ppg[val], **common)
    elif kind == "contrastive":
        both = np.concatenate([train, val])
        result = train_contrastive(model, data.videos[both], psd_window=psd_window, **common)
    else:
        raise ValueError(f"kind must be 'supervised' or 'contrastive', got {kind!r}")
    train_s = time.perf_counter() - t0
    clips, refs, rec = cut_clips(data.videos[test], data.ppg[test], clip_len)
    t1 = time.perf_counter()
    pred = predict_ppg(model, clips, sampler=sampler, device=device)
    infer_s = (time.perf_counter() - t1) / len(clips)
    table = clip_table(pred, refs, fs, rec)
    speeds = [h["clips_per_s"] for h in result.history]
    return {"kind": kind, "saliency": saliency, "seed": seed, "table": table, "summary": summarise(table),
            "train_seconds": train_s, "clips_per_s": float(np.median(speeds)) if speeds else float("nan"),
            "infer_s_per_clip": infer_s, "best_epoch": result.best_epoch, "epochs": len(result.history),
            "model": model, "sampler": sampler, "pred": pred, "clips": clips, "refs": refs,
            "stopped": result.stopped}


#: Column of the paper's Table 3 that a simulator preset stands in for.
PAPER_DATASET = {"ubfc-like": "UBFC", "pure-like": "PURE", "cohface-like": "COHFACE"}


def table3_runs(data: ClipData, split, *, seeds=(0,), epochs_supervised: int = 10, epochs_contrastive: int = 10,
                seed: int = 0, log=None, **train) -> tuple[pd.DataFrame, list]:
    """Table 3 on one data set: mean and median baselines, POS and CHROM (on the crops' mean
    colour), and supervised and contrastive models (no saliency), each model once per seed.

    ``train`` goes to :func:`run_model` (``width``, ``lr``, ``batch_size``, ``threads``,
    ``device``); ``log`` (e.g. ``print``) gets one line per trained model. Returns the
    per-run table (``method``, ``seed``, the :func:`summarise` columns and, for models,
    ``clips_per_s`` and ``train_seconds``) and the :func:`run_model` results.
    """
    fs = data.fps
    clips, refs, _ = cut_clips(data.videos[split[2]], data.ppg[split[2]], int(round(10 * fs)))
    rows = [{"method": how.capitalize(), "seed": None, **summarise(baseline_table(refs, fs, how))}
            for how in ("mean", "median")]
    rgb = mean_colour(clips)
    rows += [{"method": f"{m.upper()} (classical)", "seed": None, **summarise(classical_table(rgb, refs, fs, m))}
             for m in ("pos", "chrom")]
    runs = []
    for name, kind, epochs in (("Supervised", "supervised", epochs_supervised),
                               ("Contrastive", "contrastive", epochs_contrastive)):
        for s in seeds:
            r = run_model(data, split, kind=kind, epochs=epochs, seed=seed + s, **train)
            r["name"] = name
            runs.append(r)
            rows.append({"method": name, "seed": seed + s, **r["summary"], "clips_per_s": r["clips_per_s"],
                         "train_seconds": r["train_seconds"]})
            if log is not None:
                log(f"{data.source} {name:12s} seed {seed + s}: RMSE {r['summary']['rmse']:5.1f} bpm, "
                    f"{r['clips_per_s']:.1f} training clips/s, best epoch {r['best_epoch']}, "
                    f"{r['train_seconds']:.0f} s")
    return pd.DataFrame(rows), runs


_STILL = {"micro_motion_px": 0.0, "sway_px": 0.0, "bcg_px": 0.0, "roll_deg": 0.0, "motion_level": 0.0}
_STEADY_LIGHT = {"illum_steps_per_min": 0.0, "illum_drift": 0.0, "illum_colour_drift": 0.0}

#: Rungs of the learning ladder, easy to hard: (name, simulator overrides on top of the preset).
#: "clean": no head motion (natural or task), steady light, no sensor noise, no codec; then the
#: sensor noise, then the head motion (natural and the preset's task motion) come back; "preset"
#: adds the light changes and the codec of the preset (none for ubfc-like and pure-like).
LADDER = (
    ("clean", {**_STILL, **_STEADY_LIGHT, "full_well_e": 0.0, "codec": None}),
    ("+ sensor noise", {**_STILL, **_STEADY_LIGHT, "codec": None}),
    ("+ head motion", {**_STEADY_LIGHT, "codec": None}),
    ("preset", {}),
)


def learning_ladder(preset: str, n_subjects: int, *, n_val: int, n_test: int, scenarios=None,
                    rungs=LADDER, seeds=(0,), seed: int = 0, epochs_supervised: int = 10,
                    epochs_contrastive: int = 10, windows=("hann",), data=None, log=None,
                    **train) -> pd.DataFrame:
    """The same recipe on every rung of a data ladder (issue 10): where a model learns the easy
    rungs but not the preset, the cause is in the data (a nuisance) or the budget, not the code.

    Per rung (``rungs``: (name, simulator overrides) pairs, default :data:`LADDER`) the data are
    rendered by :func:`prepare_sessions` (``data``: its other keyword arguments, e.g. ``duration_s``,
    ``fps``, ``width``, ``height``, ``face_px``, ``crop``, ``boxes``, ``pulse_amplitude``,
    ``cache_dir``; cached on disk), split with ``seed`` as the chapter splits the same data
    (:func:`split_indices` for one recording per subject, i.e. ``scenarios=None``, else
    :func:`split_by_subject`), and evaluated on the test
    recordings' 10 s clips: the mean-HR baseline, POS on the crops' mean colour, and supervised and
    contrastive models once per seed (``train`` goes to :func:`run_model`). ``windows``: MVTL's PSD
    taper per contrastive model, "hann" ("Contrastive") and/or None ("Contrastive (no window)",
    the public code's estimator, which stalls under head motion).

    Returns one row per (rung, method, seed): ``rung``, ``method`` ("Mean", "POS", "Supervised",
    "Contrastive", "Contrastive (no window)"), ``seed`` (None for the baselines), ``rmse``, ``mae``, ``mean_rmse`` (the
    rung's mean baseline, for the "learned" test), ``n_clips``, ``seconds``.
    """
    data = dict(data or {})
    rows = []
    for name, overrides in rungs:
        t0 = time.perf_counter()
        d = prepare_sessions(preset, n_subjects, scenarios, seed=seed, **data, **overrides)
        split = (split_indices(len(d), n_val, n_test, seed) if not scenarios
                 else split_by_subject(d.subjects, n_val, n_test, seed))
        clips, refs, _ = cut_clips(d.videos[split[2]], d.ppg[split[2]], int(round(10 * d.fps)))
        mean = summarise(baseline_table(refs, d.fps, "mean"))
        pos = summarise(classical_table(mean_colour(clips), refs, d.fps, "pos"))
        base = {"rung": name, "mean_rmse": mean["rmse"], "n_clips": mean["n_clips"]}
        rows.append({**base, "method": "Mean", "seed": None, "rmse": mean["rmse"], "mae": mean["mae"],
                     "seconds": time.perf_counter() - t0})
        rows.append({**base, "method": "POS", "seed": None, "rmse": pos["rmse"], "mae": pos["mae"], "seconds": 0.0})
        models = [("Supervised", "supervised", epochs_supervised, "hann")]
        models += [("Contrastive" if w == "hann" else "Contrastive (no window)", "contrastive", epochs_contrastive, w)
                   for w in windows]
        for method, kind, epochs, window in models:
            for s in seeds:
                r = run_model(d, split, kind=kind, epochs=epochs, seed=seed + s, psd_window=window, **train)
                rows.append({**base, "method": method, "seed": seed + s, "rmse": r["summary"]["rmse"],
                             "mae": r["summary"]["mae"], "seconds": r["train_seconds"]})
                if log is not None:
                    log(f"ladder {preset} [{name}] {method} seed {seed + s}: RMSE {r['summary']['rmse']:.1f} "
                        f"(mean baseline {mean['rmse']:.1f}, POS {pos['rmse']:.1f}) bpm, {r['train_seconds']:.0f} s")
    return pd.DataFrame(rows)


def plot_ladder(ladder: pd.DataFrame, ax=None, title: str = ""):
    """Test RMSE per rung (x, easy to hard) of every model (one dot per seed, line through the
    means), of POS, and of the mean-HR baseline (dashed) with half of it (dotted: the "learned" bar)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    rungs = list(dict.fromkeys(ladder.rung))
    x = np.arange(len(rungs))
    means = ladder.groupby("rung", sort=False).mean_rmse.first().reindex(rungs).to_numpy()
    ax.plot(x, means, "k--", lw=1, label="mean-HR baseline")
    ax.plot(x, 0.5 * means, "k:", lw=1, label="half the baseline")
    for method, marker in (("POS", "s"), ("Supervised", "o"), ("Contrastive", "^"),
                           ("Contrastive (no window)", "v")):
        d = ladder[ladder.method == method]
        if d.empty:
            continue
        pos = d.rung.map({r: i for i, r in enumerate(rungs)}).to_numpy()
        dots = ax.scatter(pos, d.rmse, marker=marker, s=18, alpha=0.6, label=method)
        m = d.groupby("rung", sort=False).rmse.mean().reindex(rungs)
        ax.plot(x, m.to_numpy(), color=dots.get_facecolor()[0][:3], lw=1)
    ax.set_xticks(x)
    ax.set_xticklabels(rungs, fontsize=8)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(0, 2 * max(float(np.nanmax(ladder.rmse)), 1.0))
    ax.set_ylabel("test RMSE (bpm, log above 1)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    return ax


def learning_metrics(per_run: dict) -> dict:
    """``metrics["learning"]`` of the run record: data-set label -> ``{"mean_baseline_rmse",
    "supervised": [test RMSE per seed], "contrastive": [...]}`` from per-run tables such as
    :func:`table3_runs` gives (methods "Mean", "Supervised", "Contrastive")."""
    def rmse(runs, method):
        return [float(v) for v in runs.loc[runs.method == method, "rmse"]]

    return {label: {"mean_baseline_rmse": rmse(runs, "Mean")[0], "supervised": rmse(runs, "Supervised"),
                    "contrastive": rmse(runs, "Contrastive")} for label, runs in per_run.items()}


def table3_with_paper(per_run: dict, paper: pd.DataFrame, datasets: dict | None = None) -> pd.DataFrame:
    """Ours (mean ± SD over seeds) next to the paper's Table 3, one block of rows per data set.

    ``per_run``: data-set label -> per-run table as from :func:`table3_runs`; ``datasets``:
    label -> column prefix of the paper's Table 3 (default :data:`PAPER_DATASET`, by preset
    name). Methods the paper does not report (POS, CHROM) get "–" in its columns.
    """
    datasets = datasets or {k: PAPER_DATASET.get(k, k) for k in per_run}
    out = []
    for label, runs in per_run.items():
        col = datasets[label]
        p = paper[(paper.table == "Table 3") & paper.column.str.startswith(col + " ")]
        p = p.assign(metric=p.column.str.split(" ").str[-1]).pivot(index="row", columns="metric", values="value")
        g = runs.groupby("method", sort=False)
        for method, d in g:
            row = {"data": label, "paper column": col, "method": method, "runs (ours)": len(d)}
            for key, title in (("rmse", "RMSE"), ("mae", "MAE"), ("pc", "PC")):
                v = d[key].to_numpy(float)
                m = np.nanmean(v) if np.isfinite(v).any() else np.nan
                sd = np.nanstd(v, ddof=1) if np.isfinite(v).sum() > 1 else np.nan
                row[f"ours {title}"] = ("–" if not np.isfinite(m) else
                                        f"{m:.2f}" + (f" ± {sd:.2f}" if np.isfinite(sd) else ""))
                pv = p[title].get(method, np.nan) if title in p else np.nan
                row[f"paper {title}"] = "–" if not np.isfinite(pv) else f"{pv:g}"
            out.append(row)
    return pd.DataFrame(out).set_index(["data", "method"])


def inference_seconds(model, clip, sampler=None, repeats: int = 3) -> float:
    """Median wall time (s) of one forward pass on one clip (1, C, T, h, w), no grad."""
    model.eval()
    if sampler is not None:
        sampler.eval()
    x = torch.as_tensor(np.asarray(clip))[None].float()
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(sampler(x)[0] if sampler is not None else x)
            times.append(time.perf_counter() - t0)
    return float(np.median(times))


# ----------------------------------------------------------------------------
# analysis
# ----------------------------------------------------------------------------
@torch.no_grad()
def saliency_share(sampler, clip, box) -> dict:
    """Mean saliency map of one clip (C, T, h, w) and the share of its mass inside
    ``box`` = (x, y, w, h) in crop pixels, against the box's share of the area."""
    sampler.eval()
    x = torch.as_tensor(np.asarray(clip))[None].float()
    x = (x - x.mean(dim=(2, 3, 4), keepdim=True)) / x.std(dim=(2, 3, 4), keepdim=True).clamp_min(1e-6)
    _, sal = sampler(x)
    smap = sal[0].mean(0).numpy()  # (gh, gw), sums to 1
    gh, gw = smap.shape
    h, w = x.shape[-2:]
    ys = (np.arange(gh) + 0.5) / gh * h
    xs = (np.arange(gw) + 0.5) / gw * w
    bx, by, bw, bh = box
    inside = ((ys[:, None] >= by) & (ys[:, None] < by + bh)) & ((xs[None] >= bx) & (xs[None] < bx + bw))
    return {"map": smap, "mass_in_box": float(smap[inside].sum()), "area_share": float(inside.mean())}


def hr_change_quantiles(ppg, fs: float, lags_s=(2, 5, 10, 15), window_s: float = 10.0,
                        quantiles=(0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Fig. 6: |HR(t + lag) - HR(t)| pooled over recordings, HR from the reference PPG
    in ``window_s`` windows every second; quantiles per lag (bpm)."""
    tracks = [sig.sliding_hr(p, fs, window_s, 1.0, BAND)[1] for p in np.atleast_2d(ppg)]
    rows = []
    for lag in lags_s:
        d = np.concatenate([np.abs(h[lag:] - h[:-lag]) for h in tracks if len(h) > lag] or [np.array([])])
        if len(d) == 0:
            continue
        rows.append({"lag_s": lag, "n_pairs": len(d),
                     **{f"q{int(100 * q)}": float(np.quantile(d, q)) for q in quantiles},
                     "share_within_10bpm": float(np.mean(d <= 10))})
    return pd.DataFrame(rows).set_index("lag_s")




# ----------------------------------------------------------------------------
# the chapter's steps (what notebooks/gideon2021.ipynb calls)
# ----------------------------------------------------------------------------
def settings_text(cfg, device) -> str:
    """One paragraph on what this profile trains: data, clips, network, optimiser, epochs, seeds."""
    return (f"{cfg.n_subjects} recordings of {cfg.duration_s:g} s at {cfg.fps:g} fps on {device} ({cfg.threads} "
            f"torch thread(s)), face crops {cfg.crop}x{cfg.crop}, clips of 10 s ({int(10 * cfg.fps)} frames), "
            f"PhysNet width {cfg.width}, batch {cfg.batch_size}, AdamW lr {cfg.lr:g}, {cfg.epochs_supervised} "
            f"supervised / {cfg.epochs_contrastive} contrastive epochs, seeds {cfg.seeds}. HR of a PPG: peak of a "
            f"zero-padded periodogram in {BAND[0]:g}-{BAND[1]:g} bpm (the paper's band), for predictions and "
            "references alike.")


def main_table_runs(data: ClipData, split, cfg, seed: int = 0, device="cpu", log=None) -> list:
    """Table 3's four trained configurations (supervised and contrastive, with and without the saliency
    sampler), each once per seed of ``cfg``; the :func:`run_model` results with their ``name``."""
    configs = [("Supervised", "supervised", False, cfg.epochs_supervised, cfg.seeds),
               ("Supervised + saliency", "supervised", True, cfg.epochs_supervised, cfg.saliency_seeds),
               ("Contrastive", "contrastive", False, cfg.epochs_contrastive, cfg.seeds),
               ("Contrastive + saliency", "contrastive", True, cfg.epochs_contrastive, cfg.saliency_seeds)]
    runs = []
    for name, kind, saliency, epochs, seeds in configs:
        for s in seeds:
            r = run_model(data, split, kind=kind, saliency=saliency, width=cfg.width, epochs=epochs, lr=cfg.lr,
                          batch_size=cfg.batch_size, seed=seed + s, threads=cfg.threads, device=device)
            r["name"] = name
            runs.append(r)
            if log is not None:
                log(f"{name:24s} seed {seed + s}: RMSE {r['summary']['rmse']:5.1f} bpm, {r['clips_per_s']:.1f} "
                    f"training clips/s, best epoch {r['best_epoch']}, {r['train_seconds']:.0f} s")
    return runs


def main_table(runs: list, test_clips, test_refs, fs: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(per_run, agg)``: one row per method and seed (baselines, POS, CHROM, every trained run) with the
    :func:`summarise` columns, and their mean and SD over seeds per method (in the rows' order)."""
    rows = [{"method": how.capitalize(), "seed": None, **summarise(baseline_table(test_refs, fs, how))}
            for how in ("mean", "median")]
    rgb = mean_colour(test_clips)
    rows += [{"method": f"{m.upper()} (classical)", "seed": None, **summarise(classical_table(rgb, test_refs, fs, m))}
             for m in ("pos", "chrom")]
    rows += [{"method": r["name"], "seed": r["seed"], **r["summary"]} for r in runs]
    per_run = pd.DataFrame(rows)
    order = list(dict.fromkeys(per_run.method))
    cols = ["rmse", "mae", "pc", "ppg_pc", "ppg_mcc", "ppg_snr"]
    agg = per_run.groupby("method", sort=False)[cols].agg(["mean", "std"]).loc[order]
    agg[("runs", "n")] = per_run.groupby("method", sort=False).size().loc[order]
    return per_run, agg


def with_paper_columns(agg: pd.DataFrame, paper: pd.DataFrame, table: str, column: str, metrics) -> pd.DataFrame:
    """Ours (mean ± SD over seeds, from :func:`main_table`) next to the paper's ``column`` of ``table``,
    for ``metrics`` = ``[(our key, the paper's metric name), ...]``; "–" where a number is missing."""
    p = paper[(paper.table == table) & paper.column.str.startswith(column + " ")]
    p = p.assign(metric=p.column.str.split(" ").str[-1]).pivot(index="row", columns="metric", values="value")
    out = pd.DataFrame(index=agg.index)
    for key, title in metrics:
        mean, sd = agg[(key, "mean")], agg[(key, "std")]
        out[f"ours {title}"] = [f"{mean[m]:.2f}" + (f" ± {sd[m]:.2f}" if np.isfinite(sd[m]) else "")
                                if np.isfinite(mean[m]) else "–" for m in agg.index]
        out[f"paper {title}"] = [p[title].get(m, np.nan) if title in p else np.nan for m in agg.index]
    out["runs (ours)"] = agg[("runs", "n")]
    return out.astype(object).fillna("–")


def flash_experiment(cfg, seed: int = 0, device="cpu") -> tuple[dict, dict, ClipData, tuple]:
    """Fig. 4: contrastive and supervised models with the saliency sampler on recordings with a flashing
    block. Returns ``(sal, runs, data, split)``; ``sal[kind]`` is :func:`saliency_share` on the first test
    clip, with ``<kind>_tracks_flash`` (share of test clips within 5 bpm of the block's rate) and
    ``<kind>_rmse``."""
    extra = {} if cfg.pulse_amplitude is None else {"pulse_amplitude": cfg.pulse_amplitude}
    flash = prepare_simulated(cfg.preset, cfg.flash_subjects, seed=seed, duration_s=cfg.duration_s, fps=cfg.fps,
                              width=cfg.flash_frame[0], height=cfg.flash_frame[1], face_px=cfg.flash_face_px,
                              crop=cfg.flash_crop, boxes="truth", first_subject=100, flash_block=True,
                              flash_size=cfg.flash_size, **extra)
    split = split_indices(len(flash), 1, 1, seed)
    sal, runs = {"preset": cfg.preset}, {}
    i_test = split[2][0]
    for kind in ("contrastive", "supervised"):
        r = run_model(flash, split, kind=kind, saliency=True, width=cfg.width, epochs=cfg.flash_epochs, lr=cfg.lr,
                      batch_size=cfg.batch_size, seed=seed, grid_size=cfg.flash_grid, threads=cfg.threads,
                      device=device)
        runs[kind] = r
        sal[kind] = saliency_share(r["sampler"], r["clips"][0], flash.meta[i_test]["flash_box_crop"])
        sal[f"{kind}_tracks_flash"] = float(np.mean(np.abs(r["table"].hr_pred - flash.meta[i_test]["flash_bpm"]) <= 5))
        sal[f"{kind}_rmse"] = r["summary"]["rmse"]
    return sal, runs, flash, split


def regulariser_sweep(data: ClipData, split, cfg, runs: list, seed: int = 0, device="cpu") -> tuple[pd.DataFrame, dict]:
    """Table 7: contrastive + saliency for each (w_s, w_t) of ``cfg.t7_grid`` (one seed; the paper's
    default (1, 1) reuses the Table 3 run of the first seed). Returns the table (RMSE, MAE, PC and their
    change from (0, 0)) and each setting's mean saliency map of one test clip."""
    rows, maps = [], {}
    for ws, wt in cfg.t7_grid:
        reuse = [x for x in runs if x["name"] == "Contrastive + saliency" and x["seed"] == seed + cfg.saliency_seeds[0]]
        if (ws, wt) == (1, 1) and reuse and cfg.t7_epochs == cfg.epochs_contrastive:
            r = reuse[0]
        else:
            r = run_model(data, split, kind="contrastive", saliency=True, w_s=ws, w_t=wt, width=cfg.width,
                          epochs=cfg.t7_epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed,
                          threads=cfg.threads, device=device)
        rows.append({"w_s": ws, "w_t": wt, **{k: r["summary"][k] for k in ("rmse", "mae", "pc")}})
        maps[(ws, wt)] = saliency_share(r["sampler"], r["clips"][0], (0, 0, 0, 0))["map"]
    t7 = pd.DataFrame(rows).set_index(["w_s", "w_t"])
    for k in ("rmse", "mae", "pc"):
        t7[f"{k}_change"] = t7[k] - t7.loc[(0, 0), k]
    return t7, maps


def t7_with_paper(t7: pd.DataFrame, paper: pd.DataFrame) -> pd.DataFrame:
    """Our Table 7 with the paper's RMSE and MAE changes for the same (w_s, w_t)."""
    p7 = paper[paper.table == "Table 7"]
    p7 = p7.assign(w_s=p7.row.str.split("=").str[1].astype(float),
                   w_t=p7.column.str.split("=").str[1].astype(float), metric=p7.column.str.split(" ").str[0])
    p7 = p7.pivot_table(index=["w_s", "w_t"], columns="metric", values="value")
    view = t7[["rmse", "rmse_change", "mae_change", "pc_change"]].copy()
    for metric in ("RMSE", "MAE"):
        view[f"paper {metric} change"] = [p7[metric].get((float(a), float(b)), np.nan) for a, b in t7.index]
    return view
