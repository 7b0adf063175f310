"""The verdict displays: every verdict counted (zeros kept), paper claims apart from validation checks, a
smoke profile said once, the short reason names the failed precondition, units and intervals shown,
missing numbers never printed as 'nan', links between chapters and the claims page."""
import pandas as pd
import pytest

from rppg_lib import claims_page, results
from rppg_lib.claims import VERDICTS


def _records(tmp_path, profile="smoke"):
    from rppg_lib import claims as C

    paper = C.Claim("a", "gideon2021", "A beats B", "Table 3", "MAE(A) - MAE(B), bpm (paired by clip)",
                    C.AtMost(0.0), why="ordering")
    learned = C.Claim("b", "gideon2021", "A learns", "Table 3", "MAE(A), bpm", C.AtMost(5.0))
    check = C.Claim("v", "simulated_data", "POS in range", "V4", "MAE", C.Between(2, 8), kind="validation")
    no = C.Precondition("the networks it ranks learned (A, on the test clips)", False, "MAE 9 vs constant 8")
    results.write_claims("gideon2021", [C.decide(paper, C.Interval(-1, -2, -0.5, "boot")),
                                        C.decide(learned, C.Interval(9, 8, 10, "boot"), preconditions=[no])],
                         profile=profile, data_source="ubfc-like look-alike", results_dir=tmp_path)
    results.write_claims("simulated_data", [C.decide(check, None)], profile=profile, data_source="simulated",
                         results_dir=tmp_path)
    return results.read_claims(tmp_path)


TITLES = {"simulated_data": "Data", "gideon2021": "Gideon"}


def test_counts_keep_every_verdict(tmp_path):
    counts = claims_page.verdict_counts(_records(tmp_path))
    assert list(counts.columns) == list(VERDICTS)
    assert counts.loc["gideon2021", "reproduced"] == 1 and counts.loc["gideon2021", "contradicted"] == 0
    assert list(claims_page.verdict_counts(pd.DataFrame()).columns) == list(VERDICTS)


def test_page_separates_kinds_says_smoke_once_and_links_the_chapter(tmp_path):
    page = claims_page.page_html(_records(tmp_path), TITLES)
    papers, checks = page.split("Checks of the compendium itself")
    assert "A beats B" in papers and "POS in range" in checks
    assert page.count("Smoke profile") == 1  # the profile note once, at the top
    assert 'id="claims-gideon2021"' in page and 'href="gideon2021.html"' in page
    assert "no chapter yet" not in page
    assert "nan" not in page.replace("NaN", "")  # a missing interval is a dash, not 'nan'
    assert "-1.00 [-2.00, -0.50] bpm" in page  # interval with its unit
    assert "needs: the networks it ranks learned (A, on the test clips)" in page  # the short reason


def test_short_reason_and_unit():
    assert claims_page.unit_of("MAE(A) - MAE(B), bpm (paired by clip)") == "bpm"
    assert claims_page.unit_of("SNR(a) - SNR(b), dB (paired by clip)") == "dB"
    assert claims_page.unit_of("POS error, ours / published") == ""
    old = {"verdict": "not testable here", "reason": "preconditions not met: A learned (x: 1; z); B ran (y)",
           "failed": None}
    assert claims_page.short_reason(old) == "needs: A learned"  # a record from before "failed": the first name
    decided = {"verdict": "reproduced", "reason": "...", "threshold": "<= 0", "rule": "q <= 0", "quantity": "q"}
    assert claims_page.short_reason(decided) == "decided by the rule: holds when <= 0"


def test_scoreboard_lists_papers_with_links_and_a_generated_headline(tmp_path):
    board = claims_page.scoreboard_html(_records(tmp_path), TITLES)
    assert 'href="executed/gideon2021.html"' in board and 'href="executed/claims.html#claims-gideon2021"' in board
    assert "Reproduced: A beats B." in board and "Not testable here: 1 of 2" in board
    assert "POS in range" not in board and "checks-of-the-compendium" in board  # own checks: one line
    assert "ubfc-like look-alike" in board


def test_found_box_reads_the_record_the_chapter_wrote(tmp_path):
    _records(tmp_path, profile="book")
    box = claims_page.found_box("gideon2021", "book", tmp_path)
    assert "What this run found" in box and "A beats B" in box and "side: &lt;= 0" in box
    assert "needs: the networks it ranks learned" in box  # a not-testable claim says what it lacks
    assert 'href="claims.html#claims-gideon2021"' in box and "Smoke" not in box
    with pytest.raises(ValueError, match="no claims record"):
        claims_page.found_box("niu2018", "book", tmp_path)


def test_abbreviations_are_spelled_out_for_the_reader():
    from rppg_lib.claims import spell_out

    assert spell_out("GS21 Table 3 and dHL14") == "Gideon & Stent 2021 Table 3 and de Haan & van Leest 2014"


def test_every_chapter_has_one_title_and_opens_with_its_found_box():
    import nbformat

    from rppg_lib.homes import chapter_titles, homes, notebook_title

    assert list(chapter_titles())[:2] == ["classical_real", "simulated_data"]  # contents order
    for key, h in homes().items():
        assert notebook_title(h) == h.title, key
        cells = nbformat.read(str(h.notebook), as_version=4).cells
        assert cells[1].source.startswith("```{glue} found"), f"{key}: the box must come right after the opening"
        code = [c.source for c in cells if c.cell_type == "code"]
        # one opening and one closing call; the claims call writes the record and glues the box
        assert sum("Chapter.start(" in c for c in code) == 1 and code[-1] == "chapter.finish(data_source)", key
        assert sum("chapter.claims(" in c for c in code) == 1, key


def test_short_reason_writes_a_repeated_precondition_once():
    row = {"verdict": "not testable here", "reason": "preconditions not met: ...",
           "failed": ["the networks it ranks learned (A, on x)", "the networks it ranks learned (B, on y)", "a GPU"]}
    assert claims_page.short_reason(row) == "needs: the networks it ranks learned (A, on x; B, on y); a GPU"
