"""The claims of Gideon & Stent 2021 and how a run decides them.

Every threshold is here, once, with where it comes from. Model comparisons
(Table 3) are decided on the absolute HR errors of the test clips, paired by
clip, with a bootstrap over clips and seeds (:func:`rppg_lib.claims.paired_difference`).
Sweeps run once per setting (Fig. 5, Table 7, Fig. 4) are single measurements.

Preconditions (computed from the run, :mod:`rppg_lib.claims`):

- a comparison means something only when the supervised control learned, by the compendium's one rule
  (:func:`rppg_lib.claims.network_learned`: MAE at most :data:`~rppg_lib.claims.LEARNED_FRACTION` x the constant
  answer's, the mean training HR, and the paired bootstrap interval of the difference below zero, on at least
  :data:`~rppg_lib.claims.LEARNED_MIN_ITEMS` test clips); an ordering of two
  networks needs the ones it ranks above the other to have learned;
- every claim decided on the chapter's data (accuracy on a data set, orderings and changes of accuracy) needs
  the data to be as hard as the real dataset (:func:`rppg_lib.claims.fidelity_precondition` on the
  look-alike's POS / CHROM errors against the published ones); an easy rung of the learning ladder has no
  fidelity entry and never decides a claim. Real data (``synthetic=False``) are the dataset itself.
"""
from __future__ import annotations

import numpy as np

from ...claims import (
    AtLeast,
    AtMost,
    Between,
    Claim,
    Precondition,
    fidelity_precondition,
    learned_precondition,
    matches_paper,
    measurement,
    paired_difference,
)
from ...claims import decide as _decide
from ...results import reported
from . import KEY

_DATASETS = ("PURE", "COHFACE", "MR-NIRP-Car", "UBFC")
#: "On par": contrastive at most this much worse in MAE (bpm): the largest such gap in the paper's Table 3.
ON_PAR_BPM = max(reported(KEY, "Table 3", "Contrastive", f"{d} MAE")
                 - reported(KEY, "Table 3", "Supervised", f"{d} MAE") for d in _DATASETS)
#: "By far": a model's MAE at most this fraction of the better baseline's (the compendium's reading of "by far":
#: the paper's models are several times better, :data:`PAPER_LEAD`).
BY_FAR_FRACTION = 0.5
#: The paper's lead of each model over the better baseline in Table 3: the lowest and highest ratio
#: baseline MAE / model MAE over its data sets (quoted in the claim's reason).
_PAPER_RATIOS = [min(reported(KEY, "Table 3", b, f"{d} MAE") for b in ("Mean", "Median"))
                 / reported(KEY, "Table 3", m, f"{d} MAE") for m in ("Supervised", "Contrastive") for d in _DATASETS]
PAPER_LEAD = (min(_PAPER_RATIOS), max(_PAPER_RATIOS))
#: "Changes accuracy little": within this many bpm (the paper: "at most one point").
LITTLE_BPM = 1.0
#: "Barely changes": within this many bpm of RMSE, the largest change of the paper's Table 7.
BARELY_BPM = float(reported(KEY, "Table 7").query("column.str.startswith('RMSE change')")["value"].abs().max())
#: MCC "stays accurate": at most this much worse at the largest offset; PC "degrades": more than this. The paper
#: gives no number (Fig. 5: PC "degrades quickly", MCC "stays relatively stable"); the compendium's reading.
DESYNC_BPM = 3.0
#: Median |HR change over 10 s| of the paper's datasets (Supplement Fig. 6) ...
MEDIAN_HR_CHANGE_BPM = reported(KEY, "Supplement Fig. 6", "all datasets", "median |dHR| over 10 s")
#: ... and how close "about" is (the compendium's reading; the paper gives one number, no spread).
MEDIAN_HR_CHANGE_TOLERANCE_BPM = 1.0
#: The rule every chapter uses for the median 10-s HR change.
HR_CHANGE_RULE = matches_paper(MEDIAN_HR_CHANGE_BPM, MEDIAN_HR_CHANGE_TOLERANCE_BPM)

