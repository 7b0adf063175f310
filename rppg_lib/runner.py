"""Execute the parameterised notebooks with papermill and build the Jupyter Book.

- :func:`run_notebook` executes one notebook into ``book/executed/`` after
  rejecting parameter names the notebook does not declare (papermill itself
  only warns), and replaces the executed copy atomically only on success.
- :func:`book_notebooks` reads the notebooks of the book from ``_toc.yml``, chapters first
  (every ``book/executed/NAME`` entry is ``notebooks/NAME.ipynb``), in order.
- :func:`prepare_for_page` turns the executed copy into a page that reads like
  a paper: code inputs folded away (``hide-input``), the parameters cells
  removed, stderr (warnings, progress bars, library messages) moved out of the
  outputs into ``NAME.stderr.txt`` next to the executed copy.
- :func:`build_book` runs them all, collects every failure before giving up,
  refuses to publish an executed notebook that holds an error output, then
  runs ``jupyter-book build . -W -n --keep-going --all``.
- :func:`run_grid_job` and :func:`build_grid_book` are the two jobs of the Snakemake workflow
  (``workflow/Snakefile``): one chapter at one profile and seed, then the book from their records.
  Each writes a small job record last, the file the workflow declares as the job's output.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .profiles import PROFILES

__all__ = [
    "REPO_ROOT",
    "NotebookError",
    "declared_parameters",
    "run_notebook",
    "book_notebooks",
    "error_outputs",
    "prepare_for_page",
    "build_book",
    "book_chapters",
    "replicate_dir",
    "run_grid_job",
    "build_grid_book",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
EXECUTED_DIR = REPO_ROOT / "book" / "executed"


#: Tags a notebook author sets to decide a cell's page display; the runner then adds no ``hide-input``.
#: ``show-input`` is this project's own tag (not Jupyter Book's): keep the code visible.
DISPLAY_TAGS = frozenset({"show-input", "hide-input", "hide-cell", "remove-input", "remove-cell"})
#: Cells removed from the page: the declared defaults and papermill's injected values.
PARAMETER_TAGS = frozenset({"parameters", "injected-parameters"})


class NotebookError(RuntimeError):
    """A notebook failed to execute, or holds an error output."""


@dataclass
class RunResult:
    name: str
    path: Path | None
    wall_time_s: float
    error: str | None = None


def resolve_notebook(name_or_path) -> Path:
    """``"classical_real"``, ``"classical_real.ipynb"`` or a path -> an existing notebook path."""
    p = Path(name_or_path)
    candidates = [p, NOTEBOOK_DIR / p, NOTEBOOK_DIR / p.with_suffix(".ipynb").name]
    for c in candidates:
        if c.suffix == ".ipynb" and c.is_file():
            return c.resolve()
    available = sorted(x.stem for x in NOTEBOOK_DIR.glob("*.ipynb"))
    raise FileNotFoundError(f"no notebook {name_or_path!r}; available in {NOTEBOOK_DIR}: {available}")


def declared_parameters(notebook: Path) -> dict:
    """The parameters declared in the notebook's ``parameters``-tagged cell."""
    import papermill

    params = papermill.inspect_notebook(str(notebook))
    if not params:
        raise NotebookError(f"{notebook.name} has no cell tagged 'parameters'")
    return params


