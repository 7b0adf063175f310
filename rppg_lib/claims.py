"""The claims engine: a claim is data, and its verdict is computed from the run.

A :class:`Claim` names what a paper says (``statement``), where (``source``:
its table or figure), the ``quantity`` we measure to test it and the
:class:`Rule` that decides. Each chapter's home defines its claims once, in its
``claims.py``, so every threshold lives in one place.

A run turns a claim into a verdict with :func:`decide`, given

- an :class:`Interval` for the quantity: a paired bootstrap over test items
  and seeds (:func:`paired_difference`, :func:`bootstrap_mean`), or a single
  measurement (:func:`measurement`) for numbers that have no sampling error
  in the run (a parameter count, a share of detected frames);
- the :class:`Precondition` s the rule needs, computed from the run (the
  control learned, enough subjects, a GPU for a paper-scale claim...);
- the evidence numbers shown next to the verdict.

Four verdicts (:data:`VERDICTS`):

- *reproduced*: the whole 95 % interval lies on the paper's side of the rule;
- *contradicted*: the whole interval lies on the other side;
- *inconclusive*: the interval straddles the threshold;
- *not testable here*: a named precondition is not met, or the evidence is NaN;
  the reason is part of the verdict.

Rules (each unit-tested on both sides of its threshold):

- :class:`AtMost` / :class:`AtLeast`: the quantity is at most / at least a
  threshold (ordering claims are differences: "CL+F beats SE" is
  ``MAE(CL+F) - MAE(SE) <= 0``);
- :class:`Between`: the quantity lies in a range; :func:`matches_paper` is a
  Between centred on the paper's number with a tolerance stated in the claim.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

__all__ = [
    "VERDICTS", "LEVEL", "N_BOOT", "Interval", "Rule", "AtMost", "AtLeast", "Between", "matches_paper",
    "Claim", "Precondition", "decide", "LEARNED_FRACTION", "LEARNED_DIFFERENCE_BELOW", "LEARNED_MIN_ITEMS",
    "network_learned", "learned_precondition", "FIDELITY_RATIO_RANGE", "FIDELITY_METHODS", "fidelity_precondition",
    "measurement", "bootstrap_mean", "paired_difference",
    "seed_values_interval", "ABBREVIATIONS", "spell_out",
]

VERDICTS = ("reproduced", "contradicted", "inconclusive", "not testable here")
#: Confidence level of every interval.
LEVEL = 0.95
#: Bootstrap resamples of every interval.
N_BOOT = 2000


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval and how it was obtained."""

    estimate: float
    low: float
    high: float
    method: str

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.estimate, self.low, self.high))

    def text(self, digits: int = 2) -> str:
        if self.low == self.high == self.estimate:
            return f"{self.estimate:.{digits}f} ({self.method})"
        return (f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] "
                f"({self.method})")


def measurement(value: float, what: str = "single measurement") -> Interval:
    """A number without sampling error in this run: a zero-width interval."""
    v = float(value)
    return Interval(v, v, v, what)


def _as_seeds_items(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] == 0:
        raise ValueError(f"{name}: expected (items,) or (seeds, items) values, got shape {np.shape(x)}")
    return a


def _hierarchical_bootstrap(values: np.ndarray, n_boot: int, seed: int, chunk: int = 100) -> np.ndarray:
    """Means of ``n_boot`` resamples of a (seeds, items) array: seeds and items drawn with replacement."""
    rng = np.random.default_rng(seed)
    n_seeds, n_items = values.shape
    out = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        n = min(chunk, n_boot - start)
        items = rng.integers(0, n_items, size=(n, n_items))
        seeds = rng.integers(0, n_seeds, size=(n, n_seeds))
        per_seed = values[:, items].mean(axis=2)          # (seeds, n): each seed's mean over the drawn items
        out[start:start + n] = per_seed[seeds.T, np.arange(n)].mean(axis=0)
    return out


def _interval_from(values: np.ndarray, boots: np.ndarray, what: str, level: float) -> Interval:
    n_seeds, n_items = values.shape
    if not np.isfinite(values).all():
        return Interval(math.nan, math.nan, math.nan, f"{what}: the evidence holds NaN")
    q = (1 - level) / 2
    low, high = np.quantile(boots, [q, 1 - q])
    seeds = f"{n_seeds} seeds x " if n_seeds > 1 else ""
    return Interval(float(values.mean()), float(low), float(high),
                    f"{what}, {level:.0%} bootstrap over {seeds}{n_items} items")


