"""Tests of rppg_lib.papers.gideon2021.experiment (the Gideon & Stent 2021 chapter's experiment code)."""
import numpy as np
import pandas as pd
import pytest
import torch

from rppg_lib.clips import Clips
from rppg_lib.papers.gideon2021 import experiment as gx

FS = 15.0


def _sine(bpm, n=150, fs=FS, phase=0.0):
    t = np.arange(n) / fs
    return np.sin(2 * np.pi * bpm / 60.0 * t + phase)


def test_clip_table_hr_and_ppg_statistics():
    ref = np.stack([_sine(72), _sine(90)])
    pred = np.stack([_sine(72), _sine(90, phase=np.pi / 2)])  # second one a quarter period late
    tab = gx.clip_table(pred, ref, FS)
    assert np.allclose(tab.hr_ref, [72, 90], atol=0.5)
    assert np.allclose(tab.hr_pred, [72, 90], atol=0.5)
    assert tab.ppg_pc[0] > 0.99 and abs(tab.ppg_pc[1]) < 0.1  # Pearson collapses with a lag
    assert tab.ppg_mcc[1] > 0.8  # MCC does not
    assert tab.ppg_snr[0] > 10
    # MCC's lag: 0 for the aligned clip, a quarter period (1/6 s at 90 bpm) early for the other
    assert tab.ppg_lag_s[0] == 0 and tab.ppg_lag_s[1] == pytest.approx(-1 / 6, abs=1 / FS)


def test_summarise_known_errors():
    tab = pd.DataFrame({"hr_ref": [60.0, 80.0, 100.0], "hr_pred": [63.0, 76.0, 100.0],
                        "ppg_pc": [1, 0, 0.5], "ppg_mcc": [1, 1, 1], "ppg_snr": [0, 3, 6]})
    s = gx.summarise(tab)
    assert s["rmse"] == pytest.approx(np.sqrt((9 + 16) / 3))
    assert s["mae"] == pytest.approx(7 / 3)
    assert s["ppg_pc"] == pytest.approx(0.5) and s["ppg_snr"] == pytest.approx(3) and s["n_clips"] == 3


def test_baselines_predict_the_mean_and_median():
    ref = np.stack([_sine(b) for b in (60, 70, 110)])
    tab = gx.baseline_table(ref, FS, "mean")
    hr = tab.hr_ref.to_numpy()
    assert np.allclose(tab.hr_pred, hr.mean())
    s = gx.summarise(tab)
    assert s["rmse"] == pytest.approx(hr.std(), rel=1e-6)
    assert np.isnan(s["pc"])  # a constant prediction has no correlation
    assert np.allclose(gx.baseline_table(ref, FS, "median").hr_pred, np.median(hr))
    # the constant answer is the mean *training* HR, not the test clips' (the paper's baselines are oracles)
    const = gx.baseline_table(ref, FS, "constant", train_hr=[80.0, 100.0])
    assert np.allclose(const.hr_pred, 90.0)
    assert np.allclose(gx.abs_errors(const), np.abs(hr - 90.0))
    with pytest.raises(ValueError):
        gx.baseline_table(ref, FS, "constant")
    with pytest.raises(ValueError):
        gx.baseline_table(ref, FS, "mode")


def test_classical_baseline_recovers_a_clean_pulse():
    rng = np.random.default_rng(0)
    n = 150
    pulse = _sine(84, n)
    rgb = 100 + np.stack([0.3 * pulse, 0.8 * pulse, 0.5 * pulse], axis=-1) + 0.01 * rng.standard_normal((n, 3))
    tab = gx.classical_table(rgb[None], pulse[None], FS, "chrom")
    assert tab.hr_pred[0] == pytest.approx(84, abs=2)


def _patches(n, seconds=11.0, subjects=None, seed=0):
    """Pulsing-patch clips (:func:`gx.pulsing_patch_data`), optionally with shared subject ids."""
    data = gx.pulsing_patch_data(n, seconds=seconds, fs=FS, crop=16, seed=seed)
    if subjects is not None:
        data.subjects = list(subjects)
    return data


