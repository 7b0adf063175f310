"""The learning ladder of every chapter: one rung vocabulary, one runner, one table, one plot.

A ladder trains a chapter's own models on data from easy to the chapter's own, to see where a network stops
learning: where it learns the easy rungs but not the top one, the cause is in the data (the pulse, the noise,
the codec) or the budget, not in the code. It is a diagnosis; no claim is decided on an easy rung.

- :data:`RUNGS`: the vocabulary. Each rung is a named set of simulator overrides on top of a chapter's data
  (a look-alike, or the ``kopeliovich`` preset); a rung means the same settings in every home, and its name
  says what differs from the chapter's data. ``"look-alike"`` (no override) is the chapter's data itself.
- A home may also cut *which sessions* a rung renders (kopeliovich2019: one camera, the stationary scenario):
  that is the ``sessions`` label of a step, a column of its own, never part of the rung's name.
- :func:`run_ladder`: ``prepare(rung, sessions)`` gives each step's :class:`RungData` (the data, the
  constant answer's and the baselines' per-item errors), every model of ``models`` (name -> a callable
  ``(data, seed) -> per-item absolute errors``) is trained and tested once per seed, and the result is one
  table, :data:`COLUMNS`, with ``learned`` by the compendium's one rule
  (:func:`rppg_lib.claims.network_learned`) against the constant answer on the same items.
- :func:`summary` (mean MAE per rung and model, seeds that learned) and :func:`plot_ladder` (the figure).

A ladder given the run's chapter keeps every finished training's errors in the run's checkpoint folder
(:func:`rppg_lib.chapter.training_checkpoint`, ``ladder``), so a rerun of a killed chapter trains only what had
not finished; a result is reused only when its step, model, seed, settings and test items are the same.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["RUNGS", "TOP", "COLUMNS", "CONSTANT", "rung_overrides", "step_label", "RungData", "rows", "run_ladder",
           "summary", "plot_ladder"]

#: The rungs of every chapter's ladder, easy to hard: rung name -> simulator overrides on the chapter's data.
#: "2 % pulse" is a strong pulse (green AC/DC of 2 %, about five times the simulator's median subject);
#: "lossless" drops the codec; "no noise" drops the sensor's shot and read noise (``full_well_e`` 0).
RUNGS: dict[str, dict] = {
    "lossless, 2 % pulse, no noise": {"codec": None, "full_well_e": 0.0, "pulse_amplitude": 0.02},
    "lossless, no noise": {"codec": None, "full_well_e": 0.0},
    "lossless, 2 % pulse": {"codec": None, "pulse_amplitude": 0.02},
    "2 % pulse": {"pulse_amplitude": 0.02},
    "look-alike": {},
}
#: The top rung: the chapter's own data, as it is.
TOP = "look-alike"
#: The name of the constant answer (the mean training HR) in every ladder table.
CONSTANT = "constant"
#: The one layout of a ladder table: one row per step, model and seed (seed None for a baseline, whose
#: ``learned`` is None); ``mae`` and ``constant_mae`` on the same ``items`` (bpm), ``ratio`` = their quotient,
#: ``detail`` the rule's numbers, ``seconds`` the model's training and test time.
COLUMNS = ("rung", "sessions", "model", "seed", "mae", "constant_mae", "ratio", "learned", "detail", "items",
           "seconds")


def rung_overrides(name: str) -> dict:
    """The simulator overrides of rung ``name`` (a copy), or a ValueError naming the rungs."""
    if name not in RUNGS:
        raise ValueError(f"unknown rung {name!r}; rungs: {list(RUNGS)}")
    return dict(RUNGS[name])


def step_label(rung: str, sessions: str = "") -> str:
    """The label of a ladder step in tables and plots: the rung, and the sessions when a home cuts them."""
    return f"{rung} ({sessions})" if sessions else rung


@dataclass
class RungData:
    """What one step of a ladder trains and tests on.

    data : the home's data (passed to its model callables); constant : per-item absolute errors (bpm) of the
    constant answer on the test items, or seed -> those errors where the training items depend on the seed
    (cross-validation folds drawn per seed); baselines : other baselines on the same items (``"POS"``, ...), name ->
    per-item absolute errors; done : results already computed on these data (the chapter's own runs, reused on
    the top rung), ``(model, seed)`` -> per-item absolute errors.
    """

    data: Any
    constant: np.ndarray | dict
    baselines: dict = field(default_factory=dict)
    done: dict = field(default_factory=dict)


def _row(rung: str, sessions: str, model: str, seed, errors, constant: np.ndarray, seconds: float) -> dict:
    from .claims import network_learned

    e = np.abs(np.asarray(errors, float)).ravel()
    if e.shape != constant.shape:
        raise ValueError(f"{model} on {step_label(rung, sessions)!r}: {e.size} errors, but the constant answer has "
                         f"{constant.size} (they must be on the same test items)")
    mae, cmae = float(np.mean(e)), float(np.mean(constant))
    learned, detail = (None, "") if seed is None else network_learned(e, constant)
    return {"rung": rung, "sessions": sessions, "model": model, "seed": seed, "mae": mae, "constant_mae": cmae,
            "ratio": mae / cmae if cmae > 0 else float("nan"), "learned": learned, "detail": detail,
            "items": int(e.size), "seconds": float(seconds)}


def _errors(e) -> np.ndarray:
    return np.abs(np.asarray(e, float)).ravel()


def rows(rung: str, step: RungData, models: dict, *, sessions: str = "") -> list[dict]:
    """The rows of one step: the constant answer, the baselines, then ``models`` (name -> ``{seed: (per-item
    absolute errors, seconds)}``), each in the :data:`COLUMNS` layout. A network is held against the constant
    answer of its own seed when ``step.constant`` is per seed; the baselines against the seeds' mean."""
    per_seed = isinstance(step.constant, dict)
    if per_seed and not step.constant:
        raise ValueError(f"no constant answer for {step_label(rung, sessions)!r}")
    const = (np.mean([_errors(e) for e in step.constant.values()], axis=0) if per_seed
             else _errors(step.constant))
    out = [_row(rung, sessions, CONSTANT, None, const, const, 0.0)]
    out += [_row(rung, sessions, name, None, e, const, 0.0) for name, e in step.baselines.items()]
    for name, by_seed in models.items():
        for seed, (e, secs) in by_seed.items():
            if per_seed and seed not in step.constant:
                raise ValueError(f"no constant answer of seed {seed} for {step_label(rung, sessions)!r}")
            c = _errors(step.constant[seed]) if per_seed else const
            out.append(_row(rung, sessions, name, seed, e, c, secs))
    return out


