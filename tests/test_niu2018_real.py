"""Niu et al. 2018 on real datasets: :func:`rppg_lib.papers.niu2018.real.prepare_real` on tiny
MAHNOB-HCI and MMSE-HR folders written in their layouts by the library's writers.

The recordings are short simulated face videos (160 x 120, face 70 px: big enough for the Haar
detector) with a known per-frame HR; MAHNOB-HCI's HR comes back through a synthetic ECG and its
R-peaks, MMSE-HR's through its pulse-rate file.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from rppg_lib import data as d
from rppg_lib.papers.niu2018.real import prepare_real
from rppg_lib.synth import simulate

HAS_PYEDFLIB = importlib.util.find_spec("pyedflib") is not None
FPS, DURATION = 10.0, 5.0  # the VideoSet's rate and length: 50 samples per video
SIZE = dict(width=160, height=120, face_px=70)


def _sim(seed: int, duration_s: float, fps: float):
    return simulate("mahnob-like", seed=seed, subject=seed, duration_s=duration_s, fps=fps, **SIZE)


def _grid_hr(rec) -> np.ndarray:
    """The simulated HR on the VideoSet's grid (first DURATION seconds at FPS)."""
    t = rec.timestamps - rec.timestamps[0]
    return np.interp(np.arange(int(FPS * DURATION)) / FPS, t, rec.hr)


@pytest.fixture(scope="module")
def mahnob(tmp_path_factory):
    """Sessions 2, 4 (subject 1), 6 (subject 2) of 6 s at 15 fps, and session 8 (subject 3) of 3 s."""
    if not HAS_PYEDFLIB:
        pytest.skip("pyedflib not installed")
    root = tmp_path_factory.mktemp("mahnob")
    recs = {}
    for session, subject, seed, seconds in [(2, 1, 1, 6.0), (4, 1, 2, 6.0), (6, 2, 3, 6.0), (8, 3, 4, 3.0)]:
        recs[session] = _sim(seed, seconds, 15.0)
        d.write_mahnob_hci_recording(root, recs[session], session=session, subject=subject, seed=seed)
    return root, recs


@pytest.fixture(scope="module")
def mmse(tmp_path_factory):
    """F001/T1 and M002/T3, 6 s at 25 fps (the layout's rate)."""
    root = tmp_path_factory.mktemp("mmse")
    recs = {}
    for subject, task, seed in [("F001", "T1", 5), ("M002", "T3", 6)]:
        recs[subject] = _sim(seed, 6.0, 25.0)
        d.write_mmse_hr_recording(root, recs[subject], subject=subject, task=task,
                                  frames_folder="first10subjects_2D", physio_folder="Phydata")
    return root, recs


def test_mahnob_videoset_shapes_subjects_hr_and_short_video_skipped(mahnob):
    root, recs = mahnob
    with pytest.warns(UserWarning, match=r"shorter than .* 5 s skipped: .*Sessions/8 \(3\.0 s\)"):
        v = prepare_real(root, "mahnob-hci", fps=FPS, duration_s=DURATION, cache=False, progress=False)
    assert v.blocks.shape == (3, 50, 200, 3) and v.blocks.dtype == np.float32
    assert v.hr.shape == (3, 50) and v.regions.shape == (3, 4)
    assert v.fps == FPS and "mahnob-hci" in v.source
    assert list(v.subjects) == ["1", "1", "2"]  # Part_<subject> of each session's BDF, session order
    assert np.isfinite(v.blocks).all() and (v.blocks > 0).all()
    for i, session in enumerate([2, 4, 6]):  # ECG -> R-peaks -> per-frame HR, close to the simulated one
        assert v.video_hr[i] == pytest.approx(_grid_hr(recs[session]).mean(), abs=2.0)
    # max_videos takes the first recordings in the reader's order (the short one is never reached)
    first = prepare_real(root, "mahnob-hci", fps=FPS, duration_s=DURATION, max_videos=2, cheek="box",
                         cache=False, progress=False)
    assert len(first) == 2 and list(first.subjects) == ["1", "1"]


