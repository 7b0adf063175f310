"""Every chapter home is complete: settings per profile, experiment, claims, numbers, notebook, toc entry."""
import pytest

from rppg_lib import homes, profiles


@pytest.mark.parametrize("key", sorted(homes.homes()))
def test_every_home_is_complete(key):
    assert homes.missing_pieces(homes.home(key)) == []


def test_the_papers_and_foundations_are_found():
    found = homes.homes()
    assert {"kopeliovich2019", "gideon2021"} <= {k for k, h in found.items() if h.kind == "paper"}
    assert {"simulated_data", "classical_real"} <= {k for k, h in found.items() if h.kind == "foundation"}


def test_a_missing_piece_is_named(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/executed/gideon2021\n")
    missing = homes.missing_pieces(homes.home("kopeliovich2019"), toc_path=toc)
    assert missing == ["_toc.yml entry book/executed/kopeliovich2019"]


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: .*classical_real"):
        homes.home("nobody2099")


@pytest.mark.parametrize("key", sorted(homes.homes()))
def test_every_profile_resolves(key):
    for p in profiles.PROFILES:
        profiles.resolve(key, p)


# --- a throwaway paper home ---------------------------------------------------------------------------------------
THROWAWAY = "zzz_test"
_TITLE = "Zzz et al. 2099: a throwaway paper"
_FILES = {
    "__init__.py": f'"""A throwaway paper home (tests only)."""\nTITLE = "{_TITLE}"\n'
                   'KEY = __name__.rsplit(".", 1)[-1]\n',
    "settings.py": ("from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass Settings:\n"
                    "    seed: int = 0\n\n\nSETTINGS = {p: Settings() for p in ('smoke', 'book', 'paper')}\n"),
    "experiment.py": '"""Nothing to compute."""\n',
    "claims.py": ("from ...claims import AtMost, Claim, Interval\nfrom ...claims import decide as _decide\n"
                  "from . import KEY\n\nSMALL = Claim('error-small', KEY, 'The error is small', 'Table 1', "
                  "'MAE, bpm', AtMost(2.0))\nCLAIMS = (SMALL,)\n\n\ndef decide(mae):\n"
                  "    return [_decide(SMALL, Interval(mae, mae - 0.5, mae + 0.5, 'test'))]\n"),
    "numbers.csv": "table,row,column,value,unit,page,note\nTable 1,Ours,MAE,1.0,bpm,1,\n",
}


@pytest.fixture
def throwaway_home(tmp_path, monkeypatch):
    """A paper home in a temporary tree: ``tmp/rppg_lib/papers/zzz_test/`` (added to the search path of
    ``rppg_lib.papers``, as if it were a folder of the repository), ``tmp/notebooks/zzz_test.ipynb`` and
    ``tmp/_toc.yml`` (the repository's, with the new chapter under Papers). Returns the temporary root."""
    import sys

    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    import rppg_lib.papers

    folder = tmp_path / "rppg_lib" / "papers" / THROWAWAY
    folder.mkdir(parents=True)
    for name, text in _FILES.items():
        (folder / name).write_text(text)
    (tmp_path / "notebooks").mkdir()
    nbformat.write(new_notebook(cells=[
        new_markdown_cell(f"# {_TITLE}"), new_markdown_cell("```{glue} found\n```"),
        new_code_cell(f'chapter = Chapter.start("{THROWAWAY}", profile)'), new_code_cell("chapter.claims(verdicts)"),
        new_code_cell("chapter.finish(data_source)")]), str(tmp_path / "notebooks" / f"{THROWAWAY}.ipynb"))
    toc = (homes.REPO_ROOT / "_toc.yml").read_text()
    last = "      - file: book/executed/deng_pruned_stven\n"
    assert last in toc, "the test expects deng_pruned_stven as the last paper of _toc.yml"
    (tmp_path / "_toc.yml").write_text(toc.replace(last, last + f"      - file: book/executed/{THROWAWAY}\n"))
    monkeypatch.setattr(rppg_lib.papers, "__path__", [*rppg_lib.papers.__path__, str(folder.parent)])
    homes.homes.cache_clear()
    yield tmp_path
    homes.homes.cache_clear()
    for name in [m for m in sys.modules if m.startswith(f"rppg_lib.papers.{THROWAWAY}")]:
        del sys.modules[name]


def test_a_new_home_is_picked_up_with_nothing_else_edited(throwaway_home, tmp_path):
    """The completeness check, the table of contents, the order of the book's runs, the claims page and the
    landing page's scoreboard find a new paper home from its folder, notebook and ``_toc.yml`` line alone.

    Not picked up by code (the README's "Adding a paper" lists them): the paper's entry in
    ``book/references.bib`` (tests/test_bibliography.py checks every entry is cited) and, if its claims write an
    abbreviation, ``rppg_lib.claims.ABBREVIATIONS``.
    """
    from rppg_lib import claims_page, results, runner

    root = throwaway_home
    h = homes.home(THROWAWAY, root=root)
    assert (h.kind, h.title, h.notebook) == ("paper", _TITLE, root / "notebooks" / f"{THROWAWAY}.ipynb")
    assert homes.missing_pieces(h) == []  # the completeness test passes for it
    titles = homes.chapter_titles(root=root)
    order = list(titles)
    assert titles[THROWAWAY] == _TITLE and order.index(THROWAWAY) == order.index("deng_pruned_stven") + 1
    assert THROWAWAY in runner.book_notebooks(root / "_toc.yml")
    assert results.reported(THROWAWAY, "Table 1", "Ours", "MAE") == 1.0
    for p in profiles.PROFILES:
        profiles.resolve(THROWAWAY, p)

    records = tmp_path / "results"
    results.write_claims(THROWAWAY, h.module("claims").decide(1.0), profile="smoke", data_source="none",
                         results_dir=records)
    df = results.read_claims(records)
    page = claims_page.page_html(df, titles)
    assert f'id="claims-{THROWAWAY}"' in page and f'href="{THROWAWAY}.html"' in page and _TITLE in page
    assert "The error is small" in page
    board = claims_page.scoreboard_html(df, titles)
    assert f'href="executed/{THROWAWAY}.html"' in board


def test_a_new_home_without_its_toc_line_or_notebook_is_named(throwaway_home):
    root = throwaway_home
    (root / "notebooks" / f"{THROWAWAY}.ipynb").unlink()
    (root / "_toc.yml").write_text((homes.REPO_ROOT / "_toc.yml").read_text())
    assert homes.missing_pieces(homes.home(THROWAWAY, root=root)) == [
        str(root / "notebooks" / f"{THROWAWAY}.ipynb"), f"_toc.yml entry book/executed/{THROWAWAY}"]


def test_no_planned_list_and_every_home_is_a_chapter_on_the_claims_page(tmp_path):
    """No hand-kept list of planned chapters (issue 22: ``PLANNED`` named two chapters that existed): the
    chapters are the homes, and the claims page gives every home with a record its section, never 'no chapter'."""
    import html

    import rppg_lib.papers
    from rppg_lib import claims as C
    from rppg_lib import claims_page, results

    assert not hasattr(rppg_lib.papers, "PLANNED")
    titles = homes.chapter_titles()
    assert set(titles) == set(homes.homes())  # every home is in the contents, so every summary shows it
    for key, h in homes.homes().items():
        kind = "paper" if h.kind == "paper" else "validation"
        claim = C.Claim("c", key, f"claim of {key}", "Table 1", "MAE, bpm", C.AtMost(1.0), kind=kind)
        results.write_claims(key, [C.decide(claim, None)], profile="smoke", data_source="none", results_dir=tmp_path)
    page = claims_page.page_html(results.read_claims(tmp_path), titles)
    for key, title in titles.items():
        assert f'id="claims-{key}"' in page and f'href="{key}.html"' in page and html.escape(title) in page, key
    assert "no chapter" not in page.lower() and "not yet" not in page.lower()