def test_split_and_cut_clips():
    data = _patches(10)
    train, val, test = gx.split_clips(data, 2, 3, seed=1)
    assert (len(train), len(val), len(test)) == (5, 2, 3)
    assert sorted(np.concatenate([train, val, test])) == list(range(10))
    with pytest.raises(ValueError):
        gx.split_clips(_patches(4), 2, 2)
    videos = np.arange(2 * 3 * 35 * 2 * 2).reshape(2, 3, 35, 2, 2)
    ppg = np.arange(70.0).reshape(2, 35)
    clips, refs, idx = gx.cut_clips(videos, ppg, 10)
    assert clips.shape == (6, 3, 10, 2, 2) and list(idx) == [0, 0, 0, 1, 1, 1]
    assert np.array_equal(refs[4], ppg[1, 10:20]) and np.array_equal(clips[4], videos[1, :, 10:20])


def test_offset_recordings_shift_the_reference_only():
    videos = np.zeros((2, 3, 60, 4, 4), np.uint8)
    ppg = np.arange(120.0).reshape(2, 60)
    same = gx.OffsetRecordings(videos, ppg, FS, 0.0)
    assert np.array_equal(same[1][1], ppg[1])
    ds = gx.OffsetRecordings(videos, ppg, FS, 2.0, seed=0)
    shifts = set()
    for _ in range(30):
        v, p = ds[0]
        assert v.shape == (3, 60, 4, 4)
        k = int(np.flatnonzero(p == 0)[0])  # where sample 0 went
        k = k if k <= 30 else k - 60
        assert abs(k) <= 30 and np.array_equal(p, np.roll(ppg[0], k))
        shifts.add(k)
    assert len(shifts) > 5  # a fresh offset per draw


def test_hr_change_quantiles_constant_and_ramp():
    fs, n = FS, int(40 * FS)
    t = np.arange(n) / fs
    const = np.sin(2 * np.pi * 1.2 * t)
    q = gx.hr_change_quantiles(const[None], fs, lags_s=(10,))
    assert q.loc[10, "q50"] < 0.5 and q.loc[10, "share_within_10bpm"] == 1.0
    bpm = 60 + 1.0 * t  # +1 bpm per second
    ramp = np.sin(2 * np.pi * np.cumsum(bpm / 60.0) / fs)
    q = gx.hr_change_quantiles(ramp[None], fs, lags_s=(10,))
    assert q.loc[10, "q50"] == pytest.approx(10, abs=1.5)


class _FixedSaliency(torch.nn.Module):
    """All the saliency mass in the top-left quarter of a 4x4 grid."""

    def forward(self, x):
        n, _, t = x.shape[:3]
        m = torch.zeros(n, t, 4, 4)
        m[:, :, :2, :2] = 0.25
        return x, m


def test_saliency_share_counts_mass_inside_the_box():
    clip = np.random.default_rng(0).integers(0, 255, (3, 6, 16, 16)).astype(np.uint8)
    out = gx.saliency_share(_FixedSaliency(), clip, (0, 0, 8, 8))
    assert out["mass_in_box"] == pytest.approx(1.0)
    assert out["area_share"] == pytest.approx(0.25)
    assert gx.saliency_share(_FixedSaliency(), clip, (8, 8, 8, 8))["mass_in_box"] == pytest.approx(0.0)


def test_run_model_both_kinds_end_to_end():
    data = _patches(4)
    split = gx.split_clips(data, 1, 1, 0)
    for kind, sal in (("supervised", False), ("contrastive", True)):
        r = gx.run_model(data, split, kind=kind, saliency=sal, width=4, epochs=1, seed=0)
        assert len(r["table"]) == 1 and r["pred"].shape == (1, 150)
        assert r["clips_per_s"] > 0 and r["epochs"] == 1 and (r["sampler"] is not None) == sal
    r = gx.run_model(data, split, kind="supervised", loss="pearson", max_offset_s=2.0, width=4, epochs=1)
    assert np.isfinite(r["summary"]["rmse"])
    with pytest.raises(ValueError):
        gx.run_model(data, split, kind="nope", epochs=1)



