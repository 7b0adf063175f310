"""Check the built HTML book for the defects a reader meets on the page.

:func:`check_book` parses every page of ``_build/html`` and returns a list of
:class:`Defect`; an empty list means the book passed. What it finds:

``visible-code``
    a notebook cell whose code input is on the page, not folded into a
    "Show code cell source" toggle (``hide-input``), unless the cell is tagged
    ``show-input``.
``truncated-table``
    pandas truncation: the "N rows × M columns" footer, a "..." row or column,
    or a cell cut by ``display.max_colwidth``.
``stderr-output`` / ``traceback-output`` / ``warning-output``
    a stderr stream or a traceback on the page, or a Python warning
    ("SomethingWarning:") printed in any output.
``long-printout``
    printed (stdout) text of more than :data:`MAX_PRINT_LINES` lines in one output,
    such as a log of per-method error messages; make it a table, or send it to
    stderr (the runner keeps stderr off the page), or tag the cell ``show-output``.
``unrounded-number``
    a table cell in a notebook output that holds one number printed with
    :data:`MAX_DECIMALS` or more decimals (``64.232790``, pandas' default
    precision): round it to what the paper reports.
``nan-in-text``
    a lowercase ``nan`` in the text a reader sees (prose, printed text, table cells):
    a missing number formatted into a sentence. pandas' own ``NaN`` is not flagged.
``machine-path``
    an absolute path of the build machine (``/home/...``, ``/work/...``, ``C:\\...``)
    in the visible text.
``empty-image``
    an ``<img>`` whose file is missing or empty, whose data URI is empty, whose
    PNG header says 0 px, or that is sized 0 by its attributes.
``broken-link``
    a link to a local page, file or anchor that does not exist in the build,
    or that points outside the built book.
``unknown-citation``
    a ``{cite}`` role whose key has no bibliography entry: sphinxcontrib-bibtex
    renders it as a ``span.bibtex-citation`` with no link in it ("[]").
``citation-without-entry``
    a citation written in prose ("McDuff et al. (2017)", "(Nowara 2020)") whose
    author and year match no entry of the ``.bib`` file; only checked when the
    ``.bib`` file is known (``bib=``; the CLI finds ``book/references.bib``).

Command line: ``python -m rppg_lib.bookcheck [_build/html] [--bib FILE]``
prints the defects and exits with status 1 if there are any.
"""
from __future__ import annotations

import argparse
import base64
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["Defect", "check_book", "check_page", "bib_authors", "main"]

KINDS = ("visible-code", "truncated-table", "stderr-output", "traceback-output", "warning-output",
         "long-printout", "unrounded-number", "nan-in-text", "machine-path", "empty-image", "broken-link",
         "unknown-citation", "citation-without-entry")

_SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")  # http:, mailto:, data:, javascript:, //host
_PANDAS_FOOTER = re.compile(r"\b\d+\s+rows\s*[×x]\s*\d+\s+columns\b")
_WARNING = re.compile(r"\b[A-Z][A-Za-z]*Warning\b:")
_TRACEBACK = "Traceback (most recent call last)"
#: More printed lines than this in one stdout output is a ``long-printout``.
MAX_PRINT_LINES = 8
#: A table cell with this many decimals or more is an ``unrounded-number``.
MAX_DECIMALS = 5
_UNROUNDED = re.compile(rf"-?\d+\.\d{{{MAX_DECIMALS},}}")
_NAN = re.compile(r"(?<![\w.])nan(?![\w(])")
_MACHINE_PATH = re.compile(r"(?<![\w.~-])(?:/(?:home|Users|work|tmp|root|mnt|opt|srv|scratch|var)/[^\s\"'<>)\]]+"
                           r"|\b[A-Z]:\\[^\s\"'<>]+)")
