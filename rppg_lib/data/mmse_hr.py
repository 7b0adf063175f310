"""MMSE-HR (Tulyakov et al., CVPR 2016; a subset of BP4D+): 40 subjects, 102 videos, 25 fps frames.

Layout (UNCERTAIN: no public description from the distributor was found;
this follows public code that reads the release, e.g. folders
``first10subjects_2D/F013/T1`` and
``first10subjects_Phydatareleased/Phydata/F013/T1/Pulse Rate_BPM.txt`` with the
physiology sampled at 1000 Hz, and the BP4D+ physiology file names)::

    <root>/
      <any frames folder>/<Subject: F001 or M001>/<Task: T1 ... T11>/
        0000.jpg  0001.jpg ...          # frames, numbered in order (25 fps)
      <any physiology folder>/<Subject>/<Task>/
        Pulse Rate_BPM.txt              # one value per line, 1000 Hz
        BP_mmHg.txt                     # continuous blood pressure wave, 1000 Hz

Frames and physiology are paired by (subject, task) wherever they sit under
``<root>``; both are taken to start together. ``ppg`` is the blood-pressure
waveform (the dataset has no PPG; it is pulsatile at the heart rate) and
``hr`` the device's pulse rate.
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np

from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, interp_finite, natural_key, reference_grid, require_dir
from ._video import read_images, write_image

__all__ = ["list_mmse_hr", "load_mmse_hr_session", "load_mmse_hr", "write_mmse_hr_recording"]

LAYOUT = """<root>/
  <frames folder>/<F001|M001>/<T1..T11>/0000.jpg ...        (25 fps)
  <physiology folder>/<F001|M001>/<T1..T11>/Pulse Rate_BPM.txt, BP_mmHg.txt   (1000 Hz)"""
_HOW = "MMSE-HR is licensed by Binghamton University (search 'MMSE-HR dataset' on suny.technologypublisher.com)."
_SUBJECT = re.compile(r"^[FM]\d{3}$")
_TASK = re.compile(r"^T\d+$")
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


def _frame_files(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES and re.search(r"\d", p.stem)]
    return sorted(files, key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))


def list_mmse_hr(root) -> list[tuple[Path, Path]]:
    """Pairs ``(frames folder, physiology folder)`` keyed by subject and task, sorted."""
    base = require_dir(root, "MMSE-HR", LAYOUT, _HOW)
    physio = {(p.parent.parent.name, p.parent.name): p.parent for p in base.rglob("Pulse Rate_BPM.txt")
              if _SUBJECT.match(p.parent.parent.name) and _TASK.match(p.parent.name)}
    frames = {(d.parent.name, d.name): d for d in base.rglob("T*")
              if d.is_dir() and _TASK.match(d.name) and _SUBJECT.match(d.parent.name) and _frame_files(d)}
    if not frames:
        raise DatasetLayoutError(f"no <F|M###>/<T#>/ folder of numbered .jpg frames under {base}; "
                                 f"expected layout:\n{LAYOUT}")
    if not physio:
        raise DatasetLayoutError(f"no <F|M###>/<T#>/Pulse Rate_BPM.txt under {base}; expected layout:\n{LAYOUT}")
    pairs = []
    for key in sorted(frames, key=lambda k: (natural_key(k[0]), natural_key(k[1]))):
        if key in physio:
            pairs.append((frames[key], physio[key]))
        else:
            warnings.warn(f"MMSE-HR: frames {frames[key]} have no {key[0]}/{key[1]}/Pulse Rate_BPM.txt; skipped")
    if not pairs:
        raise DatasetLayoutError(f"MMSE-HR: no frames folder under {base} has a matching physiology folder")
    return pairs


def load_mmse_hr_session(frames_dir, physio_dir, fps: float = 25.0, physio_fs: float = 1000.0) -> Recording:
    """One MMSE-HR task: frames at ``fps``, BP wave as ``ppg`` and pulse rate as ``hr``."""
    frames_dir, physio_dir = Path(frames_dir), Path(physio_dir)
    pulse = np.loadtxt(physio_dir / "Pulse Rate_BPM.txt", ndmin=1)
    bp_file = physio_dir / "BP_mmHg.txt"
    bp = np.loadtxt(bp_file, ndmin=1) if bp_file.is_file() else None
    files = _frame_files(frames_dir)
    t = np.arange(len(files)) / fps
    keep, report = align_to_frames(t, np.arange(len(pulse)) / physio_fs)
    frames = read_images([f for f, k in zip(files, keep) if k])
    t_phys = np.arange(len(pulse)) / physio_fs
    ppg = None if bp is None else interp_finite(t[keep], np.arange(len(bp)) / physio_fs, bp)
    meta = {"alignment": report, "path": str(frames_dir), "physiology": str(physio_dir), "physio_fs": physio_fs,
            "ppg_is": "continuous blood-pressure waveform (BP_mmHg.txt)" if bp is not None else "absent",
            "hr_source": "Pulse Rate_BPM.txt"}
    return Recording(fps=fps, timestamps=t[keep], frames=frames, ppg=ppg, hr=interp_finite(t[keep], t_phys, pulse),
                     dataset="mmse-hr", subject=frames_dir.parent.name, session=frames_dir.name, meta=meta)


def load_mmse_hr(root, fps: float = 25.0, physio_fs: float = 1000.0) -> Iterator[Recording]:
    """Every task that has frames and physiology, loaded lazily."""
    return (load_mmse_hr_session(f, p, fps, physio_fs) for f, p in list_mmse_hr(root))


def write_mmse_hr_recording(root, recording: Recording, subject: str = "F001", task: str = "T1",
                            fps: float = 25.0, physio_fs: float = 1000.0, frames_folder: str = "2D",
                            physio_folder: str = "Phydata", jpeg_quality: int = 95) -> tuple[Path, Path]:
    """Write frames ``<root>/<frames_folder>/<subject>/<task>/NNNN.jpg`` and the physiology files.

    ``Pulse Rate_BPM.txt`` is ``hr`` and ``BP_mmHg.txt`` is ``ppg`` mapped to
    80-120 mmHg, both at ``physio_fs``. The frames carry no times, so the
    recording must be at the ``fps`` the loader assumes (25 by default).
    Returns ``(frames folder, physiology folder)``.
    """
    import cv2

    if recording.frames is None or recording.ppg is None or recording.hr is None:
        raise ValueError("MMSE-HR needs frames, ppg and hr in the recording")
    if abs(recording.fps - fps) > 1e-6 or not np.allclose(np.diff(recording.timestamps), 1.0 / fps, atol=1e-4):
        raise ValueError(f"MMSE-HR frames have no timestamps: the recording must be uniform at {fps:g} fps "
                         f"(got {recording.fps:g}); resample it or pass fps=")
    fdir = Path(root) / frames_folder / subject / task
    pdir = Path(root) / physio_folder / subject / task
    fdir.mkdir(parents=True, exist_ok=True)
    pdir.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(recording.frames):
        write_image(fdir / f"{i:04d}.jpg", image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    t = recording.timestamps - recording.timestamps[0]
    t_phys = reference_grid(t[-1], physio_fs)
    ppg = np.interp(t_phys, t, recording.ppg)
    bp = 80.0 + 40.0 * (ppg - ppg.min()) / (np.ptp(ppg) or 1.0)
    np.savetxt(pdir / "Pulse Rate_BPM.txt", np.interp(t_phys, t, recording.hr), fmt="%.4f")
    np.savetxt(pdir / "BP_mmHg.txt", bp, fmt="%.4f")
    return fdir, pdir
