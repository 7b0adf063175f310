"""The chapter's real face videos: MAHNOB-HCI (Tables I, III, IV) and MMSE-HR (Table II) as a :class:`VideoSet`.

:func:`prepare_real` reads every recording of a dataset folder with the library's readers
(:mod:`rppg_lib.data.mahnob_hci`, :mod:`rppg_lib.data.mmse_hr`; ``data/README.md`` gives their
layouts), turns its frames into raw block means exactly as :func:`~.experiment.prepare_simulated`
does for the simulated videos (Haar face boxes, cheek region, 10 x 20 block means), and puts them,
with the per-frame reference HR, on the uniform frame rate ``fps`` over the first ``duration_s``
seconds (the paper's 30-s videos).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ...storage import cache_key, cached
from . import KEY

__all__ = ["DATASETS", "prepare_real"]

#: Datasets :func:`prepare_real` reads: name -> (what it is, the paper's tables).
DATASETS = {
    "mahnob-hci": ("MAHNOB-HCI (rppg_lib.data.mahnob_hci): ECG-derived HR", "Tables I, III, IV"),
    "mmse-hr": ("MMSE-HR (rppg_lib.data.mmse_hr): the device's pulse rate", "Table II"),
}
#: Bumped when what a cached video holds changes.
_VERSION = 2


def _recordings(root, dataset: str) -> list:
    """``(name, folders, load)`` per recording, in the reader's order; the readers raise on a bad layout."""
    from ...data import list_mahnob_hci, list_mmse_hr, load_mahnob_hci_session, load_mmse_hr_session

    if dataset == "mahnob-hci":
        return [(str(f), (f,), lambda f=f: load_mahnob_hci_session(f)) for f in list_mahnob_hci(root)]
    return [(str(f), (f, p), lambda f=f, p=p: load_mmse_hr_session(f, p)) for f, p in list_mmse_hr(root)]


def _fingerprint(folders) -> str:
    """Digest of the path, size and mtime of every file in ``folders`` (not recursive): the
    recording's video or frames and its reference files."""
    from ...video import file_fingerprint

    files = [file_fingerprint(p) for folder in folders for p in sorted(Path(folder).iterdir()) if p.is_file()]
    return cache_key({"files": files}, 32)


def _resample(t, values, fps: float, t0: float, n: int) -> np.ndarray:
    """``values`` (T, ...) at times ``t`` on the grid ``t0 + k / fps``, ``k < n``
    (:func:`rppg_lib.signal.resample_uniform`, linear). Columns that are never finite (a block
    outside every frame) stay NaN; frames where another column is NaN are interpolated over."""
    from ...signal import resample_uniform

    flat = np.asarray(values, float).reshape(len(t), -1)
    live = np.isfinite(flat).any(axis=0)
    out = np.full((n, flat.shape[1]), np.nan)
    if live.any():
        _, y = resample_uniform(t, flat[:, live], fps, t_start=t0, t_stop=t0 + (n - 0.5) / fps)
        out[:, live] = y[:n]
    return out.reshape((n,) + np.shape(values)[1:])


def _reference_hr(rec) -> tuple[np.ndarray, str]:
    """Per-frame reference HR of a recording and where it comes from."""
    if rec.hr is not None:
        return np.asarray(rec.hr, float), str(rec.meta.get("hr_source", "the reader's hr"))
    if rec.ppg is not None:  # neither reader needs this today; a reader without HR labels would
        from ...data._common import hr_from_ppg, interp_finite

        t, hr, desc = hr_from_ppg(rec.timestamps, rec.ppg)
        return interp_finite(rec.timestamps, t, hr), desc
    raise ValueError(f"{rec.meta.get('path', rec.session)}: the recording has neither hr nor ppg")