def test_offset_runs_reuse_the_main_run_at_offset_zero_and_train_the_rest():
    from types import SimpleNamespace

    data = _patches(4)
    split = gx.split_clips(data, 1, 1, 0)
    cfg = SimpleNamespace(offset_max_s=[0, 2.0], offset_losses=["mcc"], offset_epochs=1, epochs_supervised=1,
                          seeds=[0], width=4, lr=1e-3, batch_size=4, threads=1)
    table = pd.DataFrame({"recording": [0], "hr_ref": [70.0], "hr_pred": [73.0]})
    main = {"name": "Supervised", "seed": 0, "table": table, "summary": {"rmse": 3.0}, "clips_per_s": 9.0}
    long, zero_errors = gx.offset_runs(data, split, cfg, [main], seed=0)
    assert list(long["O_max (s)"]) == [0, 2.0] and list(long.loss) == ["mcc", "mcc"]
    assert long.rmse.iloc[0] == 3.0 and long.clips_per_s.iloc[0] == 9.0  # the main run, not retrained
    assert np.isfinite(long.rmse.iloc[1]) and long.clips_per_s.iloc[1] > 0
    np.testing.assert_allclose(zero_errors, [3.0])

def test_rung_extra_drops_what_the_preset_already_is():
    """ubfc-like and pure-like are lossless: "lossless, 2 % pulse" renders the same frames as "2 % pulse", so
    the two rungs share their sessions; cohface-like is MPEG-4, where "lossless" changes the data."""
    from rppg_lib.ladder import RUNGS

    assert gx.rung_extra("ubfc-like", "look-alike") == {}
    assert gx.rung_extra("ubfc-like", "lossless, 2 % pulse") == gx.rung_extra("ubfc-like", "2 % pulse") == \
        {"pulse_amplitude": 0.02}
    assert gx.rung_extra("cohface-like", "lossless, 2 % pulse", ("studio", "natural")) == RUNGS["lossless, 2 % pulse"]
    with pytest.raises(ValueError, match="unknown rung"):
        gx.rung_extra("ubfc-like", "clean")


def test_lookalike_data_cuts_subjects_and_reduces_after_decoding(tmp_path, monkeypatch):
    """The chapter's data are the core's look-alike clips: native sessions, crops and frame rate reduced after
    decoding; an easy rung says so in its source and has no fidelity entry (no claim is decided on it)."""
    from rppg_lib.clips import fidelity

    monkeypatch.setenv("RPPG_CACHE", str(tmp_path))
    d = gx.lookalike_data("ubfc-like", "smoke", crop=16, fps=15.0, n_subjects=2, duration_s=4.0)
    assert d.videos.shape == (2, 3, 60, 16, 16) and d.fps == 15.0 and d.extra == {}
    assert d.subjects == ["ubfc-like-s00", "ubfc-like-s01"] and "ubfc-like look-alike" in d.source
    assert set(fidelity(d, "ubfc-like")) >= {"POS", "CHROM"}
    easy = gx.lookalike_data("ubfc-like", "smoke", crop=16, fps=15.0, n_subjects=1, duration_s=4.0,
                             rung="2 % pulse")
    assert easy.extra == {"pulse_amplitude": 0.02} and "2 % pulse" in easy.source
    assert fidelity(easy, "ubfc-like") == {}


def test_flash_boxes_map_the_block_into_the_crop():
    from rppg_lib.lookalike import lookalike

    look = lookalike("ubfc-like", "smoke", n_subjects=1, duration_s=2.0)
    (b,) = gx.flash_boxes(look, 16, {"flash_block": True, "flash_size": 0.4})
    x, y, w, h = b["box"]
    assert 60 <= b["flash_bpm"] <= 180
    # the block sits in the window's top-left corner, the crop around the face: it starts left of and above
    # the crop and reaches into it
    assert x < 0 and y < 0 and x + w > 0 and y + h > 0 and w > 0 and h > 0


