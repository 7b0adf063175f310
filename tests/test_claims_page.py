"""The claims page: every verdict counted (zeros kept), paper claims apart from validation checks,
smoke and stale rows labelled, missing numbers never printed as 'nan'."""
import pandas as pd

from rppg_lib import claims_page, results
from rppg_lib.claims import VERDICTS


def _records(tmp_path):
    from rppg_lib import claims as C

    paper = C.Claim("a", "gideon2021", "A beats B", "Table 3", "MAE(A) - MAE(B)", C.AtMost(0.0), why="ordering")
    check = C.Claim("v", "simulated_data", "POS in range", "V4", "MAE", C.Between(2, 8), kind="validation")
    results.write_claims("gideon2021", [C.decide(paper, C.Interval(-1, -2, -0.5, "boot"))], profile="smoke",
                         data_source="simulated", results_dir=tmp_path)
    results.write_claims("simulated_data", [C.decide(check, None)], profile="smoke", data_source="simulated",
                         results_dir=tmp_path)
    return results.read_claims(tmp_path)


def test_counts_keep_every_verdict(tmp_path):
    counts = claims_page.verdict_counts(_records(tmp_path))
    assert list(counts.columns) == list(VERDICTS)
    assert counts.loc["gideon2021", "reproduced"] == 1 and counts.loc["gideon2021", "contradicted"] == 0
    assert list(claims_page.verdict_counts(pd.DataFrame()).columns) == list(VERDICTS)


def test_page_separates_kinds_and_labels_smoke(tmp_path):
    page = claims_page.page_html(_records(tmp_path), {"gideon2021": "Gideon", "simulated_data": "Data"},
                                 {"niu2018": "Niu et al. 2018"})
    papers, checks = page.split("Checks of the compendium itself")
    assert "A beats B" in papers and "POS in range" in checks
    assert "smoke run" in page and "Niu et al. 2018: no chapter yet" in page
    # a paper that has a chapter is never listed as to come
    page = claims_page.page_html(_records(tmp_path), {"gideon2021": "Gideon", "simulated_data": "Data"},
                                 {"gideon2021": "Gideon & Stent 2021"})
    assert "no chapter yet" not in page
    assert "nan" not in page.replace("NaN", "")  # a missing interval is a dash, not 'nan'
    assert "-1.00 [-2.00, -0.50]" in page


def test_abbreviations_are_spelled_out_for_the_reader():
    from rppg_lib.claims import spell_out

    assert spell_out("GS21 Table 3 and dHL14") == "Gideon & Stent 2021 Table 3 and de Haan & van Leest 2014"