_NAME = r"[A-Z][a-z][A-Za-z'’-]*"
_YEAR = r"((?:19|20)\d{2})[a-z]?"
# "Surname et al. (2017)", "Surname & Other 2021", "Surname and Other, 2021"
_PROSE_CITE = re.compile(rf"\b({_NAME})(?: et al\.?| (?:&|and) {_NAME}),? \(?{_YEAR}\b")
# "(Surname 2017)", "(Surname, 2017)"
_PAREN_CITE = re.compile(rf"\(({_NAME}),? {_YEAR}\)")


@dataclass(frozen=True)
class Defect:
    page: str   # path relative to the HTML root
    kind: str   # one of KINDS
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: [{self.kind}] {self.detail}"


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")


def _classes(tag) -> list[str]:
    value = tag.get("class") or []
    return value.split() if isinstance(value, str) else list(value)


def _short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def bib_authors(bib_path) -> set[tuple[str, str]]:
    """``{(name, year)}`` of a BibTeX file: every author's surname (each word too) and the key's word part."""
    text = Path(bib_path).read_text(encoding="utf-8")
    known: set[tuple[str, str]] = set()
    for entry in re.split(r"(?m)^\s*@", text)[1:]:
        head = re.match(r"\w+\s*\{\s*([^,\s]+)\s*,", entry)
        year = re.search(r"\byear\s*=\s*[{\"]?\s*(\d{4})", entry, re.I)
        if not head or not year:
            continue
        y = year.group(1)
        key_word = re.match(r"[A-Za-z]+", head.group(1))
        if key_word:
            known.add((key_word.group(0).lower(), y))
        authors = re.search(r"\bauthor\s*=\s*[{\"](.*?)[}\"]\s*,?\s*\n", entry, re.I | re.S)
        if not authors:
            continue
        for person in re.split(r"\s+and\s+", authors.group(1).replace("{", "").replace("}", "")):
            person = person.strip()
            if not person or person.lower() == "others":
                continue
            last = person.split(",")[0] if "," in person else person.split()[-1]
            known.add((last.strip().lower(), y))
            for word in last.split():
                known.add((word.lower(), y))
    return known


def _resolve(page: Path, root: Path, target: str) -> Path:
    """The file a relative link of ``page`` points at (``dir/`` -> ``dir/index.html``)."""
    p = (page.parent / unquote(target)) if target else page
    p = p.resolve()
    if p.is_dir():
        p = p / "index.html"
    return p


class _Ids:
    """Element ids per page, parsed once."""

    def __init__(self):
        self._cache: dict[Path, set[str]] = {}

    def __call__(self, path: Path) -> set[str]:
        if path not in self._cache:
            ids: set[str] = set()
            if path.suffix == ".html" and path.is_file():
                soup = _soup(path)
                ids = {t["id"] for t in soup.find_all(id=True)}
                ids |= {t["name"] for t in soup.find_all("a", attrs={"name": True})}
            self._cache[path] = ids
        return self._cache[path]


def _image_defect(page: Path, root: Path, img) -> str | None:
    src = (img.get("src") or "").strip()
    for attr in ("width", "height"):
        value = str(img.get(attr, "")).strip().lower().removesuffix("px")
        if value and re.fullmatch(r"0+(\.0*)?", value):
            return f"<img {attr}={img.get(attr)!r}> {src[:60]}"
    if not src:
        return "<img> without src"
    if src.startswith("data:"):
        payload = src.split(",", 1)[1] if "," in src else ""
        try:
            data = base64.b64decode(payload) if ";base64" in src.split(",", 1)[0] else payload.encode()
        except ValueError:
            return "<img> data URI that does not decode"
        if not data:
            return "<img> with an empty data URI"
        return _png_zero(data, "data URI")
    if _EXTERNAL.match(src):
        return None
    path = _resolve(page, root, urlsplit(src).path)
    if not path.is_file():
        return f"<img src={src!r}>: file missing"
    if path.stat().st_size == 0:
        return f"<img src={src!r}>: empty file"
    if path.suffix.lower() == ".png":
        with path.open("rb") as fh:
            return _png_zero(fh.read(24), src)
    return None