def bootstrap_mean(values, *, n_boot: int = N_BOOT, level: float = LEVEL, seed: int = 0) -> Interval:
    """Mean of ``values`` (``(items,)`` or ``(seeds, items)``) with a bootstrap interval that
    resamples items and, with several seeds, seeds too."""
    v = _as_seeds_items(values, "values")
    boots = _hierarchical_bootstrap(v, n_boot, seed) if np.isfinite(v).all() else np.array([math.nan])
    return _interval_from(v, boots, "mean", level)


def paired_difference(a, b, *, n_boot: int = N_BOOT, level: float = LEVEL, seed: int = 0) -> Interval:
    """Mean of ``a - b`` over paired items (the same test windows or clips), with a paired bootstrap
    interval; ``(seeds, items)`` arrays resample seeds too."""
    a = _as_seeds_items(a, "a")
    b = _as_seeds_items(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"paired values need the same items: {a.shape[1]} vs {b.shape[1]}")
    if a.shape[0] != b.shape[0]:  # one side has one seed (a baseline): broadcast it
        if 1 not in (a.shape[0], b.shape[0]):
            raise ValueError(f"paired values need the same seeds or one seed: {a.shape[0]} vs {b.shape[0]}")
    d = a - b
    boots = _hierarchical_bootstrap(d, n_boot, seed) if np.isfinite(d).all() else np.array([math.nan])
    return _interval_from(d, boots, "paired mean difference", level)


def seed_values_interval(values, level: float = LEVEL) -> Interval:
    """Mean of one number per seed with a Student-t interval (one seed: a zero-width interval
    labelled as such)."""
    from scipy import stats

    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        return Interval(math.nan, math.nan, math.nan, "per-seed values hold NaN or are missing")
    if v.size == 1:
        return Interval(float(v[0]), float(v[0]), float(v[0]), "one seed, no interval")
    half = stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return Interval(float(v.mean()), float(v.mean() - half), float(v.mean() + half),
                    f"{level:.0%} t interval over {v.size} seeds")


