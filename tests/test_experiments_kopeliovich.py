"""Tests of rppg_lib.papers.kopeliovich2019.experiment (data building, caching, tables, camera transfer)."""
import numpy as np
import pandas as pd
import pytest
import torch

from rppg_lib.papers.kopeliovich2019 import experiment as K

FS = 15.0


def pulse_traces(hr_bpm, n_frames=1050, seed=0):
    """ROI traces (T, 6, 3): skin-coloured levels with a pulse of skin-like colour at ``hr_bpm``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / FS
    pulse = np.sin(2 * np.pi * hr_bpm / 60 * t)
    dc = np.array([180.0, 140.0, 120.0])
    ac = np.array([0.33, 0.77, 0.53]) * 0.5
    tr = dc[None, None, :] * (1 + 0.0003 * rng.standard_normal((n_frames, 6, 3)))
    return tr + ac[None, None, :] * pulse[:, None, None]


def make_video(camera, scenario, hr=72.0, n_frames=1050, seed=0):
    vid = f"{camera}_{scenario}_{seed}"
    return K.Video(vid, camera, scenario, f"subject{seed}", FS, pulse_traces(hr, n_frames, seed),
                   np.full(n_frames, hr), {"detection_rate": 1.0, "cached": True})


@pytest.fixture(scope="module")
def dataset():
    videos = [make_video(c, s, hr=60 + 10 * i, seed=i)
              for i, (c, s) in enumerate([(c, s) for c in K.CAMERAS for s in K.SCENARIOS])]
    return K.build_dataset(videos)


def test_session_seeds_are_distinct_and_validated():
    grid = K.video_grid(K.CAMERAS, range(8), range(6))
    assert len(grid) == 3 * 14
    specs = K.video_specs(grid + [("cam1", "stationary", 0, 1)], seed=3)
    assert len({s.seed for s in specs}) == len(specs)
    assert specs[-1].take == 1 and "take1" in specs[-1].video_id
    assert K.session_seed(0, "cam2", "mixed", 4) == 114
    with pytest.raises(ValueError):
        K.video_specs([("cam4", "stationary", 0)])
    with pytest.raises(ValueError):
        K.video_specs([("cam1", "walking", 0)])


def test_build_dataset_counts_and_parts(dataset):
    # 1050 frames -> (1050 - 64) // 10 + 1 = 99 windows: 69 train, 4 val (6 overlap train), 20 test
    c = dataset.counts
    assert (c.total == 99).all() and (c.train == 69).all() and (c.val == 4).all() and (c.test == 20).all()
    t1 = K.sample_counts(dataset)
    assert t1.loc["Cam1", "Stationary"] == "69 / 4 / 20"
    assert t1.loc["All", "Mixed Motion"] == "207 / 12 / 60"
    assert t1.loc["All", "Both"] == "414 / 24 / 120"
    cam2 = dataset.part("test", cameras=["cam2"])
    assert len(cam2) == 40 and set(dataset.info.loc[cam2.video.astype(str), "camera"]) == {"cam2"}
    mixed = dataset.part("train", scenarios=["mixed"])
    assert set(dataset.info.loc[mixed.video.astype(str), "scenario"]) == {"mixed"}
    subs = dataset.subsets("test")
    assert list(subs) == list(K.SUBSETS)
    assert len(subs["Stationary"]) + len(subs["Mixed Motion"]) == len(subs["Full test set"]) == 120


def test_simulated_video_is_cached_by_settings(tmp_path, monkeypatch):
    calls = []

    def fake_render(spec, duration_s, resolution_scale, detect_every, detect_width, overrides=None):
        calls.append((spec, duration_s, detect_every))
        n = int(duration_s * FS)
        return {"traces": pulse_traces(70.0, n), "hr": np.full(n, 70.0), "boxes": np.zeros((n, 4)), "fps": FS,
                "frame_shape": np.array([480, 640]), "detection_rate": 0.9, "render_s": 1.0, "extract_s": 0.5}

    monkeypatch.setattr(K, "_render", fake_render)
    spec = K.video_specs([("cam2", "mixed", 1)])[0]
    a = K.simulated_video(spec, duration_s=10, detect_every=5, cache_dir=tmp_path)
    b = K.simulated_video(spec, duration_s=10, detect_every=5, cache_dir=tmp_path)
    assert len(calls) == 1 and not a.meta["cached"] and b.meta["cached"]
    np.testing.assert_array_equal(a.traces, b.traces)
    assert b.meta["detection_rate"] == 0.9 and b.traces.shape == (150, 6, 3)
    K.simulated_video(spec, duration_s=10, detect_every=1, cache_dir=tmp_path)  # other settings: new key
    other = K.video_specs([("cam2", "mixed", 1)], seed=1)[0]
    K.simulated_video(other, duration_s=10, detect_every=5, cache_dir=tmp_path)  # other seed: new key
    assert len(calls) == 3 and len(list(tmp_path.glob("*.npz"))) == 3


def test_classical_baseline_finds_a_clean_pulse(dataset):
    table = K.classical_baseline(dataset, dataset.subsets("test"))
    assert list(table.index) == ["POS", "CHROM"]
    # 64-frame windows at 15 fps resolve the HR to a few bpm at worst
    assert (table[("Full test set", "MAE")] < 2.0).all()
    assert (table[("Full test set", "Cover")] > 85).all()


def test_constant_baseline(dataset):
    t = K.constant_baseline(dataset.splits["train"], dataset.subsets("test"))
    assert t.index[0] == "training mean (85.0 bpm)"  # six videos at 60..110 bpm, equal counts
    # test HRs are 60..110 in steps of 10: |error| 25, 15, 5, 5, 15, 25 -> MAE 15, none within 3 bpm
    assert t.loc[t.index[0], ("Full test set", "MAE")] == pytest.approx(15.0)
    assert t.loc[t.index[0], ("Full test set", "Cover")] == 0.0


def test_paper_numbers_are_consistent():
    t1 = K.paper_table("Table 1")
    for col in t1.columns:  # cameras add up to "All", scenarios to "Both"
        assert t1.loc[["Cam1", "Cam2", "Cam3"], col].sum() == t1.loc["All", col]
    for row in t1.index:
        for k in ("train", "val", "test"):
            assert t1.loc[row, f"Stationary {k}"] + t1.loc[row, f"Mixed Motion {k}"] == t1.loc[row, f"Both {k}"]
    assert K.paper_sample_counts().loc["All", "Both"] == "4456 / 321 / 1311"
    t2 = K.paper_table("Table 2")
    assert t2.shape == (4, 12) and t2.loc["CL+F", "Full test set MAE"] == 4.9 and t2.loc["SE", "Cam3 Cover"] == 9.0
    t3 = K.paper_table("Table 3")
    assert t3.shape == (6, 4) and t3.loc["(CL+F)2,3", "Cam1"] == 10.1
    with pytest.raises(KeyError):
        K.paper_table("Table 9")


def test_side_by_side_layout():
    paper = pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "y"])
    ours = pd.DataFrame({"a": [3.0, 4.0], "b": [0.0, 0.0]}, index=["y", "z"])
    t = K.side_by_side(ours, paper, "ours")
    assert list(t.columns) == [("a", "paper"), ("a", "ours")]
    assert list(t.index) == ["x", "y", "z"]
    assert t.loc["y", ("a", "ours")] == 3.0 and np.isnan(t.loc["x", ("a", "ours")])


def test_camera_transfer_trains_on_the_right_cameras(dataset, monkeypatch):
    seen = []

    class Const(torch.nn.Module):
        head, hr_min, hr_max, n_classes = "se", 40.0, 125.0, 128

        def __init__(self, value):
            super().__init__()
            self.value = value
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return torch.full((x.shape[0], 1), self.value) + 0 * self.w

    def fake_train(head, train, val, **kw):
        cams = sorted(set(dataset.info.loc[train.video.astype(str), "camera"]))
        vcams = sorted(set(dataset.info.loc[val.video.astype(str), "camera"]))
        seen.append((cams, vcams, len(train)))
        return Const(float(train.hr.mean())), None, 0.0

    monkeypatch.setattr(K, "train_model", fake_train)
    table, sizes, _, errors = K.camera_transfer(dataset, epochs=1)
    assert [s[0] for s in seen] == [["cam1"], ["cam2"], ["cam3"], ["cam1", "cam2"], ["cam1", "cam3"], ["cam2", "cam3"]]
    assert all(s[0] == s[1] for s in seen)  # validation from the same cameras
    assert sizes["(CL+F)1"] == 138 and sizes["(CL+F)1,2"] == 138  # two-camera sets halved
    # a constant model at the training mean of cam1 (60 and 70 bpm videos: 65) errs 5 bpm on cam1
    assert table.loc["(CL+F)1", "Cam1"] == pytest.approx(5.0)
    assert list(table.columns) == ["Cam1", "Cam2", "Cam3", "Full test set"]
    # per-window errors for the claims' "learned" preconditions: the model's and its own constant answer's
    assert set(errors) == set(table.index)
    e = errors["(CL+F)1"]
    assert e["model"]["Cam1"].shape == e["constant"]["Cam1"].shape == (40,)
    assert e["model"]["Cam1"].mean() == pytest.approx(table.loc["(CL+F)1", "Cam1"])
    np.testing.assert_allclose(e["model"]["Cam2"], e["constant"]["Cam2"])  # a constant model is its constant


def test_a_book_chapter_checkpoints_table3_and_the_data_curve_per_training(dataset, monkeypatch, tmp_path):
    """With the run's chapter (book profile) every Table 3 and data-curve training gets its own checkpoint folder
    of the run (camera subset; size, model and seed in the name)."""
    from rppg_lib.chapter import Chapter

    seen = []

    class Const(torch.nn.Module):
        head, hr_min, hr_max, n_classes = "se", 40.0, 125.0, 128

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return torch.full((x.shape[0], 1), 70.0) + 0 * self.w

    def fake_train(head, train, val, **kw):
        seen.append(kw["checkpoint_dir"])
        return Const(), None, 0.0

    monkeypatch.setattr(K, "train_model", fake_train)
    book = Chapter.start(K.KEY, "book", seed=0, device="cpu", results_dir=tmp_path)
    K.camera_transfer(dataset, epochs=1, chapter=book)
    K.data_curve(K.balanced_order(list(dataset.videos.values())), [2, 6], heads=("se", "clf"), seeds=(0, 1),
                 epochs=1, batch_size=64, max_lr=1e-3, chapter=book)
    assert len(seen) == 6 + 2 * 2 * 2 and len(set(seen)) == len(seen)
    assert all(d.parent == book.checkpoint_dir("x").parent for d in seen)
    assert seen[0].name == "table3-clf-softmax-cam1-seed0" and seen[3].name == "table3-clf-softmax-cam1+2-seed0"
    assert seen[-1].name == "curve-videos6-clf-seed1"


def test_osf_videos_normalise_names(tmp_path):
    from rppg_lib.data import write_kopeliovich_osf_recording
    from rppg_lib.record import Recording

    n = 700
    for i, (cam, scen) in enumerate([("Cam1", "Stationary"), ("Cam3", "MixedMotion")]):
        rec = Recording(fps=FS, timestamps=np.arange(n) / FS, traces=pulse_traces(80.0, n, i), hr=np.full(n, 80.0),
                        subject=f"s{i}", session=f"v{i}", camera=cam, scenario=scen)
        write_kopeliovich_osf_recording(tmp_path, rec)
    vids = K.osf_videos(tmp_path)
    assert [(v.camera, v.scenario) for v in vids] == [("cam1", "stationary"), ("cam3", "mixed")]
    assert vids[0].traces.shape == (n, 6, 3)
    ds = K.build_dataset(vids)
    assert len(ds.part("test", cameras=["cam3"])) == ds.counts.loc["v1", "test"] > 0


def test_train_model_and_metrics_shapes(dataset):
    train = dataset.splits["train"].subset(np.arange(0, 414, 8))  # 52 windows, 4 steps of 16
    model, res, secs = K.train_model("clf", train, dataset.splits["val"], epochs=1, batch_size=16)
    assert res.extra["max_lr_used"] == pytest.approx(5.8e-3) and secs > 0
    m = K.subset_metrics(model, dataset.subsets("test"))
    assert list(m.index) == list(K.SUBSETS) and m.loc["Full test set", "n"] == 120
    assert ((m["mae"] >= 0) & (m["cover_4cls"] <= 100)).all()
    pred = K.predictions(model, dataset.splits["test"])
    assert pred.shape == (120,) and ((pred >= 40) & (pred <= 125)).all()
    assert K.inference_latency(model, 1, repeats=3) > 0


def _ppg_video(camera, scenario, hr, seed, n_frames=1050, label_offset=0.0):
    """A video whose PPG beats at ``hr`` while its per-frame label is off by ``label_offset``."""
    v = make_video(camera, scenario, hr=hr, n_frames=n_frames, seed=seed)
    t = np.arange(n_frames) / FS
    v.ppg = np.sin(2 * np.pi * hr / 60 * t) + 0.2 * np.sin(4 * np.pi * hr / 60 * t)
    v.hr = v.hr + label_offset
    return v


def test_reference_hr_is_read_from_the_ppg_with_the_classical_estimator():
    """Issue 10: the reference is the HR an estimator reads from the window's own PPG, not the label mean."""
    videos = [_ppg_video("cam1", "stationary", 66.0, 0, label_offset=4.0),
              _ppg_video("cam2", "stationary", 90.0, 1, label_offset=-4.0)]
    videos.append(make_video("cam3", "stationary", hr=80.0, n_frames=1050, seed=2))  # no PPG: keeps its label
    ds = K.build_dataset(videos)
    test = ds.splits["test"]
    ref = K.reference_hr(ds, test)
    vid = test.video.astype(str)
    assert np.abs(ref[vid == videos[0].video_id] - 66.0).max() < 1.0
    assert np.abs(ref[vid == videos[1].video_id] - 90.0).max() < 1.0
    np.testing.assert_array_equal(ref[vid == videos[2].video_id], 80.0)
    pos = K.classical_predictions(ds, test)
    assert np.mean(np.abs(pos - ref)) < 2.0 < np.mean(np.abs(pos - test.hr))  # POS agrees with the PPG


