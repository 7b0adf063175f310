"""UW smartphone oximetry dataset (Hoffman et al., npj Digit. Med. 5:146, 2022; MIT licence).

Smartphone camera with flash, finger on the lens, during induced hypoxemia;
the reference is five clinical pulse oximeters read at 1 Hz. Layout (upstream
repository ``ubicomplab/oximetry-phone-cam-data``, folder ``data/``)::

    <root>/
      ppg-csv/Left/100001.csv    # columns R, G, B: per-frame means, 30 Hz, no time column
      ppg-csv/Right/100001.csv
      gt/100001.csv              # Time (wall clock "HH:MM:SS", 1 Hz), SpO2 1..5, Pulse 1..5, ...
      gt/metadata.csv            # Label, Description, Unit of every gt column

The camera runs at 30 Hz and started together with the oximeters (dataset
README), so frame ``i`` is at ``i / 30`` s and gt row ``k`` at its clock time
minus the first row's. ``Pulse 5`` is the Masimo Radical-7. A zero in a pulse
or SpO2 column means "no reading" and becomes NaN; the per-frame HR
interpolates the finite readings, and the recording is cropped to the span
between the first and last finite reading.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, interp_finite, require_dir, require_file
from .registry import real_data_path

__all__ = ["load_uw_oximetry", "read_uw_reference", "UW_FPS"]

#: Camera frame rate of the dataset (README: 30 Hz; the CSV has no time column).
UW_FPS = 30.0

_LAYOUT = ("<root>/ppg-csv/<Left|Right>/<subject>.csv (R, G, B at 30 Hz) and "
           "<root>/gt/<subject>.csv (Time, SpO2 1-5, Pulse 1-5, ...) [+ gt/metadata.csv]")


def read_uw_reference(gt_file) -> pd.DataFrame:
    """The 1 Hz oximeter readings as a DataFrame.

    Columns: ``time_s`` (from the first row, midnight roll-over handled),
    ``clock`` (the original string), and every ``SpO2 k`` / ``Pulse k`` column
    as float with zeros replaced by NaN. Rows whose time cannot be parsed
    (such as the trailing ``Collection Halted``) are dropped.
    """
    gt = pd.read_csv(gt_file, encoding="utf-8-sig")
    if "Time" not in gt.columns:
        raise DatasetLayoutError(f"{gt_file}: no 'Time' column; expected Time, SpO2 1..5, Pulse 1..5, ...")
    clock = gt["Time"].astype(str).str.strip()
    parsed = pd.to_datetime(clock, format="%H:%M:%S", errors="coerce")
    ok = parsed.notna().to_numpy()
    if ok.sum() < 2:
        raise DatasetLayoutError(f"{gt_file}: fewer than two parseable 'HH:MM:SS' times")
    sod = (parsed[ok].dt.hour * 3600 + parsed[ok].dt.minute * 60 + parsed[ok].dt.second).to_numpy(float)
    sod = sod + 86400.0 * np.concatenate([[0], np.cumsum(np.diff(sod) < 0)])  # past midnight
    out = pd.DataFrame({"time_s": sod - sod[0], "clock": clock[ok].to_numpy()})
    for col in gt.columns:
        if col.startswith(("SpO2 ", "Pulse ")):
            values = pd.to_numeric(gt.loc[ok, col], errors="coerce").to_numpy(float)
            out[col] = np.where(values == 0, np.nan, values)
    return out


def load_uw_oximetry(subject: str = "100001", hand: str = "Left", root=None,
                     oximeter: str = "Pulse 5") -> Recording:
    """One UW oximetry recording: traces ``(T, 3)`` at 30 Hz and the oximeter HR per frame.

    ``oximeter`` names the pulse column used for ``hr`` (``"Pulse 5"`` is the
    Masimo Radical-7; ``gt/metadata.csv`` describes the others). ``meta``
    holds ``reference_hr`` (the DataFrame of :func:`read_uw_reference`),
    ``oximeter``, ``oximeter_device``, ``gt_rows_dropped`` and ``alignment``.
    """
    base = require_dir(real_data_path("uw_oximetry") if root is None else root, "UW oximetry", _LAYOUT,
                       "Get it from github.com/ubicomplab/oximetry-phone-cam-data (folder data/).")
    ppg_file = require_file(base / "ppg-csv" / hand / f"{subject}.csv", "UW oximetry",
                            f"the {hand}-hand camera trace")
    gt_file = require_file(base / "gt" / f"{subject}.csv", "UW oximetry", "the oximeter readings")
    traces = pd.read_csv(ppg_file)
    if list(traces.columns[:3]) != ["R", "G", "B"]:
        raise DatasetLayoutError(f"{ppg_file}: expected columns R, G, B, found {list(traces.columns)}")
    rgb = traces[["R", "G", "B"]].to_numpy(float)
    frame_t = np.arange(len(rgb)) / UW_FPS

    ref = read_uw_reference(gt_file)
    if oximeter not in ref.columns:
        pulses = [c for c in ref.columns if c.startswith("Pulse ")]
        raise ValueError(f"oximeter {oximeter!r} is not a column of {gt_file}; choose one of {pulses}")
    finite = np.isfinite(ref[oximeter].to_numpy())
    if not finite.any():
        raise ValueError(f"{gt_file}: column {oximeter!r} holds no reading (all zero or empty)")
    keep, report = align_to_frames(frame_t, ref["time_s"].to_numpy()[finite])
    hr = interp_finite(frame_t[keep], ref["time_s"], ref[oximeter])

    device = ""
    meta_file = base / "gt" / "metadata.csv"
    if meta_file.is_file():
        labels = pd.read_csv(meta_file, encoding="utf-8-sig")
        match = labels.loc[labels["Label"] == oximeter, "Description"]
        device = str(match.iloc[0]) if len(match) else ""
    n_rows = len(pd.read_csv(gt_file, encoding="utf-8-sig", usecols=[0]))
    meta = {"reference_hr": ref, "oximeter": oximeter, "oximeter_device": device,
            "gt_rows_dropped": n_rows - len(ref), "alignment": report,
            "path": str(ppg_file), "reference_path": str(gt_file)}
    return Recording(fps=UW_FPS, timestamps=frame_t[keep], traces=rgb[keep], hr=hr,
                     dataset="uw-oximetry", subject=str(subject), session=hand,
                     camera="smartphone, finger on lens with flash", meta=meta)
