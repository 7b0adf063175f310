"""The Data chapter: rppg_lib.foundations.simulated_data.experiment at tiny sizes and its claims on both sides."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rppg_lib.foundations.simulated_data import claims as SC
from rppg_lib.foundations.simulated_data import experiment as V
from rppg_lib.synth import Scene

TINY = dict(width=160, height=120, face_px=45.0, duration_s=6.0)


def _sine_pulse(hr_bpm, fs=30.0, seconds=30.0, harmonic=0.3):
    t = np.arange(0, seconds, 1 / fs)
    f = hr_bpm / 60.0
    return np.sin(2 * np.pi * f * t) + harmonic * np.sin(4 * np.pi * f * t + 0.4)


def test_toolbox_hr_finds_rate_inside_band_only():
    assert V.toolbox_hr(_sine_pulse(84.0), 30.0) == pytest.approx(84.0, abs=0.3)
    # 160 bpm lies above the Toolbox's 150 bpm edge: the harmonic cannot win, the
    # answer stays inside 45-150 bpm.
    hr = V.toolbox_hr(_sine_pulse(160.0, harmonic=0.0) + 0.05 * _sine_pulse(70.0, harmonic=0.0), 30.0)
    assert 45.0 <= hr <= 150.0
    assert hr == pytest.approx(70.0, abs=1.0)


def test_mean_predictor_known_answer():
    out = V.mean_predictor([60.0, 80.0, 100.0])
    assert out["mae"] == pytest.approx(40.0 / 3)
    assert out["rmse"] == pytest.approx(np.sqrt(800.0 / 3))
    assert out["n"] == 3


def test_dhr_10s_steps_every_lag():
    fs = 2.0
    hr = np.r_[np.full(20, 70.0), np.full(20, 75.0), np.full(20, 75.0)]  # 10 s blocks
    d = V.dhr_10s(hr, fs)
    np.testing.assert_allclose(d, [5.0, 0.0])


def test_spearman_sign():
    assert V.spearman([0, 1, 2, 3], [9, 7, 4, 1]) == pytest.approx(-1.0)


def test_clip_key_depends_on_every_input():
    k = V.clip_key("ubfc-like", 0, 30, {"subject": 1})
    assert k == V.clip_key("ubfc-like", 0, 30, {"subject": 1})
    assert k != V.clip_key("ubfc-like", 1, 30, {"subject": 1})
    assert k != V.clip_key("ubfc-like", 0, 10, {"subject": 1})
    assert k != V.clip_key("ubfc-like", 0, 30, {"subject": 2})
    assert k != V.clip_key("pure-like", 0, 30, {"subject": 1})


@pytest.fixture(scope="module")
def clip_and_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("simcache")
    clip = V.clip_traces("ubfc-like", 0, cache_dir=cache, detect_every=10, subject=0, **TINY)
    return clip, cache


def test_clip_traces_shapes_and_ground_truth(clip_and_cache):
    clip, _ = clip_and_cache
    scene = Scene("ubfc-like", 0, subject=0, **TINY)
    T = len(scene.times)
    for k in ("toolbox", "skin", "skin_ycrcb", "frame"):
        assert clip[k].shape == (T, 3)
        assert np.all(np.isfinite(clip[k]))
        assert np.all((clip[k] > 0) & (clip[k] < 255))
    np.testing.assert_allclose(clip["ppg"], scene.face_ppg())
    assert clip["fps"] == 30.0
    assert len(clip["detections"]) == int(np.ceil(T / 10))
    # skin pixels are redder than blue; the ground-truth mask gives a steadier green
    # trace than the flickering YCrCb threshold mask
    assert clip["skin"][:, 0].mean() > clip["skin"][:, 2].mean()
    assert np.std(np.diff(clip["skin"][:, 1])) < np.std(np.diff(clip["skin_ycrcb"][:, 1]))
    # the Toolbox box is 1.5x a face box and lies around the true face
    x, y, w, h = clip["toolbox_box"]
    gx, gy, gw, gh = clip["gt_box0"]
    assert abs((x + w / 2) - (gx + gw / 2)) < gw / 3
    assert 1.1 * gw < w < 2.2 * gw


def test_clip_traces_cache_round_trip(clip_and_cache, monkeypatch):
    clip, cache = clip_and_cache
    files = list(cache.glob("*.npz"))
    assert len(files) == 1

    def boom(*a, **k):
        raise AssertionError("rendered again instead of loading the cache")

    monkeypatch.setattr(V, "_render", boom)
    again = V.clip_traces("ubfc-like", 0, cache_dir=cache, detect_every=10, subject=0, **TINY)
    np.testing.assert_array_equal(again["skin"], clip["skin"])
    assert again["detection_rate"] == clip["detection_rate"]
    with pytest.raises(AssertionError):  # a different override is a different clip
        V.clip_traces("ubfc-like", 0, cache_dir=cache, detect_every=10, subject=1, **TINY)


def test_method_rows_recover_simulated_hr(clip_and_cache):
    clip, _ = clip_and_cache
    rows = V.method_rows(clip, "skin", ("pos", "chrom"), subject=0)
    assert [r["method"] for r in rows] == ["pos", "chrom"]
    assert all(r["subject"] == 0 and r["roi"] == "skin" for r in rows)
    assert rows[0]["hr_ref"] == pytest.approx(V.toolbox_hr(clip["ppg"], clip["fps"]))
    # POS on the ideal skin ROI of a clean lossless clip finds the HR
    assert rows[0]["abs_err"] < 3.0
    assert np.isfinite(rows[0]["snr_db"]) and rows[0]["snr_db"] > -3.0


def test_desync_rows_pearson_drops_with_offset():
    scene = Scene("ubfc-like", 0, subject=0, width=64, height=48, face_px=24.0, duration_s=40.0)
    pulse = scene.face_ppg()  # a perfect rPPG pulse
    rows = V.desync_rows(pulse, 30.0, "ubfc-like", 0, [0, 16], subject=0, duration_s=40.0,
                         finger_lag_s=0.0)
    assert rows[0]["offset_s"] == 0.0 and rows[0]["pearson"] > 0.95  # same pulse, no lag
    assert abs(rows[1]["offset_s"]) > 1.0
    assert rows[1]["pearson"] < rows[0]["pearson"] - 0.3
    # only frames with a simulated reference are compared
    assert rows[0]["overlap_s"] > 39.0
    assert rows[1]["overlap_s"] == pytest.approx(40.0 - max(0.0, abs(rows[1]["offset_s"]) - 3.0), abs=1.5)
    assert rows[0]["hr_err"] < 0.5


def test_ground_truth_stats_columns_and_ranges():
    df = V.ground_truth_stats("pure-like", 2, scenarios=("steady",), duration_s=30.0)
    assert len(df) == 2 and set(df["scenario"]) == {"steady"}
    assert all(len(w) == 3 for w in df["hr_10s_windows"])
    assert all(40 <= h <= 250 for h in df["hr_label"])
    # spectral HR of the label PPG lies near its mean HR (a few bpm of HR wander at most)
    assert (df["hr_fft"] - df["hr_label"]).abs().max() < 8.0
    # ... and counting its beats gives the mean label HR (the label is the PPG's beat rate)
    assert df["beat_err"].max() < 1.0


def test_frames_at_returns_requested_frames():
    frames, scene = V.frames_at("ubfc-like", [0.0, 0.2], scale=0.25)
    assert frames.shape == (2, 120, 160, 3)
    assert frames.dtype == np.uint8 and frames[0].std() > 5  # an image, not zeros
    assert V.native_size("vipl-like", camera="phone")[:2] == (1920, 1080)


def test_render_many_in_order_and_same_as_in_process(tmp_path):
    specs = [dict(preset="ubfc-like", seed=0, subject=s, cache_dir=tmp_path, width=96, height=72,
                  face_px=30.0, duration_s=2.0) for s in (0, 1)]
    par = V.render_many(specs, workers=2)
    seq = V.render_many([dict(s, use_cache=False) for s in specs], workers=1)
    for a, b in zip(par, seq):
        np.testing.assert_allclose(a["skin"], b["skin"])
        np.testing.assert_allclose(a["ppg"], b["ppg"])
    assert not np.allclose(par[0]["ppg"], par[1]["ppg"])  # order kept: two different subjects


# ---------------------------------------------------------------------------------------------
# The chapter's claims (rppg_lib.foundations.simulated_data.claims) at tiny sizes
# ---------------------------------------------------------------------------------------------


def _gt(n=10, fft_err=0.2, dhr_median=2.5, spread=20.0):
    rows = []
    rng = np.random.default_rng(0)
    for preset in ("ubfc-like", "pure-like", "cohface-like"):
        for s in range(n):
            level = 75 + spread * rng.standard_normal()
            rows.append({"preset": preset, "subject": s, "fft_err": fft_err, "beat_err": 0.1,
                         "dhr": list(dhr_median + rng.uniform(-0.5, 0.5, 5)),
                         "hr_10s_windows": list(level + rng.normal(0, 2, 6))})
    return pd.DataFrame(rows)


def _methods(n=10, seconds=60.0, pos_err=4.0, green_err=19.0, chrom_snr=8.4, fitness_snr=None):
    rows = []
    rng = np.random.default_rng(1)
    errs = {"pos": pos_err, "chrom": pos_err, "ica": 14.7, "green": green_err}
    for s in range(n):
        for roi in ("toolbox", "skin"):
            for m, e in errs.items():
                snr = chrom_snr if m == "chrom" else 5.0
                rows.append({"set": "ubfc", "subject": s, "task": "steady", "seconds": seconds, "roi": roi,
                             "method": m, "abs_err": e + rng.uniform(-0.3, 0.3),
                             "snr_db": snr + rng.uniform(-0.3, 0.3)})
        if fitness_snr is not None:
            rows.append({"set": "fitness", "subject": s, "task": "x/fitness", "seconds": seconds, "roi": "skin",
                         "method": "chrom", "abs_err": 5.0, "snr_db": fitness_snr + rng.uniform(-0.3, 0.3)})
    return pd.DataFrame(rows)


def _empty():
    return pd.DataFrame()


def _verdicts(**kw):
    args = dict(ground_truth=_gt(), haar=pd.DataFrame({"detection rate": np.full(10, 0.99), "frames examined": 20}),
                methods=_methods(), crf=_empty(), skin=_empty(), flash=_empty(), desync=_empty(), fitness_available=())
    args.update(kw)
    return {v.claim.id: v for v in SC.decide(**args)}


def test_simulated_data_claims_are_unique_and_validation_kind():
    ids = [c.id for c in SC.CLAIMS]
    assert len(ids) == len(set(ids))
    assert all(c.kind == "validation" and c.chapter == "simulated_data" and c.why for c in SC.CLAIMS)
    assert set(_verdicts()) == set(ids)


def test_v2_ground_truth_both_sides_and_too_few_subjects():
    assert _verdicts()[SC.GT_SPECTRAL.id].verdict == "reproduced"
    assert _verdicts(ground_truth=_gt(fft_err=3.0))[SC.GT_SPECTRAL.id].verdict == "contradicted"
    v = _verdicts(ground_truth=_gt(n=SC.MIN_SUBJECTS - 1))[SC.GT_SPECTRAL.id]
    assert v.verdict == "not testable here" and "subjects" in v.reason


def test_median_hr_change_uses_the_gideon_rule_on_both_sides():
    from rppg_lib.papers.gideon2021.claims import HR_CHANGE_RULE

    # the Data chapter takes the number from the core anchors (it imports no paper home): the same rule
    assert SC.DHR_MEDIAN.rule == HR_CHANGE_RULE
    assert _verdicts()[SC.DHR_MEDIAN.id].verdict == "reproduced"
    assert _verdicts(ground_truth=_gt(dhr_median=6.0))[SC.DHR_MEDIAN.id].verdict == "contradicted"


def test_toolbox_claim_tolerance_is_the_stated_one():
    claim = SC.TOOLBOX[("ubfc-like", "pos")]
    tb = SC.anchor("fidelity anchors", "POS", "UBFC-rPPG")
    assert (claim.rule.low, claim.rule.high) == pytest.approx((tb * (1 - SC.TOOLBOX_TOLERANCE),
                                                               tb * (1 + SC.TOOLBOX_TOLERANCE)))
    assert f"{SC.TOOLBOX_TOLERANCE:.0%}" in claim.statement
    assert _verdicts()[claim.id].verdict == "reproduced"
    assert _verdicts(methods=_methods(pos_err=12.0))[claim.id].verdict == "contradicted"
    v = _verdicts(methods=_methods(seconds=12.0))[claim.id]
    assert v.verdict == "not testable here" and "60" in v.reason


def test_green_worse_than_pos_is_a_paired_ordering():
    cid = SC.GREEN_WORSE["ubfc-like"].id
    assert _verdicts()[cid].verdict == "reproduced"
    assert _verdicts(methods=_methods(green_err=1.0))[cid].verdict == "contradicted"


def test_fitness_claim_is_computed_from_the_simulator_presets():
    v = _verdicts()[SC.CHROM_FITNESS.id]
    assert v.verdict == "not testable here" and "fitness-motion scenario" in v.reason
    v = _verdicts(methods=_methods(fitness_snr=SC.CHROM_FITNESS_SNR_DB), fitness_available=[("x", "fitness")])
    assert v[SC.CHROM_FITNESS.id].verdict == "reproduced"
    v = _verdicts(methods=_methods(fitness_snr=SC.CHROM_FITNESS_SNR_DB + 10), fitness_available=[("x", "fitness")])
    assert v[SC.CHROM_FITNESS.id].verdict == "contradicted"
    presets = {"a": {"scenarios": {"steady": {}, "fitness": {}}}, "b": {"scenarios": {"exercise": {}}}}
    assert V.fitness_scenarios(presets) == [("a", "fitness")]
    assert all(s not in V.FITNESS_SCENARIO_NAMES for _, s in V.fitness_scenarios())  # none in today's simulator


def _flash(n, locks):
    return pd.DataFrame([{"roi": roi, "locks_on_block": locks, "finds_hr": True} for _ in range(n)
                         for roi in ("frame", "skin")])


def test_flash_claims_both_sides_and_too_few_clips():
    assert _verdicts(flash=_flash(3, True))[SC.FLASH_GREEN.id].verdict == "reproduced"
    assert _verdicts(flash=_flash(3, False))[SC.FLASH_GREEN.id].verdict == "contradicted"
    assert _verdicts(flash=_flash(2, True))[SC.FLASH_GREEN.id].verdict == "not testable here"


def _crf(snr_slope, subjects=2, levels=(0, 12, 18, 23, 28, 33)):
    return pd.DataFrame([{"method": "pos", "subject": s, "crf": c, "snr_db": 10 + snr_slope * c + 0.01 * s,
                          "abs_err": 0.5 + 0.2 * c, "bitrate_cut": 1 + 100 * c} for s in range(subjects)
                         for c in levels])


def test_crf_trend_claims_both_sides_and_preconditions():
    v = _verdicts(crf=_crf(-0.3))
    assert v[SC.CRF_SNR.id].verdict == "reproduced" and v[SC.CRF_MAE.id].verdict == "reproduced"
    assert _verdicts(crf=_crf(+0.3))[SC.CRF_SNR.id].verdict == "contradicted"
    assert _verdicts(crf=_crf(-0.3, levels=(0, 28, 45)))[SC.CRF_SNR.id].verdict == "not testable here"
    # the mildest CRF with a cut above 1000x is 12 (1201x): POS error 2.9 bpm <= 5
    assert v[SC.CRF_SURVIVES.id].verdict == "reproduced" and v[SC.CRF_SURVIVES.id].evidence["CRF"] == 12


def test_clip_bootstrap_resamples_groups():
    iv = SC.clip_bootstrap([np.full(5, 1.0), np.full(5, 3.0)], np.median)
    assert iv.low == 1.0 and iv.high == 3.0
    assert not SC.clip_bootstrap([np.array([np.nan])], np.median).finite


# ---------------------------------------------------------------------------------------------
# The chapter's tables (experiment) at tiny sizes
# ---------------------------------------------------------------------------------------------
def test_clip_specs_cover_every_set_and_fitness_only_when_available():
    from rppg_lib import profiles

    cfg = profiles.resolve("simulated_data", "smoke")
    specs = V.clip_specs(cfg, 0, fitness=[])
    sets = pd.Series([k[0] for k in specs]).value_counts().to_dict()
    assert sets == {"ubfc": cfg.ubfc_subjects, "pure": cfg.pure_subjects * len(cfg.pure_tasks),
                    "crf": cfg.crf_subjects * len(cfg.crf_values), "skin": 6 * cfg.skin_subjects,
                    "flash": cfg.flash_subjects, "haar": cfg.haar_ubfc_subjects + cfg.haar_pure_subjects}
    assert "width" not in specs[("haar", 0, "ubfc-like")]  # the Haar check runs at the native size
    with_fit = V.clip_specs(cfg, 0, fitness=[("vipl-like", "exercise")])
    fit = [s for k, s in with_fit.items() if k[0] == "fitness"]
    assert len(fit) == cfg.skin_subjects and fit[0]["scenario"] == "exercise"


def test_tables_from_tiny_clips(clip_and_cache):
    clip, _ = clip_and_cache
    clips = {("ubfc", 0, "steady"): clip, ("pure", 0, "steady"): clip, ("haar", 0, "ubfc-like"): clip,
             ("crf", 0, 0): clip, ("flash", 0, "block"): dict(clip, flash_bpm=150.0)}
    mt = V.method_table(clips)
    assert len(mt) == 2 * 3 * len(V.NAMES) and mt["seconds"].iloc[0] == pytest.approx(TINY["duration_s"])
    v4 = V.v4_table(mt)
    assert v4.shape == (4, 6) and v4.loc["pos", "UBFC-rPPG MAE (Toolbox, real)"] == pytest.approx(4.0)
    haar, v3 = V.haar_table(clips)
    assert len(haar) == 1 and v3.loc["ubfc-like", "size"] == "160x120"
    crf = V.crf_table(clips)
    assert (crf["bitrate_cut"] == 1.0).all()
    flash = V.flash_table(clips)
    assert list(flash["roi"]) == ["frame", "skin"] and not flash["locks_on_block"].any()
    assert "160x120" in V.data_source(clips, pd.DataFrame({"preset": ["ubfc-like"]}), n_real=4)


def _note_inputs(ratio=1.0, hr_err_rise=0.0):
    tb = V.toolbox_mae()
    v4 = pd.DataFrame({"ubfc-like MAE (ours)": [ratio * tb.loc[V.LABELS[m], "UBFC-rPPG"] for m in V.NAMES],
                       "UBFC-rPPG MAE (Toolbox, real)": [tb.loc[V.LABELS[m], "UBFC-rPPG"] for m in V.NAMES],
                       "pure-like MAE (ours)": [tb.loc[V.LABELS[m], "PURE"] for m in V.NAMES],
                       "PURE MAE (Toolbox, real)": [tb.loc[V.LABELS[m], "PURE"] for m in V.NAMES]},
                      index=list(V.NAMES))
    v6 = pd.DataFrame({("mae", "pos"): [1.0, 2.0], ("bitrate_cut", "pos"): [1.0, 2000.0]}, index=[0, 28])
    v7 = pd.DataFrame({("snr_db", "pos"): [6.0, 5.8, 5.6, 5.4, 5.2, 1.0]}, index=range(1, 7))
    desync = pd.DataFrame({"o_max": [0.0, 16.0], "pearson": [0.9, 0.1], "hr_err": [0.5, 0.5 + hr_err_rise],
                           "overlap_s": [60.0, 50.0]})
    gt = pd.DataFrame({"fft_err": [0.1, 0.2], "beat_err": [0.1, 0.1]})
    return dict(gt=gt, v4=v4, v6=v6, v7=v7, per_task=pd.DataFrame(), desync_t=desync, clips={})


def _toolbox_verdicts(ratio_interval):
    """Verdicts of the ubfc-like Toolbox checks with our MAE / the Toolbox's in ``ratio_interval`` (low, high)."""
    from rppg_lib.claims import Interval, decide

    out = []
    for (preset, _), claim in SC.TOOLBOX.items():
        if preset == "ubfc-like":
            paper = (claim.rule.low + claim.rule.high) / 2
            lo, hi = (r * paper for r in ratio_interval)
            out.append(decide(claim, Interval((lo + hi) / 2, lo, hi, "bootstrap")))
    return out


