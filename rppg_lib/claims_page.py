"""The book's verdict displays, built from the claims records (:func:`rppg_lib.results.read_claims`).

- :func:`page_html`: the claims page, a scoreboard. One note on the profile at the top, then per
  chapter (contents order) a heading with an anchor (``#claims-<key>``), the data the claims were
  decided on, the verdict counts in colour, and one row per claim: its verdict badge, the claim and its
  source, the paper's side of the rule, our number with its interval and unit and a short reason (the
  precondition that failed, or the rule that decided). The evidence folds out under the claim. Paper
  claims and the compendium's own validation checks are separate sections; the checks' tables fold.
- :func:`scoreboard_html`: the landing page's table, one row per paper chapter: data, verdict counts, a
  headline generated from the claims, links to the chapter and to its claims; the compendium's own
  checks in one line under it.
- :func:`found_box`: the "What this run found" box a chapter opens with, from the record it just wrote.
- :func:`verdicts_html`: a chapter's own claims table, in the same layout, from its run's verdicts.
- :func:`profile_note`: the one sentence on which profile built the records (smoke proves code paths).

Links are relative: pages of the book live in ``book/executed/`` and the landing page in ``book/``;
``base`` is the path from the page that shows the HTML to ``book/executed/``.
"""
from __future__ import annotations

import html
import math
import re

import pandas as pd

from .claims import VERDICTS
from .claims import spell_out as _spell_out

__all__ = ["VERDICT_COLOURS", "verdict_counts", "unit_of", "short_reason", "ours_text", "headline",
           "profile_note", "page_html", "scoreboard_html", "found_box", "verdicts_html", "anchor", "verdict_sentence"]


#: Background colour of each verdict's badge.
VERDICT_COLOURS = {"reproduced": "#1a7f37", "contradicted": "#cf222e", "inconclusive": "#9a6700",
                   "not testable here": "#6e7781"}

_UNIT = re.compile(r",\s*(bpm|dB|percentage points|ms|s)\b")
_NOT_MET = re.compile(r"^preconditions? not met:\s*")


def anchor(key: str) -> str:
    """The id of a chapter's section on the claims page."""
    return f"claims-{key}"


def verdict_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Claims per chapter and verdict, with a column for every verdict (zeros kept)."""
    if df.empty:
        return pd.DataFrame(columns=list(VERDICTS))
    counts = df.groupby(["chapter", "verdict"]).size().unstack(fill_value=0)
    return counts.reindex(columns=list(VERDICTS), fill_value=0)


def unit_of(quantity: str) -> str:
    """The unit a claim's quantity is measured in ("bpm", "dB", ...), or "" for a ratio or a share."""
    m = _UNIT.search(str(quantity))
    return m.group(1) if m else ""


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _failed_names(row) -> list[str]:
    failed = row.get("failed")
    if isinstance(failed, (list, tuple)) and failed:
        return [str(f) for f in failed]
    # a record written before the names were stored: the first name, up to its first detail in parentheses
    # (details hold "; " too, so the text cannot be split into names)
    return [_NOT_MET.sub("", str(row.get("reason", ""))).split(" (")[0]]


def _grouped(names: list[str]) -> list[str]:
    """Precondition names with one head written once: "A (x)", "A (y)" -> "A (x; y)"."""
    groups: dict[str, list[str]] = {}
    for name in names:
        head, sep, rest = name.partition(" (")
        groups.setdefault(head, [])
        if sep:
            groups[head].append(rest[:-1] if rest.endswith(")") else rest)
    return [f"{head} ({'; '.join(d)})" if d else head for head, d in groups.items()]


def short_reason(row) -> str:
    """Why the verdict is what it is, in a line: the precondition(s) that failed (one head written once),
    or the rule that decided."""
    if row["verdict"] == "not testable here":
        if _NOT_MET.match(str(row.get("reason", ""))):
            return "needs: " + "; ".join(_grouped(_failed_names(row)))
        return "the evidence is missing or NaN"
    threshold = row.get("threshold")
    if _missing(threshold) or not threshold:
        threshold = str(row.get("rule", ""))[len(str(row.get("quantity", ""))):].strip()
    return f"decided by the rule: holds when {threshold}"