def _png_zero(head: bytes, name: str) -> str | None:
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        if w == 0 or h == 0:
            return f"<img> {name[:60]}: PNG of {w}x{h} px"
    return None


def _text_outside(node, skip) -> str:
    """Text of ``node`` without the parts inside tags for which ``skip(tag)`` is true."""
    from bs4 import NavigableString, Tag

    parts = []
    for child in node.children:
        if isinstance(child, Tag):
            if not skip(child):  # spaces around elements: block tags must not glue words together
                parts.append(" " + _text_outside(child, skip) + " ")
        elif isinstance(child, NavigableString) and type(child).__name__ in ("NavigableString",):
            parts.append(str(child))
    return "".join(parts)


def check_page(page, root, bib: set[tuple[str, str]] | None = None, ids: _Ids | None = None) -> list[Defect]:
    """Defects of one HTML page; ``root`` is the HTML root, ``bib`` the output of :func:`bib_authors`."""
    page, root = Path(page).resolve(), Path(root).resolve()
    ids = ids or _Ids()
    rel = page.relative_to(root).as_posix()
    soup = _soup(page)
    found: list[Defect] = []

    def add(kind, detail):
        found.append(Defect(rel, kind, detail))

    # code inputs on the page
    for inp in soup.find_all("div", class_="cell_input"):
        cell = inp.find_parent("div", class_="cell")
        if cell is not None and "tag_show-input" in _classes(cell):
            continue
        if any("hide" in _classes(d) for d in inp.find_parents("details")):
            continue
        add("visible-code", "code cell shown: " + _short(inp.get_text(" "), 70))

    # outputs: stderr, tracebacks, warnings, pandas truncation
    for out in soup.find_all("div", class_="output"):
        cls = _classes(out)
        text = out.get_text(" ")
        if "stderr" in cls:
            add("stderr-output", _short(text))
        elif "traceback" in cls or _TRACEBACK in text:
            add("traceback-output", _short(text))
        elif _WARNING.search(text):
            add("warning-output", _short(text[_WARNING.search(text).start():]))
        elif "stream" in cls:
            cell = out.find_parent("div", class_="cell")
            lines = [ln for ln in out.get_text().splitlines() if ln.strip()]
            if len(lines) > MAX_PRINT_LINES and not (cell is not None and "tag_show-output" in _classes(cell)):
                add("long-printout", f"{len(lines)} printed lines, first: {_short(lines[0], 70)!r}")
    outputs = soup.find_all("div", class_="cell_output")
    for out in outputs:
        text = out.get_text(" ")
        m = _PANDAS_FOOTER.search(text)
        if m:
            add("truncated-table", f"pandas footer {m.group(0)!r} (rows or columns hidden)")
        for table in out.find_all("table"):
            cells = [c.get_text(" ").strip() for c in table.find_all(["td", "th"])]
            if any(c in ("...", "…") for c in cells):
                add("truncated-table", "table with a '...' row or column: " + _short(" ".join(cells[:8]), 70))
            elif "dataframe" in _classes(table):
                cut = [c for c in cells if len(c) >= 20 and c.endswith("...")]
                if cut:
                    add("truncated-table", f"cell text cut by display.max_colwidth: {_short(cut[0], 70)!r}")
            long = [c for c in (td.get_text(" ").strip() for td in table.find_all("td")) if _UNROUNDED.fullmatch(c)]
            if long:
                add("unrounded-number", f"{len(long)} table cell(s) with {MAX_DECIMALS}+ decimals, e.g. {long[0]!r}; "
                                        "table starts: " + _short(" ".join(cells[:6]), 60))

    # images
    for img in soup.find_all("img"):
        problem = _image_defect(page, root, img)
        if problem:
            add("empty-image", problem)

    # internal links
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href == "#" or _EXTERNAL.match(href):
            continue
        parts = urlsplit(href)
        target = _resolve(page, root, parts.path)
        try:
            target.relative_to(root)
        except ValueError:
            add("broken-link", f"{href!r} points outside the built book")
            continue
        if not target.exists():
            add("broken-link", f"{href!r}: no such file in the build")
        elif parts.fragment and unquote(parts.fragment) not in ids(target):
            add("broken-link", f"{href!r}: no anchor #{parts.fragment} in {target.relative_to(root).as_posix()}")

    # what the reader sees: no 'nan' in sentences, no machine paths
    article = soup.find("article") or soup.find("div", attrs={"role": "main"}) or soup.body or soup

    def not_seen(tag):
        cls = _classes(tag)
        if tag.name in ("script", "style") or "cell_input" in cls or "headerlink" in cls:
            return True
        in_output = tag.find_parent("div", class_="cell_output") is not None
        # hand-written code (inline literals, code blocks) may legitimately show paths or np.nan
        return not in_output and (tag.name == "code" or any(c.startswith("highlight-") for c in cls))

    visible = " ".join(_text_outside(article, not_seen).split())
    for m in _NAN.finditer(visible):
        add("nan-in-text", "a missing number printed as 'nan': ..." + visible[max(0, m.start() - 60):m.end() + 20])
        break
    for m in sorted(set(_MACHINE_PATH.findall(visible)))[:5]:
        add("machine-path", f"absolute path of the build machine: {_short(m, 80)!r}")

    # citations
    for span in soup.find_all("span", class_="bibtex-citation"):
        if span.find("a", href=True) is None:
            context = span.parent.get_text(" ") if span.parent is not None else ""
            add("unknown-citation", "citation key with no bibliography entry, near: " + _short(context, 80))
    if bib is not None:
        def skip(tag):
            cls = _classes(tag)
            return (tag.name in ("script", "style", "pre", "code")
                    or "bibtex-citation" in cls or "citation" in cls or "cell_input" in cls
                    or "headerlink" in cls)

        text = " ".join(_text_outside(article, skip).split())
        seen = set()
        for rx in (_PROSE_CITE, _PAREN_CITE):
            for m in rx.finditer(text):
                name, year = m.group(1), m.group(2)
                if (name.lower(), year) not in bib and (name, year) not in seen:
                    seen.add((name, year))
                    add("citation-without-entry", f"{m.group(0)!r}: no entry for {name} {year} in the .bib")
    return found


