"""The numbers of the book's "How to reproduce" page, read from the runner's records and the disk.

- :func:`cost_table`: wall time and peak memory of every executed notebook, per profile
  (``results/notebook_runs/``, written by :func:`rppg_lib.runner.run_notebook`);
- :func:`disk_text`: the size of the environment, the cache and the results on this machine;
- :func:`data_root_table`: per chapter, the real dataset its ``data_root`` accepts.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .homes import REPO_ROOT, homes
from .results import default_results_dir

__all__ = ["cost_table", "disk_text", "data_root_table", "folder_size"]


def cost_table(results_dir=None) -> pd.DataFrame:
    """One row per (notebook, profile, cache), the index: minutes of wall time, peak memory (GiB), look-alike
    sessions rendered, CPU count, when. ``cache`` is "cold" for a run that rendered look-alike sessions, "warm"
    for one that read them all from the cache."""
    base = Path(results_dir) if results_dir is not None else default_results_dir()
    rows = [json.loads(p.read_text()) for p in sorted((base / "notebook_runs").glob("*.json"))]
    index = ["notebook", "profile", "cache"]
    columns = index + ["wall time (min)", "peak memory (GiB)", "sessions rendered", "CPU cores", "finished"]
    if not rows:
        return pd.DataFrame(columns=columns).set_index(index)
    df = pd.DataFrame(rows)
    if "cache" not in df:
        df["cache"] = None
    if "sessions_rendered" not in df:
        df["sessions_rendered"] = None
    df["cache"] = df["cache"].fillna("not recorded")
    df = df.rename(columns={"sessions_rendered": "sessions rendered"})
    df["wall time (min)"] = (df["wall_time_s"] / 60).round(1)
    df["peak memory (GiB)"] = (df["peak_memory_mib"] / 1024).round(2)
    df = df.rename(columns={"cpu_count": "CPU cores", "finished_at": "finished"})
    df["finished"] = pd.to_datetime(df["finished"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
    order = {k: i for i, k in enumerate(homes())}
    df = df.assign(_o=df["notebook"].map(order).fillna(len(order))).sort_values(["profile", "_o", "cache"])
    return df[columns].set_index(index)


def folder_size(path) -> int:
    """Bytes of the files below ``path`` (0 if it does not exist); links are not followed."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def _human(n_bytes: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} B"


def disk_text(root=REPO_ROOT) -> str:
    """A sentence with the sizes of ``.venv``, ``.cache`` and ``results`` under ``root``."""
    parts = [f"`{name}` {_human(folder_size(Path(root) / name))}" for name in (".venv", ".cache", "results")]
    return "Disk used on this machine: " + ", ".join(parts) + "."


def data_root_table() -> pd.DataFrame:
    """Per chapter: its title and what ``data_root`` accepts."""
    rows = [{"chapter": h.key, "title": h.title, "data_root": h.data_root or "none: the chapter takes no real data"}
            for h in homes().values()]
    return pd.DataFrame(rows).set_index("chapter")
