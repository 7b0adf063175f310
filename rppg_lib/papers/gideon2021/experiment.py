"""Experiments of Gideon & Stent (2021) for ``notebooks/gideon2021.ipynb``.

The notebook is a narrative; the work is here:

- data: the compendium's one clip pipeline (:mod:`rppg_lib.clips`): :func:`lookalike_data` gives the
  :class:`~rppg_lib.clips.Clips` of a preset's look-alike (:func:`rppg_lib.lookalike.lookalike`: the real
  dataset's face pixels, frame rate, codec, noise and pulse; a profile cuts only subjects), or of one rung of
  the learning ladder (:data:`rppg_lib.ladder.RUNGS`, :func:`rung_extra`); :func:`prepare_ubfc` reads a
  real UBFC-rPPG copy into the same :class:`~rppg_lib.clips.Clips`; :func:`split_clips` (all recordings of a
  subject on one side);
- training: :func:`run_model` (supervised / contrastive, with or without the
  saliency sampler, optional injected reference desynchronisation through
  :class:`OffsetRecordings`), evaluated on non-overlapping 10 s test clips by
  :func:`clip_table`;
- baselines: :func:`baseline_table` (mean / median HR of the test clips, the paper's rows),
  :func:`constant_table` (the mean *training* HR: the compendium's "learned" reference,
  :func:`rppg_lib.claims.network_learned`) and :func:`classical_table` (POS, CHROM on the crops' mean colour);
- Table 3 on one data set in one call: :func:`table3_runs` (baselines, POS,
  CHROM, supervised, contrastive) and :func:`table3_with_paper` (ours next to the
  paper's column of that data set);
- learning ladder: :func:`learning_ladder` trains the same recipe on the rungs of
  :data:`rppg_lib.ladder.RUNGS` (easy to the look-alike, :func:`rppg_lib.ladder.run_ladder`), :func:`rung_data`
  gives one rung's baselines and
  :func:`learning_entry` gives a data set's ``metrics["learning"]`` entry of the run record;
- analysis: :func:`summarise`, :func:`saliency_share` (Fig. 4),
  :func:`hr_change_quantiles` (Fig. 6);
- the figures' training loops: :func:`flash_experiment` (Fig. 4), :func:`offset_runs` (Fig. 5),
  :func:`regulariser_sweep` (Table 7).
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import torch

from ... import ladder as _ladder
from ... import signal as sig
from ...baselines import classical_pulses, constant_answer
from ...chapter import training_checkpoint
from ...claims import network_learned
from ...clips import Clips, lookalike_clips
from ...data.splits import cut_clips, split_by_subject
from ...ladder import RUNGS, TOP, RungData
from ...lookalike import DATASETS, lookalike
from ...model_store import face_crops_input, save_model
from ...video import mean_colour, sticky_face_crops
from . import KEY

__all__ = [
    "KEY", "mean_colour", "ppg_lag", "rung_extra", "lookalike_data", "pulsing_patch_data", "prepare_ubfc",
    "split_clips", "split_by_subject", "cut_clips", "held_out_clips", "train_hr", "OffsetRecordings", "clip_table",
    "summarise", "baseline_table", "constant_table", "classical_table", "run_model", "table3_runs",
    "table3_with_paper", "PAPER_DATASET", "saliency_share", "hr_change_quantiles", "inference_seconds",
    "rung_data", "learning_ladder", "learning_entry", "flash_boxes", "BASELINES", "baseline_tables",
    "abs_errors",
    "reference_rows", "main_data", "settings_text", "main_table_runs", "main_table", "learned_counts",
    "with_paper_columns", "chapter_ladder", "fidelity_table", "learning_table", "flash_experiment",
    "regulariser_sweep", "t7_with_paper", "network_learned",
]

BAND = sig.DEFAULT_BAND_BPM  # 40-250 bpm, the paper's Assumption A1
#: The paper's HR estimator (Sec. 3.5) is the highest spectral peak in the band, for predictions and references
#: alike: :func:`rppg_lib.signal.estimate_hr` without its harmonic check (added for CHROM on finger traces).
HR_PEAK = {"harmonic_ratio": None}
#: The paper's clip length W (Sec. 3.5): training clips and test clips are 10 s.
CLIP_S = 10.0


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------
def rung_extra(preset: str, rung: str = "look-alike", scenarios=(None,)) -> dict:
    """The simulator overrides of ladder ``rung`` (:data:`rppg_lib.ladder.RUNGS`) that change ``preset``:
    an override equal to the preset's own value in every scenario is dropped (``codec=None`` on a lossless
    preset such as ubfc-like), so two rungs that render the same frames share their cached sessions."""
    from ...synth.presets import resolve

    if rung not in RUNGS:
        raise ValueError(f"unknown rung {rung!r}; rungs: {list(RUNGS)}")
    own = [resolve(preset, {} if sc is None else {"scenario": sc}) for sc in scenarios]
    return {k: v for k, v in RUNGS[rung].items() if any(p.get(k) != v for p in own)}


def lookalike_data(preset: str, profile: str, *, crop: int, fps: float | None, rung: str = "look-alike",
                   n_subjects: int | None = None, extra: dict | None = None, progress: bool = False,
                   **changes) -> Clips:
    """Face-crop clips of ``preset``'s look-alike at ``profile`` (:func:`rppg_lib.lookalike.lookalike`), on
    ladder ``rung`` (default the look-alike itself), with the first ``n_subjects`` subjects only (a cut of the
    same sessions: cache hits), resized to ``crop`` px and block-averaged to about ``fps`` after decoding
    (:func:`rppg_lib.clips.lookalike_clips`). ``extra``: further simulator overrides (e.g. the flashing
    block); ``changes``: other :class:`~rppg_lib.lookalike.LookAlike` fields (e.g. ``duration_s``)."""
    if n_subjects is not None:
        changes["n_subjects"] = int(n_subjects)
    look = lookalike(preset, profile, **changes)
    over = {**rung_extra(preset, rung, look.scenarios), **(extra or {})}
    label = "" if rung == "look-alike" else f"rung {rung!r}"
    return lookalike_clips(look, crop=crop, fps=fps, extra=over, progress=progress, label=label)


def prepare_ubfc(root, n_subjects: int | None = None, *, seconds: float = 60.0, fps: float = 15.0,
                 crop: int = 32) -> Clips:
    """A real UBFC-rPPG copy under ``root`` (its own layout, :mod:`rppg_lib.data`) as :class:`~rppg_lib.clips.Clips`:
    the first ``n_subjects`` subjects, cut to ``seconds``, decimated to about ``fps`` and cropped as in Sec. 3.1
    (face detection, the sticky 50 % margin box)."""
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
        metas.append({"hr_mean": float(np.nanmean(rec.hr)) if rec.hr is not None else float("nan")})
    length = min(v.shape[1] for v in videos)
    return Clips(np.stack([v[:, :length] for v in videos]), np.stack([p[:length] for p in ppgs]),
                 float(rate), subjects, "real: UBFC-rPPG", metas)


def pulsing_patch_data(n: int, *, seconds: float = 20.0, fs: float = 15.0, crop: int = 16,
                       amplitude: float = 4.0, noise: float = 3.0, seed: int = 0) -> Clips:
    """A control without a face: a uniform grey patch whose brightness pulses as a sinusoid
    at a random rate in 50-150 bpm, plus white noise (grey levels). The dominant in-band
    signal is the "pulse", so a working contrastive trainer must find it."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * fs))) / fs
    hr = rng.uniform(50, 150, n)
    ppg = np.sin(2 * np.pi * hr[:, None] / 60.0 * t + rng.uniform(0, 2 * np.pi, (n, 1)))
    videos = 120 + rng.normal(0, noise, (n, 3, len(t), crop, crop)) + amplitude * ppg[:, None, :, None, None]
    return Clips(videos.clip(0, 255).astype(np.uint8), ppg, float(fs), [f"patch{i}" for i in range(n)],
                 "synthetic control: pulsing patch", [{"hr_mean": float(h)} for h in hr])


