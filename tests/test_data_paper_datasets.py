"""Round trips of the paper datasets' loaders on tiny fixtures written in their exact layouts.

For each dataset: write a 10 s, 32x32 synthetic recording with the library's
writer, load it back, and check frames, timestamps, PPG and HR; then remove a
file the layout needs and check the error names it.
"""
from __future__ import annotations

import contextlib
import importlib.util
import shutil

import numpy as np
import pytest
from fixtures_data import make_recording, mean_green

from rppg_lib import data as d
from rppg_lib import signal as sig
from rppg_lib.record import Recording

HAS_H5PY = importlib.util.find_spec("h5py") is not None
HAS_PYEDFLIB = importlib.util.find_spec("pyedflib") is not None


def _ubfc(root, rec):
    d.write_ubfc_rppg_recording(root, rec, subject=4)
    return list(d.load_ubfc_rppg(root)), root / "subject4" / "ground_truth.txt", None


def _pure(root, rec):
    d.write_pure_recording(root, rec, subject=3, task=2)
    return list(d.load_pure(root)), root / "03-02.json", None


def _cohface(root, rec):
    d.write_cohface_recording(root, rec, subject=7, session=2)
    return list(d.load_cohface(root)), root / "7" / "2" / "data.hdf5", None


def _mahnob(root, rec):
    folder = d.write_mahnob_hci_recording(root, rec, session=10, subject=5)
    return list(d.load_mahnob_hci(root)), next(folder.glob("*.bdf")), "Part_<subject>_*.bdf"


def _vipl(root, rec):
    d.write_vipl_hr_recording(root, rec, subject=2, scenario=3, source=1)
    return list(d.load_vipl_hr(root)), root / "data" / "p2" / "v3" / "source1" / "wave.csv", None


def _mmse(root, rec):
    with pytest.raises(ValueError, match="25 fps"):  # the layout has no frame times
        d.write_mmse_hr_recording(root, make_recording(fps=30.0))
    _, physio = d.write_mmse_hr_recording(root, rec, subject="F013", task="T1")
    return list(d.load_mmse_hr(root)), physio / "Pulse Rate_BPM.txt", None


def _mr_nirp(root, rec):
    folder = d.write_mr_nirp_car_recording(root, rec, subject=2, place="garage", motion="still")
    return list(d.load_mr_nirp_car(root)), folder / "PulseOX" / "pulseOx.mat", None


# name, round trip, exact frames, HR labels follow the ramp (else derived from the PPG), has ppg
CASES = [
    pytest.param("ubfc", _ubfc, True, True, True, id="ubfc-rppg"),
    pytest.param("pure", _pure, True, True, True, id="pure"),
    pytest.param("cohface", _cohface, True, False, True, id="cohface",
                 marks=pytest.mark.skipif(not HAS_H5PY, reason="h5py not installed")),
    pytest.param("mahnob", _mahnob, True, True, False, id="mahnob-hci",
                 marks=pytest.mark.skipif(not HAS_PYEDFLIB, reason="pyedflib not installed")),
    pytest.param("vipl", _vipl, True, True, True, id="vipl-hr"),
    pytest.param("mmse", _mmse, False, True, True, id="mmse-hr"),
    pytest.param("mr_nirp", _mr_nirp, False, False, True, id="mr-nirp-car"),
]


@pytest.mark.parametrize("name, roundtrip, exact, labelled, has_ppg", CASES)
def test_roundtrip_and_missing_file(tmp_path, name, roundtrip, exact, labelled, has_ppg):
    rec = make_recording(fps=25.0 if name == "mmse" else 30.0)
    loaded, needed, message = roundtrip(tmp_path, rec)
    assert len(loaded) == 1
    out = loaded[0]
    # every frame survives the alignment, at the original times
    assert out.frames.shape == rec.frames.shape and out.frames.dtype == np.uint8
    np.testing.assert_allclose(out.timestamps, rec.timestamps, atol=1e-3)
    if exact:
        np.testing.assert_array_equal(out.frames, rec.frames)
    else:  # JPEG or Bayer mosaic: close, not equal
        assert np.abs(out.frames.astype(int) - rec.frames).mean() < 3
    # the pulse in the pixels and in the reference comes back at the same rate
    assert sig.estimate_hr(mean_green(out), out.fps, (40, 180)) == pytest.approx(72, abs=1.5)
    if has_ppg:
        assert sig.estimate_hr(out.ppg, out.fps, (40, 180)) == pytest.approx(72, abs=1.5)
        assert sig.pearson(out.ppg, rec.ppg) > 0.98
    if labelled:  # the per-frame HR follows the 66 -> 78 bpm ramp in time
        np.testing.assert_allclose(out.hr, rec.hr, atol=1.5)
    else:  # derived from the PPG over a 10 s window: the mean rate
        assert np.nanmean(out.hr) == pytest.approx(72, abs=2)
    assert out.meta["alignment"]["frames_kept"] == len(rec)

    needed.unlink()
    with pytest.raises((d.DatasetLayoutError, FileNotFoundError)) as err:
        _reload(name, tmp_path)
    assert (message or needed.name) in str(err.value)


