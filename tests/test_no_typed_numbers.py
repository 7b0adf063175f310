"""No result or threshold typed by hand into a chapter's prose or a claim's text.

Every number a page or a claim states comes from the paper's ``numbers.csv``, the settings or the run. A
markdown cell cannot compute, so it must not state such a number at all; a claim's text reads it from a named
constant (an f-string). The rule is narrow on purpose: a *stated number* is a quantity with the unit of a result
or a threshold (bpm, %, dB, a ratio such as "3x" or "3 times") or any decimal; references to the paper's parts
(Fig. 4a, Table III, Eq. 5, Sec. 4.3, App. B, the validation plan's V2) and years are not stated numbers, nor
is text in code spans. A definition of the paper's method that the prose must quote (its class range, its data
split) is allowed by name below, with its source.
"""
from __future__ import annotations

import ast
import re

import nbformat
import pytest

from rppg_lib.homes import homes

#: A stated number: a value (or a range) with a result's or a threshold's unit, or any decimal.
STATED = re.compile(
    r"(?<![\w.])[-+]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:-|–|to)\s?[-+]?\d(?:[\d,]*\d)?(?:\.\d+)?)?"
    r"(?:\s?(?:bpm|%|dB)|(?:x|×)(?!\w)|\s?times\b)"
    r"|(?<![\w.])\d+\.\d+(?!\.?\d)")
#: Not stated numbers: references to parts of a paper or of the validation plan, and years.
REFERENCE = re.compile(r"\b(?:Figs?|Tables?|Eqs?|Sec|Sections?|App|Appendix|V)\.?\s*[0-9IVX]+[0-9a-d.\-–]*"
                       r"|\b(?:19|20)\d\d[a-z]?\b")
#: Code spans and citation keys.
CODE = re.compile(r"`[^`]*`")
#: Functions whose string arguments are keys of a row of the numbers files (table, row, column), not text shown.
LOOKUPS = {"reported", "anchor", "_lit", "_paper", "_mae", "_cover", "_toolbox_value"}

#: Chapter key -> phrases that state a number of the paper's method (not a result, not a threshold): why allowed.
ALLOWED = {
    "classical_real": {"the 95 % limits of agreement": "the definition of Bland-Altman limits"},
    "niu2018": {"the 95 % limits of agreement": "the definition of Bland-Altman limits"},
    "gideon2021": {"enlarges the box by 50 %": "the paper's preprocessing (Sec. 3.1)",
                   "a random rate in 60-180 bpm": "the paper's flashing block (Sec. 5)"},
    "kopeliovich2019": {
        "the first 70 % of its windows train, the next 10 % validate": "the paper's split (Section 4.1)",
        "the last 20 % test": "the paper's split (Section 4.1)",
        "The 40-125 bpm range is split into 128 classes of 0.66 bpm": "the paper's classes (Section 4.2)",
        "(window 13 bpm, sigma 13/3 bpm)": "the paper's class-weight smoothing (Eq. 2)",
        "The coverage within +-3 bpm (not +-4 classes)": "the definition of the table's second coverage",
        '"typically corresponds to 5 %-50 % of the pulse signal amplitude"': "a quotation of Section 4.1.2"},
    "simulated_data": {"fixed 1.5x face box": "the rPPG-Toolbox's protocol",
                       "enlarged 1.5x": "the rPPG-Toolbox's protocol"},
    "yu2020": {"the first-frame face box enlarged 1.5x": "VIPL-HR's published protocol (the rPPG-Toolbox's box)",
               "a random tube of less than 20 % of the frame area": "the paper's DA1 (Sec. II-C)",
               "videos above 90 bpm up-sampled": "the paper's DA2 (Sec. II-C)",
               "below 70 bpm down-sampled": "the paper's DA2 (Sec. II-C)",
               "with probability 0.5": "the paper's augmentation probability (App. B)"},
}


def stated_numbers(text: str) -> list[str]:
    """The stated numbers of ``text`` (whitespace normalised), by :data:`STATED`."""
    text = REFERENCE.sub(" ", CODE.sub(" ", " ".join(text.split())))
    return [m.group(0).strip() for m in STATED.finditer(text)]


def _markdown(key: str) -> str:
    nb = nbformat.read(str(homes()[key].notebook), as_version=4)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def _literal_texts(path) -> list[str]:
    """The literal text of a module's strings: plain strings and the constant parts of f-strings, without
    docstrings, format specs (``:.0%``) and the keys passed to :data:`LOOKUPS`."""
    tree = ast.parse(path.read_text())
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip.update(id(n) for n in ast.walk(node.format_spec))
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in LOOKUPS:
            skip.update(id(a) for a in node.args)
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in skip]


def test_the_rule_finds_results_and_thresholds_and_nothing_else():
    assert stated_numbers("MAE at most 0.8 times the constant's, 9.9 bpm, 5 % lower, a 10x smaller model") == [
        "0.8 times", "9.9 bpm", "5 %", "10x"]
    assert stated_numbers("Table 3, Fig. 4a, Sec. 4.3, V2, Yu et al. 2020, 112 x 112 crops, 3-D, `0.5 bpm`") == []


@pytest.mark.parametrize("key", sorted(homes()))
def test_chapter_prose_states_no_typed_number(key):
    text = _markdown(key)
    for phrase, why in ALLOWED.get(key, {}).items():
        assert phrase in text, f"{key}: allowed phrase {phrase!r} ({why}) is gone: drop it from ALLOWED"
        text = text.replace(phrase, " ")
    found = stated_numbers(text)
    assert not found, (f"{key}'s markdown states {found}: generate the sentence from numbers.csv, the settings or "
                       "the run (a displayed string), or say it without the number")


@pytest.mark.parametrize("key", sorted(homes()))
def test_claim_texts_read_numbers_from_named_constants(key):
    found = [(s, stated_numbers(s)) for s in _literal_texts(homes()[key].path / "claims.py")]
    found = [(s, n) for s, n in found if n]
    assert not found, f"{key}/claims.py types {found}: read the number from a named constant in an f-string"


@pytest.mark.parametrize("key", sorted(homes()))
def test_chapter_prose_is_about_the_science_not_the_modules(key):
    """Issue 21: prose names data, models and comparisons, not modules or data files; one short
    "code: `rppg_lib/...`" pointer per chapter is allowed, never in the opening."""
    nb = nbformat.read(str(homes()[key].notebook), as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    named = [m for s in markdown for m in re.findall(r"rppg_lib\.[\w.]+|\w+\.py\b|numbers\.csv", s)]
    assert not named, f"{key}'s prose names modules or files: {named}"
    pointers = [m for s in markdown for m in re.findall(r"`rppg_lib/[\w/]+`", s)]
    assert len(pointers) <= 1 and "rppg_lib/" not in markdown[0], f"{key}: code pointers {pointers}"