def split_clips(data: Clips, n_val: int, n_test: int, seed: int = 0):
    """Subject-exclusive split of ``data`` (:func:`rppg_lib.data.splits.split_by_subject`): ``n_val`` and
    ``n_test`` subjects drawn with ``seed``, all recordings of a subject (PURE's tasks, COHFACE's lightings)
    on one side. Returns (train, val, test) recording indices."""
    return split_by_subject(data.subjects, n_val, n_test, seed)


def held_out_clips(data: Clips, split, clip_s: float = CLIP_S):
    """The test recordings' non-overlapping ``clip_s`` clips: (videos, reference PPGs, recording index)."""
    return cut_clips(data.videos[split[2]], data.ppg[split[2]], int(round(clip_s * data.fps)))


def train_hr(data: Clips, split, clip_s: float = CLIP_S) -> np.ndarray:
    """HR of the training recordings' non-overlapping ``clip_s`` clips, read from their reference PPG with the
    chapter's estimator (:data:`HR_PEAK`): the constant answer is their mean (:func:`constant_table`)."""
    _, refs, _ = cut_clips(data.videos[split[0]], data.ppg[split[0]], int(round(clip_s * data.fps)))
    return np.atleast_1d(sig.estimate_hr(refs, data.fps, BAND, **HR_PEAK))


class OffsetRecordings(torch.utils.data.Dataset):
    """Recordings whose reference PPG is shifted by a fresh random offset every time
    one is drawn (Fig. 5): offset ~ U(-max_offset_s, max_offset_s), applied as a
    circular shift inside the recording (the paper shifts "using neighbouring data")."""

    def __init__(self, videos, ppg, fs: float, max_offset_s: float, seed: int = 0):
        self.videos, self.ppg = videos, np.asarray(ppg, float)
        self.max_shift = int(round(max_offset_s * fs))
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        #: The generators a trainer saves and restores with its checkpoints (a resumed run draws the offsets an
        #: uninterrupted one would): :func:`rppg_lib.train.contrastive.train_supervised` registers them.
        self.generators = (self.rng,)

    def fingerprint_parts(self):
        """What identifies these recordings for :func:`rppg_lib.train.loop.data_fingerprint` (drawing items would
        move the offsets' generator)."""
        return self.videos, self.ppg, self.max_shift, self.seed

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


def constant_table(ref_clips, fs: float, value: float) -> pd.DataFrame:
    """Every clip gets HR ``value``; its "PPG" is a cosine at that rate (for the Table 6 statistics)."""
    t = np.arange(np.shape(ref_clips)[1]) / fs
    pred = np.tile(np.cos(2 * np.pi * value / 60.0 * t), (len(ref_clips), 1))
    table = clip_table(pred, ref_clips, fs)
    table["hr_pred"] = float(value)  # exact constant (the periodogram would round it to its grid)
    return table


