"""PURE (Stricker et al., RO-MAN 2014): 10 subjects x 6 head-motion tasks, 30 fps PNG frames.

Source of the layout: the dataset's README (TU Ilmenau page "Pulse Rate
Detection Dataset - PURE") and the rPPG-Toolbox / RemotePPG loaders. One
folder of PNG frames per sequence, named ``<subject>-<task>``; the image file
names carry the capture time (unix ns); a JSON file per sequence holds the
finger-clip oximeter packets (CMS50E, 60 Hz) and the image timestamps::

    <root>/
      01-01/Image1392643993642815000.png ...
      01-01.json     {"/FullPackage": [{"Timestamp": ns, "Value": {"pulseRate": bpm,
                        "o2saturation": %, "signalStrength": 0-5, "waveform": int}}, ...],
                      "/Image": [{"Timestamp": ns}, ...]}
      01-02/ ...

The variant produced by unpacking each ``NN-MM.zip`` into its own folder
(``<root>/01-01/01-01/*.png`` + ``<root>/01-01/01-01.json``) is read as well.
Tasks: 01 steady, 02 talking, 03 slow translation, 04 fast translation,
05 small rotation, 06 medium rotation. Frame times come from the file names
(same clock as the JSON), relative to the first frame.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..record import Recording
from ._common import DatasetLayoutError, align_to_frames, interp_finite, reference_grid, require_dir
from ._video import read_images, write_image

__all__ = ["list_pure", "load_pure_session", "load_pure", "write_pure_recording", "PURE_TASKS"]

#: Task number -> scenario name.
PURE_TASKS = {1: "steady", 2: "talking", 3: "slow_translation", 4: "fast_translation",
              5: "small_rotation", 6: "medium_rotation"}

LAYOUT = """<root>/
  01-01/Image<unix ns>.png ...
  01-01.json   (/FullPackage: Timestamp, Value{pulseRate, o2saturation, signalStrength, waveform}; /Image: Timestamp)
  01-02/ ...   (or <root>/01-01/01-01/*.png + <root>/01-01/01-01.json)"""
_HOW = "PURE is distributed by TU Ilmenau on request (search 'Pulse Rate Detection Dataset PURE')."
_NAME = re.compile(r"^\d{2}-\d{2}$")
_IMAGE = re.compile(r"^Image(\d+)\.png$")


def _session_files(folder: Path) -> tuple[Path, Path] | None:
    """(frames folder, json file) of a sequence folder, for both unpacked variants."""
    if (folder.parent / f"{folder.name}.json").is_file() and any(folder.glob("Image*.png")):
        return folder, folder.parent / f"{folder.name}.json"
    nested = folder / folder.name
    if (folder / f"{folder.name}.json").is_file() and nested.is_dir():
        return nested, folder / f"{folder.name}.json"
    return None


def list_pure(root) -> list[Path]:
    """Sequence folders ``NN-MM`` (each with its JSON), sorted."""
    base = require_dir(root, "PURE", LAYOUT, _HOW)
    folders = sorted(p for p in base.iterdir() if p.is_dir() and _NAME.match(p.name))
    if not folders:
        raise DatasetLayoutError(f"no NN-MM sequence folder in {base}; expected layout:\n{LAYOUT}")
    for p in folders:
        if _session_files(p) is None:
            raise DatasetLayoutError(
                f"PURE: {p} has no matching {p.name}.json with Image*.png frames; expected "
                f"{base / (p.name + '.json')} next to {p}/Image<ns>.png (or {p / p.name}/ + {p / (p.name + '.json')})")
    return folders


def load_pure_session(folder) -> Recording:
    """One PURE sequence: frames, oximeter waveform as ``ppg`` and its pulse rate as ``hr``.

    ``meta["reference"]`` is the oximeter DataFrame (``time_s``, ``waveform``,
    ``pulseRate``, ``o2saturation``, ``signalStrength``) on the frames' clock.
    """
    folder = Path(folder)
    found = _session_files(folder)
    if found is None:
        raise DatasetLayoutError(f"PURE: {folder} is not a sequence folder with its JSON; expected:\n{LAYOUT}")
    frame_dir, json_file = found
    images = sorted((int(m.group(1)), p) for p in frame_dir.iterdir() if (m := _IMAGE.match(p.name)))
    if not images:
        raise DatasetLayoutError(f"PURE: no Image<ns>.png frames in {frame_dir}")
    data = json.loads(json_file.read_text())
    if "/FullPackage" not in data:
        raise DatasetLayoutError(f"{json_file}: no '/FullPackage' entry (oximeter packets)")
    ns0 = images[0][0]
    t = (np.array([ns for ns, _ in images], dtype=np.int64) - ns0) / 1e9
    packets = data["/FullPackage"]
    ref = pd.DataFrame([p["Value"] for p in packets])
    ref.insert(0, "time_s", (np.array([p["Timestamp"] for p in packets], dtype=np.int64) - ns0) / 1e9)
    for col in ("waveform", "pulseRate"):
        if col not in ref.columns:
            raise DatasetLayoutError(f"{json_file}: the /FullPackage values have no {col!r}")
    keep, report = align_to_frames(t, ref["time_s"].to_numpy())
    frames = read_images([p for (_, p), k in zip(images, keep) if k])
    n_json = len(data.get("/Image", []))
    subject, task = (int(x) for x in folder.name.split("-"))
    meta = {"alignment": report, "reference": ref, "path": str(frame_dir), "json": str(json_file),
            "image_timestamps_in_json": n_json, "hr_source": "pulseRate of the finger oximeter (CMS50E)"}
    return Recording(fps=float((len(t) - 1) / (t[-1] - t[0])), timestamps=t[keep], frames=frames,
                     ppg=interp_finite(t[keep], ref["time_s"], ref["waveform"]),
                     hr=interp_finite(t[keep], ref["time_s"], ref["pulseRate"]), dataset="pure",
                     subject=f"{subject:02d}", session=f"{task:02d}", scenario=PURE_TASKS.get(task, ""),
                     meta=meta)


def load_pure(root, subjects=None, tasks=None) -> Iterator[Recording]:
    """Every sequence (optionally only some subject / task numbers), loaded lazily."""
    folders = list_pure(root)
    pick = lambda name, i, sel: sel is None or int(name.split("-")[i]) in set(sel)  # noqa: E731
    folders = [f for f in folders if pick(f.name, 0, subjects) and pick(f.name, 1, tasks)]
    return (load_pure_session(f) for f in folders)


def write_pure_recording(root, recording: Recording, subject: int = 1, task: int = 1,
                         oximeter_fs: float = 60.0, start_ns: int = 1_392_643_993_642_815_000,
                         spo2: float = 98.0) -> Path:
    """Write ``<root>/NN-MM/Image<ns>.png`` frames and ``<root>/NN-MM.json``.

    The oximeter packets are written at ``oximeter_fs`` over the frames' span:
    ``waveform`` is the recording's ``ppg`` interpolated at the packet times
    and scaled to integers 0-100 like the CMS50E's, ``pulseRate`` the rounded
    ``hr``, ``o2saturation`` the constant ``spo2`` (a placeholder),
    ``signalStrength`` 5. Returns the frames folder.
    """
    if recording.frames is None or recording.ppg is None or recording.hr is None:
        raise ValueError("PURE needs frames, ppg and hr in the recording")
    name = f"{subject:02d}-{task:02d}"
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    t = recording.timestamps - recording.timestamps[0]
    frame_ns = start_ns + np.round(t * 1e9).astype(np.int64)
    for ns, image in zip(frame_ns, recording.frames):
        write_image(folder / f"Image{ns}.png", image)
    t_ox = reference_grid(t[-1], oximeter_fs)
    ppg = np.interp(t_ox, t, recording.ppg)
    span = np.ptp(ppg) or 1.0
    wave = np.round(10 + 80 * (ppg - ppg.min()) / span).astype(int)
    pulse = np.round(np.interp(t_ox, t, recording.hr)).astype(int)
    packets = [{"Timestamp": int(start_ns + round(s * 1e9)),
                "Value": {"pulseRate": int(p), "o2saturation": int(round(spo2)), "signalStrength": 5,
                          "waveform": int(w)}} for s, p, w in zip(t_ox, pulse, wave)]
    data = {"/FullPackage": packets, "/Image": [{"Timestamp": int(ns)} for ns in frame_ns]}
    (Path(root) / f"{name}.json").write_text(json.dumps(data))
    return folder