def test_disagreement_notes_follow_the_verdicts_not_the_point_estimates():
    from rppg_lib.claims import decide as decide_claim
    from rppg_lib.claims import measurement

    calm = " ".join(V.disagreement_notes([], **_note_inputs(ratio=0.1, hr_err_rise=3.0)))
    assert "easier" not in calm and "Compression" not in calm and "Skin tone" not in calm
    assert "Ground truth" not in calm and "grows with O_max" not in calm
    # a point estimate far below the Toolbox's but an interval that reaches the band: inconclusive, no note
    straddling = _toolbox_verdicts((0.1, 0.6))
    assert {v.verdict for v in straddling} == {"inconclusive"}
    assert "easier" not in " ".join(V.disagreement_notes(straddling, **_note_inputs(ratio=0.1)))
    easier = " ".join(V.disagreement_notes(_toolbox_verdicts((0.1, 0.2)), **_note_inputs(ratio=0.1)))
    assert "easier than real UBFC-rPPG" in easier and "harder" not in easier
    assert "harder than real UBFC-rPPG" in " ".join(V.disagreement_notes(_toolbox_verdicts((2.0, 3.0)),
                                                                          **_note_inputs()))
    grows = [decide_claim(SC.DESYNC_HR, measurement(3.0))]
    assert "grows with O_max" in " ".join(V.disagreement_notes(grows, **_note_inputs(hr_err_rise=3.0)))