def test_learning_record_has_the_keys_the_checks_read():
    videos = [_ppg_video(c, "stationary", hr, i) for i, (c, hr) in enumerate(zip(K.CAMERAS, (60.0, 80.0, 100.0)))]
    ds = K.build_dataset(videos)
    models = {name: [K.train_model(h, ds.splits["train"], ds.splits["val"], epochs=1, batch_size=32, seed=s)[0]
                     for s in (0, 1)] for h, name in K.MODEL_NAMES.items()}
    rec = K.learning_record(ds, models)
    assert rec["data"] == "kopeliovich preset"
    assert set(rec["models"]) == {"SE", "CE", "CL", "CL+F"}
    assert all(len(v) == 2 and all(np.isfinite(v)) for v in rec["models"].values())
    assert rec["constant_mae"] == pytest.approx(40 / 3, abs=1.0)  # |80 - 60|, 0, |80 - 100|
    assert rec["pos_mae"] < 2.0
    # one verdict of the one rule per model and seed, with its detail
    assert {k: len(v) for k, v in rec["learned"].items()} == dict.fromkeys(rec["models"], 2)
    assert all("constant answer" in d for v in rec["learned_detail"].values() for d in v)
    # POS per scenario on the same windows: all stationary here, so Mixed Motion has none
    assert rec["by_subset"]["Stationary"]["n"] == len(ds.splits["test"]) and rec["by_subset"]["Mixed Motion"]["n"] == 0
    assert rec["pos_by_subset"]["Stationary"] == pytest.approx(rec["pos_mae"])
    assert np.isnan(rec["pos_by_subset"]["Mixed Motion"])
    assert set(rec["label_mean"]) == {"constant_mae", "pos_mae", "video_mean_mae", "models"}
    # each video has one HR, so answering its own training mean is exact
    assert rec["label_mean"]["video_mean_mae"] == pytest.approx(0.0)


