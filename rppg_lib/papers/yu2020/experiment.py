"""What notebooks/yu2020.ipynb computes (Yu et al. 2020, AutoHR), step by step.

1. Face crops (:func:`prepare_simulated`, :func:`prepare_real`): the look-alike of the dataset
   (:mod:`rppg_lib.lookalike`: the simulator preset at the real face size, frame rate, codec and
   noise) through the core clip pipeline (:func:`rppg_lib.clips.lookalike_clips`, sessions cached
   once for every chapter), or VIPL-HR itself; an enlarged face box cropped to ``crop`` x ``crop``
   after decoding; :func:`test_fidelity`: POS / CHROM under the published protocol beside the
   published numbers.
2. Subject-exclusive folds (:func:`fold_split`, :func:`rppg_lib.data.cv_folds`).
3. Searches (:func:`run_searches`): one cell per configuration of Fig. 4c on the training videos.
4. Networks (:func:`train_and_test`): AutoHR from a genotype or PhysNet (optionally with TDC),
   trained with a loss of Fig. 4a and the augmentations of Fig. 4d, tested on non-overlapping
   10 s clips of the test videos; a video's HR is the mean of its clips' HRs (App. B). The figures'
   training loops: :func:`nas_runs` (Fig. 4c), :func:`augmentation_runs` (4d), :func:`loss_and_theta_runs`
   (4a, 4b), :func:`seed_runs` (Table I over seeds).
5. Baselines (:func:`classical_table`, :func:`constant_table`): POS and CHROM on the crops' mean
   colour of the same clips; the constant answer (the training videos' mean HR).
6. Rows (:func:`metrics_row`): SD, MAE, RMSE of the per-video error and Pearson's r (Sec. III-A);
   :func:`with_paper` puts them beside the paper's table.
7. Did the networks learn (:func:`learning_record`, the one rule
   :func:`rppg_lib.claims.network_learned`); the learning ladder (:func:`run_ladder` on the rungs
   of :data:`rppg_lib.ladder.RUNGS`), the figures (:func:`plot_ablation`, :func:`draw_cell`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from ... import ladder as _ladder
from ...baselines import classical_pulses, constant_answer
from ...chapter import training_checkpoint
from ...ladder import TOP, RungData, rung_overrides
from ...model_store import face_crops_input, save_model
from ...train.loop import data_fingerprint
from . import KEY
from .training import clip_hr, predict_clips, search_architecture, train_network

__all__ = ["METRICS", "lookalike_of", "prepare_simulated", "prepare_real", "test_fidelity", "fold_split",
           "test_clips", "per_video", "classical_table", "constant_table", "learning_record", "metrics_row",
           "abs_errors", "stacked_errors", "Run", "make_network", "train_and_test", "search_name", "nas_runs",
           "run_searches", "run_ladder", "ablation_table", "plot_ablation", "draw_cell", "with_paper",
           "table_record", "show", "settings_text"]

#: The paper's metrics (Sec. III-A), in its column order.
METRICS = ("SD", "MAE", "RMSE", "r")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def lookalike_of(preset: str, profile: str, *, n_subjects: int | None = None, scenarios=None):
    """The look-alike of ``preset`` at ``profile`` (:func:`rppg_lib.lookalike.lookalike`), cut to ``n_subjects``
    subjects and ``scenarios`` when given (a profile may cut sessions, never the difficulty)."""
    from ...lookalike import lookalike

    changes = {}
    if n_subjects is not None:
        changes["n_subjects"] = int(n_subjects)
    if scenarios is not None:
        changes["scenarios"] = tuple(scenarios)
    return lookalike(preset, profile, **changes)


def prepare_simulated(preset: str, profile: str, cfg, *, n_subjects: int | None = None, scenarios=None,
                      rung: str = "look-alike", progress: bool = True):
    """Face crops of the look-alike of ``preset`` at ``profile`` as :class:`~rppg_lib.clips.Clips`
    (:func:`rppg_lib.clips.lookalike_clips`): rendered at the real dataset's face size, frame rate, codec and
    noise, then cropped to ``cfg.crop`` and block-averaged to about ``cfg.fps`` after decoding. ``rung``: a
    rung of :data:`rppg_lib.ladder.RUNGS` (an easy one adds its simulator overrides: a diagnosis, no claim
    is decided on it). The sessions are rendered once and cached for every chapter; those not yet cached are
    rendered first on ``cfg.render_workers`` processes (:func:`rppg_lib.clips.render_sessions`)."""
    from ...clips import MASTER_CROP, lookalike_clips, render_sessions

    extra = rung_overrides(rung)
    look = lookalike_of(preset, profile, n_subjects=n_subjects, scenarios=scenarios)
    render_sessions(look, extra=extra, crop=max(int(cfg.crop), MASTER_CROP), workers=cfg.render_workers,
                    progress=progress)
    return lookalike_clips(look, crop=cfg.crop, fps=cfg.fps, extra=extra, progress=progress,
                           label="" if rung == "look-alike" else f"rung: {rung}")


def prepare_real(root, cfg, sources=(1,)):
    """VIPL-HR under ``root`` in its own layout as :class:`~rppg_lib.clips.Clips` of face crops at about
    ``cfg.fps`` (the first 30 s of each video, the published protocol's; a fixed face box from the detector).
    A wrong layout raises :class:`~rppg_lib.data.DatasetLayoutError` naming the missing file and the expected
    layout."""
    from ...clips import Clips
    from ...data import list_vipl_hr, load_vipl_hr_session
    from ...lookalike import PROTOCOLS
    from ...video import sticky_face_crops

    folders = list_vipl_hr(root, sources=sources)
    videos, ppgs, subjects, metas = [], [], [], []
    for folder in folders:
        rec = load_vipl_hr_session(folder)
        step = 1 if cfg.fps is None else max(1, int(round(rec.fps / cfg.fps)))
        n = int(round(PROTOCOLS["vipl-like"].clip_s * rec.fps))
        frames = rec.frames[:n:step]
        crops, _ = sticky_face_crops(frames, "detect", crop=cfg.crop)
        videos.append(crops.transpose(3, 0, 1, 2))
        ppg = np.asarray(rec.ppg[:n:step], float)
        ppgs.append(ppg)
        subjects.append(rec.subject)
        metas.append({"scenario": rec.scenario, "fps": rec.fps / step, "hr_mean": float(np.nanmean(rec.hr[:n]))})
    length = min(v.shape[1] for v in videos)
    return Clips(np.stack([v[:, :length] for v in videos]), np.stack([p[:length] for p in ppgs]),
                 float(metas[0]["fps"]), subjects, "real: VIPL-HR", metas)


def test_fidelity(data, preset: str, test) -> dict:
    """``metrics["fidelity"][preset]`` of the test videos (:func:`rppg_lib.clips.fidelity`): POS / CHROM under
    VIPL-HR's published protocol beside the published numbers; empty for an easy rung and for real data (the
    real dataset needs no look-alike check)."""
    from ...clips import fidelity

    return fidelity(data, preset, np.asarray(test, int)) if data.classical else {}


def fold_split(data, cfg, seed: int = 0):
    """``(train, test)`` video indices of fold ``cfg.test_fold`` of ``cfg.folds`` subject-exclusive folds."""
    from ...data import cv_folds

    folds = cv_folds([str(s) for s in data.subjects], "subject", k=cfg.folds, seed=seed)
    train, test = folds[cfg.test_fold]
    return np.asarray(train, int), np.asarray(test, int)


def test_clips(data, indices, cfg):
    """Non-overlapping ``cfg.test_clip_s`` clips of the videos ``indices``: ``(clips, ref_ppg, video)``."""
    from ...data.splits import cut_clips

    indices = np.asarray(indices, int)
    clips, refs, rec = cut_clips(data.videos[indices], data.ppg[indices], int(round(cfg.test_clip_s * data.fps)))
    return clips, refs, indices[rec]


def per_video(hr_est, hr_ref, video, data, what: str) -> pd.DataFrame:
    """One row per video: the mean of its clips' estimated and reference HRs (App. B)."""
    t = pd.DataFrame({"video": video, "hr_est": hr_est, "hr_ref": hr_ref}).groupby("video", sort=True).mean()
    t["subject"] = [str(data.subjects[v]) for v in t.index]
    return t.reset_index().assign(model=what)