def ours_text(row) -> str:
    """Our number with its 95 % interval and unit ("-38.42 [-43.48, -33.45] bpm"), or a dash."""
    est = row.get("estimate")
    if _missing(est):
        return "–"
    unit = unit_of(row.get("quantity", ""))
    lo, hi = row.get("low"), row.get("high")
    text = f"{est:.2f}"
    if not (_missing(lo) or _missing(hi)) and not (lo == hi == est):
        text += f" [{lo:.2f}, {hi:.2f}]"
    return f"{text} {unit}".strip()


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#6e7781")
    return (f'<span class="claim-badge" style="background:{colour};color:#fff;border-radius:0.6em;'
            f'padding:0.1em 0.6em;white-space:nowrap;font-size:0.85em">{html.escape(verdict)}</span>')


def _evidence(row) -> str:
    items = [f"<li><b>measured</b>: {html.escape(_spell_out(row['quantity']))}</li>",
             f"<li><b>rule</b>: {html.escape(_spell_out(row['rule']))}</li>",
             f"<li><b>decided</b>: {html.escape(_spell_out(row['reason']))}</li>"]
    if isinstance(row.get("why"), str) and row["why"]:
        items.append(f"<li><b>threshold</b>: {html.escape(_spell_out(row['why']))}</li>")
    if isinstance(row.get("interval"), str) and row["interval"]:
        items.append(f"<li><b>interval</b>: {html.escape(str(row['interval']))}</li>")
    for k, v in (row.get("evidence") or {}).items():
        text = f"{v:.3g}" if isinstance(v, float) else str(v)
        items.append(f"<li>{html.escape(_spell_out(k))}: {html.escape(text)}</li>")
    seeds = row.get("seeds")
    seeds = ", ".join(map(str, seeds)) if isinstance(seeds, (list, tuple)) else "–"
    items.append(f"<li><b>seeds</b>: {seeds}; <b>revision</b>: {html.escape(str(row.get('git_revision')))}; "
                 f"<b>written</b>: {html.escape(str(row.get('written_at')))}</li>")
    return f"<details><summary>evidence</summary><ul>{''.join(items)}</ul></details>"


def _counts_line(counts: pd.Series, stacked: bool = False) -> str:
    """Every verdict's badge with its count (zeros kept); ``stacked`` puts one per line (a narrow column)."""
    style = "display:block;margin:0.1em 0" if stacked else "margin-right:0.8em"
    cells = " ".join(f'<span style="{style};white-space:nowrap">{_badge(v)} {int(counts.get(v, 0))}</span>'
                     for v in VERDICTS)
    return f'<span class="claim-counts">{cells}</span>'


def headline(rows: pd.DataFrame) -> str:
    """One or two sentences on a chapter's claims, generated from its verdicts: which claims reproduced or
    were contradicted (the first of each, with how many more), and the commonest reason the others were not
    testable."""
    if rows.empty:
        return "No claims recorded yet."
    parts = []
    for verdict in ("reproduced", "contradicted", "inconclusive"):
        sub = rows[rows["verdict"] == verdict]
        if len(sub):
            more = f" (and {len(sub) - 1} more)" if len(sub) > 1 else ""
            parts.append(f"{verdict.capitalize()}: {_spell_out(sub.iloc[0]['statement']).rstrip('.')}{more}.")
    untestable = rows[rows["verdict"] == "not testable here"]
    if len(untestable):
        reasons = pd.Series([short_reason(r) for _, r in untestable.iterrows()]).value_counts()
        top = reasons.index[0].removeprefix("needs: ")
        share = "all" if len(untestable) == len(rows) else f"{len(untestable)} of {len(rows)}"
        parts.append(f"Not testable here: {share}; commonest missing precondition: {top}.")
    return " ".join(parts)


def verdict_sentence(verdict) -> str:
    """One claim's verdict as a sentence for a chapter's conclusions, "statement: **verdict** (short reason).",
    from a :class:`rppg_lib.claims.Verdict` or its record: a conclusion written from the verdict, never from
    the point estimates behind it."""
    row = verdict.record() if hasattr(verdict, "record") else verdict
    return f"{_spell_out(row['statement']).rstrip('.')}: **{row['verdict']}** ({short_reason(row)})."


