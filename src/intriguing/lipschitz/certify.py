"""What a Lipschitz bound certifies, and the lower estimate to set beside it.

The largest Jacobian norm over a batch (:func:`jacobian_norms`, :func:`empirical_lipschitz`) is a
lower estimate of a network's Lipschitz constant; a bound L gives the radius within which no
perturbation can change a decision (:func:`certified_radius`, and the sharper per-class-pair
:func:`certified_radius_pairwise`), in L2 and in the paper's per-pixel RMS measure
(:func:`rms_from_l2`). Explained in chapter 5, "Lipschitz bounds of layers".
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

__all__ = [
    "jacobian_norms",
    "empirical_lipschitz",
    "certified_radius",
    "certified_radius_pairwise",
    "rms_from_l2",
]


# --------------------------------------------------------------------------------------------
# empirical (lower) estimate and certified radius
# --------------------------------------------------------------------------------------------


def jacobian_norms(
    model: Callable[[Tensor], Tensor], x: Tensor, *, exact_max_out: int = 64, iters: int = 30, seed: int = 0
) -> Tensor:
    """Spectral norm of the Jacobian of the logit map at each image of a batch (``[B]``).

    For a piecewise-smooth network the local Lipschitz constant around x is at least ``||J(x)||``,
    and the global constant is at least the largest of them, so the max over a batch
    (:func:`empirical_lipschitz`) is a **lower** estimate to set beside the product bound. When the
    model has at most ``exact_max_out`` outputs the full Jacobian is built from one VJP per output
    and its norm is exact (``torch.linalg.matrix_norm(J, 2)``); otherwise ``iters`` power-iteration
    steps with a JVP and a VJP per step give a lower estimate. The model must treat images
    independently (eval mode: no batch statistics, no dropout).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"x must be a batch [B, ...] with B >= 1, got shape {tuple(x.shape)}")
    x = x.detach()
    out, vjp_fn = torch.func.vjp(model, x)
    if out.ndim != 2:
        raise ValueError(f"the model must return logits [B, K], got shape {tuple(out.shape)}")
    b, k = out.shape
    if k <= exact_max_out:
        rows = []
        for i in range(k):
            e = torch.zeros_like(out)
            e[:, i] = 1
            rows.append(vjp_fn(e)[0].reshape(b, -1))
        jac = torch.stack(rows, dim=1)  # [B, K, n]
        return torch.linalg.matrix_norm(jac, ord=2).detach()
    gen = torch.Generator(device=x.device).manual_seed(int(seed))
    v = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    v = v / v.flatten(1).norm(dim=1).view(-1, *[1] * (x.ndim - 1))
    est = torch.zeros(b, dtype=x.dtype, device=x.device)
    for _ in range(iters):
        _, jv = torch.func.jvp(model, (x,), (v,))
        w = vjp_fn(jv)[0]
        jn = jv.flatten(1).norm(dim=1)
        wn = w.flatten(1).norm(dim=1)
        est = torch.where(jn > 0, wn / jn.clamp_min(1e-300), torch.zeros_like(wn))
        v = w / wn.clamp_min(1e-300).view(-1, *[1] * (x.ndim - 1))
    return est.detach()


def empirical_lipschitz(model: Callable[[Tensor], Tensor], x: Tensor, **kw) -> Tensor:
    """Largest Jacobian spectral norm over a batch (:func:`jacobian_norms`): a lower estimate of the Lipschitz constant.

    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    return jacobian_norms(model, x, **kw).max()


def certified_radius(logits: Tensor, lipschitz: float | Tensor, target: Tensor | int | None = None) -> Tensor:
    """L2 radius within which no perturbation can change the decision, from a Lipschitz bound L of the logits.

    Let ``z(x)`` be the logits, ``i = argmax z(x)`` the decision and L an upper bound on the L2
    Lipschitz constant of ``x -> z(x)``. For any class j, ``g(x) = z_i(x) - z_j(x) = (e_i - e_j)^T z(x)``
    is ``sqrt(2)·L``-Lipschitz, since ``||e_i - e_j||_2 = sqrt(2)``. If ``x + r`` is classified j
    (``g(x + r) <= 0``), then ``m_j = g(x) <= |g(x) - g(x + r)| <= sqrt(2)·L·||r||_2``, so

        ||r||_2 >= (z_i(x) - z_j(x)) / (sqrt(2)·L).

    With ``target=None`` j ranges over all classes, so the radius uses the runner-up margin
    ``z_i - max_{j≠i} z_j`` and bounds every decision change; with a target (an int or ``[B]``
    labels) it bounds the perturbations that reach that target (0 where the target already is the
    decision). A strictly smaller ``||r||_2`` keeps ``z_i > z_j``. The bound is attained by a linear
    two-class model with opposite weight rows; :func:`certified_radius_pairwise` bounds the margin
    map itself (``||w_i - w_j||`` for the last linear layer instead of ``sqrt(2)·||W||``).
    Returns ``[B]`` radii in the input's L2 norm; :func:`rms_from_l2` converts to the paper's
    measure.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"logits must be [B, K] with K >= 2 classes, got shape {tuple(logits.shape)}")
    lip = torch.as_tensor(lipschitz, dtype=logits.dtype, device=logits.device)
    if not bool(torch.all(lip > 0)):
        raise ValueError(f"the Lipschitz bound must be positive, got {lipschitz}")
    top, pred = logits.max(dim=1)
    if target is None:
        other = logits.scatter(1, pred[:, None], float("-inf")).max(dim=1).values
    else:
        t = torch.as_tensor(target, device=logits.device, dtype=torch.long).expand(logits.shape[0])
        if bool(((t < 0) | (t >= logits.shape[1])).any()):
            raise ValueError(f"target labels must be in [0, {logits.shape[1]}), got {target}")
        other = logits.gather(1, t[:, None])[:, 0]
    margin = (top - other).clamp_min(0)
    return margin / (math.sqrt(2.0) * lip)


