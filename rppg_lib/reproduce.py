"""The numbers of the book's "How to reproduce" page, read from the runner's records and the disk.

- :func:`cost_table`: wall time and peak memory of every executed notebook, per profile
  (``results/notebook_runs/``, written by :func:`rppg_lib.runner.run_notebook`);
- :func:`disk_text`: the size of the environment, the cache and the results on this machine;
- :func:`data_root_table`: per chapter, the real dataset its ``data_root`` accepts;
- :func:`paper_cost_table`, :func:`paper_check_text`: the paper-shape check's record (``results/paper_check.json``,
  written by ``make paper-check``, :mod:`rppg_lib.paper_check`): per chapter the steps of the paper profile, the
  seconds per step measured at paper shapes, peak memory and CPU-hours, and GPU-hours measured or estimated;
- :func:`gpu_recipe_text`: the command that runs a chapter at the paper profile on a GPU;
- :func:`repository_text`: where this copy of the repository says it is published.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd

from .homes import REPO_ROOT, homes
from .results import default_results_dir

__all__ = ["cost_table", "disk_text", "data_root_table", "folder_size", "paper_cost_table", "paper_check_text",
           "gpu_recipe_text", "repository_text", "is_public_address", "ASSUMED_GPU_SPEEDUP"]

#: The speed-up over the measured CPU that the GPU estimate assumes when no GPU record exists (an assumption:
#: one data-centre GPU against this machine's cores on 3D convolutions at batch sizes of 1 to 64).
ASSUMED_GPU_SPEEDUP = 50


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


def disk_text(root=REPO_ROOT, venv=None, cache=None) -> str:
    """A sentence with the sizes of the virtual environment, the cache and ``results`` under ``root``.

    ``venv``: the running Python's virtual environment when it is one, else ``.venv`` under ``root``; ``cache``:
    :func:`rppg_lib.storage.cache_root` (``$RPPG_CACHE`` when set, which a build may share with another clone).
    Measuring these where they are, not under ``root``, keeps a build that uses another folder's environment or
    cache from reporting them as empty."""
    from .storage import cache_root

    if venv is None:
        venv = Path(sys.prefix) if sys.prefix != sys.base_prefix else Path(root) / ".venv"
    cache = cache_root() if cache is None else Path(cache)
    parts = [f"the virtual environment {_human(folder_size(venv))}", f"the cache {_human(folder_size(cache))}",
             f"`results` {_human(folder_size(Path(root) / 'results'))}"]
    return "Disk used on this machine: " + ", ".join(parts) + "."


def data_root_table() -> pd.DataFrame:
    """Per chapter: its title and what ``data_root`` accepts."""
    rows = [{"chapter": h.key, "title": h.title, "data_root": h.data_root or "none: the chapter takes no real data"}
            for h in homes().values()]
    return pd.DataFrame(rows).set_index("chapter")


def paper_cost_table(results_dir=None) -> pd.DataFrame:
    """One row per training of the paper-shape check (:mod:`rppg_lib.paper_check`): model, input shape, batch
    (and the batch the CPU measured at), the steps the paper profile takes, the CPU's wall and CPU seconds per
    step at paper shapes, peak memory, CPU-hours, and GPU-hours: measured where a CUDA record exists, else an
    estimate (CPU-hours / :data:`ASSUMED_GPU_SPEEDUP`, labelled so). Empty when the check has not run."""
    from .paper_check import cpu_hours, gpu_hours, read_record

    record = read_record(results_dir)
    cpu, gpu = record.get("cpu", {}), record.get("cuda", {})
    gpu_runs = {(c["chapter"], t["model"]): (t, c) for c in gpu.get("chapters", []) for t in c["trainings"]}
    rows = []
    for ch in cpu.get("chapters", []):
        for t in ch["trainings"]:
            row = {"chapter": ch["chapter"], "model": t["model"], "input shape": "x".join(map(str, t["input_shape"])),
                   "batch (CPU measured at)": f"{t['batch_size']} ({t['measured_batch']})",
                   "paper steps": t["full_steps"], "CPU s/step (wall)": round(t["seconds_per_step"], 2),
                   "CPU s/step (CPU time)": round(t["cpu_seconds_per_step"], 2),
                   "peak memory (GiB)": round(ch["peak_memory_mib"] / 1024, 2),
                   "CPU-hours": round(cpu_hours(t), 1)}
            measured = gpu_runs.get((ch["chapter"], t["model"]))
            if measured is not None:
                row["GPU-hours"] = f"{gpu_hours(measured[0]):.2f} (measured)"
                row["GPU peak memory (GiB)"] = round(measured[1]["peak_memory_mib"] / 1024, 2)
            else:
                row["GPU-hours"] = f"{cpu_hours(t) / ASSUMED_GPU_SPEEDUP:.1f} (estimate)"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["chapter", "model"]) if rows else pd.DataFrame()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def paper_check_text(results_dir=None) -> str:
    """What the paper-shape check's record says (machine, when, how measured, what the GPU figures assume), or,
    when there is no record, how to make one."""
    from .paper_check import read_record, record_path

    record = read_record(results_dir)
    cpu, gpu = record.get("cpu"), record.get("cuda")
    if not cpu:
        return (f"The paper-shape check has not run on this machine (no `{record_path(results_dir).name}` in the "
                "results folder), so there is no table here: run `make paper-check` (about 10 minutes or more on "
                "two CPU cores; on a GPU machine it runs on CUDA and records the GPU's figures beside the CPU's), "
                "then rebuild this page.")
    scaled = sorted(k for k, b in cpu.get("cpu_batch", {}).items() if b)
    parts = [f"Measured by `make paper-check` on {cpu['device']} ({cpu.get('torch_threads', '?')} torch threads, "
             f"load average {cpu.get('load_average', ['?'])[0]:.1f} when it finished, at "
             f"{cpu.get('finished_at', '?')}, revision {str(cpu.get('git_revision'))[:10]}): every network at the "
             f"paper profile's shapes took {_count(cpu.get('steps', 2), 'optimiser step')} with the chapter's own "
             "trainer on real-layout fixture data read through `data_root`, and predicted "
             f"{_count(cpu.get('eval_clips', 2), 'test clip')}. *Wall* seconds per step grow when other jobs "
             "share the cores; "
             "*CPU time* (all threads of the process) hardly does, and the CPU-hours (core-hours) come from it. "
             "Peak memory is the peak resident memory of the chapter's check process."]
    if scaled:
        parts.append("On the CPU, the 3D networks of " + ", ".join(f"`{k}`" for k in scaled) + " were measured at "
                     "a smaller batch than the paper's (the number in brackets) and their seconds per step scaled "
                     "to the paper's batch in proportion; a GPU run uses the paper's batch.")
    if gpu:
        parts.append(f"GPU-hours marked *measured* come from the same check on CUDA ({gpu['device']}, at "
                     f"{gpu.get('finished_at', '?')}), at the paper's batch sizes.")
    else:
        parts.append(f"No GPU has run the check yet: the GPU-hours are an *estimate*, the CPU-hours divided by "
                     f"{ASSUMED_GPU_SPEEDUP}, which assumes one data-centre GPU runs these networks "
                     f"{ASSUMED_GPU_SPEEDUP} times faster than this machine's cores. `make paper-check` on a GPU "
                     "machine replaces it with a measurement.")
    return "\n\n".join(parts)


def gpu_recipe_text(key: str = "gideon2021") -> str:
    """A Markdown recipe: the notebook parameters a chapter declares (read from its notebook by
    :func:`rppg_lib.runner.declared_parameters`) and the command that runs it on a GPU at the paper profile."""
    from .homes import home
    from .runner import declared_parameters

    params = declared_parameters(home(key).notebook)
    missing = {"profile", "device", "data_root"} - set(params)
    if missing:
        raise ValueError(f"notebook {key} declares no {sorted(missing)} parameter")
    listed = ", ".join(f"`{name}` (default `{p['default']}`)" for name, p in params.items())
    return (f"The chapter's notebook declares the parameters {listed}. `device` chooses the hardware in one "
            "place for the whole chapter (`\"auto\"`: CUDA when PyTorch sees a GPU, else the CPU; `\"cuda\"` "
            "fails clearly without one). On a GPU machine, with the paper's dataset in its own layout:\n\n"
            f"```bash\nmake paper-check    # first: every chapter at paper shapes on this GPU, a few minutes\n"
            f".venv/bin/rppg run {key} --profile paper -p device cuda -p data_root /data/UBFC\n```")


def repository_text(root=REPO_ROOT) -> str:
    """Where the repository is published, read from ``git remote get-url origin``; a sentence saying this copy
    names no public address when it has no ``origin`` remote, no git, or an ``origin`` that is a local folder."""
    import subprocess

    try:
        url = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        url = ""
    if not is_public_address(url):
        return ("This copy of the repository names no public address (its `origin` remote is "
                + ("missing" if not url else "a folder on this machine") + "); clone it from wherever you obtained it.")
    return f"The repository: <{url}> (`git clone {url}`)."


def is_public_address(url: str) -> bool:
    """Whether a remote's address can be read by someone else: a URL with a scheme other than ``file://`` or
    an scp-style ``user@host:path``; never a local folder (which would also print this machine's paths)."""
    if not url or url.startswith("file://"):
        return False
    return "://" in url or ("@" in url and ":" in url.split("@", 1)[1])
