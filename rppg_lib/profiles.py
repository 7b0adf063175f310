"""Profiles: the numbers that define each chapter's run at each size.

- ``smoke``: proves every code path runs, in about a minute (CI);
- ``book``: the default for building the book on a 2-core CPU;
- ``paper``: the paper's own settings (meant for a GPU).

Each chapter's home (:mod:`rppg_lib.homes`) defines a frozen ``Settings``
dataclass and ``SETTINGS = {"smoke": ..., "book": ..., "paper": ...}`` in its
``settings.py``. A notebook resolves its settings in one line::

    cfg = profiles.resolve("classical_real", profile)
    cfg.window_s

The names and :func:`check_profile` live in :mod:`rppg_lib.profile_names` (which
:mod:`rppg_lib.homes` imports; this module imports homes: the dependency runs one way).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from .homes import home
from .profile_names import PROFILES, check_profile

__all__ = ["PROFILES", "resolve", "check_profile", "differences", "readable"]


def resolve(key: str, profile: str, **overrides: Any):
    """The ``Settings`` of chapter ``key`` at ``profile``, with ``overrides`` applied.

    Unknown chapter keys, profiles and setting names raise ``ValueError`` with
    the valid choices.
    """
    h = home(key)
    check_profile(profile)
    settings = h.module("settings").SETTINGS[profile]
    valid = [f.name for f in dataclasses.fields(settings)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ValueError(f"unknown settings {unknown} for {key}; valid: {valid}")
    return dataclasses.replace(settings, **overrides)


def readable(value: Any) -> str:
    """A setting's value in words for a page: lists and tuples as comma lists, dicts as ``name: value`` (never
    Python's printout of them), None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)) and not value:
        return "none"
    if isinstance(value, tuple):
        return "(" + ", ".join(readable(v) for v in value) + ")"
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if dataclasses.is_dataclass(value):
        return "; ".join(f"{f.name}: {readable(getattr(value, f.name))}" for f in dataclasses.fields(value))
    return str(value)


def _short(value: Any, width: int = 80) -> str:
    text = readable(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def differences(key: str, profile: str, against: str = "paper") -> pd.DataFrame:
    """The settings of chapter ``key`` at ``profile`` that differ from those at ``against`` (the paper's own, by
    default): one row per setting, columns ``setting``, the run's value and ``against``'s. Empty when they are
    the same (the ``paper`` profile itself). Long values (grids, nested dicts) are shortened for the page."""
    ours, theirs = resolve(key, profile), resolve(key, against)
    return pd.DataFrame(_differing(ours, theirs), columns=["setting", f"this run ({profile})", against])


def _differing(ours, theirs, prefix: str = "") -> list[tuple[str, str, str]]:
    """Rows (setting, ours, theirs) of the fields that differ; a dataclass field (a look-alike) is opened into
    its own differing fields, named ``field.subfield``."""
    rows = []
    for f in dataclasses.fields(ours):
        a, b = getattr(ours, f.name), getattr(theirs, f.name)
        if a == b:
            continue
        if dataclasses.is_dataclass(a) and type(a) is type(b):
            rows += _differing(a, b, prefix=f"{prefix}{f.name}.")
        else:
            rows.append((prefix + f.name, _short(a), _short(b)))
    return rows
