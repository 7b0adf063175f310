"""Chapter homes: where everything that belongs to one chapter of the book lives.

A *home* is a package with the chapter's key as its name:

- ``rppg_lib/papers/<key>/`` for a paper chapter (``kind="paper"``);
- ``rppg_lib/foundations/<key>/`` for a chapter about the compendium's own
  foundations (the simulator, the classical methods on real recordings).

Every home holds ``settings.py`` (a typed ``Settings`` dataclass and a
``SETTINGS`` dict with one instance per profile), ``experiment.py``
(everything the chapter computes), ``claims.py`` (its claims, decided by
:mod:`rppg_lib.claims`) and, for a paper, ``numbers.csv`` (the numbers the
paper reports, with their table). Its ``__init__.py`` names the chapter in
``TITLE`` and says in ``DATA_ROOT`` which real dataset, in which layout, the
chapter's ``data_root`` parameter accepts. The key is written once, as the folder's name: the chapter's
notebook is ``notebooks/<key>.ipynb``, its table-of-contents entry
``book/executed/<key>``, its run and claims records carry the key.

Adding a paper is a new home, a notebook and a line in ``_toc.yml``;
:func:`missing_pieces` (run by the test suite on every home) says what is
missing. Homes depend on the shared core; the core never imports a home, and
this module imports only :mod:`rppg_lib.profile_names` (``profiles`` and
``results`` import it, not the other way round).

``root`` (the folder holding ``notebooks/`` and ``_toc.yml``) is the repository
unless given: a test can put a throwaway home's notebook and contents in a
temporary folder.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .profile_names import PROFILES

__all__ = ["Home", "KINDS", "REPO_ROOT", "homes", "home", "missing_pieces", "toc_entries", "chapter_titles",
           "notebook_title"]

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Package of each kind of home.
KINDS = {"paper": "papers", "foundation": "foundations"}
_REQUIRED_FILES = {"paper": ("settings.py", "experiment.py", "claims.py", "numbers.csv"),
                   "foundation": ("settings.py", "experiment.py", "claims.py")}


@dataclass(frozen=True)
class Home:
    """One chapter's home. ``key`` is the folder name, ``kind`` "paper" or "foundation", ``path`` the
    folder, ``root`` the folder holding its notebook (``notebooks/<key>.ipynb``) and ``_toc.yml``."""

    key: str
    kind: str
    path: Path
    root: Path = REPO_ROOT

    @property
    def package(self) -> str:
        return f"rppg_lib.{KINDS[self.kind]}.{self.key}"

    @property
    def notebook(self) -> Path:
        return self.root / "notebooks" / f"{self.key}.ipynb"

    @property
    def toc_entry(self) -> str:
        return f"book/executed/{self.key}"

    @property
    def title(self) -> str:
        return getattr(importlib.import_module(self.package), "TITLE", self.key)

    @property
    def data_root(self) -> str | None:
        """What the chapter's ``data_root`` parameter accepts (None: the chapter takes no real data)."""
        return getattr(importlib.import_module(self.package), "DATA_ROOT", None)

    def module(self, name: str):
        """Import one module of the home, e.g. ``home("gideon2021").module("experiment")``."""
        return importlib.import_module(f"{self.package}.{name}")


@cache
def homes(root=None) -> dict[str, Home]:
    """Every home (each subpackage of ``rppg_lib.papers`` and ``rppg_lib.foundations``), papers first,
    each kind in alphabetical order; their notebooks and table of contents under ``root`` (default: the
    repository)."""
    root = Path(root) if root is not None else REPO_ROOT
    found: dict[str, Home] = {}
    for kind, package in KINDS.items():
        pkg = importlib.import_module(f"rppg_lib.{package}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if info.ispkg:
                found[info.name] = Home(info.name, kind, Path(info.module_finder.path) / info.name, root)
    return found


def home(key: str, root=None) -> Home:
    """The home of ``key``; an unknown key raises ``ValueError`` listing the known ones."""
    known = homes(root)
    if key not in known:
        raise ValueError(f"unknown chapter key {key!r}; known: {sorted(known)}")
    return known[key]


def toc_entries(toc_path=None) -> list[str]:
    """The ``file`` entries of ``_toc.yml``."""
    import yaml

    toc = yaml.safe_load(Path(toc_path or REPO_ROOT / "_toc.yml").read_text())
    entries: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    entries.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return entries


def chapter_titles(toc_path=None, root=None) -> dict[str, str]:
    """Chapter key -> title, in the order of the table of contents (the order every summary shows them);
    ``toc_path`` defaults to ``root``'s ``_toc.yml``."""
    known = homes(root)
    keys = [Path(e).name for e in toc_entries(toc_path or (Path(root) / "_toc.yml" if root is not None else None))]
    return {k: known[k].title for k in keys if k in known}


def notebook_title(h: Home) -> str:
    """The first heading of the chapter's notebook (it must be the home's ``TITLE``: one title everywhere)."""
    import nbformat

    first = nbformat.read(str(h.notebook), as_version=4).cells[0].source
    return first.split("\n", 1)[0].lstrip("#").strip()


def missing_pieces(h: Home, toc_path=None) -> list[str]:
    """What ``h`` lacks to be a complete chapter: files, the SETTINGS of every profile,
    ``TITLE``, the notebook and the table-of-contents entry (empty when complete). ``toc_path``
    defaults to the ``_toc.yml`` under the home's ``root``."""
    missing = [f"{h.path / name}" for name in _REQUIRED_FILES[h.kind] if not (h.path / name).is_file()]
    if not missing:
        settings = getattr(h.module("settings"), "SETTINGS", None)
        if not isinstance(settings, dict) or set(settings) != set(PROFILES):
            missing.append(f"{h.package}.settings.SETTINGS with one Settings per profile {list(PROFILES)}")
        if not callable(getattr(h.module("claims"), "decide", None)):
            missing.append(f"{h.package}.claims.decide")
    if not hasattr(importlib.import_module(h.package), "TITLE"):
        missing.append(f"{h.package}.TITLE")
    if not h.notebook.is_file():
        missing.append(str(h.notebook))
    elif hasattr(importlib.import_module(h.package), "TITLE") and notebook_title(h) != h.title:
        missing.append(f"the notebook's first heading {notebook_title(h)!r} is not {h.package}.TITLE {h.title!r}")
    if h.toc_entry not in toc_entries(toc_path or h.root / "_toc.yml"):
        missing.append(f"_toc.yml entry {h.toc_entry}")
    return missing
