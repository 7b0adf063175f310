"""HTML of the book's claims page, built from the claims records (:func:`rppg_lib.results.read_claims`).

Per chapter: a row of verdict counts (every verdict, zeros included, in
colour), then one line per claim (statement, source, verdict badge, our number
with its interval and the rule) with the evidence in a collapsible block.
Paper claims and the compendium's own validation checks are separate
sections; papers without a chapter yet are listed as coming. Rows from the
smoke profile and rows written at another git revision are labelled.
"""
from __future__ import annotations

import html
import math

import pandas as pd

from .claims import VERDICTS
from .claims import spell_out as _spell_out

__all__ = ["VERDICT_COLOURS", "verdict_counts", "page_html"]


#: Background colour of each verdict's badge.
VERDICT_COLOURS = {"reproduced": "#1a7f37", "contradicted": "#cf222e", "inconclusive": "#9a6700",
                   "not testable here": "#6e7781"}


def verdict_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Claims per chapter and verdict, with a column for every verdict (zeros kept)."""
    if df.empty:
        return pd.DataFrame(columns=list(VERDICTS))
    counts = df.groupby(["chapter", "verdict"]).size().unstack(fill_value=0)
    return counts.reindex(columns=list(VERDICTS), fill_value=0)


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#6e7781")
    return (f'<span class="claim-badge" style="background:{colour};color:#fff;border-radius:0.6em;'
            f'padding:0.1em 0.6em;white-space:nowrap;font-size:0.85em">{html.escape(verdict)}</span>')


def _number(row) -> str:
    est = row.get("estimate")
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "–"
    lo, hi = row.get("low"), row.get("high")
    if lo is not None and hi is not None and not (lo == hi == est):
        return f"{est:.2f} [{lo:.2f}, {hi:.2f}]"
    return f"{est:.2f}"


def _evidence(row) -> str:
    items = [f"<li><b>rule</b>: {html.escape(_spell_out(row['rule']))}</li>",
             f"<li><b>decided</b>: {html.escape(_spell_out(row['reason']))}</li>"]
    if isinstance(row.get("why"), str) and row["why"]:
        items.append(f"<li><b>threshold</b>: {html.escape(_spell_out(row['why']))}</li>")
    if isinstance(row.get("interval"), str) and row["interval"]:
        items.append(f"<li><b>interval</b>: {html.escape(str(row['interval']))}</li>")
    for k, v in (row.get("evidence") or {}).items():
        text = f"{v:.3g}" if isinstance(v, float) else str(v)
        items.append(f"<li>{html.escape(_spell_out(k))}: {html.escape(text)}</li>")
    items.append(f"<li><b>data</b>: {html.escape(str(row['data_source']))}; <b>profile</b>: {row['profile']}; "
                 f"<b>seeds</b>: {row.get('seeds')}; <b>revision</b>: {html.escape(str(row.get('git_revision')))}; "
                 f"<b>written</b>: {row.get('written_at')}</li>")
    return f"<details><summary>evidence</summary><ul>{''.join(items)}</ul></details>"


def _flags(row) -> str:
    flags = []
    if row["profile"] == "smoke":
        flags.append("smoke run: proves the code path, not the claim")
    if row.get("stale"):
        flags.append("written at another revision than this book's")
    return "".join(f'<div style="color:#9a6700;font-size:0.85em">{html.escape(f)}</div>' for f in flags)


def _counts_row(counts: pd.Series) -> str:
    cells = "".join(f'<span style="margin-right:1em">{_badge(v)} {int(counts.get(v, 0))}</span>' for v in VERDICTS)
    return f'<p class="claim-counts">{cells}</p>'


def _chapter_block(title: str, rows: pd.DataFrame) -> str:
    counts = rows["verdict"].value_counts()
    lines = []
    for _, r in rows.iterrows():
        lines.append(
            "<tr>"
            f'<td style="text-align:left">{html.escape(_spell_out(r["statement"]))}{_flags(r)}{_evidence(r)}</td>'
            f'<td style="text-align:left">{html.escape(_spell_out(r["source"]))}</td>'
            f"<td>{_badge(r['verdict'])}</td>"
            f'<td style="text-align:left;white-space:nowrap">{html.escape(_number(r))}</td>'
            "</tr>")
    table = ('<table class="claims-table" style="width:100%"><thead><tr><th style="text-align:left">claim</th>'
             '<th style="text-align:left">source</th><th>verdict</th><th style="text-align:left">ours '
             '[95 % interval]</th></tr></thead><tbody>' + "".join(lines) + "</tbody></table>")
    return f"<h3>{html.escape(title)}</h3>{_counts_row(counts)}{table}"


def page_html(df: pd.DataFrame, titles: dict, planned: dict | None = None) -> str:
    """The claims page body: ``df`` from :func:`rppg_lib.results.read_claims`, ``titles`` chapter key ->
    title (in the order to show), ``planned`` paper key -> citation of papers without a chapter."""
    parts = []
    for kind, heading in (("paper", "Claims of the papers"),
                          ("validation", "Checks of the compendium itself (simulator and classical methods)")):
        sub = df[df["kind"] == kind] if not df.empty else df
        parts.append(f"<h2>{heading}</h2>")
        if sub.empty:
            parts.append("<p>No records yet.</p>")
            continue
        for key in [k for k in titles if k in set(sub["chapter"])]:
            parts.append(_chapter_block(titles[key], sub[sub["chapter"] == key]))
    planned = {k: v for k, v in (planned or {}).items() if k not in titles}  # a paper with a chapter is not planned
    if planned:
        items = "".join(f"<li>{html.escape(v)}: no chapter yet</li>" for v in planned.values())
        parts.append(f"<h2>Papers still to come</h2><ul>{items}</ul>")
    return "\n".join(parts)