def baseline_table(ref_clips, fs: float, how: str, train_hr=None) -> pd.DataFrame:
    """The paper's mean or median baseline (``how`` "mean" / "median": every clip gets the mean / median
    reference HR of the *test* clips) or the compendium's constant answer (``how="constant"``: the mean of
    ``train_hr``, the training clips' HR, :func:`train_hr`), against which
    :func:`rppg_lib.claims.network_learned` decides whether a network learned."""
    hr_ref = np.atleast_1d(sig.estimate_hr(ref_clips, fs, BAND, **HR_PEAK))
    if how == "constant":
        if train_hr is None:
            raise ValueError("the constant answer needs the training HRs (train_hr)")
        return constant_table(ref_clips, fs, constant_answer(train_hr))
    if how not in ("mean", "median"):
        raise ValueError(f"how must be 'mean', 'median' or 'constant', got {how!r}")
    return constant_table(ref_clips, fs, float({"mean": np.mean, "median": np.median}[how](hr_ref)))


def classical_table(rgb_clips, ref_clips, fs: float, method: str) -> pd.DataFrame:
    """A classical method (``"pos"``, ``"chrom"``, ...) on the crops' mean colour of each clip."""
    return clip_table(classical_pulses(rgb_clips, fs, method), ref_clips, fs)


