"""Check the built book the way a reader sees it: every page in headless Chromium, wide and narrow.

:func:`check_book` opens every page of ``_build/html`` in Debian's ``chromium`` (driven by Selenium
through ``chromedriver``; nothing is downloaded) at :data:`WIDTHS` and returns :class:`rppg_lib.bookcheck.Defect`
s. What it finds (the HTML-only checks stay in :mod:`rppg_lib.bookcheck`):

``overflow``
    an element wider than the content column or the window (it sticks out to the right) that is not
    inside a box that scrolls sideways: the reader cannot see its right-hand part.
``small-image``
    a figure shown below :data:`MIN_IMAGE_SCALE` of its own size at the wide layout (its text
    becomes unreadable); make it for the column, or split it.
``raw-data``
    Python's printout of a dict, a list of strings or a numpy array in the text (``{'codec': None``,
    ``array([``): describe the data in words.
``nan-text``
    ``NaN`` or ``nan`` in the visible text of a page: show an empty cell or a dash with a note.
``heading-anchor``
    a heading of the article without an anchor (an ``id`` on it or on its section) to link to.
``no-found-box``
    a chapter page (a page whose name is a chapter's key) without its "What this run found" box.
``claims-calls-missing``
    the claims page says an existing chapter has "no chapter yet".

When ``chromium`` or ``chromedriver`` is missing, :func:`browser` returns None and the command line
says loudly that the check did not run (exit status 0, so a machine without the browser can still test;
``--require`` makes it fail). ``--screenshots DIR`` saves each page at each width.

Command line: ``python -m rppg_lib.browsercheck [_build/html] [--screenshots DIR] [--require]``.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .bookcheck import Defect

__all__ = ["WIDTHS", "MIN_IMAGE_SCALE", "KINDS", "browser", "page_defects", "check_book", "main"]

#: Window widths (CSS px) every page is read at: a desktop and a phone.
WIDTHS = (1400, 420)
#: A figure shown below this fraction of its own width is too small to read (checked at the wide layout).
MIN_IMAGE_SCALE = 0.6
KINDS = ("overflow", "small-image", "raw-data", "nan-text", "heading-anchor", "no-found-box",
         "claims-calls-missing")
_SKIP_PAGES = {"genindex.html", "search.html", "py-modindex.html"}
_SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}

# Runs in the page; returns [kind, detail] pairs. Overflow: the outermost element whose right edge passes
# the article's, with no ancestor up to the article that clips or scrolls sideways.
_PAGE_JS = r"""
const minScale = arguments[0], checkImages = arguments[1];
const out = [];
const art = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const right = Math.min(art.getBoundingClientRect().right,
                       document.documentElement.clientWidth) + 2;
const scrolls = el => {
  const o = getComputedStyle(el).overflowX;
  return o === 'auto' || o === 'scroll' || o === 'hidden';
};
const describe = el => {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (el.className && typeof el.className === 'string')
    s += '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.');
  const text = (el.innerText || el.alt || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  return text ? s + ' "' + text + '"' : s;
};
const reported = [];
for (const el of art.querySelectorAll('*')) {
  if (reported.some(r => r.contains(el))) continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.right <= right) continue;
  let clipped = false;
  for (let a = el.parentElement; a && a !== art; a = a.parentElement) { if (scrolls(a)) { clipped = true; break; } }
  if (clipped) continue;
  reported.push(el);
  out.push(['overflow', describe(el) + ' is ' + Math.round(box.right - right + 2) + ' px wider than the column']);
}
if (checkImages) {
  for (const img of art.querySelectorAll('img')) {
    if (!img.naturalWidth) continue;
    const scale = img.getBoundingClientRect().width / img.naturalWidth;
    if (scale < minScale)
      out.push(['small-image', describe(img) + ' shown at ' + scale.toFixed(2) + ' of its width ('
                               + img.naturalWidth + ' px)']);
  }
}
for (const h of art.querySelectorAll('h1, h2, h3, h4')) {
  const sec = h.closest('section');
  const ok = h.id || h.querySelector('a.headerlink')
             || (sec && sec.id && sec.querySelector('h1, h2, h3, h4, h5, h6') === h);
  if (!ok) out.push(['heading-anchor', describe(h)]);
}
return [out, art.innerText, document.body.scrollHeight];
"""

_RAW_PATTERNS = (
    (r"\{'[A-Za-z_][\w .-]*': ", "a dict printout"),
    (r"\barray\(\[", "a numpy array printout"),
    (r"\[np\.float", "a list of numpy numbers"),
    (r"\['[^'\n]{1,40}', '[^'\n]{1,40}'", "a list printout"),
)


def browser(width: int = WIDTHS[0], height: int = 1200):
    """A headless Chromium driven by Selenium, or None when ``chromium``, ``chromedriver`` or Selenium is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    if not (chromium and driver):
        return None
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.binary_location = chromium
    return webdriver.Chrome(service=Service(driver), options=opts)


