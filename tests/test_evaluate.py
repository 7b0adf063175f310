"""The windowed evaluation protocol on a trace with a known, changing HR."""
import numpy as np
import pytest
from conftest import skin_trace

from rppg_lib import evaluate, methods


def test_windowed_table_recovers_known_hr_and_drops_uncovered_windows():
    fs = 30.0
    rgb = np.concatenate([skin_trace(65.0, fs, 60.0, seed=1), skin_trace(95.0, fs, 60.0, seed=2)])
    ref = np.r_[np.full(1800, 65.0), np.full(1800, 95.0)]
    ref[:900] = np.nan  # the reference device gave nothing for the first 30 s
    table = evaluate.windowed_hr_table(rgb, fs, ref, {"pos": methods.pos, "chrom": methods.chrom},
                                       window_s=30.0, step_s=30.0)
    assert table.attrs["dropped_windows"] == 1
    assert set(table.method) == {"pos", "chrom"} and len(table) == 2 * 3
    assert np.allclose(table.hr_est, table.hr_ref, atol=1.0)
    summary = evaluate.metrics_table(table, order=["pos", "chrom"])
    assert list(summary.index) == ["pos", "chrom"] and summary.loc["pos", "n"] == 3
    assert summary.loc["pos", "mae"] < 1.0


def test_windowed_table_rejects_bad_shapes():
    rgb = np.ones((900, 3))
    with pytest.raises(ValueError, match=r"\(T, 3\)"):
        evaluate.windowed_hr_table(rgb.T, 30.0, np.ones(900), {"pos": methods.pos})
    with pytest.raises(ValueError, match="reference_hr"):
        evaluate.windowed_hr_table(rgb, 30.0, np.ones(899), {"pos": methods.pos})
    with pytest.raises(ValueError, match="shorter than one window"):
        evaluate.windowed_hr_table(rgb, 30.0, np.ones(900), {"pos": methods.pos}, window_s=60.0)
