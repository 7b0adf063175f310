"""The paper-shape check's machinery (rppg_lib/paper_check.py) on its cheapest chapter.

Kopeliovich et al.'s colour-signal CNN is the smallest network: the check runs it for real at its paper settings
(windows of 64 frames x 18 signals, 70-s videos) but a batch of 256 instead of 1024 to stay fast on a shared
machine: fixture in the OSF layout, the chapter's loader, two optimiser steps, two test windows.
"""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from rppg_lib import paper_check as pc
from rppg_lib.profiles import resolve

SMALL = {"batch_size": 256}


@pytest.fixture(scope="module")
def kopeliovich_entry(tmp_path_factory):
    cfg = resolve("kopeliovich2019", "paper", **SMALL)
    return pc.check_chapter("kopeliovich2019", "cpu", root=tmp_path_factory.mktemp("osf"), log=None, settings=cfg)


def test_kopeliovich_at_paper_shapes(kopeliovich_entry):
    cfg = resolve("kopeliovich2019", "paper", **SMALL)
    (t,) = kopeliovich_entry["trainings"]
    assert t["input_shape"] == [cfg.batch_size, 1, 18, 64]  # the paper's batch of 64-frame windows, 18 signals
    assert t["batch_size"] == t["measured_batch"] == cfg.batch_size
    assert t["steps_run"] == pc.STEPS and t["eval_clips"] == pc.EVAL_CLIPS
    assert t["seconds_per_step"] > 0 and t["cpu_seconds_per_step"] > 0
    # every epoch of the paper over the batches of its Table 1's 4456 training windows, 4 models x the seeds
    assert t["full_steps"] == cfg.epochs * 18 * 4 * len(cfg.seeds)
    assert t["parameters"] == sum(p.numel() for p in __import__(
        "rppg_lib.papers.kopeliovich2019.model", fromlist=["ColourSignalCNN"]).ColourSignalCNN("clf").parameters())
    assert kopeliovich_entry["peak_memory_mib"] > 0


def test_record_round_trip_keeps_other_devices(tmp_path, kopeliovich_entry):
    cpu = {"device_kind": "cpu", "device": "test cpu", "chapters": [kopeliovich_entry]}
    pc.write_record({"device_kind": "cuda", "device": "test gpu", "chapters": []}, tmp_path)
    path = pc.write_record(cpu, tmp_path)
    assert path == tmp_path / "paper_check.json"
    back = pc.read_record(tmp_path)
    assert set(back) == {"cpu", "cuda"}  # a CPU run does not erase the GPU's record
    assert back["cpu"] == json.loads(json.dumps(cpu))
    table = pc.summary_table(back["cpu"])
    row = table.iloc[0]
    assert row["chapter"] == "kopeliovich2019" and row["paper steps"] == kopeliovich_entry["trainings"][0]["full_steps"]
    assert row["CPU-hours"] == round(pc.cpu_hours(kopeliovich_entry["trainings"][0]), 1)
    assert pc.read_record(tmp_path / "nowhere") == {}


def test_missing_data_file_fails_naming_chapter_and_stage(tmp_path, monkeypatch):
    real_write = pc.write_fixture

    def write_then_lose_a_file(key, root, n, seconds):
        out = real_write(key, root, n, seconds)
        next((out / "signals").glob("*.csv")).unlink()
        return out

    monkeypatch.setattr(pc, "write_fixture", write_then_lose_a_file)
    cfg = dataclasses.replace(resolve("kopeliovich2019", "paper"), batch_size=64, duration_s=20.0)
    with pytest.raises(pc.PaperCheckError, match=r"kopeliovich2019: stage 'load through data_root.*\.csv"):
        pc.check_chapter("kopeliovich2019", "cpu", root=tmp_path, log=None, settings=cfg)


def test_every_paper_home_has_a_check():
    from rppg_lib.homes import homes

    assert pc.paper_chapters() == [k for k, h in homes().items() if h.kind == "paper"]


def test_device_choice_picks_cuda_when_available(monkeypatch):
    choice = pc.device_choice()
    assert choice["with_gpu"] == {"Chapter.start": "cuda", "TrainingLoop": "cuda"}
    assert choice["without_gpu"] == {"Chapter.start": "cpu", "TrainingLoop": "cpu"}
    from rppg_lib.train.common import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"


def test_device_choice_fails_when_auto_ignores_the_gpu(monkeypatch):
    import rppg_lib.train.common as common

    monkeypatch.setattr(common, "resolve_device", lambda device="auto": torch.device("cpu"))
    with pytest.raises(pc.PaperCheckError, match="device choice"):
        pc.device_choice()


def test_the_reproduce_page_names_only_a_public_repository_address(tmp_path):
    import subprocess

    from rppg_lib.reproduce import is_public_address, repository_text

    assert is_public_address("https://github.com/me/rppg.git") and is_public_address("git@github.com:me/rppg.git")
    assert not any(is_public_address(u) for u in ("/work/main", "file:///srv/rppg", ""))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert "no public address" in repository_text(tmp_path) and "missing" in repository_text(tmp_path)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "/work/main"], check=True)
    assert "/work/main" not in repository_text(tmp_path)  # a clone of a local folder prints no machine path
    subprocess.run(["git", "-C", str(tmp_path), "remote", "set-url", "origin", "https://example.org/r.git"], check=True)
    assert "https://example.org/r.git" in repository_text(tmp_path)