def _learning(models=None, constant=10.0, pos=12.0, stationary=(30, 11.0), mixed=(20, 13.5)):
    models = {"SE": [9.8, 10.2], "CL+F": [5.0, 5.5]} if models is None else models
    by = {k: {"n": n, "constant_mae": constant, "pos_mae": p, "models": {m: v for m, v in models.items()}}
          for k, (n, p) in (("Stationary", stationary), ("Mixed Motion", mixed))}
    return {"data": "kopeliovich preset", "constant_mae": constant, "pos_mae": pos, "video_mean_mae": 4.5,
            "models": models, "learned": {m: [np.mean(v) < 8 for _ in v] for m, v in models.items()},
            "by_subset": by, "pos_by_subset": {k: b["pos_mae"] for k, b in by.items()}}


def test_learning_table_and_texts_follow_the_record():
    rec = _learning()
    t = K.learning_table(rec)
    assert list(t.columns) == ["Full test set", "per seed", "Stationary (n=30)", "Mixed Motion (n=20)",
                               "learned (seeds, by the one rule)"]
    assert t.loc["CL+F", "per seed"] == "5.00, 5.50" and t.loc["CL+F", "learned (seeds, by the one rule)"] == "2 of 2"
    assert t.loc["POS (same windows)", "Mixed Motion (n=20)"] == "13.50"
    # the kopeliovich preset has no published anchor: said so, with POS per scenario
    text = K.data_difficulty_text(rec)
    assert "No published classical error" in text and "11.0 bpm on Stationary (30 windows)" in text
    assert "13.5 bpm on Mixed Motion" in text and "fidelity precondition cannot hold" in text
    assert "at its native frame size" in text
    assert "0.5 of its native" in K.data_difficulty_text(rec, resolution_scale=0.5)
    assert "paper's own colour signals" in K.data_difficulty_text(rec, real=True)
    # the compendium's target: at most 0.6 x the constant and below POS in every seed
    assert "is met" in K.learning_target_text(rec)
    assert "is not met" in K.learning_target_text(_learning({"CL+F": [5.0, 6.5]}))
    assert "is not met" in K.learning_target_text(_learning({"CL+F": [5.0, 5.5]}, constant=10.0, pos=5.2))


