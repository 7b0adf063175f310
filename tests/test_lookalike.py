"""Look-alikes, the one clip pipeline, the fidelity precondition and the one "learned" rule."""
import numpy as np
import pytest

from rppg_lib import claims
from rppg_lib.clips import MASTER_CROP, block_mean, fidelity, lookalike_clips, resize_crops
from rppg_lib.lookalike import (
    DATASETS,
    HR_CHANGE_TOLERANCE_BPM,
    LOOKALIKES,
    PROTOCOLS,
    anchor,
    anchors,
    fidelity_rows,
    lookalike,
    window_size,
)
from rppg_lib.synth.presets import resolve


@pytest.mark.parametrize("profile", ["smoke", "book"])
def test_lookalike_keeps_what_decides_difficulty(profile):
    """A look-alike changes only the window and the length: face pixels, frame rate, codec, noise, pulse stay."""
    for preset, look in LOOKALIKES[profile].items():
        native = resolve(preset, {})
        for scenario in look.scenarios:
            o = look.overrides(scenario)
            assert set(o) <= {"duration_s", "scenario", "width", "height"}
            p = resolve(preset, o)
            for key in ("face_px", "fps", "codec", "crf", "qscale", "full_well_e", "read_noise_e",
                        "pulse_amplitude", "bframes", "flicker_depth"):
                assert p[key] == resolve(preset, {} if scenario is None else {"scenario": scenario})[key], (preset, key)
            # the window holds the face with room for a 1.5x box and the motion, in whole macroblocks
            assert p["width"] % 16 == 0 or p["width"] == native["width"]
            assert p["width"] >= min(2.4 * p["face_px"], native["width"] - 1)
        if look.protocol is not None and profile == "book":
            assert look.duration_s >= look.protocol.clip_s  # never shorter than what the protocol evaluates


def test_window_is_at_native_pixel_scale():
    w, h = window_size("ubfc-like")
    assert (w, h) == (432, 432)  # 2.5 x 170 px, rounded up to 16
    assert window_size("mmse-like")[0] <= 1040  # never larger than the frame


def test_lookalike_rejects_unknown_names():
    with pytest.raises(ValueError, match="no look-alike"):
        lookalike("nope")
    with pytest.raises(ValueError, match="unknown profile"):
        lookalike("ubfc-like", "huge")


def test_reductions_after_decoding_average_pixels_and_frames():
    crops = np.arange(4 * 64 * 64 * 3, dtype=np.int64).reshape(4, 64, 64, 3) % 251
    small = resize_crops(crops.astype(np.uint8), 16)
    assert small.shape == (4, 16, 16, 3)
    assert small[0, 0, 0, 0] == np.rint(crops[0, :4, :4, 0].mean())
    x = np.arange(10, dtype=float)
    np.testing.assert_allclose(block_mean(x, 2), [0.5, 2.5, 4.5, 6.5, 8.5])
    assert len(block_mean(x, 3)) == 3  # the partial block is dropped


def test_anchors_and_fidelity_rows():
    a = anchors()
    assert {"UBFC-rPPG", "PURE", "COHFACE", "MAHNOB-HCI", "VIPL-HR", "MMSE-HR"} <= set(a.dataset)
    assert set(PROTOCOLS) == {"ubfc-like", "pure-like", "cohface-like", "mahnob-like", "vipl-like", "mmse-like"}
    rows = fidelity_rows("mmse-like", {"CHROM": [3.0, 4.0], "POS": [1.0]})
    assert set(rows) == {"CHROM"}  # no POS number is published for MMSE-HR
    assert rows["CHROM"]["metric"] == "rmse"
    assert rows["CHROM"]["ours"] == pytest.approx(np.sqrt(12.5))
    assert rows["CHROM"]["ratio"] == pytest.approx(np.sqrt(12.5) / 13.97)
    assert fidelity_rows("kopeliovich", {"POS": [1.0]}) == {}


def test_each_preset_stands_for_one_dataset_written_once():
    assert set(DATASETS) == set(PROTOCOLS) == set(LOOKALIKES["book"])
    assert {p: PROTOCOLS[p].dataset for p in PROTOCOLS} == DATASETS
    with pytest.raises(KeyError, match="0 numbers"):
        anchor("mean predictor", "RMSE", "no such dataset")


