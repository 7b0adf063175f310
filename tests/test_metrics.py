"""Tests of rppg_lib.metrics on hand-computed examples."""
import numpy as np
import pytest

from rppg_lib import metrics


def test_hr_metrics_hand_computed():
    est = np.array([70.0, 72.0, 80.0, 60.0])
    ref = np.array([71.0, 72.0, 75.0, 66.0])
    m = metrics.hr_metrics(est, ref)
    err = est - ref  # -1, 0, 5, -6
    assert m["n"] == 4
    assert m["mae"] == pytest.approx(3.0)
    assert m["rmse"] == pytest.approx(np.sqrt((1 + 0 + 25 + 36) / 4))
    assert m["me"] == pytest.approx(-0.5)
    assert m["sd"] == pytest.approx(np.std(err, ddof=1))
    assert m["mape"] == pytest.approx(100 * np.mean(np.abs(err) / ref))
    assert m["mer"] == pytest.approx(m["mape"])
    assert m["within3"] == pytest.approx(0.5)
    assert m["within5"] == pytest.approx(0.75)
    assert m["pearson"] == pytest.approx(np.corrcoef(est, ref)[0, 1])


def test_hr_metrics_perfect_and_constant():
    m = metrics.hr_metrics([60, 70, 80], [60, 70, 80])
    assert m["mae"] == 0 and m["pearson"] == pytest.approx(1.0) and m["within3"] == 1.0
    assert np.isnan(metrics.hr_metrics([70, 70], [60, 80])["pearson"])  # constant estimate


@pytest.mark.parametrize("est, ref, match", [
    ([1, 2, 3], [1, 2], "differ in length"),
    ([70, np.nan], [70, 71], "NaN"),
    ([], [], "no HR pairs"),
])
def test_hr_metrics_bad_input(est, ref, match):
    with pytest.raises(ValueError, match=match):
        metrics.hr_metrics(est, ref)


def test_bland_altman_limits():
    est = np.array([70.0, 75.0, 80.0, 85.0])
    ref = np.array([69.0, 76.0, 78.0, 86.0])
    s = metrics.bland_altman(est, ref)
    d = est - ref
    assert s["bias"] == pytest.approx(d.mean())
    assert s["loa_high"] - s["loa_low"] == pytest.approx(2 * 1.96 * d.std(ddof=1))
    assert np.allclose(s["mean"], (est + ref) / 2)


def test_bland_altman_plot_draws_three_lines():
    import matplotlib

    matplotlib.use("Agg", force=False)
    ax = metrics.bland_altman_plot([70, 75, 80], [71, 74, 82])
    assert len(ax.lines) == 3 and "bias" in ax.get_title()


def test_ppg_metrics_identical_and_shifted():
    fs = 30.0
    t = np.arange(300) / fs
    ref = np.sin(2 * np.pi * 1.3 * t)
    same = metrics.ppg_metrics(ref, ref, fs)
    assert same["pearson"] == pytest.approx(1.0)
    assert same["mcc"] > 0.95 and same["snr"] > 10
    shifted = metrics.ppg_metrics(np.sin(2 * np.pi * 1.3 * (t - 0.35)), ref, fs)
    assert shifted["pearson"] < 0 and shifted["mcc"] > 0.9


def test_niu2018_columns_on_hand_computed_numbers():
    """HRme, HRsd, HRrmse and HRmer of Niu et al. 2018 are ``me``, ``sd``, ``rmse``, ``mer``."""
    m = metrics.hr_metrics([70.0, 80.0, 90.0], [72.0, 78.0, 100.0])  # errors -2, +2, -10
    assert m["me"] == pytest.approx(-10 / 3)
    assert m["sd"] == pytest.approx(np.sqrt(((-2 + 10 / 3) ** 2 + (2 + 10 / 3) ** 2 + (-10 + 10 / 3) ** 2) / 2))
    assert m["rmse"] == pytest.approx(6.0)
    assert m["mer"] == pytest.approx(100 * (2 / 72 + 2 / 78 + 10 / 100) / 3)
