"""The networks the chapters train, kept on disk so that ``rppg predict --model`` can use them.

A chapter's run writes its main model with :func:`save_model` under
``results/models/<chapter>/<name>/`` (:func:`rppg_lib.results.default_results_dir`):

- ``weights.pt``: the network's ``state_dict`` (``torch.save``);
- ``model.json``: what rebuilds it and what it expects, written after the weights
  (both atomically), so a folder with a ``model.json`` is complete:

  - ``builder``: import path ``"module:callable"`` of a function or class that
    builds the network from ``builder_kwargs`` (JSON values);
  - ``input_spec``: the input the network was trained on, which ``rppg predict``
    reproduces: ``kind`` (``"face_crops"``: sticky face crops, ``"st_map"``,
    ``"colour_signals"``), ``frame_size``, ``fps``, ``clip_frames``, ``colour``
    and free notes (:func:`face_crops_input`; a map network, :func:`st_map_input`,
    has ``grid``, ``cheek``, ``region`` and ``input_size`` instead of ``frame_size``, a colour-signal
    network, :func:`colour_signals_input`, ``rois`` and ``window``);
  - the run record: ``chapter``, ``profile``, ``data`` (the data source it was
    trained on), ``revision`` (git), ``created`` (UTC), ``metrics`` (e.g.
    ``test_mae``) and the SHA-256 of the weights file.

:func:`list_models` gives the stored models, :func:`load_model` rebuilds one.
A model the store does not hold raises :class:`MissingModelError`, which names the
chapter run that writes it (:data:`PRODUCED_BY`); weights that do not fit the
builder's network, a builder that cannot be imported or a weights file that is not
the one recorded raise :class:`IncompatibleModelError` naming both sides.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .storage import file_sha256

__all__ = ["save_model", "list_models", "load_model", "find_model", "StoredModel", "MissingModelError",
           "IncompatibleModelError", "PRODUCED_BY", "produced_by", "build_autohr", "build_map_regressor", "models_dir",
           "face_crops_input", "st_map_input", "colour_signals_input"]

#: Models the chapters' runs write: name -> chapter key (the run that produces it).
PRODUCED_BY = {
    "gideon2021-supervised": "gideon2021",
    "gideon2021-contrastive": "gideon2021",
    "deng-rppgnet": "deng_pruned_stven",
    "yu2020-autohr": "yu2020",
    "yu2020-physnet": "yu2020",
    "niu2018-resnet18": "niu2018",
    "kopeliovich2019-clf": "kopeliovich2019",
}

WEIGHTS_FILE = "weights.pt"
SPEC_FILE = "model.json"
FORMAT_VERSION = 1
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class MissingModelError(FileNotFoundError):
    """The store holds no checkpoint of that name (the message says which run writes it)."""


class IncompatibleModelError(ValueError):
    """A stored checkpoint that does not rebuild: missing or unexpected keys, shapes that differ,
    a builder that cannot be imported or called, or a weights file that is not the recorded one."""


@dataclass
class StoredModel:
    """One stored model: its ``name``, folder (``path``) and the contents of its ``model.json``."""

    name: str
    path: Path
    spec: dict = field(default_factory=dict)

    @property
    def chapter(self) -> str:
        return self.spec["chapter"]

    @property
    def input_spec(self) -> dict:
        return self.spec["input_spec"]

    @property
    def record(self) -> dict:
        """The run record: chapter, profile, data, revision, created, metrics."""
        return {k: self.spec.get(k) for k in ("chapter", "profile", "data", "revision", "created", "metrics")}

    @property
    def weights_path(self) -> Path:
        return self.path / WEIGHTS_FILE


def models_dir(results_dir=None) -> Path:
    """``<results>/models`` (``results_dir`` or :func:`rppg_lib.results.default_results_dir`)."""
    from .results import default_results_dir

    return (Path(results_dir) if results_dir is not None else default_results_dir()) / "models"


def produced_by(name: str) -> str:
    """The command that writes model ``name``, e.g. ``rppg run gideon2021 --profile book``."""
    chapter = PRODUCED_BY.get(name) or name.split("-")[0]
    return f"rppg run {chapter} --profile book"


def _import(path: str):
    module, _, attr = str(path).partition(":")
    if not module or not attr:
        raise ImportError(f"import path {path!r} is not of the form 'module:callable'")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ImportError(f"import path {path!r} is not callable")
    return obj


def face_crops_input(frame_size: int, fps: float, clip_frames: int) -> dict:
    """The ``input_spec`` of a network that reads the 3-D CNN chapters' face crops
    (:func:`rppg_lib.clips.lookalike_clips`, :func:`rppg_lib.video.sticky_face_crops`) and returns a pulse."""
    return {"kind": "face_crops", "frame_size": int(frame_size), "fps": float(fps), "clip_frames": int(clip_frames),
            "colour": "RGB 0-255, uint8 (the network z-normalises each clip)",
            "preprocessing": "sticky face box (Haar detector, 50 % margin), area-resized to frame_size; frames "
                             "block-averaged to about fps", "output": "pulse waveform (N, T)"}


def st_map_input(fps: float, clip_frames: int, grid, cheek: str, input_size=None, *, region=None,
                 boxes: str = "", hr_offset: float | None = None, hr_scale: float | None = None,
                 clip_reader: str) -> dict:
    """The ``input_spec`` of a network that reads Niu et al. (2018)'s spatial-temporal maps and returns one HR
    per clip: ``grid`` (rows, columns) block means of the cheek region of the face box (``cheek``: ``"box"``,
    the fixed ``region`` in fractions of the box, or ``"eyes"``, placed from the eyes per video), at ``fps``,
    clips of ``clip_frames`` frames each min-max scaled per block and channel (:func:`rppg_lib.video.random_clips`),
    resized to ``input_size`` (None: as cut). ``boxes`` says where the training videos' face boxes came from;
    ``hr_offset`` and ``hr_scale`` (bpm) are the trained network's output scaling, recorded for the reader: they
    are buffers in its weights, so the network's output is the HR itself. ``clip_reader`` (``"module:callable"``)
    turns block means into the network's clips and one HR per clip, as the chapter cuts them."""
    if cheek not in ("box", "eyes"):
        raise ValueError(f"cheek must be 'box' or 'eyes', got {cheek!r}")
    spec = {"kind": "st_map", "clip_reader": str(clip_reader), "fps": float(fps), "clip_frames": int(clip_frames),
            "grid": [int(g) for g in grid],
            "cheek": cheek, "region": None if region is None else [float(v) for v in region],
            "input_size": None if input_size is None else [int(v) for v in input_size],
            "colour": "RGB block means; each clip min-max scaled per block and channel to 0-255 (uint8), then /255",
            "preprocessing": "Haar face box every few frames, averaged over the last 20; the cheek region cut into "
                             "the grid's blocks, each averaged per frame; block-averaged in time to about fps and "
                             "resampled to fps", "boxes": boxes,
            "output": "heart rate (N,) in bpm, one per clip"}
    if hr_offset is not None:
        spec["hr_offset_bpm"] = float(hr_offset)
    if hr_scale is not None:
        spec["hr_scale_bpm"] = float(hr_scale)
    return spec