def test_ladder_steps_speak_the_shared_vocabulary():
    from rppg_lib.ladder import RUNGS

    assert all(rung in RUNGS and sessions in K.SESSIONS for rung, sessions in K.LADDER)
    assert K.LADDER[0][0] == "lossless, 2 % pulse, no noise" and K.LADDER[-1] == (K.TOP_RUNG, "") == ("look-alike", "")
    # every step below the top changes the data or cuts the sessions; no step twice
    assert all(RUNGS[r] or K.SESSIONS[s] for r, s in K.LADDER[:-1]) and len(set(K.LADDER)) == len(K.LADDER)


def test_run_ladder_tiny(tmp_path, monkeypatch):
    """The ladder renders each step's videos with its overrides and sessions and scores every model per seed."""
    from rppg_lib.ladder import COLUMNS, plot_ladder

    seen = []

    def fake_render(spec, duration_s, resolution_scale, detect_every, detect_width, overrides=None):
        seen.append((spec.camera, spec.scenario, dict(overrides or {})))
        n = int(duration_s * FS)
        hr = 60.0 + 10 * spec.subject
        t = np.arange(n) / FS
        return {"traces": pulse_traces(hr, n, spec.seed), "hr": np.full(n, hr), "boxes": np.zeros((n, 4)),
                "ppg": np.sin(2 * np.pi * hr / 60 * t), "fps": FS, "frame_shape": np.array([480, 640]),
                "detection_rate": 1.0, "render_s": 0.0, "extract_s": 0.0}

    monkeypatch.setattr(K, "_render", fake_render)
    rungs = (("lossless, no noise", "cam2, stationary scenario"), ("look-alike", ""))
    grid = [("cam1", "mixed", 0), ("cam3", "stationary", 2)]
    ladder = K.run_ladder(grid, rungs=rungs, heads=("se", "clf"), seeds=(0, 1), epochs=1, batch_size=32,
                          video_kwargs={"duration_s": 70.0, "cache_dir": tmp_path})
    clean = {"codec": None, "full_well_e": 0.0}
    assert seen[:2] == [("cam2", "stationary", clean), ("cam2", "stationary", clean)]
    assert seen[2:] == [("cam1", "mixed", {}), ("cam3", "stationary", {})]
    assert list(ladder.columns) == list(COLUMNS) and len(ladder) == 2 * (3 + 2 * 2)
    assert set(ladder.model) == {"POS", "constant", "per-video mean", "SE", "CL+F"}
    assert list(dict.fromkeys(zip(ladder.rung, ladder.sessions))) == list(rungs)
    assert (ladder.loc[ladder.model == "POS", "mae"] < 2.0).all() and np.isfinite(ladder.mae).all()
    assert ladder.learned[ladder.seed.isna()].isna().all() and ladder.learned[ladder.seed.notna()].notna().all()
    ax = plot_ladder(ladder)
    assert len(ax.get_xticklabels()) == 2
    with pytest.raises(ValueError, match="unknown sessions"):
        K.run_ladder(grid, rungs=(("look-alike", "nope"),), heads=("se",), epochs=1, batch_size=32)


