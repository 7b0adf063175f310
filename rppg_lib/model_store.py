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
    and free notes;
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
           "IncompatibleModelError", "PRODUCED_BY", "produced_by", "build_autohr", "models_dir", "face_crops_input"]

#: Models the chapters' runs write: name -> chapter key (the run that produces it). niu2018 (ResNet-18 on
#: spatial-temporal maps) and kopeliovich2019 (CL+F on colour signals) store none yet: their inputs are built
#: from their chapters' own data, not from a video file.
PRODUCED_BY = {
    "gideon2021-supervised": "gideon2021",
    "gideon2021-contrastive": "gideon2021",
    "deng-rppgnet": "deng_pruned_stven",
    "yu2020-autohr": "yu2020",
    "yu2020-physnet": "yu2020",
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
        raise ImportError(f"builder {path!r} is not of the form 'module:callable'")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise ImportError(f"builder {path!r} is not callable")
    return obj


def face_crops_input(frame_size: int, fps: float, clip_frames: int) -> dict:
    """The ``input_spec`` of a network that reads the 3-D CNN chapters' face crops
    (:func:`rppg_lib.clips.lookalike_clips`, :func:`rppg_lib.video.sticky_face_crops`) and returns a pulse."""
    return {"kind": "face_crops", "frame_size": int(frame_size), "fps": float(fps), "clip_frames": int(clip_frames),
            "colour": "RGB 0-255, uint8 (the network z-normalises each clip)",
            "preprocessing": "sticky face box (Haar detector, 50 % margin), area-resized to frame_size; frames "
                             "block-averaged to about fps", "output": "pulse waveform (N, T)"}


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
