"""The claims of Yu et al. 2020 (AutoHR) and how a run decides them.

Every comparison is on the absolute per-video HR errors of the same test videos (a video's HR
is the mean over its 10 s clips, App. B), paired by video, with a bootstrap over videos and
seeds (:func:`rppg_lib.claims.paired_difference`). Preconditions, computed from the run
(otherwise the claim is *not testable here* with the numbers in the reason):

- every network the claim ranks above another learned, by the compendium's one rule
  (:func:`rppg_lib.claims.learned_precondition` with ``require="all"``: per-video MAE at most
  0.8x the constant answer's, the training videos' mean HR, with the paired bootstrap interval of
  (network - constant) below zero, on at least :data:`MIN_TEST_VIDEOS` videos);
- an ordering against POS / CHROM is decided only on data as hard as VIPL-HR
  (:func:`rppg_lib.claims.fidelity_precondition`: POS / CHROM on the test videos within
  :data:`rppg_lib.claims.FIDELITY_RATIO_RANGE` of the published errors; never on an easy rung).

The paper reports RMSE in Fig. 4; the claims compare MAE, whose per-video terms pair. The numbers
the statements quote come from ``numbers.csv``.
"""
from __future__ import annotations

import numpy as np

from ...claims import (
    AtLeast,
    AtMost,
    Claim,
    Precondition,
    fidelity_precondition,
    learned_precondition,
    paired_difference,
)
from ...claims import decide as _decide
from ...results import reported
from . import KEY

__all__ = ["CLAIMS", "MIN_TEST_VIDEOS", "decide"]

#: Fewest test videos for a verdict.
MIN_TEST_VIDEOS = 10


def _paper(table: str, row: str, column: str) -> str:
    return f"{reported(KEY, table, row, column):g}"



FREQUENCY_MATTERS = Claim("frequency-loss-matters", KEY, "The frequency loss L_fre matters more than the time "
                          f"loss L_time ({_paper('Fig. 4a', 'time - frequency', 'RMSE')} bpm lower RMSE)", "Fig. 4a",
                          "MAE(time loss only) - MAE(frequency loss only), bpm (PhysNet, paired by video)",
                          AtLeast(0.0), why="an ordering claim")
HYBRID_BEST = Claim("hybrid-loss-best", KEY, "The hybrid loss gives the lowest error of the three losses", "Fig. 4a",
                    "MAE(hybrid) - MAE(better of time only, frequency only), bpm (PhysNet, paired by video)",
                    AtMost(0.0), why="an ordering claim")
TDC_HELPS = Claim("tdc-beats-plain-convolution", KEY, "TDC with theta > 0 gives a lower error than the vanilla 3-D "
                  "convolution (theta = 0) in most cases", "Fig. 4b",
                  "mean over the thetas > 0 of MAE(theta) - MAE(theta = 0), bpm (PhysNet, paired by video)",
                  AtMost(0.0), why="'in most cases' read as on average over the swept thetas")
SEARCHED_BEATS_MANUAL = Claim("searched-beats-manual", KEY, "Searched backbones always beat the hand-designed one",
                              "Fig. 4c", "max over the searched configurations of MAE(searched) - MAE(manual), bpm "
                              "(paired by video)", AtMost(0.0), why="'always' = every searched configuration")
SHARED_BEATS_VARIED = Claim("shared-beats-varied", KEY, "Shared cells search better architectures than varied cells",
                            "Fig. 4c", "MAE(NAS shared, with TDC) - MAE(NAS varied, with TDC), bpm (paired by video)",
                            AtMost(0.0), why="an ordering claim")
TDC_IN_SEARCH = Claim("tdc-in-search-space-helps", KEY, "Better networks are searched with TDC in the operation space",
                      "Fig. 4c", "MAE(NAS shared, with TDC) - MAE(NAS shared, without TDC), bpm (paired by video)",
                      AtMost(0.0), why="an ordering claim")
