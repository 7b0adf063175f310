"""MAHNOB-HCI tagging database (Soleymani et al., IEEE TAC 2012): 27 subjects, 61 fps video + ECG.

Source of the layout: the database's manual (mahnob-db.eu/hci-tagging) as
described by the Idiap ``bob.db.hci_tagging`` package and the rPPG-Toolbox
loader. One folder per session, with the colour video of camera 1 and a
BioSemi BDF file of the physiological signals (256 Hz)::

    <root>/Sessions/            (``<root>`` may also be the Sessions folder itself)
      2/
        P1-Rec1-2009.07.09.17.53.46_C1 trigger _C_Section_2.avi
        Part_1_S_Trial1_emotion.bdf    # EXG1, EXG2, EXG3 (ECG, uV), Resp, GSR1, Temp, Status, EEG
        session.xml
      4/ ...

The BDF's ``Status`` channel is non-zero while the camera records: its first
non-zero sample is frame 0 (as in ``bob.db.hci_tagging``). HR comes from the
ECG's R-peaks (``scipy.signal.find_peaks``), one value per beat interval
interpolated at the frame times. Reading BDF needs ``pyedflib``. Sessions
without a BDF file (the database has some) are skipped with a warning.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np
import scipy.signal

from .. import signal as sig
from ..record import Recording
from ._common import (
    DatasetLayoutError,
    align_to_frames,
    hr_from_beats,
    interp_finite,
    natural_key,
    optional_import,
    require_dir,
)
from ._video import read_video, write_video

__all__ = ["list_mahnob_hci", "load_mahnob_hci_session", "load_mahnob_hci", "write_mahnob_hci_recording",
           "ecg_r_peaks"]

LAYOUT = """<root>/Sessions/
  <session id>/
    P<subject>-Rec1-<date>_C1 trigger _C_Section_<session id>.avi
    Part_<subject>_S_Trial<k>_emotion.bdf   (EXG1-3 ECG, Status)"""
_HOW = "MAHNOB-HCI is distributed on request at mahnob-db.eu/hci-tagging (the 'Sessions' download)."
_PYEDFLIB = ("MAHNOB-HCI's BDF files", "pyedflib>=0.1.38")
_BDF = re.compile(r"^Part_(\d+)_.*\.bdf$", re.IGNORECASE)


def _sessions_dir(root) -> Path:
    base = require_dir(root, "MAHNOB-HCI", LAYOUT, _HOW)
    return base / "Sessions" if (base / "Sessions").is_dir() else base


def list_mahnob_hci(root) -> list[Path]:
    """Session folders that hold a BDF file and a video, in natural order."""
    base = _sessions_dir(root)
    folders = [p for p in base.iterdir() if p.is_dir() and p.name.isdigit()]
    if not folders:
        raise DatasetLayoutError(f"no numbered session folder in {base}; expected layout:\n{LAYOUT}")
    usable = []
    for p in sorted(folders, key=lambda p: natural_key(p.name)):
        if not any(_BDF.match(f.name) for f in p.iterdir()):
            warnings.warn(f"MAHNOB-HCI: {p} has no Part_<subject>_*.bdf file; session skipped")
            continue
        _video_file(p)
        usable.append(p)
    if not usable:
        raise DatasetLayoutError(f"MAHNOB-HCI: no session folder in {base} has a Part_<subject>_*.bdf file")
    return usable


def _video_file(folder: Path) -> Path:
    videos = sorted(folder.glob("*.avi"))
    colour = [v for v in videos if "C1 trigger" in v.name]
    if colour:
        return colour[0]
    if len(videos) == 1:
        return videos[0]
    raise DatasetLayoutError(f"MAHNOB-HCI: no '*C1 trigger*.avi' (camera 1, colour) video in {folder}"
                             + (f"; found {[v.name for v in videos]}" if videos else ""))


def ecg_r_peaks(ecg, fs: float, max_hr_bpm: float = 200.0) -> np.ndarray:
    """Sample indices of the R-peaks of an ECG lead.

    The lead is band-passed to 5-20 Hz (QRS energy), flipped when its largest
    excursions are negative, and peaks are found with ``find_peaks`` at least
    one period of ``max_hr_bpm`` apart and above 40 % of the 99th percentile.
    """
    y = sig.bandpass(np.asarray(ecg, dtype=float), fs, 5.0, min(20.0, 0.45 * fs), order=2)
    if abs(np.percentile(y, 0.5)) > abs(np.percentile(y, 99.5)):
        y = -y
    peaks, _ = scipy.signal.find_peaks(y, distance=max(1, int(fs * 60.0 / max_hr_bpm)),
                                       height=0.4 * np.percentile(y, 99))
    return peaks


def load_mahnob_hci_session(folder, ecg_channel: str = "EXG3") -> Recording:
    """One MAHNOB-HCI session: frames and the ECG-derived HR per frame (``ppg`` is None).

    ``meta`` holds the ECG lead within the video (``ecg``, ``ecg_fs``),
    ``r_peak_times_s`` (on the video clock), ``video_start_sample`` and
    ``alignment``.
    """
    pyedflib = optional_import("pyedflib", *_PYEDFLIB)
    folder = Path(folder)
    bdfs = sorted(f for f in folder.iterdir() if _BDF.match(f.name))
    if not bdfs:
        raise DatasetLayoutError(f"MAHNOB-HCI: no Part_<subject>_*.bdf file in {folder}")
    bdf = bdfs[0]
    with pyedflib.EdfReader(str(bdf)) as reader:
        labels = reader.getSignalLabels()
        for needed in (ecg_channel, "Status"):
            if needed not in labels:
                raise DatasetLayoutError(f"{bdf}: no channel {needed!r}; channels are {labels}")
        i_ecg, i_status = labels.index(ecg_channel), labels.index("Status")
        fs = float(reader.getSampleFrequency(i_ecg))
        fs_status = float(reader.getSampleFrequency(i_status))
        ecg = reader.readSignal(i_ecg)
        status = np.round(reader.readSignal(i_status)).astype(np.int64)
    on = np.flatnonzero(status)
    if len(on) == 0:
        raise DatasetLayoutError(f"{bdf}: the Status channel is all zero, so the video start is unknown")
    start_s = on[0] / fs_status
    t_ecg = np.arange(len(ecg)) / fs - start_s
    frames, t, fps = read_video(_video_file(folder))
    peaks = ecg_r_peaks(ecg, fs)
    t_mid, hr = hr_from_beats(t_ecg[peaks])
    keep, report = align_to_frames(t, t_ecg)
    inside = (t_ecg >= t[keep][0]) & (t_ecg <= t[keep][-1])
    subject = _BDF.match(bdf.name).group(1)
    meta = {"alignment": report, "path": str(folder), "bdf": str(bdf), "ecg_channel": ecg_channel,
            "ecg": ecg[inside], "ecg_t": t_ecg[inside], "ecg_fs": fs, "r_peak_times_s": t_ecg[peaks],
            "video_start_sample": int(on[0]),
            "hr_source": f"R-peaks of {ecg_channel} (find_peaks), 60 / RR interpolated at frame times"}
    return Recording(fps=fps, timestamps=t[keep], frames=frames[keep], hr=interp_finite(t[keep], t_mid, hr),
                     dataset="mahnob-hci", subject=subject, session=folder.name, meta=meta)


def load_mahnob_hci(root, ecg_channel: str = "EXG3") -> Iterator[Recording]:
    """Every session that has a BDF file, loaded lazily."""
    return (load_mahnob_hci_session(f, ecg_channel) for f in list_mahnob_hci(root))


def _synthetic_ecg(t, t_frames, hr_frames, rng) -> np.ndarray:
    """An ECG-like pulse train (Gaussian R-waves, 1 mV) whose beats follow ``hr_frames``."""
    rate = np.interp(t, t_frames, hr_frames) / 60.0
    phase = np.concatenate([[0.0], np.cumsum(rate[1:] * np.diff(t))])
    beats = np.interp(np.arange(1, int(phase[-1]) + 1), phase, t)
    d = t[:, None] - beats[None, :]
    return 1000.0 * np.exp(-0.5 * (d / 0.012) ** 2).sum(axis=1) + 20.0 * rng.standard_normal(len(t))


def write_mahnob_hci_recording(root, recording: Recording, session: int = 2, subject: int = 1, trial: int = 1,
                               fs: float = 256.0, pre_s: float = 2.0, ecg=None, codec: str = "ffv1",
                               seed: int = 0) -> Path:
    """Write ``<root>/Sessions/<session>/`` with the colour video and a BDF file.

    The BDF holds EXG1-3 and Status at ``fs``; Status is 1 while the video
    runs, which starts ``pre_s`` seconds into the file. ``ecg`` (samples at
    ``fs`` over the whole file) is written to the three leads when given;
    otherwise an ECG-like pulse train whose beats follow ``recording.hr`` is
    synthesised. Returns the session folder.
    """
    pyedflib = optional_import("pyedflib", *_PYEDFLIB)
    if recording.frames is None or recording.hr is None:
        raise ValueError("MAHNOB-HCI needs frames and hr in the recording")
    folder = Path(root) / "Sessions" / str(session)
    video = folder / f"P{subject}-Rec1-2009.07.09.17.53.46_C1 trigger _C_Section_{session}.avi"
    write_video(video, recording.frames, recording.fps, codec=codec)
    t_frames = recording.timestamps - recording.timestamps[0]
    n = int(np.ceil(pre_s + t_frames[-1] + 1.0 / recording.fps + 1.0)) * int(fs)  # whole 1 s records
    t = np.arange(n) / fs - pre_s
    if ecg is None:
        ecg = _synthetic_ecg(t, t_frames, recording.hr, np.random.default_rng(seed))
    ecg = np.asarray(ecg, dtype=float)
    if len(ecg) != n:
        raise ValueError(f"ecg must have {n} samples at {fs:g} Hz (the file's span), got {len(ecg)}")
    status = ((t >= 0) & (t <= t_frames[-1] + 0.5 / recording.fps)).astype(float)
    channels = {"EXG1": ecg, "EXG2": ecg, "EXG3": ecg, "Status": status}
    headers = [{"label": name, "dimension": "Boolean" if name == "Status" else "uV", "sample_frequency": fs,
                "physical_min": -8388608.0 if name == "Status" else -262144.0,
                "physical_max": 8388607.0 if name == "Status" else 262143.0,
                "digital_min": -8388608, "digital_max": 8388607, "transducer": "", "prefilter": ""}
               for name in channels]
    bdf = folder / f"Part_{subject}_S_Trial{trial}_emotion.bdf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyedflib notes that 8388607.0 has 9 characters
        writer = pyedflib.EdfWriter(str(bdf), len(channels), file_type=pyedflib.FILETYPE_BDF)
        try:
            writer.setSignalHeaders(headers)
            writer.writeSamples([np.asarray(v, dtype=float) for v in channels.values()])
        finally:
            writer.close()
    return folder
