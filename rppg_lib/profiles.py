"""Profiles: the numbers that define each chapter's run at each size.

- ``smoke``: proves every code path runs, in about a minute (CI);
- ``book``: the default for building the book on a 2-core CPU;
- ``paper``: the paper's own settings (meant for a GPU).

Each chapter's home (:mod:`rppg_lib.homes`) defines a frozen ``Settings``
dataclass and ``SETTINGS = {"smoke": ..., "book": ..., "paper": ...}`` in its
``settings.py``. A notebook resolves its settings in one line::

    cfg = profiles.resolve("classical_real", profile)
    cfg.window_s
"""
from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["PROFILES", "resolve", "check_profile"]

PROFILES = ("smoke", "book", "paper")


def check_profile(profile: str) -> str:
    """``profile`` if it is one of :data:`PROFILES`, else ``ValueError`` listing them."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
    return profile


def resolve(key: str, profile: str, **overrides: Any):
    """The ``Settings`` of chapter ``key`` at ``profile``, with ``overrides`` applied.

    Unknown chapter keys, profiles and setting names raise ``ValueError`` with
    the valid choices.
    """
    from .homes import home

    h = home(key)
    check_profile(profile)
    settings = h.module("settings").SETTINGS[profile]
    valid = [f.name for f in dataclasses.fields(settings)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ValueError(f"unknown settings {unknown} for {key}; valid: {valid}")
    return dataclasses.replace(settings, **overrides)
