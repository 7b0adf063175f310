"""The names of the profiles and their check.

- ``smoke``: proves every code path runs, in about a minute (CI);
- ``book``: the default for building the book on a 2-core CPU;
- ``paper``: the paper's own settings (meant for a GPU).

The lowest piece of the profile machinery, kept apart so that imports run one way:
:mod:`rppg_lib.profiles` and :mod:`rppg_lib.results` import :mod:`rppg_lib.homes`, which
imports this module (and nothing else of the package).
"""
from __future__ import annotations

__all__ = ["PROFILES", "check_profile"]

PROFILES = ("smoke", "book", "paper")


def check_profile(profile: str) -> str:
    """``profile`` if it is one of :data:`PROFILES`, else ``ValueError`` listing them."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
    return profile