ON_PAR = Claim("contrastive-on-par", KEY, "Contrastive training without labels is on par with supervised training",
               "Table 3", "MAE(contrastive) - MAE(supervised), bpm (paired by test clip)", AtMost(ON_PAR_BPM),
               why=f"'on par' = at most {ON_PAR_BPM:.1f} bpm worse in MAE, the largest gap in the paper's Table 3")
BEAT_BASELINES = Claim("beat-baselines", KEY, "Supervised and contrastive models beat the mean and median baselines "
                       "by far", "Table 3",
                       f"max over the two models of mean(|error| - {BY_FAR_FRACTION} x |error of the better "
                       "baseline|), bpm", AtMost(0.0),
                       why=f"'by far' = below {BY_FAR_FRACTION:.0%} of the better baseline's error; the paper's "
                           f"models are {PAPER_LEAD[0]:.0f}-{PAPER_LEAD[1]:.0f}x better")
SALIENCY_LITTLE = Claim("saliency-changes-little", KEY, "The saliency sampler changes accuracy little", "Table 3",
                        "largest |MAE(with sampler) - MAE(without)| over supervised and contrastive, bpm",
                        Between(-LITTLE_BPM, LITTLE_BPM), why="the paper: 'at most one point'")
SNR_HIGHER = Claim("contrastive-higher-snr", KEY, "Contrastive models give a higher PPG SNR than supervised ones",
                   "Table 6 / A3", "SNR(contrastive) - SNR(supervised), dB (paired by clip)", AtLeast(0.0),
                   why="an ordering claim")
PC_HIGHEST = Claim("supervised-highest-pc", KEY, "Supervised training attains the highest PPG Pearson correlation",
                   "Table 6 / A3", "PC(supervised) - PC(contrastive) (paired by clip)", AtLeast(0.0),
                   why="an ordering claim")
MCC_ROBUST = Claim("mcc-robust-to-desync", KEY, "MCC stays accurate under desynchronisation while PC degrades",
                   "Fig. 5", "[MCC change, minus PC change] of RMSE from no offset to the largest, bpm",
                   AtMost(0.0), why=f"MCC stays within {DESYNC_BPM:g} bpm while PC gets more than {DESYNC_BPM:g} "
                                    f"bpm worse; the quantity is max(MCC change - {DESYNC_BPM:g}, {DESYNC_BPM:g} - PC "
                                    "change)")
SNR_WEAK = Claim("snr-loss-weak", KEY, "The SNR loss is weak at every offset (worse than MCC)", "Fig. 5",
                 "min over offsets of RMSE(SNR loss) - RMSE(MCC loss), bpm", AtLeast(0.0), why="an ordering claim")
FLASH = Claim("flashing-block-saliency", KEY, "Flashing block: the contrastive model's saliency finds the nuisance, "
              "the supervised one ignores it", "Fig. 4",
              "min(contrastive saliency on the block / (2 x block area), block area / supervised saliency on it)",
              AtLeast(1.0), why="'finds' = more than twice the area share; 'ignores' = at most the area share")
T7_BARELY = Claim("regulariser-weights-barely-matter", KEY, "Saliency regulariser weights barely change accuracy",
                  "Table 7", "largest |RMSE change| vs (w_s, w_t) = (0, 0), bpm", Between(-BARELY_BPM, BARELY_BPM),
                  why=f"within {BARELY_BPM:.1f} bpm, the largest change in the paper's Table 7")
HR_CHANGE = Claim("median-hr-change", KEY, f"The median HR change is about {MEDIAN_HR_CHANGE_BPM:g} bpm over 10 s",
                  "Supplement Fig. 6",
                  "median |HR(t + 10 s) - HR(t)|, bpm", HR_CHANGE_RULE,
                  why=f"'about' = within {MEDIAN_HR_CHANGE_TOLERANCE_BPM:g} bpm of the paper's number")
