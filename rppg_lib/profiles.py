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

from .homes import home
from .profile_names import PROFILES, check_profile

__all__ = ["PROFILES", "resolve", "check_profile"]


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
