"""How the book judges a claim of the paper: one rule set, written down before the numbers.

Every verdict of the book comes from a function of this module, so a distortion is judged the same
way in every chapter, a rate the same way, and a table by the same pattern statistics. The book's
page "How a claim is judged" prints :data:`RULES` and explains each rule; every verdict links there.

Five verdicts (:data:`VERDICTS`):

* *reproduced*: our number is within the rule's tolerance of the paper's (or the stated test passes);
* *partly*: outside the tolerance but within twice it (the effect is there, its size differs), or
  a claim that holds only in part;
* *not reproduced*: beyond twice the tolerance, or the test decides against the claim;
* *inconclusive*: the experiment ran but could not decide (its interval spans both "within the
  tolerance" and "beyond twice it", or a test that is not significant and could not have detected
  the paper's effect); the judgement says what effect it could have detected;
* *not tested*: the weights, data or compute are not available here; the judgement says what it
  needs and how to run it.

A row also has a *role* (:data:`ROLES`): only *evidence* rows are counted on the results page. A row
whose number was used to choose one of the paper's open definitions is *fitted* (shown, judged,
never counted as a confirmation); a row true by construction is *by construction*; a measurement
the paper did not make is *measurement* (no verdict).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

VERDICTS = ("reproduced", "partly", "not reproduced", "inconclusive", "not tested")
ROLES = {
    "evidence": "counted: the number tests the claim",
    "fitted": "shown, not counted: the number was used to choose one of the paper's open definitions",
    "by construction": "shown, not counted: true whatever the networks do",
    "measurement": "beyond the paper: a measurement, no verdict",
}
#: Significance level of every test of the book, after Holm's correction within a chapter's family.
ALPHA = 0.05
#: "Could have detected": the effect a test finds with this probability (the usual 80% power).
POWER = 0.8
#: A table's pattern: Spearman's rank correlation over its cells must reach this ...
TABLE_RHO = 0.8
#: ... and this share of its cells must lie within the cell rule's tolerance, for "reproduced";
#: a rank correlation of at least TABLE_RHO_PARTLY with fewer cells inside is "partly".
TABLE_SHARE = 2 / 3
TABLE_RHO_PARTLY = 0.5
#: "A is as good as B": the margin of the equivalence test, and the bound below which a significant
#: difference is "partly", as shares of a reference effect the chapter names (chapter 2: the random
#: directions' lead over chance).
EQUIVALENCE_MARGIN = 0.10
EQUIVALENCE_BOUND = 0.25
#: "Partly" reaches out to this many tolerances from the paper's number.
PARTLY_FACTOR = 2.0
#: The page of the book that explains these rules (verdicts link to it).
RULES_PAGE = "91_how_judged"


@dataclass(frozen=True)
class Rule:
    """A tolerance rule for one kind of quantity: ``|ours − paper| ≤ max(absolute, relative·|paper|)``."""

    name: str
    quantity: str
    absolute: float
    relative: float
    unit: str
    digits: int
    why: str

    def tolerance(self, paper: float) -> float:
        return max(self.absolute, self.relative * abs(paper))

    def text(self) -> str:
        parts = []
        if self.absolute:
            parts.append(f"{self.absolute:g}{self.unit}")
        if self.relative:
            parts.append(f"{100 * self.relative:g}% of the paper's value")
        tol = " or ".join(parts) if len(parts) > 1 else parts[0]
        tol = f"the larger of {tol}" if len(parts) > 1 else tol
        return (f"reproduced within {tol}; partly within {PARTLY_FACTOR:g} times that; "
                "not reproduced beyond")


RULES: dict[str, Rule] = {
    "clean error": Rule(
        "clean error", "error % of a trained model on clean images (test or training set)", 0.5, 0.2, " pts", 2,
        "the paper prints errors to 0.01-0.1 points and gives no spread; half a point absolute is "
        "the book's earlier tolerance, and 20% holds the weak softmax models (errors of 10-20%) to "
        "the same relative standard"),
    "fooling rate": Rule(
        "fooling rate", "error % on perturbed images (adversarial, amplified or noisy)", 2.0, 0.2, " pts", 1,
        "a cell of Tables 2 and 4 over a few thousand images has a 95% interval of about ±1 point, and "
        "moves further with the trained model; 20% holds large cells to the same relative standard"),
    "distortion": Rule(
        "distortion", "average minimal distortion (RMS)", 0.0, 0.2, "", 3,
        "the paper prints 2 digits; a 20% change of the distortion is a change of the attack or model"),
    "ratio": Rule(
        "ratio", "a ratio or factor of two measured quantities", 0.0, 0.2, "", 2,
        "as for a distortion: 20% of the paper's value"),
}
#: Rules that are tests, not tolerances (explained on the rules page).
TESTS = {
    "table pattern": (
        f"a table is judged by its cells and its pattern, never by a mean of its cells: reproduced when "
        f"Spearman's ρ over the cells is at least {TABLE_RHO:g} and at least {TABLE_SHARE:.0%} of the cells lie "
        f"within the cell rule's tolerance; partly when ρ ≥ {TABLE_RHO_PARTLY:g}; not reproduced below. "
        "Mean |Δ| and the largest gap are printed beside it. When the paper's cells differ by less than "
        f"one tolerance their ranks are noise: then only the cells count (reproduced with {TABLE_SHARE:.0%} "
        f"within, partly with {1 - TABLE_SHARE:.0%})"),
    "paired difference": (
        "“A beats B” on the same test images: McNemar's exact test (a binomial test on the discordant "
        f"images), Holm-corrected over the chapter's family of such tests, at α = {ALPHA:g}. Reproduced "
        "when significant in the claimed direction, not reproduced when significant the other way or when "
        "the test could have detected the paper's effect (with 80% power) and did not; inconclusive "
        "otherwise, with the difference it could have detected"),
    "equivalence": (
        f"“A is as good as B”: two one-sided tests (TOST), i.e. the 90% interval of the difference lies "
        f"inside a margin of ±{EQUIVALENCE_MARGIN:.0%} of a reference effect the chapter names (chapter 2: "
        f"the random directions' lead over chance). Reproduced when equivalent; partly when the difference "
        f"is significant but below {EQUIVALENCE_BOUND:.0%} of that effect; not reproduced when larger; "
        "inconclusive when the interval is too wide for either (a non-significant difference is never "
        "“equal”). The interval is not corrected for multiplicity; the chapter prints Holm-corrected "
        "p-values beside it"),
    "same item": "a claim about which item is first (e.g. the most resilient model): reproduced when ours is "
                 "the paper's, not reproduced otherwise",
    "criterion": "a claim judged by a stated yes/no criterion (e.g. a formula agrees with an exact SVD); the "
                 "row names the criterion",
}


@dataclass(frozen=True)
class Judgement:
    """A verdict, the rule that gave it and how far the number is from that rule's threshold."""

    verdict: str
    rule: str
    distance: str
    detail: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.rule not in RULES and self.rule not in TESTS and self.rule != "not tested":
            raise ValueError(f"unknown rule {self.rule!r}: one of {sorted(RULES) + sorted(TESTS)}")