def certified_radius_pairwise(
    logits: Tensor, last_weight: Tensor, feature_lipschitz: float | Tensor, target: Tensor | int | None = None
) -> Tensor:
    """A sharper certified L2 radius: the last linear layer's rows per class pair instead of sqrt(2)·||W||.

    Write the logits as ``z(x) = W h(x) + b`` with ``h`` (everything before the last linear layer)
    F-Lipschitz. For the decision ``i`` and a class ``j`` the margin ``g = z_i - z_j =
    (w_i - w_j)^T h + b_i - b_j`` is ``||w_i - w_j||_2 · F``-Lipschitz, so reaching j needs

        ||r||_2 >= (z_i(x) - z_j(x)) / (||w_i - w_j||_2 · F).

    Since ``||w_i - w_j|| = ||W^T (e_i - e_j)|| <= sqrt(2)·||W||``, this is never below
    :func:`certified_radius` with ``L = ||W||·F``; for a linear model (``h`` the identity, F = 1)
    it is the exact distance to the hyperplane where z_j overtakes z_i. ``target`` as in
    :func:`certified_radius` (None: the smallest radius over all j ≠ i). Returns ``[B]`` radii.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"logits must be [B, K] with K >= 2 classes, got shape {tuple(logits.shape)}")
    if last_weight.ndim != 2 or last_weight.shape[0] != logits.shape[1]:
        raise ValueError(
            f"last_weight must be the last linear layer's [K, features] matrix with K = {logits.shape[1]} rows "
            f"(one per logit), got shape {tuple(last_weight.shape)}"
        )
    lip = torch.as_tensor(feature_lipschitz, dtype=logits.dtype, device=logits.device)
    if not bool(torch.all(lip > 0)):
        raise ValueError(f"the Lipschitz bound of the features must be positive, got {feature_lipschitz}")
    w = last_weight.detach().to(device=logits.device, dtype=logits.dtype)
    pair = torch.cdist(w[None], w[None])[0]  # [K, K] ||w_i - w_j||
    top, pred = logits.max(dim=1)
    margin = (top[:, None] - logits).clamp_min(0)  # [B, K]
    scale = pair[pred] * lip  # [B, K]
    radius = torch.where(scale > 0, margin / scale.clamp_min(torch.finfo(logits.dtype).tiny),
                         torch.full_like(margin, float("inf")))
    radius = radius.scatter(1, pred[:, None], float("inf"))  # j = i: no change of decision
    if target is None:
        return radius.min(dim=1).values
    t = torch.as_tensor(target, device=logits.device, dtype=torch.long).expand(logits.shape[0])
    if bool(((t < 0) | (t >= logits.shape[1])).any()):
        raise ValueError(f"target labels must be in [0, {logits.shape[1]}), got {target}")
    out = radius.gather(1, t[:, None])[:, 0]
    return torch.where(t == pred, torch.zeros_like(out), out)


def rms_from_l2(l2: Tensor | float, n_pixels: int = 784) -> Tensor | float:
    """The paper's distortion measure ``sqrt(Σ r_i² / n)`` from an L2 norm: ``||r||_2 / sqrt(n)`` (28 for MNIST).

    (From the images themselves it is :func:`intriguing.attacks.rms_distortion`.) Explained in
    chapter 5, "Lipschitz bounds of layers".
    """
    if n_pixels < 1:
        raise ValueError(f"n_pixels must be positive, got {n_pixels}")
    return l2 / math.sqrt(n_pixels)
