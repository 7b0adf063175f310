"""The one learning ladder: its rung vocabulary, its runner's table and its plot."""
import matplotlib
import numpy as np
import pandas as pd
import pytest

from rppg_lib import ladder, profiles
from rppg_lib.ladder import COLUMNS, CONSTANT, RUNGS, TOP, RungData, run_ladder

matplotlib.use("Agg")


def test_rung_vocabulary_is_unique_and_names_what_differs():
    overrides = [tuple(sorted(o.items())) for o in RUNGS.values()]
    assert len(set(overrides)) == len(RUNGS)  # no two names for the same settings
    assert list(RUNGS)[-1] == TOP == "look-alike" and RUNGS[TOP] == {}
    words = {"codec": "lossless", "full_well_e": "no noise", "pulse_amplitude": "2 % pulse"}
    for name, o in RUNGS.items():
        assert {words[k] for k in o} == {w for w in words.values() if w in name}, name
    assert RUNGS["lossless, 2 % pulse, no noise"] == {"codec": None, "full_well_e": 0.0, "pulse_amplitude": 0.02}
    assert ladder.rung_overrides("2 % pulse") == {"pulse_amplitude": 0.02}
    with pytest.raises(ValueError, match="unknown rung 'still'"):
        ladder.rung_overrides("still")


def test_every_home_speaks_the_one_vocabulary():
    """Every home's settings name rungs of RUNGS only, and no module keeps a vocabulary of its own."""
    import rppg_lib.lookalike as lookalike
    from rppg_lib.papers.kopeliovich2019 import experiment as K

    assert not hasattr(lookalike, "RUNGS")
    fields = {"gideon2021": "ladder_rungs", "niu2018": "ladder_rungs", "yu2020": "ladder_rungs",
              "deng_pruned_stven": "ladder"}
    for key, field in fields.items():
        for p in profiles.PROFILES:
            assert set(getattr(profiles.resolve(key, p), field)) <= set(RUNGS), (key, p)
    assert all(rung in RUNGS and isinstance(sessions, str) for rung, sessions in K.LADDER)


def _tiny_ladder(seeds=(0, 1)):
    rng = np.random.default_rng(0)
    truth = rng.uniform(60, 100, 40)
    prepared = []

    def prepare(rung, sessions):
        prepared.append((rung, sessions))
        noise = {"lossless, 2 % pulse, no noise": 0.5}.get(rung, 12.0)
        const = np.abs(truth - truth.mean())
        return RungData(noise, const, {"POS": np.full(40, noise)}, {("reused", 0): np.full(40, 3.0)})

    def good(noise, seed):  # learns where the pulse is easy
        return np.random.default_rng(seed).uniform(0, 2 * noise, 40)

    def fails(noise, seed):
        raise AssertionError("a result given in RungData.done is never trained again")

    table = run_ladder(["lossless, 2 % pulse, no noise", (TOP, "two cameras")], prepare,
                       {"good": good, "reused": fails}, seeds=seeds[:1])
    return table, prepared


def test_runner_returns_the_one_layout_and_the_one_rule():
    from rppg_lib.claims import network_learned

    table, prepared = _tiny_ladder()
    assert prepared == [("lossless, 2 % pulse, no noise", ""), (TOP, "two cameras")]
    assert list(table.columns) == list(COLUMNS)
    assert list(table.model) == [CONSTANT, "POS", "good", "reused"] * 2
    base = table[table.seed.isna()]
    assert base.learned.isna().all() and (base.detail == "").all() and (base.seconds == 0).all()
    nets = table[table.seed.notna()].set_index(["rung", "model"])
    easy = nets.loc[("lossless, 2 % pulse, no noise", "good")]
    assert easy.learned and easy.mae < 1.0 and easy.ratio == pytest.approx(easy.mae / easy.constant_mae)
    assert not nets.loc[(TOP, "good")].learned  # as bad as the constant answer on the look-alike
    assert nets.loc[(TOP, "reused")].mae == pytest.approx(3.0)
    # learned is exactly the compendium's rule on the same items
    const = table.loc[table.model == CONSTANT, "mae"].iloc[0]
    assert table.constant_mae.eq(const).all() and (table["items"] == 40).all()
    ok, detail = network_learned(np.full(40, 3.0), np.abs(np.linspace(-1, 1, 40)))
    assert isinstance(ok, bool) and "constant" in detail


