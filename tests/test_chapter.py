"""Chapter.start / claims / finish: settings of the profile, one device rule, seeds, the records written."""
import json

import pytest

from rppg_lib.chapter import Chapter


def test_start_resolves_settings_device_and_seeds():
    ch = Chapter.start("niu2018", "smoke", seed=5, device="cpu")
    assert ch.settings.preset and ch.device == "cpu"
    assert ch.seeds == [5 + s for s in ch.settings.seeds]
    assert Chapter.start("classical_real", "smoke", seed=2).seeds == [2]  # no seeds in the settings: the seed
    assert Chapter.start("classical_real", "smoke").device in ("cpu", "cuda")  # "auto"
    with pytest.raises(ValueError, match="unknown chapter key"):
        Chapter.start("nope", "smoke")


def test_claims_write_the_record_and_finish_gives_the_provenance(tmp_path):
    from rppg_lib import claims as C

    ch = Chapter.start("gideon2021", "smoke", seed=0, device="cpu", results_dir=tmp_path)
    claim = C.Claim("a", "gideon2021", "A beats B", "Table 3", "MAE(A) - MAE(B), bpm", C.AtMost(0.0))
    table = ch.claims([C.decide(claim, C.Interval(-1, -2, -0.5, "boot"))], "simulated: test")
    assert "A beats B" in table.data and "reproduced" in table.data
    record = json.loads((tmp_path / "claims" / "gideon2021__smoke.json").read_text())
    assert record[0]["seeds"] == ch.seeds and record[0]["data_source"] == "simulated: test"
    prov = ch.finish("simulated: test")
    assert prov.loc["profile", "value"] == "smoke" and prov.loc["device", "value"] == "cpu"


def test_paper_differences_are_read_from_the_settings_run():
    from rppg_lib.profiles import differences, readable, resolve

    assert differences("gideon2021", "paper").empty  # the paper profile differs from nothing
    table = differences("gideon2021", "book")
    book, paper = resolve("gideon2021", "book"), resolve("gideon2021", "paper")
    row = table.set_index("setting").loc["crop"]
    assert (row["this run (book)"], row["paper"]) == (str(book.crop), str(paper.crop))
    assert "lr" in set(table.setting) and "preset" not in set(table.setting)  # same preset: not listed
    # a page never shows Python's printout of a dict, list or tuple of strings
    nested = {"pure-like": {"n_val": 2}, "seeds": [0, 1], "none": None}
    assert readable(nested) == "pure-like: n_val: 2; seeds: 0, 1; none: –"
    assert readable(("a", "b")) == "(a, b)" and readable([]) == "none" and readable(1e-05) == "1e-05"
    shown = Chapter.start("deng_pruned_stven", "smoke", device="cpu").paper_differences().data
    assert "look.n_subjects" not in shown and "look: n subjects" in shown  # a look-alike opened into its fields
    assert "{'" not in shown and "['" not in shown


def test_checkpoint_dir_is_one_folder_per_named_training_of_the_run(tmp_path):
    from rppg_lib.chapter import training_checkpoint

    chapter = Chapter.start("niu2018", "smoke", seed=3, device="cpu", results_dir=tmp_path)
    assert chapter.checkpoint_dir("scratch-seed3-fold0") == (
        tmp_path / "checkpoints" / "niu2018" / "smoke" / "seed3" / "scratch-seed3-fold0")
    assert not chapter.checkpoint_dir("x").exists()  # the trainer creates it when it writes
    for bad in ("", "a/b", "../up", "-flag", "two words"):
        with pytest.raises(ValueError, match="training's name"):
            chapter.checkpoint_dir(bad)
    assert training_checkpoint(None, "anything") is None  # no chapter: no files, no resuming
    assert training_checkpoint(chapter, "anything") is None  # a smoke run trains for seconds: nothing to resume
    chapter = Chapter.start("niu2018", "book", seed=3, device="cpu", results_dir=tmp_path)
    assert training_checkpoint(chapter, "rPPGNet SNIP", "seed3", "a/b").name == "rPPGNet_SNIP-seed3-a_b"
    assert training_checkpoint(chapter, "imagenet+synthetic", "frac0.5").name == "imagenet+synthetic-frac0.5"


def test_finish_removes_the_runs_checkpoints_unless_asked_to_keep_them(tmp_path):
    chapter = Chapter.start("niu2018", "smoke", seed=0, device="cpu", results_dir=tmp_path)
    other = Chapter.start("niu2018", "smoke", seed=1, device="cpu", results_dir=tmp_path)
    for ch in (chapter, other):
        ch.checkpoint_dir("a").mkdir(parents=True)
        (ch.checkpoint_dir("a") / "resume.pt").write_bytes(b"state")
    chapter.finish("simulated: test", keep_checkpoints=True)
    assert chapter.checkpoint_dir("a").is_dir()
    chapter.finish("simulated: test")
    assert not chapter.checkpoint_dir("a").parent.exists()
    assert (other.checkpoint_dir("a") / "resume.pt").is_file()  # another seed's run is not this run's


def test_fidelity_and_settings_frames_show_numbers_rounded_and_values_in_words():
    from rppg_lib.display import fidelity_frame, settings_frame
    from rppg_lib.profiles import resolve

    fid = {"CHROM": {"ours": 20.481429, "published": 13.49, "metric": "mae", "source": "Yu 2020, Table II",
                     "ratio": 1.518268}}
    table = fidelity_frame(fid)
    assert list(table.columns) == ["metric", "ours", "published", "ratio", "source"]
    assert table.loc["CHROM", "ours"] == 20.48 and table.loc["CHROM", "ratio"] == 1.52
    shown = settings_frame(resolve("niu2018", "book"))["value"]
    assert shown["table2_subjects"] == "–" and shown["ladder_rungs"] == "none"  # not None, not ()
    assert not any(v.startswith(("[", "{")) or v in ("None", "()") for v in shown)