def test_prepare_ubfc_reads_the_real_layout(tmp_path):
    from rppg_lib.data import write_ubfc_rppg_recording
    from rppg_lib.synth import simulate

    for s in range(2):
        rec = simulate("ubfc-like", seed=0, subject=s, duration_s=3.0, width=160, height=120, face_px=60.0)
        write_ubfc_rppg_recording(tmp_path, rec, subject=s + 1)
    data = gx.prepare_ubfc(tmp_path, 2, seconds=2.0, fps=15.0, crop=16)
    assert isinstance(data, Clips) and data.source == "real: UBFC-rPPG" and data.fps == 15.0
    assert data.videos.shape == (2, 3, 30, 16, 16) and data.ppg.shape == (2, 30)
    assert np.isfinite(data.ppg).all() and data.videos.std() > 0


def test_split_by_subject_keeps_every_recording_of_a_subject_together():
    subjects = [f"subject{s}" for _ in range(3) for s in range(6)]  # 3 tasks x 6 subjects
    train, val, test = gx.split_by_subject(subjects, 1, 2, seed=3)
    assert sorted(np.concatenate([train, val, test])) == list(range(18))
    sides = [{subjects[i] for i in part} for part in (train, val, test)]
    assert [len(x) for x in sides] == [3, 1, 2]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert len(test) == 6 and len(val) == 3  # all three tasks of each held-out subject
    assert [list(x) for x in gx.split_by_subject(subjects, 1, 2, seed=3)] == [list(train), list(val), list(test)]
    with pytest.raises(ValueError):
        gx.split_by_subject(subjects, 3, 3)


def test_table3_runs_on_subjects_with_two_tasks():
    data = _patches(6, subjects=[f"subject{s}" for _ in range(2) for s in range(3)])
    split = gx.split_clips(data, 1, 1, 0)
    assert len(split[2]) == 2 and len({data.subjects[i] for i in split[2]}) == 1  # both tasks of one subject
    per_run, runs = gx.table3_runs(data, split, seeds=[0], epochs_supervised=1, epochs_contrastive=1, width=4)
    assert list(per_run.method) == ["Mean", "Median", "Constant", "POS (classical)", "CHROM (classical)",
                                    "Supervised", "Contrastive"]
    assert (per_run.n_clips == 2).all() and len(runs) == 2 and np.isfinite(per_run.rmse).all()
    assert per_run.learned.iloc[-1] in (True, False)  # by the one rule (2 clips: never enough to learn)
    assert not per_run.learned.iloc[-1]
    paper = pd.DataFrame({"table": ["Table 3"] * 2, "row": ["Mean", "Supervised"],
                          "column": ["PURE RMSE", "PURE RMSE"], "value": [16.0, 2.6]})
    both = gx.table3_with_paper({"pure-like": per_run}, paper)
    assert both.loc[("pure-like", "Supervised"), "paper RMSE"] == "2.6"
    assert both.loc[("pure-like", "POS (classical)"), "paper RMSE"] == "–"
    assert both.loc[("pure-like", "Mean"), "ours RMSE"] == f"{per_run.rmse[0]:.2f}"
    entry = gx.learning_entry(data, split, runs, "pure-like look-alike")
    assert entry["data"] == "pure-like look-alike" and entry["n_clips"] == 2
    assert set(entry["models"]) == {"Supervised", "Contrastive"} and len(entry["models"]["Supervised"]) == 1
    assert entry["models"]["Supervised"][0] == pytest.approx(per_run.mae.iloc[-2])
    assert entry["constant_mae"] == pytest.approx(per_run.mae[2]) and entry["learned"]["Contrastive"] == [False]
    assert entry["mean_baseline_rmse"] == pytest.approx(per_run.rmse[0])