def test_gideon_and_stent_anchors_agree_with_its_chapter():
    """The real datasets' numbers the Data chapter uses (core) are the gideon2021 chapter's numbers."""
    from rppg_lib.papers.gideon2021.claims import HR_CHANGE_RULE, MEDIAN_HR_CHANGE_TOLERANCE_BPM
    from rppg_lib.papers.gideon2021.experiment import PAPER_DATASET
    from rppg_lib.results import reported

    for preset in ("ubfc-like", "pure-like", "cohface-like"):
        for metric in ("RMSE", "MAE"):
            assert anchor("mean predictor", metric, DATASETS[preset]) == reported(
                "gideon2021", "Table 3", "Mean", f"{PAPER_DATASET[preset]} {metric}")
    for row in ("median |dHR| over 10 s", "share of 10-s changes <= 10 bpm (low)",
                "share of 10-s changes <= 10 bpm (high)"):
        assert anchor("HR changes", row, "all datasets") == reported("gideon2021", "Supplement Fig. 6",
                                                                     "all datasets", row)
    assert MEDIAN_HR_CHANGE_TOLERANCE_BPM == HR_CHANGE_TOLERANCE_BPM
    median = anchor("HR changes", "median |dHR| over 10 s", "all datasets")
    assert HR_CHANGE_RULE.low == median - HR_CHANGE_TOLERANCE_BPM


def test_lookalike_clips_smoke(tmp_path, monkeypatch):
    """Sessions render once (a second call loads them), crops come at the asked size and rate."""
    monkeypatch.setenv("RPPG_CACHE", str(tmp_path))
    look = lookalike("ubfc-like", "smoke", n_subjects=1, duration_s=4.0)
    clips = lookalike_clips(look, crop=16, fps=15, progress=False)
    assert clips.videos.shape == (1, 3, 60, 16, 16) and clips.videos.dtype == np.uint8
    assert clips.ppg.shape == (1, 60) and clips.fps == 15.0
    assert {r["method"] for r in clips.classical} == {"POS", "CHROM", "GREEN", "ICA"}
    files = list((tmp_path / "clips" / "sessions").glob("*.npz"))
    assert len(files) == 1
    again = lookalike_clips(look, crop=32, progress=False)  # another chapter's size: the same session
    assert again.videos.shape[-1] == 32 and again.fps == 30.0
    assert len(list((tmp_path / "clips" / "sessions").glob("*.npz"))) == 1
    assert set(fidelity(clips, "ubfc-like")) == {"POS", "CHROM", "GREEN", "ICA"}
    assert set(fidelity(clips.select([0]), "ubfc-like")) == {"POS", "CHROM", "GREEN", "ICA"}
    easy = lookalike_clips(look, crop=16, fps=15, extra={"pulse_amplitude": 0.02}, progress=False)
    assert fidelity(easy, "ubfc-like") == {} and "pulse_amplitude" in easy.source
    assert MASTER_CROP % 16 == 0


# --- the one "learned" rule -------------------------------------------------------------------------------
def test_network_learned_needs_ratio_and_interval():
    rng = np.random.default_rng(0)
    const = np.abs(rng.normal(0, 15, 40))
    good = const * 0.3
    ok, detail = claims.network_learned(good, const)
    assert ok and "ratio 0.30" in detail
    ok, _ = claims.network_learned(const * 0.9, const)  # below the constant, but not by 20 %
    assert not ok
    noisy = np.where(np.arange(40) < 20, 0.0, const * 1.5)  # mean may drop, but the interval straddles 0
    assert not claims.network_learned(noisy[:8], const[:8])[0]  # too few items as well
    ok, detail = claims.network_learned(good[:5], const[:5])
    assert not ok and "needs >= 10" in detail
    with pytest.raises(ValueError, match="same test items"):
        claims.network_learned(good[:5], const)


def test_learned_precondition_any_and_all():
    const = np.full(20, 10.0)
    errs = {"A": np.full(20, 2.0) + np.linspace(0, 1, 20), "B": np.full(20, 11.0)}
    assert claims.learned_precondition(errs, const).ok
    assert not claims.learned_precondition(errs, const, require="all").ok
    assert "B: not learned" in claims.learned_precondition(errs, const).detail


def test_fidelity_precondition_both_sides():
    low, high = claims.FIDELITY_RATIO_RANGE
    inside = {"POS": {"ours": 4.0 * (low + 0.1), "published": 4.0, "metric": "mae"}}
    outside = {"POS": {"ours": 4.0 * (high + 0.1), "published": 4.0, "metric": "mae"}}
    assert claims.fidelity_precondition(inside).ok
    p = claims.fidelity_precondition(outside)
    assert not p.ok and "ratio" in p.detail
    assert not claims.fidelity_precondition(None).ok  # an easy rung has no anchor: never decided on it
    c = claims.Claim("x", "demo", "s", "src", "q", claims.AtMost(0))
    v = claims.decide(c, claims.measurement(-1.0), preconditions=[p])
    assert v.verdict == "not testable here" and "ratio" in v.reason