def colour_signals_input(fps: float, window: int, rois: dict, *, detect_every: int, boxes: str = "",
                         hr_range=None, clip_reader: str) -> dict:
    """The ``input_spec`` of a network that reads Kopeliovich et al. (2019)'s colour signals and returns HR class
    scores: the mean R, G, B of each of the ``rois`` (name -> x0, y0, x1, y1 in fractions of the face box; signal
    ``3 * r + c`` is colour ``c`` of ROI ``r``, in the mapping's order, stored as the lists ``rois`` and
    ``roi_names`` because the JSON file sorts a mapping's keys) per frame at ``fps``, in windows of
    ``window`` frames, each signal min-max scaled to [-1, 1] per window. ``detect_every``: the Haar detector's
    stride on the training videos; ``boxes`` says where their face boxes came from; ``hr_range``: the classes'
    [min, max] bpm; ``clip_reader`` (``"module:callable"``) turns ROI traces into windows and one HR each, as the
    chapter cuts them."""
    spec = {"kind": "colour_signals", "clip_reader": str(clip_reader), "fps": float(fps), "window": int(window),
            "rois": [[float(v) for v in r] for r in dict(rois).values()], "roi_names": [str(k) for k in dict(rois)],
            "colour": "per frame mean R, G, B of each ROI (18 signals for six ROIs); each signal of a window min-max "
                      "scaled to [-1, 1]", "preprocessing": f"Haar face box every {int(detect_every)} frame(s), "
                      "averaged over the last 20; frames resampled to fps", "boxes": boxes,
            "output": "HR class scores (N, C); the HR is the centre of the argmax class"}
    if hr_range is not None:
        spec["hr_range_bpm"] = [float(v) for v in hr_range]
    return spec