def _skin(drop_at_vi):
    drops = [0.5, 0.5, 0.5, 0.5, drop_at_vi]
    snr = 10 - np.r_[0, np.cumsum(drops)]
    return pd.DataFrame([{"method": "pos", "subject": s, "fitzpatrick": f, "snr_db": snr[f - 1] + 0.01 * s}
                         for s in range(2) for f in range(1, 7)])


def test_skin_type_claim_both_sides():
    assert _verdicts(skin=_skin(3.0))[SC.SKIN_VI.id].verdict == "reproduced"
    assert _verdicts(skin=_skin(0.1))[SC.SKIN_VI.id].verdict == "contradicted"
    assert _verdicts(skin=_skin(3.0).query("subject == 0"))[SC.SKIN_VI.id].verdict == "not testable here"


def _pure(green_rise, subjects=3):
    tasks = ("steady", "talking", "small_rotation", "medium_rotation", "slow_translation", "fast_translation")
    rows = []
    for s in range(subjects):
        for t in tasks:
            hard = t in SC.HARD_TASKS
            for m, rise in (("green", green_rise), ("pos", 1.0), ("chrom", 1.0), ("ica", 1.0)):
                rows.append({"set": "pure", "roi": "toolbox", "subject": s, "task": t, "method": m, "seconds": 30.0,
                             "abs_err": 2.0 + (rise + 0.1 * s if hard else 0.0), "snr_db": 0.0})
    return pd.concat([_methods(), pd.DataFrame(rows)], ignore_index=True)