def check_book(html_dir="_build/html", bib=None) -> list[Defect]:
    """Defects of every page under ``html_dir`` (``bib``: a .bib path, or ``None`` to skip prose citations)."""
    root = Path(html_dir).resolve()
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"no built book at {root} (index.html missing); run `rppg book` first")
    known = bib_authors(bib) if bib is not None else None
    ids = _Ids()
    defects: list[Defect] = []
    for page in sorted(root.rglob("*.html")):
        if _SKIP_DIRS & set(page.relative_to(root).parts[:-1]) or page.name.startswith("."):
            continue  # a dot file is never a page (_config.yml excludes them; one may linger from an older build)
        defects += check_page(page, root, known, ids)
    return defects


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rppg_lib.bookcheck",
                                     description="List the reader-facing defects of a built Jupyter Book.")
    parser.add_argument("html_dir", nargs="?", default="_build/html", help="built HTML (default: _build/html)")
    parser.add_argument("--bib", help="BibTeX file for prose citations (default: book/references.bib "
                        "two levels above html_dir, if present)")
    args = parser.parse_args(argv)
    bib = args.bib
    if bib is None:
        guess = Path(args.html_dir).resolve().parents[1] / "book" / "references.bib"
        bib = guess if guess.is_file() else None
    try:
        defects = check_book(args.html_dir, bib)
    except FileNotFoundError as exc:
        print(f"bookcheck: {exc}", file=sys.stderr)
        return 2
    for d in defects:
        print(d)
    pages = len({d.page for d in defects})
    print(f"bookcheck: {len(defects)} defect(s) on {pages} page(s)" if defects else "bookcheck: no defects",
          file=sys.stderr)
    return 1 if defects else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