def test_runner_refuses_unknown_rungs_and_mismatched_items():
    def prepare(rung, sessions):
        return RungData(None, np.ones(10))

    with pytest.raises(ValueError, match="unknown rung"):
        run_ladder(["still"], prepare, {})
    with pytest.raises(ValueError, match="same test items"):
        run_ladder([TOP], prepare, {"net": lambda data, seed: np.ones(9)})


def test_per_seed_constant_answers_hold_each_seed_against_its_own():
    step = RungData(None, {0: np.full(30, 10.0), 1: np.full(30, 20.0)})
    rows = pd.DataFrame(ladder.rows(TOP, step, {"net": {0: (np.full(30, 9.0), 1.0), 1: (np.full(30, 9.0), 1.0)}}))
    assert rows.loc[rows.model == CONSTANT, "mae"].item() == pytest.approx(15.0)
    assert rows.loc[rows.model == "net", "constant_mae"].tolist() == [10.0, 20.0]
    with pytest.raises(ValueError, match="no constant answer of seed 2"):
        ladder.rows(TOP, step, {"net": {2: (np.full(30, 9.0), 1.0)}})


def test_summary_and_plot():
    table, _ = _tiny_ladder()
    s = ladder.summary(table)
    assert list(s.index) == ["lossless, 2 % pulse, no noise", "look-alike (two cameras)"]
    assert s.loc["lossless, 2 % pulse, no noise", "good: learned"] == "1 of 1"
    assert s.loc["look-alike (two cameras)", "POS"] == pytest.approx(12.0)
    # rows concatenated from another source can make the MAE column object-typed: the summary still rounds
    rounded = ladder.summary(table.astype({"mae": object})).round(2)
    assert rounded.loc["look-alike (two cameras)", "POS"] == pytest.approx(12.0)
    assert all(str(rounded[c].dtype) == "float64" for c in rounded if not c.endswith("learned"))
    ax = ladder.plot_ladder(table, title="tiny")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(s.index)
    assert {line.get_label() for line in ax.get_lines()} >= {CONSTANT, "POS", "good", "reused"}


def test_a_rerun_of_a_killed_run_keeps_finished_trainings(tmp_path):
    """With the run's chapter (a profile that checkpoints), every finished training's errors are kept; a rerun
    trains only what had not finished, and other settings or other test items train again."""
    from rppg_lib.chapter import Chapter

    chapter = Chapter.start("gideon2021", "book", seed=0, device="cpu", results_dir=tmp_path)
    constant = np.abs(np.linspace(-5, 5, 20))
    calls = []

    def fit(data, seed):
        calls.append(seed)
        if len(calls) == 2 and data == "kill":
            raise KeyboardInterrupt  # the run dies during the second training
        return np.full(20, 1.0 + seed)

    def prepare(items):
        return lambda rung, sessions: RungData(items, constant * items_scale[items])

    items_scale = {"kill": 1.0, "same": 1.0, "other items": 2.0}
    with pytest.raises(KeyboardInterrupt):
        run_ladder([TOP], prepare("kill"), {"net": fit}, seeds=(0, 1), chapter=chapter, settings="a")
    assert calls == [0, 1]
    calls.clear()
    table = run_ladder([TOP], prepare("same"), {"net": fit}, seeds=(0, 1), chapter=chapter, settings="a")
    assert calls == [1]  # seed 0 was kept from the killed run
    assert table.set_index("seed").loc[[0, 1], "mae"].tolist() == [1.0, 2.0]
    calls.clear()
    run_ladder([TOP], prepare("same"), {"net": fit}, seeds=(0,), chapter=chapter, settings="b")
    run_ladder([TOP], prepare("other items"), {"net": fit}, seeds=(0,), chapter=chapter, settings="a")
    assert calls == [0, 0]  # other settings, other test items: trained again
    calls.clear()
    smoke = Chapter.start("gideon2021", "smoke", seed=0, device="cpu", results_dir=tmp_path / "s")
    run_ladder([TOP], prepare("same"), {"net": fit}, seeds=(0,), chapter=smoke, settings="a")
    assert calls == [0] and not (tmp_path / "s" / "checkpoints").exists()  # smoke keeps nothing