def test_simulated_label_is_the_blood_volume_pulse_in_phase_with_the_video(tmp_path, monkeypatch):
    """Issue 10 (the supervised PPG correlated at -0.36 with its label): the label is not shifted
    against the video. It is the blood-volume pulse (systolic peak up) and the skin darkens as it
    rises, so the colour signal (POS) is the label inverted at lag 0, not at some other lag. A
    negative PC of a trained model is then the model's own lag, which MCC does not penalise."""
    from rppg_lib import methods

    monkeypatch.setenv("RPPG_CACHE", str(tmp_path))
    data = gx.lookalike_data("ubfc-like", "smoke", crop=16, fps=15.0, n_subjects=2, duration_s=8.0,
                             rung="lossless, 2 % pulse, no noise", extra={"illum_steps_per_min": 0.0})
    for rgb, ppg in zip(data.rgb, data.ppg):
        pos = methods.METHODS["pos"](rgb, data.fps)
        lags = range(-3, 4)
        corr = [np.corrcoef(pos[max(k, 0):len(pos) + min(k, 0)], ppg[max(-k, 0):len(ppg) + min(-k, 0)])[0, 1]
                for k in lags]
        assert corr[3] < -0.7 and int(np.argmin(corr)) == 3  # strongest (inverted) at lag 0
        assert gx.ppg_lag(-pos, ppg, data.fps)[0] == 0


def test_learning_ladder_at_tiny_size(tmp_path, monkeypatch):
    """Rungs of the core's ladder vocabulary: "lossless, 2 % pulse" is the same data as "2 % pulse" on the
    lossless ubfc-like, so it is neither rendered nor trained twice."""
    import matplotlib

    from rppg_lib.ladder import COLUMNS, RUNGS, plot_ladder

    matplotlib.use("Agg")
    monkeypatch.setenv("RPPG_CACHE", str(tmp_path))
    rungs = ("lossless, 2 % pulse", "2 % pulse")
    assert set(rungs) < set(RUNGS) and list(RUNGS)[-1] == "look-alike"
    lad = gx.learning_ladder("ubfc-like", "smoke", crop=16, fps=15.0, n_val=1, n_test=1, rungs=rungs,
                             seeds=(0,), epochs_supervised=1, epochs_contrastive=1, windows=("hann", None), width=4)
    assert list(lad.columns) == list(COLUMNS) and list(dict.fromkeys(lad.rung)) == list(rungs)
    assert sorted(lad.model.unique()) == ["Contrastive", "Contrastive (no window)", "POS", "Supervised", "constant"]
    assert len(lad) == 2 * 5 and lad.mae.notna().all() and (lad["items"] == 1).all()
    same = lad[lad.rung == "2 % pulse"]
    assert same.mae.tolist() == lad[lad.rung == "lossless, 2 % pulse"].mae.tolist()
    assert (same[same.seed.notna()].seconds == 0).all()  # not trained again
    assert len(list((tmp_path / "clips" / "sessions").glob("*.npz"))) == 3  # one data set of 3 subjects
    assert not lad[lad.seed.notna()].learned.any()  # 1 test clip: never enough to call a network learned
    ax = plot_ladder(lad, title="tiny")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(rungs)  # "2 % pulse" keeps its "2"


def test_main_table_and_paper_columns():
    runs = []
    refs = np.stack([np.sin(2 * np.pi * 1.2 * np.arange(150) / 15.0)] * 3)
    for seed, hr_pred in ((0, 72.0), (1, 74.0)):
        table = pd.DataFrame({"recording": [0], "hr_ref": [72.0], "hr_pred": [hr_pred],
                              "ppg_pc": [0.5], "ppg_mcc": [0.6], "ppg_snr": [1.0]})
        runs.append({"name": "Supervised", "seed": seed, "summary": gx.summarise(table), "table": table})
    clips = np.full((3, 3, 150, 4, 4), 100.0) + np.random.default_rng(0).normal(0, 1, (3, 3, 150, 4, 4))
    data = Clips(clips.astype(np.uint8), refs, 15.0, ["a", "b", "c"], "test", [{"hr_mean": 72.0}] * 3)
    per_run, agg = gx.main_table(runs, data, (np.array([0]), np.array([1]), np.array([2])))
    assert list(agg.index) == ["Mean", "Median", "Constant", "POS (classical)", "CHROM (classical)", "Supervised"]
    assert agg.loc["Supervised", ("mae", "mean")] == 1.0 and agg.loc["Supervised", ("runs", "n")] == 2
    paper = pd.DataFrame({"table": ["Table 3"], "row": ["Supervised"], "column": ["UBFC MAE"], "value": [3.7]})
    side = gx.with_paper_columns(agg, paper, "Table 3", "UBFC", [("mae", "MAE")])
    assert side.loc["Supervised", "paper MAE"] == 3.7 and side.loc["Mean", "paper MAE"] == "–"
    assert side.loc["Supervised", "ours MAE"].startswith("1.00 ± ")