ON_PAR_EVERYWHERE = Claim("contrastive-on-par-every-dataset", KEY, "Contrastive training is on par with supervised "
                          "training on every data set", "Table 3 (all data sets)",
                          "max over data sets of MAE(contrastive) - MAE(supervised), bpm", AtMost(ON_PAR_BPM),
                          why=ON_PAR.why)
BASELINES_EVERYWHERE = Claim("beat-baselines-every-dataset", KEY, "Supervised and contrastive models beat the "
                             "baselines by far on every data set", "Table 3 (all data sets)",
                             BEAT_BASELINES.quantity.replace("max over", "max over data sets and"), AtMost(0.0),
                             why=BEAT_BASELINES.why)

CLAIMS = (ON_PAR, BEAT_BASELINES, SALIENCY_LITTLE, SNR_HIGHER, PC_HIGHEST, MCC_ROBUST, SNR_WEAK, FLASH, T7_BARELY,
          HR_CHANGE, ON_PAR_EVERYWHERE, BASELINES_EVERYWHERE)


def _arr(x) -> np.ndarray:
    return np.atleast_2d(np.asarray(x, float))


def control_learned(errors: dict, label: str = "", names=("Supervised",)) -> Precondition:
    """The networks ``names`` (default the supervised control) learned on the test clips, by
    :func:`rppg_lib.claims.learned_precondition` (``require="all"``) against ``errors["Constant"]``
    (``errors``: method -> |error| per clip, ``(clips,)`` or ``(seeds, clips)``)."""
    return learned_precondition({n: errors[n] for n in names}, errors["Constant"], require="all",
                                what=f"the test clips{' of ' + label if label else ''}")


def data_precondition(fidelity: dict | None, synthetic: bool, label: str = "the data") -> Precondition:
    """The data are as hard as the real dataset: :func:`rppg_lib.claims.fidelity_precondition` (POS and CHROM
    ratios) on the look-alike's ``fidelity`` (:func:`rppg_lib.clips.fidelity` of its test recordings), or the
    real dataset."""
    if not synthetic:
        return Precondition(f"{label} are the real dataset", True)
    return fidelity_precondition(fidelity, what=label)


def _by_far(errors: dict):
    base = min(("Mean", "Median"), key=lambda k: np.nanmean(errors[k]))
    ivs = [paired_difference(_arr(errors[m]), BY_FAR_FRACTION * _arr(errors[base])) for m in ("Supervised",
                                                                                              "Contrastive")]
    return max(ivs, key=lambda iv: iv.high)


def _maes(errors: dict) -> dict:
    return {f"MAE {k}": float(np.nanmean(v)) for k, v in errors.items()}


