"""The classical-methods chapter: its experiment (rppg_lib.foundations.classical_real.experiment) at tiny
sizes and its claims on both sides of their thresholds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import skin_trace

from rppg_lib.foundations.classical_real import claims as CC
from rppg_lib.foundations.classical_real import experiment as X


def _finger(hr_bpm=66.0, fs=30.0, seconds=40.0):
    """A red-only finger trace: the pulse in red, green and blue at zero."""
    t = np.arange(int(seconds * fs)) / fs
    red = 200 + 3 * np.sin(2 * np.pi * hr_bpm / 60 * t) + 0.6 * np.sin(4 * np.pi * hr_bpm / 60 * t + 0.5)
    return np.stack([red, np.zeros_like(t), np.zeros_like(t)], axis=1)


def test_candidates_are_the_channels_the_methods_and_heavy_pbv():
    names = list(X.candidates())
    assert names[:3] == ["red", "green", "blue"]
    assert set(CC.METHODS) <= set(names)
    assert f"pbv (ridge {X.HEAVY_PBV_RIDGE:g})" in names


def test_uw_tables_recover_a_known_rate():
    fs, hr = 30.0, 75.0
    rgb = skin_trace(hr, fs=fs, duration_s=90.0)
    table, metrics = X.uw_tables(rgb, fs, np.full(len(rgb), hr), window_s=30.0, step_s=30.0)
    assert set(metrics["n"]) == {3}
    assert metrics.loc[list(CC.METHODS), "mae"].max() < 1.5
    ref = np.full(len(rgb), hr)
    ref[: len(rgb) // 2] = np.nan  # no reference for the first half: its windows are dropped
    table, _ = X.uw_tables(rgb, fs, ref, window_s=30.0, step_s=30.0)
    assert table.attrs["dropped_windows"] >= 1


def test_beat_count_and_welltory_row_on_a_red_only_trace():
    rgb = _finger(66.0)
    assert X.beat_count_hr(rgb[:, 0], 30.0) == pytest.approx(66.0, abs=1.0)
    row, messages = X.welltory_row(rgb, 30.0, 66.0)
    assert row["red"] == pytest.approx(66.0, abs=1.0) and row["hr_ref"] == 66.0
    assert row["duration_s"] == pytest.approx(40.0)
    # methods that need three lit channels say why instead of returning a number
    assert np.isnan(row["pos"]) and any(m.startswith("pos:") for m in messages)


def _uw(err, windows=CC.MIN_WINDOWS):
    rng = np.random.default_rng(0)
    rows = [{"method": m, "hr_est": 70 + err + rng.uniform(-0.2, 0.2), "hr_ref": 70.0}
            for m in CC.METHODS for _ in range(windows)]
    return pd.DataFrame(rows)


def _welltory(errs, ids=("01", "02", "03", "04")):
    return pd.DataFrame({"red": errs}, index=list(ids))


def _decide(uw=None, wt=None, available=("01", "02", "03", "04")):
    return {v.claim.id: v for v in CC.decide(uw_table=_uw(0.5) if uw is None else uw,
                                             welltory_errors=_welltory([1, -2, 0.5, 2.5]) if wt is None else wt,
                                             welltory_available=list(available))}


def test_uw_claims_both_sides_of_the_threshold_and_too_few_windows():
    cid = CC.UW["chrom"].id
    assert _decide()[cid].verdict == "reproduced"
    assert _decide(uw=_uw(CC.UW_MAE_BPM + 1.0))[cid].verdict == "contradicted"
    assert _decide(uw=_uw(CC.UW_MAE_BPM))[cid].verdict == "inconclusive"  # the interval straddles 2 bpm
    v = _decide(uw=_uw(0.5, windows=CC.MIN_WINDOWS - 1))[cid]
    assert v.verdict == "not testable here" and "windows" in v.reason


def test_welltory_every_subject_claim_needs_every_subject():
    assert _decide()[CC.WELLTORY_RED.id].verdict == "reproduced"
    assert _decide(wt=_welltory([1, -2, 0.5, -3.5]))[CC.WELLTORY_RED.id].verdict == "contradicted"
    v = _decide(wt=_welltory([1, -2], ids=("01", "02")))[CC.WELLTORY_RED.id]
    assert v.verdict == "not testable here" and "03, 04" in v.reason


def test_classical_claims_are_validation_checks_with_reasons():
    ids = [c.id for c in CC.CLAIMS]
    assert len(ids) == len(set(ids)) and set(_decide()) == set(ids)
    assert all(c.kind == "validation" and c.chapter == "classical_real" and c.why for c in CC.CLAIMS)


def test_load_uw_cuts_to_the_profile_and_names_its_source():
    from rppg_lib.data import registry

    if not (registry.shared_mirror() / "MANIFEST.tsv").is_file():
        pytest.skip("no mirror of the real recordings")
    uw, rgb, hr = X.load_uw(0.5)
    assert len(rgb) == len(hr) == int(np.sum(uw.timestamps < 30.0))
    assert f"subject {uw.subject}" in X.data_source(uw, ["01"])


def test_unrunnable_summary_names_methods_per_subject(capsys):
    from rppg_lib.foundations.classical_real import experiment as exp

    text = exp.unrunnable_summary(["01 green: green: a colour channel has a non-positive mean",
                                   "01 pos: pos: a colour channel has a non-positive mean",
                                   "03 ica: ica: too short"])
    assert "subject 01: green, pos; subject 03: ica" in text
    assert "too short" in capsys.readouterr().err
    assert exp.unrunnable_summary([]) == "Every method ran on every subject."
