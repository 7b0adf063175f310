"""The Yu et al. 2020 (AutoHR) home at tiny sizes: data, folds, training, search, tables, claims, bad input."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from rppg_lib import profiles
from rppg_lib.papers.yu2020 import claims as C
from rppg_lib.papers.yu2020 import experiment as E
from rppg_lib.papers.yu2020 import training as T


@pytest.fixture(scope="module")
def cfg():
    torch.set_num_threads(1)  # the machine's two cores are shared
    return profiles.resolve("yu2020", "smoke")


@pytest.fixture(scope="module")
def data(cfg):
    # the smoke look-alike's sessions, rendered once in the shared clip cache (the notebook's smoke run uses them)
    return E.prepare_simulated(cfg.preset, "smoke", cfg, n_subjects=cfg.n_subjects, scenarios=cfg.scenarios,
                               progress=False)


def test_profiles_and_paper_settings():
    paper = profiles.resolve("yu2020", "paper")
    assert (paper.crop, paper.clip_frames, paper.search_frames, paper.train_width, paper.search_width) == \
        (112, 160, 128, 16, 8)
    assert (paper.lr, paper.weight_decay, paper.epochs, paper.search_epochs, paper.search_warmup) == \
        (1e-4, 5e-5, 15, 12, 5)
    assert paper.pool == "max" and paper.folds == 5 and paper.fps is None
    with pytest.raises(ValueError, match="unknown settings"):
        profiles.resolve("yu2020", "smoke", widht=3)


def test_every_profile_decides_on_the_lookalikes():
    """No profile renders easier or harder data than the look-alike: no simulator overrides, no codec setting;
    the ladder's rungs are the shared ones, the look-alike on top."""
    from rppg_lib.ladder import RUNGS

    for name in ("smoke", "book", "paper"):
        cfg = profiles.resolve("yu2020", name)
        fields = {f.name for f in dataclasses.fields(cfg)}
        assert not fields & {"data_overrides", "bframes", "frame_size", "face_px", "duration_s"}
        assert (cfg.preset, cfg.preset_table2, cfg.preset_table3) == ("vipl-like", "mahnob-like", "mmse-like")
        assert set(cfg.ladder_rungs) <= set(RUNGS) and cfg.ladder_rungs[-1] == "look-alike"
        look = E.lookalike_of(cfg.preset, name, n_subjects=cfg.n_subjects, scenarios=cfg.scenarios)
        assert look.preset == "vipl-like" and look.duration_s >= look.protocol.clip_s or name == "smoke"
    book = profiles.resolve("yu2020", "book")
    assert len(E.lookalike_of(book.preset, "book", scenarios=book.scenarios).scenarios) == 7  # VIPL-HR's
    assert len(book.seeds) >= 3
    with pytest.raises(ValueError, match="unknown rung"):
        E.prepare_simulated("vipl-like", "smoke", book, rung="easy")


