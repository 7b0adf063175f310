"""VIPL-HR (Niu et al., ACCV 2018 / IEEE TIP 2020): 107 subjects, 9 scenarios, 3 RGB cameras + NIR.

Source of the layout: the dataset's release as read by the rPPG-Toolbox and
Simplar/rppg-datasets loaders::

    <root>/data/            (``<root>`` may also be the data folder itself)
      p1/
        v1/                 # scenario; some subjects have v1-2 style repeats
          source1/          # 1: Logitech C310, 2: RealSense F200, 3: Huawei P9, 4: NIR
            video.avi
            wave.csv        # column "Wave": BVP of the finger oximeter, ``wave_fs`` Hz
            gt_HR.csv       # column "HR": 1 Hz
            gt_SpO2.csv     # column "SpO2": 1 Hz
            time.txt        # frame times in ms, one per line (absent for source2)
      fold/fold1.mat ...    # (optional) the official 5 subject folds

Frame times come from ``time.txt`` when present, else from the container.
The wave file has no time column: sample ``i`` is at ``i / wave_fs`` with
``wave_fs = 60`` Hz by default (the CMS60C oximeter's rate; some
re-implementations assume other rates, so ``meta["wave_fs_implied"]``
reports ``len(wave) / video duration`` as a check). HR sample ``k`` of
``gt_HR.csv`` is taken at ``k`` seconds.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, interp_finite, natural_key, reference_grid, require_dir
from ._video import read_video, write_video

__all__ = ["list_vipl_hr", "load_vipl_hr_session", "load_vipl_hr", "write_vipl_hr_recording"]

LAYOUT = """<root>/data/
  p<N>/v<M>/source<K>/
    video.avi
    wave.csv    (column Wave, 60 Hz)
    gt_HR.csv   (column HR, 1 Hz)
    time.txt    (frame times in ms; not for source2)"""
_HOW = "VIPL-HR is distributed on request by ICT CAS (vipl.ict.ac.cn, 'VIPL-HR database')."
_SOURCE = re.compile(r"^s(?:ource)?(\d+)$")


def _data_dir(root) -> Path:
    base = require_dir(root, "VIPL-HR", LAYOUT, _HOW)
    return base / "data" if (base / "data").is_dir() else base


def list_vipl_hr(root, sources=(1, 2, 3)) -> list[Path]:
    """Source folders ``p*/v*/source*`` with a video, for the given source numbers (4 = NIR)."""
    base = _data_dir(root)
    wanted = {int(s) for s in sources}
    folders = [p for p in base.glob("p*/v*/*") if p.is_dir() and (m := _SOURCE.match(p.name))
               and int(m.group(1)) in wanted]
    if not folders:
        raise DatasetLayoutError(f"no p*/v*/source{sorted(wanted)} folder in {base}; expected layout:\n{LAYOUT}")
    for p in folders:
        for f in ("video.avi", "wave.csv", "gt_HR.csv"):
            if not (p / f).is_file():
                raise DatasetLayoutError(f"VIPL-HR: missing {p / f}")
    return sorted(folders, key=lambda p: [natural_key(x) for x in p.parts[-3:]])


def _column(path: Path, name: str) -> np.ndarray:
    table = pd.read_csv(path)
    table.columns = [c.strip() for c in table.columns]
    if name not in table.columns:
        raise DatasetLayoutError(f"{path}: no column {name!r}; found {list(table.columns)}")
    return pd.to_numeric(table[name], errors="coerce").to_numpy(float)


def load_vipl_hr_session(folder, wave_fs: float = 60.0) -> Recording:
    """One VIPL-HR video with the BVP wave as ``ppg`` and the 1 Hz HR labels as ``hr``."""
    folder = Path(folder)
    frames, t_video, fps = read_video(folder / "video.avi")
    t, time_source = t_video, "container"
    if (folder / "time.txt").is_file():
        t_ms = np.loadtxt(folder / "time.txt", ndmin=1)
        if len(t_ms) != len(frames):
            raise DatasetLayoutError(f"{folder / 'time.txt'} has {len(t_ms)} times for {len(frames)} frames")
        t, time_source = (t_ms - t_ms[0]) / 1000.0, "time.txt"
        fps = float((len(t) - 1) / (t[-1] - t[0]))
    wave = _column(folder / "wave.csv", "Wave")
    hr_1hz = _column(folder / "gt_HR.csv", "HR")
    t_wave = np.arange(len(wave)) / wave_fs
    keep, report = align_to_frames(t, t_wave)
    duration = t[-1] - t[0] + 1.0 / fps
    meta = {"alignment": report, "path": str(folder), "frame_times": time_source, "wave_fs": wave_fs,
            "wave_fs_implied": float(len(wave) / duration), "hr_1hz": hr_1hz,
            "hr_source": "gt_HR.csv (1 Hz), sample k at k s"}
    if (folder / "gt_SpO2.csv").is_file():
        meta["spo2_1hz"] = _column(folder / "gt_SpO2.csv", "SpO2")
    p, v = folder.parent.parent.name, folder.parent.name
    return Recording(fps=fps, timestamps=t[keep], frames=frames[keep], ppg=interp_finite(t[keep], t_wave, wave),
                     hr=interp_finite(t[keep], np.arange(len(hr_1hz)), hr_1hz), dataset="vipl-hr",
                     subject=p.lstrip("p"), session=v, camera=folder.name, meta=meta)


def load_vipl_hr(root, sources=(1, 2, 3), wave_fs: float = 60.0) -> Iterator[Recording]:
    """Every RGB video (sources 1-3 by default), loaded lazily."""
    return (load_vipl_hr_session(f, wave_fs) for f in list_vipl_hr(root, sources))


def write_vipl_hr_recording(root, recording: Recording, subject: int = 1, scenario: int = 1, source: int = 1,
                            wave_fs: float = 60.0, codec: str = "ffv1", write_time: bool | None = None) -> Path:
    """Write ``<root>/data/p<subject>/v<scenario>/source<source>/`` in the VIPL-HR layout.

    ``wave.csv`` is the recording's ``ppg`` at ``wave_fs``; ``gt_HR.csv`` its
    ``hr`` at 1 Hz; ``gt_SpO2.csv`` a constant 98 % (placeholder);
    ``time.txt`` the frame times in ms (written except for source 2, as in
    the dataset, unless ``write_time`` says otherwise). Returns the folder.
    """
    if recording.frames is None or recording.ppg is None or recording.hr is None:
        raise ValueError("VIPL-HR needs frames, ppg and hr in the recording")
    folder = Path(root) / "data" / f"p{subject}" / f"v{scenario}" / f"source{source}"
    write_video(folder / "video.avi", recording.frames, recording.fps, codec=codec)
    t_ms = np.round((recording.timestamps - recording.timestamps[0]) * 1000.0)
    t = t_ms / 1000.0  # the frame times as time.txt stores them
    t_wave = reference_grid(t[-1], wave_fs)
    pd.DataFrame({"Wave": np.interp(t_wave, t, recording.ppg)}).to_csv(folder / "wave.csv", index=False)
    seconds = reference_grid(t[-1], 1.0)
    pd.DataFrame({"HR": np.interp(seconds, t, recording.hr)}).to_csv(folder / "gt_HR.csv", index=False)
    pd.DataFrame({"SpO2": np.full(len(seconds), 98.0)}).to_csv(folder / "gt_SpO2.csv", index=False)
    if write_time if write_time is not None else source != 2:
        np.savetxt(folder / "time.txt", t_ms, fmt="%d")
    return folder
