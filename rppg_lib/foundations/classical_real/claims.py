"""The checks of the signal core on real finger recordings and how a run decides them.

These are ``kind="validation"`` claims: they test the compendium's filters,
spectra, HR estimator and classical methods against independent reference
devices, not a paper's result. Every threshold is here, once.

- UW oximetry: per method, the mean |HR error| over windows against the
  oximeter's pulse rate, with a bootstrap interval over windows
  (:func:`rppg_lib.claims.bootstrap_mean`).
- Welltory: the largest |HR error| of the red trace over the subjects
  against the chest strap (one number per subject: a measurement); the claim
  is about *every* subject, so it is testable only when the run used them all.
"""
from __future__ import annotations

import numpy as np

from ...claims import AtMost, Claim, Precondition, bootstrap_mean, measurement
from ...claims import decide as _decide
from . import KEY

#: UW oximetry: a method "agrees" with the oximeter when its mean |HR error| over windows is at most this (bpm).
#: The compendium's tolerance for a signal core on clean finger traces (no paper states one).
UW_MAE_BPM = 2.0
#: Fewest windows for a verdict on a mean over windows (the compendium's choice: fewer give intervals too wide
#: to mean much).
MIN_WINDOWS = 8
#: Welltory: the red trace's HR within this of the chest strap's mean HR (bpm); the RR series and the video
#: need not cover the same seconds, so the tolerance is wider than for the UW oximetry windows.
WELLTORY_BPM = 3.0
#: The methods checked on the UW recording (the six classical methods as published).
METHODS = ("green", "ica", "chrom", "pos", "lgi", "pbv")


def _uw_claim(method: str) -> Claim:
    return Claim(f"uw-{method}-agrees-with-oximeter", KEY,
                 f"{method.upper()}'s HR in windows agrees with the pulse oximeter's pulse rate within "
                 f"{UW_MAE_BPM:g} bpm on average (UW oximetry, finger video)",
                 "signal-core check (UW oximetry, Hoffman et al. 2022)",
                 f"mean |HR({method}) - oximeter pulse rate| over windows, bpm", AtMost(UW_MAE_BPM),
                 why=f"{UW_MAE_BPM:g} bpm: the compendium's tolerance for a signal core on clean finger traces, "
                     "where the pulse is strong and nothing moves", kind="validation")


UW = {m: _uw_claim(m) for m in METHODS}
WELLTORY_RED = Claim("welltory-red-every-subject", KEY,
                     f"The spectral HR of the red trace is within {WELLTORY_BPM:g} bpm of the mean chest-strap HR "
                     "for every Welltory subject", "signal-core check (Welltory, Polar H10)",
                     "largest |HR(red) - Polar mean HR| over the subjects, bpm", AtMost(WELLTORY_BPM),
                     why=f"{WELLTORY_BPM:g} bpm: the two devices need not cover the same seconds", kind="validation")

#: Every claim of the chapter.
CLAIMS = (*UW.values(), WELLTORY_RED)


def decide(*, uw_table, welltory_errors, welltory_available) -> list:
    """Verdicts of :data:`CLAIMS`.

    uw_table : HR per window and candidate (columns ``method, hr_est, hr_ref``), from
        :func:`~rppg_lib.foundations.classical_real.experiment.uw_tables`.
    welltory_errors : HR - reference per subject (index) with a ``red`` column.
    welltory_available : every subject id of the Welltory data set (the run may have used fewer).
    """
    out = []
    for method, claim in UW.items():
        sub = uw_table[uw_table.method == method]
        err = (sub["hr_est"] - sub["hr_ref"]).abs().to_numpy(float)
        pre = [Precondition("enough windows", len(err) >= MIN_WINDOWS,
                            f"{len(err)} windows, the rule needs {MIN_WINDOWS}")]
        out.append(_decide(claim, bootstrap_mean(err) if len(err) else None, preconditions=pre,
                           evidence={"windows": len(err)}))
    red = welltory_errors["red"].abs() if len(welltory_errors) else welltory_errors
    used, missing = list(red.index), [s for s in welltory_available if s not in set(red.index)]
    pre = [Precondition("every subject of the data set is in the run", not missing and bool(used),
                        f"{len(used)} of {len(welltory_available)} subjects; left out: {', '.join(missing) or 'none'}")]
    iv = measurement(float(np.max(red.to_numpy(float))), "largest of one number per subject") if len(red) else None
    out.append(_decide(WELLTORY_RED, iv, preconditions=pre,
                       evidence={f"subject {k}": float(v) for k, v in red.items()}))
    return out