class Rule:
    """Decides a verdict from an interval. Subclasses say what the paper's side is."""

    def decide(self, iv: Interval) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def text(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class AtMost(Rule):
    """The paper's side: quantity <= ``threshold``."""

    threshold: float

    def decide(self, iv: Interval) -> str:
        if iv.high <= self.threshold:
            return "reproduced"
        if iv.low > self.threshold:
            return "contradicted"
        return "inconclusive"

    def text(self) -> str:
        return f"<= {self.threshold:g}"


@dataclass(frozen=True)
class AtLeast(Rule):
    """The paper's side: quantity >= ``threshold``."""

    threshold: float

    def decide(self, iv: Interval) -> str:
        if iv.low >= self.threshold:
            return "reproduced"
        if iv.high < self.threshold:
            return "contradicted"
        return "inconclusive"

    def text(self) -> str:
        return f">= {self.threshold:g}"


@dataclass(frozen=True)
class Between(Rule):
    """The paper's side: ``low`` <= quantity <= ``high``."""

    low: float
    high: float

    def __post_init__(self):
        if not self.low <= self.high:
            raise ValueError(f"Between needs low <= high, got {self.low}, {self.high}")

    def decide(self, iv: Interval) -> str:
        if self.low <= iv.low and iv.high <= self.high:
            return "reproduced"
        if iv.high < self.low or iv.low > self.high:
            return "contradicted"
        return "inconclusive"

    def text(self) -> str:
        return f"in [{self.low:g}, {self.high:g}]"


def matches_paper(paper_value: float, tolerance: float) -> Between:
    """The quantity matches the paper's number within +-``tolerance`` (state why in the claim)."""
    if not tolerance > 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    return Between(paper_value - tolerance, paper_value + tolerance)


@dataclass(frozen=True)
class Claim:
    """One claim of a paper (or one validation check of a foundation chapter).

    id : short, stable, unique within the chapter (e.g. ``"classification-beats-se"``).
    chapter : the chapter key; statement : what the paper says, in a sentence;
    source : its table or figure; quantity : what we measure (with unit);
    rule : the :class:`Rule`; why : where the threshold comes from;
    kind : ``"paper"`` for a paper's claim, ``"validation"`` for a check of the compendium itself.
    """

    id: str
    chapter: str
    statement: str
    source: str
    quantity: str
    rule: Rule
    why: str = ""
    kind: str = "paper"

    def __post_init__(self):
        if self.kind not in ("paper", "validation"):
            raise ValueError(f"kind must be 'paper' or 'validation', got {self.kind!r}")


@dataclass(frozen=True)
class Precondition:
    """Something the rule needs to mean anything, computed from the run."""

    name: str
    ok: bool
    detail: str = ""


#: A network learned when its MAE is at most this fraction of the constant answer's (the mean training HR)
#: on the same test items ...
LEARNED_FRACTION = 0.8
#: ... and the paired bootstrap interval of (network - constant) per-item absolute error lies entirely below 0.
LEARNED_DIFFERENCE_BELOW = 0.0
#: The fewest test items on which "learned" can be decided.
LEARNED_MIN_ITEMS = 10


def network_learned(errors, constant_errors, *, fraction: float = LEARNED_FRACTION,
                    min_items: int = LEARNED_MIN_ITEMS) -> tuple[bool, str]:
    """The compendium's one rule for "a network learned", used by every chapter and page.

    ``errors`` and ``constant_errors`` are per-item absolute HR errors (bpm) on the same test items,
    ``(items,)`` or ``(seeds, items)`` (a one-seed constant broadcasts). The network learned when its
    MAE is at most ``fraction`` x the constant answer's **and** the paired bootstrap interval of
    (network - constant) lies entirely below :data:`LEARNED_DIFFERENCE_BELOW`, on at least
    ``min_items`` items. Returns ``(learned, detail)``; the detail gives both MAEs, the ratio and the
    interval, so a "no" says how far off it was.
    """
    e = _as_seeds_items(errors, "errors")
    c = _as_seeds_items(constant_errors, "constant_errors")
    n = e.shape[1]
    if c.shape[1] != n:
        raise ValueError(f"network and constant errors need the same test items: {n} vs {c.shape[1]}")
    if not (np.isfinite(e).all() and np.isfinite(c).all()):
        return False, "the errors hold NaN"
    mae, cmae = float(e.mean()), float(c.mean())
    diff = paired_difference(e, c)
    ratio = mae / cmae if cmae > 0 else math.inf
    ok = (n >= min_items and ratio <= fraction and diff.high < LEARNED_DIFFERENCE_BELOW)
    detail = (f"MAE {mae:.2f} vs constant answer {cmae:.2f} bpm (ratio {ratio:.2f}, needs <= {fraction:g}); "
              f"network - constant {diff.estimate:+.2f} [{diff.low:+.2f}, {diff.high:+.2f}] bpm (needs all < 0) "
              f"on {n} items (needs >= {min_items})")
    return bool(ok), detail


def learned_precondition(errors: dict, constant_errors, *, what: str = "test items",
                         min_items: int = LEARNED_MIN_ITEMS, require: str = "any") -> Precondition:
    """Precondition "a network of the comparison learned" (``require="any"``) or "every network ranked
    above another learned" (``require="all"``), by :func:`network_learned` on per-item absolute errors
    (``errors``: network name -> ``(items,)`` or ``(seeds, items)``; ``constant_errors``: the constant
    answer's on the same items). The detail names each network's numbers."""
    if require not in ("any", "all"):
        raise ValueError(f"require must be 'any' or 'all', got {require!r}")
    results = {name: network_learned(e, constant_errors, min_items=min_items) for name, e in errors.items()}
    oks = [ok for ok, _ in results.values()]
    ok = bool(oks) and (any(oks) if require == "any" else all(oks))
    names = (" or " if require == "any" else " and ").join(errors) or "no network"
    head = "a network of the comparison learned" if require == "any" else "the networks it ranks learned"
    detail = "; ".join(f"{k}: {'learned' if o else 'not learned'}, {d}" for k, (o, d) in results.items())
    return Precondition(f"{head} ({names}, on {what})", ok, detail)


#: A claim about accuracy on a dataset, or an ordering against classical methods, is decided only on
#: data whose POS / CHROM error is within this range of the published error on the real dataset
#: (ours / published); outside it the data are easier or harder than the paper's.
FIDELITY_RATIO_RANGE = (0.5, 2.0)
#: The methods whose ratio decides (the issue's "POS/CHROM ratio"; GREEN and ICA anchors are shown, not used).
FIDELITY_METHODS = ("POS", "CHROM")


def fidelity_precondition(fidelity: dict | None, what: str = "the data") -> Precondition:
    """Precondition "``what`` are as hard as the real dataset": every POS / CHROM ratio ours / published of
    ``fidelity`` (method -> ``{"ours", "published", "metric", "source"}``, as
    :func:`rppg_lib.lookalike.fidelity_rows` builds it) lies in :data:`FIDELITY_RATIO_RANGE`. ``None`` or an
    empty dict (an easy rung, data with no published anchor) fails, saying so."""
    low, high = FIDELITY_RATIO_RANGE
    name = f"{what} are as hard as the real dataset (POS/CHROM error within {low:g}-{high:g}x the published)"
    if not fidelity:
        return Precondition(name, False, "no published classical error to compare with (an easy rung or "
                                         "data without an anchor)")
    parts, ok = [], True
    fidelity = {m: r for m, r in fidelity.items() if m in FIDELITY_METHODS}
    if not fidelity:
        return Precondition(name, False, "no published POS or CHROM error to compare with")
    for method, row in fidelity.items():
        ours, pub = float(row["ours"]), float(row["published"])
        ratio = ours / pub if pub > 0 else math.nan
        ok = ok and math.isfinite(ratio) and low <= ratio <= high
        parts.append(f"{method} {row.get('metric', 'mae').upper()} {ours:.2f} vs published {pub:.2f} "
                     f"(ratio {ratio:.2f})")
    return Precondition(name, bool(ok), "; ".join(parts))


@dataclass
class Verdict:
    """A claim decided on one run (what the claims record stores)."""

    claim: Claim
    verdict: str
    reason: str
    interval: Interval | None
    evidence: dict = field(default_factory=dict)
    #: Names of the preconditions that failed (a "not testable here" verdict says which).
    failed: tuple = ()

    def record(self) -> dict:
        iv = self.interval
        return {
            "id": self.claim.id, "chapter": self.claim.chapter, "kind": self.claim.kind,
            "statement": self.claim.statement, "source": self.claim.source,
            "quantity": self.claim.quantity, "rule": f"{self.claim.quantity} {self.claim.rule.text()}",
            "why": self.claim.why, "verdict": self.verdict, "reason": self.reason,
            "estimate": None if iv is None else iv.estimate, "low": None if iv is None else iv.low,
            "high": None if iv is None else iv.high, "interval": None if iv is None else iv.method,
            "evidence": self.evidence, "threshold": self.claim.rule.text(), "failed": list(self.failed),
        }


def _bad_numbers(evidence: dict) -> list[str]:
    bad = []
    for k, v in evidence.items():
        if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
            bad.append(k)
    return bad


def decide(claim: Claim, interval: Interval | None, *, preconditions: Iterable[Precondition] = (),
           evidence: dict | None = None) -> Verdict:
    """The verdict on ``claim`` for this run.

    *Not testable here* when a precondition fails (the reason names it), when
    the interval is missing or NaN, or when an evidence number is NaN;
    otherwise the claim's rule decides on the interval.
    """
    evidence = dict(evidence or {})
    failed = [p for p in preconditions if not p.ok]
    if failed:
        reason = "; ".join(f"{p.name}" + (f" ({p.detail})" if p.detail else "") for p in failed)
        head = "precondition not met" if len(failed) == 1 else "preconditions not met"
        return Verdict(claim, "not testable here", f"{head}: {reason}", interval, evidence,
                       tuple(p.name for p in failed))
    if interval is None or not interval.finite:
        why = "no interval" if interval is None else interval.method
        return Verdict(claim, "not testable here", f"the evidence is missing or NaN ({why})", interval, evidence)
    bad = _bad_numbers(evidence)
    if bad:
        return Verdict(claim, "not testable here", f"evidence is NaN: {', '.join(bad)}", interval, evidence)
    verdict = claim.rule.decide(interval)
    reason = f"{claim.quantity} = {interval.text()}; the claim holds when it is {claim.rule.text()}"
    return Verdict(claim, verdict, reason, interval, evidence)


#: Short names claims may use for their sources, spelled out wherever a reader sees them.
ABBREVIATIONS = {"GS21": "Gideon & Stent 2021", "dHL14": "de Haan & van Leest 2014"}


def spell_out(text) -> str:
    """``text`` with the :data:`ABBREVIATIONS` written in full."""
    text = str(text)
    for short, full in ABBREVIATIONS.items():
        text = text.replace(short, full)
    return text
