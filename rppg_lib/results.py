"""Run records and claims records: the only source of numbers in the book.

A *run record* is one JSON file per notebook run, written atomically under
``results/runs/``: the metrics, the resolved configuration, the data source,
the profile, the seed, package versions, git revision, wall time and device.

A *claims record* is one JSON file per chapter under ``results/claims/``: the
verdicts that :mod:`rppg_lib.claims` decided on the run, each with its rule,
interval, evidence, data source, profile, seeds, git revision and time. The
claims page of the book aggregates them and marks records older than the
current revision.

The numbers a paper reports live in its home's ``numbers.csv``
(:func:`read_numbers`, :func:`reported`).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from .claims import VERDICTS
from .homes import home
from .profile_names import check_profile
from .storage import write_json_atomic

__all__ = [
    "default_results_dir",
    "write_json_atomic",
    "environment_info",
    "write_run_record",
    "read_run_records",
    "latest_run_record",
    "write_claims",
    "read_claims",
    "provenance",
    "read_numbers",
    "reported",
    "beside_paper",
    "current_revision",
]

_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "opencv-python-headless", "av",
             "torch", "torchvision", "rppg-lib")


def default_results_dir() -> Path:
    """``$RPPG_RESULTS_DIR`` if set, else ``results/`` at the repository root."""
    env = os.environ.get("RPPG_RESULTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "results"


def _git_revision() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return out + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def environment_info() -> dict:
    """Package versions, Python, platform, CPU count and git revision."""
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "packages": versions, "git_revision": _git_revision()}


def write_run_record(notebook: str, profile: str, metrics: dict, *, config: Any = None,
                     data_source: str, seed: int | None = None, wall_time_s: float | None = None,
                     device: str = "cpu", name: str | None = None, results_dir=None) -> Path:
    """Write the run record of one notebook run and return its path.

    ``data_source`` must say where the data came from, e.g.
    ``"real: uw_oximetry (shared mirror)"`` or ``"simulated: ubfc-like"``;
    ``name`` distinguishes several records of one notebook (default: the
    notebook's name). The file is ``runs/<notebook>__<name>__<profile>.json``:
    a rerun at the same profile replaces it.
    """
    home(notebook)
    check_profile(profile)
    if not data_source:
        raise ValueError("data_source is required: say which data produced these numbers")
    name = name or notebook
    record = {
        "notebook": notebook, "name": name, "profile": profile, "data_source": data_source,
        "seed": seed, "device": str(device), "wall_time_s": wall_time_s,
        "written_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "metrics": metrics, "config": config, "environment": environment_info(),
    }
    base = Path(results_dir) if results_dir is not None else default_results_dir()
    return write_json_atomic(base / "runs" / f"{notebook}__{name}__{profile}.json", record)


def read_run_records(results_dir=None, notebook: str | None = None) -> list[dict]:
    """All run records (optionally of one notebook), oldest first."""
    base = Path(results_dir) if results_dir is not None else default_results_dir()
    records = [json.loads(p.read_text()) for p in sorted((base / "runs").glob("*.json"))]
    if notebook is not None:
        records = [r for r in records if r["notebook"] == notebook]
    return sorted(records, key=lambda r: r["written_at"])


def latest_run_record(notebook: str, name: str | None = None, profile: str | None = None,
                      results_dir=None) -> dict:
    """The newest record of a notebook (and name, profile); KeyError if none."""
    matches = [r for r in read_run_records(results_dir, notebook)
               if (name is None or r["name"] == name) and (profile is None or r["profile"] == profile)]
    if not matches:
        raise KeyError(f"no run record for notebook={notebook!r} name={name!r} profile={profile!r}; "
                       "run the notebook first (rppg run NOTEBOOK)")
    return matches[-1]


def current_revision() -> str | None:
    """The repository's git revision (``-dirty`` when tracked files changed), None outside git."""
    return _git_revision()


def write_claims(key: str, verdicts: Iterable, *, profile: str, data_source: str, seeds=None,
                 results_dir=None) -> Path:
    """Write the claims record of one chapter: ``claims/<key>__<profile>.json``.

    ``verdicts`` are :class:`rppg_lib.claims.Verdict` s (from
    :func:`rppg_lib.claims.decide`). Each row also carries the profile, the
    data source, the seeds, the git revision and the time, so the claims page
    can tell a stale verdict from a fresh one.
    """
    home(key)
    check_profile(profile)
    if not data_source:
        raise ValueError("data_source is required: say which data produced these verdicts")
    stamp = {"profile": profile, "data_source": data_source, "seeds": list(seeds) if seeds is not None else None,
             "git_revision": _git_revision(),
             "written_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    rows = []
    for v in verdicts:
        row = v.record() if hasattr(v, "record") else dict(v)
        if row.get("verdict") not in VERDICTS:
            raise ValueError(f"verdict {row.get('verdict')!r} of {row.get('id')!r} is not one of {VERDICTS}")
        if row.get("chapter") != key:
            raise ValueError(f"claim {row.get('id')!r} belongs to {row.get('chapter')!r}, not {key!r}")
        rows.append({**row, **stamp})
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"claim ids repeat in {key}: {sorted(i for i in ids if ids.count(i) > 1)}")
    base = Path(results_dir) if results_dir is not None else default_results_dir()
    return write_json_atomic(base / "claims" / f"{key}__{profile}.json", rows)


CLAIM_COLUMNS = ("chapter", "kind", "id", "statement", "source", "quantity", "rule", "why", "verdict", "reason",
                 "estimate", "low", "high", "interval", "evidence", "threshold", "failed",
                 "profile", "data_source", "seeds",
                 "git_revision", "written_at", "stale")


def read_claims(results_dir=None, profile: str | None = None):
    """Every claims record as a DataFrame (empty with the right columns if none).

    ``stale`` is True for rows written at another git revision than the
    current one (or from a working tree with uncommitted changes).
    """
    import pandas as pd

    base = Path(results_dir) if results_dir is not None else default_results_dir()
    rows = []
    for p in sorted((base / "claims").glob("*.json")):
        rows.extend(json.loads(p.read_text()))
    now = _git_revision()
    for r in rows:
        rev = r.get("git_revision")
        r["stale"] = bool(rev is None or now is None or rev != now or rev.endswith("-dirty"))
    df = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    if profile is not None:
        df = df[df["profile"] == profile]
    return df.reset_index(drop=True)


def provenance(profile: str, data_source: str, seed: int | None, wall_time_s: float, device: str = "cpu"):
    """The provenance table every notebook shows in its last cell (a DataFrame)."""
    import pandas as pd

    env = environment_info()
    rows = {"profile": profile, "data source": data_source, "seed": seed, "device": str(device),
            "wall time (s)": round(float(wall_time_s), 1), "git revision": env["git_revision"],
            "python": env["python"], "platform": env["platform"], "cpu count": env["cpu_count"]}
    rows.update({f"version: {k}": v for k, v in env["packages"].items() if v is not None})
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


NUMBER_COLUMNS = ("table", "row", "column", "value", "unit", "page", "note")


def read_numbers(path):
    """A ``numbers.csv`` of reported numbers as a DataFrame.

    One file per chapter home, typed in once from the paper's text, long
    format with columns ``table`` (e.g. "Table 2"), ``row``, ``column``,
    ``value``, ``unit``, ``page`` and ``note``; ``#`` lines are comments.
    Chapters show these beside their own numbers; they never enter run records.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no reported numbers at {path}")
    df = pd.read_csv(path, comment="#")
    missing = set(NUMBER_COLUMNS) - set(df.columns)
    if missing:
        raise ValueError(f"{path} lacks columns {sorted(missing)}")
    return df


def reported(key: str, table: str | None = None, row: str | None = None, column: str | None = None):
    """Reported numbers of chapter ``key`` (its ``numbers.csv``), optionally filtered.

    With ``table``, ``row`` and ``column`` all given, the single value as a float
    (``KeyError`` if it is not there exactly once).
    """
    df = read_numbers(home(key).path / "numbers.csv")
    for col, want in (("table", table), ("row", row), ("column", column)):
        if want is not None:
            df = df[df[col] == want]
    if table is not None and row is not None and column is not None:
        if len(df) != 1:
            raise KeyError(f"{key}: {len(df)} reported numbers for {table!r} / {row!r} / {column!r}")
        return float(df["value"].iloc[0])
    return df.reset_index(drop=True)


def beside_paper(key: str, table: str, ours: dict, metrics, paper_rows: dict | None = None,
                 notes: dict | None = None):
    """Our rows beside the paper's ``table`` of chapter ``key`` (its ``numbers.csv``).

    ``ours``: our label -> ``{metric: value}`` (None: not run, shown as missing); ``metrics``: the
    paper's column names, in order; ``paper_rows``: our label -> the paper's row printed beside it
    (the paper's rows not named there follow, marked "(paper only)"); ``notes``: label -> a note.
    Columns: ``("ours", m)``, ``("paper", m)`` for every metric, then ``("", "paper row")`` and
    ``("", "note")``.
    """
    import numpy as np
    import pandas as pd

    metrics = list(metrics)
    paper = reported(key)
    paper = paper[paper["table"] == table].pivot_table(index="row", columns="column", values="value", sort=False)
    paper = paper.reindex(columns=metrics)
    paper_rows, notes = dict(paper_rows or {}), dict(notes or {})
    missing = dict.fromkeys(metrics, np.nan)

    def row(mine, p, note):
        theirs = paper.loc[p].to_dict() if p in paper.index else missing
        return {**{("ours", m): mine[m] for m in metrics}, **{("paper", m): theirs[m] for m in metrics},
                ("", "paper row"): p or "", ("", "note"): note}

    rows = {label: row(mine if mine is not None else missing, paper_rows.get(label), notes.get(label, ""))
            for label, mine in ours.items()}
    rows |= {f"{p} (paper only)": row(missing, p, "") for p in paper.index if p not in paper_rows.values()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out
