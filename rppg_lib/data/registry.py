"""Registry of the small public real recordings (Welltory, UW oximetry, bias-eval clips).

The registry is ``registry.tsv`` next to this module (the single source of
truth; ``data/README.md`` points to it): one line per file with its relative
path, size in bytes, SHA-256 and upstream URL at a fixed commit. The files
themselves are never part of the repository.

:func:`real_data_path` finds a file (or a folder of files) in this order:

1. the ``mirror`` argument;
2. the folder named by the environment variable ``RPPG_DATA_MIRROR``;
3. ``../shared/data/real`` next to the repository
   (``Path(rppg_lib.__file__).parents[2] / "shared/data/real"``);
4. a download with pooch from the upstream URLs into the cache folder
   ``RPPG_CACHE`` (default: pooch's per-user cache), checked against the
   SHA-256 of the registry.

Mirrored files are checked against the registry's SHA-256 as well (once per
process and file); a mismatch raises :class:`ChecksumError`.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import rppg_lib

from ..storage import file_sha256

__all__ = ["RegistryEntry", "ChecksumError", "load_registry", "real_data_path",
           "ENV_MIRROR", "ENV_CACHE", "REGISTRY_FILE"]

#: Environment variable naming a local mirror of the registry's files.
ENV_MIRROR = "RPPG_DATA_MIRROR"
#: Environment variable naming the download cache folder.
ENV_CACHE = "RPPG_CACHE"
#: The registry shipped with the package.
REGISTRY_FILE = Path(__file__).with_name("registry.tsv")

#: Verified files: (resolved path, size, mtime_ns) -> sha256.
_VERIFIED: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class RegistryEntry:
    """One file of the registry."""

    path: str
    bytes: int
    sha256: str
    url: str


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the registry's."""


@lru_cache(maxsize=None)
def load_registry() -> dict[str, RegistryEntry]:
    """The registry as ``{relative path: RegistryEntry}``."""
    with open(REGISTRY_FILE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {r["path"]: RegistryEntry(r["path"], int(r["bytes"]), r["sha256"], r["upstream_url"])
            for r in rows}


def shared_mirror() -> Path:
    """The shared mirror next to the repository: ``<repo>/../shared/data/real``."""
    return Path(rppg_lib.__file__).resolve().parents[2] / "shared" / "data" / "real"


def _select(relpath: str | None) -> tuple[str, list[RegistryEntry]]:
    registry = load_registry()
    if relpath is None:
        return "", list(registry.values())
    rel = Path(str(relpath)).as_posix().strip("/")
    if rel in registry:
        return rel, [registry[rel]]
    entries = [e for k, e in registry.items() if k.startswith(rel + "/")]
    if not entries:
        folders = sorted({k.split("/")[0] for k in registry})
        raise KeyError(f"{relpath!r} is not in the data registry {REGISTRY_FILE}; "
                       f"its top-level folders are {folders}")
    return rel, entries


def _verify(path: Path, entry: RegistryEntry) -> None:
    """Check size and SHA-256 of a mirrored file (cached per process)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) == entry.sha256:
        return
    digest = file_sha256(path) if st.st_size == entry.bytes else None
    if digest != entry.sha256:
        what = (f"size {st.st_size} bytes instead of {entry.bytes}" if digest is None
                else f"sha256 {digest} instead of {entry.sha256}")
        raise ChecksumError(
            f"{path} does not match the data registry ({what}); the mirror is corrupt or "
            f"outdated: replace it with the upstream file {entry.url}"
        )
    _VERIFIED[key] = entry.sha256


def _download(entries: list[RegistryEntry]) -> Path:
    """Fetch the entries with pooch (hash-checked) and return the cache folder."""
    import pooch

    cache = Path(os.environ.get(ENV_CACHE) or pooch.os_cache("rppg_lib"))
    fetcher = pooch.create(path=cache, base_url="",
                           registry={e.path: f"sha256:{e.sha256}" for e in entries},
                           urls={e.path: e.url for e in entries})
    for e in entries:
        fetcher.fetch(e.path)
    return cache


def real_data_path(relpath: str | None = None, mirror=None, *, download: bool = True) -> Path:
    """Local path of a registry file or folder, e.g. ``real_data_path("welltory")``.

    Parameters
    ----------
    relpath : a file of the registry (``"welltory/subject_01/RR.txt"``), a
        folder prefix (``"welltory"``: every file under it must be present),
        or None for the whole registry (returns the mirror's root).
    mirror : a folder laid out like the registry, tried first.
    download : try pooch when no mirror has the files (needs a network).

    Raises :class:`ChecksumError` when a mirrored file does not match its
    SHA-256, ``KeyError`` for a path the registry does not list, and
    ``FileNotFoundError`` saying where to put the files when none is found.
    """
    rel, entries = _select(relpath)
    candidates = [("mirror argument", mirror), (f"${ENV_MIRROR}", os.environ.get(ENV_MIRROR)),
                  ("shared mirror", shared_mirror())]
    tried = []
    for label, base in candidates:
        if not base:
            continue
        base = Path(base).expanduser()
        missing = [e.path for e in entries if not (base / e.path).is_file()]
        if missing:
            tried.append(f"  - {label} {base}: missing {missing[0]}"
                         + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
            continue
        for e in entries:
            _verify(base / e.path, e)
        return base / rel if rel else base
    if download:
        try:
            cache = _download(entries)
            return cache / rel if rel else cache
        except Exception as err:  # network errors, hash mismatch of a download, ...
            tried.append(f"  - download with pooch: {type(err).__name__}: {err}")
    else:
        tried.append("  - download disabled")
    raise FileNotFoundError(
        f"real data {relpath or '(whole registry)'!r} not found. Tried:\n" + "\n".join(tried) + "\n"
        f"Put a copy laid out like {REGISTRY_FILE.name} (e.g. <folder>/{entries[0].path}) in a folder "
        f"and set {ENV_MIRROR}=<folder>, or pass mirror=<folder>; with a network, the files are "
        f"fetched from their upstream URLs (listed in {REGISTRY_FILE}) into ${ENV_CACHE} or "
        "pooch's cache."
    )
