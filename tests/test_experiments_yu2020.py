"""The Yu et al. 2020 (AutoHR) home at tiny sizes: data, folds, training, search, tables, claims, bad input."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from rppg_lib import claims, profiles
from rppg_lib.papers.yu2020 import claims as C
from rppg_lib.papers.yu2020 import experiment as E
from rppg_lib.papers.yu2020 import training as T


@pytest.fixture(scope="module")
def cfg():
    torch.set_num_threads(1)  # the machine's two cores are shared
    return profiles.resolve("yu2020", "smoke")


@pytest.fixture(scope="module")
def data(cfg, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("RPPG_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield E.prepare_simulated(cfg.preset, cfg.n_subjects, cfg, scenarios=cfg.scenarios)
    mp.undo()


def test_profiles_and_paper_settings():
    paper = profiles.resolve("yu2020", "paper")
    assert (paper.crop, paper.clip_frames, paper.search_frames, paper.train_width, paper.search_width) == \
        (112, 160, 128, 16, 8)
    assert (paper.lr, paper.weight_decay, paper.epochs, paper.search_epochs, paper.search_warmup) == \
        (1e-4, 5e-5, 15, 12, 5)
    assert paper.pool == "max" and paper.data_overrides == {} and paper.folds == 5
    with pytest.raises(ValueError, match="unknown settings"):
        profiles.resolve("yu2020", "smoke", widht=3)


def test_crops_folds_and_test_clips(data, cfg):
    n_frames = int(cfg.duration_s * cfg.fps)
    assert data.videos.shape == (cfg.n_subjects, 3, n_frames, cfg.crop, cfg.crop) and data.videos.dtype == np.uint8
    assert "codec" in data.source  # the book's overrides are named in the data source
    train, test = E.fold_split(data, cfg)
    assert not set(np.asarray(data.subjects)[train]) & set(np.asarray(data.subjects)[test])
    assert sorted([*train, *test]) == list(range(len(data)))
    clips, refs, video = E.test_clips(data, test, cfg)
    per = int(n_frames // round(cfg.test_clip_s * cfg.fps))
    assert clips.shape[2] == round(cfg.test_clip_s * cfg.fps) and len(clips) == per * len(test)
    assert set(video) == set(test)


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


def test_claims_follow_the_evidence():
    v = {x.claim.id: x.verdict for x in C.decide(_GOOD, cross=_CROSS)}
    assert set(v) == {c.id for c in C.CLAIMS} and set(v.values()) == {"reproduced"}
    # the other side of every rule
    flip = {"loss time": _errs(2), "loss frequency": _errs(5), "loss hybrid": _errs(6), "theta 0.2": _errs(4),
            "theta 1": _errs(4), "manual": _errs(2), "NAS varied, with TDC": _errs(1),
            "NAS shared, without TDC": _errs(1),
            "DA1": _errs(1), "DA1+DA2": _errs(5), "POS": _errs(1), "PhysNet": _errs(1)}
    w = {x.claim.id: x.verdict for x in C.decide({**_GOOD, **flip}, cross={**_CROSS, "PhysNet": _errs(1)})}
    assert set(w.values()) == {"contradicted"}, w


def test_claims_need_a_network_that_learned():
    flat = {k: (_errs(10) if k not in ("POS", "CHROM") else _errs(1)) for k in _GOOD}
    out = C.decide(flat, cross={k: _errs(10) for k in _CROSS})
    assert {x.verdict for x in out} == {"not testable here"}
    reason = {x.claim.id: x.reason for x in out}["hybrid-loss-best"]
    assert "MAE loss hybrid 10." in reason and "constant answer 10." in reason
    # too few test videos: not testable even when the network learned
    few = {k: v[:5] for k, v in _GOOD.items()}
    assert {x.verdict for x in C.decide(few)} == {"not testable here"}
    # a comparison whose runs were not made says which
    missing = {x.claim.id: x.reason for x in C.decide({k: v for k, v in _GOOD.items() if k != "DA1"})}
    assert "not run: DA1" in missing["da1-alone-hurts"]


def test_learned_precondition_both_sides():
    assert claims.learned_precondition({"a": 7.9}, 10.0, 10).ok
    no = claims.learned_precondition({"a": 8.1, "b": float("nan")}, 10.0, 10)
    assert not no.ok and "MAE a 8.10" in no.detail and "80%" in no.detail
    assert not claims.learned_precondition({"a": 1.0}, 10.0, 9).ok


def test_the_chapter_is_complete():
    from rppg_lib.homes import home, missing_pieces

    assert missing_pieces(home("yu2020")) == []
    assert dataclasses.fields(profiles.resolve("yu2020", "book"))


def test_prepare_real_reads_vipl_hr_in_its_layout(tmp_path, cfg):
    """Two subjects written in VIPL-HR's own layout (30 fps video, 60 Hz wave) come back as face crops at
    the profile's frame rate, with the reference resampled with them."""
    from rppg_lib.data import write_vipl_hr_recording
    from rppg_lib.synth import simulate

    recs = {}
    for subject in (1, 2):
        recs[subject] = simulate("vipl-like", seed=subject, subject=subject, duration_s=4.0, fps=20.0, width=160,
                                 height=120, face_px=70.0)
        write_vipl_hr_recording(tmp_path, recs[subject], subject=subject)
    small = dataclasses.replace(cfg, duration_s=3.0)
    data = E.prepare_real(tmp_path, small)
    assert data.source == "real: VIPL-HR" and sorted(data.subjects) == ["1", "2"]
    assert data.fps == pytest.approx(10.0) and data.videos.shape == (2, 3, 30, cfg.crop, cfg.crop)
    t = np.arange(30) / 10.0
    rec = recs[int(data.subjects[0])]
    np.testing.assert_allclose(data.ppg[0], np.interp(t, rec.timestamps - rec.timestamps[0], rec.ppg), atol=0.05)
