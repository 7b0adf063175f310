"""Display helpers of the book's notebooks: tables shown whole, and the run header box of a chapter.

pandas truncates a DataFrame's HTML to 60 rows / 20 columns and each cell to
50 characters by default, which hides columns of the papers' wider tables
("8 rows x 24 columns" with "..."). :func:`setup` lifts those limits.

The runner (:func:`rppg_lib.runner.run_notebook`) calls it in the kernel
before the first cell (IPython's ``exec_lines``), so the notebooks need no
setup cell. In JupyterLab, ``import rppg_lib.display; rppg_lib.display.setup()``
gives the same tables.
"""
from __future__ import annotations

__all__ = ["PANDAS_OPTIONS", "setup", "KERNEL_EXEC_LINE", "run_header"]

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


def run_header(profile: str, data_source: str, *, seeds=None, device: str = "cpu", settings: str = ""):
    """The small box at the top of a chapter: which profile, data, seeds, device and git revision
    produced the page (an IPython HTML object; a smoke run says it only proves the code path)."""
    import html

    from IPython.display import HTML

    from .results import current_revision

    rows = [("profile", profile + (" (proves the code path only; numbers are not results)" if profile == "smoke"
                                   else "")),
            ("data", data_source), ("seeds", ", ".join(map(str, seeds)) if seeds is not None else "–"),
            ("device", str(device)), ("revision", current_revision() or "unknown")]
    if settings:
        rows.append(("settings", settings))
    body = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return HTML(f"<div class='rppg-run-header' style='border:1px solid #d0d7de;border-left:4px solid #0969da;"
                f"border-radius:4px;padding:0.4em 0.8em;margin:0.5em 0;font-size:0.9em'>"
                f"<table style='border:none;margin:0'>{body}</table></div>")
