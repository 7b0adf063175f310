"""Run records and claims records: the only source of numbers in the book.

A *run record* is one JSON file per notebook run, written atomically under
``results/runs/``: the metrics, the resolved configuration, the data source,
the profile, the seed, package versions, git revision, wall time and device.

A *claims record* is one JSON file per paper under ``results/claims/``: a list
of claims, each with a status (``reproduced``, ``not reproduced``,
``not testable here``), the evidence (numbers, copied from run records by
code) and the data source and profile it was tested on. The claims page of
the book aggregates them.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

import numpy as np

__all__ = [
    "CLAIM_STATUSES",
    "default_results_dir",
    "write_json_atomic",
    "environment_info",
    "write_run_record",
    "read_run_records",
    "latest_run_record",
    "write_claims",
    "read_claims",
    "provenance",
    "paper_numbers",
]

CLAIM_STATUSES = ("reproduced", "not reproduced", "not testable here")

_PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "opencv-python-headless", "av",
             "torch", "torchvision", "rppg-lib")


def default_results_dir() -> Path:
    """``$RPPG_RESULTS_DIR`` if set, else ``results/`` at the repository root."""
    env = os.environ.get("RPPG_RESULTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "results"


def _jsonable(value: Any):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if np.isfinite(value) else None  # JSON has no NaN
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return _jsonable(vars(value))
    return value


def write_json_atomic(path, payload: Any) -> Path:
    """Write JSON to ``path`` through a temporary file and ``os.replace``.

    A run that dies mid-write leaves the previous file intact, never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(_jsonable(payload), f, indent=2, sort_keys=True, allow_nan=False)
            f.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; records are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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


def write_claims(paper: str, claims: Iterable[dict], *, profile: str, data_source: str,
                 results_dir=None) -> Path:
    """Write the claims record of one paper.

    Each claim is a dict with ``claim`` (the paper's statement), ``status``
    (one of :data:`CLAIM_STATUSES`) and ``evidence`` (a sentence with the
    numbers, built by code from run records). Optional: ``where`` (the
    paper's table or figure).
    """
    rows = []
    for c in claims:
        missing = {"claim", "status", "evidence"} - set(c)
        if missing:
            raise ValueError(f"claim {c!r} lacks {sorted(missing)}")
        if c["status"] not in CLAIM_STATUSES:
            raise ValueError(f"status {c['status']!r} is not one of {CLAIM_STATUSES}")
        rows.append({"paper": paper, "profile": profile, "data_source": data_source, **c})
    base = Path(results_dir) if results_dir is not None else default_results_dir()
    return write_json_atomic(base / "claims" / f"{paper}__{profile}.json", rows)


def read_claims(results_dir=None, profile: str | None = None):
    """All claims as a pandas DataFrame (empty with the right columns if none)."""
    import pandas as pd

    base = Path(results_dir) if results_dir is not None else default_results_dir()
    rows = []
    for p in sorted((base / "claims").glob("*.json")):
        rows.extend(json.loads(p.read_text()))
    columns = ["paper", "claim", "where", "status", "evidence", "data_source", "profile"]
    df = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
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


PAPER_NUMBER_COLUMNS = ("table", "row", "column", "value", "unit", "page", "note")


def paper_numbers(paper: str):
    """The numbers a paper reports, as a DataFrame, from ``rppg_lib/paper_numbers/<paper>.csv``.

    One file per paper, typed in once from the paper's text, long format with
    columns ``table`` (e.g. "Table 2"), ``row``, ``column``, ``value``,
    ``unit``, ``page`` and ``note``. Notebooks show these beside their own
    numbers; they are never computed and never mixed into run records.
    """
    import pandas as pd

    path = Path(__file__).resolve().parent / "paper_numbers" / f"{paper}.csv"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.csv"))
        raise FileNotFoundError(f"no reported numbers for {paper!r} ({path}); available: {available}")
    df = pd.read_csv(path, comment="#")
    missing = set(PAPER_NUMBER_COLUMNS) - set(df.columns)
    if missing:
        raise ValueError(f"{path} lacks columns {sorted(missing)}")
    return df
