"""Synthetic rhythm maps of Niu et al. 2018, Sec. III-B (rppg_lib.synth.rhythm)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from rppg_lib import video as V
from rppg_lib.synth import cached_synthetic_rhythm_maps, rhythm, synthetic_rhythm_maps

FS = 30.0


@pytest.fixture(scope="module")
def maps_hr():
    return synthetic_rhythm_maps(120, T=300, fs=FS, seed=0)


def peak_bpm(x, axis=-1):
    f, p = scipy.signal.periodogram(np.asarray(x, float), fs=FS, nfft=6000, axis=axis, detrend="linear",
                                    window="hann")
    band = (f >= 0.7) & (f <= 4.0)
    return 60 * f[band][np.argmax(np.compress(band, p, axis=axis), axis=axis)]


def test_shapes_types_and_label_range(maps_hr):
    maps, hr = maps_hr
    assert maps.shape == (120, 200, 300, 3) and maps.dtype == np.uint8
    assert hr.shape == (120,) and hr.dtype == float
    assert np.all((hr >= 42) & (hr <= 240)) and hr.max() - hr.min() > 150  # spread over 42-240 bpm
    # every row and channel is min-max scaled, as a face map is
    assert np.all(maps.min(axis=2) == 0) and np.all(maps.max(axis=2) == 255)
    small, hr_small = synthetic_rhythm_maps(3, T=90, fs=15.0, seed=0, n_blocks=8)
    assert small.shape == (3, 8, 90, 3) and hr_small.shape == (3,)


def test_each_map_carries_its_labelled_heart_rate(maps_hr):
    maps, hr = maps_hr
    params = [rhythm.rhythm_signal(np.random.default_rng([0, i]))[1] for i in range(len(hr))]
    np.testing.assert_allclose([p["hr_bpm"] for p in params], hr)
    found = peak_bpm(maps.mean(axis=(1, 3)))  # mean over the 200 blocks and 3 channels
    clear = np.array([p["m1"] >= 0.15 for p in params])  # M1 ~ U(0, 1): a faint pulse can drown
    assert clear.sum() > 90
    np.testing.assert_allclose(found[clear], hr[clear], atol=1.5)
    assert np.mean(np.abs(found - hr) <= 1.5) > 0.85
    # one row alone (own noise) shows the rate too, in most rows of a clear map
    i = int(np.flatnonzero(clear)[0])
    rows = peak_bpm(maps[i, :, :, 1], axis=1)
    assert np.mean(np.abs(rows - hr[i]) <= 1.5) > 0.9


def test_signal_follows_the_formula():
    s, p = rhythm.rhythm_signal(np.random.default_rng([5, 0]), T=300, fs=FS)
    t = np.arange(300) / FS
    w1, w2 = 2 * np.pi * p["hr_bpm"] / 60, 2 * np.pi * p["resp_per_min"] / 60
    expect = (p["m1"] * np.sin(w1 * t + p["phi"]) + 0.5 * p["m1"] * np.sin(2 * w1 * t + p["phi"])
              + p["m2"] * np.sin(w2 * t + p["theta"]) + p["p1"] * (t >= p["t1"]) + p["p2"] * (t >= p["t2"]))
    np.testing.assert_allclose(s, expect)
    assert 5 <= p["resp_per_min"] <= 20 and p["p1"] in (0.0, 1.0) and 0 <= p["t1"] < 10
    draws = [rhythm.rhythm_signal(np.random.default_rng([1, i]))[1] for i in range(400)]
    resp = np.array([d["resp_per_min"] for d in draws])
    steps = np.array([d["p1"] for d in draws] + [d["p2"] for d in draws])
    assert resp.min() < 6 and resp.max() > 19 and 0.4 < steps.mean() < 0.6


def test_deterministic_and_independent_of_n(maps_hr):
    maps, hr = maps_hr
    again, hr2 = synthetic_rhythm_maps(5, seed=0)
    np.testing.assert_array_equal(again, maps[:5])
    np.testing.assert_array_equal(hr2, hr[:5])
    other, hr3 = synthetic_rhythm_maps(5, seed=1)
    assert not np.array_equal(hr3, hr2) and not np.array_equal(other, again)


def test_maps_use_the_face_maps_scaling(monkeypatch):
    calls = []
    real = V.roi.st_map_normalise
    monkeypatch.setattr(rhythm, "st_map_normalise", lambda x: calls.append(x.shape) or real(x))
    synthetic_rhythm_maps(2, T=60, n_blocks=4)
    assert calls == [(60, 4, 3)] * 2


def test_cached_maps_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("RPPG_CACHE", str(tmp_path))
    maps, hr = cached_synthetic_rhythm_maps(4, T=60, seed=2, progress=False)
    files = list((tmp_path / "synthetic_rhythm").glob("*.npz"))
    assert len(files) == 1
    direct = synthetic_rhythm_maps(4, T=60, seed=2)
    np.testing.assert_array_equal(maps, direct[0])
    np.testing.assert_array_equal(hr, direct[1])
    monkeypatch.setattr(rhythm, "synthetic_rhythm_maps", lambda *a, **k: pytest.fail("recomputed"))
    again, _ = cached_synthetic_rhythm_maps(4, T=60, seed=2, progress=False)
    np.testing.assert_array_equal(again, maps)
    with pytest.raises(ValueError):
        synthetic_rhythm_maps(-1)
