"""Profiles, run and claims records, and the papermill runner."""
import dataclasses
import json

import nbformat
import pytest

from rppg_lib import claims, profiles, results, runner


def test_profiles_resolve_typed_settings_and_reject_unknowns():
    cfg = profiles.resolve("classical_real", "smoke")
    assert cfg.window_s == 30.0
    assert dataclasses.is_dataclass(cfg)
    assert profiles.resolve("classical_real", "book", step_s=5.0).step_s == 5.0
    with pytest.raises(ValueError, match=r"unknown profile 'huge'.*smoke"):
        profiles.resolve("classical_real", "huge")
    with pytest.raises(ValueError, match=r"unknown chapter key 'nope'.*gideon2021"):
        profiles.resolve("nope", "smoke")
    with pytest.raises(ValueError, match=r"unknown settings \['windows'\].*window_s"):
        profiles.resolve("classical_real", "smoke", windows=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.window_s = 1.0


def test_run_record_round_trip_is_complete(tmp_path):
    path = results.write_run_record("classical_real", "smoke", {"mae": 1.5, "nan": float("nan")},
                                    config={"window_s": 30}, data_source="simulated: test",
                                    seed=3, wall_time_s=1.2, results_dir=tmp_path)
    rec = json.loads(path.read_text())
    assert rec["metrics"] == {"mae": 1.5, "nan": None}
    for key in ("profile", "data_source", "seed", "wall_time_s", "device", "environment", "config"):
        assert key in rec
    assert rec["environment"]["packages"]["numpy"]
    assert results.latest_run_record("classical_real", results_dir=tmp_path)["seed"] == 3
    with pytest.raises(KeyError, match="run the notebook first"):
        results.latest_run_record("gideon2021", results_dir=tmp_path)
    with pytest.raises(ValueError, match="data_source"):
        results.write_run_record("classical_real", "smoke", {}, data_source="", results_dir=tmp_path)


def test_atomic_write_keeps_old_file_when_serialisation_fails(tmp_path):
    target = results.write_json_atomic(tmp_path / "x.json", {"ok": 1})
    with pytest.raises(TypeError):
        results.write_json_atomic(target, {"bad": object()})
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def _verdict(chapter="gideon2021", cid="a", estimate=-1.0):
    claim = claims.Claim(cid, chapter, "A beats B", "Table 2", "MAE(A) - MAE(B), bpm", claims.AtMost(0.0))
    return claims.decide(claim, claims.Interval(estimate, estimate - 0.5, estimate + 0.5, "test"))


def test_claims_records_carry_revision_and_are_checked(tmp_path, monkeypatch):
    results.write_claims("gideon2021", [_verdict()], profile="smoke", data_source="simulated", seeds=[0, 1],
                         results_dir=tmp_path)
    df = results.read_claims(tmp_path, profile="smoke")
    row = df.iloc[0]
    assert (row["chapter"], row["verdict"], row["seeds"], row["low"]) == ("gideon2021", "reproduced", [0, 1], -1.5)
    assert row["written_at"] and "git_revision" in df.columns
    assert results.read_claims(tmp_path, profile="book").empty
    # a record written at another revision is stale
    monkeypatch.setattr(results, "_git_revision", lambda: "abc")
    results.write_claims("gideon2021", [_verdict()], profile="book", data_source="s", results_dir=tmp_path)
    monkeypatch.setattr(results, "_git_revision", lambda: "def")
    assert results.read_claims(tmp_path, profile="book")["stale"].all()
    monkeypatch.setattr(results, "_git_revision", lambda: "abc")
    assert not results.read_claims(tmp_path, profile="book")["stale"].any()
    with pytest.raises(ValueError, match="belongs to"):
        results.write_claims("kopeliovich2019", [_verdict()], profile="smoke", data_source="x", results_dir=tmp_path)
    with pytest.raises(ValueError, match="repeat"):
        results.write_claims("gideon2021", [_verdict(), _verdict()], profile="smoke", data_source="x",
                             results_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown chapter key"):
        results.write_claims("paper9", [], profile="smoke", data_source="x", results_dir=tmp_path)


def test_reported_numbers_are_found_from_the_key():
    assert results.reported("kopeliovich2019", "Table 2", "CL+F", "Full test set MAE") == 4.9
    with pytest.raises(KeyError):
        results.reported("kopeliovich2019", "Table 2", "CL+F", "no such column")


def _notebook(tmp_path, body, name="nb.ipynb"):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "smoke"\nseed = 0')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_runner_rejects_unknown_parameters_before_running(tmp_path):
    nb = _notebook(tmp_path, "raise SystemExit('must not run')")
    with pytest.raises(ValueError, match=r"no parameter\(s\) \['sed'\]"):
        runner.run_notebook(nb, "smoke", {"sed": 1}, out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "nb.ipynb").exists()


def test_runner_executes_and_names_failing_cell(tmp_path):
    ok = runner.run_notebook(_notebook(tmp_path, "x = seed * 2\nprint(profile, x)"), "book", {"seed": 4},
                             out_dir=tmp_path / "out")
    text = ok.read_text()
    assert "book 8" in text and runner.error_outputs(ok) == []
    bad = _notebook(tmp_path, "1 / 0", name="bad.ipynb")
    with pytest.raises(runner.NotebookError, match=r"bad.ipynb failed in cell .*ZeroDivisionError"):
        runner.run_notebook(bad, "smoke", out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "bad.ipynb").exists()
    assert runner.error_outputs(tmp_path / "out" / "bad.failed.ipynb")


def test_book_notebooks_follow_the_toc():
    names = runner.book_notebooks()
    assert names[0] == "classical_real" and set(names[-2:]) == {"claims", "reproduce"}  # summaries run last
    for name in names:
        assert (runner.NOTEBOOK_DIR / f"{name}.ipynb").is_file()
        params = runner.declared_parameters(runner.NOTEBOOK_DIR / f"{name}.ipynb")
        assert {"profile", "data_root", "device", "seed", "results_dir"} <= set(params)


def test_cli_help_and_bad_parameter(capsys):
    from rppg_lib import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "run" in capsys.readouterr().out
    assert cli.main(["run", "claims", "-p", "nope", "1"]) == 1
    assert "nope" in capsys.readouterr().err


def test_cli_predict_reports_missing_file_and_runs_on_a_real_clip(capsys, tmp_path, monkeypatch):
    from rppg_lib import cli
    from rppg_lib.data import real_data_path

    assert cli.main(["predict", str(tmp_path / "missing.avi")]) == 1
    assert "not found" in capsys.readouterr().err
    clip = real_data_path("bias_eval_rppg/Data/India/video10_forehead.avi")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["predict", str(clip), "--roi", "full"])
    out = capsys.readouterr().out
    assert code in (0, 3)  # 3 = ran, but no reliable pulse: said, not hidden
    assert "HR" in out and (tmp_path / "video10_forehead_rppg.png").is_file()


def test_cost_records_feed_the_reproduce_page(tmp_path):
    from rppg_lib import reproduce

    runner.write_cost_record("gideon2021", "book", 900.0, 2048.0, results_dir=tmp_path, sessions_rendered=16)
    runner.write_cost_record("gideon2021", "book", 600.0, 2048.0, results_dir=tmp_path)
    runner.write_cost_record("kopeliovich2019", "book", 120.0, 1024.0, results_dir=tmp_path)
    table = reproduce.cost_table(tmp_path)
    # the homes' order; a cold run (it rendered look-alike sessions) and a warm one are both kept
    assert list(table.index) == [("gideon2021", "book", "cold"), ("gideon2021", "book", "warm"),
                                 ("kopeliovich2019", "book", "warm")]
    assert list(table["wall time (min)"]) == [15.0, 10.0, 2.0]
    assert list(table["peak memory (GiB)"]) == [2.0, 2.0, 1.0] and list(table["sessions rendered"]) == [16, 0, 0]
    assert reproduce.cost_table(tmp_path / "none").empty
    data = reproduce.data_root_table()
    assert "UBFC-rPPG" in data.loc["gideon2021", "data_root"]
    assert data.loc["simulated_data", "data_root"].startswith("none")
    # the environment and the cache are measured where they are, not under the repository root
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "clip.npz").write_bytes(b"x" * 3000)
    text = reproduce.disk_text(tmp_path, venv=tmp_path / "none", cache=tmp_path / "elsewhere")
    assert text == "Disk used on this machine: the virtual environment 0 B, the cache 2.9 KiB, `results` 0 B."


def test_book_runs_chapters_before_the_pages_that_summarise_them():
    names = runner.book_notebooks()
    assert min(names.index("reproduce"), names.index("claims")) > names.index("deng_pruned_stven")


def test_cache_key_is_stable_and_refuses_objects_it_cannot_spell_out():
    import numpy as np

    from rppg_lib import storage

    assert storage.cache_key({"a": np.float32(1.5), "b": [1, 2]}) == storage.cache_key({"b": [1, 2], "a": 1.5})
    assert storage.cache_key({"a": 1}) != storage.cache_key({"a": 2})
    with pytest.raises(TypeError, match="cache key"):
        storage.cache_key({"a": object()})
