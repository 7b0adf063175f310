"""The claims of Deng & Ramakrishnan and how a run decides them.

Every threshold is here, once, with where it comes from.

Memory and latency claims are decided on measurements that need no learning: counts and bytes
are exact (:func:`rppg_lib.claims.measurement`), latencies carry the range of the timed runs as
their interval (:func:`timing_interval`). Accuracy claims compare absolute HR errors paired by
test clip (:func:`rppg_lib.claims.paired_difference`) on the MAHNOB-HCI look-alike (never on an easy
rung of the learning ladder) and mean something only when a network learned, by the compendium's one
rule (:func:`rppg_lib.claims.network_learned`: MAE at most 0.8x the constant answer's and the paired
interval of network - constant below zero, on at least 10 clips). "As accurate as the dense model" needs
the dense model (the reference) to have learned; if the pruned one then did not, pruning lost the
accuracy. An ordering against POS / CHROM needs one of its two sides to have read the pulse and, like
every claim about accuracy on MAHNOB-HCI, data as hard as MAHNOB-HCI
(:func:`rppg_lib.claims.fidelity_precondition` on the look-alike's test videos).
"""
from __future__ import annotations

import numpy as np

from ...claims import (
    LEARNED_MIN_ITEMS,
    AtLeast,
    AtMost,
    Claim,
    Interval,
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

#: Fewest test clips for an accuracy verdict: the one rule's minimum.
MIN_TEST_CLIPS = LEARNED_MIN_ITEMS
#: Kept fraction of the connections and the memory reduction the paper states (Sec. III-A).
KEEP = reported(KEY, "Sec. III-A", "SNIP", "kept connections")
REDUCTION = reported(KEY, "Sec. III-A", "SNIP", "memory footprint reduction")
#: "Keeps one connection in 1 / KEEP" allows the rounding of the kept count (``round(keep * n)`` weights).
CONNECTIONS_TOLERANCE = 1e-3
#: "The pruned model stays accurate": at most this much worse in MAE than the dense one (bpm): the paper's
#: lead of "Ours" over the next-best method of Table I (Sub2019) in mean error; losing more would lose the lead.
AS_ACCURATE_BPM = (reported(KEY, "Table I", "Sub2019", "mean error") - reported(KEY, "Table I", "Ours", "mean error"))
#: The paper's own mean error (Table I, on MAHNOB-HCI only) ...
PAPER_MEAN_ERROR = reported(KEY, "Table I", "Ours", "mean error")
#: ... and how close "matches" is (the compendium's reading; the paper gives no spread).
PAPER_TOLERANCE_BPM = 1.0

CONNECTIONS = Claim("ten-times-fewer-connections", KEY, f"SNIP keeps 1 connection in {1 / KEEP:.0f}", "Sec. III-A",
                    "conv weights of the dense model / nonzero conv weights of the SNIP model",
                    AtLeast(1 / KEEP * (1 - CONNECTIONS_TOLERANCE)),
                    why=f"the paper keeps {KEEP:g} of the connections; {CONNECTIONS_TOLERANCE:.1%} allowed for "
                        "rounding the kept count")
MEMORY = Claim("ten-times-smaller-memory", KEY, f"Pruning reduces the memory footprint of the model {REDUCTION:g}x",
               "Abstract, Sec. III-A",
               "bytes on disk of the dense model / of the SNIP model stored sparse (CSR, int32 indices)",
               AtLeast(REDUCTION),
               why=f"the paper's factor {REDUCTION:g}; a file on disk is what a footprint measures (biases and norms "
                   "stay dense, each kept weight needs an index)")
LATENCY = Claim("pruning-lowers-latency", KEY, "Pruning lowers the latency", "Sec. I (contributions)",
                "latency of the dense model / latency of the faster SNIP form (masked dense or sparse format), one "
                "clip on this CPU", AtLeast(1.0), why="'latency is reduced': a speed-up above 1; the interval is "
                                                         "the range over the timed runs")
REAL_TIME = Claim("pruned-real-time", KEY, "The pruned model measures HR in real time", "Abstract, Sec. IV",
                  "real-time factor of the faster SNIP form (clip duration / latency per clip) on this CPU",
                  AtLeast(1.0), why="real time = a clip processed in at most its own duration")
AS_ACCURATE = Claim("pruned-as-accurate", KEY, "The pruned model stays as accurate as the dense one", "Sec. III, "
                    "Table I", "MAE(SNIP) - MAE(dense), bpm (paired by test clip)", AtMost(AS_ACCURATE_BPM),
                    why=f"at most {AS_ACCURATE_BPM:.1f} bpm worse: the paper's lead over Sub2019 in Table I")
BEATS_CLASSICAL = Claim("pruned-beats-pos-chrom", KEY, "The pruned model beats the classical methods", "Table I",
                        "MAE(SNIP) - MAE(better of POS and CHROM), bpm (paired by test clip)", AtMost(0.0),
                        why="an ordering claim; the paper's baselines are other methods, POS and CHROM are ours")
STVEN_HELPS = Claim("stven-helps-compressed", KEY, "STVEN in front of rPPGNet helps on compressed low-resolution "
                    "video", "Sec. II, Fig. 1", "MAE(STVEN + rPPGNet) - MAE(rPPGNet) at the strongest compression, "
                    "bpm (paired by test clip)", AtMost(0.0), why="an ordering claim")
TABLE_I = Claim("table-i-mean-error", KEY, f"Mean HR error {PAPER_MEAN_ERROR:g} bpm on MAHNOB-HCI", "Table I",
                "MAE of the SNIP model, bpm", matches_paper(PAPER_MEAN_ERROR, PAPER_TOLERANCE_BPM),
                why=f"within {PAPER_TOLERANCE_BPM:g} bpm of the paper's number; only meaningful on MAHNOB-HCI")

CLAIMS = (CONNECTIONS, MEMORY, LATENCY, REAL_TIME, AS_ACCURATE, BEATS_CLASSICAL, STVEN_HELPS, TABLE_I)


def timing_interval(times, what: str = "timed runs") -> Interval:
    """A latency (or a ratio of latencies) with the range of its timed runs as the interval: the
    median as the estimate, the fastest and slowest run as the bounds."""
    t = np.asarray(times, float)
    return Interval(float(np.median(t)), float(t.min()), float(t.max()), f"median of {t.size} {what}, min-max")


def _ratio(num: Interval, den: Interval, what: str) -> Interval:
    """num / den with the widest bounds the two ranges allow."""
    return Interval(num.estimate / den.estimate, num.low / den.high, num.high / den.low, what)


def _arr(x) -> np.ndarray:
    return np.atleast_2d(np.asarray(x, float))


def decide(memory: dict, errors: dict | None = None, *, stven_errors: dict | None = None,
           synthetic: bool = True, fidelity: dict | None = None, errors_data: str = "") -> list:
    """Verdicts of :data:`CLAIMS`.

    memory : ``{"dense_prunable", "snip_nonzero_prunable", "dense_bytes", "snip_sparse_bytes",
        "times_s": {"dense": [...], "masked": [...], "sparse": [...]}, "clip_s"}`` (from the memory and
        latency table).
    errors : method -> absolute HR errors per test clip, ``(clips,)`` or ``(seeds, clips)``, with keys
        "Constant", "POS", "CHROM", "dense", "SNIP", on the look-alike (or MAHNOB-HCI); None when no
        accuracy run was made.
    stven_errors : ``{"with": ..., "without": ..., "constant": ...}`` absolute errors at the strongest
        compression, or None when STVEN was not trained.
    synthetic : the accuracy runs used simulated data (Table I's numbers are then not comparable).
    fidelity : on simulated data, :func:`rppg_lib.clips.fidelity` of the test videos (the classical
        methods' error under MAHNOB-HCI's published protocol beside the published one); an easy rung or a
        sweep level has ``{}``, which fails the precondition of the claims about accuracy on MAHNOB-HCI.
    errors_data : what ``errors`` were measured on, shown in the accuracy claims' evidence.
    """
    m = memory
    ev_mem = {"dense conv weights": m["dense_prunable"], "SNIP nonzero conv weights": m["snip_nonzero_prunable"],
              "dense bytes": m["dense_bytes"], "SNIP CSR bytes": m["snip_sparse_bytes"]}
    out = [_decide(CONNECTIONS, measurement(m["dense_prunable"] / m["snip_nonzero_prunable"], "exact count"),
                   evidence=ev_mem),
           _decide(MEMORY, measurement(m["dense_bytes"] / m["snip_sparse_bytes"], "bytes of torch.save files"),
                   evidence=ev_mem)]
    t = {k: timing_interval(v) for k, v in m["times_s"].items()}
    fastest = min(("masked", "sparse"), key=lambda k: t[k].estimate)
    ev_t = {f"latency {k} (s, median)": iv.estimate for k, iv in t.items()} | {"faster SNIP form": fastest}
    out.append(_decide(LATENCY, _ratio(t["dense"], t[fastest], "dense / pruned latency, bounds from the timed "
                                                                 "runs' ranges"), evidence=ev_t))
    rtf = Interval(m["clip_s"] / t[fastest].estimate, m["clip_s"] / t[fastest].high, m["clip_s"] / t[fastest].low,
                   f"{m['clip_s']:g} s / latency, bounds from {t[fastest].method}")
    out.append(_decide(REAL_TIME, rtf, evidence=ev_t))

    ran = Precondition("the accuracy runs were made", errors is not None)
    # claims about accuracy on MAHNOB-HCI: decided only on data as hard as it (the real dataset needs no check)
    hard = [fidelity_precondition(fidelity, "the MAHNOB-HCI look-alike's test videos")] if synthetic else []
    if errors is None:
        out += [_decide(c, None, preconditions=[ran]) for c in (AS_ACCURATE, BEATS_CLASSICAL)]
    else:
        const = _arr(errors["Constant"])
        ev = {"data": errors_data} if errors_data else {}
        ev |= {f"MAE {k}": float(np.nanmean(v)) for k, v in errors.items()}
        # the dense model is the reference: when it learned and the pruned one did not, pruning lost the accuracy
        dense_ok = learned_precondition({"the dense rPPGNet": _arr(errors["dense"])}, const, what="test clips",
                                        min_items=MIN_TEST_CLIPS, require="all")
        out.append(_decide(AS_ACCURATE, paired_difference(_arr(errors["SNIP"]), _arr(errors["dense"])),
                           preconditions=[dense_ok], evidence=ev))
        better = min(("POS", "CHROM"), key=lambda k: float(np.nanmean(errors[k])))
        # an ordering means something when at least one side read the pulse; two failures differ by noise
        either = learned_precondition({"SNIP rPPGNet": _arr(errors["SNIP"]), better: _arr(errors[better])}, const,
                                      what="test clips", min_items=MIN_TEST_CLIPS, require="any")
        out.append(_decide(BEATS_CLASSICAL, paired_difference(_arr(errors["SNIP"]), _arr(errors[better])),
                           preconditions=[*hard, either], evidence=ev))

    stven_ran = Precondition("STVEN + rPPGNet was trained", stven_errors is not None,
                             "not at this profile" if stven_errors is None else "")
    if stven_errors is None:
        out.append(_decide(STVEN_HELPS, None, preconditions=[stven_ran]))
    else:
        pre = [learned_precondition({"rPPGNet without STVEN": _arr(stven_errors["without"])},
                                    _arr(stven_errors["constant"]), what="compressed test clips",
                                    min_items=MIN_TEST_CLIPS, require="all")]
        out.append(_decide(STVEN_HELPS, paired_difference(_arr(stven_errors["with"]), _arr(stven_errors["without"])),
                           preconditions=pre))

    t1 = None if errors is None else measurement(float(np.nanmean(errors["SNIP"])), "MAE over the test clips")
    out.append(_decide(TABLE_I, t1, preconditions=[
        Precondition("the paper's dataset (MAHNOB-HCI)", not synthetic,
                     "on simulated data the error measures the simulator, not MAHNOB-HCI"), ran]))
    return out


def memory_evidence(table, raw: dict, clip_s: float) -> dict:
    """:func:`decide`'s ``memory`` from :func:`rppg_lib.papers.deng_pruned_stven.experiment.memory_latency_table`."""
    rows = {"dense": "dense", "masked": "SNIP, masked dense", "sparse": "SNIP, sparse format (CSR)"}
    return {"dense_prunable": int(table.loc["dense", "prunable"]),
            "snip_nonzero_prunable": int(table.loc[rows["masked"], "nonzero prunable"]),
            "dense_bytes": int(table.loc["dense", "bytes on disk"]),
            "snip_sparse_bytes": int(table.loc[rows["sparse"], "bytes on disk"]),
            "times_s": {k: raw["times_s"][v] for k, v in rows.items()}, "clip_s": float(clip_s)}


def pooled_errors(errors: dict) -> dict:
    """:func:`decide`'s ``errors`` from :func:`~rppg_lib.papers.deng_pruned_stven.experiment.accuracy_runs`'
    clip tables (method -> table with ``error`` and, for networks, ``seed``)."""
    from .experiment import CONSTANT, abs_errors

    names = {"Constant": CONSTANT, "POS": "POS", "CHROM": "CHROM", "dense": "rPPGNet dense", "SNIP": "rPPGNet SNIP"}
    return {k: abs_errors(errors[v]) for k, v in names.items()}


__all__ = ["CLAIMS", "decide", "memory_evidence", "pooled_errors", "timing_interval", "MIN_TEST_CLIPS",
           "AS_ACCURATE_BPM", "KEEP"]