def error_outputs(notebook_path) -> list[str]:
    """Descriptions of the error outputs an executed notebook holds (empty if none)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i} (execution count {cell.get('execution_count')}): "
                             f"{out.get('ename')}: {out.get('evalue')}")
    return found


def prepare_for_page(nb) -> list[dict]:
    """Make an executed notebook (``nbformat`` node, changed in place) read like a paper.

    - the ``parameters`` and papermill's ``injected-parameters`` cells get ``remove-cell``
      (the chapter states its profile itself);
    - every other code cell gets ``hide-input`` (a "Show code cell source" toggle) unless
      it carries one of :data:`DISPLAY_TAGS`;
    - stderr stream outputs (warnings, progress bars, library messages) are removed.

    Returns the removed stderr outputs as ``{"cell", "execution_count", "text"}`` dicts.
    """
    removed = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        tags = list(cell.setdefault("metadata", {}).get("tags", []))
        if PARAMETER_TAGS & set(tags):
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        elif not DISPLAY_TAGS & set(tags):
            tags.append("hide-input")
        cell["metadata"]["tags"] = tags
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "")
                removed.append({"cell": index, "execution_count": cell.get("execution_count"),
                                "text": "".join(text) if isinstance(text, list) else text})
            else:
                kept.append(out)
        cell["outputs"] = kept
    return removed


def _stderr_report(name: str, removed: list[dict]) -> str:
    lines = [f"# stderr of the last run of notebooks/{name}.ipynb, moved out of the page by rppg_lib.runner",
             f"# {len(removed)} output(s); cell = index in the executed notebook", ""]
    for item in removed:
        lines.append(f"--- cell {item['cell']} (execution count {item['execution_count']}) ---")
        lines.append(item["text"].rstrip("\n"))
    return "\n".join(lines) + "\n"


def _finish_for_page(tmp: Path, final: Path, name: str) -> None:
    """Post-process the executed copy ``tmp`` for the book and write ``NAME.stderr.txt`` beside ``final``."""
    nb = nbformat.read(str(tmp), as_version=4)
    removed = prepare_for_page(nb)
    side = final.with_name(f"{name}.stderr.txt")
    nb.metadata.setdefault("rppg", {})["stderr"] = {"file": side.name, "outputs": len(removed)}
    nbformat.write(nb, str(tmp))
    side_tmp = side.with_name(f".{side.name}.tmp")
    side_tmp.write_text(_stderr_report(name, removed))
    os.replace(side_tmp, side)


class _PeakMemory:
    """Samples the resident memory of this process's children (the notebook's kernel) in a thread;
    ``peak_mib`` is the largest total seen."""

    def __init__(self, interval_s: float = 0.5):
        import threading

        self.interval_s, self.peak_mib = interval_s, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mib = max(self.peak_mib, total / 2**20)
            self._stop.wait(self.interval_s)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def rendered_sessions() -> int:
    """How many look-alike sessions the shared clip cache holds (``clips/sessions``); a notebook run that
    raised it rendered data (a cold run), one that did not read everything from the cache (a warm run)."""
    from .storage import cache_dir

    folder = cache_dir("clips") / "sessions"
    return sum(1 for _ in folder.glob("*.npz")) if folder.is_dir() else 0


def write_cost_record(name: str, profile: str, wall_time_s: float, peak_mib: float, results_dir=None,
                      sessions_rendered: int = 0) -> Path:
    """``results/notebook_runs/<name>__<profile>__<cold|warm>.json``: what one executed notebook cost (wall
    time, the kernel's peak resident memory, how many look-alike sessions it rendered: a run that rendered
    none is "warm"), read by the book's "How to reproduce" page."""
    import datetime as dt
    import os as _os

    from .results import current_revision, default_results_dir
    from .storage import write_json_atomic

    base = Path(results_dir) if results_dir is not None else default_results_dir()
    cache = "cold" if sessions_rendered else "warm"
    return write_json_atomic(base / "notebook_runs" / f"{name}__{profile}__{cache}.json", {
        "notebook": name, "profile": profile, "cache": cache, "sessions_rendered": int(sessions_rendered),
        "wall_time_s": wall_time_s, "peak_memory_mib": peak_mib,
        "cpu_count": _os.cpu_count(), "git_revision": current_revision(),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})


