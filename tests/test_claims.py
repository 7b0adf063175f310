"""The claims engine: each rule on both sides of its threshold, intervals, and not-testable paths."""
import math

import numpy as np
import pytest

from rppg_lib import claims as C


def _claim(rule, cid="c"):
    return C.Claim(cid, "gideon2021", "statement", "Table 1", "quantity", rule)


def iv(lo, hi):
    return C.Interval((lo + hi) / 2, lo, hi, "test")


@pytest.mark.parametrize("interval, verdict", [
    (iv(-2.0, -0.1), "reproduced"),      # wholly at or below 0
    (iv(-2.0, 0.0), "reproduced"),       # touching the threshold counts as the paper's side
    (iv(0.1, 2.0), "contradicted"),      # wholly above
    (iv(-1.0, 1.0), "inconclusive"),     # straddles
])
def test_at_most_on_both_sides(interval, verdict):
    assert C.decide(_claim(C.AtMost(0.0)), interval).verdict == verdict


@pytest.mark.parametrize("interval, verdict", [
    (iv(3.0, 4.0), "reproduced"), (iv(1.0, 1.9), "contradicted"), (iv(1.5, 2.5), "inconclusive")])
def test_at_least_on_both_sides(interval, verdict):
    assert C.decide(_claim(C.AtLeast(2.0)), interval).verdict == verdict


@pytest.mark.parametrize("interval, verdict", [
    (iv(4.0, 5.0), "reproduced"), (iv(8.5, 9.0), "contradicted"), (iv(0.5, 1.9), "contradicted"),
    (iv(7.0, 9.0), "inconclusive"), (iv(1.0, 3.0), "inconclusive")])
def test_between_and_matches_paper(interval, verdict):
    assert C.decide(_claim(C.Between(2.0, 8.0)), interval).verdict == verdict
    assert C.decide(_claim(C.matches_paper(5.0, 3.0)), interval).verdict == verdict


def test_rule_arguments_are_checked():
    with pytest.raises(ValueError):
        C.Between(3.0, 1.0)
    with pytest.raises(ValueError):
        C.matches_paper(5.0, 0.0)
    with pytest.raises(ValueError):
        C.Claim("x", "gideon2021", "s", "t", "q", C.AtMost(0), kind="rumour")


def test_failed_precondition_and_nan_are_never_reproduced():
    good = iv(-2.0, -1.0)
    v = C.decide(_claim(C.AtMost(0.0)), good,
                 preconditions=[C.Precondition("the control learned", False, "MAE 10 vs constant 10.3")])
    assert v.verdict == "not testable here" and "the control learned" in v.reason and "10.3" in v.reason
    nan = C.Interval(math.nan, math.nan, math.nan, "nan")
    assert C.decide(_claim(C.AtMost(0.0)), nan).verdict == "not testable here"
    assert C.decide(_claim(C.AtMost(0.0)), None).verdict == "not testable here"
    v = C.decide(_claim(C.AtMost(0.0)), good, evidence={"mae": float("nan")})
    assert v.verdict == "not testable here" and "mae" in v.reason
    assert C.decide(_claim(C.AtMost(0.0)), good, preconditions=[C.Precondition("ok", True)]).verdict == "reproduced"


def test_paired_difference_finds_a_clear_difference_and_not_a_null_one():
    rng = np.random.default_rng(0)
    b = rng.normal(10, 3, 400)
    clear = C.paired_difference(b - 2 + rng.normal(0, 0.5, 400), b)
    assert clear.high < 0 and abs(clear.estimate + 2) < 0.2
    null = C.paired_difference(b + rng.normal(0, 1, 400), b)
    assert null.low < 0 < null.high
    # pairing matters: the same means without pairing would straddle 0
    assert C.decide(_claim(C.AtMost(0.0)), clear).verdict == "reproduced"


def test_two_level_bootstrap_widens_with_seed_spread():
    rng = np.random.default_rng(1)
    items = rng.normal(0, 1, 300)
    same = np.stack([items, items, items])
    spread = np.stack([items - 3, items, items + 3])
    narrow, wide = C.bootstrap_mean(same), C.bootstrap_mean(spread)
    assert wide.high - wide.low > 3 * (narrow.high - narrow.low)
    assert "3 seeds" in wide.method
    with pytest.raises(ValueError, match="same items"):
        C.paired_difference(np.zeros(3), np.zeros(4))


def test_bootstrap_is_deterministic_and_nan_aware():
    x = np.arange(50.0)
    assert C.bootstrap_mean(x) == C.bootstrap_mean(x)
    assert not C.bootstrap_mean(np.r_[x, np.nan]).finite


def test_seed_values_interval():
    one = C.seed_values_interval([3.0])
    assert one.low == one.high == 3.0 and "one seed" in one.method
    three = C.seed_values_interval([1.0, 2.0, 3.0])
    assert three.low < 2.0 < three.high
    assert not C.seed_values_interval([1.0, float("nan")]).finite


def test_verdict_record_has_every_field():
    rec = C.decide(_claim(C.AtMost(0.0)), iv(-2, -1), evidence={"a": 1.0}).record()
    for key in ("id", "chapter", "kind", "statement", "source", "rule", "verdict", "reason", "estimate", "low",
                "high", "interval", "evidence"):
        assert key in rec
    assert rec["rule"] == "quantity <= 0"