def classical_table(data, indices, cfg, method: str) -> pd.DataFrame:
    """POS / CHROM (:mod:`rppg_lib.methods`) on the crops' mean colour of every test clip, per video."""
    from ...video import mean_colour

    clips, refs, video = test_clips(data, indices, cfg)
    pulse = classical_pulses(mean_colour(clips), data.fps, method)
    return per_video(clip_hr(pulse, data.fps), clip_hr(refs, data.fps), video, data, method)


def constant_table(data, train, test, cfg) -> pd.DataFrame:
    """The constant answer: every test video gets the mean HR of the training videos' clips."""
    _, refs_train, _ = test_clips(data, train, cfg)
    _, refs, video = test_clips(data, test, cfg)
    hr_ref = clip_hr(refs, data.fps)
    return per_video(np.full(len(hr_ref), constant_answer(clip_hr(refs_train, data.fps))), hr_ref, video, data,
                     "constant")


def learning_record(data_label: str, constant: pd.DataFrame, pos: pd.DataFrame, models: dict) -> dict:
    """``metrics["learning"]`` of the run record: the data, the constant answer's and POS's per-video MAE on the
    test videos, every model's MAE per seed (``models``: name -> per-video tables, one per seed) and whether it
    learned by :func:`rppg_lib.claims.network_learned` (all seeds' errors together) with the rule's numbers."""
    from ...claims import network_learned

    const = abs_errors(constant)
    learned = {name: network_learned(np.stack([abs_errors(t) for t in tables]), const)
               for name, tables in models.items()}
    return {"data": data_label, "constant_mae": float(const.mean()), "pos_mae": metrics_row(pos)["MAE"],
            "models": {name: [metrics_row(t)["MAE"] for t in tables] for name, tables in models.items()},
            "learned": {name: ok for name, (ok, _) in learned.items()},
            "learned_detail": {name: detail for name, (_, detail) in learned.items()}}