def save_model(chapter, name: str, model, *, builder: str, builder_kwargs: dict, input_spec: dict,
               profile: str | None = None, data: str, metrics: dict, results_dir=None) -> Path:
    """Store ``model`` (its ``state_dict``) as ``name`` under ``<results>/models/<chapter>/<name>/``.

    ``chapter``: the chapter's key, or its :class:`rppg_lib.chapter.Chapter`, whose ``profile`` and
    ``results_dir`` are then used unless given (so a run into a temporary results folder keeps its
    model there).

    ``builder`` (``"module:callable"``) called with ``builder_kwargs`` must rebuild the same network:
    this is checked before anything is written (the weights are loaded into a fresh build), so a
    stored model always loads. ``input_spec`` says what the network reads (see the module
    docstring); ``profile``, ``data`` and ``metrics`` (e.g. ``{"test_mae": 4.2}``) go into the run
    record with the git revision. Both files are written atomically, the weights first. Returns the
    folder.
    """
    import torch

    from .results import current_revision
    from .storage import jsonable, save_torch_atomic, write_json_atomic

    if hasattr(chapter, "key"):
        profile = chapter.profile if profile is None else profile
        results_dir = chapter.results_dir if results_dir is None else results_dir
        chapter = chapter.key
    if profile is None:
        raise ValueError("save_model needs the run's profile")
    if not _NAME.match(str(name)):
        raise ValueError(f"model name {name!r}: use lower-case letters, digits, '-', '_' or '.'")
    if "kind" not in input_spec:
        raise ValueError("input_spec needs a 'kind' (face_crops, st_map, colour_signals)")
    builder_kwargs = jsonable(dict(builder_kwargs))
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    _rebuild(builder, builder_kwargs, state, f"the model being saved as {name!r}")
    folder = models_dir(results_dir) / chapter / name
    weights = save_torch_atomic(state, folder / WEIGHTS_FILE)
    spec = {"format_version": FORMAT_VERSION, "name": name, "chapter": chapter, "builder": builder,
            "builder_kwargs": builder_kwargs, "input_spec": dict(input_spec), "profile": profile, "data": data,
            "revision": current_revision(),
            "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
            "metrics": dict(metrics), "weights_sha256": file_sha256(weights),
            "parameters": int(sum(v.numel() for v in state.values() if torch.is_floating_point(v)))}
    write_json_atomic(folder / SPEC_FILE, spec)
    return folder


def list_models(results_dir=None) -> list[StoredModel]:
    """The stored models (folders with a readable ``model.json``), sorted by chapter and name."""
    base = models_dir(results_dir)
    out = []
    for spec_file in sorted(base.glob(f"*/*/{SPEC_FILE}")):
        try:
            spec = json.loads(spec_file.read_text())
        except (OSError, ValueError):
            continue
        out.append(StoredModel(spec.get("name", spec_file.parent.name), spec_file.parent, spec))
    return sorted(out, key=lambda m: (m.spec.get("chapter", ""), m.name))


