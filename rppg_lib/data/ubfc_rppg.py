"""UBFC-rPPG (Bobbia et al., Pattern Recognit. Lett. 2019), DATASET_2 layout.

Source of the layout: the dataset's own README (site
sites.google.com/view/ybenezeth/ubfcrppg) and the rPPG-Toolbox loader::

    <root>/
      subject1/
        vid.avi             # 640x480, ~30 fps, uncompressed
        ground_truth.txt    # 3 whitespace-separated rows: PPG, HR (bpm), time (s)
      subject3/ ...

DATASET_1 folders (``gtdump.xmp``: CSV of time (ms), HR, SpO2, PPG) are read
too when ``ground_truth.txt`` is absent. Video frames are timed by the
container; the reference is interpolated at those times (both clocks start at
the recording's start) and the recording is cropped to their overlap.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, interp_finite, natural_key, require_dir
from ._video import read_video, write_video

__all__ = ["list_ubfc_rppg", "load_ubfc_rppg_session", "load_ubfc_rppg", "write_ubfc_rppg_recording"]

LAYOUT = """<root>/
  subject1/
    vid.avi
    ground_truth.txt   (rows: PPG, HR bpm, time s)
  subject3/ ..."""
_HOW = "UBFC-rPPG is distributed by its authors on request: sites.google.com/view/ybenezeth/ubfcrppg"


def list_ubfc_rppg(root) -> list[Path]:
    """Subject folders that hold ``vid.avi`` and a ground-truth file, in natural order."""
    base = require_dir(root, "UBFC-rPPG", LAYOUT, _HOW)
    folders = [p for p in base.glob("subject*") if p.is_dir()]
    if not folders:
        raise DatasetLayoutError(f"no subject* folder in {base}; expected layout:\n{LAYOUT}")
    for p in folders:
        if not (p / "vid.avi").is_file():
            raise DatasetLayoutError(f"UBFC-rPPG: missing {p / 'vid.avi'}")
        if not ((p / "ground_truth.txt").is_file() or (p / "gtdump.xmp").is_file()):
            raise DatasetLayoutError(f"UBFC-rPPG: missing {p / 'ground_truth.txt'} (or gtdump.xmp)")
    return sorted(folders, key=lambda p: natural_key(p.name))


def _read_ground_truth(folder: Path):
    """(time_s, ppg, hr) from ground_truth.txt (DATASET_2) or gtdump.xmp (DATASET_1)."""
    gt_file = folder / "ground_truth.txt"
    if gt_file.is_file():
        rows = [np.array(line.split(), dtype=float) for line in gt_file.read_text().splitlines() if line.strip()]
        if len(rows) != 3 or len({len(r) for r in rows}) != 1:
            raise DatasetLayoutError(f"{gt_file}: expected 3 rows of equal length (PPG, HR, time in s), "
                                     f"found {len(rows)} rows of lengths {[len(r) for r in rows]}")
        ppg, hr, t = rows
        return t - t[0], ppg, hr, "ground_truth.txt"
    xmp = pd.read_csv(folder / "gtdump.xmp", header=None).to_numpy(float)
    if xmp.ndim != 2 or xmp.shape[1] < 4:
        raise DatasetLayoutError(f"{folder / 'gtdump.xmp'}: expected columns time (ms), HR, SpO2, PPG")
    t = xmp[:, 0] / 1000.0
    return t - t[0], xmp[:, 3], xmp[:, 1], "gtdump.xmp"


def load_ubfc_rppg_session(folder) -> Recording:
    """One UBFC-rPPG subject folder as a Recording (frames, PPG and HR per frame)."""
    folder = Path(folder)
    t_ref, ppg, hr, source = _read_ground_truth(folder)
    frames, t, fps = read_video(folder / "vid.avi")
    keep, report = align_to_frames(t, t_ref)
    subject = re.sub(r"^subject", "", folder.name)
    return Recording(fps=fps, timestamps=t[keep], frames=frames[keep], ppg=interp_finite(t[keep], t_ref, ppg),
                     hr=interp_finite(t[keep], t_ref, hr), dataset="ubfc-rppg", subject=subject,
                     meta={"alignment": report, "path": str(folder), "ground_truth_file": source,
                           "hr_source": "HR row of the ground truth (pulse oximeter)"})


def load_ubfc_rppg(root, subjects=None) -> Iterator[Recording]:
    """Recordings of every subject folder (or of ``subjects``, e.g. ``[1, 3]``), loaded lazily.

    The layout is checked when this is called; frames are decoded one
    subject at a time as the iterator advances.
    """
    folders = list_ubfc_rppg(root)
    if subjects is not None:
        wanted = {str(s) if str(s).startswith("subject") else f"subject{s}" for s in subjects}
        folders = [f for f in folders if f.name in wanted]
    return (load_ubfc_rppg_session(f) for f in folders)


def write_ubfc_rppg_recording(root, recording: Recording, subject=None, codec: str = "rawvideo") -> Path:
    """Write a Recording as ``<root>/subject<N>/vid.avi`` + ``ground_truth.txt``.

    The PPG and HR rows are the recording's per-frame ``ppg`` and ``hr`` and
    the time row its timestamps (s, from 0), in the dataset's scientific
    notation. ``codec="rawvideo"`` stores uncompressed frames like the
    original. Returns the subject folder.
    """
    if recording.frames is None or recording.ppg is None or recording.hr is None:
        raise ValueError("UBFC-rPPG needs frames, ppg and hr in the recording")
    name = str(subject if subject is not None else (recording.subject or "1"))
    folder = Path(root) / (name if name.startswith("subject") else f"subject{name}")
    write_video(folder / "vid.avi", recording.frames, recording.fps, codec=codec)
    t = recording.timestamps - recording.timestamps[0]
    np.savetxt(folder / "ground_truth.txt", np.vstack([recording.ppg, recording.hr, t]), fmt="%.7e")
    return folder
