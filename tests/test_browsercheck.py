"""The browser check: the text rules (raw printouts, NaN) on strings, and, where Chromium is installed,
the layout rules on a page made for the test (a table wider than the column, a shrunken figure,
a heading without an anchor, a chapter without its found box)."""
import pytest

from rppg_lib import browsercheck


def test_text_rules_find_raw_printouts_and_nan():
    kinds = [k for k, _ in browsercheck._text_defects("settings {'codec': None, 'fps': 30}")]
    assert kinds == ["raw-data"]
    assert [k for k, _ in browsercheck._text_defects("values array([1., 2.])")] == ["raw-data"]
    assert [k for k, _ in browsercheck._text_defects("MAE nan bpm")] == ["nan-text"]
    assert browsercheck._text_defects("financial NaNo nancy; vipl-like, lossless, 2 % pulse") == []


def _page(tmp_path, body):
    root = tmp_path / "html"
    (root / "book" / "executed").mkdir(parents=True, exist_ok=True)
    page = root / "book" / "executed" / "gideon2021.html"
    page.write_text("<html><body><main><article class='bd-article' style='max-width:600px'>"
                    f"{body}</article></main></body></html>")
    return root, page


def test_layout_rules_in_chromium(tmp_path):
    driver = browsercheck.browser()
    if driver is None:
        pytest.skip("chromium / chromedriver not installed")
    try:
        wide = "<table><tr><td style='white-space:nowrap'>" + "wide cell " * 40 + "</td></tr></table>"
        scroll = "<div style='overflow-x:auto'>" + wide + "</div>"
        root, page = _page(tmp_path, "<section id='s'><h2>Fine</h2></section><h3>No anchor</h3>" + wide + scroll)
        found, height = browsercheck.page_defects(driver, page, root, 1400, chapters={"gideon2021"})
        kinds = sorted(d.kind for d in found)
        assert kinds == ["heading-anchor", "no-found-box", "overflow"], found  # the scrolling copy is fine
        assert height > 0
        root, page = _page(tmp_path, "<div class='rppg-found'>found</div>")
        assert browsercheck.page_defects(driver, page, root, 420, chapters={"gideon2021"})[0] == []
    finally:
        driver.quit()