def _video(load, *, fps: float, duration_s: float, start_s: float, cheek: str, grid) -> dict:
    """One recording -> resampled block means and HR over ``[start_s, start_s + duration_s)`` of it,
    or ``{"length_s": ...}`` alone when it is too short."""
    from ...video import CHEEK_REGION, complete_boxes, detect_faces, eye_cheek_region, stmap_blocks

    rec = load()
    t = np.asarray(rec.timestamps, float)
    n = int(round(fps * duration_s))
    t0 = t[0] + start_s
    length = float(t[-1] - t[0] + 1.0 / rec.fps)
    ids = {"subject": np.asarray(str(rec.subject)), "session": np.asarray(str(rec.session)), "length_s": length}
    if t0 + (n - 1) / fps > t[-1] + 0.5 / rec.fps:  # the grid's last sample must lie within the video
        return ids
    hr, hr_source = _reference_hr(rec)
    # only the frames the grid needs (one frame of margin each side for the interpolation)
    keep = (t >= t0 - 1.0 / rec.fps) & (t <= t0 + (n - 1) / fps + 1.0 / rec.fps)
    frames, t, hr = rec.frames[keep], t[keep], hr[keep]
    del rec
    found = np.asarray(detect_faces(frames, every=5, smoothing="mean20", on_missing="nan").boxes)
    box = complete_boxes(found, frames.shape[1:])  # no face at all: NoFaceFoundError, the video is skipped
    if cheek == "eyes":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no eyes found -> the box rule, recorded in `region`
            region = eye_cheek_region(frames, box)
    else:
        region = CHEEK_REGION
    blocks = stmap_blocks(frames, box, tuple(grid), region=region)
    return {**ids, "blocks": _resample(t, blocks, fps, t0, n).astype(np.float32),
            "hr": _resample(t, hr, fps, t0, n), "region": np.asarray(region, float),
            "hr_source": np.asarray(hr_source), "filled": int(np.sum(~np.all(np.isfinite(found), axis=1)))}


