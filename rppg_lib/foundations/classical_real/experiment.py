"""Everything the classical-methods chapter (``notebooks/classical_real.ipynb``) computes.

- :func:`candidates`: the pulse extractors compared: each raw colour channel
  (band-passed), the six classical methods and PBV with a heavier diagonal loading.
- :func:`load_uw`: the UW oximetry recording, cut to the profile's length.
- :func:`uw_tables`: HR per window of every candidate against the oximeter's
  pulse rate, and the metrics per candidate.
- :func:`welltory_tables`: per Welltory subject, the spectral and beat-count HR
  of the red trace and the HR of each method, against the chest strap's mean HR.
- :func:`data_source`: which recordings produced the numbers.
"""
from __future__ import annotations

import numpy as np

from ... import evaluate, methods, signal

__all__ = ["HEAVY_PBV_RIDGE", "candidates", "load_uw", "uw_tables", "beat_count_hr", "welltory_row",
           "welltory_tables", "data_source"]


#: The heavier diagonal loading of PBV's covariance shown next to the library's default (see the chapter).
HEAVY_PBV_RIDGE = 0.1


def _channel(k: int):
    return lambda rgb, fs: signal.bandpass(rgb[..., k], fs)


def candidates(pbv_ridge: float = HEAVY_PBV_RIDGE) -> dict:
    """name -> ``(rgb, fs) -> pulse``: ``red``, ``green``, ``blue`` (each channel band-passed), every method
    of :data:`rppg_lib.methods.METHODS` and ``"pbv (ridge <pbv_ridge>)"``."""
    return {"red": _channel(0), "green": _channel(1), "blue": _channel(2), **methods.METHODS,
            f"pbv (ridge {pbv_ridge:g})": lambda rgb, fs: methods.pbv(rgb, fs, ridge=pbv_ridge)}


def load_uw(max_minutes: float | None = None, root=None):
    """The UW oximetry recording and its ``(rgb, hr)`` cut to the first ``max_minutes`` (None = all)."""
    from ...data import load_uw_oximetry

    uw = load_uw_oximetry(root=root)
    if max_minutes is None:
        return uw, uw.traces, uw.hr
    keep = uw.timestamps < max_minutes * 60
    return uw, uw.traces[keep], uw.hr[keep]


def uw_tables(rgb, fs: float, hr, window_s: float, step_s: float, band=signal.DEFAULT_BAND_BPM,
              pbv_ridge: float = HEAVY_PBV_RIDGE):
    """(HR per window and candidate, :func:`rppg_lib.evaluate.windowed_hr_table`; metrics per candidate)."""
    table = evaluate.windowed_hr_table(rgb, fs, hr, candidates(pbv_ridge), window_s, step_s, band)
    return table, evaluate.metrics_table(table)


def beat_count_hr(x, fs: float, band=signal.DEFAULT_BAND_BPM) -> float:
    """Mean HR (bpm) from the systolic peaks of ``x``: 60 x (peaks - 1) / time from the first to the last."""
    _, beats = signal.hr_from_peaks(x, fs, band)
    if len(beats) < 2:
        return float("nan")
    return 60.0 * (len(beats) - 1) / (beats[-1] - beats[0])


def welltory_row(traces, fs: float, reference_hr: float, band=signal.DEFAULT_BAND_BPM) -> tuple[dict, list[str]]:
    """HR of one finger recording: ``red`` (spectral peak of the band-passed red trace), ``red, beat count``
    and one column per method, with ``hr_ref``; and the messages of methods that cannot run on the trace."""
    traces = np.asarray(traces, float)
    row = {"duration_s": len(traces) / fs, "mean R, G, B": " / ".join(f"{v:.1f}" for v in traces.mean(0)),
           "hr_ref": float(reference_hr),
           "red": signal.estimate_hr(signal.bandpass(traces[:, 0], fs), fs, band),
           "red, beat count": beat_count_hr(traces[:, 0], fs, band)}
    messages = []
    for name, method in methods.METHODS.items():
        try:
            row[name] = signal.estimate_hr(method(traces, fs), fs, band)
        except ValueError as exc:  # a method that cannot run on this trace says why
            row[name] = np.nan
            messages.append(f"{name}: {exc}")
    return row, messages


def unrunnable_summary(messages: list[str]) -> str:
    """One sentence naming, per subject, the methods that could not run on its trace (``messages`` from
    :func:`welltory_tables`, "SUBJECT METHOD: reason"); the full reasons go to the run's stderr."""
    import sys

    by_subject: dict[str, list[str]] = {}
    for m in messages:
        subject, rest = m.split(" ", 1)
        by_subject.setdefault(subject, []).append(rest.split(":", 1)[0])
        print(m, file=sys.stderr)
    if not by_subject:
        return "Every method ran on every subject."
    return ("Methods that cannot run on a trace (a colour channel at or near zero) leave their cells empty: "
            + "; ".join(f"subject {k}: {', '.join(v)}" for k, v in by_subject.items()) + ".")


def welltory_tables(n_subjects: int | None = None, root=None, band=signal.DEFAULT_BAND_BPM) -> dict:
    """The first ``n_subjects`` Welltory recordings (None = all), saturated start trimmed.

    Returns ``table`` (one row per subject: :func:`welltory_row`, ``hr_polar`` = the Polar mean HR), ``errors``
    (HR - reference per estimate), ``recordings`` (subject -> trimmed Recording), ``messages`` and
    ``available`` (every subject id of the data set).
    """
    import pandas as pd

    from ...data import list_welltory_subjects, load_welltory, trim_saturated

    available = list_welltory_subjects(root=root)
    subjects = available if n_subjects is None else available[:n_subjects]
    rows, recs, messages = [], {}, []
    for subject in subjects:
        rec = trim_saturated(load_welltory(subject, root=root))
        row, msgs = welltory_row(rec.traces, rec.fps, rec.meta["hr_rr_mean"], band)
        rows.append({"subject": subject, **row})
        messages += [f"{subject} {m}" for m in msgs]
        recs[subject] = rec
    table = pd.DataFrame(rows).set_index("subject").rename(columns={"hr_ref": "hr_polar"})
    estimates = ["red", "red, beat count", *methods.METHODS]
    return {"table": table, "errors": table[estimates].sub(table["hr_polar"], axis=0), "recordings": recs,
            "messages": messages, "available": list(available)}


def data_source(uw, welltory_subjects) -> str:
    """The recordings behind the chapter's numbers, with subject ids and reference devices."""
    device = uw.meta.get("oximeter_device") or uw.meta.get("oximeter")
    return (f"real: UW oximetry subject {uw.subject} ({uw.session} hand; reference {device}), "
            f"Welltory subjects {', '.join(welltory_subjects)} (reference Polar H10 RR intervals)")