def test_book_profile_keeps_the_lookalike_and_the_budget_it_needs_to_learn():
    """Guards of issue 10 and 20. At lr 3e-3 contrastive training oscillated and learned in 11 of 15 seeds on the
    earlier, easier data (14 of 15 at 1e-3). On the ubfc-like look-alike the supervised control learned in 0 of 3
    seeds at 25 epochs and 2 of 3 at 80: fewer epochs than the paper's 100 bring back a control that has not
    learned, and every claim becomes untestable. The data are the look-alikes, cut only in subjects."""
    from rppg_lib.ladder import RUNGS
    from rppg_lib.lookalike import LOOKALIKES
    from rppg_lib.papers.gideon2021.settings import SETTINGS

    book = SETTINGS["book"]
    assert book.lr <= 1e-3, f"book lr {book.lr:g}: contrastive learned in 11 of 15 seeds at 3e-3, 14 of 15 at 1e-3"
    assert book.epochs_supervised >= 100 and book.epochs_contrastive >= 100
    for name, cfg in SETTINGS.items():
        assert cfg.lookalike == name and cfg.preset in LOOKALIKES[name]
        assert set(cfg.t3_presets) <= set(LOOKALIKES[name]) and set(cfg.ladder_rungs) <= set(RUNGS)
        assert cfg.ladder_rungs[-1] == "look-alike"
        assert not {"frame_size", "face_px", "pulse_amplitude", "duration_s"} & set(vars(cfg))


def test_clip_hr_is_the_papers_highest_peak_not_the_harmonic_check():
    """Sec. 3.5: HR is the highest spectral peak. A nuisance at half the pulse rate holding a third of its
    power must not be taken for the fundamental (the shared estimator's harmonic check would)."""
    from rppg_lib import signal as sig
    from rppg_lib.papers.gideon2021 import experiment as G

    fs = 15.0
    t = np.arange(150) / fs
    pulse = np.sin(2 * np.pi * 84 / 60 * t)
    x = pulse + np.sqrt(0.35) * np.sin(2 * np.pi * 42 / 60 * t)
    assert sig.estimate_hr(x, fs, G.BAND) == pytest.approx(42, abs=1.5)  # the shared default halves it
    table = G.clip_table(x[None], pulse[None], fs)
    assert table.hr_pred.iloc[0] == pytest.approx(84, abs=1.0)
    assert table.hr_ref.iloc[0] == pytest.approx(84, abs=1.0)