def _finite(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    return v


def _rule(name: str) -> Rule:
    if name not in RULES:
        raise ValueError(f"no tolerance rule {name!r}: one of {sorted(RULES)}")
    return RULES[name]


#: Boundaries are inclusive up to float rounding (2.14 − 1.64 is 0.5000000000000002).
_EPS = 1e-9


def _band(rule: Rule, gap: float, tol: float) -> str:
    if gap <= tol * (1 + _EPS):
        return "reproduced"
    return "partly" if gap <= PARTLY_FACTOR * tol * (1 + _EPS) else "not reproduced"


def judge(rule: str, ours, paper, interval: Sequence[float] | None = None) -> Judgement:
    """Our number against the paper's under the tolerance rule ``rule`` (a key of :data:`RULES`).

    ``interval`` (low, high), in the same units as ``ours``, is our number's uncertainty (say what it
    covers where it is printed). When it spans both a value within the tolerance and one beyond
    twice it, the experiment cannot tell reproduced from not reproduced: *inconclusive*.
    """
    r = _rule(rule)
    ours, paper = _finite(ours, "ours"), _finite(paper, "paper")
    tol = r.tolerance(paper)
    if tol <= 0:
        raise ValueError(f"rule {rule!r} has no tolerance at paper = {paper} (a relative rule at 0)")
    gap = abs(ours - paper)
    verdict = _band(r, gap, tol)
    d = r.digits
    if r.unit:
        inside = gap <= tol * (1 + _EPS)
        where = f"{max(tol - gap, 0):.{d}f}{r.unit} inside" if inside else f"{gap - tol:.{d}f}{r.unit} outside"
        distance = f"Δ = {ours - paper:+.{d}f}{r.unit}; tolerance ±{tol:.{d}f}{r.unit}: {where}"
    else:
        ratio = ours / paper if paper else math.inf
        where = (f"{100 * max(tol - gap, 0) / abs(paper):.0f}% of the paper's value inside" if gap <= tol * (1 + _EPS)
                 else f"{100 * (gap - tol) / abs(paper):.0f}% of the paper's value outside")
        distance = f"×{ratio:.{d}f} of the paper's; tolerance ±{100 * r.relative:g}%: {where}"
    detail = {"gap": gap, "tolerance": tol}
    if interval is not None:
        lo, hi = sorted(_finite(v, "interval") for v in interval)
        if not lo <= ours <= hi:
            raise ValueError(f"interval [{lo}, {hi}] does not contain ours = {ours}")
        near = max(0.0, max(lo - paper, paper - hi))  # smallest gap inside the interval
        far = max(abs(lo - paper), abs(hi - paper))  # largest gap inside the interval
        detail = {**detail, "interval": (lo, hi)}
        if near <= tol and far > PARTLY_FACTOR * tol:
            half = (hi - lo) / 2
            return Judgement("inconclusive", rule, distance + f"; but our interval (±{half:.{d}f}{r.unit or ''}) "
                             f"spans reproduced and not reproduced", detail)
    return Judgement(verdict, rule, distance, detail)


@dataclass(frozen=True)
class TablePattern:
    """Cells of our table against the paper's: the statistics a table is judged by."""

    rho: float
    mean_abs_gap: float
    largest_gap: float
    within: int
    cells: int


def table_pattern(ours, paper, rule: str) -> TablePattern:
    """Spearman's ρ, mean |Δ|, largest |Δ| and the cells within ``rule``'s tolerance."""
    from scipy.stats import spearmanr

    r = _rule(rule)
    o, p = np.asarray(ours, dtype=float).ravel(), np.asarray(paper, dtype=float).ravel()
    if o.shape != p.shape or len(o) < 3:
        raise ValueError(f"need two tables of the same shape with at least 3 cells, got {o.shape} and {p.shape}")
    if not (np.isfinite(o).all() and np.isfinite(p).all()):
        raise ValueError("tables hold NaN or inf")
    gaps = np.abs(o - p)
    tol = np.array([r.tolerance(v) for v in p]) * (1 + _EPS)
    rho = round(float(spearmanr(o, p).statistic), 12)  # 0.7999999999999999 is 0.8
    return TablePattern(rho, float(gaps.mean()), float(gaps.max()), int((gaps <= tol).sum()), len(o))


def judge_table(ours, paper, rule: str) -> Judgement:
    """A table (its cells, in the same order as the paper's) under the pattern test."""
    cells_given = np.asarray(paper, dtype=float).size
    if cells_given < 3 and np.asarray(ours, dtype=float).size == cells_given:
        return Judgement("inconclusive", "table pattern",
                         f"only {cells_given} cell(s): a table's pattern needs at least 3 (run more models)")
    t = table_pattern(ours, paper, rule)
    share = t.within / t.cells
    r = RULES[rule]
    p = np.asarray(paper, dtype=float).ravel()
    need = math.ceil(TABLE_SHARE * t.cells - 1e-9)
    cells = (f"{t.within} of {t.cells} cells within tolerance (needs {need}); mean |Δ| = "
             f"{t.mean_abs_gap:.{r.digits}f}{r.unit}, largest {t.largest_gap:.{r.digits}f}{r.unit}")
    if np.ptp(p) <= min(r.tolerance(v) for v in p):  # the paper's cells differ by less than a tolerance:
        verdict = ("reproduced" if share >= TABLE_SHARE else "partly" if share >= 1 - TABLE_SHARE
                   else "not reproduced")  # their ranks are noise, so judge the cells alone
        return Judgement(verdict, "table pattern", f"the paper's cells span less than one tolerance, so "
                         f"their ranks are not used; {cells}", t.__dict__)
    if t.rho >= TABLE_RHO and share >= TABLE_SHARE:
        verdict = "reproduced"
    elif t.rho >= TABLE_RHO_PARTLY:
        verdict = "partly"
    else:
        verdict = "not reproduced"
    distance = f"ρ = {t.rho:.2f} (needs ≥ {TABLE_RHO:g}); {cells}"
    return Judgement(verdict, "table pattern", distance, t.__dict__)


@dataclass(frozen=True)
class PairedTest:
    """McNemar's exact test of two classifiers' errors on the same images (A minus B)."""

    a_errors: int
    b_errors: int
    only_a: int  # images A gets wrong and B right
    only_b: int
    total: int
    p: float

    @property
    def difference(self) -> float:
        """A's error minus B's, in percentage points."""
        return 100 * (self.a_errors - self.b_errors) / self.total

    def detectable(self, alpha: float = ALPHA, power: float = POWER) -> float:
        """The difference (pts) this test would find with probability ``power`` at ``alpha``, given its
        discordant images (normal approximation of the binomial test on them)."""
        from statistics import NormalDist

        z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
        return 100 * z * math.sqrt(max(self.only_a + self.only_b, 1)) / self.total


def mcnemar(a_wrong, b_wrong) -> PairedTest:
    """Compare two classifiers on the same images: boolean "wrong" vectors of equal length."""
    from scipy.stats import binomtest

    a, b = np.asarray(a_wrong, dtype=bool).ravel(), np.asarray(b_wrong, dtype=bool).ravel()
    if a.shape != b.shape or not len(a):
        raise ValueError(f"need two non-empty vectors of the same length, got {a.shape} and {b.shape}")
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    n = only_a + only_b
    p = 1.0 if n == 0 else float(binomtest(only_a, n, 0.5).pvalue)
    return PairedTest(int(a.sum()), int(b.sum()), only_a, only_b, len(a), p)


def holm(pvalues: Mapping[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values of a family of tests (statsmodels' ``multipletests``)."""
    from statsmodels.stats.multitest import multipletests

    names = list(pvalues)
    if not names:
        return {}
    ps = [_finite(pvalues[k], f"p-value of {k}") for k in names]
    adjusted = multipletests(ps, alpha=ALPHA, method="holm")[1]
    return {k: float(v) for k, v in zip(names, adjusted)}


def judge_better(test: PairedTest, adjusted_p: float, claimed_effect: float | None = None) -> Judgement:
    """"A has a lower error than B": ``test`` is A vs B, ``adjusted_p`` its Holm-adjusted p-value.

    ``claimed_effect`` (pts, positive) is the difference the paper reports, when it reports one: a test
    that could have detected it and did not decides against the claim.
    """
    adjusted_p = _finite(adjusted_p, "adjusted_p")
    diff = test.difference
    can = test.detectable()
    distance = (f"A − B = {diff:+.2f} pts ({test.only_a} vs {test.only_b} discordant images); Holm p = "
                f"{adjusted_p:.3g} (needs < {ALPHA:g})")
    detail = {"difference": diff, "p_holm": adjusted_p, "detectable": can}
    if adjusted_p < ALPHA:
        return Judgement("reproduced" if diff < 0 else "not reproduced", "paired difference", distance, detail)
    if claimed_effect is not None and can < claimed_effect:
        return Judgement("not reproduced", "paired difference",
                         distance + f"; it could detect {can:.2f} pts, the paper's effect is "
                         f"{claimed_effect:g}", detail)
    return Judgement("inconclusive", "paired difference",
                     distance + f"; it could only have detected a difference of about {can:.2f} pts", detail)


def judge_equivalent(difference, interval90: Sequence[float], margin: float, bound: float | None = None,
                     ) -> Judgement:
    """"A is as good as B" by TOST: ``interval90`` is the 90% interval of A − B, ``margin`` (> 0) was
    stated in advance. ``bound`` (> margin): a significant difference below it is *partly*."""
    diff, margin = _finite(difference, "difference"), _finite(margin, "margin")
    lo, hi = sorted(_finite(v, "interval90") for v in interval90)
    if margin <= 0:
        raise ValueError(f"margin must be positive, got {margin}")
    distance = f"difference {diff:+.3f}, 90% interval [{lo:+.3f}, {hi:+.3f}]; margin ±{margin:.3f}"
    detail = {"difference": diff, "interval90": (lo, hi), "margin": margin}
    if -margin < lo and hi < margin:
        return Judgement("reproduced", "equivalence", distance + ": equivalent", detail)
    if lo > 0 or hi < 0:  # the difference is significant (at 5%, one-sided)
        if bound is not None and abs(diff) < bound:
            return Judgement("partly", "equivalence", distance + f": different, but by less than {bound:.3f}", detail)
        return Judgement("not reproduced", "equivalence", distance + ": different", detail)
    return Judgement("inconclusive", "equivalence",
                     distance + f": neither equivalent nor different; it could detect about ±{(hi - lo) / 2:.3f}",
                     detail)


def judge_same(ours: str, paper: str) -> Judgement:
    """The same item comes first in ours as in the paper's (e.g. the most resilient model)."""
    same = ours == paper
    return Judgement("reproduced" if same else "not reproduced", "same item",
                     f"ours {ours!r}, the paper's {paper!r}")


def judge_criterion(verdict: str, criterion: str) -> Judgement:
    """A claim judged by a stated yes/no criterion: the row names the criterion and its outcome."""
    if verdict not in ("reproduced", "partly", "not reproduced", "inconclusive"):
        raise ValueError(f"a criterion gives reproduced, partly, not reproduced or inconclusive, got {verdict!r}")
    if not criterion:
        raise ValueError("state the criterion")
    return Judgement(verdict, "criterion", criterion)


def not_tested(needs: str, how: str) -> Judgement:
    """A claim this book could not test here: what it needs, and the exact command that would test it."""
    if not needs or not how:
        raise ValueError("a 'not tested' row says what it needs and how to test it")
    return Judgement("not tested", "not tested", f"needs {needs}; to test it: {how}")


def scale(images: int | None = None, of: str = "", models: int | None = None, seeds: int | None = 1) -> str:
    """The scale a row rests on, in words: images (of which set), models, training seeds per model."""
    parts = []
    if images is not None:
        parts.append(f"{images:,} {of + ' ' if of else ''}images")
    if models is not None:
        parts.append(f"{models} model{'s' if models != 1 else ''}")
    if seeds is not None:
        parts.append(f"{seeds} training seed{'s' if seeds != 1 else ''} each" if models and models > 1
                     else f"{seeds} training seed{'s' if seeds != 1 else ''}")
    return ", ".join(parts)


def rules_table():
    """Every rule as a table (the rules page prints it): name, what it judges, the rule, why."""
    import pandas as pd

    rows = [{"rule": r.name, "applies to": r.quantity, "verdict": r.text(), "why this tolerance": r.why}
            for r in RULES.values()]
    rows += [{"rule": name, "applies to": "", "verdict": text, "why this tolerance": ""}
             for name, text in TESTS.items()]
    return pd.DataFrame(rows).set_index("rule")