# ----------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------
def run_model(data: Clips, split, *, kind: str, width: int = 16, epochs: int = 20, lr: float = 1e-3,
              batch_size: int = 4, saliency: bool = False, w_s: float = 1.0, w_t: float = 1.0,
              loss: str = "mcc", max_offset_s: float = 0.0, seed: int = 0, clip_s: float = 10.0,
              grid_size=None, threads: int = 1, device: str = "cpu", psd_window: str | None = "hann",
              checkpoint_dir=None) -> dict:
    """Train one configuration and evaluate it on the test recordings' 10 s clips.

    ``kind``: ``"supervised"`` (train recordings, validation MCC picks the epoch)
    or ``"contrastive"`` (train + validation recordings without labels, lowest
    training IPR picks the epoch, as in the paper; ``psd_window`` is MVTL's PSD taper, "hann" or
    None for the public code's rectangular window). ``checkpoint_dir``: the training's checkpoints (a rerun with
    the same folder, settings and data resumes; None: no files). Returns a dict with the
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
                  seed=seed, device=device, progress=False, checkpoint_dir=checkpoint_dir)
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


#: Column of the paper's Table 3 that a simulator preset stands in for (its real dataset; the paper writes UBFC).
PAPER_DATASET = {p: {"UBFC-rPPG": "UBFC"}.get(d, d) for p, d in DATASETS.items()}


#: The baselines of every table: the paper's mean and median of the test clips' HR, and the constant answer
#: (the mean training HR) that :func:`rppg_lib.claims.network_learned` holds a network against.
BASELINES = {"Mean": "mean", "Median": "median", "Constant": "constant"}


def baseline_tables(data: Clips, split, clip_s: float = CLIP_S) -> dict:
    """Clip tables (:func:`clip_table` columns) of the :data:`BASELINES` on the test clips of ``split``."""
    _, refs, rec = held_out_clips(data, split, clip_s)
    hr = train_hr(data, split, clip_s)
    out = {}
    for name, how in BASELINES.items():
        t = baseline_table(refs, data.fps, how, train_hr=hr)
        t["recording"] = rec
        out[name] = t
    return out


def abs_errors(table: pd.DataFrame) -> np.ndarray:
    """Per-clip absolute HR error (bpm) of a clip table."""
    return np.abs(table.hr_pred.to_numpy(float) - table.hr_ref.to_numpy(float))


def reference_rows(data: Clips, split, clip_s: float = CLIP_S) -> list:
    """Rows (``method``, ``seed`` None, :func:`summarise` columns) of the baselines and of POS and CHROM
    (on the test crops' mean colour), the rows every table starts with."""
    clips, refs, _ = held_out_clips(data, split, clip_s)
    rows = [{"method": k, "seed": None, **summarise(t)} for k, t in baseline_tables(data, split, clip_s).items()]
    rgb = mean_colour(clips)
    rows += [{"method": f"{m.upper()} (classical)", "seed": None,
              **summarise(classical_table(rgb, refs, data.fps, m))} for m in ("pos", "chrom")]
    return rows


def _learned(r: dict, constant: np.ndarray) -> tuple[bool, str]:
    return network_learned(abs_errors(r["table"]), constant)


def table3_runs(data: Clips, split, *, seeds=(0,), epochs_supervised: int = 10, epochs_contrastive: int = 10,
                seed: int = 0, log=None, chapter=None, data_name: str | None = None,
                **train) -> tuple[pd.DataFrame, list]:
    """Table 3 on one data set: the :data:`BASELINES`, POS and CHROM (on the crops' mean colour), and
    supervised and contrastive models (no saliency), each model once per seed.

    ``train`` goes to :func:`run_model` (``width``, ``lr``, ``batch_size``, ``threads``,
    ``device``); ``log`` (e.g. ``print``) gets one line per trained model. Returns the
    per-run table (``method``, ``seed``, the :func:`summarise` columns and, for models,
    ``clips_per_s``, ``train_seconds`` and ``learned``, by :func:`rppg_lib.claims.network_learned`)
    and the :func:`run_model` results. With the run's ``chapter`` every training checkpoints into the run's
    folder, named ``table3-<data_name>-<kind>-seed<n>`` (``data_name``: default ``data.source``), and a rerun
    of a killed run resumes it.
    """
    rows = reference_rows(data, split)
    constant = abs_errors(baseline_tables(data, split)["Constant"])
    runs = []
    for name, kind, epochs in (("Supervised", "supervised", epochs_supervised),
                               ("Contrastive", "contrastive", epochs_contrastive)):
        for s in seeds:
            r = run_model(data, split, kind=kind, epochs=epochs, seed=seed + s,
                          checkpoint_dir=training_checkpoint(chapter, "table3", data_name or data.source, kind,
                                                             f"seed{seed + s}"), **train)
            r["name"] = name
            runs.append(r)
            ok, _ = _learned(r, constant)
            rows.append({"method": name, "seed": seed + s, **r["summary"], "clips_per_s": r["clips_per_s"],
                         "train_seconds": r["train_seconds"], "learned": ok})
            if log is not None:
                log(f"{data.source} {name:12s} seed {seed + s}: MAE {r['summary']['mae']:5.2f}, RMSE "
                    f"{r['summary']['rmse']:5.2f} bpm (constant MAE {constant.mean():.2f}; learned: {ok}), "
                    f"{r['clips_per_s']:.1f} training clips/s, best epoch {r['best_epoch']}, "
                    f"{r['train_seconds']:.0f} s")
    return pd.DataFrame(rows), runs



def extra_lookalikes(cfg, *, seed: int = 0, device="cpu", log=None, chapter=None) -> dict:
    """Table 3 on the look-alikes besides the main one (``cfg.t3_presets``): per preset its data, split,
    fidelity (classical methods on the test recordings under the published protocol) and
    :func:`table3_runs`; ``settings`` says per preset what was rendered and trained (one column per preset,
    so the table stays narrow). Returns a dict of dicts keyed by preset: ``data``, ``split``, ``fidelity``,
    ``per_run``, ``runs``, and the ``settings`` DataFrame. With the run's ``chapter`` every training checkpoints
    and resumes (:func:`table3_runs`, named by the preset)."""
    from ...clips import fidelity

    out = {k: {} for k in ("data", "split", "fidelity", "per_run", "runs")}
    settings = {}
    for preset, pc in cfg.t3_presets.items():
        d = lookalike_data(preset, cfg.lookalike, crop=cfg.crop, fps=cfg.fps, n_subjects=pc.get("n_subjects"))
        sp = split_clips(d, pc["n_val"], pc["n_test"], seed)
        seeds = pc.get("seeds", cfg.t3_seeds)
        n_subjects = len(dict.fromkeys(d.subjects))
        settings[preset] = {
            "data": d.source, "subjects": n_subjects,
            "scenarios": ", ".join(dict.fromkeys(str(m["scenario"]) for m in d.meta)),
            "recordings": len(d), "duration (s)": round(d.ppg.shape[1] / d.fps, 1), "fps": d.fps,
            "split (subjects)": f"{n_subjects - pc['n_val'] - pc['n_test']} / {pc['n_val']} / {pc['n_test']}",
            "split (recordings)": " / ".join(str(len(x)) for x in sp),
            "test clips": len(held_out_clips(d, sp)[0]), "seeds": ", ".join(map(str, seeds))}
        out["data"][preset], out["split"][preset] = d, sp
        out["fidelity"][preset] = fidelity(d, preset, sp[2])
        out["per_run"][preset], out["runs"][preset] = table3_runs(
            d, sp, seeds=seeds, seed=seed, epochs_supervised=cfg.t3_epochs_supervised,
            epochs_contrastive=cfg.t3_epochs_contrastive, width=cfg.width, lr=cfg.lr, batch_size=cfg.batch_size,
            threads=cfg.threads, device=device, log=log, chapter=chapter, data_name=preset)
    out["settings"] = pd.DataFrame(settings)
    return out

def rung_data(data: Clips, split, runs: list = ()) -> RungData:
    """A ladder step on ``data`` and ``split`` (:class:`rppg_lib.ladder.RungData`): per test clip, the constant
    answer's and POS's (on the test crops' mean colour) absolute HR errors, and ``runs`` (:func:`run_model`
    results with their ``name``) as results already computed."""
    clips, refs, _ = held_out_clips(data, split)
    pos = classical_table(mean_colour(clips), refs, data.fps, "pos")
    return RungData((data, split), abs_errors(baseline_tables(data, split)["Constant"]), {"POS": abs_errors(pos)},
                    {(r["name"], r["seed"]): abs_errors(r["table"]) for r in runs})


def learning_ladder(preset: str, profile: str, *, crop: int, fps: float, n_val: int, n_test: int,
                    n_subjects: int | None = None, rungs=tuple(RUNGS), seeds=(0,), seed: int = 0,
                    epochs_supervised: int = 10, epochs_contrastive: int = 10, windows=("hann",), top=None, log=None,
                    progress: bool = False, chapter=None, **train) -> pd.DataFrame:
    """The same recipe on the rungs of :data:`rppg_lib.ladder.RUNGS` (easy to the look-alike) through
    :func:`rppg_lib.ladder.run_ladder` (its one table): where a model learns the easy rungs but not the
    look-alike, the cause is in the data (the pulse, the noise, the codec) or the budget, not the code. A
    diagnosis: no claim is decided on an easy rung.

    Per rung the data are ``preset``'s look-alike at ``profile`` with the rung's overrides
    (:func:`lookalike_data`; ``n_subjects`` cuts subjects), split by subject with ``seed``
    (:func:`split_clips`); the baselines are the constant answer and POS (:func:`rung_data`); supervised and
    contrastive models train once per seed ``seed + s`` (``train`` goes to :func:`run_model`). ``windows``:
    MVTL's PSD taper per contrastive model, "hann" ("Contrastive") and/or None ("Contrastive (no window)", the
    public code's estimator). ``top``: ``(data, split, runs)`` of the look-alike already run (its rung reuses
    them and trains only what they lack). A rung whose overrides do not change the preset (:func:`rung_extra`:
    "lossless" on a lossless preset) renders the same data as an earlier rung: its rows repeat that rung's
    results (nothing is trained twice). With the run's ``chapter`` each finished training is kept and a rerun of
    a killed run trains only the rest.
    """
    known: dict = {}  # (rung data, model, seed) -> errors: a rung that renders an earlier rung's data reuses them

    def prepare(rung, _sessions):
        if rung == TOP and top is not None:
            step = rung_data(*top)
        else:
            d = lookalike_data(preset, profile, crop=crop, fps=fps, rung=rung, n_subjects=n_subjects,
                               progress=progress)
            step = rung_data(d, split_clips(d, n_val, n_test, seed))
        tag = repr(sorted(step.data[0].extra.items())) + ("top" if rung == TOP and top is not None else "")
        step.done = {**{k[1:]: e for k, e in known.items() if k[0] == tag}, **step.done}
        step.data = (*step.data, tag)
        return step

    def recipe(name, kind, epochs, window):
        def fit(data, s):
            d, split, tag = data
            r = run_model(d, split, kind=kind, epochs=epochs, seed=s, psd_window=window, **train)
            known[(tag, name, s)] = abs_errors(r["table"])
            return known[(tag, name, s)]
        return fit

    models = {"Supervised": recipe("Supervised", "supervised", epochs_supervised, "hann")}
    for w in windows:
        name = "Contrastive" if w == "hann" else "Contrastive (no window)"
        models[name] = recipe(name, "contrastive", epochs_contrastive, w)
    settings = repr((preset, profile, crop, fps, n_val, n_test, n_subjects, seed, epochs_supervised,
                     epochs_contrastive, windows, sorted(train.items())))
    return _ladder.run_ladder(rungs, prepare, models, seeds=[seed + s for s in seeds], log=log, chapter=chapter,
                              settings=settings)


def learning_entry(data: Clips, split, runs: list, label: str) -> dict:
    """A data set's ``metrics["learning"]`` entry: ``data`` (``label``), ``mean_baseline_rmse`` (the paper's
    mean-HR baseline), ``constant_mae`` (the mean training HR), ``pos_mae`` (POS on the test crops),
    ``models`` {name: [MAE per seed]}, ``models_rmse`` {name: [RMSE per seed]}, ``learned`` {name: [by
    :func:`rppg_lib.claims.network_learned`, per seed]} and ``n_clips``, on the test clips of ``split``."""
    base = baseline_tables(data, split)
    constant = abs_errors(base["Constant"])
    clips, refs, _ = held_out_clips(data, split)
    pos = summarise(classical_table(mean_colour(clips), refs, data.fps, "pos"))
    models: dict = {}
    for r in runs:
        m = models.setdefault(r["name"], {"mae": [], "rmse": [], "learned": []})
        m["mae"].append(float(r["summary"]["mae"]))
        m["rmse"].append(float(r["summary"]["rmse"]))
        m["learned"].append(bool(_learned(r, constant)[0]))
    return {"data": label, "mean_baseline_rmse": summarise(base["Mean"])["rmse"],
            "constant_mae": float(constant.mean()), "pos_mae": pos["mae"], "n_clips": len(constant),
            "models": {k: v["mae"] for k, v in models.items()},
            "models_rmse": {k: v["rmse"] for k, v in models.items()},
            "learned": {k: v["learned"] for k, v in models.items()}}


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
    cols = ["lag_s", "n_pairs", *[f"q{int(100 * q)}" for q in quantiles], "share_within_10bpm"]
    return pd.DataFrame(rows, columns=cols).set_index("lag_s")




# ----------------------------------------------------------------------------
# the chapter's steps (what notebooks/gideon2021.ipynb calls)
# ----------------------------------------------------------------------------
def main_data(cfg, progress: bool = False) -> Clips:
    """The main table's data: ``cfg.preset``'s look-alike at ``cfg.lookalike`` (``cfg.n_subjects`` cut)."""
    return lookalike_data(cfg.preset, cfg.lookalike, crop=cfg.crop, fps=cfg.fps, n_subjects=cfg.n_subjects,
                          progress=progress)


def settings_text(cfg, device, data: Clips | None = None) -> str:
    """One paragraph on what this profile trains: data, clips, network, optimiser, epochs, seeds."""
    look = lookalike(cfg.preset, cfg.lookalike, **({} if cfg.n_subjects is None else {"n_subjects": cfg.n_subjects}))
    what = (f"{len(data)} recordings of {data.ppg.shape[1] / data.fps:g} s" if data is not None else
            f"{look.n_subjects} subjects x {len(look.scenarios)} scenario(s) of {look.duration_s:g} s")
    return (f"{what} ({look.name}, profile {cfg.lookalike!r}) at {cfg.fps:g} fps after decoding, on {device} "
            f"({cfg.threads} torch thread(s)), face crops {cfg.crop}x{cfg.crop}, clips of {CLIP_S:g} s "
            f"({int(CLIP_S * cfg.fps)} frames), PhysNet width {cfg.width}, batch {cfg.batch_size}, AdamW lr "
            f"{cfg.lr:g}, {cfg.epochs_supervised} supervised / {cfg.epochs_contrastive} contrastive epochs, seeds "
            f"{cfg.seeds}. HR of a PPG: peak of a zero-padded periodogram in {BAND[0]:g}-{BAND[1]:g} bpm (the "
            "paper's band), for predictions and references alike.")


def main_table_runs(data: Clips, split, cfg, seed: int = 0, device="cpu", log=None, chapter=None) -> list:
    """Table 3's four trained configurations (supervised and contrastive, with and without the saliency
    sampler), each once per seed of ``cfg``; the :func:`run_model` results with their ``name``. With the
    run's ``chapter`` (:class:`rppg_lib.chapter.Chapter`), the first seed's supervised and contrastive
    PhysNets are stored for ``rppg predict --model`` (:func:`rppg_lib.model_store.save_model`), and every
    training checkpoints into the run's folder (:func:`rppg_lib.chapter.training_checkpoint`), so a rerun of a
    killed run resumes it."""
    configs = [("Supervised", "supervised", False, cfg.epochs_supervised, cfg.seeds),
               ("Supervised + saliency", "supervised", True, cfg.epochs_supervised, cfg.saliency_seeds),
               ("Contrastive", "contrastive", False, cfg.epochs_contrastive, cfg.seeds),
               ("Contrastive + saliency", "contrastive", True, cfg.epochs_contrastive, cfg.saliency_seeds)]
    constant = abs_errors(baseline_tables(data, split)["Constant"])
    runs = []
    for name, kind, saliency, epochs, seeds in configs:
        for s in seeds:
            r = run_model(data, split, kind=kind, saliency=saliency, width=cfg.width, epochs=epochs, lr=cfg.lr,
                          batch_size=cfg.batch_size, seed=seed + s, threads=cfg.threads, device=device,
                          checkpoint_dir=training_checkpoint(chapter, "table3", kind,
                                                             "saliency" if saliency else "plain", f"seed{seed + s}"))
            r["name"] = name
            runs.append(r)
            if chapter is not None and not saliency and s == seeds[0]:
                save_model(chapter, f"{KEY}-{kind}", r["model"], builder="rppg_lib.models:PhysNetUpsample",
                           builder_kwargs={"in_channels": 3, "width": cfg.width}, data=data.source,
                           input_spec=face_crops_input(cfg.crop, data.fps, int(round(CLIP_S * data.fps))),
                           metrics={"test_mae": r["summary"]["mae"], "test_rmse": r["summary"]["rmse"]})
            if log is not None:
                log(f"{name:24s} seed {seed + s}: MAE {r['summary']['mae']:5.2f}, RMSE {r['summary']['rmse']:5.2f} "
                    f"bpm (learned: {_learned(r, constant)[0]}), {r['clips_per_s']:.1f} training clips/s, best epoch "
                    f"{r['best_epoch']}, {r['train_seconds']:.0f} s")
    return runs


def main_table(runs: list, data: Clips, split) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(per_run, agg)``: one row per method and seed (the :data:`BASELINES`, POS, CHROM, every trained run)
    with the :func:`summarise` columns (and ``learned`` for trained runs, by
    :func:`rppg_lib.claims.network_learned` against the constant answer), and their mean and SD over seeds per
    method (in the rows' order)."""
    constant = abs_errors(baseline_tables(data, split)["Constant"])
    rows = reference_rows(data, split)
    rows += [{"method": r["name"], "seed": r["seed"], **r["summary"], "learned": _learned(r, constant)[0]}
             for r in runs]
    per_run = pd.DataFrame(rows)
    order = list(dict.fromkeys(per_run.method))
    cols = ["rmse", "mae", "pc", "ppg_pc", "ppg_mcc", "ppg_snr"]
    agg = per_run.groupby("method", sort=False)[cols].agg(["mean", "std"]).loc[order]
    agg[("runs", "n")] = per_run.groupby("method", sort=False).size().loc[order]
    return per_run, agg


def learned_counts(per_run: pd.DataFrame) -> dict:
    """``{method: (runs that learned, runs)}`` of the trained methods of a per-run table."""
    nets = per_run[per_run.seed.notna()]
    return {m: (int(d.learned.astype(bool).sum()), len(d)) for m, d in nets.groupby("method", sort=False)}


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


def chapter_ladder(cfg, data: Clips, split, runs: list, seed: int = 0, device="cpu", log=None,
                   chapter=None) -> pd.DataFrame:
    """The chapter's learning ladder: :func:`learning_ladder` over ``cfg.ladder_rungs`` on the first
    ``cfg.ladder_subjects`` subjects of the look-alike, supervised, contrastive and contrastive with the public
    code's rectangular PSD window ("Contrastive (no window)"), ``cfg.ladder_seeds``. When the ladder's data and
    split are the main table's (``data``, ``split``), its look-alike rung reuses the main table's ``runs`` and
    trains only the window-less contrastive model there. With the run's ``chapter`` a rerun of a killed run trains
    only what had not finished."""
    n_main = len(dict.fromkeys(data.subjects))
    same = (cfg.ladder_subjects in (None, n_main) and (cfg.ladder_n_val, cfg.ladder_n_test) == (cfg.n_val, cfg.n_test)
            and TOP in cfg.ladder_rungs)
    top = [r for r in runs if r["name"] in ("Supervised", "Contrastive")] if same else None
    return learning_ladder(cfg.preset, cfg.lookalike, crop=cfg.crop, fps=cfg.fps, n_val=cfg.ladder_n_val,
                           n_test=cfg.ladder_n_test, n_subjects=cfg.ladder_subjects, rungs=list(cfg.ladder_rungs),
                           seeds=list(cfg.ladder_seeds), seed=seed, epochs_supervised=cfg.epochs_supervised,
                           epochs_contrastive=cfg.epochs_contrastive, windows=("hann", None),
                           top=None if top is None else (data, split, top), log=log, width=cfg.width, lr=cfg.lr,
                           batch_size=cfg.batch_size, threads=cfg.threads, device=device, chapter=chapter)


def fidelity_table(per_preset: dict) -> pd.DataFrame:
    """The data's fidelity (:func:`rppg_lib.clips.fidelity` per preset): each classical method's error on the
    test recordings under the published protocol, the published one on the real dataset, their ratio, its source,
    and whether the claims' precondition holds for the preset (:func:`rppg_lib.claims.fidelity_precondition` on
    POS and CHROM, :func:`rppg_lib.papers.gideon2021.claims.data_precondition`)."""
    from .claims import data_precondition

    rows = []
    for preset, fid in per_preset.items():
        ok = data_precondition(fid, True).ok
        if not fid:
            rows.append({"data": preset, "method": "–", "metric": "–", "ours": np.nan, "published": np.nan,
                         "ratio": np.nan, "source": "no published number", "as hard as the real dataset": ok})
        for method, row in (fid or {}).items():
            rows.append({"data": preset, "method": method, "metric": row["metric"].upper(), "ours": row["ours"],
                         "published": row["published"], "ratio": row["ratio"], "source": row["source"],
                         "as hard as the real dataset": ok})
    return pd.DataFrame(rows).set_index(["data", "method"])


def learning_table(learning: dict) -> pd.DataFrame:
    """One row per data set and trained model of ``metrics["learning"]`` (:func:`learning_entry` per data set):
    test MAE and RMSE per seed, how many seeds learned by :func:`rppg_lib.claims.network_learned` and how many
    reach RMSE at most half the paper's mean baseline, beside the constant answer, POS and the mean baseline."""
    rows = []
    for e in learning.values():
        for model, maes in e["models"].items():
            rmses = e["models_rmse"][model]
            rows.append({"data": e["data"], "model": model, "constant MAE": round(e["constant_mae"], 2),
                         "POS MAE": round(e["pos_mae"], 2), "MAE per seed": ", ".join(f"{x:.2f}" for x in maes),
                         "learned (one rule)": f"{sum(e['learned'][model])} of {len(maes)}",
                         "mean-baseline RMSE": round(e["mean_baseline_rmse"], 2),
                         "RMSE per seed": ", ".join(f"{x:.2f}" for x in rmses),
                         "RMSE <= half the mean baseline":
                             f"{sum(x <= 0.5 * e['mean_baseline_rmse'] for x in rmses)} of {len(rmses)}",
                         "test clips": e["n_clips"]})
    return pd.DataFrame(rows).set_index(["data", "model"])


def flash_boxes(look, crop: int, extra: dict) -> list:
    """Per session of look-alike ``look`` rendered with the flashing block (simulator overrides ``extra``), the
    block's rate (bpm) and its box in crop pixels ``(x, y, w, h)``, from the simulator's scene (nothing is
    rendered): the block's frame box mapped into the sticky face crop of the first frame, the crop
    :func:`rppg_lib.clips.render_session` takes (the simulator's face box with a 50 % margin)."""
    from ...synth import Scene
    from ...video.detect import smooth_boxes

    out = []
    for subject, scenario, seed in look.sessions():
        scene = Scene(look.preset, seed, subject=subject, **look.overrides(scenario), **extra)
        bx, by, bw, bh = smooth_boxes(scene.face_boxes(), "sticky", margin=0.5)[0]
        x, y, w, h = scene.flash.box
        out.append({"flash_bpm": float(scene.flash.rate_bpm),
                    "box": ((x - bx) / bw * crop, (y - by) / bh * crop, w / bw * crop, h / bh * crop)})
    return out


def flash_experiment(cfg, seed: int = 0, device="cpu", chapter=None) -> tuple[dict, dict, Clips, tuple]:
    """Fig. 4: contrastive and supervised models with the saliency sampler on recordings with a flashing
    block (``cfg.flash_subjects`` subjects of the look-alike, ``cfg.flash_duration_s`` long, with
    ``flash_block=True``). Returns ``(sal, runs, data, split)``; ``sal[kind]`` is :func:`saliency_share` on the
    first test clip, with ``<kind>_tracks_flash`` (share of test clips within 5 bpm of their block's rate),
    ``<kind>_rmse``, ``<kind>_errors`` (per-clip absolute HR error) and ``constant_errors`` (the constant
    answer's, for :func:`rppg_lib.claims.network_learned`). With the run's ``chapter`` both trainings checkpoint
    into the run's folder and a rerun of a killed run resumes them."""
    extra = {"flash_block": True, "flash_size": float(cfg.flash_size)}
    look = lookalike(cfg.preset, cfg.lookalike, n_subjects=cfg.flash_subjects, duration_s=cfg.flash_duration_s)
    flash = lookalike_clips(look, crop=cfg.crop, fps=cfg.fps, extra=extra, progress=False, label="flashing block")
    blocks = flash_boxes(look, cfg.crop, extra)
    split = split_clips(flash, 1, cfg.flash_n_test, seed)
    constant = abs_errors(baseline_tables(flash, split)["Constant"])
    sal, runs = {"preset": cfg.preset, "constant_errors": constant.tolist()}, {}
    i_test = split[2][0]
    for kind in ("contrastive", "supervised"):
        r = run_model(flash, split, kind=kind, saliency=True, width=cfg.width, epochs=cfg.flash_epochs, lr=cfg.lr,
                      batch_size=cfg.batch_size, seed=seed, grid_size=cfg.flash_grid, threads=cfg.threads,
                      device=device, checkpoint_dir=training_checkpoint(chapter, "fig4-flash", kind, f"seed{seed}"))
        runs[kind] = r
        sal[kind] = saliency_share(r["sampler"], r["clips"][0], blocks[i_test]["box"])
        rate = np.array([blocks[split[2][k]]["flash_bpm"] for k in r["table"].recording])
        sal[f"{kind}_tracks_flash"] = float(np.mean(np.abs(r["table"].hr_pred.to_numpy() - rate) <= 5))
        sal[f"{kind}_rmse"] = r["summary"]["rmse"]
        sal[f"{kind}_errors"] = abs_errors(r["table"]).tolist()
    for m, b in zip(flash.meta, blocks):
        m["flash_bpm"], m["flash_box_crop"] = b["flash_bpm"], b["box"]
    return sal, runs, flash, split


def offset_runs(data: Clips, split, cfg, runs: list, seed: int = 0, device="cpu",
                chapter=None) -> tuple[pd.DataFrame, np.ndarray]:
    """Fig. 5: supervised models trained with a random offset of up to ``O_max`` seconds between video and
    label, for each ``O_max`` of ``cfg.offset_max_s`` and each loss of ``cfg.offset_losses`` (one seed,
    ``cfg.offset_epochs``; offset 0 with the MCC loss reuses the Table 3 supervised run of the first seed when
    it trained as long). Returns ``(fig5_long, zero_errors)``: one row per setting (``O_max (s)``, ``loss``,
    ``rmse``, ``clips_per_s``) and the per-clip absolute HR errors of offset 0 with the MCC loss (None when
    that setting is not in ``cfg``). With the run's ``chapter`` every training checkpoints into the run's folder
    (one per offset and loss) and a rerun of a killed run resumes it."""
    rows, zero_errors = [], None
    for o in cfg.offset_max_s:
        for loss in cfg.offset_losses:
            if o == 0 and loss == "mcc" and cfg.offset_epochs == cfg.epochs_supervised:
                r = next(x for x in runs if x["name"] == "Supervised" and x["seed"] == seed + cfg.seeds[0])
            else:
                r = run_model(data, split, kind="supervised", loss=loss, max_offset_s=o, width=cfg.width,
                              epochs=cfg.offset_epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed,
                              threads=cfg.threads, device=device,
                              checkpoint_dir=training_checkpoint(chapter, "fig5", f"offset{o:g}s", loss,
                                                                 f"seed{seed}"))
            if o == 0 and loss == "mcc":
                zero_errors = abs_errors(r["table"])
            rows.append({"O_max (s)": o, "loss": loss, "rmse": r["summary"]["rmse"], "clips_per_s": r["clips_per_s"]})
    return pd.DataFrame(rows), zero_errors


def regulariser_sweep(data: Clips, split, cfg, runs: list, seed: int = 0, device="cpu",
                      chapter=None) -> tuple[pd.DataFrame, dict]:
    """Table 7: contrastive + saliency for each (w_s, w_t) of ``cfg.t7_grid`` (one seed; the paper's
    default (1, 1) reuses the Table 3 run of the first seed). Returns the table (RMSE, MAE, PC and their
    change from (0, 0), and ``errors``: each setting's per-clip absolute HR errors) and each setting's mean
    saliency map of one test clip. With the run's ``chapter`` every training checkpoints into the run's folder
    (one per (w_s, w_t)) and a rerun of a killed run resumes it."""
    rows, maps = [], {}
    for ws, wt in cfg.t7_grid:
        reuse = [x for x in runs if x["name"] == "Contrastive + saliency" and x["seed"] == seed + cfg.saliency_seeds[0]]
        if (ws, wt) == (1, 1) and reuse and cfg.t7_epochs == cfg.epochs_contrastive:
            r = reuse[0]
        else:
            r = run_model(data, split, kind="contrastive", saliency=True, w_s=ws, w_t=wt, width=cfg.width,
                          epochs=cfg.t7_epochs, lr=cfg.lr, batch_size=cfg.batch_size, seed=seed,
                          threads=cfg.threads, device=device,
                          checkpoint_dir=training_checkpoint(chapter, "table7", f"ws{ws:g}", f"wt{wt:g}",
                                                             f"seed{seed}"))
        rows.append({"w_s": ws, "w_t": wt, **{k: r["summary"][k] for k in ("rmse", "mae", "pc")},
                     "errors": abs_errors(r["table"])})
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
