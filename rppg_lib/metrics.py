"""Agreement metrics between estimated and reference heart rates and PPG signals.

Every paper table of the compendium is built from :func:`hr_metrics` (HR level)
and :func:`ppg_metrics` (waveform level); :func:`bland_altman` gives the
statistics and the plot of Bland & Altman (1986).
"""
from __future__ import annotations

import numpy as np

from . import signal as sig

__all__ = ["hr_metrics", "bland_altman", "bland_altman_plot", "ppg_metrics"]


def _paired(estimated, reference):
    est = np.asarray(estimated, dtype=float).ravel()
    ref = np.asarray(reference, dtype=float).ravel()
    if est.shape != ref.shape:
        raise ValueError(f"estimated ({est.size}) and reference ({ref.size}) differ in length")
    if est.size == 0:
        raise ValueError("no HR pairs to compare")
    bad = ~(np.isfinite(est) & np.isfinite(ref))
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} of {est.size} HR pairs are NaN or infinite; drop them "
            "explicitly (and report how many) before computing metrics"
        )
    return est, ref


def hr_metrics(estimated, reference) -> dict:
    """HR agreement statistics, in bpm unless stated.

    Keys: ``n``; ``mae``; ``rmse``; ``mape`` (mean absolute percentage error,
    %); ``me`` (mean error, estimated - reference); ``sd`` (standard deviation
    of the error, ddof=1 as in Niu et al. 2018's HRsd); ``mer`` (mean error
    rate, mean of |error| / reference, %, as HRmer in Niu et al. 2018: equal
    to ``mape``); ``pearson`` (NaN when either side is constant);
    ``within3`` / ``within5`` (share of |error| <= 3 / 5 bpm, in [0, 1]).
    """
    est, ref = _paired(estimated, reference)
    err = est - ref
    abs_err = np.abs(err)
    if np.any(ref <= 0):
        raise ValueError("reference heart rates must be positive")
    rel = 100.0 * abs_err / ref
    if est.size > 1 and np.std(est) > 0 and np.std(ref) > 0:
        r = float(np.corrcoef(est, ref)[0, 1])
    else:
        r = float("nan")
    return {
        "n": int(est.size),
        "mae": float(abs_err.mean()),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mape": float(rel.mean()),
        "me": float(err.mean()),
        "sd": float(err.std(ddof=1)) if est.size > 1 else 0.0,
        "mer": float(rel.mean()),
        "pearson": r,
        "within3": float(np.mean(abs_err <= 3.0)),
        "within5": float(np.mean(abs_err <= 5.0)),
    }


def bland_altman(estimated, reference) -> dict:
    """Bland-Altman statistics: bias (mean difference) and 95 % limits of agreement.

    Returns ``mean`` (per-pair mean of the two), ``diff`` (estimated -
    reference), ``bias``, ``sd``, ``loa_low`` and ``loa_high`` (bias -+ 1.96 sd).
    """
    est, ref = _paired(estimated, reference)
    diff = est - ref
    bias = float(diff.mean())
    sd = float(diff.std(ddof=1)) if diff.size > 1 else 0.0
    return {"mean": (est + ref) / 2.0, "diff": diff, "bias": bias, "sd": sd,
            "loa_low": bias - 1.96 * sd, "loa_high": bias + 1.96 * sd}


def bland_altman_plot(estimated, reference, ax=None, label=None, **scatter_kw):
    """Scatter of difference against mean with the bias and limits of agreement."""
    import matplotlib.pyplot as plt

    stats = bland_altman(estimated, reference)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(stats["mean"], stats["diff"], s=scatter_kw.pop("s", 14), alpha=scatter_kw.pop("alpha", 0.7),
               label=label, **scatter_kw)
    for y, style in ((stats["bias"], "-"), (stats["loa_low"], "--"), (stats["loa_high"], "--")):
        ax.axhline(y, color="0.3", linestyle=style, linewidth=1)
    ax.set_xlabel("mean of estimate and reference (bpm)")
    ax.set_ylabel("estimate - reference (bpm)")
    ax.set_title(f"bias {stats['bias']:+.2f} bpm, LoA [{stats['loa_low']:.1f}, {stats['loa_high']:.1f}]",
                 fontsize=9)
    return ax


def ppg_metrics(predicted, reference, fs: float, band_bpm=sig.DEFAULT_BAND_BPM) -> dict:
    """Waveform agreement of a predicted PPG with the reference PPG.

    ``pearson`` (synchronous correlation), ``mcc`` (maximum cross-correlation
    at the best lag, Gideon & Stent 2021) and ``snr`` (dB of the prediction
    around the reference's HR, de Haan & Jeanne 2013). For a batch ``(N, T)``
    the per-signal values are averaged.
    """
    pred = sig.validate_signal(predicted, fs, band_bpm, name="predicted")
    ref = sig.validate_signal(reference, fs, band_bpm, name="reference")
    if pred.shape != ref.shape:
        raise ValueError(f"predicted {pred.shape} and reference {ref.shape} shapes differ")
    hr_ref = sig.estimate_hr(ref, fs, band_bpm)
    return {
        "pearson": float(np.nanmean(sig.pearson(pred, ref))),
        "mcc": float(np.nanmean(sig.mcc(pred, ref, fs, band_bpm))),
        "snr": float(np.nanmean(sig.snr(pred, fs, hr_ref, band_bpm))),
    }
