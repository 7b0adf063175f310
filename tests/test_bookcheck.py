"""The HTML check of the built book, on small hand-made pages in myst-nb / Sphinx markup."""
import base64
import struct
import zlib

import pytest

from rppg_lib import bookcheck

BIB = """
@inproceedings{gideon2021,
  author    = {Gideon, John and Stent, Simon},
  title     = {The Way to my Heart is through Contrastive Learning},
  year      = {2021}
}
@article{dehaan2013,
  author  = {de Haan, Gerard and Jeanne, Vincent},
  title   = {Robust Pulse Rate From Chrominance-Based {rPPG}},
  year    = {2013}
}
"""


def _png(w=2, h=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _page(body: str) -> str:
    return (f'<!DOCTYPE html><html><head><title>t</title></head><body>'
            f'<a class="skip-link" href="#main-content">Skip</a><main id="main-content">'
            f'<article class="bd-article" role="main">{body}</article></main></body></html>')


def _cell(code: str, output: str = "", tags=("hide-input",)) -> str:
    source = (f'<div class="cell_input docutils container"><div class="highlight-ipython3 notranslate">'
              f'<div class="highlight"><pre><span></span>{code}</pre></div></div></div>')
    if "hide-input" in tags:
        source = ('<details class="admonition hide above-input"><summary aria-label="Toggle hidden content">'
                  '<p class="collapsed admonition-title">Show code cell source</p>'
                  '<p class="expanded admonition-title">Hide code cell source</p></summary>'
                  f'{source}</details>')
    out = f'<div class="cell_output docutils container">{output}</div>' if output else ""
    tag_classes = " ".join(f"tag_{t}" for t in tags)
    return f'<div class="cell docutils container {tag_classes}">{source}{out}</div>'


def _stream(text, name="stream"):
    return (f'<div class="output {name} highlight-myst-ansi notranslate"><div class="highlight">'
            f'<pre><span></span>{text}</pre></div></div>')


def _html(inner):
    return f'<div class="output text_html">{inner}</div>'


TABLE = ('<div><table border="1" class="dataframe"><thead><tr><th></th><th>method</th><th>MAE</th></tr></thead>'
         '<tbody><tr><th>0</th><td>POS</td><td>1.2</td></tr><tr><th>1</th><td>CHROM</td><td>1.5</td></tr>'
         '</tbody></table></div>')
CITE = ('<span class="bibtex-citation" id="id1">[<a class="reference internal" href="bibliography.html#id9" '
        'title="John Gideon and Simon Stent.">Gideon and Stent, 2021</a>]</span>')

CLEAN = _page(
    '<section id="results"><h1>Results</h1>'
    f'<p>Gideon &amp; Stent (2021) train a CNN {CITE}; de Haan &amp; Jeanne (2013) do not '
    '(<a class="reference internal" href="#results">here</a>, '
    '<a class="reference external" href="https://example.org/x.html#nothing">elsewhere</a>, '
    '<a href="other.html">other</a>, <a href="sub/">sub</a>, <a href="#">top</a>).</p>'
    + _cell("x = 1", _stream("profile smoke\n")) + _cell("df", _html(TABLE))
    + _cell("print('shown on purpose')", _stream("shown\n"), tags=("show-input",))
    + _cell("plot()", '<img alt="fig" src="_images/fig.png" />')
    + _cell("df", _html(TABLE.replace("<td>1.2</td>", "<td>NaN</td>")))
    + _cell("df", _html(TABLE.replace("<td>1.2</td>", "<td>0.0012</td>").replace("<td>1.5</td>", "<td>1.6e-07</td>")))
    + _cell("print(log)", _stream("\n".join(f"line {i}" for i in range(30))), tags=("hide-input", "show-output"))
    + '<div class="highlight-bash notranslate"><div class="highlight"><pre>rppg run x -p data_root /home/me/ubfc '
    '# x = np.nan</pre></div></div><p>Pass <code class="docutils literal notranslate">/work/data</code>.</p>'
    '</section>')


@pytest.fixture
def book(tmp_path):
    root = tmp_path / "html"
    (root / "_images").mkdir(parents=True)
    (root / "_images" / "fig.png").write_bytes(_png())
    (root / "sub").mkdir()
    (root / "sub" / "index.html").write_text(_page("<p>sub</p>"))
    (root / "other.html").write_text(_page("<p>other</p>"))
    (root / "bibliography.html").write_text(_page('<div class="citation" id="id9"><p>Gideon, Stent.</p></div>'))
    (root / "index.html").write_text(CLEAN)
    (root / "_static").mkdir()
    (root / "_static" / "broken.html").write_text('<a href="nowhere.html">ignored: theme assets</a>')
    bib = tmp_path / "references.bib"
    bib.write_text(BIB)
    return root, bib


def _defects(book, body):
    root, bib = book
    (root / "page.html").write_text(_page(body))
    return bookcheck.check_page(root / "page.html", root, bookcheck.bib_authors(bib))


def test_clean_book_passes(book):
    root, bib = book
    assert bookcheck.check_book(root, bib) == []
    assert bookcheck.main([str(root), "--bib", str(bib)]) == 0
    # a chapter that was being executed during an older build leaves a dot page behind: not a page of the book
    (root / ".chapter.running.html").write_text(_page(_cell("secret = 42", _stream("42\n"), tags=())))
    assert bookcheck.check_book(root, bib) == []


@pytest.mark.parametrize("kind, body", [
    ("visible-code", _cell("secret = 42", _stream("42\n"), tags=())),
    ("visible-code", _cell("x = 1", tags=("remove-output",))),
    ("truncated-table", _cell("df", _html(TABLE + "<p>8 rows × 24 columns</p>"))),
    ("truncated-table", _cell("df", _html(TABLE.replace("<td>1.2</td>", "<td>...</td>")))),
    ("truncated-table", _cell("df", _html(TABLE.replace("<td>POS</td>",
                                                        "<td>POS on the skin ROI loses the HR fro...</td>")))),
    ("truncated-table", _cell("print(df)", _stream("   a  ...  z\n[8 rows x 24 columns]\n"))),
    ("stderr-output", _cell("run()", _stream("something went wrong\n", name="stderr"))),
    ("traceback-output", _cell("1/0", '<div class="output traceback highlight-ipythontb notranslate">'
                                      '<pre>ZeroDivisionError</pre></div>')),
    ("traceback-output", _cell("f()", _stream("Traceback (most recent call last):\n  File x\n"))),
    ("warning-output", _cell("f()", _stream("/x/auto.py:21: TqdmWarning: IProgress not found.\n"))),
    ("long-printout", _cell("run()", _stream("\n".join(f"01 pos: channel {i} has a non-positive mean"
                                                        for i in range(16))))),
    ("unrounded-number", _cell("df", _html(TABLE.replace("<td>1.2</td>", "<td>64.232790</td>")))),
    ("unrounded-number", _cell("df", _html(TABLE.replace("<td>1.5</td>", "<td>-0.13850</td>")))),
    ("nan-in-text", _cell("notes", _html("<p>POS MAE nan bpm over 0 windows</p>"))),
    ("nan-in-text", _cell("claims", _html("<table class='dataframe'><tr><td>r = nan</td></tr></table>"))),
    ("nan-in-text", "<p>The error is nan.</p>"),
    ("machine-path", _cell("print(root)", _stream("clips cached in /root/.cache/rppg_lib/sim\n"))),
    ("machine-path", "<p>The recordings are in /home/alice/data/ubfc.</p>"),
    ("empty-image", '<img src="_images/missing.png" alt="a">'),
    ("empty-image", '<img src="_images/empty.png" alt="a">'),
    ("empty-image", '<img src="data:image/png;base64," alt="a">'),
    ("empty-image", f'<img src="data:image/png;base64,{base64.b64encode(_png(0, 5)).decode()}" alt="a">'),
    ("empty-image", '<img src="_images/fig.png" width="0" alt="a">'),
    ("broken-link", '<a href="missing.html">x</a>'),
    ("broken-link", '<a href="other.html#no-such-anchor">x</a>'),
    ("broken-link", '<a href="#nowhere">x</a>'),
    ("broken-link", '<a href="../../design/SIMULATOR_SPEC.md">the spec</a>'),
    ("unknown-citation", '<p>ICA <span class="bibtex-citation" id="id4">[]</span> and more</p>'),
    ("citation-without-entry", "<p>McDuff et al. (2017) report that the SNR falls.</p>"),
    ("citation-without-entry", "<p>not concentrated at type VI as reported (Nowara et al. 2020).</p>"),
    ("citation-without-entry", _cell("claims", _html("<table class='dataframe'><tr><td>V6 (McDuff 2017)</td>"
                                                     "</tr></table>"))),
])
def test_each_defect_is_found(book, kind, body):
    root, _ = book
    (root / "_images" / "empty.png").write_bytes(b"")
    found = _defects(book, body)
    assert [d.kind for d in found] == [kind], found
    assert found[0].page == "page.html" and str(found[0]).startswith("page.html: [")


def test_cli_reports_and_fails(book, capsys):
    root, bib = book
    (root / "page.html").write_text(_page(_cell("x", _stream("oops\n", name="stderr"), tags=())))
    assert bookcheck.main([str(root), "--bib", str(bib)]) == 1
    out = capsys.readouterr()
    assert "page.html: [visible-code]" in out.out and "page.html: [stderr-output]" in out.out
    assert "2 defect(s) on 1 page(s)" in out.err
    assert bookcheck.main([str(root / "nothing")]) == 2


def test_bib_authors_reads_surnames_and_keys(tmp_path):
    bib = tmp_path / "r.bib"
    bib.write_text(BIB)
    known = bookcheck.bib_authors(bib)
    assert {("gideon", "2021"), ("stent", "2021"), ("haan", "2013"), ("de haan", "2013"),
            ("jeanne", "2013")} <= known
    assert ("mcduff", "2017") not in known