def profile_note(df: pd.DataFrame) -> str:
    """HTML: which profile built these records, how many, and what a smoke profile or a stale record means."""
    if df.empty:
        return "<p>No claims records yet: run the chapters first (<code>rppg book</code>).</p>"
    profiles = sorted(set(df["profile"]))
    text = (f"Built from the claims records of the <b>{html.escape(', '.join(profiles))}</b> profile: "
            f"{len(df)} claims from {df['chapter'].nunique()} chapters.")
    if "smoke" in profiles:
        text += (" <b>Smoke profile</b>: every chapter ran for seconds on tiny data to prove the code path; "
                 "its verdicts say nothing about the papers. Build with <code>make book</code> (the book profile) "
                 "for verdicts worth reading.")
    stale = int(df["stale"].sum()) if "stale" in df else 0
    if stale:
        text += f" {stale} of the records were written at another git revision than this book's (marked)."
    return f'<div class="rppg-profile-note" style="border-left:4px solid #9a6700;padding:0.3em 0.8em">{text}</div>'


def _flags(row) -> str:
    return ('<div style="color:#9a6700;font-size:0.85em">written at another revision than this book\'s</div>'
            if row.get("stale") else "")


def _data_of(rows: pd.DataFrame) -> str:
    return "; ".join(dict.fromkeys(str(s) for s in rows["data_source"]))


def _table(rows: pd.DataFrame) -> str:
    """The claims table of ``rows`` (claims records): the verdict badge and the claim with its source (the
    evidence, measured quantity included, folds out under it), the paper's side, ours, why."""
    lines = []
    for _, r in rows.iterrows():
        source = html.escape(_spell_out(r["source"]))
        threshold = r.get("threshold")
        if _missing(threshold) or not threshold:
            threshold = str(r.get("rule", ""))[len(str(r.get("quantity", ""))):].strip()
        lines.append(
            "<tr>"
            f'<td class="claim">{_badge(r["verdict"])} {html.escape(_spell_out(r["statement"]))}'
            f'<div class="claim-source">{source}</div>{_flags(r)}{_evidence(r)}</td>'
            f'<td class="paper-side">{html.escape(str(threshold))}</td>'
            f'<td class="ours">{html.escape(ours_text(r))}</td>'
            f'<td class="why">{html.escape(_spell_out(short_reason(r)))}</td>'
            "</tr>")
    return ('<table class="claims-table"><thead><tr><th>claim and verdict</th><th>paper\'s side</th>'
            '<th>ours [95 % interval]</th><th>why</th></tr></thead><tbody>'
            + "".join(lines) + "</tbody></table>")


def verdicts_html(verdicts) -> str:
    """A chapter's own claims table, from the :class:`rppg_lib.claims.Verdict` s of its run (the layout of
    the claims page, so it fits the column)."""
    rows = pd.DataFrame([v.record() if hasattr(v, "record") else dict(v) for v in verdicts])
    return _counts_line(rows["verdict"].value_counts()) + _table(rows) if not rows.empty else "<p>No claims.</p>"


def _chapter_block(key: str, title: str, rows: pd.DataFrame, base: str, folded: bool = False) -> str:
    head = (f'<h3 id="{anchor(key)}">{html.escape(title)}'
            f'<a class="headerlink" href="#{anchor(key)}" title="Link to this heading">#</a></h3>')
    meta = (f'<p>{_counts_line(rows["verdict"].value_counts())}<br>Decided on: {html.escape(_data_of(rows))}. '
            f'<a href="{base}{key}.html">Read the chapter</a>.</p>')
    if folded:  # the compendium's own checks: the counts show, the table folds out
        return head + meta + f"<details><summary>the {len(rows)} checks</summary>{_table(rows)}</details>"
    return head + meta + _table(rows)