def metrics_row(table: pd.DataFrame) -> dict:
    """SD, MAE, RMSE (bpm) of the per-video error and Pearson's r of estimates and references."""
    e = table["hr_est"].to_numpy(float) - table["hr_ref"].to_numpy(float)
    est, ref = table["hr_est"].to_numpy(float), table["hr_ref"].to_numpy(float)
    r = float(np.corrcoef(est, ref)[0, 1]) if len(e) > 1 and np.ptp(est) > 1e-9 and np.ptp(ref) > 1e-9 else np.nan
    return {"SD": float(np.std(e)), "MAE": float(np.mean(np.abs(e))), "RMSE": float(np.sqrt(np.mean(e ** 2))), "r": r}


def abs_errors(table: pd.DataFrame) -> np.ndarray:
    """Absolute per-video errors in video order (the items the claims pair)."""
    t = table.sort_values("video")
    return np.abs(t["hr_est"].to_numpy(float) - t["hr_ref"].to_numpy(float))


def stacked_errors(runs, test_set: str | None = None) -> np.ndarray:
    """:func:`abs_errors` of several :class:`Run` (e.g. one per seed), one row per run: on their test videos,
    or on the extra test set ``test_set`` of ``run.spec["tables"]`` (e.g. ``"cross"``)."""
    return np.stack([abs_errors(r.spec["tables"][test_set] if test_set else r.table) for r in runs])


# ---------------------------------------------------------------------------
# networks
# ---------------------------------------------------------------------------
@dataclass
class Run:
    """One trained network: its ``name``, per-video test ``table``, training ``history``, training
    ``seconds``, the ``model`` and what defines it (``spec``)."""

    name: str
    table: pd.DataFrame
    history: list
    seconds: float
    model: object = None
    spec: dict = field(default_factory=dict)

    @property
    def mae(self) -> float:
        return metrics_row(self.table)["MAE"]


def make_network(kind: str, cfg, *, genotype=None, theta: float = 0.0):
    """``"autohr"`` (:class:`~rppg_lib.models.AutoHRNet` from ``genotype``, width ``cfg.train_width``) or
    ``"physnet"`` (:class:`~rppg_lib.models.PhysNetUpsample`, width ``cfg.physnet_width``, TDC ``theta``);
    AutoHR's pools are ``cfg.pool``."""
    from ...models import MANUAL_GENOTYPE, AutoHRNet, PhysNetUpsample

    if kind == "autohr":
        return AutoHRNet(genotype or MANUAL_GENOTYPE, width=cfg.train_width, pool=cfg.pool)
    if kind == "physnet":
        return PhysNetUpsample(3, cfg.physnet_width, theta=theta)
    raise ValueError(f"kind must be 'autohr' or 'physnet', got {kind!r}")