def test_a_book_chapter_checkpoints_every_sweep_training_in_its_own_folder(tmp_path, monkeypatch):
    """Fig. 5 and Table 7 with the run's chapter: each trained setting gets its own checkpoint folder of the run
    (offset, loss, w_s, w_t in the name); the reused main runs train nothing; at the smoke profile none."""
    from types import SimpleNamespace

    from rppg_lib.chapter import Chapter

    seen = []

    def fake_run_model(data, split, **kw):
        seen.append(kw["checkpoint_dir"])
        table = pd.DataFrame({"recording": [0], "hr_ref": [70.0], "hr_pred": [71.0]})
        return {"table": table, "summary": {"rmse": 1.0, "mae": 1.0, "pc": 0.5}, "clips_per_s": 1.0,
                "sampler": None, "clips": [None]}

    monkeypatch.setattr(gx, "run_model", fake_run_model)
    monkeypatch.setattr(gx, "saliency_share", lambda sampler, clip, box: {"map": np.zeros((2, 2))})
    cfg = SimpleNamespace(offset_max_s=[0, 2.0], offset_losses=["mcc", "pearson"], offset_epochs=1,
                          epochs_supervised=1, seeds=[0], saliency_seeds=[0], t7_grid=[(0, 0), (0, 0.1), (1, 1)],
                          t7_epochs=1, epochs_contrastive=1, width=4, lr=1e-3, batch_size=4, threads=1)
    table = pd.DataFrame({"recording": [0], "hr_ref": [70.0], "hr_pred": [73.0]})
    main = [{"name": "Supervised", "seed": 0, "table": table, "summary": {"rmse": 3.0}, "clips_per_s": 9.0},
            {"name": "Contrastive + saliency", "seed": 0, "table": table, "sampler": None, "clips": [None],
             "summary": {"rmse": 3.0, "mae": 3.0, "pc": 0.1}}]
    book = Chapter.start(gx.KEY, "book", seed=0, device="cpu", results_dir=tmp_path)
    gx.offset_runs(None, None, cfg, main, seed=0, chapter=book)
    gx.regulariser_sweep(None, None, cfg, main, seed=0, chapter=book)
    assert len(seen) == 3 + 2  # offset 0 with MCC and (w_s, w_t) = (1, 1) reuse the main runs
    assert len(set(seen)) == len(seen)  # distinct trainings, distinct folders
    assert all(d.parent == book.checkpoint_dir("x").parent for d in seen)
    assert {d.name for d in seen} == {"fig5-offset0s-pearson-seed0", "fig5-offset2s-mcc-seed0",
                                      "fig5-offset2s-pearson-seed0", "table7-ws0-wt0-seed0", "table7-ws0-wt0.1-seed0"}
    seen.clear()
    smoke = Chapter.start(gx.KEY, "smoke", seed=0, device="cpu", results_dir=tmp_path)
    gx.offset_runs(None, None, cfg, main, seed=0, chapter=smoke)
    assert seen == [None, None, None]


class _KilledNet(torch.nn.Module):
    """(N, C, T, H, W) -> (N, T): a 1x1x1 convolution, averaged over the frame; raises on forward pass
    ``kill_at`` (a run killed mid-training)."""

    def __init__(self, kill_at=0):
        super().__init__()
        self.conv = torch.nn.Conv3d(3, 1, 1)
        self.kill_at, self.calls = kill_at, 0

    def forward(self, x):
        self.calls += 1
        if self.calls == self.kill_at:
            raise KeyboardInterrupt
        return self.conv(x).mean(dim=(3, 4))[:, 0]


def test_an_offset_training_resumes_to_the_weights_of_an_uninterrupted_one(tmp_path):
    """Fig. 5's recordings draw a fresh offset per item: their generator is saved with the checkpoints, so a
    killed offset training, rerun, ends with the weights of an uninterrupted one; fingerprinting them draws
    nothing."""
    from rppg_lib.train.contrastive import train_supervised
    from rppg_lib.train.loop import data_fingerprint

    data = _patches(4)

    def fit(folder, kill_at=0):
        torch.manual_seed(0)
        model = _KilledNet(kill_at)
        recordings = gx.OffsetRecordings(data.videos, data.ppg, FS, 2.0, seed=3)
        train_supervised(model, recordings, fs=FS, epochs=3, lr=1e-2, batch_size=2, clip_seconds=4.0, seed=0,
                         device="cpu", progress=False, checkpoint_dir=folder)
        return model.state_dict()

    offsets = gx.OffsetRecordings(data.videos, data.ppg, FS, 2.0, seed=3)
    state = offsets.rng.bit_generator.state
    assert data_fingerprint(offsets) == data_fingerprint(gx.OffsetRecordings(data.videos, data.ppg, FS, 2.0, seed=3))
    assert data_fingerprint(offsets) != data_fingerprint(gx.OffsetRecordings(data.videos, data.ppg, FS, 4.0, seed=3))
    assert offsets.rng.bit_generator.state == state  # nothing drawn
    full = fit(tmp_path / "full")
    with pytest.raises(KeyboardInterrupt):
        fit(tmp_path / "cut", kill_at=5)  # 2 batches per epoch: killed in the third epoch
    assert (tmp_path / "cut" / "resume.pt").exists()
    resumed = fit(tmp_path / "cut")
    assert all(torch.equal(full[k], resumed[k]) for k in full)