def test_crops_folds_and_test_clips(data, cfg):
    from rppg_lib.clips import Clips
    from rppg_lib.synth.presets import resolve

    look = E.lookalike_of(cfg.preset, "smoke", n_subjects=cfg.n_subjects, scenarios=cfg.scenarios)
    native = resolve(cfg.preset, {})["fps"]
    step = round(native / cfg.fps)
    n_frames = int(look.duration_s * native) // step
    assert isinstance(data, Clips) and data.extra == {} and "vipl-like look-alike" in data.source
    assert data.fps == pytest.approx(native / step)  # fewer frames only after decoding, by a block mean
    assert data.videos.shape == (len(look.sessions()), 3, n_frames, cfg.crop, cfg.crop)
    assert data.videos.dtype == np.uint8
    train, test = E.fold_split(data, cfg)
    assert not set(np.asarray(data.subjects)[train]) & set(np.asarray(data.subjects)[test])
    assert sorted([*train, *test]) == list(range(len(data)))
    clips, refs, video = E.test_clips(data, test, cfg)
    per = int(n_frames // round(cfg.test_clip_s * cfg.fps))
    assert clips.shape[2] == round(cfg.test_clip_s * cfg.fps) and len(clips) == per * len(test)
    assert set(video) == set(test)


def test_fidelity_and_learning_record(data, cfg):
    train, test = E.fold_split(data, cfg)
    fid = E.test_fidelity(data, cfg.preset, test)
    assert set(fid) == {"POS", "CHROM"} and fid["POS"]["published"] == 11.5 and fid["POS"]["metric"] == "mae"
    pos_rows = [r["abs_err"] for r in data.classical if r["method"] == "POS" and r["video"] in set(test)]
    assert fid["POS"]["ours"] == pytest.approx(np.mean(pos_rows))
    const = E.constant_table(data, train, test, cfg)
    pos = E.classical_table(data, test, cfg, "POS")
    exact = const.assign(hr_est=const.hr_ref)
    rec = E.learning_record("vipl-like look-alike", const, pos, {"perfect": [exact, exact], "constant": [const]})
    assert rec["data"] == "vipl-like look-alike" and rec["models"]["perfect"] == [0.0, 0.0]
    assert rec["constant_mae"] == pytest.approx(E.metrics_row(const)["MAE"]) and rec["pos_mae"] == E.metrics_row(
        pos)["MAE"]
    assert rec["learned"] == {"perfect": False, "constant": False}  # the smoke test set is below 10 videos
    assert "needs >= 10" in rec["learned_detail"]["perfect"]


def test_draw_clips_label_follows_the_resampled_reference():
    fs, n = 10.0, 200
    t = np.arange(n) / fs
    ppg = np.stack([np.sin(2 * np.pi * hr / 60 * t) for hr in (120.0, 60.0)])
    videos = np.zeros((2, 3, n, 8, 8), np.uint8)
    rng = np.random.default_rng(0)
    seen = {0: set(), 1: set()}
    for _ in range(30):
        for i in (0, 1):
            _, p, hr = T.draw_clips(videos, ppg, [i], 64, fs, rng, da2=True, video_hr=[120.0, 60.0])
            seen[i].add(int(round(hr[0] / 10) * 10))
            assert p.shape == (1, 64)
    assert seen[0] == {120, 60} and seen[1] == {60, 120}  # DA2 halves the fast one, doubles the slow one


def test_train_search_and_tables(data, cfg):
    split = E.fold_split(data, cfg)
    run = E.train_and_test("AutoHR", "autohr", data, split, cfg, da1=True, da2=True, progress=False,
                           test_sets={"again": (data, split[1])})
    assert len(run.history) == cfg.epochs and run.model.pool == cfg.pool
    assert sorted(run.table["video"]) == sorted(split[1]) and np.isfinite(run.table["hr_est"]).all()
    pd.testing.assert_frame_equal(run.table, run.spec["tables"]["again"])
    tdc = E.train_and_test("PhysNet TDC", "physnet", data, split, cfg, theta=0.5, loss="frequency", progress=False)
    from rppg_lib.models import TDC3d

    assert isinstance(tdc.model.block2[0][0], TDC3d) and tdc.model.block2[0][0].theta == 0.5
    searches = E.run_searches(data, split[0], cfg, progress=False)
    assert list(searches) == [E.search_name(c, t) for c, t in cfg.search_configs]
    from rppg_lib.models import validate_genotype

    for s in searches.values():
        validate_genotype(s.genotype, s.primitives)
        assert len(s.history) == cfg.search_epochs and not s.history[0]["arch_updated"]
    assert len(searches[E.search_name("varied", True)].genotype.cells) == 4
    const = E.constant_table(data, *split, cfg)
    pos = E.classical_table(data, split[1], cfg, "POS")
    table = E.with_paper({"ours": run.table, "POS": pos, "not run": None}, "Table I", {"ours": "AutoHR", "POS": "POS"})
    assert table.loc["ours", ("paper", "RMSE")] == 8.68 and table.loc["POS", ("paper", "r")] == 0.30
    assert np.isnan(table.loc["not run", ("ours", "MAE")]) and "RhythmNet (paper only)" in table.index
    abl = E.ablation_table({"a": run, "b": pos}, const)
    assert list(abl.columns) == list(E.METRICS) and abl.loc["constant answer", "MAE"] == pytest.approx(
        np.mean(np.abs(const.hr_est - const.hr_ref)))
    import matplotlib

    matplotlib.use("Agg", force=False)
    E.draw_cell(searches[E.search_name("shared", True)].genotype)
    E.plot_ablation({"x": abl}, constant_rmse=1.0)


def test_metrics_row_known_answer():
    t = pd.DataFrame({"video": [0, 1, 2, 3], "hr_ref": [60.0, 70.0, 80.0, 90.0], "hr_est": [62.0, 68.0, 82.0, 88.0]})
    m = E.metrics_row(t)
    assert m["MAE"] == 2.0 and m["RMSE"] == 2.0 and m["SD"] == 2.0 and 0.9 < m["r"] < 1.0
    np.testing.assert_allclose(E.abs_errors(t), 2.0)



def test_nas_runs_train_the_manual_cell_then_each_searched_cell(monkeypatch):
    from types import SimpleNamespace

    calls = []

    def train_and_test(name, kind, genotype=None, **common):  # records the call instead of training
        calls.append((name, kind, genotype, common["seed"]))
        return name

    monkeypatch.setattr(E, "train_and_test", train_and_test)
    searches = {"NAS shared, with TDC": SimpleNamespace(genotype="g1"),
                "NAS varied, with TDC": SimpleNamespace(genotype="g2")}
    nas = E.nas_runs(searches, data=None, split=None, cfg=None, seed=3, device="cpu", progress=False)
    assert list(nas) == ["manual (without NAS)", *searches]
    assert calls == [("manual", "autohr", None, 3), ("NAS shared, with TDC", "autohr", "g1", 3),
                     ("NAS varied, with TDC", "autohr", "g2", 3)]


def test_stacked_errors_and_table_record():
    def run(est):
        t = pd.DataFrame({"video": [1, 0], "hr_ref": [70.0, 60.0], "hr_est": est})
        return E.Run("r", t, [], 0.0, spec={"tables": {"cross": t.assign(hr_est=t.hr_ref + 5.0)}})

    runs = [run([71.0, 62.0]), run([67.0, 60.0])]
    np.testing.assert_allclose(E.stacked_errors(runs), [[2.0, 1.0], [0.0, 3.0]])  # video order
    np.testing.assert_allclose(E.stacked_errors(runs, "cross"), 5.0)
    table = E.with_paper({"ours": runs[0].table, "not run": None}, "Table I", {"ours": "AutoHR"})
    record = E.table_record(table)
    assert record["ours"]["ours MAE"] == 1.5 and record["ours"]["paper RMSE"] == 8.68
    assert np.isnan(record["not run"]["ours MAE"]) and E.table_record(None) is None

def test_diverging_training_stops_with_epoch_and_learning_rate(monkeypatch):
    videos = np.random.default_rng(0).integers(0, 255, (2, 3, 40, 16, 16)).astype(np.uint8)
    ppg = np.sin(np.arange(40) / 10 * 2 * np.pi * 1.2)[None].repeat(2, 0)
    monkeypatch.setattr(T, "loss_function", lambda name, fs, lam=None: lambda pred, p, hr: pred.sum() * np.nan)
    from rppg_lib.models import PhysNetUpsample
    from rppg_lib.train.loop import TrainingDivergedError

    with pytest.raises(TrainingDivergedError, match="epoch 0.*learning rate 0.003"):
        T.train_network(PhysNetUpsample(3, 4), videos, ppg, 10.0, epochs=1, lr=3e-3, clip_len=32, progress=False)


def test_wrong_data_root_names_the_layout(tmp_path, cfg):
    from rppg_lib.data import DatasetLayoutError

    (tmp_path / "data" / "p1" / "v1").mkdir(parents=True)
    with pytest.raises(DatasetLayoutError, match="source"):
        E.prepare_real(tmp_path, cfg)
    with pytest.raises(DatasetLayoutError, match="VIPL-HR"):
        E.prepare_real(tmp_path / "missing", cfg)


def test_runner_refuses_unknown_parameters():
    from rppg_lib.runner import run_notebook

    with pytest.raises(ValueError, match="no parameter"):
        run_notebook("yu2020", "smoke", {"epochs": 3})


def test_physnet_theta_zero_is_physnet():
    from rppg_lib.models import PhysNetUpsample

    torch.manual_seed(0)
    a, b = PhysNetUpsample(3, 4), PhysNetUpsample(3, 4, theta=0.0)
    b.load_state_dict(a.state_dict())
    c = PhysNetUpsample(3, 4, theta=1.0)
    c.load_state_dict(a.state_dict())  # TDC keeps the Conv3d parameters
    x = torch.rand(1, 3, 8, 16, 16)
    a.eval(), b.eval(), c.eval()
    with torch.no_grad():
        assert torch.equal(a(x), b(x)) and not torch.allclose(a(x), c(x))


def _errs(mean, n=12, seed=0):
    return np.abs(np.random.default_rng(seed).normal(mean, 0.3, n))


_GOOD = {"constant": _errs(10), "POS": _errs(8), "CHROM": _errs(9), "PhysNet": _errs(5),
         "loss hybrid": _errs(2), "loss time": _errs(5), "loss frequency": _errs(3),
         "theta 0": _errs(2), "theta 0.2": _errs(1), "theta 1": _errs(1.5),
         "manual": _errs(6), "NAS shared, with TDC": _errs(3), "NAS varied, with TDC": _errs(4),
         "NAS shared, without TDC": _errs(5), "DA1": _errs(4), "DA2": _errs(3), "DA1+DA2": _errs(2)}
_CROSS = {"constant": _errs(10), "AutoHR": _errs(3), "PhysNet": _errs(6)}


_FAITHFUL = {"POS": {"ours": 12.0, "published": 11.5, "metric": "mae", "source": "Table I"},
             "CHROM": {"ours": 10.0, "published": 11.4, "metric": "mae", "source": "Table I"}}


def test_claims_follow_the_evidence():
    v = {x.claim.id: x.verdict for x in C.decide(_GOOD, cross=_CROSS, fidelity=_FAITHFUL)}
    assert set(v) == {c.id for c in C.CLAIMS} and set(v.values()) == {"reproduced"}
    # the other side of every rule
    flip = {"loss time": _errs(2), "loss frequency": _errs(5), "loss hybrid": _errs(6), "theta 0.2": _errs(4),
            "theta 1": _errs(4), "manual": _errs(2), "NAS varied, with TDC": _errs(1),
            "NAS shared, without TDC": _errs(1),
            "DA1": _errs(1), "DA1+DA2": _errs(5), "POS": _errs(1), "PhysNet": _errs(1)}
    w = {x.claim.id: x.verdict for x in C.decide({**_GOOD, **flip}, cross={**_CROSS, "PhysNet": _errs(1)},
                                                  fidelity=_FAITHFUL)}
    assert set(w.values()) == {"contradicted"}, w
    # seeds: (seeds, videos) errors pair with one-seed baselines
    seeded = {**_GOOD, "DA1+DA2": np.stack([_errs(2, seed=s) for s in range(3)])}
    assert {x.claim.id: x.verdict for x in C.decide(seeded, fidelity=_FAITHFUL)}["autohr-beats-physnet"] == "reproduced"


def test_orderings_against_pos_chrom_need_faithful_data():
    def beats(**kw):
        return {x.claim.id: x for x in C.decide(_GOOD, **kw)}["autohr-beats-pos-chrom"]

    easy = {"POS": {"ours": 0.3, "published": 11.5, "metric": "mae", "source": "Table I"}}
    v = beats(fidelity=easy)
    assert v.verdict == "not testable here" and "ratio 0.03" in v.reason
    assert beats(fidelity={}).verdict == "not testable here"  # an easy rung has no fidelity entry
    assert beats(fidelity=None).verdict == "not testable here"
    assert beats(fidelity=_FAITHFUL).verdict == "reproduced"
    assert beats(real_data=True).verdict == "reproduced"  # VIPL-HR itself
    # orderings between networks do not need it
    assert {x.claim.id: x.verdict for x in C.decide(_GOOD)}["autohr-beats-physnet"] == "reproduced"


def test_rankings_need_the_networks_ranked_above_to_have_learned():
    # the ranked-below network may fail to learn ...
    worse = {"NAS varied, with TDC": _errs(10), "PhysNet": _errs(10)}
    below = {x.claim.id: x.verdict for x in C.decide({**_GOOD, **worse})}
    assert below["shared-beats-varied"] == "reproduced" and below["autohr-beats-physnet"] == "reproduced"
    # ... the ranked-above one may not, even when the other learned
    above = {x.claim.id: x for x in C.decide({**_GOOD, "DA1+DA2": _errs(9.5)})}
    assert above["autohr-beats-physnet"].verdict == "not testable here"
    assert "DA1+DA2: not learned" in above["autohr-beats-physnet"].reason


def test_claims_need_a_network_that_learned():
    flat = {k: (_errs(10) if k not in ("POS", "CHROM") else _errs(1)) for k in _GOOD}
    out = C.decide(flat, cross={k: _errs(10) for k in _CROSS})
    assert {x.verdict for x in out} == {"not testable here"}
    reason = {x.claim.id: x.reason for x in out}["hybrid-loss-best"]
    assert "loss hybrid: not learned, MAE 10." in reason and "constant answer 10." in reason
    # too few test videos: not testable even when the network learned
    few = {k: v[:5] for k, v in _GOOD.items()}
    assert {x.verdict for x in C.decide(few)} == {"not testable here"}
    # a comparison whose runs were not made says which
    missing = {x.claim.id: x.reason for x in C.decide({k: v for k, v in _GOOD.items() if k != "DA1"})}
    assert "not run: DA1" in missing["da1-alone-hurts"]


def test_learned_is_the_one_rule():
    """The home's claims use the core's rule: 0.8x the constant answer and the paired interval below zero."""
    const = _errs(10, n=12, seed=1)
    assert C._learned({"a": _errs(7.5, n=12)}, ["a"], const, "videos").ok
    # below 0.8x on average but no clear paired difference (half the videos far worse) is not learned
    mixed = np.where(np.arange(12) % 2 == 0, 0.5, 14.0)
    assert mixed.mean() < 0.8 * const.mean() and not C._learned({"a": mixed}, ["a"], const, "videos").ok
    assert not C._learned({"a": _errs(8.5, n=12)}, ["a"], const, "videos").ok
    assert not C._learned({"a": _errs(1, n=9)}, ["a"], const[:9], "videos").ok  # fewer than 10 videos
    assert not C._learned({"a": _errs(1)}, ["b"], const, "videos").ok  # not run


def test_the_chapter_is_complete():
    from rppg_lib.homes import home, missing_pieces

    assert missing_pieces(home("yu2020")) == []
    assert dataclasses.fields(profiles.resolve("yu2020", "book"))


def test_prepare_real_reads_vipl_hr_in_its_layout(tmp_path, cfg):
    """Two subjects written in VIPL-HR's own layout (20 fps video, 60 Hz wave) come back as Clips of face crops
    at about the profile's frame rate, with the reference resampled with them."""
    from rppg_lib.clips import Clips
    from rppg_lib.data import write_vipl_hr_recording
    from rppg_lib.synth import simulate

    recs = {}
    for subject in (1, 2):
        recs[subject] = simulate("vipl-like", seed=subject, subject=subject, duration_s=4.0, fps=20.0, width=160,
                                 height=120, face_px=70.0)
        write_vipl_hr_recording(tmp_path, recs[subject], subject=subject)
    data = E.prepare_real(tmp_path, cfg)
    assert isinstance(data, Clips) and data.source == "real: VIPL-HR" and sorted(data.subjects) == ["1", "2"]
    assert data.fps == pytest.approx(10.0) and data.videos.shape == (2, 3, 40, cfg.crop, cfg.crop)
    assert np.isfinite(data.hr).all() and E.test_fidelity(data, cfg.preset, [0, 1]) == {}
    t = np.arange(40) / 10.0
    rec = recs[int(data.subjects[0])]
    np.testing.assert_allclose(data.ppg[0], np.interp(t, rec.timestamps - rec.timestamps[0], rec.ppg), atol=0.05)
