"""Loaders of the small real recordings (Welltory, UW oximetry, bias-eval clips), on the shared mirror."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from rppg_lib import data as d
from rppg_lib import signal as sig
from rppg_lib.data import registry

pytestmark = pytest.mark.skipif(not (registry.shared_mirror() / "MANIFEST.tsv").is_file()
                                and not os.environ.get(registry.ENV_MIRROR),
                                reason="no mirror of the real recordings")


# ---------------------------------------------------------------- Welltory
def test_welltory_subjects():
    assert d.list_welltory_subjects() == ["01", "02", "03", "04"]


@pytest.mark.parametrize("subject", ["01", "02", "03", "04"])
def test_welltory_rr_hr_and_uniform_grid(subject):
    rec = d.load_welltory(subject, fs=30.0)
    rr = np.array((d.real_data_path(f"welltory/subject_{subject}/RR.txt")).read_text().split(), float)
    assert rec.meta["hr_rr_mean"] == pytest.approx(60000.0 / rr.mean())
    assert 40 < rec.meta["hr_rr_mean"] < 120
    np.testing.assert_allclose(np.diff(rec.timestamps), 1 / 30.0, atol=1e-9)  # uniform at fs
    assert rec.traces.shape == (len(rec), 3)
    np.testing.assert_allclose(rec.meta["beat_times_s"], np.cumsum(rr) / 1000.0)
    assert rec.timestamps[-1] <= rec.meta["beat_times_s"][-1] + 1e-9  # cropped to the RR span
    # the finger trace (red channel, settled part) beats at the chest strap's rate: ms were read as ms
    red = d.trim_saturated(rec).traces[:, 0]
    assert sig.estimate_hr(sig.detrend(red), rec.fps, (40, 180)) == pytest.approx(rec.meta["hr_rr_mean"], abs=5)


def test_welltory_saturated_rows_kept_and_trimmed():
    rec = d.load_welltory(1)
    assert rec.meta["saturated_rows"] == 193  # leading rows with R >= 250 in subject_01
    raw = pd.read_csv(d.real_data_path("welltory/subject_01/PPG.csv"))
    assert (raw["R"].iloc[:193] >= 250).all() and raw["R"].iloc[193] < 250
    assert rec.timestamps[0] == 0.0  # kept by default
    trimmed = d.trim_saturated(rec)
    assert trimmed.timestamps[0] >= rec.meta["saturated_until_s"] > 6.0
    assert len(trimmed) == len(rec) - int(np.sum(rec.timestamps < rec.meta["saturated_until_s"]))
    assert d.load_welltory("subject_02").meta["saturated_rows"] == 0


def test_welltory_missing_file_says_which(tmp_path):
    shutil.copytree(d.real_data_path("welltory/subject_02"), tmp_path / "subject_02")
    (tmp_path / "subject_02" / "RR.txt").unlink()
    with pytest.raises(d.DatasetLayoutError, match="RR.txt"):
        d.load_welltory(2, root=tmp_path)


# ---------------------------------------------------------------- UW oximetry
def test_uw_masimo_hr_per_frame():
    rec = d.load_uw_oximetry("100001", "Left")
    ref = rec.meta["reference_hr"]
    assert rec.fps == 30.0 and rec.traces.shape == (len(rec), 3)
    assert "Masimo" in rec.meta["oximeter_device"]
    assert np.all(rec.hr > 0) and np.all(np.isfinite(rec.hr))  # no zero leaks through
    assert ref["Pulse 3"].isna().all()  # the unfilled oximeter reads 0 everywhere -> NaN
    assert rec.meta["gt_rows_dropped"] == 1  # the trailing "Collection Halted"
    assert ref["time_s"].iloc[-1] == 1089 and rec.timestamps[-1] <= 1089
    # the per-frame HR is the 1 Hz reading at whole seconds
    at_whole_seconds = rec.hr[::30][:100]
    np.testing.assert_allclose(at_whole_seconds, ref["Pulse 5"].to_numpy()[:100])
    # the camera trace agrees with the Masimo over 60 s windows (camera and oximeter clocks agree)
    for start in (0, 300, 600, 900):
        sl = slice(start * 30, (start + 60) * 30)
        est = sig.estimate_hr(sig.detrend(rec.traces[sl, 1]), 30.0, (40, 180))
        assert est == pytest.approx(np.median(rec.hr[sl]), abs=3)


def test_uw_zero_readings_become_nan(tmp_path):
    src = d.real_data_path("uw_oximetry")
    shutil.copytree(src / "ppg-csv", tmp_path / "ppg-csv")
    (tmp_path / "gt").mkdir()
    gt = pd.read_csv(src / "gt" / "100001.csv", encoding="utf-8-sig", dtype=str)
    gt.loc[10:19, "Pulse 5"] = "0"  # ten seconds without a reading
    gt.to_csv(tmp_path / "gt" / "100001.csv", index=False)
    rec = d.load_uw_oximetry(root=tmp_path)
    assert rec.meta["reference_hr"]["Pulse 5"].iloc[10:20].isna().all()
    assert rec.hr.min() >= 50  # interpolated across the gap, no zero
    with pytest.raises(ValueError, match="Pulse 9"):
        d.load_uw_oximetry(root=tmp_path, oximeter="Pulse 9")


# ---------------------------------------------------------------- bias-eval
def test_bias_eval_clips_decode_with_ground_truth():
    clips = d.list_bias_eval_clips()
    assert len(clips) == 4 and set(clips["country"]) == {"India", "Sierra_Leone"}
    expected_frames = {"video10_forehead.avi": 412, "video10_leftcheek.avi": 412,
                       "video1_forehead.avi": 480, "video1_rightcheek.avi": 865}
    gt_india = d.bias_eval_ground_truth("India")
    for row in clips.itertuples():
        rec = d.load_bias_eval_clip(row.path)
        assert rec.frames.shape == (expected_frames[row.path.name], 200, 200, 3)
        assert rec.fps == 15.0
        np.testing.assert_allclose(np.diff(rec.timestamps), 1 / 15.0, atol=1e-9)
        assert np.all(rec.hr == row.gt_hr) and 60 < row.gt_hr < 100
    assert clips.set_index("video").loc["video10", "gt_hr"].iloc[0] == gt_india["video10"] == 80.657


def test_bias_eval_truncated_clip_warns_naming_file_and_frames(tmp_path):
    src = d.real_data_path("bias_eval_rppg")
    (tmp_path / "Data" / "India").mkdir(parents=True)
    shutil.copytree(src / "Ground_Truth", tmp_path / "Ground_Truth")
    clip = tmp_path / "Data" / "India" / "video10_forehead.avi"
    clip.write_bytes((src / "Data" / "India" / "video10_forehead.avi").read_bytes()[:150_000])
    with pytest.warns(UserWarning, match=r"video10_forehead\.avi: truncated.*frames \d+-\d+ are lost"):
        rec = d.load_bias_eval_clip(clip)
    assert 0 < len(rec.frames) < 450


def test_bias_eval_author_results_long_form():
    res = d.bias_eval_author_results()
    assert set(res["method"]) == {"Masimo", "BKF", "Sph", "DP", "Chrom", "POS"}
    assert set(res["country"]) == {"India", "Sierra_Leone"}
    masimo = res[res["method"] == "Masimo"]
    np.testing.assert_array_equal(masimo["hr"], masimo["reference_hr"])
    first = res[(res["method"] == "POS") & (res["country"] == "India") & (res["sex"] == "M") & (res["row"] == 0)]
    assert first["hr"].item() == 55.75 and first["reference_hr"].item() == 75.75
