"""Confidence intervals for the book's two kinds of estimate: a mean over images, and a rate.

A chapter that averages a distortion over a few thousand images, or counts how many images a
perturbation fools, prints the estimate with an interval that says how far a rerun on other
images could move it. Explained in chapter 3, "Box-constrained L-BFGS adversaries".
"""

from __future__ import annotations

import math
from statistics import NormalDist

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