def find_model(name: str, results_dir=None) -> StoredModel:
    """The stored model ``name``; :class:`MissingModelError` (with the run that writes it, and the
    stored ones) when there is none."""
    stored = list_models(results_dir)
    for m in stored:
        if m.name == name:
            return m
    available = ", ".join(m.name for m in stored) or "none"
    if name in PRODUCED_BY:
        raise MissingModelError(
            f"no checkpoint of model {name!r} under {models_dir(results_dir)}: it is written by the "
            f"{PRODUCED_BY[name]} chapter's run (`{produced_by(name)}`); stored models: {available}")
    raise MissingModelError(f"unknown model {name!r}; stored models: {available}; the chapters' runs write: "
                            f"{', '.join(sorted(PRODUCED_BY))} (`rppg models` lists them)")


def _rebuild(builder: str, kwargs: dict, state: dict, what: str):
    try:
        net = _import(builder)(**kwargs)
    except (ImportError, AttributeError) as exc:
        raise IncompatibleModelError(f"{what}: builder {builder!r} cannot be imported ({exc})") from None
    except (TypeError, ValueError) as exc:
        raise IncompatibleModelError(f"{what}: builder {builder!r} rejects its arguments {kwargs} ({exc})") from None
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        detail = " ".join(str(exc).split())
        raise IncompatibleModelError(f"{what} does not fit the network of builder {builder!r} with {kwargs}: "
                                     f"{detail}") from None
    return net.eval()


def load_model(name: str, results_dir=None, *, with_record: bool = False):
    """Rebuild the stored model ``name`` (eval mode, on the CPU); with ``with_record`` return
    ``(network, StoredModel)``. Errors: :class:`MissingModelError`, :class:`IncompatibleModelError`."""
    import torch

    stored = find_model(name, results_dir)
    weights = stored.weights_path
    if not weights.is_file():
        raise MissingModelError(f"model {name!r}: {stored.path / SPEC_FILE} is there but its weights file "
                                f"{weights} is missing; `{produced_by(name)}` writes both")
    recorded = stored.spec.get("weights_sha256")
    if recorded and file_sha256(weights) != recorded:
        raise IncompatibleModelError(f"model {name!r}: {weights} is not the weights file its {SPEC_FILE} "
                                     f"records (SHA-256 differs); rerun `{produced_by(name)}`")
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a damaged file
        raise IncompatibleModelError(f"model {name!r}: cannot read {weights} ({exc})") from None
    net = _rebuild(stored.spec.get("builder", ""), stored.spec.get("builder_kwargs", {}), state,
                   f"checkpoint {weights}")
    return (net, stored) if with_record else net


def build_autohr(genotype: dict, **kwargs):
    """:class:`~rppg_lib.models.AutoHRNet` from a JSON genotype ``{"cells": ..., "n_inputs": n}``
    (the builder of AutoHR checkpoints: a genotype is a nested tuple, stored as lists)."""
    from .models import AutoHRNet
    from .models.autohr import Genotype

    def tup(x):
        return tuple(tup(v) for v in x) if isinstance(x, (list, tuple)) else x

    return AutoHRNet(Genotype(cells=tup(genotype["cells"]), n_inputs=int(genotype.get("n_inputs", 1))), **kwargs)


def build_map_regressor(input_size=None):
    """:class:`~rppg_lib.models.ResNet18Regressor` of ``input_size`` (h, w) without ImageNet weights and
    without its random-initialisation warning (the builder of Niu et al. 2018's stored networks: the
    weights, its ``hr_offset`` and ``hr_scale`` included, come from the store)."""
    import warnings

    from .models import ResNet18Regressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ResNet18Regressor(input_size=None if input_size is None else tuple(input_size))