def test_motion_claim_both_sides():
    assert _verdicts(methods=_pure(6.0))[SC.MOTION_GREEN.id].verdict == "reproduced"
    assert _verdicts(methods=_pure(0.0))[SC.MOTION_GREEN.id].verdict == "contradicted"
    assert _verdicts(methods=_pure(6.0, subjects=1))[SC.MOTION_GREEN.id].verdict == "not testable here"


def _desync(pearson_slope, hr_rise, subjects=10):
    offs = (0.0, 2.0, 8.0, 16.0)
    return pd.DataFrame([{"subject": s, "o_max": o, "pearson": 0.9 + pearson_slope * o + 0.001 * s,
                          "hr_err": 0.5 + hr_rise * o / 16 + 0.01 * s, "overlap_s": 60.0}
                         for s in range(subjects) for o in offs])


def test_desync_claims_both_sides():
    v = _verdicts(desync=_desync(-0.05, 0.2))
    assert v[SC.DESYNC_PEARSON.id].verdict == "reproduced" and v[SC.DESYNC_HR.id].verdict == "reproduced"
    v = _verdicts(desync=_desync(+0.005, 3.0))
    assert v[SC.DESYNC_PEARSON.id].verdict == "contradicted" and v[SC.DESYNC_HR.id].verdict == "contradicted"
    assert _verdicts(desync=_desync(-0.05, 0.2, subjects=4))[SC.DESYNC_HR.id].verdict == "not testable here"