def _finished_file(folder, rung: str, sessions: str, name: str, seed) -> Path:
    """Where a ladder keeps one finished training's errors in the run's checkpoint folder."""
    from .chapter import training_name

    return Path(folder) / (training_name(step_label(rung, sessions), name, f"seed{seed}") + ".npz")


def _finished_key(settings: str, step: "RungData") -> str:
    """What a kept result must match to be reused: the settings and the test items (the constant answer's
    errors, per seed where they depend on it)."""
    from .train.loop import data_fingerprint

    constant = step.constant
    if isinstance(constant, dict):
        constant = [constant[k] for k in sorted(constant)]
    return data_fingerprint(str(settings), constant)


def run_ladder(steps, prepare: Callable, models: dict, *, seeds=(0,), log: Callable | None = None,
               chapter=None, settings: str = "") -> pd.DataFrame:
    """Train and test ``models`` on every step of a ladder; one table in the :data:`COLUMNS` layout.

    steps : rung names of :data:`RUNGS`, or ``(rung, sessions)`` pairs where a home cuts the sessions of a step;
    prepare : ``prepare(rung, sessions)`` -> :class:`RungData` of that step; models : model name -> callable
    ``(data, seed)`` -> per-item absolute errors on the step's test items (the constant answer's items), once
    per seed of ``seeds`` (a result in ``RungData.done`` is used instead of training); log : gets one line per
    trained model; chapter : the run's :class:`rppg_lib.chapter.Chapter`: each finished training's errors are kept
    in its checkpoint folder and a rerun of a killed run reuses those whose ``settings`` (the home's settings,
    as text) and test items are the same (None: nothing kept).
    """
    from .chapter import training_checkpoint
    from .storage import save_npz_atomic

    folder = training_checkpoint(chapter, "ladder")
    out = []
    for step in steps:
        rung, sessions = (step, "") if isinstance(step, str) else (str(step[0]), str(step[1]))
        rung_overrides(rung)  # an unknown rung fails before anything renders
        data = prepare(rung, sessions)
        key = _finished_key(settings, data) if folder is not None else ""
        results: dict = {}
        for name, fit in models.items():
            for seed in seeds:
                if (name, seed) in data.done:
                    results.setdefault(name, {})[seed] = (data.done[(name, seed)], 0.0)
                    continue
                kept = _finished_file(folder, rung, sessions, name, seed) if folder is not None else None
                if kept is not None and kept.is_file():
                    with np.load(kept) as f:
                        if str(f["key"]) == key:
                            results.setdefault(name, {})[seed] = (f["errors"], float(f["seconds"]))
                            if log is not None:
                                log(f"ladder [{step_label(rung, sessions)}] {name} seed {seed}: kept from the "
                                    "killed run")
                            continue
                t0 = time.perf_counter()
                errors = fit(data.data, seed)
                results.setdefault(name, {})[seed] = (errors, time.perf_counter() - t0)
                if kept is not None:
                    save_npz_atomic(kept, {"errors": np.asarray(errors, float),
                                           "seconds": np.array(time.perf_counter() - t0), "key": np.array(key)})
                if log is not None:
                    log(f"ladder [{step_label(rung, sessions)}] {name} seed {seed}: MAE "
                        f"{float(np.mean(np.abs(errors))):.2f} bpm")
        out += rows(rung, data, results, sessions=sessions)
    return pd.DataFrame(out, columns=list(COLUMNS))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean MAE (bpm) per step (rows, easy to hard) and model (columns), and for every trained model the seeds
    that learned by the one rule (``"<model>: learned"``, "k of n")."""
    # MAE as numbers: rows concatenated from different sources can leave the column object-typed, which
    # pivots to object columns that .round() leaves unrounded
    t = table.assign(step=[step_label(r, s) for r, s in zip(table["rung"], table["sessions"])],
                     mae=pd.to_numeric(table["mae"], errors="coerce"))
    order = list(dict.fromkeys(t["step"]))
    mae = t.pivot_table(index="step", columns="model", values="mae", aggfunc="mean", sort=False).reindex(order)
    nets = t[t["seed"].notna()]
    for name, part in nets.groupby("model", sort=False):
        counts = part.groupby("step", sort=False)["learned"].agg(lambda v: f"{int(v.astype(bool).sum())} of {len(v)}")
        mae[f"{name}: learned"] = counts.reindex(order)
    return mae


def plot_ladder(table: pd.DataFrame, ax=None, title: str = "", ylabel: str = "test MAE (bpm)"):
    """The ladder's figure: MAE per step, easy to hard; each trained model's seeds (dots) and mean (line), the
    constant answer (dotted) and the other baselines (dashed)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.4))
    steps = [step_label(r, s) for r, s in zip(table["rung"], table["sessions"])]
    t = table.assign(step=steps)
    order = list(dict.fromkeys(steps))
    x = {s: i for i, s in enumerate(order)}
    for name, part in t.groupby("model", sort=False):
        mean = part.groupby("step", sort=False)["mae"].mean().reindex(order)
        if name == CONSTANT:
            style = dict(color="0.5", ls=":", marker="")
        elif part["seed"].isna().all():
            style = dict(ls="--", marker="s")
        else:
            style = dict(marker="o")
        line, = ax.plot(np.arange(len(order)), mean.to_numpy(), label=name, **style)
        if part["seed"].notna().any():
            ax.plot(part["step"].map(x), part["mae"], ".", color=line.get_color(), alpha=0.6)
    ax.set_xticks(np.arange(len(order)))
    ax.set_xticklabels(order, rotation=15, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=3)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