def test_mmse_videoset_follows_pulse_rate_file(mmse):
    root, recs = mmse
    v = prepare_real(root, "mmse-hr", fps=FPS, duration_s=DURATION, cache=False, progress=False)
    assert v.blocks.shape == (2, 50, 200, 3) and v.fps == FPS
    assert list(v.subjects) == ["F001", "M002"]  # the subject folders
    for i, subject in enumerate(["F001", "M002"]):
        np.testing.assert_allclose(v.hr[i], _grid_hr(recs[subject]), atol=0.2)
    assert np.isfinite(v.blocks).all() and (v.blocks > 0).all() and (v.blocks < 255).all()


def test_none_long_enough_raises(mmse):
    root, _ = mmse
    with pytest.warns(UserWarning, match="shorter"), pytest.raises(ValueError, match="none of the 2"):
        prepare_real(root, "mmse-hr", fps=FPS, duration_s=20.0, cache=False, progress=False)


def test_cache_reused_and_invalidated_by_file_change(mmse, tmp_path, monkeypatch):
    root, _ = mmse
    monkeypatch.setenv("RPPG_CACHE", str(tmp_path / "cache"))
    kw = dict(fps=FPS, duration_s=DURATION, max_videos=1, progress=False)
    a = prepare_real(root, "mmse-hr", **kw)
    files = list((tmp_path / "cache" / "niu2018" / "real").glob("*.npz"))
    assert len(files) == 1
    b = prepare_real(root, "mmse-hr", **kw)
    np.testing.assert_array_equal(a.blocks, b.blocks)
    assert list(b.subjects) == ["F001"]
    pulse = root / "Phydata" / "F001" / "T1" / "Pulse Rate_BPM.txt"
    st = os.stat(pulse)
    os.utime(pulse, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    prepare_real(root, "mmse-hr", **kw)
    assert len(list((tmp_path / "cache" / "niu2018" / "real").glob("*.npz"))) == 2


@pytest.mark.parametrize("dataset", ["mahnob-hci", "mmse-hr"])
def test_bad_root_names_the_expected_layout(tmp_path, dataset):
    if dataset == "mahnob-hci" and not HAS_PYEDFLIB:
        pytest.skip("pyedflib not installed")
    with pytest.raises(FileNotFoundError, match="(?i)expected layout") as err:
        prepare_real(tmp_path / "nowhere", dataset, fps=FPS, duration_s=DURATION, progress=False)
    assert "nowhere" in str(err.value)
    with pytest.raises(FileNotFoundError, match="(?i)expected layout"):  # exists, but empty
        prepare_real(tmp_path, dataset, fps=FPS, duration_s=DURATION, progress=False)


def test_unknown_dataset_and_boxes(tmp_path):
    with pytest.raises(ValueError, match="mahnob-hci, mmse-hr"):
        prepare_real(tmp_path, "vipl-hr", fps=FPS, duration_s=DURATION)
    with pytest.raises(ValueError, match="detect"):
        prepare_real(tmp_path, "mahnob-hci", fps=FPS, duration_s=DURATION, boxes="truth")


def test_video_without_face_is_skipped(tmp_path):
    from rppg_lib.record import Recording

    t = np.arange(150) / 25.0
    grey = np.full((150, 72, 96, 3), 128, np.uint8)
    d.write_mmse_hr_recording(tmp_path, Recording(fps=25.0, timestamps=t, frames=grey, ppg=np.sin(t * 7.5),
                                                  hr=np.full(150, 72.0)), subject="F009", task="T2")
    with pytest.warns(UserWarning, match="no face found in 1 video.*F009"), pytest.raises(ValueError, match="none"):
        prepare_real(tmp_path, "mmse-hr", fps=FPS, duration_s=DURATION, cache=False, progress=False)