DA1_HURTS = Claim("da1-alone-hurts", KEY, "DA1 alone harms slightly "
                  f"({_paper('Fig. 4d', 'DA1 - none', 'RMSE')} bpm higher RMSE)", "Fig. 4d",
                  "MAE(DA1) - MAE(no augmentation), bpm (searched backbone, paired by video)", AtLeast(0.0),
                  why="an ordering claim: the paper's own surprise")
DA_BOTH_HELP = Claim("da1-da2-help", KEY, "DA1 + DA2 improves on no augmentation "
                     f"({-reported(KEY, 'Fig. 4d', 'DA1+DA2 vs none', 'RMSE change'):g} % lower RMSE)", "Fig. 4d",
                     "MAE(DA1 + DA2) - MAE(no augmentation), bpm (searched backbone, paired by video)", AtMost(0.0),
                     why="an ordering claim")
BEATS_CLASSICAL = Claim("autohr-beats-pos-chrom", KEY, "AutoHR beats POS and CHROM in less-constrained scenarios",
                        "Table I", "MAE(AutoHR) - MAE(better of POS, CHROM), bpm (paired by video)", AtMost(0.0),
                        why="an ordering claim on the same clips")
BEATS_PHYSNET = Claim("autohr-beats-physnet", KEY, "AutoHR beats the end-to-end PhysNet", "Table I",
                      "MAE(AutoHR) - MAE(PhysNet), bpm (paired by video)", AtMost(0.0), why="an ordering claim")
TRANSFERS = Claim("autohr-transfers", KEY, "AutoHR generalises to an unseen data set better than PhysNet",
                  "Table III", "MAE(AutoHR) - MAE(PhysNet) on the cross-dataset test set, bpm (paired by video)",
                  AtMost(0.0), why="an ordering claim; both trained on the intra-dataset training videos")

CLAIMS = (FREQUENCY_MATTERS, HYBRID_BEST, TDC_HELPS, SEARCHED_BEATS_MANUAL, SHARED_BEATS_VARIED, TDC_IN_SEARCH,
          DA1_HURTS, DA_BOTH_HELP, BEATS_CLASSICAL, BEATS_PHYSNET, TRANSFERS)


def _arr(x) -> np.ndarray:
    return np.atleast_2d(np.asarray(x, float))


def _learned(errors: dict, keys, constant, what: str) -> Precondition:
    """Every network of ``keys`` (the ones the claim ranks above others) learned, by the one rule."""
    if not keys or any(k not in errors for k in keys):
        return Precondition("the networks it ranks learned", False, "its networks were not run")
    return learned_precondition({k: _arr(errors[k]) for k in keys}, _arr(constant), what=what,
                                min_items=MIN_TEST_VIDEOS, require="all")


def _ran(errors: dict, keys) -> Precondition:
    missing = [k for k in keys if k not in errors]
    return Precondition("every run of the comparison was made", not missing,
                        f"not run: {', '.join(missing)}" if missing else "")