def prepare_real(root, dataset: str = "mahnob-hci", *, fps: float, duration_s: float, boxes: str = "detect",
                 cheek: str = "eyes", grid=(10, 20), max_videos: int | None = None, start_s: float = 0.0,
                 cache: bool = True, progress: bool = True):
    """Block means and per-frame reference HR of a real dataset's videos, as a :class:`~.experiment.VideoSet`.

    What it reads
        ``dataset="mahnob-hci"`` (Tables I, III, IV): every session folder that
        :func:`rppg_lib.data.list_mahnob_hci` lists under ``root``, read by
        :func:`~rppg_lib.data.load_mahnob_hci_session` (camera-1 colour video; HR from the ECG's
        R-peaks, 60 / RR interpolated at the frame times; subject = the ``Part_<n>`` of the BDF file).
        ``dataset="mmse-hr"`` (Table II): every (frames folder, physiology folder) pair of
        :func:`rppg_lib.data.list_mmse_hr`, read by :func:`~rppg_lib.data.load_mmse_hr_session`
        (25 fps JPEG frames; HR = ``Pulse Rate_BPM.txt``; subject = the ``F###``/``M###`` folder).
        Recordings are taken in the readers' (natural) order, the first ``max_videos`` of them.
        A root without the expected layout raises the readers' :class:`~rppg_lib.data.DatasetLayoutError`
        (a ``FileNotFoundError`` naming what is missing and the layout expected).

    What it computes, per recording
        The frames of ``[start_s, start_s + duration_s]`` (plus one frame each side) go through the
        same calls as the simulated videos: Haar face boxes (``detect_faces(every=5,
        smoothing="mean20")``, frames without a box carried from the nearest found one and boxes
        clipped to the frame by :func:`rppg_lib.video.complete_boxes`), the cheek region
        (``cheek="eyes"``: placed from the eyes by
        :func:`rppg_lib.video.eye_cheek_region`, falling back to the box rule; ``"box"``:
        :data:`rppg_lib.video.CHEEK_REGION`) and the ``grid`` block means
        (:func:`rppg_lib.video.stmap_blocks`).

    What it resamples, and why
        Block means and reference HR are resampled (:func:`rppg_lib.signal.resample_uniform`,
        linear, on the frame timestamps) to ``fps`` on the grid ``t_0 + start_s + k / fps``,
        ``k < round(fps * duration_s)``. MAHNOB-HCI runs at 61 fps with container timestamps,
        MMSE-HR at 25 fps, while the clips of :func:`~.experiment.clip_set` are a fixed 300 frames
        and the maps of :func:`~.experiment.synthetic_input` are drawn for one frame rate: on one
        uniform rate a clip covers the same time, and a map's rhythm the same HR, in every video of
        either dataset. Every video then has the same length, which ``VideoSet`` (one array) needs.
        Videos shorter than ``start_s + duration_s`` are skipped with one warning that lists them;
        when none is left a ``ValueError`` is raised. The reference HR is the readers' per-frame HR
        (a reader offering only a PPG would get :func:`rppg_lib.data._common.hr_from_ppg`, the
        sliding-window HR of the PPG). Videos where no face is found are skipped with a warning and
        named in the set's ``dropped``.

    Deviations from the paper
        No landmark model (the paper places the cheek ROI from facial landmarks): the region is
        placed from the Haar face box and eyes. ``boxes`` accepts only ``"detect"``: real videos have
        no true boxes. ``start_s`` (ours, default 0): where the segment starts; the paper says 30-s
        videos without saying which 30 s.

    Caching
        Each video's result is stored (``cached_npz``, atomically) under
        ``cache_dir("niu2018") / "real"``, keyed by the path, size and mtime of every file of the
        recording's folders and by ``dataset``, ``fps``, ``duration_s``, ``start_s``, ``cheek`` and
        ``grid``; a too-short video is stored as its length alone, so it is not decoded again.
        ``cache=False`` stores nothing. ``progress``: a tqdm bar over the videos.
    """
    from ...video import NoFaceFoundError
    from .experiment import VideoSet

    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; valid: {', '.join(DATASETS)}")
    if boxes != "detect":
        raise ValueError(f"boxes must be 'detect' for real videos (they have no true face boxes), got {boxes!r}")
    if cheek not in ("eyes", "box"):
        raise ValueError(f"cheek must be 'box' or 'eyes', got {cheek!r}")
    if fps <= 0 or duration_s <= 0 or start_s < 0:
        raise ValueError(f"need fps > 0, duration_s > 0 and start_s >= 0, got {fps}, {duration_s}, {start_s}")
    if int(round(fps * duration_s)) < 2:
        raise ValueError(f"fps * duration_s must give at least 2 frames, got {fps} * {duration_s}")
    items = _recordings(root, dataset)
    if max_videos is not None:
        items = items[:max_videos]
    opts = dict(fps=float(fps), duration_s=float(duration_s), start_s=float(start_s), cheek=cheek,
                grid=[int(g) for g in grid])
    jobs = items
    if progress:
        from tqdm import tqdm

        jobs = tqdm(items, desc=f"videos ({dataset})", unit="video")
    out, short, faceless = [], [], []
    for name, folders, load in jobs:
        params = dict(dataset=dataset, files=_fingerprint(folders), **opts) if cache else {}
        try:
            data, _ = cached(KEY, params, lambda load=load: _video(load, **opts), version=_VERSION, simulator=False,
                             layout="flat", folder="real", length=24, use_cache=cache)
        except NoFaceFoundError:  # not cached: a better detector may find it
            faceless.append(name)
            continue
        if "blocks" in data:
            out.append(data)
        else:
            short.append(f"{name} ({float(data['length_s']):.1f} s)")
    if short:
        warnings.warn(f"{dataset}: {len(short)} video(s) shorter than start_s + duration_s = "
                      f"{start_s + duration_s:g} s skipped: {', '.join(short)}", stacklevel=2)
    if faceless:
        warnings.warn(f"{dataset}: no face found in {len(faceless)} video(s), skipped: {', '.join(faceless)}",
                      stacklevel=2)
    if not out:
        raise ValueError(f"{dataset}: none of the {len(items)} video(s) under {root} is usable "
                         f"(at least {start_s + duration_s:g} s long with a face found)")
    return VideoSet(np.stack([d["blocks"] for d in out]), np.stack([d["hr"] for d in out]),
                    np.array([str(d["subject"]) for d in out]), float(fps),
                    f"real: {dataset} at {root}, {len(out)} videos, {duration_s:g} s from {start_s:g} s "
                    f"at {fps:g} fps", np.stack([d["region"] for d in out]),
                    np.array([int(d["filled"]) for d in out]), tuple(f"{n}: no face found" for n in faceless))
