"""Write simulated datasets to disk in the real datasets' layouts.

``write_dataset(preset, n_subjects, out_dir, seed=0, progress=True, **overrides)``
uses the writers of :mod:`rppg_lib.data` (``write_ubfc_rppg_recording``,
``write_pure_recording``), so the loaders of the real datasets read the result.

- **Resumable**: a recording whose final files exist is skipped.
- **Atomic**: each recording is written under ``<out_dir>/.partial/`` and moved
  into place with ``os.replace`` only when complete (PURE: the frames folder
  first, its JSON last, and a frames folder without its JSON is redone), so a
  crash or a full disk never leaves a partial recording that looks finished.
- The simulator parameters of every recording go to ``<out_dir>/_synth/<name>.json``.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from .presets import PRESETS
from .simulate import simulate

__all__ = ["write_dataset", "WRITABLE_PRESETS"]

#: Presets with a dataset layout writer.
WRITABLE_PRESETS = ("ubfc-like", "pure-like")


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


def _units(preset: str, n_subjects: int):
    """(name, simulate overrides, writer kwargs) of every recording of the dataset."""
    if preset == "ubfc-like":
        for s in range(1, n_subjects + 1):
            yield f"subject{s}", {"subject": s - 1}, {"subject": s}
    else:  # pure-like: subjects x 6 tasks, numbered as in PURE
        from ..data.pure import PURE_TASKS
        for s in range(1, n_subjects + 1):
            for task, scenario in PURE_TASKS.items():
                yield f"{s:02d}-{task:02d}", {"subject": s - 1, "scenario": scenario}, \
                    {"subject": s, "task": task}


def _finished(out: Path, preset: str, name: str) -> bool:
    if preset == "ubfc-like":
        return (out / name).is_dir()
    if (out / f"{name}.json").is_file():
        return True
    if (out / name).exists():  # frames moved but the JSON never arrived: redo
        shutil.rmtree(out / name)
    return False


def _write_one(preset: str, rec, tmp: Path, out: Path, name: str, writer_kw: dict) -> None:
    if preset == "ubfc-like":
        from ..data.ubfc_rppg import write_ubfc_rppg_recording
        folder = write_ubfc_rppg_recording(tmp, rec, **writer_kw)
        os.replace(folder, out / name)
    else:
        from ..data.pure import write_pure_recording
        folder = write_pure_recording(tmp, rec, **writer_kw)
        os.replace(folder, out / name)
        os.replace(tmp / f"{name}.json", out / f"{name}.json")


def write_dataset(preset: str, n_subjects: int, out_dir, seed: int = 0, progress: bool = True,
                  **overrides) -> list[Path]:
    """Simulate ``n_subjects`` subjects of ``preset`` and write them to ``out_dir``.

    Layouts: ``ubfc-like`` -> ``subjectN/vid.avi`` (uncompressed) +
    ``ground_truth.txt``; ``pure-like`` -> ``NN-MM/Image<ns>.png`` + ``NN-MM.json``
    for the six tasks of each subject. ``overrides`` go to
    :func:`~rppg_lib.synth.simulate` (e.g. ``duration_s=30``). Returns the paths of
    all recordings (written now or earlier).
    """
    if preset not in WRITABLE_PRESETS:
        known = preset in PRESETS
        raise ValueError(
            f"{'no dataset writer for' if known else 'unknown'} preset {preset!r}; "
            f"write_dataset supports {list(WRITABLE_PRESETS)}")
    bad = {"subject", "scenario", "task"} & set(overrides)
    if bad:
        raise ValueError(f"write_dataset sets {sorted(bad)} itself; remove them from the overrides")
    if n_subjects < 1:
        raise ValueError(f"n_subjects must be at least 1, got {n_subjects}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_synth").mkdir(exist_ok=True)
    units = list(_units(preset, n_subjects))
    bar = None
    if progress:
        from tqdm import tqdm  # plain text bars: no ipywidgets needed in notebooks
        bar = tqdm(total=len(units), desc=f"write {preset}", unit="recording")
    paths = []
    for name, sim_kw, writer_kw in units:
        paths.append(out / name)
        if not _finished(out, preset, name):
            tmp = out / ".partial" / name
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            try:  # a full disk or an interrupt leaves no partial recording behind
                rec = simulate(preset, seed=seed, **sim_kw, **overrides)
                info = {"preset": preset, "seed": seed, "name": name, "params": rec.meta["params"],
                        "subject_traits": rec.meta["subject_traits"], "hr0_bpm": rec.meta["hr0_bpm"]}
                _write_one(preset, rec, tmp, out, name, writer_kw)
                (out / "_synth" / f"{name}.json").write_text(json.dumps(_jsonable(info), indent=1))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    shutil.rmtree(out / ".partial", ignore_errors=True)
    return paths
