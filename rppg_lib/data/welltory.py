"""Welltory PPG dataset (Neshitov et al., Sensors 21:6798, 2021; CC0 1.0).

Smartphone camera with the index finger on the lens; the reference is a Polar
H10 chest strap. Layout (upstream repository ``Welltory/welltory-ppg-dataset``,
``datatypes.md``)::

    <root>/
      subject_01/
        PPG.csv   # columns time (ms since start, irregular, ~30 fps), R, G, B (frame means)
        RR.txt    # RR intervals in ms, space-separated integers
      subject_02/ ...

The colour traces are resampled onto a uniform grid at ``fs`` with
:func:`rppg_lib.signal.resample_uniform`. The RR series is taken to start with
the camera (the first interval ends at the first beat): beat times are the
cumulative sums of RR, the per-frame HR interpolates 60000/RR placed at each
interval's midpoint, and the recording is cropped to the span the RR series
covers. The first rows of ``PPG.csv`` can be saturated while the finger
settles: they are kept, their count is in ``meta["saturated_rows"]``, and
:func:`trim_saturated` removes them.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from .. import signal as sig
from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, hr_from_beats, interp_finite, require_dir, require_file
from .registry import real_data_path

__all__ = ["load_welltory", "list_welltory_subjects", "trim_saturated", "SATURATION_LEVEL"]

#: Red-channel level (0-255) at or above which the leading rows count as saturated.
SATURATION_LEVEL = 250.0

_LAYOUT = "<root>/subject_NN/PPG.csv (time ms, R, G, B) and <root>/subject_NN/RR.txt (RR ms)"


def _root(root):
    return require_dir(real_data_path("welltory") if root is None else root, "Welltory", _LAYOUT,
                       "Get it from github.com/Welltory/welltory-ppg-dataset (folder data/).")


def list_welltory_subjects(root=None) -> list[str]:
    """Subject ids (``"01"``, ``"02"``, ...) that have both PPG.csv and RR.txt."""
    base = _root(root)
    ids = [p.name.split("_", 1)[1] for p in base.glob("subject_*")
           if (p / "PPG.csv").is_file() and (p / "RR.txt").is_file()]
    if not ids:
        raise DatasetLayoutError(f"no Welltory subject folder in {base}; expected {_LAYOUT}")
    return sorted(ids)


def _subject_id(subject) -> str:
    m = re.fullmatch(r"(?:subject_)?(\d+)", str(subject))
    if not m:
        raise ValueError(f"Welltory subject must be a number or 'subject_NN', got {subject!r}")
    return f"{int(m.group(1)):02d}"


def load_welltory(subject, root=None, fs: float = 30.0,
                  saturation_level: float = SATURATION_LEVEL) -> Recording:
    """One Welltory recording as traces ``(T, 3)`` (R, G, B) on a uniform grid at ``fs``.

    ``meta`` holds ``rr_ms``, ``beat_times_s`` (cumulative RR), ``hr_rr_mean``
    (60000 / mean RR), ``saturated_rows`` / ``saturated_until_s`` (leading
    rows with R >= ``saturation_level``), ``source_fps`` (mean rate of the raw
    rows), ``raw_rows`` and ``alignment``.
    """
    sid = _subject_id(subject)
    folder = _root(root) / f"subject_{sid}"
    ppg_file = require_file(folder / "PPG.csv", "Welltory", "the frame means (time, R, G, B)")
    rr_file = require_file(folder / "RR.txt", "Welltory", "the chest-strap RR intervals")
    raw = pd.read_csv(ppg_file)
    missing = {"time", "R", "G", "B"} - set(raw.columns)
    if missing:
        raise DatasetLayoutError(f"{ppg_file}: missing columns {sorted(missing)}; expected time, R, G, B")
    t_raw = raw["time"].to_numpy(float) / 1000.0
    rgb = raw[["R", "G", "B"]].to_numpy(float)
    rr = np.array(rr_file.read_text().split(), dtype=float)
    if len(rr) < 2:
        raise DatasetLayoutError(f"{rr_file}: expected space-separated RR intervals (ms), found {len(rr)}")

    red = rgb[:, 0]
    below = np.flatnonzero(red < saturation_level)
    saturated = int(below[0]) if len(below) else len(red)  # length of the leading saturated run
    grid, traces = sig.resample_uniform(t_raw, rgb, fs)

    beats = np.cumsum(rr) / 1000.0
    t_mid, hr_inst = hr_from_beats(np.concatenate([[0.0], beats]))
    keep, report = align_to_frames(grid, [0.0, beats[-1]])
    meta = {
        "rr_ms": rr,
        "beat_times_s": beats,
        "hr_rr_mean": float(60000.0 / rr.mean()),
        "saturated_rows": saturated,
        "saturated_until_s": float(t_raw[saturated]) if saturated < len(t_raw) else float(t_raw[-1]),
        "saturation_level": saturation_level,
        "raw_rows": int(len(raw)),
        "source_fps": float((len(t_raw) - 1) / (t_raw[-1] - t_raw[0])),
        "alignment": report,
        "reference": "Polar H10 chest strap RR intervals",
        "path": str(folder),
    }
    return Recording(fps=fs, timestamps=grid[keep], traces=traces[keep],
                     hr=interp_finite(grid[keep], t_mid, hr_inst), dataset="welltory",
                     subject=sid, camera="smartphone, finger on lens", meta=meta)


def trim_saturated(recording: Recording) -> Recording:
    """A copy of a Welltory recording without the samples before ``meta["saturated_until_s"]``."""
    until = recording.meta.get("saturated_until_s")
    if until is None:
        raise ValueError("the recording has no meta['saturated_until_s'] (not from load_welltory?)")
    keep = recording.timestamps >= until
    if not keep.any():
        raise ValueError("every sample is saturated; nothing would remain")
    cut = lambda a: None if a is None else a[keep]  # noqa: E731
    meta = dict(recording.meta, saturated_rows=0, trimmed_saturated_samples=int((~keep).sum()))
    return dataclasses.replace(recording, timestamps=recording.timestamps[keep], frames=cut(recording.frames),
                               traces=cut(recording.traces), ppg=cut(recording.ppg), hr=cut(recording.hr),
                               meta=meta)
