"""The one baselines helper: constant answer, per-video mean, POS / CHROM on the same windows."""
import numpy as np
import pytest

from rppg_lib.baselines import (
    CONSTANT,
    VIDEO_MEAN,
    baselines,
    classical_hr,
    constant_answer,
    constant_errors,
    per_video_mean,
)


def test_constant_answer_is_the_training_mean():
    train = [60.0, 70.0, 95.0]
    assert constant_answer(train) == pytest.approx(75.0)
    assert np.allclose(constant_errors(train, [75.0, 80.0, 50.0]), [0.0, 5.0, 25.0])
    out = baselines(train, 4)
    assert set(out) == {CONSTANT} and np.allclose(out[CONSTANT], 75.0)
    with pytest.raises(ValueError, match="finite training HRs"):
        constant_answer([70.0, np.nan])


def test_per_video_mean_answers_each_window_with_its_own_video():
    pred = per_video_mean([60.0, 62.0, 90.0], ["a", "a", "b"], ["b", "a", "c"])
    assert np.allclose(pred, [90.0, 61.0, np.mean([60.0, 62.0, 90.0])])  # "c" has no training window
    with pytest.raises(ValueError, match="both train_video and test_video"):
        baselines([70.0], 1, train_video=["a"])


def _skin_clip(hr_bpm: float, fs: float = 30.0, seconds: float = 20.0, seed: int = 0) -> np.ndarray:
    """Mean skin colour with a pulse at ``hr_bpm`` (stronger in green), slow drift and sensor noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fs)) / fs
    pulse = np.sin(2 * np.pi * hr_bpm / 60.0 * t)
    base = np.array([150.0, 110.0, 90.0])
    drift = 1.0 + 0.01 * np.sin(2 * np.pi * 0.1 * t)
    return (base[None] * drift[:, None] * (1 + 0.002 * pulse[:, None] * np.array([0.33, 0.77, 0.53]))
            + rng.normal(0, 0.05, (len(t), 3)))


@pytest.mark.parametrize("method", ["POS", "CHROM"])
def test_classical_methods_find_a_known_heart_rate(method):
    hrs = [54.0, 72.0, 108.0]
    rgb = np.stack([_skin_clip(h, seed=k) for k, h in enumerate(hrs)])
    est = classical_hr(rgb, 30.0, method, (40.0, 180.0))
    assert est.shape == (3,) and np.allclose(est, hrs, atol=1.5)
    out = baselines([70.0, 80.0], 3, rgb=rgb, fs=30.0, methods=(method,), band_bpm=(40.0, 180.0),
                    train_video=["x", "y"], test_video=["x", "y", "z"])
    assert set(out) == {CONSTANT, VIDEO_MEAN, method} and np.allclose(out[method], est)
    with pytest.raises(ValueError, match="frame rate"):
        baselines([70.0], 3, rgb=rgb)