def page_html(df: pd.DataFrame, titles: dict, base: str = "") -> str:
    """The claims page body: ``df`` from :func:`rppg_lib.results.read_claims`, ``titles`` chapter key ->
    title in contents order; ``base`` is the path from the claims page to the chapters (they are siblings)."""
    parts = [profile_note(df)]
    for kind, heading, ident in (("paper", "Claims of the papers", "claims-of-the-papers"),
                                 ("validation", "Checks of the compendium itself (simulator and classical methods)",
                                  "checks-of-the-compendium")):
        sub = df[df["kind"] == kind] if not df.empty else df
        parts.append(f'<h2 id="{ident}">{heading}<a class="headerlink" href="#{ident}" '
                     f'title="Link to this heading">#</a></h2>')
        if sub.empty:
            parts.append("<p>No records yet.</p>")
            continue
        for key in [k for k in titles if k in set(sub["chapter"])]:
            parts.append(_chapter_block(key, titles[key], sub[sub["chapter"] == key], base,
                                        folded=kind == "validation"))
    return "\n".join(parts)


def scoreboard_html(df: pd.DataFrame, titles: dict, base: str = "executed/") -> str:
    """The landing page's scoreboard: one row per paper chapter with claims (``titles`` in contents order):
    the chapter (linked), the data its claims were decided on, the verdict counts (linked to its claims)
    and a generated headline; then the counts of the compendium's own checks. Preceded by
    :func:`profile_note`."""
    papers = df[df["kind"] == "paper"] if not df.empty else df
    rows = []
    for key, title in titles.items():
        sub = papers[papers["chapter"] == key] if not papers.empty else papers
        if sub.empty:
            continue
        rows.append(
            "<tr>"
            f'<td class="paper"><a href="{base}{key}.html">{html.escape(title)}</a>'
            f'<div class="claim-source">decided on: {html.escape(_data_of(sub))}</div></td>'
            f'<td class="counts"><a href="{base}claims.html#{anchor(key)}" style="text-decoration:none">'
            f'{_counts_line(sub["verdict"].value_counts(), stacked=True)}</a></td>'
            f'<td class="headline">{html.escape(headline(sub))}</td>'
            "</tr>")
    if not rows:
        return profile_note(df)
    table = ('<table class="claims-table scoreboard"><thead><tr><th>paper</th><th>verdicts</th>'
             '<th>what the run found</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")
    checks = df[df["kind"] == "validation"]
    own = ""
    if not checks.empty:
        own = (f'<p>The compendium\'s own checks of its simulator and classical methods: '
               f'<a href="{base}claims.html#checks-of-the-compendium" style="text-decoration:none">'
               f'{_counts_line(checks["verdict"].value_counts())}</a></p>')
    return profile_note(df) + table + own


def found_box(key: str, profile: str, results_dir=None, base: str = "") -> str:
    """HTML of the "What this run found" box that chapter ``key`` opens with: the data, every verdict of
    the record it wrote at ``profile`` (our number beside the paper's side of the rule, or the precondition
    that failed) and a link to its section of the claims page. Reads the record, so call it after
    :func:`rppg_lib.results.write_claims`."""
    from .results import read_claims

    df = read_claims(results_dir, profile=profile)
    rows = df[df["chapter"] == key]
    if rows.empty:
        raise ValueError(f"no claims record of {key!r} at profile {profile!r}: "
                         "write it first (results.write_claims)")
    items = []
    for _, r in rows.iterrows():
        if r["verdict"] == "not testable here":
            note = short_reason(r)
        else:
            note = f"ours {ours_text(r)}; the paper's side: {r.get('threshold') or ''}"
        items.append(f"<li>{_badge(r['verdict'])} {html.escape(_spell_out(r['statement']))} "
                     f"<span style='color:#57606a'>({html.escape(_spell_out(note))})</span></li>")
    smoke = (" <b>Smoke profile: these verdicts only prove the code path.</b>" if profile == "smoke" else "")
    return (f'<div class="rppg-found" style="border:1px solid #d0d7de;border-left:4px solid #1a7f37;'
            f'border-radius:4px;padding:0.5em 0.9em;margin:0.6em 0">'
            f'<p style="margin:0 0 0.3em 0"><b>What this run found</b> (profile {html.escape(profile)}; decided on '
            f"{html.escape(_data_of(rows))}).{smoke}</p>"
            f'<p style="margin:0 0 0.3em 0">{_counts_line(rows["verdict"].value_counts())}</p>'
            f'<ul style="margin:0">{"".join(items)}</ul>'
            f'<p style="margin:0.3em 0 0 0">The reasons, intervals and evidence are in the sections below and on '
            f'<a href="{base}claims.html#{anchor(key)}">the claims page</a>.</p></div>')
