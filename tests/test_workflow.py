"""The Snakemake grid (workflow/Snakefile): which jobs a profile's grid holds, what the SLURM profile asks for
each, and the two job functions' refusals (no job record is written when a job cannot run)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rppg_lib.runner import NotebookError, book_chapters, build_grid_book, run_grid_job

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "workflow" / "config.yaml").read_text())


def snakemake(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "-n", "--forceall", "--nolock", *args], cwd=REPO,
                          capture_output=True, text=True)


def job_counts(output: str) -> dict:
    """The "Job stats" table of a dry run: rule -> number of jobs."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


def job_blocks(output: str, rule: str) -> list[str]:
    """The dry run's description of every job of ``rule``."""
    return re.findall(rf"^rule {rule}:\n((?:    .*\n)+)", output, re.M)


@pytest.mark.slow
def test_paper_grid_on_the_slurm_profile_has_every_chapter_its_seeds_and_resources():
    result = snakemake("--profile", "workflow/profiles/slurm", "--config", "profile=paper")
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout + result.stderr
    counts = job_counts(out)
    seeds = CONFIG["seeds"]["paper"]
    assert seeds["gideon2021"] == [0, 100, 200, 300, 400]  # the paper's 5 folds x 5 training seeds
    for chapter in book_chapters():
        assert counts[f"run_{chapter}"] == len(seeds.get(chapter, [0])), chapter
    assert counts["book"] == 1
    gideon = job_blocks(out, "run_gideon2021")
    assert sorted(re.search(r"seed=(\d+)", b)[1] for b in gideon) == ["0", "100", "200", "300", "400"]
    assert all("gpu=1" in b and "mem_mb=8000" in b for b in gideon)
    (classical,) = job_blocks(out, "run_classical_real")
    assert "gpu=" not in classical and "mem_mb=2000" in classical


@pytest.mark.slow
def test_a_grid_of_some_chapters_runs_them_without_building_the_book():
    result = snakemake("--config", "profile=smoke", "chapters=classical_real,niu2018")
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts == {"all": 1, "run_classical_real": 1, "run_niu2018": 1}


@pytest.mark.slow
def test_grid_refuses_an_unknown_chapter_or_profile():
    result = snakemake("--config", "chapters=classical_real,no_such_chapter")
    assert result.returncode != 0 and "no_such_chapter" in result.stdout + result.stderr
    result = snakemake("--config", "profile=huge")
    assert result.returncode != 0 and "huge" in result.stdout + result.stderr


def test_grid_job_of_a_page_that_is_no_chapter_is_refused_without_a_record(tmp_path):
    record = tmp_path / "claims__seed0.json"
    with pytest.raises(ValueError, match="not a chapter"):
        run_grid_job("claims", "smoke", 0, record)
    assert not record.exists()


def test_grid_book_refuses_chapters_of_another_profile_without_a_record(tmp_path):
    # no chapter has run at the paper profile in a test run: each is missing or ran at another profile
    record = tmp_path / "book.json"
    with pytest.raises(NotebookError, match="cannot build the 'paper' book"):
        build_grid_book("paper", record)
    assert not record.exists()


def test_grid_book_runs_the_summary_pages_and_builds_when_every_chapter_ran_at_the_profile(tmp_path, monkeypatch):
    import json

    import nbformat

    from rppg_lib import runner

    executed = tmp_path / "executed"
    executed.mkdir()
    for chapter in book_chapters():
        nb = nbformat.v4.new_notebook(metadata={"papermill": {"parameters": {"profile": "smoke"}}})
        nbformat.write(nb, str(executed / f"{chapter}.ipynb"))
    calls = []
    monkeypatch.setattr(runner, "EXECUTED_DIR", executed)

    def fake_build_book(profile, notebooks, build):
        calls.append((profile, notebooks, build))

    monkeypatch.setattr(runner, "build_book", fake_build_book)
    record = build_grid_book("smoke", tmp_path / "book.json")
    pages = [n for n in runner.book_notebooks() if n not in book_chapters()]
    assert "claims" in pages and calls == [("smoke", pages, True)]
    assert json.loads(record.read_text())["profile"] == "smoke"

    nbformat.write(nbformat.v4.new_notebook(metadata={"papermill": {"parameters": {"profile": "book"}}}),
                   str(executed / f"{book_chapters()[0]}.ipynb"))
    with pytest.raises(NotebookError, match="ran at profile 'book'"):
        build_grid_book("smoke", tmp_path / "book2.json")
    assert len(calls) == 1 and not (tmp_path / "book2.json").exists()
