"""The benchmark chapter's home: table layout, run-record keys, the ranking test and its claims."""
import numpy as np
import pandas as pd
import pytest

from rppg_lib import profiles
from rppg_lib.foundations.benchmark import claims
from rppg_lib.foundations.benchmark import experiment as exp

METHODS = list(exp.CLASSICAL)


def _table(n_videos=10, seed=0, offsets=None):
    """A long HR table as benchmark_table builds it: two presets, two windows per video, each method erring by
    its own offset (POS smallest, GREEN largest) plus noise."""
    rng = np.random.default_rng(seed)
    offsets = offsets or {"GREEN": 12.0, "ICA": 6.0, "CHROM": 3.0, "POS": 1.0, "LGI": 4.0, "PBV": 5.0}
    rows = []
    for v in range(n_videos):
        preset = "ubfc-like" if v % 2 else "cohface-like"
        head = {"preset": preset, "video": f"{preset}/s{v:02d}/default", "scenario": "default",
                "motion": "still" if v % 2 else "translation",
                "compression": "lossless" if v % 2 else "mpeg4 q 24", "face size (px)": 170.0,
                "skin type": 1 + v % 6, "bitrate (kbps)": np.nan if v % 2 else 900.0}
        for k in range(2):
            ref = 60 + 5 * v + k
            for m, off in offsets.items():
                rows.append({**head, "method": m, "window": k, "t_s": 15.0 + 30 * k,
                             "hr_est": ref + off + rng.normal(0, 0.5), "hr_ref": float(ref)})
    return pd.DataFrame(rows)


def test_settings_resolve_and_state_the_protocol():
    cfg = profiles.resolve("benchmark", "smoke")
    text = exp.protocol_text(cfg)
    assert f"{cfg.window_s:g} s every {cfg.step_s:g} s" in text
    assert f"{cfg.band_bpm[0]:g}-{cfg.band_bpm[1]:g} bpm" in text


def test_per_video_errors_keep_lossless_videos_and_drop_failed_ones():
    table = _table()
    per_video = exp.video_errors(table)
    assert per_video.video.nunique() == 10  # NaN bitrate (lossless) must not drop a video
    assert set(per_video.method) == set(METHODS)
    failed = table.copy()
    failed.loc[(failed.video == "ubfc-like/s01/default") & (failed.method == "ICA"), "hr_est"] = np.nan
    pv = exp.video_errors(failed)
    assert pv.attrs["dropped_videos"] == ["ubfc-like/s01/default"]
    assert "ubfc-like/s01/default" not in set(pv.video)  # dropped for every method, not only ICA


def test_summary_table_layout_and_interval():
    summary = exp.summary_table(_table())
    assert summary.index.names == ["preset", "method"]
    assert list(summary.columns) == ["videos", "windows", "MAE", "MAE low", "MAE high", "RMSE", "r", "within 5 bpm"]
    row = summary.loc[("ubfc-like", "GREEN")]
    assert row["videos"] == 5 and row["windows"] == 10
    assert row["MAE low"] <= row["MAE"] <= row["MAE high"]
    assert row["MAE"] == pytest.approx(12.0, abs=0.5)
    assert summary.loc[("ubfc-like", "POS"), "within 5 bpm"] == 1.0


def test_factor_table_counts_videos_per_level():
    t = exp.factor_table(exp.video_errors(_table()), "motion")
    assert list(t.index) == ["still", "translation"]
    assert t.loc["still", "videos"] == 5
    assert t.loc["still", "GREEN"] > t.loc["still", "POS"]