def test_diverging_training_stops_with_epoch_and_learning_rate(dataset):
    from rppg_lib.papers.kopeliovich2019.training import TrainingDivergedError

    train = dataset.splits["train"].subset(np.arange(0, 414, 8))
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+, batch \d+, learning rate [0-9.e+]+"):
        K.train_model("ce", train, dataset.splits["val"], epochs=3, batch_size=16, max_lr=1e12)


def test_paper_pulse_amplitude_is_read_from_section_4_1_2():
    # 5e-3 is 5 % and 5e-2 is 50 % of the pulse amplitude: 0.1 both ways
    assert K.paper_pulse_amplitude() == pytest.approx(0.1)


def test_pulse_in_windows_measures_the_pulse_of_noise_free_twins(tmp_path):
    spec = K.video_specs([("cam2", "stationary", 0)], 0)[0]
    df = K.pulse_in_windows([spec], duration_s=5.0, resolution_scale=0.5, detect_every=5, cache_dir=tmp_path)
    assert len(df) == 18 and set(df["channel"]) == {"R", "G", "B"} and set(df["roi"]) == set(range(1, 7))
    green = df[df["channel"] == "G"].set_index("roi")
    # a still face, a 0.1-2 % pulse: a visible share of each scaled window, above the codec and sensor noise
    assert (green["pulse"] > 0.02).all() and (green["pulse"] < 1.0).all()
    assert (green["pulse"] > green["noise"]).all()
    assert len(list(tmp_path.glob("*.npz"))) == 1  # cached once per video
    again = K.pulse_in_windows([spec], duration_s=5.0, resolution_scale=0.5, detect_every=5, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(df, again)


def test_balanced_order_round_robins_camera_and_scenario():
    videos = [make_video(c, s, seed=j) for c in K.CAMERAS for s in K.SCENARIOS for j in range(2)]
    first = K.balanced_order(videos)[:6]
    assert {(v.camera, v.scenario) for v in first} == {(c, s) for c in K.CAMERAS for s in K.SCENARIOS}
    assert sorted(v.video_id for v in K.balanced_order(videos)) == sorted(v.video_id for v in videos)


def test_data_curve_trains_on_growing_subsets(dataset):
    videos = K.balanced_order(list(dataset.videos.values()))
    curve = K.data_curve(videos, [2, 6], heads=("se",), seeds=(0, 1), epochs=1, batch_size=64, max_lr=1e-3)
    assert len(curve) == 2 * 2 and list(curve.n_videos.unique()) == [2, 6]
    small, full = (curve[curve.n_videos == n].iloc[0] for n in (2, 6))
    assert full.n_train == len(dataset.splits["train"]) and small.n_train < full.n_train
    np.testing.assert_allclose(curve.ratio, curve.mae / curve.constant_mae)
    with pytest.raises(ValueError, match="between 1 and the 6 videos"):
        K.data_curve(videos, [7], epochs=1, batch_size=64, max_lr=1e-3)


def test_summary_text_concludes_from_the_verdicts_not_the_point_estimates():
    from rppg_lib.claims import Interval, decide
    from rppg_lib.papers.kopeliovich2019 import claims as KC

    # CL+F has the lower point estimate, but the verdict is inconclusive: the text must say so, not rank them
    verdicts = [decide(KC.CLF_IS_BEST, Interval(-0.5, -2.0, 1.0, "bootstrap")), decide(KC.CL_BEATS_CE, None)]
    learned = K.summary_text("sim", {"SE": 9.0, "CL+F": 4.0}, 10.0, 6.0, 3.0, {"SE": False, "CL+F": True},
                             verdicts=verdicts)
    assert "CL+F is the best model on the full test set: **inconclusive**" in learned
    assert "**not testable here**" in learned and "lowest" not in learned
    assert "CL+F 4.0" in learned and "CL+F learned: it reads the pulse" in learned
    curve = pd.DataFrame({"n_videos": [6, 6, 18, 18], "n_train": [400, 400, 1200, 1200],
                          "model": ["CL+F", "CL+F", "CL+F", "SE"], "ratio": [1.2, 1.0, 0.9, 5.0]})
    flat = K.summary_text("sim", {"SE": 9.8}, 10.0, 12.0, 5.0, {"SE": False}, {"stationary": 1.5, "mixed": 0.2},
                          curve, verdicts=verdicts)
    assert "No network learned" in flat and "1.5x the paper's in stationary" in flat
    assert "from 1.10 to 0.90 times" in flat and "400 to 1200 windows" in flat and "not a verdict" in flat
    assert "needs no pulse, gives 4.5 bpm" in K.summary_text("sim", {"SE": 9.8}, 10.0, 12.0, 5.0, {"SE": False},
                                                             video_mean_mae=4.5, verdicts=[])