def _text_defects(text: str) -> list[tuple[str, str]]:
    import re

    found = []
    for pattern, what in _RAW_PATTERNS:
        m = re.search(pattern, text)
        if m:
            found.append(("raw-data", f"{what}: {text[max(0, m.start() - 30):m.end() + 30]!r}"))
    m = re.search(r"(?<![\w.])(NaN|nan)(?![\w])", text)
    if m:
        found.append(("nan-text", repr(text[max(0, m.start() - 50):m.end() + 30])))
    return found


def page_defects(driver, page: Path, root: Path, width: int, chapters: set[str] | None = None) -> tuple[list, int]:
    """Defects of one page at one window width, and the page's height in px."""
    driver.set_window_size(width, 1200)
    driver.get(page.resolve().as_uri())
    found, text, height = driver.execute_script(_PAGE_JS, MIN_IMAGE_SCALE, width == max(WIDTHS))
    found = [tuple(f) for f in found] + _text_defects(text)
    if page.parent.name == "executed" and page.stem in (chapters or set()):
        if not driver.find_elements("css selector", ".rppg-found"):
            found.append(("no-found-box", "the chapter does not open with a 'What this run found' box"))
    if page.stem == "claims" and "no chapter yet" in text:
        found.append(("claims-calls-missing", "the claims page says a chapter is missing"))
    rel = str(page.relative_to(root))
    return [Defect(rel, kind, f"at {width} px: {detail}") for kind, detail in found], int(height)


def pages(root: Path) -> list[Path]:
    """The book's pages (no index, search or static files, no dot pages)."""
    return sorted(p for p in root.rglob("*.html") if p.name not in _SKIP_PAGES and p.name != "index.html"
                  and not _SKIP_DIRS & set(p.relative_to(root).parts) and not p.name.startswith("."))


def check_book(html_dir="_build/html", screenshots=None, heights: dict | None = None) -> list[Defect] | None:
    """Every page at every width of :data:`WIDTHS`; None when no browser is available. ``heights`` (a dict),
    when given, receives each page's height per width; ``screenshots``, a folder, each page's picture."""
    from .homes import homes

    root = Path(html_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no built book at {root}: run `rppg book` first")
    driver = browser()
    if driver is None:
        return None
    defects: list[Defect] = []
    chapters = set(homes())
    try:
        for page in pages(root):
            for width in WIDTHS:
                found, height = page_defects(driver, page, root, width, chapters)
                defects += found
                if heights is not None:
                    heights.setdefault(str(page.relative_to(root)), {})[width] = height
                if screenshots:
                    out = Path(screenshots) / f"{page.stem}__{width}.png"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    driver.set_window_size(width, min(height, 16000))
                    driver.save_screenshot(str(out))
    finally:
        driver.quit()
    return defects


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html_dir", nargs="?", default="_build/html")
    ap.add_argument("--screenshots", default=None, help="folder for a screenshot of every page at every width")
    ap.add_argument("--require", action="store_true", help="fail when no browser is available")
    ap.add_argument("--heights", action="store_true", help="print every page's height per width")
    args = ap.parse_args(argv)
    heights: dict = {}
    defects = check_book(args.html_dir, args.screenshots, heights)
    if defects is None:
        bar = "!" * 78
        print(f"{bar}\nBROWSER CHECK DID NOT RUN: chromium, chromedriver or selenium is missing.\n"
              f"Install them (Debian: apt-get install chromium chromium-driver) to check the pages as a reader "
              f"sees them.\n{bar}", file=sys.stderr)
        return 1 if args.require else 0
    if args.heights:
        for page, h in heights.items():
            print(f"{page}: " + ", ".join(f"{w} px wide -> {v} px tall" for w, v in h.items()))
    for d in defects:
        print(d)
    n_pages = len(heights)
    print(f"browsercheck: {len(defects)} defect(s) on {n_pages} page(s) at widths {', '.join(map(str, WIDTHS))} px",
          file=sys.stderr)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
