"""Display settings of the book's notebooks: tables are shown whole.

pandas truncates a DataFrame's HTML to 60 rows / 20 columns and each cell to
50 characters by default, which hides columns of the papers' wider tables
("8 rows x 24 columns" with "..."). :func:`setup` lifts those limits.

The runner (:func:`rppg_lib.runner.run_notebook`) calls it in the kernel
before the first cell (IPython's ``exec_lines``), so the notebooks need no
setup cell. In JupyterLab, ``import rppg_lib.display; rppg_lib.display.setup()``
gives the same tables.
"""
from __future__ import annotations

__all__ = ["PANDAS_OPTIONS", "setup", "KERNEL_EXEC_LINE"]

#: pandas options set by :func:`setup` (``None`` = no limit).
PANDAS_OPTIONS = {
    "display.max_rows": None,
    "display.max_columns": None,
    "display.max_colwidth": None,
    "display.width": 250,
    "styler.render.max_elements": 2_000_000,
}

#: The line the runner has the kernel execute at start-up.
KERNEL_EXEC_LINE = "import rppg_lib.display as _rppg_display; _rppg_display.setup(); del _rppg_display"


def setup() -> None:
    """Set :data:`PANDAS_OPTIONS` (no truncation of rows, columns or cell text)."""
    import pandas as pd

    for name, value in PANDAS_OPTIONS.items():
        pd.set_option(name, value)