def run_notebook(name_or_path, profile: str = "smoke", parameters: dict | None = None,
                 out_dir=None, progress: bool | None = None) -> Path:
    """Execute a notebook with papermill and return the executed copy's path.

    Unknown parameter names raise ``ValueError`` before anything runs. The
    output is written to a temporary file and moved into place only when the
    run succeeded and holds no error output; a failing run leaves the failed
    copy as ``NAME.failed.ipynb`` for inspection and raises
    :class:`NotebookError` naming the cell.

    The published copy is post-processed by :func:`prepare_for_page` (the source
    notebook is untouched); the stderr it removed goes to ``NAME.stderr.txt`` in the
    same folder and the notebook's metadata ``rppg.stderr`` names that file. The
    kernel starts with :func:`rppg_lib.display.setup` (pandas tables never truncated).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .display import KERNEL_EXEC_LINE

    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
    nb_path = resolve_notebook(name_or_path)
    parameters = dict(parameters or {})
    declared = declared_parameters(nb_path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ValueError(f"{nb_path.name} has no parameter(s) {unknown}; it declares {sorted(declared)}")
    parameters["profile"] = profile
    out_dir = Path(out_dir) if out_dir is not None else EXECUTED_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / nb_path.name
    tmp = out_dir / f".{nb_path.stem}.running.ipynb"
    failed = out_dir / f"{nb_path.stem}.failed.ipynb"
    progress = sys.stderr.isatty() if progress is None else progress
    start, sessions_before = time.perf_counter(), rendered_sessions()
    try:
        with _PeakMemory() as memory:
            papermill.execute_notebook(str(nb_path), str(tmp), parameters=parameters, kernel_name="python3",
                                       cwd=str(nb_path.parent), progress_bar=progress, log_output=False,
                                       extra_arguments=[f"--IPKernelApp.exec_lines={KERNEL_EXEC_LINE}"])
    except PapermillExecutionError as exc:
        os.replace(tmp, failed)
        raise NotebookError(f"{nb_path.name} failed in cell {exc.cell_index} (execution count "
                            f"{exc.exec_count}): {exc.ename}: {exc.evalue}; executed copy: {failed}") from None
    errors = error_outputs(tmp)
    if errors:
        os.replace(tmp, failed)
        raise NotebookError(f"{nb_path.name} holds error outputs: {errors}; executed copy: {failed}")
    _finish_for_page(tmp, final, nb_path.stem)
    os.replace(tmp, final)
    failed.unlink(missing_ok=True)
    if out_dir == EXECUTED_DIR:  # runs into other folders (tests, experiments) are not the book's cost
        write_cost_record(nb_path.stem, profile, time.perf_counter() - start, memory.peak_mib,
                          parameters.get("results_dir"), max(0, rendered_sessions() - sessions_before))
    return final


def book_notebooks(toc_path=None) -> list[str]:
    """Names of the notebooks the book shows, in the order they run: the chapters (which have a
    home) in table-of-contents order, then the pages that summarise them (claims, how to reproduce)."""
    from .homes import homes, toc_entries

    names = [Path(e).stem for e in toc_entries(toc_path) if e.startswith("book/executed/")]
    chapters = set(homes())
    return [n for n in names if n in chapters] + [n for n in names if n not in chapters]


def build_book(profile: str = "book", parameters: dict | None = None, notebooks: list[str] | None = None,
               build: bool = True) -> list[RunResult]:
    """Run the book's notebooks at ``profile``, then build the HTML book.

    Every notebook is attempted; failures are collected and reported together,
    and the build is skipped (``NotebookError``) when any failed. Parameters
    given are passed to each notebook that declares them.
    """
    parameters = dict(parameters or {})
    names = notebooks or book_notebooks()
    results: list[RunResult] = []
    for name in names:
        start = time.perf_counter()
        nb_path = resolve_notebook(name)
        accepted = {k: v for k, v in parameters.items() if k in declared_parameters(nb_path)}
        print(f"[rppg] running {name} (profile={profile}) ...", flush=True)
        try:
            path = run_notebook(nb_path, profile, accepted)
            results.append(RunResult(name, path, time.perf_counter() - start))
        except (NotebookError, ValueError) as exc:
            results.append(RunResult(name, None, time.perf_counter() - start, str(exc)))
        status = "FAILED" if results[-1].error else "ok"
        print(f"[rppg]   {name}: {status} in {results[-1].wall_time_s:.1f} s", flush=True)
    failures = [r for r in results if r.error]
    if failures:
        raise NotebookError("notebooks failed, book not built:\n" +
                            "\n".join(f"- {r.name}: {r.error}" for r in failures))
    stale = {p.name: error_outputs(p) for p in EXECUTED_DIR.glob("*.ipynb") if not p.name.startswith(".")}
    stale = {k: v for k, v in stale.items() if v and not k.endswith(".failed.ipynb")}
    if stale:
        raise NotebookError(f"executed notebooks hold error outputs, refusing to publish: {stale}")
    if build:
        jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
        if jb is None:
            raise NotebookError("jupyter-book is not installed in this environment")
        cmd = [jb, "build", str(REPO_ROOT), "-W", "-n", "--keep-going", "--all"]
        print("[rppg] " + " ".join(cmd), flush=True)
        if subprocess.run(cmd, cwd=REPO_ROOT).returncode != 0:
            raise NotebookError("jupyter-book build failed (warnings are errors); see the log above")
        print(f"[rppg] book written to {REPO_ROOT / '_build' / 'html' / 'index.html'}", flush=True)
    return results


def book_chapters(toc_path=None) -> list[str]:
    """The chapters of the book (notebooks with a home), in table-of-contents order."""
    from .homes import homes

    chapters = set(homes())
    return [n for n in book_notebooks(toc_path) if n in chapters]


def replicate_dir(profile: str, seed: int, results_dir=None) -> Path:
    """``results/replicates/<profile>/seed<seed>/``: records and executed copy of a run at a seed other than 0
    (the book reads only seed 0's records, in ``results/`` itself)."""
    from .results import default_results_dir

    base = Path(results_dir) if results_dir is not None else default_results_dir()
    return base / "replicates" / profile / f"seed{int(seed)}"


def _job_record(record, payload: dict) -> Path:
    import datetime as dt

    from .results import current_revision
    from .storage import write_json_atomic

    return write_json_atomic(record, {**payload, "git_revision": current_revision(),
                                      "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})


def run_grid_job(name: str, profile: str, seed: int, record, parameters: dict | None = None) -> Path:
    """One job of the workflow: run chapter ``name`` at ``profile`` with the notebook's ``seed``, then write
    the job record ``record`` (JSON, atomically) and return its path.

    Seed 0 is the book's run: the executed copy goes to ``book/executed/`` and the records to ``results/``,
    exactly as ``rppg run``. Any other seed runs into :func:`replicate_dir` (records and ``executed/``), so
    it never replaces what the book reads. A failed run raises :class:`NotebookError` and writes no record,
    so the workflow reruns it (and only it) next time.
    """
    if name not in book_chapters():
        raise ValueError(f"{name!r} is not a chapter of the book; chapters: {book_chapters()}")
    parameters = {**(parameters or {}), "seed": int(seed)}
    out_dir = None
    if int(seed) != 0:
        results_dir = replicate_dir(profile, seed)
        parameters["results_dir"] = str(results_dir)
        out_dir = results_dir / "executed"
    start = time.perf_counter()
    executed = run_notebook(name, profile, parameters, out_dir=out_dir)
    return _job_record(record, {"chapter": name, "profile": profile, "seed": int(seed),
                                "parameters": parameters, "executed": str(executed),
                                "wall_time_s": time.perf_counter() - start})


def executed_profile(notebook_path) -> str | None:
    """The ``profile`` papermill ran an executed notebook at (None if it does not say)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    return ((nb.metadata.get("papermill") or {}).get("parameters") or {}).get("profile")


def build_grid_book(profile: str, record, build: bool = True) -> Path:
    """The workflow's last job: the book from the chapters' records, as ``rppg book`` builds it.

    Every chapter's executed copy must be in ``book/executed/`` and have run at ``profile`` (a book never
    mixes profiles). The pages that summarise the chapters (claims, how to reproduce) then run, and
    :func:`build_book` refuses any executed copy with an error output and runs ``jupyter-book build``.
    Writes the job record ``record`` last and returns its path.
    """
    wrong = {}
    for name in book_chapters():
        path = EXECUTED_DIR / f"{name}.ipynb"
        ran_at = executed_profile(path) if path.is_file() else None
        if ran_at != profile:
            wrong[name] = "missing" if not path.is_file() else f"ran at profile {ran_at!r}"
    if wrong:
        raise NotebookError(f"cannot build the {profile!r} book: executed chapters {wrong}; run them first "
                            f"(snakemake --config profile={profile})")
    pages = [n for n in book_notebooks() if n not in book_chapters()]
    start = time.perf_counter()
    build_book(profile, notebooks=pages, build=build)
    return _job_record(record, {"book": str(REPO_ROOT / "_build" / "html" / "index.html") if build else None,
                                "profile": profile, "pages": pages, "wall_time_s": time.perf_counter() - start})