def decide(errors: dict, *, cross: dict | None = None, fidelity: dict | None = None, real_data: bool = False,
           what: str = "the test videos") -> list:
    """Verdicts of :data:`CLAIMS`.

    errors : name -> absolute per-video errors ``(videos,)`` or ``(seeds, videos)`` on the intra-dataset test
        videos: ``"constant"``, ``"POS"``, ``"CHROM"``, the losses ``"loss hybrid"``, ``"loss time"``,
        ``"loss frequency"`` (PhysNet), ``"theta <t>"`` (PhysNet with TDC, ``"theta 0"`` plain),
        ``"manual"`` and the searched ``"NAS shared, with TDC"`` etc. (no augmentation), ``"DA1"``,
        ``"DA2"``, ``"DA1+DA2"`` (the searched shared backbone with TDC; ``"DA1+DA2"`` is AutoHR),
        ``"PhysNet"`` (time loss, PhysNet's own).
    cross : the same for the cross-dataset test: ``"constant"``, ``"AutoHR"``, ``"PhysNet"``.
    fidelity : :func:`rppg_lib.clips.fidelity` of the test videos (the orderings against POS / CHROM need
        it within range); real_data : the data are VIPL-HR itself (no look-alike check needed).
    """
    ev = {f"MAE {k}": float(np.nanmean(v)) for k, v in errors.items()}
    const = errors["constant"]
    if real_data:
        data_ok = Precondition("the data are the real dataset (VIPL-HR)", True)
    else:
        data_ok = fidelity_precondition(fidelity, what=f"{what}")

    def verdict(claim, keys, interval_of, above, data=False):
        pre = [_ran(errors, keys), _learned(errors, above, const, what)]
        if data:
            pre.append(data_ok)
        iv = interval_of() if all(p.ok for p in pre) else None
        return _decide(claim, iv, preconditions=pre, evidence=ev)

    diff = lambda a, b: paired_difference(_arr(errors[a]), _arr(errors[b]))  # noqa: E731
    best = lambda keys: min(keys, key=lambda k: np.nanmean(errors[k]))  # noqa: E731
    losses = ["loss hybrid", "loss time", "loss frequency"]
    out = [verdict(FREQUENCY_MATTERS, losses[1:], lambda: diff("loss time", "loss frequency"), ["loss frequency"]),
           verdict(HYBRID_BEST, losses, lambda: diff("loss hybrid", best(losses[1:])), ["loss hybrid"])]

    thetas = sorted((k for k in errors if k.startswith("theta ") and float(k.split()[1]) > 0),
                    key=lambda k: float(k.split()[1]))
    mean_tdc = lambda: np.mean([_arr(errors[k]) for k in thetas], axis=0)  # noqa: E731
    out.append(verdict(TDC_HELPS, ["theta 0", *(thetas or ["theta > 0"])],
                       lambda: paired_difference(mean_tdc(), _arr(errors["theta 0"])), thetas))

    searched = [k for k in errors if k.startswith("NAS ")]
    out.append(verdict(SEARCHED_BEATS_MANUAL, ["manual", *(searched or ["NAS shared, with TDC"])],
                       lambda: max((diff(k, "manual") for k in searched), key=lambda iv: iv.high), searched))
    shared, varied, no_tdc = "NAS shared, with TDC", "NAS varied, with TDC", "NAS shared, without TDC"
    out.append(verdict(SHARED_BEATS_VARIED, [shared, varied], lambda: diff(shared, varied), [shared]))
    out.append(verdict(TDC_IN_SEARCH, [shared, no_tdc], lambda: diff(shared, no_tdc), [shared]))
    out.append(verdict(DA1_HURTS, [shared, "DA1"], lambda: diff("DA1", shared), [shared]))
    out.append(verdict(DA_BOTH_HELP, [shared, "DA1+DA2"], lambda: diff("DA1+DA2", shared), ["DA1+DA2"]))
    out.append(verdict(BEATS_CLASSICAL, ["DA1+DA2", "POS", "CHROM"],
                       lambda: diff("DA1+DA2", best(["POS", "CHROM"])), ["DA1+DA2"], data=True))
    out.append(verdict(BEATS_PHYSNET, ["DA1+DA2", "PhysNet"], lambda: diff("DA1+DA2", "PhysNet"), ["DA1+DA2"]))

    cross = dict(cross or {})
    cev = {**ev, **{f"MAE cross-dataset {k}": float(np.nanmean(v)) for k, v in cross.items()}}
    pre = [Precondition("the cross-dataset test was run", all(k in cross for k in ["AutoHR", "PhysNet", "constant"]))]
    if pre[0].ok:
        pre.append(_learned(cross, ["AutoHR"], cross["constant"], "the cross-dataset test videos"))
    iv = paired_difference(_arr(cross["AutoHR"]), _arr(cross["PhysNet"])) if all(p.ok for p in pre) else None
    out.append(_decide(TRANSFERS, iv, preconditions=pre, evidence=cev))
    return out