def train_and_test(name: str, kind: str, data, split, cfg, *, genotype=None, theta: float = 0.0,
                   loss: str = "hybrid", da1: bool = False, da2: bool = False, seed: int = 0, device="cpu",
                   progress: bool = True, test_sets: dict | None = None, chapter=None) -> Run:
    """Train one network on the training videos of ``split`` and test it per video.

    ``test_sets``: extra ``label -> (data, indices)`` on which the same model is tested (the
    cross-dataset test of Table III); their tables are in ``run.spec["tables"]``.
    ``chapter``: the run's :class:`rppg_lib.chapter.Chapter`; the training then checkpoints into its folder
    (named by kind, ``name``, seed and a tag of the data and split) and a rerun of a killed run resumes it.
    """
    train, test = split
    torch.manual_seed(seed)
    model = make_network(kind, cfg, genotype=genotype, theta=theta)
    epochs = cfg.epochs if kind == "autohr" else cfg.physnet_epochs
    t0 = time.perf_counter()
    result = train_network(model, data.videos[train], data.ppg[train], data.fps, loss=loss, epochs=epochs, lr=cfg.lr,
                           weight_decay=cfg.weight_decay, batch_size=cfg.batch_size, clip_len=cfg.clip_frames,
                           clips_per_video=cfg.clips_per_video, da1=da1, da2=da2, seed=seed, device=device,
                           progress=progress,
                           checkpoint_dir=training_checkpoint(chapter, kind, name, f"seed{seed}",
                                                              data_fingerprint(data.source, np.asarray(train))[:8]))
    seconds = time.perf_counter() - t0
    spec = {"kind": kind, "genotype": str(genotype) if genotype is not None else None, "theta": theta, "loss": loss,
            "da1": da1, "da2": da2, "seed": seed, "epochs": epochs, "tables": {}}

    def tested(d, idx):
        clips, refs, video = test_clips(d, idx, cfg)
        pred = predict_clips(model, clips, device=device)
        return per_video(clip_hr(pred, d.fps), clip_hr(refs, d.fps), video, d, name)

    table = tested(data, test)
    for label, (d, idx) in (test_sets or {}).items():
        spec["tables"][label] = tested(d, idx)
    return Run(name, table, result.history, seconds, model, spec)


def search_name(config: str, tdc: bool) -> str:
    """Label of a searched configuration of Fig. 4c, e.g. "NAS shared, with TDC"."""
    return f"NAS {config}, {'with' if tdc else 'without'} TDC"


#: Fig. 4d: the augmentations, each trained on the searched backbone (name -> (DA1, DA2)).
AUGMENTATIONS = {"DA1": (True, False), "DA2": (False, True), "DA1+DA2": (True, True)}
#: Fig. 4a: the losses PhysNet is trained with.
LOSSES_FIG4A = ("time", "frequency", "hybrid")


def nas_runs(searches: dict, **common) -> dict:
    """Fig. 4c: AutoHR on the manual cell ("manual (without NAS)") and on the cell of each search of
    ``searches`` (:func:`run_searches`), in that order, by :func:`train_and_test` with ``common`` (data, split,
    cfg, seed, device, progress). Returns label -> :class:`Run`."""
    runs = {"manual (without NAS)": train_and_test("manual", "autohr", **common)}
    for name, s in searches.items():
        runs[name] = train_and_test(name, "autohr", genotype=s.genotype, **common)
    return runs


def augmentation_runs(genotype, without: Run, cross: dict | None = None, **common) -> dict:
    """Fig. 4d: AutoHR on the searched ``genotype`` with each of :data:`AUGMENTATIONS`, beside ``without``
    (the searched backbone trained without augmentation); DA1+DA2, the paper's AutoHR, is also tested on
    ``cross`` (the cross-dataset test). ``common``: :func:`train_and_test`'s data, split, cfg, seed, device."""
    runs = {"none": without}
    for name, (da1, da2) in AUGMENTATIONS.items():
        runs[name] = train_and_test(name, "autohr", genotype=genotype, da1=da1, da2=da2,
                                    test_sets=cross if name == "DA1+DA2" else None, **common)
    return runs


