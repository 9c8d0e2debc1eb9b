"""Confidence intervals for the book: of a mean over images, of a rate, and of two samples compared.

A chapter that averages a distortion over a few thousand images, or counts how many images a
perturbation fools, prints the estimate with an interval that says how far a rerun on other
images could move it (``mean_ci``, ``wilson_interval``). Explained in chapter 3, "Box-constrained
L-BFGS adversaries".

Two samples of scores (in chapter 2 the coherence of the top-k sets of units and of random
directions) are compared by ``compare_scores``, in one :class:`Comparison`: a permutation test of
the difference of the means (``permutation_test``; ``format_p`` prints its p-value with the
digits the permutations determine), Mann-Whitney U with the rank-biserial effect size
(``rank_biserial``) and a percentile bootstrap interval of the difference, optionally resampling
clusters of correlated scores (``bootstrap_ci``). Explained in chapter 2, "Random directions".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import torch


def _z(level: float) -> float:
    if not (isinstance(level, float) and 0 < level < 1):
        raise ValueError(f"level must be a float in (0, 1), e.g. 0.95, got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def mean_ci(values: torch.Tensor, level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of ``values`` and its normal-approximation interval.

    ``mean ± z·s/√n`` with the sample standard deviation ``s``; over a few hundred images or more
    the central limit theorem makes this as good as a bootstrap, and it needs no random draws.
    Computed in float64 whatever the input dtype. Explained in chapter 3, "Box-constrained L-BFGS
    adversaries".
    """
    if not isinstance(values, torch.Tensor) or values.dim() != 1:
        raise ValueError(f"values must be a 1-D tensor, got {getattr(values, 'shape', type(values))}")
    if len(values) < 2:
        raise ValueError(f"a confidence interval needs at least 2 values, got {len(values)}")
    v = values.detach().double().cpu()
    if not bool(torch.isfinite(v).all()):
        raise ValueError("values hold NaN or inf (failed attacks?): select the finite ones first")
    mean = float(v.mean())
    half = _z(level) * float(v.std()) / math.sqrt(len(v))
    return mean, mean - half, mean + half