def decide(errors: dict, ppg: dict, *, fidelity: dict | None = None, fig5=None, fig5_errors=None, saliency=None,
           t7=None, hr_change_median: float | None = None, synthetic: bool = True, datasets: dict | None = None,
           datasets_fidelity: dict | None = None) -> list:
    """Verdicts of :data:`CLAIMS`.

    errors : method ("Mean", "Median", "Constant", "Supervised", "Contrastive", optionally "Supervised +
        saliency", "Contrastive + saliency") -> absolute HR errors per test clip, ``(clips,)`` or
        ``(seeds, clips)``; "Constant" is the constant answer (the mean training HR).
    ppg : {"snr": {method: per-clip SNR}, "pc": {method: per-clip PC}} for "Supervised" and "Contrastive".
    fidelity : :func:`rppg_lib.clips.fidelity` of the main data's test recordings (``synthetic=True``).
    fig5 : RMSE by offset (index O_max in s; columns "mcc", "pearson", "snr", "Mean"), or None;
        fig5_errors : per-clip absolute errors of the MCC model without offset (same test clips as ``errors``).
    saliency : {"contrastive": {"mass_in_box", "area_share"}, "supervised": {...}, "supervised_errors",
        "constant_errors"} (per-clip absolute errors on the flashing-block test clips), or None.
    t7 : Table 7 with columns "rmse_change" and "errors" (per-clip absolute errors per setting), or None.
    hr_change_median : median |HR change over 10 s| of the data, bpm.
    datasets : label -> errors dict like ``errors`` (Mean, Median, Constant, Supervised, Contrastive) per data
        set; datasets_fidelity : label -> its :func:`rppg_lib.clips.fidelity` (``synthetic=True``).
    """
    fid = data_precondition(fidelity, synthetic, "the main data")
    learned = control_learned(errors)
    ev = _maes(errors)
    out = [_decide(ON_PAR, paired_difference(_arr(errors["Contrastive"]), _arr(errors["Supervised"])),
                   preconditions=[fid, learned], evidence=ev),
           _decide(BEAT_BASELINES, _by_far(errors), preconditions=[fid, learned], evidence=ev)]

    with_sal = [m for m in ("Supervised", "Contrastive") if f"{m} + saliency" in errors]
    sal_iv = None
    if with_sal:
        ivs = [paired_difference(_arr(errors[f"{m} + saliency"]), _arr(errors[m])) for m in with_sal]
        sal_iv = max(ivs, key=lambda iv: max(abs(iv.low), abs(iv.high)))
    out.append(_decide(SALIENCY_LITTLE, sal_iv, preconditions=[fid, learned, Precondition(
        "models with the sampler were trained", bool(with_sal))], evidence=ev))
    # an ordering of two networks: the one ranked above must have learned
    out.append(_decide(SNR_HIGHER, paired_difference(_arr(ppg["snr"]["Contrastive"]), _arr(ppg["snr"]["Supervised"])),
                       preconditions=[fid, control_learned(errors, names=("Contrastive",))]))
    out.append(_decide(PC_HIGHEST, paired_difference(_arr(ppg["pc"]["Supervised"]), _arr(ppg["pc"]["Contrastive"])),
                       preconditions=[fid, learned]))

    swept = fig5 is not None and len(fig5.index) >= 2
    f5_iv = f5_snr = None
    f5_ev = {}
    f5_learned = Precondition("the desynchronisation sweep ran", swept)
    if swept:
        o0, omax = fig5.index.min(), fig5.index.max()
        mcc_change = fig5.loc[omax, "mcc"] - fig5.loc[o0, "mcc"]
        pc_change = fig5.loc[omax, "pearson"] - fig5.loc[o0, "pearson"]
        f5_iv = measurement(max(mcc_change - DESYNC_BPM, DESYNC_BPM - pc_change), "one model per loss and offset")
        f5_snr = measurement(float((fig5["snr"] - fig5["mcc"]).min()), "one model per loss and offset")
        if fig5_errors is None:
            f5_learned = Precondition("the MCC model without offset learned", False, "its per-clip errors are missing")
        else:
            f5_learned = learned_precondition({"MCC loss, no offset": fig5_errors}, errors["Constant"],
                                              what="the test clips", require="all")
        f5_ev = {f"RMSE {loss} at {o:g} s": float(v) for loss in ("mcc", "pearson", "snr")
                 for o, v in fig5[loss].items()}
    out.append(_decide(MCC_ROBUST, f5_iv, preconditions=[fid, f5_learned], evidence=f5_ev))
    out.append(_decide(SNR_WEAK, f5_snr, preconditions=[fid, f5_learned], evidence=f5_ev))

    flash_iv, flash_pre, flash_ev = None, [Precondition("the flashing-block experiment ran", saliency is not None)], {}
    if saliency is not None:
        c, s = saliency["contrastive"], saliency["supervised"]
        flash_iv = measurement(min(c["mass_in_box"] / (2 * c["area_share"]),
                                   s["area_share"] / max(s["mass_in_box"], 1e-12)), "one model each")
        flash_pre.append(learned_precondition({"supervised, with the block": saliency["supervised_errors"]},
                                              saliency["constant_errors"], what="the flashing-block test clips",
                                              require="all"))
        flash_pre.append(data_precondition(fidelity, synthetic, "the data the block is added to"))
        flash_ev = {"saliency on block, contrastive": c["mass_in_box"], "saliency on block, supervised":
                    s["mass_in_box"], "block area share": c["area_share"]}
    out.append(_decide(FLASH, flash_iv, preconditions=flash_pre, evidence=flash_ev))

    t7_iv, t7_pre = None, [Precondition("the Table 7 sweep ran", t7 is not None and len(t7) > 1)]
    if t7 is not None and len(t7) > 1:
        change = t7["rmse_change"].to_numpy(float)
        worst = change[np.nanargmax(np.abs(change))]
        t7_iv = measurement(float(worst), "one model per setting")
        t7_pre.append(learned_precondition({f"w_s={a:g}, w_t={b:g}": e for (a, b), e in t7["errors"].items()},
                                           errors["Constant"], what="the test clips", require="any"))
    out.append(_decide(T7_BARELY, t7_iv, preconditions=[fid, learned, *t7_pre]))

    out.append(_decide(HR_CHANGE, None if hr_change_median is None else measurement(hr_change_median),
                       preconditions=[Precondition("the paper's datasets", not synthetic,
                                                   "on simulated data this measures the simulator's HR dynamics")]))

    datasets, datasets_fidelity = datasets or {}, datasets_fidelity or {}
    checks = {k: (data_precondition(datasets_fidelity.get(k), synthetic, k), control_learned(e, k))
              for k, e in datasets.items()}
    judged = {k: datasets[k] for k, pre in checks.items() if all(p.ok for p in pre)}
    left_out = {k: "; ".join(f"{p.name} ({p.detail})" for p in pre if not p.ok)
                for k, pre in checks.items() if k not in judged}
    ev_all = {f"{k}: {m}": v for k, e in datasets.items() for m, v in _maes(e).items()}
    ev_all |= {f"{k} left out": why for k, why in left_out.items()}
    every = Precondition("every data set could be judged", bool(datasets) and not left_out,
                         "; ".join(f"{k}: {why}" for k, why in left_out.items()) or "no data sets")
    par = max((paired_difference(_arr(e["Contrastive"]), _arr(e["Supervised"])) for e in judged.values()),
              key=lambda iv: iv.high, default=None)
    far = max((_by_far(e) for e in judged.values()), key=lambda iv: iv.high, default=None)
    out.append(_decide(ON_PAR_EVERYWHERE, par, preconditions=[every], evidence=ev_all))
    out.append(_decide(BASELINES_EVERYWHERE, far, preconditions=[every], evidence=ev_all))
    return out