def loss_and_theta_runs(thetas, cross: dict | None = None, **common) -> tuple[dict, dict]:
    """Fig. 4a and 4b: PhysNet with each loss of :data:`LOSSES_FIG4A` (the time loss also tested on ``cross``),
    and PhysNet with TDC at each theta (theta 0 is the hybrid-loss run). Returns ``(losses, thetas)``."""
    losses = {loss: train_and_test(f"PhysNet, {loss} loss", "physnet", loss=loss,
                                   test_sets=cross if loss == "time" else None, **common)
              for loss in LOSSES_FIG4A}
    by_theta = {f"theta {t:g}": (losses["hybrid"] if t == 0 else
                                 train_and_test(f"PhysNet TDC {t:g}", "physnet", theta=t, **common))
                for t in thetas}
    return losses, by_theta


def seed_runs(autohr: Run, physnet: Run, genotype, seeds, cross: dict | None = None, chapter=None,
              **common) -> tuple[list, list]:
    """Table I over seeds: ``autohr`` and ``physnet`` (the first seed's runs) and both trained again for every
    further seed of ``seeds``. Returns ``(autohr runs, physnet runs)``. With the run's ``chapter``
    (:class:`rppg_lib.chapter.Chapter`), ``autohr`` and ``physnet`` are stored for ``rppg predict --model``
    (:func:`rppg_lib.model_store.save_model`) and the further seeds' trainings checkpoint and resume
    (:func:`train_and_test`)."""
    autohr_runs, physnet_runs = [autohr], [physnet]
    if chapter is not None:
        data, cfg = common["data"], common["cfg"]
        stored = {"yu2020-autohr": (autohr, "rppg_lib.model_store:build_autohr",
                                    {"genotype": autohr.model.genotype, "width": cfg.train_width, "pool": cfg.pool}),
                  "yu2020-physnet": (physnet, "rppg_lib.models:PhysNetUpsample",
                                     {"in_channels": 3, "width": cfg.physnet_width, "theta": physnet.spec["theta"]})}
        for name, (run, builder, kwargs) in stored.items():
            save_model(chapter, name, run.model, builder=builder, builder_kwargs=kwargs, data=data.source,
                       input_spec=face_crops_input(data.videos.shape[-1], data.fps, cfg.clip_frames),
                       metrics={"test_mae": run.mae})
    for s in list(seeds)[1:]:
        seeded = {**common, "seed": s, "chapter": chapter}
        autohr_runs.append(train_and_test("DA1+DA2", "autohr", genotype=genotype, da1=True, da2=True,
                                          test_sets=cross, **seeded))
        physnet_runs.append(train_and_test("PhysNet, time loss", "physnet", loss="time", test_sets=cross, **seeded))
    return autohr_runs, physnet_runs


def run_searches(data, train, cfg, seed: int = 0, device="cpu", progress: bool = True) -> dict:
    """One search per configuration of ``cfg.search_configs`` on the training videos:
    :func:`search_name` -> :class:`~rppg_lib.papers.yu2020.training.SearchResult`."""
    from ...models import PRIMITIVES, PRIMITIVES_NO_TDC

    out = {}
    for config, tdc in cfg.search_configs:
        out[search_name(config, tdc)] = search_architecture(
            data.videos[train], data.ppg[train], data.fps, config=config,
            primitives=PRIMITIVES if tdc else PRIMITIVES_NO_TDC, width=cfg.search_width, epochs=cfg.search_epochs,
            warmup_epochs=cfg.search_warmup, steps_per_epoch=cfg.search_steps, batch_size=cfg.search_batch,
            clip_len=cfg.search_frames, pool=cfg.pool, seed=seed, device=device, progress=progress)
    return out