def test_fidelity_claims_both_sides_and_missing_lookalike():
    from rppg_lib.lookalike import fidelity_rows

    errs = {"POS": np.full(12, 4.0), "CHROM": np.full(12, 4.0)}
    record = {"ubfc-like": fidelity_rows("ubfc-like", errs)}
    errors = {("ubfc-like", m): e for m, e in errs.items()}
    v = _verdicts(fidelity=record, fidelity_errors=errors)
    assert v[SC.FIDELITY[("ubfc-like", "POS")].id].verdict == "reproduced"  # 4.0 / 4.00
    far = {("ubfc-like", m): e * 4 for m, e in errs.items()}
    v = _verdicts(fidelity={"ubfc-like": fidelity_rows("ubfc-like", {m: e * 4 for m, e in errs.items()})},
                  fidelity_errors=far)
    assert v[SC.FIDELITY[("ubfc-like", "CHROM")].id].verdict == "contradicted"
    v = v[SC.FIDELITY[("mahnob-like", "CHROM")].id]
    assert v.verdict == "not testable here" and "not in this run" in v.reason


def test_fidelity_misses_count_harmonic_locks_and_name_the_gaps():
    import pandas as pd

    from rppg_lib.foundations.simulated_data import experiment as sim

    # off by 49 (at twice 64), by 1, by 30 (not twice), by 0: two misses, one of them at twice the HR
    assert sim.miss_counts([128.0, 76.0, 100.0, 60.0], [64.0, 75.0, 70.0, 60.0]) == (2, 1)
    table = pd.DataFrame([
        {"preset": "mahnob-like", "method": "CHROM", "ratio": 2.1, "videos": 16,
         "off by >10 bpm": 9, "of them at twice the HR": 2},
        {"preset": "ubfc-like", "method": "POS", "ratio": 1.0, "videos": 16,
         "off by >10 bpm": 1, "of them at twice the HR": 0}])
    text = sim.fidelity_gaps_text(table, (0.67, 1.5)).data
    assert "mahnob-like CHROM" in text and "9 of 16" in text and "ubfc-like" not in text
    assert "Every ratio" in sim.fidelity_gaps_text(table.iloc[1:], (0.67, 1.5)).data
    table["dataset"], table["source"] = ["MAHNOB-HCI", "UBFC-rPPG"], ["Yu et al. 2020, Table II", "rPPG-Toolbox"]
    table["metric"], table["ours"], table["published"], table["seconds"] = "MAE", [20.0, 4.0], [13.49, 4.0], 30.0
    shown = sim.fidelity_display(table)
    assert list(shown.index) == [("mahnob-like", "CHROM"), ("ubfc-like", "POS")] and "source" not in shown
    assert "**MAHNOB-HCI** (mahnob-like): Yu et al. 2020, Table II" in sim.fidelity_sources_text(table).data
