"""The exact smallest targeted perturbation of a softmax (linear) model under the [0, 1] box.

For a linear classifier with logits ``W x + b`` the smallest perturbation ``r`` that makes the
target ``t`` win every other class ``j`` by at least ``margin``, with the image kept in the box,
is the convex quadratic programme

    minimise   |r|²   subject to   (w_t - w_j)·(x + r) + b_t - b_j ≥ margin   for all j ≠ t,
                                   0 ≤ x + r ≤ 1,

one per image (784 variables, 9 + 2·784 linear inequalities). :func:`exact_minimum` solves it
with Clarabel, an interior-point solver that returns a certified optimum, image by image. With
``margin = 0`` the optimum is the infimum of the distortion of every image that the model
assigns to the target, so no attack can beat it (a lower bound with no slack); with the
attacks' own margin it is the exact optimum of the problem the attacks approximate. Used in
chapter 7, "What came after: later attacks and exact minima".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from intriguing import _checks

#: Solver tolerances (Clarabel's defaults are 1e-8): tight, so the optimum's relative error is
#: far below every difference the book reports.
TOLERANCE = 1e-10


@dataclass
class ExactMinimum:
    """Per-image optimum of the QP (all tensors of length ``B`` on the CPU, float64).

    ``images`` is ``x + r`` (clipped to the box, which moves it by at most the solver's
    tolerance), ``success`` says the solver certified an optimum (False where the target
    cannot win inside the box: then ``images`` is the original image and the distances NaN),
    ``distortion`` is the paper's RMS ``|r| / sqrt(784)``, ``l2`` is ``|r|``, ``margin`` the
    target's logit minus the largest other logit at ``images`` (float64), ``iterations`` the
    interior-point iterations per image.
    """

    images: torch.Tensor
    success: torch.Tensor
    distortion: torch.Tensor
    l2: torch.Tensor
    margin: torch.Tensor
    target: torch.Tensor
    iterations: torch.Tensor

    def __len__(self) -> int:
        return len(self.target)


def linear_weights(model: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """``(W, b)`` of a model that is one ``nn.Linear`` layer (a zoo ``FC10`` softmax), in float64.

    Raises ``ValueError`` for any other model: the QP is exact only for a linear classifier.
    """
    layers = [m for m in model.modules() if len(list(m.children())) == 0 and any(True for _ in m.parameters())]
    if len(layers) != 1 or not isinstance(layers[0], nn.Linear) or layers[0].bias is None:
        raise ValueError("exact_minimum needs a linear model (one nn.Linear layer with a bias, such as the "
                         f"zoo's FC10 models); got {type(model).__name__} with {len(layers)} parametrised layers")
    lin = layers[0]
    return lin.weight.detach().double().cpu(), lin.bias.detach().double().cpu()


def _settings():
    import clarabel

    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = TOLERANCE
    s.max_iter = 200
    return s


def _solve_one(W: np.ndarray, b: np.ndarray, x: np.ndarray, t: int, margin: float, settings):
    import clarabel

    m = x.size
    others = [j for j in range(W.shape[0]) if j != t]
    D = W[t][None, :] - W[others]  # [k-1, m]
    e = b[t] - b[others]
    eye = sp.identity(m, format="csc")
    # Clarabel: minimise ½ r'Pr + q'r subject to A r + s = h, s ≥ 0 (the nonnegative cone)
    A = sp.vstack([sp.csc_matrix(-D), eye, -eye], format="csc")
    h = np.concatenate([D @ x + e - margin, 1.0 - x, x])
    P = sp.triu(2.0 * eye, format="csc")
    solver = clarabel.DefaultSolver(P, np.zeros(m), A, h, [clarabel.NonnegativeConeT(A.shape[0])], settings)
    sol = solver.solve()
    ok = sol.status == clarabel.SolverStatus.Solved
    return (np.asarray(sol.x) if ok else None), ok, int(sol.iterations)


def exact_minimum(model: nn.Module, x: torch.Tensor, target: torch.Tensor, *, margin: float = 0.0) -> ExactMinimum:
    """Smallest targeted perturbation of every image of ``x`` [B, 784] in [0, 1] toward ``target``.

    ``model`` is a linear classifier (see :func:`linear_weights`); ``margin ≥ 0`` is the
    logit margin the target must win by (0: the infimum over all images assigned to the
    target, a lower bound on every attack's distortion; :class:`intriguing.attacks.LBFGSConfig`'s
    ``margin``: the problem the book's L-BFGS approximates). Images are solved one after the
    other on the CPU (about 10-30 ms each). An image whose target already wins by ``margin``
    gets ``r = 0``. Explained in chapter 7, "What came after: later attacks and exact minima".
    """
    _checks.images("x", x)
    _checks.labels("target", target, len(x))
    _checks.in_box("x", x)
    _checks.number("exact_minimum", "margin", margin, strict=False)
    W, b = linear_weights(model)
    if W.shape[1] != x.shape[1]:
        raise ValueError(f"the model takes {W.shape[1]} inputs but x has {x.shape[1]} pixels per image")
    if int(target.min()) < 0 or int(target.max()) >= W.shape[0]:
        raise ValueError(f"target labels must lie in 0..{W.shape[0] - 1}")
    Wn, bn = W.numpy(), b.numpy()
    X = x.detach().double().cpu().numpy()
    T = target.detach().cpu().tolist()
    settings = _settings()
    images = X.copy()
    success = np.zeros(len(X), dtype=bool)
    iterations = np.zeros(len(X), dtype=np.int64)
    for i, (xi, t) in enumerate(zip(X, T)):
        logits = Wn @ xi + bn
        if logits[t] - np.delete(logits, t).max() >= margin:
            success[i] = True  # already the target: r = 0
            continue
        r, ok, iterations[i] = _solve_one(Wn, bn, xi, t, float(margin), settings)
        if ok:
            images[i] = np.clip(xi + r, 0.0, 1.0)
            success[i] = True
    adv = torch.from_numpy(images)
    x64 = torch.from_numpy(X)
    l2 = (adv - x64).norm(dim=1)
    logits = adv @ W.T + b
    t_ = target.detach().cpu().long()
    top = logits.gather(1, t_[:, None])[:, 0]
    other = logits.scatter(1, t_[:, None], -math.inf).amax(1)
    ok = torch.from_numpy(success)
    nan = torch.full_like(l2, math.nan)
    return ExactMinimum(
        images=torch.where(ok[:, None], adv, x64),
        success=ok,
        distortion=torch.where(ok, l2 / math.sqrt(x.shape[1]), nan),
        l2=torch.where(ok, l2, nan),
        margin=top - other,
        target=t_.clone(),
        iterations=torch.from_numpy(iterations),
    )


def minimum_set(model_name: str, n: int, *, margin: float = 0.0, device: str | torch.device | None = "auto",
                mnist=None) -> dict:
    """:func:`exact_minimum` for zoo softmax ``model_name`` on the first ``n`` training images, cached.

    The targets are those of the book's L-BFGS sets (:func:`intriguing.attacks.random_targets`
    with seed 0, keyed by each image's index). Returns the fields of :class:`ExactMinimum` as a
    dict of CPU tensors (plus ``indices``). Explained in chapter 7, "What came after: later
    attacks and exact minima".
    """
    import sys

    from intriguing import attacks, cache, zoo
    from intriguing.data import load_mnist
    from intriguing.runtime import pick_device

    import clarabel

    _checks.number("minimum_set", "margin", margin, strict=False)
    dev = device if isinstance(device, torch.device) else pick_device(device)
    trained = zoo.get_model(model_name, mnist=mnist, device=dev)
    linear_weights(trained.model)  # refuse a non-linear model before any work
    data = (mnist or load_mnist()).to(dev)
    x_all, y_all = data.subset("train")
    _checks.positive_int("minimum_set", "n", n)
    if n > len(x_all):
        raise ValueError(f"n must be at most {len(x_all)} (the training images), got {n}")
    key = {"model": zoo.cache_key(trained.spec, data, dev), "n": n, "margin": float(margin),
           "tolerance": TOLERANCE, "clarabel": clarabel.__version__,
           "code": cache.code_version(sys.modules[__name__], attacks)}

    def compute() -> dict:
        idx = torch.arange(n)
        target = attacks.random_targets(y_all[:n].cpu(), idx, seed=0)
        res = exact_minimum(trained.model, x_all[:n].cpu(), target, margin=margin)
        out = {k: getattr(res, k) for k in ("images", "success", "distortion", "l2", "margin", "target",
                                            "iterations")}
        out["indices"] = idx
        return out

    return cache.load_or_compute("exact_minimum", key, compute)
