"""Profile registry: the numbers that define each notebook's run at each size.

Every notebook resolves its configuration here from its ``profile`` parameter,
so a notebook stays a narrative and the run sizes live in one place. Each
notebook's configurations are registered by its own module in
:mod:`rppg_lib.configs` (``configs/<notebook>.py``), imported on first use:

- ``smoke``: proves every code path runs, in about a minute (CI);
- ``book``: the default for building the book on a 2-core CPU;
- ``paper``: the paper's own settings (meant for a GPU).

Usage in a notebook::

    cfg = profiles.resolve("classical_real", profile)
    cfg.window_s
"""
from __future__ import annotations

from types import MappingProxyType, SimpleNamespace
from typing import Any, Mapping

__all__ = ["PROFILES", "NOTEBOOK_CONFIGS", "register", "resolve"]

PROFILES = ("smoke", "book", "paper")

NOTEBOOK_CONFIGS: dict[str, Mapping[str, Mapping[str, Any]]] = {}


def register(notebook: str, configs: Mapping[str, Mapping[str, Any]]) -> None:
    """Register the per-profile configurations of a notebook.

    ``configs`` maps every name in :data:`PROFILES` to a dict; all three dicts
    must have the same keys, so that no profile silently lacks a setting.
    """
    missing = set(PROFILES) - set(configs)
    if missing:
        raise ValueError(f"{notebook}: configurations missing for profiles {sorted(missing)}")
    keys = {p: set(configs[p]) for p in PROFILES}
    if len({frozenset(k) for k in keys.values()}) != 1:
        raise ValueError(f"{notebook}: profiles define different keys: {keys}")
    NOTEBOOK_CONFIGS[notebook] = MappingProxyType({p: MappingProxyType(dict(configs[p])) for p in PROFILES})


def _load_configs() -> None:
    """Import every module of :mod:`rppg_lib.configs` (each registers one notebook)."""
    import importlib
    import pkgutil

    from . import configs

    for module in pkgutil.iter_modules(configs.__path__):
        importlib.import_module(f"{configs.__name__}.{module.name}")


def resolve(notebook: str, profile: str, **overrides) -> SimpleNamespace:
    """Configuration of ``notebook`` at ``profile`` as an attribute namespace.

    ``overrides`` replace registered values; an override that the notebook
    does not define is an error, as are unknown notebooks and profiles.
    """
    _load_configs()
    if notebook not in NOTEBOOK_CONFIGS:
        raise ValueError(f"unknown notebook {notebook!r}; registered: {sorted(NOTEBOOK_CONFIGS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; use one of {list(PROFILES)}")
    cfg = dict(NOTEBOOK_CONFIGS[notebook][profile])
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)} for {notebook}; valid: {sorted(cfg)}")
    cfg.update(overrides)
    return SimpleNamespace(profile=profile, notebook=notebook, **cfg)