# ---------------------------------------------------------------------------
# the learning ladder
# ---------------------------------------------------------------------------
def run_ladder(cfg, profile: str, recipes: dict, *, reuse: dict | None = None, seed: int = 0, device="cpu",
               progress: bool = True, log=None, chapter=None) -> pd.DataFrame:
    """Train every recipe on every rung of ``cfg.ladder_rungs`` (:data:`rppg_lib.ladder.RUNGS`, easy to the
    look-alike) and score it per video (:func:`rppg_lib.ladder.run_ladder`: its one table, ``learned`` by
    :func:`rppg_lib.claims.network_learned`).

    The rungs render the look-alike's sessions of ``cfg.ladder_scenarios`` (None: the chapter's own).
    ``recipes``: model name -> keyword arguments of :func:`train_and_test` (``kind``, ``genotype``...);
    ``reuse``: ``{model name: per-video table}`` already run on the chapter's own data, used on the top rung
    ("look-alike") when the ladder's sessions are the chapter's. POS and the constant answer are scored on every
    rung (:func:`classical_table`, :func:`constant_table`). With the run's ``chapter`` each finished training is
    kept and a rerun of a killed run trains only the rest.
    """
    scenarios = cfg.ladder_scenarios if cfg.ladder_scenarios is not None else cfg.scenarios
    own = cfg.ladder_scenarios is None or (cfg.scenarios is not None and tuple(cfg.ladder_scenarios) == tuple(
        cfg.scenarios))

    def prepare(rung, _sessions):
        data = prepare_simulated(cfg.preset, profile, cfg, n_subjects=cfg.n_subjects, scenarios=scenarios, rung=rung,
                                 progress=progress)
        split = fold_split(data, cfg, seed)
        done = {(name, seed): abs_errors(t) for name, t in (reuse or {}).items()} if rung == TOP and own else {}
        return RungData((data, split), abs_errors(constant_table(data, *split, cfg)),
                        {"POS": abs_errors(classical_table(data, split[1], cfg, "POS"))}, done)

    def recipe(name, kwargs):
        def fit(data, s):
            return abs_errors(train_and_test(name, data=data[0], split=data[1], cfg=cfg, seed=s, device=device,
                                             progress=progress, **kwargs).table)
        return fit

    return _ladder.run_ladder(cfg.ladder_rungs, prepare, {n: recipe(n, kw) for n, kw in recipes.items()},
                              seeds=(seed,), log=log, chapter=chapter,
                              settings=repr((cfg, profile, sorted(recipes.items()), seed)))


# ---------------------------------------------------------------------------
# figures and tables
# ---------------------------------------------------------------------------
def ablation_table(runs: dict, constant: pd.DataFrame | None = None) -> pd.DataFrame:
    """SD / MAE / RMSE / r of each run of one ablation (label -> :class:`Run` or per-video table)."""
    rows = {k: metrics_row(v.table if isinstance(v, Run) else v) for k, v in runs.items()}
    if constant is not None:
        rows["constant answer"] = metrics_row(constant)
    return pd.DataFrame(rows).T[list(METRICS)]


def plot_ablation(tables: dict, constant_rmse: float | None = None, metric: str = "RMSE"):
    """Fig. 4: one panel per ablation (title -> :func:`ablation_table`), bars of ``metric``, the constant
    answer's as a dotted line."""
    import matplotlib.pyplot as plt

    cols = min(2, len(tables))  # two panels per row: the figure is sized for the page column
    rows = -(-len(tables) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows), squeeze=False)
    for ax in axes.ravel()[len(tables):]:
        ax.set_visible(False)
    for ax, (title, table) in zip(axes.ravel(), tables.items()):
        t = table.drop(index="constant answer", errors="ignore")
        ax.bar(np.arange(len(t)), t[metric], color="C0")
        ax.set_xticks(np.arange(len(t)))
        ax.set_xticklabels(t.index, rotation=35, ha="right", fontsize=7)
        if constant_rmse is not None:
            ax.axhline(constant_rmse, color="0.5", ls=":", label="constant answer")
            ax.legend(fontsize=7)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(f"{metric} (bpm)")
    fig.tight_layout()
    return fig