def _reload(name, root):
    loaders = {"ubfc": d.load_ubfc_rppg, "pure": d.load_pure, "cohface": d.load_cohface,
               "mahnob": d.load_mahnob_hci, "vipl": d.load_vipl_hr, "mmse": d.load_mmse_hr,
               "mr_nirp": d.load_mr_nirp_car}
    # MAHNOB-HCI skips a session without BDF with a warning, then finds none left
    with pytest.warns(UserWarning) if name == "mahnob" else contextlib.nullcontext():
        return list(loaders[name](root))


@pytest.mark.parametrize("lister", [d.list_ubfc_rppg, d.list_pure, d.list_cohface, d.list_mahnob_hci,
                                    d.list_vipl_hr, d.list_mmse_hr, d.list_mr_nirp_car, d.list_kopeliovich_osf])
def test_missing_root_says_what_is_expected(tmp_path, lister):
    with pytest.raises(d.DatasetLayoutError, match="(?i)expected layout"):
        lister(tmp_path / "nowhere")
    with pytest.raises(d.DatasetLayoutError, match="(?i)expected"):
        lister(tmp_path)  # exists but empty


def test_pure_unpacked_per_zip_variant(tmp_path):
    rec = make_recording()
    flat = d.write_pure_recording(tmp_path / "flat", rec, subject=1, task=5)
    nested = tmp_path / "nested" / "01-05"
    nested.mkdir(parents=True)
    shutil.move(str(flat), nested / "01-05")
    shutil.move(str(tmp_path / "flat" / "01-05.json"), nested / "01-05.json")
    out = list(d.load_pure(tmp_path / "nested"))[0]
    assert out.scenario == "small_rotation" and out.subject == "01" and out.session == "05"
    np.testing.assert_array_equal(out.frames, rec.frames)


def test_vipl_source2_without_time_file_uses_container_times(tmp_path):
    rec = make_recording()
    folder = d.write_vipl_hr_recording(tmp_path, rec, source=2)
    assert not (folder / "time.txt").exists()
    out = list(d.load_vipl_hr(tmp_path))[0]
    assert out.meta["frame_times"] == "container" and out.camera == "source2"
    np.testing.assert_allclose(out.timestamps, rec.timestamps, atol=1e-6)
    assert out.meta["wave_fs_implied"] == pytest.approx(60, rel=0.02)


def test_reference_shorter_than_video_is_cropped_not_stretched(tmp_path):
    rec = make_recording()
    folder = d.write_ubfc_rppg_recording(tmp_path, rec, subject=1)
    gt = np.loadtxt(folder / "ground_truth.txt")
    np.savetxt(folder / "ground_truth.txt", gt[:, :150], fmt="%.7e")  # reference covers the first 5 s only
    out = d.load_ubfc_rppg_session(folder)
    assert len(out) == 150
    assert out.meta["alignment"]["overlap_s"] == pytest.approx((0.0, rec.timestamps[149]))
    np.testing.assert_allclose(out.hr, rec.hr[:150], atol=1e-5)  # same times, not stretched


@pytest.mark.skipif(not HAS_PYEDFLIB, reason="pyedflib not installed")
def test_mahnob_status_channel_sets_video_start(tmp_path):
    rec = make_recording(hr_start=60, hr_end=90)
    folder = d.write_mahnob_hci_recording(tmp_path, rec, pre_s=3.0)
    out = d.load_mahnob_hci_session(folder)
    assert out.meta["video_start_sample"] == 3 * 256
    beats = out.meta["r_peak_times_s"]
    assert beats.min() < 0  # R-peaks before the video start are on the video clock, negative
    np.testing.assert_allclose(out.hr, rec.hr, atol=1.5)


def test_kopeliovich_expected_layout_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(150) / 15.0
    traces = 100 + rng.normal(size=(150, 6, 3)) + np.sin(2 * np.pi * 1.2 * t)[:, None, None]
    src = Recording(fps=15.0, timestamps=t, traces=traces, hr=np.full(150, 72.0), subject="3", camera="Cam2",
                    scenario="Stationary", session="v07")
    d.write_kopeliovich_osf_recording(tmp_path, src)
    d.write_kopeliovich_osf_recording(tmp_path, src, video_id="v08")
    videos = d.list_kopeliovich_osf(tmp_path)
    assert list(videos["video_id"]) == ["v07", "v08"]
    out = list(d.load_kopeliovich_osf(tmp_path))[0]
    assert out.traces.shape == (150, 6, 3) and out.fps == 15.0 and out.camera == "Cam2"
    np.testing.assert_allclose(out.traces, traces)
    assert sig.estimate_hr(out.traces[:, 2, 1], 15.0, (40, 150)) == pytest.approx(72, abs=1)
    (tmp_path / "signals" / "v08.csv").unlink()
    with pytest.raises(d.DatasetLayoutError, match="v08.csv"):
        d.list_kopeliovich_osf(tmp_path)
