"""COHFACE (Heusch et al., arXiv:1709.00962, 2017): 40 subjects x 4 sessions, 20 fps.

Source of the layout: the Idiap dataset page and the rPPG-Toolbox / RemotePPG
loaders::

    <root>/
      1/
        0/data.avi      # 640x480, 20 fps, MPEG-4 Part 2
        0/data.hdf5     # datasets pulse (BVP), respiration, time (s); 256 Hz;
        1/ ...          # attrs sample-rate-hz, illumination, ...
        3/ ...
      2/ ...
      protocols/        # (optional) the official splits

Sessions 0-1 are lit by a studio light, 2-3 by natural light. COHFACE ships
no HR labels: ``hr`` is derived from the pulse signal with
:func:`rppg_lib.signal.sliding_hr` (10 s windows) and ``meta["hr_source"]``
says so. Reading ``data.hdf5`` needs ``h5py``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from ..record import Recording
from ._common import (
    DatasetLayoutError,
    align_to_frames,
    hr_from_ppg,
    interp_finite,
    natural_key,
    optional_import,
    reference_grid,
    require_dir,
)
from ._video import read_video, write_video

__all__ = ["list_cohface", "load_cohface_session", "load_cohface", "write_cohface_recording"]

LAYOUT = """<root>/
  <subject 1..40>/
    <session 0..3>/
      data.avi
      data.hdf5   (pulse, respiration, time at 256 Hz)"""
_HOW = "COHFACE is distributed by Idiap on request: www.idiap.ch/en/dataset/cohface"
_H5PY = ("COHFACE's data.hdf5", "h5py>=3.10")


def list_cohface(root) -> list[Path]:
    """Session folders ``<subject>/<session>`` holding data.avi and data.hdf5."""
    base = require_dir(root, "COHFACE", LAYOUT, _HOW)
    sessions = [p for p in base.glob("*/*") if p.is_dir() and p.name.isdigit() and p.parent.name.isdigit()]
    if not sessions:
        raise DatasetLayoutError(f"no <subject>/<session> folder in {base}; expected layout:\n{LAYOUT}")
    for p in sessions:
        for f in ("data.avi", "data.hdf5"):
            if not (p / f).is_file():
                raise DatasetLayoutError(f"COHFACE: missing {p / f}")
    return sorted(sessions, key=lambda p: (natural_key(p.parent.name), natural_key(p.name)))


def load_cohface_session(folder) -> Recording:
    """One COHFACE session: frames, the pulse (BVP) as ``ppg`` and an HR derived from it."""
    h5py = optional_import("h5py", *_H5PY)
    folder = Path(folder)
    with h5py.File(folder / "data.hdf5", "r") as h5:
        missing = {"pulse", "time"} - set(h5.keys())
        if missing:
            raise DatasetLayoutError(f"{folder / 'data.hdf5'}: missing datasets {sorted(missing)}")
        pulse = h5["pulse"][()].astype(float)
        t_ref = h5["time"][()].astype(float)
        resp = h5["respiration"][()].astype(float) if "respiration" in h5 else None
        attrs = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in h5.attrs.items()}
    t_ref = t_ref - t_ref[0]
    frames, t, fps = read_video(folder / "data.avi")
    keep, report = align_to_frames(t, t_ref)
    t_hr, hr, desc = hr_from_ppg(t_ref, pulse)
    session = int(folder.name)
    meta = {"alignment": report, "path": str(folder), "hdf5_attrs": attrs, "hr_source": desc,
            "respiration": None if resp is None else interp_finite(t[keep], t_ref, resp)}
    return Recording(fps=fps, timestamps=t[keep], frames=frames[keep], ppg=interp_finite(t[keep], t_ref, pulse),
                     hr=interp_finite(t[keep], t_hr, hr), dataset="cohface", subject=folder.parent.name,
                     session=folder.name, scenario="studio" if session < 2 else "natural", meta=meta)


def load_cohface(root, subjects=None) -> Iterator[Recording]:
    """Every session (optionally of some subjects only), loaded lazily."""
    sessions = list_cohface(root)
    if subjects is not None:
        wanted = {str(s) for s in subjects}
        sessions = [s for s in sessions if s.parent.name in wanted]
    return (load_cohface_session(s) for s in sessions)


def write_cohface_recording(root, recording: Recording, subject=1, session=0, fs: float = 256.0,
                            codec: str = "ffv1", illumination: str | None = None) -> Path:
    """Write ``<root>/<subject>/<session>/data.avi`` + ``data.hdf5``.

    ``pulse`` is the recording's ``ppg`` interpolated at ``fs`` over the
    frames' span, ``time`` its sample times (s, from 0), ``respiration`` the
    recording's ``meta["respiration"]`` when present (zeros otherwise).
    The original videos are MPEG-4 (``codec="mpeg4"``); the default is
    lossless. Returns the session folder.
    """
    h5py = optional_import("h5py", *_H5PY)
    if recording.frames is None or recording.ppg is None:
        raise ValueError("COHFACE needs frames and ppg in the recording")
    folder = Path(root) / str(subject) / str(session)
    write_video(folder / "data.avi", recording.frames, recording.fps, codec=codec)
    t = recording.timestamps - recording.timestamps[0]
    t_ref = reference_grid(t[-1], fs)
    resp = recording.meta.get("respiration")
    resp = np.zeros_like(t_ref) if resp is None else np.interp(t_ref, t, resp)
    light = illumination or ("studio" if int(session) < 2 else "natural")
    with h5py.File(folder / "data.hdf5", "w") as h5:
        h5["pulse"] = np.interp(t_ref, t, recording.ppg)
        h5["respiration"] = resp
        h5["time"] = t_ref
        h5.attrs["sample-rate-hz"] = np.array([fs])
        h5.attrs["illumination"] = np.array([light.encode()])
    return folder
