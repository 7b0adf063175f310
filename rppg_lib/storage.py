"""Writing files so that a run that dies leaves nothing half-written, and the one cache.

- :func:`atomic_write`: write through a temporary file in the same folder and
  ``os.replace`` it into place (readable by everyone, like any result);
  :func:`write_json_atomic`, :func:`save_npz_atomic` and
  :func:`save_torch_atomic` are its JSON, ``.npz`` and ``torch.save`` forms.
- :func:`cache_dir`: the folder of one cache, ``$RPPG_CACHE/<name>`` or
  ``.cache/<name>`` at the repository root (git-ignored). Every cache of the
  library lives there, one sub-folder per user (``video``,
  ``simulated_data``, ``kopeliovich2019``, ``gideon2021``, ...).
- :func:`cache_key` hashes everything that defines a cached result;
  :func:`cached_npz` returns a cached dict of arrays or computes and stores it;
  :func:`cached` is the one entry point every cache of the library goes through (the
  key from the settings and the code version, :func:`cache_file`; the atomic write;
  the file under :func:`cache_dir`).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["atomic_write", "write_json_atomic", "save_npz_atomic", "save_torch_atomic", "load_npz",
           "file_sha256", "cache_root", "cache_dir", "cache_key", "key_default", "cached_npz", "cache_file", "cached",
           "jsonable"]

_REPO_ROOT = Path(__file__).resolve().parents[1]


def jsonable(value: Any):
    """``value`` with numpy scalars and arrays, paths, tuples and dataclass-like objects made JSON-ready
    (non-finite floats become None: JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if np.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return jsonable(vars(value))
    return value


def file_sha256(path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write(path, write: Callable[[Any], None], binary: bool = True) -> Path:
    """Call ``write(file)`` on a temporary file next to ``path``, then move it into place.

    A run that dies mid-write leaves the previous ``path`` intact and no
    temporary file behind. The file is made readable by everyone (0644).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path, payload: Any) -> Path:
    """Write ``payload`` as indented, key-sorted JSON (see :func:`jsonable`) with :func:`atomic_write`."""
    def write(f):
        json.dump(jsonable(payload), f, indent=2, sort_keys=True, allow_nan=False)
        f.write("\n")

    return atomic_write(path, write, binary=False)


def save_npz_atomic(path, arrays: dict, compressed: bool = False) -> Path:
    """``np.savez`` (or ``savez_compressed``) of ``arrays`` with :func:`atomic_write`."""
    save = np.savez_compressed if compressed else np.savez
    return atomic_write(path, lambda f: save(f, **arrays))


def save_torch_atomic(obj, path) -> Path:
    """``torch.save(obj)`` with :func:`atomic_write` (checkpoints)."""
    import torch

    return atomic_write(path, lambda f: torch.save(obj, f))


def load_npz(path, allow_pickle: bool = False) -> dict | None:
    """The arrays of an ``.npz`` file (0-d arrays as Python scalars), or None when it is
    missing or unreadable (with a warning for the latter, so the caller recomputes)."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=allow_pickle) as z:
            return {k: (z[k].item() if z[k].ndim == 0 and z[k].dtype != object else z[k]) for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError, EOFError) as exc:
        warnings.warn(f"unreadable cache file {path} ({exc}); recomputing", stacklevel=2)
        return None


def cache_root() -> Path:
    """``$RPPG_CACHE`` if set, else ``.cache`` at the repository root."""
    env = os.environ.get("RPPG_CACHE")
    return Path(env) if env else _REPO_ROOT / ".cache"


def cache_dir(name: str) -> Path:
    """The folder of the cache called ``name`` (not created)."""
    return cache_root() / name


def key_default(v):
    """``json.dumps`` default for cache keys: numpy values as Python values, sets sorted; anything else
    is refused, so a key never depends on an object's ``repr``."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    raise TypeError(f"cannot use {type(v).__name__} {v!r} in a cache key")


def cache_key(params: dict, length: int = 64) -> str:
    """SHA-256 (hex, first ``length`` characters) of ``params`` as key-sorted JSON."""
    blob = json.dumps(params, sort_keys=True, default=key_default)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


def cached_npz(file, compute: Callable[[], dict], *, compressed: bool = False,
               allow_pickle: bool = False) -> tuple[dict, bool]:
    """``(arrays, from_cache)``: the arrays stored in ``file``, or ``compute()`` stored there
    atomically. ``file=None`` computes and stores nothing."""
    if file is not None:
        data = load_npz(file, allow_pickle=allow_pickle)
        if data is not None:
            return data, True
    data = compute()
    if file is not None:
        save_npz_atomic(file, {k: np.asarray(v) for k, v in data.items()}, compressed=compressed)
    return data, False


def cache_file(name: str, params: dict, *, version: int | None = 1, folder: str = "", prefix: str = "",
               suffix: str = ".npz", length: int = 64, layout: str = "nested", simulator: bool = True,
               root=None) -> Path:
    """The file of one cached result: ``cache_dir(name)/folder/<prefix><key><suffix>`` (``root`` instead of
    ``cache_dir(name)`` when given).

    The key hashes ``params`` (everything that defines the result, as JSON: numbers, strings, lists, dicts), the
    code ``version`` (bump it when the code that computes the result changes; None: the version is in
    ``params``) and, with ``simulator``, :data:`rppg_lib.synth.presets.SIMULATOR_VERSION` (a change of the
    renderer recomputes), in one of two layouts that existing caches use: ``"nested"`` hashes
    ``{"params": params, "version": ..., "simulator": ...}``, ``"flat"`` hashes ``{**params, "version": ...,
    "simulator": ...}``. ``length``: hex characters of the key kept.
    """
    from .synth.presets import SIMULATOR_VERSION

    if layout not in ("nested", "flat"):
        raise ValueError(f"layout must be 'nested' or 'flat', got {layout!r}")
    code = {} if version is None else {"version": int(version)}
    if simulator:
        code["simulator"] = SIMULATOR_VERSION
    if layout == "flat":
        clash = sorted(set(code) & set(params))
        if clash:
            raise ValueError(f"params must not hold {clash}: the flat layout adds them")
    key = cache_key({"params": params, **code} if layout == "nested" else {**params, **code}, length)
    return (cache_dir(name) if root is None else Path(root)) / folder / f"{prefix}{key}{suffix}"


def cached(name: str, params: dict, compute: Callable[[], dict], *, version: int | None = 1, folder: str = "",
           prefix: str = "", length: int = 64, layout: str = "nested", simulator: bool = True, root=None,
           use_cache: bool = True, allow_pickle: bool = False, compressed: bool = False) -> tuple[dict, bool]:
    """``(arrays, from_cache)``: ``compute()`` stored once in :func:`cache_file` (same arguments), the one
    entry point every cache of the library goes through.

    Writes are atomic (:func:`save_npz_atomic`): a run that dies leaves no half-written entry; an unreadable
    entry is recomputed with a warning. ``use_cache=False`` computes and stores nothing.
    """
    file = cache_file(name, params, version=version, folder=folder, prefix=prefix, length=length, layout=layout,
                      simulator=simulator, root=root) if use_cache else None
    return cached_npz(file, compute, compressed=compressed, allow_pickle=allow_pickle)
