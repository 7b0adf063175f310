"""Colour signals of Kopeliovich et al. 2019 (published on OSF, osf.io/fdrbh).

The paper says the OSF project holds, per video, the 18 colour signals (6 ROIs
x R, G, B, 15 fps), the ROI coordinates and the synchronised reference HR.
FLAGGED: the files' actual layout could not be established offline. This
module therefore defines an EXPECTED layout; a copy of the OSF data must be
converted to it (or this module adapted) before use::

    <root>/
      videos.csv                  # one row per video: video_id, subject, camera (Cam1|Cam2|Cam3),
                                  #   scenario (Stationary|MixedMotion) [, fps (default 15)]
      signals/<video_id>.csv      # one row per frame: time_s, R1, G1, B1, ..., R6, G6, B6, hr_bpm
                                  #   [, roi<r>_x, roi<r>_y, roi<r>_w, roi<r>_h]  (r = 1..6)

ROIs (paper, Fig. 4): 1 nose, 2 nose bridge, 3-4 under the eyes, 5 truncated
face box, 6 full face box. ``traces`` is ``(T, 6, 3)``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, require_dir, require_file

__all__ = ["list_kopeliovich_osf", "load_kopeliovich_osf_video", "load_kopeliovich_osf",
           "write_kopeliovich_osf_recording", "ROI_NAMES", "SIGNAL_COLUMNS"]

#: ROI r = 1..6 of the paper.
ROI_NAMES = ("nose", "nose_bridge", "under_left_eye", "under_right_eye", "truncated_face_box", "face_box")
#: The 18 colour-signal columns, ROI-major.
SIGNAL_COLUMNS = tuple(f"{c}{r}" for r in range(1, 7) for c in "RGB")

LAYOUT = """<root>/
  videos.csv              (video_id, subject, camera, scenario[, fps])
  signals/<video_id>.csv  (time_s, R1, G1, B1, ..., R6, G6, B6, hr_bpm[, roi<r>_x/_y/_w/_h])
NOTE: this is the layout rppg_lib expects; the OSF files (osf.io/fdrbh) must be converted to it."""
_HOW = "The colour signals are published by the authors at osf.io/fdrbh."


def list_kopeliovich_osf(root) -> pd.DataFrame:
    """The video index ``videos.csv`` (one row per video), checked against ``signals/``."""
    base = require_dir(root, "Kopeliovich 2019 colour signals", LAYOUT, _HOW)
    index_file = require_file(base / "videos.csv", "Kopeliovich 2019 colour signals",
                              "the video index (video_id, subject, camera, scenario[, fps])")
    videos = pd.read_csv(index_file, dtype={"video_id": str, "subject": str})
    missing = {"video_id", "subject", "camera", "scenario"} - set(videos.columns)
    if missing:
        raise DatasetLayoutError(f"{index_file}: missing columns {sorted(missing)}; expected layout:\n{LAYOUT}")
    for vid in videos["video_id"]:
        require_file(base / "signals" / f"{vid}.csv", "Kopeliovich 2019 colour signals",
                     f"the colour signals of video {vid}")
    return videos


def load_kopeliovich_osf_video(root, video_id: str) -> Recording:
    """One video's colour signals as traces ``(T, 6, 3)`` with the reference HR per frame."""
    videos = list_kopeliovich_osf(root).set_index("video_id")
    if str(video_id) not in videos.index:
        raise KeyError(f"video {video_id!r} is not in {Path(root) / 'videos.csv'}")
    return _load_row(Path(root), str(video_id), videos.loc[str(video_id)])


def _load_row(base: Path, video_id: str, row: pd.Series) -> Recording:
    sig_file = base / "signals" / f"{video_id}.csv"
    table = pd.read_csv(sig_file)
    missing = {"time_s", "hr_bpm", *SIGNAL_COLUMNS} - set(table.columns)
    if missing:
        raise DatasetLayoutError(f"{sig_file}: missing columns {sorted(missing)}; expected time_s, "
                                 "R1, G1, B1, ..., R6, G6, B6, hr_bpm")
    traces = table[list(SIGNAL_COLUMNS)].to_numpy(float).reshape(len(table), 6, 3)
    roi_cols = [f"roi{r}_{k}" for r in range(1, 7) for k in "xywh"]
    meta = {"path": str(sig_file), "roi_names": ROI_NAMES, "layout": "expected layout (see module docstring)"}
    if set(roi_cols) <= set(table.columns):
        meta["roi_boxes"] = table[roi_cols].to_numpy(float).reshape(len(table), 6, 4)
    fps = float(row["fps"]) if "fps" in row and pd.notna(row["fps"]) else 15.0
    return Recording(fps=fps, timestamps=table["time_s"].to_numpy(float), traces=traces,
                     hr=table["hr_bpm"].to_numpy(float), dataset="kopeliovich_osf", subject=str(row["subject"]),
                     session=video_id, camera=str(row["camera"]), scenario=str(row["scenario"]), meta=meta)


def load_kopeliovich_osf(root) -> Iterator[Recording]:
    """Every video of the index, loaded lazily."""
    videos = list_kopeliovich_osf(root)
    return (_load_row(Path(root), str(row["video_id"]), row) for _, row in videos.iterrows())


def write_kopeliovich_osf_recording(root, recording: Recording, video_id: str | None = None) -> Path:
    """Add a Recording with traces ``(T, 6, 3)`` and ``hr`` to the expected layout.

    Appends (or replaces) its row in ``videos.csv`` and writes
    ``signals/<video_id>.csv``. Returns the signals file.
    """
    traces = None if recording.traces is None else np.asarray(recording.traces, dtype=float)
    if traces is None or traces.shape[1:] != (6, 3) or recording.hr is None:
        raise ValueError("the Kopeliovich layout needs traces of shape (T, 6, 3) and hr")
    vid = str(video_id or recording.session or recording.name.replace("/", "_"))
    base = Path(root)
    (base / "signals").mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(traces.reshape(len(traces), 18), columns=list(SIGNAL_COLUMNS))
    table.insert(0, "time_s", recording.timestamps)
    table["hr_bpm"] = recording.hr
    boxes = recording.meta.get("roi_boxes")
    if boxes is not None:
        cols = [f"roi{r}_{k}" for r in range(1, 7) for k in "xywh"]
        table = pd.concat([table, pd.DataFrame(np.asarray(boxes).reshape(len(traces), 24), columns=cols)], axis=1)
    out = base / "signals" / f"{vid}.csv"
    table.to_csv(out, index=False)
    row = {"video_id": vid, "subject": recording.subject, "camera": recording.camera,
           "scenario": recording.scenario, "fps": recording.fps}
    index_file = base / "videos.csv"
    videos = pd.read_csv(index_file, dtype={"video_id": str, "subject": str}) if index_file.is_file() else None
    if videos is not None:
        videos = videos[videos["video_id"] != vid]
    videos = pd.concat([videos, pd.DataFrame([row])], ignore_index=True) if videos is not None else pd.DataFrame([row])
    videos.to_csv(index_file, index=False)
    return out
