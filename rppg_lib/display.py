"""Display helpers of the book's notebooks: tables shown whole and the run header box of a chapter (the
learning ladder's plot is :func:`rppg_lib.ladder.plot_ladder`).

pandas truncates a DataFrame's HTML to 60 rows / 20 columns and each cell to
50 characters by default, which hides columns of the papers' wider tables
("8 rows x 24 columns" with "..."). :func:`setup` lifts those limits and has every DataFrame shown
with a dash, never "NaN", for a missing number and words, not snake_case, in its headers
(:func:`frame_html`).

The runner (:func:`rppg_lib.runner.run_notebook`) calls it in the kernel
before the first cell (IPython's ``exec_lines``), so the notebooks need no
setup cell. In JupyterLab, ``import rppg_lib.display; rppg_lib.display.setup()``
gives the same tables.
"""
from __future__ import annotations

__all__ = ["PANDAS_OPTIONS", "MISSING", "human_label", "frame_html", "setup", "KERNEL_EXEC_LINE", "run_header",
           "FOUND_KEY", "glue_found", "fidelity_frame", "settings_frame"]

#: pandas options set by :func:`setup` (``None`` = no limit).
PANDAS_OPTIONS = {
    "display.max_rows": None,
    "display.max_columns": None,
    "display.max_colwidth": None,
    "display.width": 250,
    "styler.render.max_elements": 2_000_000,
    "styler.format.na_rep": "–",
}

#: The line the runner has the kernel execute at start-up.
KERNEL_EXEC_LINE = "import rppg_lib.display as _rppg_display; _rppg_display.setup(); del _rppg_display"


#: How a table shows a missing number (never "NaN"): a dash, explained under the table.
MISSING = "–"


def human_label(label):
    """A column or index label as a reader sees it: ``train_seconds`` -> ``train seconds`` (labels that
    are not snake_case identifiers are kept)."""
    if isinstance(label, str) and "_" in label and " " not in label:
        return label.replace("_", " ")
    if isinstance(label, tuple):
        return tuple(human_label(x) for x in label)
    return label


def frame_html(df) -> str:
    """A DataFrame as the book shows it: pandas' notebook HTML with snake_case headers written as words
    (:func:`human_label`), missing numbers as :data:`MISSING` and, when there are any, a note under the
    table that says what the dash means."""
    shown = df.rename(columns=human_label, index=human_label)
    shown.columns.names = [human_label(n) for n in shown.columns.names]
    shown.index.names = [human_label(n) for n in shown.index.names]
    html = shown.to_html(notebook=True, na_rep=MISSING)
    if df.isna().to_numpy().any():
        html += (f'<p class="table-note" style="font-size:0.85em;color:#57606a">{MISSING}: no value '
                 "(not measured in this run, or not defined for this row).</p>")
    return html


def setup() -> None:
    """Set :data:`PANDAS_OPTIONS` (no truncation of rows, columns or cell text) and, in IPython, show
    every DataFrame with :func:`frame_html` (no "NaN" on a page)."""
    import pandas as pd

    for name, value in PANDAS_OPTIONS.items():
        pd.set_option(name, value)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)


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


#: The glue key of a chapter's "What this run found" box; its opening cell shows it with ```{glue} found```.
FOUND_KEY = "found"


def glue_found(key: str, profile: str, results_dir=None) -> None:
    """Glue chapter ``key``'s "What this run found" box (:func:`rppg_lib.claims_page.found_box`, from the
    claims record the run just wrote) under :data:`FOUND_KEY`, so the chapter's opening cell shows it
    although the verdicts are decided at the end of the run."""
    from IPython.display import HTML
    from myst_nb import glue

    from .claims_page import found_box

    glue(FOUND_KEY, HTML(found_box(key, profile, results_dir)), display=False)


def fidelity_frame(fidelity: dict, decimals: int = 2):
    """The fidelity of a look-alike (:func:`rppg_lib.clips.fidelity`: method -> ours, published, metric, source,
    ratio) as the table a page shows: one row per method, numbers rounded, the source last."""
    import pandas as pd

    table = pd.DataFrame(fidelity).T
    numbers = ["ours", "published", "ratio"]
    table[numbers] = table[numbers].astype(float).round(decimals)
    return table[["metric", *numbers, "source"]]


def settings_frame(settings):
    """A chapter's settings as the table a page shows: one row per setting, each value in words
    (:func:`rppg_lib.profiles.readable`: lists as comma lists, None as a dash, never Python's printout)."""
    import dataclasses

    import pandas as pd

    from .profiles import readable

    return pd.DataFrame({"value": {f.name: readable(getattr(settings, f.name)) for f in dataclasses.fields(settings)}})
