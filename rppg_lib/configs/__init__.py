"""Per-notebook configurations, one module per notebook.

Each module calls :func:`rppg_lib.profiles.register` with the notebook's
``smoke`` / ``book`` / ``paper`` settings; :func:`rppg_lib.profiles.resolve`
imports them all on first use.
"""