def wilson_interval(count: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval ``(low, high)`` of a rate ``count / total``, as fractions in [0, 1].

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0% or 100%
    (0 of 5,000 still leaves an upper limit of about 0.08%). Explained in chapter 3.
    """
    if not (isinstance(total, int) and total > 0 and isinstance(count, int) and 0 <= count <= total):
        raise ValueError(f"need integers 0 <= count <= total and total > 0, got count={count!r}, total={total!r}")
    z = _z(level)
    p = count / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# --------------------------------------------------------------------------------------------
# Two samples of scores: permutation test, effect size, bootstrap interval
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Units' scores against random directions' scores (difference = units minus random).

    Explained in chapter 2, "Random directions".
    """

    score: str
    n_units: int
    n_random: int
    mean_units: float
    mean_random: float
    difference: float
    ci_low: float
    ci_high: float
    ci_level: float
    p_permutation: float
    n_permutations: int
    mann_whitney_u: float
    p_mann_whitney: float
    rank_biserial: float

    def summary(self) -> str:
        """One line for a chapter's output, with the digits the sample sizes support."""
        return (
            f"{self.score}: units {self.mean_units:.3f} (n={self.n_units}) vs random {self.mean_random:.3f} "
            f"(n={self.n_random}); difference {self.difference:+.3f} "
            f"[{self.ci_level:.0%} CI {self.ci_low:+.3f}, {self.ci_high:+.3f}]; permutation p "
            f"{_with_relation(format_p(self.p_permutation, self.n_permutations))}; "
            f"Mann-Whitney p = {self.p_mann_whitney:.2g}, rank-biserial r = {self.rank_biserial:+.2f}"
        )


def _short_sci(x: float) -> str:
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_p(p: float, n_permutations: int) -> str:
    """A permutation p-value as text: two significant digits, or ``"< 1e-4"`` when no permutation reached it.

    With n permutations the smallest p-value is 1/(n + 1): it only says p < 1/n, so that is what
    is printed (``"< 1e-4"`` for 10,000 permutations). Explained in chapter 2, "Random directions".
    """
    if int(n_permutations) <= 0:
        raise ValueError(f"n_permutations must be positive, got {n_permutations!r}")
    if not 0 < p <= 1:
        raise ValueError(f"p={p!r} is not a permutation p-value (it lies in (0, 1])")
    floor = 1.0 / (int(n_permutations) + 1)  # the smallest p-value n permutations can give
    if p <= floor * (1 + 1e-9):
        return f"< {_short_sci(1.0 / int(n_permutations))}"
    return f"{p:.2g}"


def _with_relation(text: str) -> str:
    return text if text.startswith("<") else f"= {text}"


def _as_1d(a: torch.Tensor | np.ndarray | Sequence[float], name: str) -> np.ndarray:
    arr = np.asarray(a.detach().cpu().double() if isinstance(a, torch.Tensor) else a, dtype=np.float64).reshape(-1)
    if arr.size < 2:
        raise ValueError(f"{name} needs at least 2 scores, got {arr.size}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def permutation_test(a, b, *, n_permutations: int = 10_000, seed: int = 0) -> float:
    """Two-sided permutation p-value of ``mean(a) - mean(b)``: relabel the pooled scores at random.

    ``p = (1 + #{|perm. difference| >= |observed|}) / (1 + n_permutations)``, never 0. Assumes the
    scores are exchangeable under "units are no different from random directions".
    Explained in chapter 2, "Random directions".
    """
    a, b = _as_1d(a, "a"), _as_1d(b, "b")
    if int(n_permutations) <= 0:
        raise ValueError(f"n_permutations must be positive, got {n_permutations!r}")
    pooled = np.concatenate([a, b])
    na, n = len(a), len(pooled)
    observed = abs(a.mean() - b.mean())
    tol = 1e-12 * max(1.0, np.abs(pooled).max())
    rng = np.random.default_rng(int(seed))
    hits, done = 0, 0
    step = max(1, (1 << 21) // n)
    while done < n_permutations:
        c = min(step, n_permutations - done)
        perm = rng.permuted(np.broadcast_to(pooled, (c, n)), axis=1)
        diff = perm[:, :na].mean(1) - perm[:, na:].mean(1)
        hits += int((np.abs(diff) >= observed - tol).sum())
        done += c
    return (1 + hits) / (1 + int(n_permutations))


def rank_biserial(a, b) -> tuple[float, float, float]:
    """Mann-Whitney U of ``a`` against ``b``, its two-sided p-value, and the rank-biserial r = 2U/(n_a n_b) - 1.

    r = P(a > b) - P(a < b) for one score drawn from each group (ties count half): +1 when every
    unit beats every random direction, 0 when neither tends to score higher. Explained in chapter 2,
    "Random directions".
    """
    from scipy.stats import mannwhitneyu

    a, b = _as_1d(a, "a"), _as_1d(b, "b")
    res = mannwhitneyu(a, b, alternative="two-sided")
    u = float(res.statistic)
    return u, float(res.pvalue), 2.0 * u / (len(a) * len(b)) - 1.0


def bootstrap_ci(
    a, b, *, n_bootstrap: int = 2000, level: float = 0.95, seed: int = 0, groups_a=None,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``mean(a) - mean(b)``, resampling each group on its own.

    ``groups_a`` (one id per entry of ``a``) makes it a cluster bootstrap for ``a``: whole groups
    are resampled, e.g. all positions of one convolutional channel, whose scores are correlated;
    the interval then reflects how many groups there are rather than how many units.
    Explained in chapter 2, "Random directions".
    """
    a, b = _as_1d(a, "a"), _as_1d(b, "b")
    if int(n_bootstrap) <= 0 or not 0 < level < 1:
        raise ValueError(f"need n_bootstrap > 0 and 0 < level < 1, got {n_bootstrap!r}, {level!r}")
    if groups_a is not None:
        g = np.asarray(groups_a.cpu() if isinstance(groups_a, torch.Tensor) else groups_a).reshape(-1)
        if len(g) != len(a):
            raise ValueError(f"groups_a has {len(g)} entries for {len(a)} scores: give one group id per score")
        _, inv = np.unique(g, return_inverse=True)
        sums, counts = np.bincount(inv, weights=a), np.bincount(inv).astype(np.float64)
        if len(sums) < 2:
            raise ValueError("groups_a puts every score in one group: a cluster bootstrap needs at least 2 groups")
    rng = np.random.default_rng(int(seed))
    diffs = np.empty(int(n_bootstrap))
    step = max(1, (1 << 21) // (len(a) + len(b)))
    for s in range(0, int(n_bootstrap), step):
        c = min(step, int(n_bootstrap) - s)
        if groups_a is None:
            ma = a[rng.integers(0, len(a), (c, len(a)))].mean(1)
        else:
            pick = rng.integers(0, len(sums), (c, len(sums)))
            ma = sums[pick].sum(1) / counts[pick].sum(1)
        mb = b[rng.integers(0, len(b), (c, len(b)))].mean(1)
        diffs[s : s + c] = ma - mb
    lo, hi = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def compare_scores(
    unit_scores, random_scores, *, score: str = "score", n_permutations: int = 10_000,
    n_bootstrap: int = 2000, level: float = 0.95, seed: int = 0,
) -> Comparison:
    """All three comparisons of units' against random directions' scores, in one :class:`Comparison`.

    The permutation test uses ``seed`` and the bootstrap ``seed + 1``. Explained in chapter 2, "Random directions".
    """
    a, b = _as_1d(unit_scores, "unit_scores"), _as_1d(random_scores, "random_scores")
    u, p_mw, r = rank_biserial(a, b)
    lo, hi = bootstrap_ci(a, b, n_bootstrap=n_bootstrap, level=level, seed=seed + 1)
    return Comparison(
        score=score, n_units=len(a), n_random=len(b), mean_units=float(a.mean()), mean_random=float(b.mean()),
        difference=float(a.mean() - b.mean()), ci_low=lo, ci_high=hi, ci_level=level,
        p_permutation=permutation_test(a, b, n_permutations=n_permutations, seed=seed),
        n_permutations=int(n_permutations), mann_whitney_u=u, p_mann_whitney=p_mw, rank_biserial=r,
    )