def draw_cell(genotype, cell: int = 0, ax=None, title: str = ""):
    """Fig. 5: a derived cell as a graph: input node, intermediate nodes B1..Bn, output (concatenation);
    every kept edge labelled with its operation."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    nodes = genotype.cell(cell) if hasattr(genotype, "cell") else genotype.cells[cell]
    n_in = genotype.n_inputs
    names = [f"input {i}" if n_in > 1 else "input" for i in range(n_in)] + [f"B{j + 1}" for j in range(len(nodes))]
    pos = {i: (i * 1.6, 0.0 if i % 2 == 0 else 0.6) for i in range(len(names))}
    out = (len(names) * 1.6, 0.3)
    for j, node in enumerate(nodes):
        dst = n_in + j
        for op, src in node:
            (x0, y0), (x1, y1) = pos[src], pos[dst]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="C0"))
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08 * (1 + src % 2), op, fontsize=7, ha="center", color="C3")
        ax.annotate("", xy=out, xytext=pos[dst], arrowprops=dict(arrowstyle="->", color="0.7", ls=":"))
    for i, name in enumerate(names):
        ax.text(*pos[i], name, ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#dbe9f6" if i >= n_in else "#eeeeee"))
    ax.text(*out, "output\n(concat)", ha="center", va="center", fontsize=8, bbox=dict(boxstyle="round", fc="#f6e6db"))
    ax.set_xlim(-0.8, out[0] + 0.9)
    ax.set_ylim(-0.5, 1.1)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    return ax


def with_paper(ours: dict, table: str, paper_rows: dict | None = None, notes: dict | None = None) -> pd.DataFrame:
    """Our rows (label -> per-video table, or None when not run) beside the paper's ``table``
    (:func:`rppg_lib.results.beside_paper` with SD, MAE, RMSE, r)."""
    from ...results import beside_paper

    return beside_paper(KEY, table, {k: None if t is None else metrics_row(t) for k, t in ours.items()}, METRICS,
                        paper_rows, notes)


def table_record(table: pd.DataFrame | None) -> dict | None:
    """A :func:`with_paper` table as the run record stores it: row label -> {"<side> <column>": value} (e.g.
    "ours MAE", "paper RMSE"); None for a table that was not run."""
    if table is None:
        return None
    rows = table.to_dict(orient="index")
    return {str(k): {f"{a} {b}".strip(): v for (a, b), v in r.items()} for k, r in rows.items()}


def show(table: pd.DataFrame, digits: int = 2):
    """A table for the page: numbers rounded, missing numbers as a dash."""
    return table.style.format(precision=digits, na_rep="—")


def settings_text(cfg, device, look=None) -> str:
    """What this profile trains, in one paragraph (the sizes reduced from the paper's); ``look``: the
    :class:`~rppg_lib.lookalike.LookAlike` of the intra-dataset data (None: real data)."""
    from ...synth.presets import resolve
    from .settings import SETTINGS

    if look is None:
        data = f"{cfg.preset} real data"
    else:
        p = resolve(look.preset, {})
        data = (f"the {look.name} ({look.n_subjects} subjects x {len(look.scenarios)} scenario(s) of "
                f"{look.duration_s:g} s, rendered at {p['fps']:g} fps with a {p['face_px']:g}-pixel face and codec "
                f"{p['codec']}, a window of {look.window_faces or 'the whole'} face sizes)")
    fps = "the native rate" if cfg.fps is None else f"about {cfg.fps:g} fps (a block mean of frames)"
    paper = SETTINGS["paper"]
    return (f"{data}; the network sees face crops of {cfg.crop}x{cfg.crop} (paper: {paper.crop}x{paper.crop}) at "
            f"{fps}, both made after decoding; fold {cfg.test_fold + 1} of {cfg.folds} subject-exclusive folds "
            f"(paper {paper.folds}); search: width {cfg.search_width} (paper {paper.search_width}), "
            f"{cfg.search_frames}-frame clips (paper {paper.search_frames}), {cfg.search_epochs} epochs with the "
            f"architecture frozen for {cfg.search_warmup} (paper {paper.search_epochs} and {paper.search_warmup}), "
            f"{cfg.search_steps or 'one pass'} steps per epoch; training: width {cfg.train_width} (paper "
            f"{paper.train_width}), {cfg.clip_frames}-frame clips (paper {paper.clip_frames}), {cfg.epochs} epochs "
            f"(paper at most {paper.epochs}), Adam lr {cfg.lr:g} (paper {paper.lr:g}), batch {cfg.batch_size}, "
            f"{cfg.pool} pools (paper: {paper.pool}); PhysNet width {cfg.physnet_width}, "
            f"{cfg.physnet_epochs} epochs; seeds {list(cfg.seeds)} for AutoHR and PhysNet (the ablations: the "
            f"first); device {device}, {cfg.threads} torch thread(s).")
