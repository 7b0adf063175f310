"""Bibliography hygiene, checked on the sources (book/*.md, notebooks/*.ipynb), not on the HTML.

- every key cited with a {cite} role ({cite}, {cite:p}, {cite:t}, ...) has an entry in book/references.bib;
- every entry of book/references.bib is cited somewhere (the bibliography page lists cited entries only);
- a citation written in prose ("McDuff et al. (2017)") names an author and year that have an entry.
"""
import json
import re
from pathlib import Path

from rppg_lib import bookcheck

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "book" / "references.bib"
# {cite}`a,b`, {cite:p}`a`, {cite:t}`a`; also {{cite}}`a` inside an f-string of a code cell
CITE = re.compile(r"\{\{?cite(?::[a-z]+)?\}\}?`([^`]+)`")


def _sources():
    """``(place, text, is_code)`` for each hand-written page and each notebook cell."""
    for md in sorted((ROOT / "book").glob("*.md")):
        yield md.relative_to(ROOT).as_posix(), md.read_text(encoding="utf-8"), False
    for nb_path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            yield f"{nb_path.relative_to(ROOT).as_posix()} cell {i}", src, cell["cell_type"] == "code"


def _bib_keys():
    return re.findall(r"(?m)^\s*@\w+\s*\{\s*([^,\s]+)\s*,", BIB.read_text(encoding="utf-8"))


def _cited():
    cited = {}
    for place, text, _ in _sources():
        for m in CITE.finditer(text):
            for key in m.group(1).split(","):
                cited.setdefault(key.strip(), []).append(place)
    return cited


def test_bib_keys_are_unique():
    keys = _bib_keys()
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_every_cited_key_has_an_entry():
    missing = {k: v for k, v in _cited().items() if k not in set(_bib_keys())}
    assert not missing, f"cited without an entry in book/references.bib: {missing}"


def test_every_entry_is_cited():
    uncited = sorted(set(_bib_keys()) - set(_cited()))
    assert not uncited, (f"entries of book/references.bib cited nowhere (cite them with {{cite}}`key` "
                         f"where the text relies on them, or drop them): {uncited}")


def test_prose_citations_have_an_entry():
    known = bookcheck.bib_authors(BIB)
    found = []
    for place, text, _ in _sources():
        for rx in (bookcheck._PROSE_CITE, bookcheck._PAREN_CITE):
            for m in rx.finditer(" ".join(text.split())):
                if (m.group(1).lower(), m.group(2)) not in known:
                    found.append(f"{place}: {m.group(0)!r}")
    assert not found, "prose citations with no entry in book/references.bib:\n" + "\n".join(sorted(set(found)))