def test_holm_adjustment():
    assert np.allclose(exp.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.allclose(exp.holm([0.5, 0.9]), [1.0, 1.0])


def test_friedman_finds_a_real_ranking_and_not_a_tie():
    ranked = exp.friedman_test(exp.video_errors(_table(n_videos=12)), METHODS)
    assert ranked["videos"] == 12 and ranked["p"] < 1e-6
    assert ranked["mean_ranks"].index[0] == "POS" and ranked["mean_ranks"].index[-1] == "GREEN"
    pair = ranked["pairs"].set_index(["a", "b"]).loc[("GREEN", "POS")]
    assert pair["differs"] and pair["p (Holm)"] >= pair["p"]
    same = {m: 3.0 for m in METHODS}
    tie = exp.friedman_test(exp.video_errors(_table(n_videos=12, offsets=same, seed=1)), METHODS)
    assert tie["p"] > 0.05
    assert not tie["pairs"]["differs"].any()


def test_record_keys_the_checks_read():
    table = _table()
    per_video = exp.video_errors(table)
    summary = exp.summary_table(table, per_video)
    real = pd.DataFrame({"region": ["forehead", "cheek"], "seconds": [30.0, 30.0], "fps": [15.0, 15.0],
                         "gt_hr": [80.0, 70.0], "POS": [82.0, 75.0], "CHROM": [80.0, 90.0]},
                        index=pd.Index(["India/video1_forehead", "India/video1_leftcheek"], name="clip"))
    costs = pd.DataFrame({"kind": "classical", "parameters": 0, "latency per 10-s clip (ms)": 20.0,
                          "real-time factor": 500.0}, index=pd.Index(METHODS, name="method"))
    status = pd.DataFrame({"status": ["not stored"]}, index=pd.Index(["yu2020-physnet"], name="model"))
    factors = {f: exp.factor_table(per_video, f) for f in exp.FACTORS}
    m = exp.record_metrics(summary, real, costs, exp.friedman_test(per_video, METHODS), factors, status)
    assert set(m["benchmark"]) == {"ubfc-like", "cohface-like"}
    assert set(m["benchmark"]["ubfc-like"]["POS"]) >= {"mae", "rmse", "n"}
    assert m["benchmark"]["ubfc-like"]["POS"]["n"] == 5
    assert m["sim_to_real"]["POS"] == {"mae": 3.5, "n": 2}
    assert m["sim_to_real"]["CHROM"]["mae"] == 10.0
    assert m["cost"]["POS"] == {"params": 0, "latency_s_per_10s": 0.02, "real_time_factor": 500.0}
    assert m["training"] == {}
    training = pd.DataFrame({"batch": [4], "s per step": [0.5], "clips/s": [8.0]},
                            index=pd.Index(["yu2020-physnet"], name="method"))
    m = exp.record_metrics(summary, real, costs, exp.friedman_test(per_video, METHODS), factors, status, training)
    assert m["training"] == {"yu2020-physnet": {"batch": 4, "s_per_step": 0.5, "clips_per_s": 8.0}}


def test_claims_decide_on_synthetic_results():
    table = _table(n_videos=20)
    per_video = exp.video_errors(table)
    throughput = pd.DataFrame({"frames/s": [200.0, 20.0, 45.0]},
                              index=["decode only", "decode + detect every frame + 6 ROIs", claims.PREDICT_PIPELINE])
    real = pd.DataFrame({"gt_hr": [80.0] * 4, "POS": [82.0] * 4})
    verdicts = {v.claim.id: v for v in claims.decide(per_video=per_video,
                                                     friedman=exp.friedman_test(per_video, METHODS),
                                                     throughput=throughput, real=real, network_names=[])}
    assert set(verdicts) == {c.id for c in claims.CLAIMS}
    assert verdicts["pos-beats-green-on-still-lossless"].verdict == "reproduced"  # 10 still, lossless videos
    assert verdicts["classical-methods-err-differently"].verdict == "reproduced"
    assert verdicts["predict-front-end-real-time"].verdict == "reproduced"  # 45 / 30 >= 1
    assert verdicts["network-reads-real-skin"].verdict == "not testable here"  # no stored network, 4 clips
    few = claims.decide(per_video=exp.video_errors(_table(n_videos=6)), friedman=exp.friedman_test(
        exp.video_errors(_table(n_videos=6)), METHODS), throughput=throughput.assign(**{"frames/s": 10.0}),
        real=real, network_names=[])
    by_id = {v.claim.id: v.verdict for v in few}
    assert by_id["pos-beats-green-on-still-lossless"] == "not testable here"  # 3 videos < MIN_VIDEOS
    assert by_id["predict-front-end-real-time"] == "contradicted"
    tie = exp.video_errors(_table(n_videos=12, offsets={m: 3.0 for m in METHODS}, seed=1))
    same = claims.decide(per_video=tie, friedman=exp.friedman_test(tie, METHODS), throughput=throughput,
                         real=real, network_names=[])
    assert {v.claim.id: v.verdict for v in same}["classical-methods-err-differently"] == "inconclusive"


def test_toolbox_reference_comes_from_numbers_csv():
    assert claims.toolbox_worst_mae() == pytest.approx(4.39)


@pytest.mark.usefixtures("one_torch_thread")
def test_a_stored_network_joins_the_benchmark_and_a_missing_one_names_its_run(tmp_path):
    import torch

    from rppg_lib import model_store as ms
    from rppg_lib.models import PhysNetUpsample

    torch.manual_seed(0)
    ms.save_model("gideon2021", "gideon2021-contrastive", PhysNetUpsample(3, 4),
                  builder="rppg_lib.models:PhysNetUpsample",
                  builder_kwargs={"in_channels": 3, "width": 4}, profile="smoke", data="simulated: ubfc-like",
                  metrics={"test_mae": 7.0}, results_dir=tmp_path,
                  input_spec={"kind": "face_crops", "frame_size": 16, "fps": 15.0, "clip_frames": 60})
    models, status = exp.network_models(tmp_path)
    assert [m.name for m in models] == ["gideon2021-contrastive"]
    assert status.loc["gideon2021-contrastive", "status"] == "used"
    assert status.loc["yu2020-physnet", "status"].startswith("not stored")
    assert status.loc["yu2020-physnet", "written by"] == "rppg run yu2020 --profile book"

    rng = np.random.default_rng(0)
    fs, n = 30.0, 240
    t = np.arange(n) / fs
    ppg = np.sin(2 * np.pi * 1.25 * t)
    session = {"fps": fs, "ppg": ppg, "toolbox": 120 + ppg[:, None] * [0.2, 0.5, 0.3] + rng.normal(0, 0.05, (n, 3)),
               "crops": rng.integers(90, 160, (n, 64, 64, 3), dtype=np.uint8)}
    rows = pd.DataFrame(exp.video_rows(session, 4.0, 4.0, (42.0, 240.0), models))
    assert set(rows.method) == {*METHODS, "gideon2021-contrastive"}
    assert (rows.groupby("method").size() == 2).all()  # two 4-s windows each
    assert rows.hr_ref.to_numpy() == pytest.approx(75.0, abs=1.0)
    assert rows[rows.method == "POS"].hr_est.to_numpy() == pytest.approx(75.0, abs=2.0)
    assert rows[rows.method == "gideon2021-contrastive"].hr_est.between(42, 240).all()
    costs = exp.cost_table(models, repeats=1)
    assert costs.loc["gideon2021-contrastive", "parameters"] == models[0].parameters > 0
    assert (costs["real-time factor"] > 0).all()
    before = {k: v.clone() for k, v in models[0].net.state_dict().items()}
    training = exp.training_throughput(models, repeats=1, batch=2)
    assert training.loc["gideon2021-contrastive", "input"] == "60 x 16 x 16"
    assert training.loc["gideon2021-contrastive", "clips/s"] == pytest.approx(
        2 / training.loc["gideon2021-contrastive", "s per step"])
    assert all(torch.equal(before[k], v) for k, v in models[0].net.state_dict().items())  # timed on a copy
    assert exp.training_throughput([], repeats=1).empty


def test_a_network_is_not_scored_on_the_lookalike_it_trained_on():
    from types import SimpleNamespace

    def net(data):
        return exp.NetworkModel("n", None, SimpleNamespace(spec={"data": data}, input_spec={}))

    assert net("simulated: mahnob-like look-alike").trained_on == "mahnob-like"
    assert net("simulated: ubfc-like look-alike, 2 % pulse").trained_on == "ubfc-like"
    assert net("real: UBFC-rPPG (data_root)").trained_on is None
    summary = pd.DataFrame({"MAE": [2.04, 3.0, 5.0]}, index=pd.MultiIndex.from_tuples(
        [("ubfc-like", "POS"), ("ubfc-like", "n"), ("mahnob-like", "POS")], names=["preset", "method"]))
    table = exp.mae_table(summary, ["mahnob-like", "ubfc-like"])
    assert list(table.index) == ["mahnob-like", "ubfc-like"] and list(table.columns) == ["POS", "n"]
    assert table.loc["mahnob-like", "n"] == exp.NOT_SCORED and table.loc["ubfc-like", "POS"] == 2.0