def pooled_errors(table3_runs: list, baselines: dict) -> dict:
    """``decide``'s ``errors`` from :func:`rppg_lib.papers.gideon2021.experiment.run_model` results and
    the baselines' clip tables (method -> table): absolute errors per seed and clip."""
    out = {k: np.abs(t.hr_pred.to_numpy() - t.hr_ref.to_numpy()) for k, t in baselines.items()}
    by_name: dict = {}
    for r in table3_runs:
        t = r["table"]
        by_name.setdefault(r["name"], []).append(np.abs(t.hr_pred.to_numpy() - t.hr_ref.to_numpy()))
    out |= {k: np.stack(v) for k, v in by_name.items()}
    return out


def pooled_ppg(table3_runs: list) -> dict:
    """``decide``'s ``ppg``: per-seed, per-clip SNR and PC of each model."""
    out: dict = {"snr": {}, "pc": {}}
    for r in table3_runs:
        out["snr"].setdefault(r["name"], []).append(r["table"].ppg_snr.to_numpy())
        out["pc"].setdefault(r["name"], []).append(r["table"].ppg_pc.to_numpy())
    return {k: {m: np.stack(v) for m, v in d.items()} for k, d in out.items()}


__all__ = ["CLAIMS", "decide", "pooled_errors", "pooled_ppg", "control_learned", "data_precondition",
           "HR_CHANGE_RULE"]
