"""Tests of rppg_lib.foundations.simulated_data.experiment (the Data chapter's experiments)."""
from __future__ import annotations

import numpy as np
import pytest

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
