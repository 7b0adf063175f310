"""The checks of the benchmark chapter and how a run decides them.

These are ``kind="validation"`` claims about the compendium's methods under its one protocol, not a
paper's result. Every threshold is here, once.

- POS against GREEN on the still, lossless look-alike videos: the paired mean difference of the
  per-video MAE, with a bootstrap interval over videos (:func:`rppg_lib.claims.paired_difference`).
- The six classical methods err differently across videos: the Friedman test's p-value, shown as the
  interval [0, p] (a p-value above the level is absence of evidence, so this claim is never
  "contradicted", only "reproduced" or "inconclusive").
- The video front end of ``rppg predict`` keeps up with a 30-fps camera on this CPU (a measurement).
- A network trained only on look-alikes reads real skin video at least as well as the rPPG-Toolbox's
  networks trained on synthetic video read real UBFC-rPPG (the Toolbox's worst figure, from this
  home's ``numbers.csv``), with a bootstrap interval over clips.
"""
from __future__ import annotations

import numpy as np

from ...claims import AtLeast, AtMost, Claim, Interval, Precondition, bootstrap_mean, measurement, paired_difference
from ...claims import decide as _decide
from ...results import reported
from . import KEY

#: Fewest videos for a verdict on a difference or a ranking over videos.
MIN_VIDEOS = 8
#: Fewest real clips for a verdict on the real-skin error.
MIN_REAL_CLIPS = 8
#: The significance level of the Friedman test.
ALPHA = 0.05
#: The frame rate the video front end must keep up with (a common webcam).
CAMERA_FPS = 30.0
#: The case of :func:`~rppg_lib.foundations.benchmark.experiment.video_throughput` that is ``rppg predict``'s.
PREDICT_PIPELINE = "decode + detect every 10th @320 px + 6 ROIs"
#: The rPPG-Toolbox's synthetic-to-real figures (this home's numbers.csv).
TOOLBOX_TABLE = "SCAMPS to UBFC-rPPG"


def toolbox_worst_mae() -> float:
    """The largest MAE (bpm) of the Toolbox's networks trained on SCAMPS and tested on UBFC-rPPG."""
    return float(reported(KEY, TOOLBOX_TABLE)["value"].max())


POS_BEATS_GREEN = Claim(
    "pos-beats-green-on-still-lossless", KEY,
    "POS errs less than GREEN on the still, lossless look-alike videos",
    "benchmark under one protocol (this chapter)", "mean per-video MAE(POS) - MAE(GREEN), bpm", AtMost(0.0),
    why="0: an ordering; POS removes the intensity changes that GREEN keeps (Wang et al. 2017)", kind="validation")
METHODS_DIFFER = Claim(
    "classical-methods-err-differently", KEY,
    "The six classical methods do not err alike across the look-alike videos (Friedman test)",
    "benchmark under one protocol (this chapter)", "Friedman test p-value over videos", AtMost(ALPHA),
    why=f"{ALPHA:g}: the usual significance level of the test", kind="validation")
PREDICT_REAL_TIME = Claim(
    "predict-front-end-real-time", KEY,
    f"rppg predict's video front end (decoding, face tracking, ROI means) keeps up with a {CAMERA_FPS:g}-fps "
    "640x480 camera on this CPU",
    "performance measurement (this chapter)", f"front-end frames/s divided by {CAMERA_FPS:g}", AtLeast(1.0),
    why="1: real time", kind="validation")
NETWORK_READS_REAL_SKIN = Claim(
    "network-reads-real-skin", KEY,
    "A network trained only on the look-alikes reads real face-skin video (bias-eval-rppg) with an MAE no "
    "larger than the rPPG-Toolbox's networks trained on synthetic video reach on real UBFC-rPPG",
    "rPPG-Toolbox Table 2 (SCAMPS to UBFC-rPPG), as the reference point", "MAE of the best stored network "
    "on the real clips, bpm", AtMost(toolbox_worst_mae()),
    why="the Toolbox's worst SCAMPS-to-UBFC-rPPG MAE (PhysNet; this home's numbers.csv)", kind="validation")

#: Every claim of the chapter.
CLAIMS = (POS_BEATS_GREEN, METHODS_DIFFER, PREDICT_REAL_TIME, NETWORK_READS_REAL_SKIN)


def decide(*, per_video, friedman: dict, throughput, real, network_names) -> list:
    """Verdicts of :data:`CLAIMS`.

    per_video : per-video errors (:func:`~rppg_lib.foundations.benchmark.experiment.video_errors`);
    friedman : :func:`~rppg_lib.foundations.benchmark.experiment.friedman_test` of the classical methods;
    throughput : :func:`~rppg_lib.foundations.benchmark.experiment.video_throughput`;
    real : :func:`~rppg_lib.foundations.benchmark.experiment.real_table`; network_names : the stored
    networks that ran.
    """
    out = []
    still = per_video[(per_video.motion == "still") & (per_video.compression == "lossless")]
    wide = still.pivot_table(index="video", columns="method", values="mae")
    pos, green = (wide[m].to_numpy(float) if m in wide else np.array([]) for m in ("POS", "GREEN"))
    pre = [Precondition("enough still, lossless videos", len(pos) >= MIN_VIDEOS,
                        f"{len(pos)} videos, the rule needs {MIN_VIDEOS}")]
    iv = paired_difference(pos, green) if len(pos) and len(pos) == len(green) else None
    out.append(_decide(POS_BEATS_GREEN, iv, preconditions=pre,
                       evidence={"videos": len(pos), "MAE POS": float(np.mean(pos)) if len(pos) else None,
                                 "MAE GREEN": float(np.mean(green)) if len(green) else None}))

    pre = [Precondition("enough videos", friedman["videos"] >= MIN_VIDEOS,
                        f"{friedman['videos']} videos, the rule needs {MIN_VIDEOS}")]
    # A p-value above the level is no evidence that the methods err alike: its interval reaches down to 0, so
    # the verdict is "reproduced" (p <= level) or "inconclusive", never "contradicted".
    p = float(friedman["p"])
    iv = Interval(p, 0.0, p, f"Friedman test over {friedman['videos']} videos; a large p is absence of evidence")
    out.append(_decide(METHODS_DIFFER, iv, preconditions=pre,
                       evidence={"videos": friedman["videos"], "chi-square": friedman["statistic"]}))

    fps = float(throughput.loc[PREDICT_PIPELINE, "frames/s"])
    out.append(_decide(PREDICT_REAL_TIME, measurement(fps / CAMERA_FPS, "measured in this run"),
                       evidence={"frames/s": fps}))

    names = [n for n in network_names if n in real.columns]
    errors = {n: (real[n] - real["gt_hr"]).abs().to_numpy(float) for n in names}
    best = min(errors, key=lambda n: float(np.mean(errors[n]))) if errors else None
    pre = [Precondition("a stored network that reads face crops", bool(names),
                        "none stored; the chapters' runs write them (see the models table)"),
           Precondition("enough real clips", len(real) >= MIN_REAL_CLIPS,
                        f"{len(real)} clips, the rule needs {MIN_REAL_CLIPS}")]
    iv = bootstrap_mean(errors[best]) if best else None
    out.append(_decide(NETWORK_READS_REAL_SKIN, iv, preconditions=pre,
                       evidence={"network": best or "none", "clips": len(real)}))
    return out
