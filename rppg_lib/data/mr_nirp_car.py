"""MR-NIRP Car (Nowara et al., 2020): 19 subjects driving or parked, RGB + NIR cameras, finger oximeter.

Layout (the best-documented variant; FLAGGED: the distributor's own
description was not found, this follows the rPPG-Toolbox loader and the
RemotePPG preprocessing of Gideon & Stent 2021, who used this dataset)::

    <root>/
      Subject1/
        subject1_driving_still_940/        # subject<N>_<driving|garage>_<still|small_motion|large_motion>_<940|975>
          RGB/Frame00000.pgm ...           # 16-bit PGM, raw Bayer RGGB (10-bit data in the high bits), 30 fps
          NIR/Frame00000.pgm ...           # not read here
          PulseOX/pulseOx.mat              # pulseOxRecord (1 x N), pulseOxTime (1 x N, s, irregular)
        subject1_garage_still_940/ ...
      Subject2/ ...

The download ships ``RGB.zip``, ``NIR.zip`` and ``PulseOX.zip`` per folder:
extract them in place first. Frames have no timestamps: frame ``i`` is at
``i / fps`` (30 fps) and the oximeter time starts with the video. The Bayer
frames are demosaiced with ``cv2.COLOR_BAYER_BG2RGB`` (RGGB) and reduced to
8 bits. The dataset ships no HR labels: ``hr`` comes from the oximeter wave
(:func:`rppg_lib.signal.sliding_hr`, 10 s windows).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import scipy.io

from ..record import Recording
from ._common import (
    DatasetLayoutError,
    align_to_frames,
    hr_from_ppg,
    interp_finite,
    natural_key,
    reference_grid,
    require_dir,
)
from ._video import read_images, write_image

__all__ = ["list_mr_nirp_car", "load_mr_nirp_car_session", "load_mr_nirp_car", "write_mr_nirp_car_recording"]

LAYOUT = """<root>/
  Subject<N>/
    subject<N>_<driving|garage>_<still|small_motion|large_motion>_<940|975>/
      RGB/Frame<number>.pgm     (16-bit raw Bayer RGGB)
      PulseOX/pulseOx.mat       (pulseOxRecord, pulseOxTime)"""
_HOW = "MR-NIRP Car is distributed by Rice University (computationalimaging.rice.edu/mr-nirp-dataset)."
_SESSION = re.compile(r"^subject(\d+)_([a-z]+)_(.+)_(\d{3})$", re.IGNORECASE)


def list_mr_nirp_car(root) -> list[Path]:
    """Session folders ``Subject*/subject*_*`` with extracted RGB frames and PulseOX, sorted."""
    base = require_dir(root, "MR-NIRP Car", LAYOUT, _HOW)
    sessions = [p for p in base.glob("Subject*/*") if p.is_dir() and _SESSION.match(p.name)]
    if not sessions:
        raise DatasetLayoutError(f"no Subject<N>/subject<N>_<place>_<motion>_<nm> folder in {base}; "
                                 f"expected layout:\n{LAYOUT}")
    for p in sessions:
        for sub, probe in (("RGB", "Frame*.pgm"), ("PulseOX", "pulseOx.mat")):
            if not any((p / sub).glob(probe)):
                zipped = [z.name for z in p.glob("*.zip")]
                hint = f" (found {zipped}: extract them in place)" if zipped else ""
                raise DatasetLayoutError(f"MR-NIRP Car: missing {p / sub / probe}{hint}")
    return sorted(sessions, key=lambda p: natural_key(p.name))


def _demosaic(raw: np.ndarray) -> np.ndarray:
    """16-bit RGGB Bayer frames (T, H, W) -> uint8 RGB (T, H, W, 3)."""
    return np.stack([(cv2.cvtColor(f, cv2.COLOR_BAYER_BG2RGB) >> 8).astype(np.uint8) for f in raw])


def load_mr_nirp_car_session(folder, fps: float = 30.0) -> Recording:
    """One MR-NIRP Car session: demosaiced RGB frames, oximeter wave as ``ppg``, HR derived from it."""
    folder = Path(folder)
    mat_file = folder / "PulseOX" / "pulseOx.mat"
    mat = scipy.io.loadmat(mat_file)
    if {"pulseOxRecord", "pulseOxTime"} - set(mat):
        raise DatasetLayoutError(f"{mat_file}: expected variables pulseOxRecord and pulseOxTime")
    ppg = np.ravel(mat["pulseOxRecord"]).astype(float)
    t_ref = np.ravel(mat["pulseOxTime"]).astype(float)
    t_ref = t_ref - t_ref[0]
    files = sorted((folder / "RGB").glob("Frame*.pgm"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1]))
    t = np.arange(len(files)) / fps
    keep, report = align_to_frames(t, t_ref)
    raw = read_images([f for f, k in zip(files, keep) if k], flags=cv2.IMREAD_UNCHANGED)
    if raw.ndim != 3:
        raise DatasetLayoutError(f"{folder / 'RGB'}: expected single-channel raw Bayer PGM frames, got {raw.shape[1:]}")
    t_hr, hr, desc = hr_from_ppg(t_ref, ppg)
    m = _SESSION.match(folder.name)
    meta = {"alignment": report, "path": str(folder), "nir_wavelength_nm": int(m.group(4)), "hr_source": desc,
            "frame_times": f"index / {fps:g} (no timestamps in the dataset)"}
    return Recording(fps=fps, timestamps=t[keep], frames=_demosaic(raw), ppg=interp_finite(t[keep], t_ref, ppg),
                     hr=interp_finite(t[keep], t_hr, hr), dataset="mr-nirp-car", subject=m.group(1),
                     session=folder.name, camera="RGB", scenario=f"{m.group(2)}_{m.group(3)}", meta=meta)


def load_mr_nirp_car(root, fps: float = 30.0) -> Iterator[Recording]:
    """Every session, loaded lazily."""
    return (load_mr_nirp_car_session(f, fps) for f in list_mr_nirp_car(root))


def write_mr_nirp_car_recording(root, recording: Recording, subject: int = 1, place: str = "garage",
                                motion: str = "still", wavelength_nm: int = 940, fps: float = 30.0,
                                oximeter_fs: float = 60.0,
                                start_time_s: float = 1000.0) -> Path:
    """Write ``<root>/Subject<N>/subject<N>_<place>_<motion>_<nm>/`` with RGB Bayer frames and pulseOx.mat.

    Frames are mosaiced to RGGB and stored as 16-bit PGM (value << 8);
    ``pulseOxRecord`` is ``ppg`` at ``oximeter_fs`` and ``pulseOxTime`` its
    times in s starting at ``start_time_s``. No NIR frames are written. The
    frames carry no times, so the recording must be uniform at ``fps``.
    Returns the session folder.
    """
    if recording.frames is None or recording.ppg is None:
        raise ValueError("MR-NIRP Car needs frames and ppg in the recording")
    if abs(recording.fps - fps) > 1e-6 or not np.allclose(np.diff(recording.timestamps), 1.0 / fps, atol=1e-4):
        raise ValueError(f"MR-NIRP Car frames have no timestamps: the recording must be uniform at {fps:g} fps "
                         f"(got {recording.fps:g}); resample it or pass fps=")
    folder = Path(root) / f"Subject{subject}" / f"subject{subject}_{place}_{motion}_{wavelength_nm}"
    (folder / "RGB").mkdir(parents=True, exist_ok=True)
    (folder / "PulseOX").mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(recording.frames):
        bayer = np.empty(image.shape[:2], dtype=np.uint16)
        bayer[0::2, 0::2] = image[0::2, 0::2, 0]
        bayer[0::2, 1::2] = image[0::2, 1::2, 1]
        bayer[1::2, 0::2] = image[1::2, 0::2, 1]
        bayer[1::2, 1::2] = image[1::2, 1::2, 2]
        write_image(folder / "RGB" / f"Frame{i:05d}.pgm", bayer << 8)
    t = recording.timestamps - recording.timestamps[0]
    t_ox = reference_grid(t[-1], oximeter_fs)
    scipy.io.savemat(folder / "PulseOX" / "pulseOx.mat",
                     {"pulseOxRecord": np.interp(t_ox, t, recording.ppg)[None, :],
                      "pulseOxTime": (start_time_s + t_ox)[None, :]})
    return folder
