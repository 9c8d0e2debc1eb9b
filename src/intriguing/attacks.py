"""Box-constrained L-BFGS adversaries (Szegedy et al. 2014, Sec. 4.1), batched in torch.

For an image ``x`` and a target label ``l`` the paper approximates the closest image to ``x``
that the classifier labels ``l`` by solving, for a penalty weight ``c > 0``,

    minimise   c · |r|²  +  loss_f(x + r, l)     subject to   x + r ∈ [0, 1]^m,

with box-constrained L-BFGS, and searching over ``c``. Our reading of the unstated details
(explained in chapter 3, "Box-constrained L-BFGS adversaries"):

* ``|r|²`` is the **squared** L2 norm (smooth, as in Carlini & Wagner's restatement and the
  library "L-BFGS attacks"); ``loss_f`` is the cross-entropy of the softmax of the logits.
* A large ``c`` keeps ``r`` small until the attack fails; a small ``c`` lets the loss win with a
  large ``r``. The paper's "minimum c > 0 for which f(x + r) = l" is therefore inverted: the
  smallest distortion comes from the **largest** ``c`` that still succeeds, and that is what the
  search looks for (multiply ``c`` by ``c_factor`` while the solve succeeds, divide while it
  fails, then bisect in log-space between the largest success and the smallest failure).
* Distortion is the paper's per-pixel RMS ``sqrt(Σ r² / n)`` with ``n = 784``.

The engine solves a whole batch at once: every image has its own ``c``, its own L-BFGS memory,
step length, convergence test and best point so far, all held in tensors; the Python loop runs
over rounds (one forward+backward pass each), never over images, and an image moves on to its
next ``c`` as soon as its own solve ends. The inner solver is a two-metric projected L-BFGS (the
L-BFGS-B idea without its generalised Cauchy point): variables at a bound whose gradient pushes
outward are held, the direction is the L-BFGS inverse Hessian (compact form) applied to the
gradient of the free variables, and a projected backtracking line search (Armijo, quadratic
interpolation) keeps every iterate inside the box. :func:`scipy_reference_attack` is the same
attack with scipy's L-BFGS-B, image by image, for checking.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

#: Pixels of an MNIST image: the ``n`` of the paper's distortion ``sqrt(Σ r² / n)``.
N_PIXELS = 784

#: How the target label of each image is chosen (see :func:`attack`).
TARGET_RULES = ("random", "runner-up", "nearest")

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_ARMIJO = 1e-4  # sufficient-decrease constant of the line search (the usual value)


@dataclass(frozen=True)
class LBFGSConfig:
    """Settings of the attack (the paper gives none of them: these are the book's choices).

    Search over ``c``: at most ``search_steps`` solves per image, starting at ``c_init``; ``c``
    is multiplied by ``c_factor`` after a success and divided after a failure until both have
    been seen, then the bracket is bisected in log-space; an image stops early once the
    bracket is narrower than ``1 + c_rtol``. Each solve: ``max_iter``, ``history`` (the L-BFGS
    memory, scipy's ``maxcor``), ``pgtol``, ``ftol`` and ``max_linesearch`` mean what they mean
    for scipy's L-BFGS-B. ``ftol`` is loose (scipy's default is 2.2e-9): a solve only has to
    tell success from failure, the best point is kept from every evaluation, and on the zoo
    models a tight ``ftol`` changed mean distortions by under 0.1% at 1.5-2 times the cost.
    A point counts as successful only if the target's logit beats every other logit by at
    least ``margin`` (see :func:`lbfgs_attack`). ``dtype`` is ``"float32"`` or ``"float64"``.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """

    c_init: float = 1.0
    c_factor: float = 4.0
    search_steps: int = 10
    c_rtol: float = 0.02
    max_iter: int = 100
    history: int = 5
    pgtol: float = 1e-5
    ftol: float = 1e-4
    max_linesearch: int = 20
    margin: float = 1e-3
    dtype: str = "float32"

    def __post_init__(self):
        positive = {"c_init": self.c_init, "pgtol": self.pgtol, "margin": self.margin}
        for name, value in positive.items():
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"LBFGSConfig.{name} must be a positive finite number, got {value!r}")
        if not (isinstance(self.c_rtol, (int, float)) and math.isfinite(self.c_rtol) and self.c_rtol >= 0):
            raise ValueError(f"LBFGSConfig.c_rtol must be a finite number >= 0, got {self.c_rtol!r}")
        if not (isinstance(self.c_factor, (int, float)) and math.isfinite(self.c_factor) and self.c_factor > 1):
            raise ValueError(f"LBFGSConfig.c_factor must be a finite number > 1, got {self.c_factor!r}")
        for name in ("search_steps", "max_iter", "history", "max_linesearch"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"LBFGSConfig.{name} must be a positive integer, got {value!r}")
        if not (isinstance(self.ftol, (int, float)) and math.isfinite(self.ftol) and self.ftol >= 0):
            raise ValueError(f"LBFGSConfig.ftol must be a finite number >= 0, got {self.ftol!r}")
        if self.dtype not in _DTYPES:
            raise ValueError(f"LBFGSConfig.dtype must be one of {list(_DTYPES)}, got {self.dtype!r}")

    @property
    def torch_dtype(self) -> torch.dtype:
        return _DTYPES[self.dtype]

    def asdict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class AttackResult:
    """Per-image outcome of an attack, all tensors of length ``B`` (images ``[B, m]``).

    ``success`` is the confirmed flag (see :func:`lbfgs_attack`). For a failed image ``images``
    holds the original image, ``distortion``, ``l2`` and ``c`` are NaN, so a failure can never
    be mistaken for (or averaged in with) a found adversarial example. ``evaluations`` counts
    the forward+backward passes spent on the image.
    """

    images: torch.Tensor
    success: torch.Tensor
    distortion: torch.Tensor  # the paper's sqrt(Σ r² / n), n = 784
    l2: torch.Tensor  # plain L2 norm of r
    c: torch.Tensor  # penalty weight of the solve that produced the returned point
    target: torch.Tensor
    evaluations: torch.Tensor

    def __len__(self) -> int:
        return len(self.success)

    def to(self, device) -> AttackResult:
        return AttackResult(**{f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)})

    @staticmethod
    def cat(parts: list[AttackResult]) -> AttackResult:
        return AttackResult(**{f.name: torch.cat([getattr(p, f.name) for p in parts])
                               for f in dataclasses.fields(AttackResult)})


# ----------------------------------------------------------------------------------------------
# small shared pieces


def rms_distortion(x_adv: torch.Tensor, x: torch.Tensor, n: int = N_PIXELS) -> torch.Tensor:
    """The paper's distortion ``sqrt(Σ (x'-x)² / n)`` per image, with ``n = 784`` pixels.

    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    return (x_adv - x).pow(2).sum(-1).div(n).sqrt()


def target_margin(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Target logit minus the largest other logit (positive iff the target is the unique argmax).

    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    t = logits.gather(1, target[:, None])[:, 0]
    others = logits.scatter(1, target[:, None], float("-inf"))
    return t - others.amax(1)


def next_c(c: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, success: torch.Tensor, factor: float):
    """One step of the search over ``c``: returns the updated ``(c, lo, hi)``.

    ``lo`` is the largest ``c`` whose solve succeeded (0 if none), ``hi`` the smallest that
    failed (inf if none). Success pushes ``c`` up, failure down, by ``factor`` until both
    exist; then ``c`` is the geometric mean of the bracket. Explained in chapter 3.
    """
    lo = torch.where(success, torch.maximum(lo, c), lo)
    hi = torch.where(success, hi, torch.minimum(hi, c))
    bisect = (lo * hi).sqrt()
    c = torch.where(torch.isinf(hi), c * factor, torch.where(lo == 0, c / factor, bisect))
    return c, lo, hi


def search_finished(lo: torch.Tensor, hi: torch.Tensor, solves: torch.Tensor, cfg: LBFGSConfig) -> torch.Tensor:
    """An image's search over ``c`` is over after ``cfg.search_steps`` solves, or once the bracket
    ``[lo, hi]`` between its largest success and smallest failure is narrower than ``1 + c_rtol``
    (a few percent in ``c`` moves the distortion by a fraction of a percent). Explained in chapter 3.
    """
    return (solves >= cfg.search_steps) | ((lo > 0) & (hi <= lo * (1 + cfg.c_rtol)))


def _check_inputs(model: nn.Module, x: torch.Tensor, target: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 2 or not x.is_floating_point():
        raise ValueError(f"x must be a float tensor [B, m] of flattened images, got "
                         f"{getattr(x, 'shape', type(x))} {getattr(x, 'dtype', '')}")
    if not isinstance(target, torch.Tensor) or target.shape != (len(x),) or target.dtype != torch.long:
        raise ValueError(f"target must be an int64 tensor of shape [{len(x)}] (one label per image), got "
                         f"{getattr(target, 'shape', type(target))} {getattr(target, 'dtype', '')}")
    if len(x) and (x.min() < 0 or x.max() > 1 or not torch.isfinite(x).all()):
        raise ValueError("x must lie in the box [0, 1]: scale pixels to [0, 1] before attacking")
    if target.device != x.device:
        raise ValueError(f"target is on {target.device} but x on {x.device}: put them on one device")
    if model.training:
        raise ValueError("the model is in training mode (dropout or batch norm would make the attack random "
                         "and couple the images): call model.eval() first")
    p = next(model.parameters(), None)
    if p is not None and p.device != x.device:
        raise ValueError(f"the model is on {p.device} but x on {x.device}: move one of them")


def _model_in(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """The model with parameters in ``dtype`` (a frozen eval-mode copy when a cast is needed)."""
    p = next(model.parameters(), None)
    if p is None or p.dtype == dtype:
        return model
    return copy.deepcopy(model).to(dtype).eval().requires_grad_(False)


# ----------------------------------------------------------------------------------------------
# the batched engine


def _evaluate(model: nn.Module, z: torch.Tensor, x0: torch.Tensor, target: torch.Tensor, c: torch.Tensor):
    """Objective ``c|z - x0|² + CE(model(z), target)`` per image, its gradient, target margin and ``|z - x0|²``.

    One forward and one backward pass for the whole batch (images are independent, so the
    gradient of the summed loss is every image's own gradient).
    """
    with torch.enable_grad():
        zg = z.detach().requires_grad_(True)
        logits = model(zg)
        ce = F.cross_entropy(logits, target, reduction="none")
        (grad,) = torch.autograd.grad(ce.sum(), zg)
    r = z - x0
    d2 = (r * r).sum(1)
    f = torch.addcmul(ce.detach(), c, d2)
    grad = grad.addcmul_(r, c[:, None], value=2.0)
    return f, grad, target_margin(logits.detach(), target), d2


def _projected_gradient(z: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """``P(z - g) - z`` with ``P`` the projection on the box: zero exactly on the variables held at a bound.

    A variable at 0 with ``g >= 0`` or at 1 with ``g <= 0`` is held (the quasi-Newton step
    leaves it where it is); its infinity norm is L-BFGS-B's ``pgtol`` test.
    """
    return (z - g).clamp_(0, 1).sub_(z)


def _first_step(q: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """First step along ``-q``: scipy's ``min(1, 1/|q|)``, and never longer than ``1/(2c)``.

    ``1/(2c)`` is the Newton step of the penalty alone (its curvature is ``2c``); capping at it
    saves a rejected trial or two at the start of most solves.
    """
    return torch.minimum(q.norm(dim=1).clamp_min(1.0).reciprocal(), 0.5 / c)


def _inverse_hessian_coefficients(Pq: torch.Tensor, SY: torch.Tensor, YY: torch.Tensor, gamma: torch.Tensor,
                                  head: torch.Tensor, nhist: torch.Tensor) -> torch.Tensor:
    """Coefficients ``k`` (slot order, ``[B, 2M]``) with ``H q = γ q + Σ_i k_i P_i`` for every image.

    ``P`` stacks the M steps ``s`` over the M gradient changes ``y`` and ``Pq = P·q``. This is
    the compact form of the L-BFGS inverse Hessian (Byrd, Nocedal & Schnabel 1994):
    ``H = γI + [S γY] [[R⁻ᵀ(D + γYᵀY)R⁻¹, -R⁻ᵀ], [-R⁻¹, 0]] [S γY]ᵀ`` with ``R`` the upper
    triangle of ``SᵀY`` in chronological order and ``D`` its diagonal. It equals the two-loop
    recursion but needs only ``P·q`` and the small Gram matrices, so the stored pairs are read
    once per product. Empty slots hold zero vectors and an identity row of ``R``: they drop out.
    """
    B, M = SY.shape[:2]
    ar = torch.arange(M, device=head.device)
    perm = (head[:, None] + ar) % M  # slot of the oldest ... newest pair
    flat = (perm[:, :, None] * M + perm[:, None, :]).flatten(1)
    sy = SY.flatten(1).gather(1, flat).view(B, M, M)
    yy = YY.flatten(1).gather(1, flat).view(B, M, M)
    R = sy.triu()
    R.diagonal(dim1=1, dim2=2).add_(ar < (M - nhist)[:, None])  # identity rows for empty slots
    perm2 = torch.cat([perm, perm + M], 1)
    pq = Pq.gather(1, perm2)
    w = torch.linalg.solve_triangular(R, pq[:, :M, None], upper=True)
    gm = gamma[:, None, None]
    v = sy.diagonal(dim1=1, dim2=2)[:, :, None] * w + gm * (yy @ w - pq[:, M:, None])
    top = torch.linalg.solve_triangular(R.transpose(1, 2), v, upper=False)
    back = (ar - head[:, None]) % M  # chronological position of each slot (a gather, not a scatter:
    back = torch.cat([back, back + M], 1)  # deterministic on CUDA)
    return torch.cat([top, -gm * w], 1)[:, :, 0].gather(1, back)


def _empty_history(n: int, M: int, m: int, like: torch.Tensor) -> dict[str, torch.Tensor]:
    """An empty L-BFGS memory: ``P`` holds the steps s (rows 0..M-1) and gradient changes y (rows
    M..2M-1) in a ring of M slots per image (``head`` = next slot to write), with the Gram
    matrices ``SY[i, j] = s_i·y_j`` and ``YY[i, j] = y_i·y_j`` in slot order."""
    long = torch.zeros(n, dtype=torch.long, device=like.device)
    return {"P": like.new_zeros(n, 2 * M, m), "SY": like.new_zeros(n, M, M), "YY": like.new_zeros(n, M, M),
            "gamma": like.new_ones(n), "head": long, "nhist": long.clone()}


def _forget(W: dict[str, torch.Tensor], rows: torch.Tensor) -> None:
    """Empty the L-BFGS memory of images ``rows`` (in place)."""
    W["P"][rows] = 0
    for key in ("SY", "YY"):
        W[key] = W[key].index_fill(0, rows, 0.0)
    W["gamma"] = W["gamma"].index_fill(0, rows, 1.0)
    W["head"], W["nhist"] = W["head"].index_fill(0, rows, 0), W["nhist"].index_fill(0, rows, 0)


def _quasi_newton(W: dict[str, torch.Tensor], q: torch.Tensor, free: torch.Tensor, Pq: torch.Tensor,
                  step: torch.Tensor):
    """Search direction ``d = -H q`` on the free variables, its slope ``g·d`` and first step length 1.

    Where ``step`` holds and there is no memory, or rounding made ``-H q`` no descent
    direction, the direction is ``-q`` with the first step of :func:`_steepest`.
    """
    k = _inverse_hessian_coefficients(Pq, W["SY"], W["YY"], W["gamma"], W["head"], W["nhist"])
    hq = torch.bmm(k[:, None, :], W["P"])[:, 0]
    d = torch.addcmul(q * (-W["gamma"][:, None]), hq, free, value=-1.0)
    gd = torch.linalg.vecdot(d, q)  # = g·d, as d is zero off the free variables
    t = torch.ones_like(gd)
    steepest = step & ((gd >= 0) | (W["nhist"] == 0))
    if bool(steepest.any()):
        rows = steepest.nonzero()[:, 0]
        d[rows] = -q[rows]
        gd[rows] = -torch.linalg.vecdot(q[rows], q[rows])
        t[rows] = _first_step(q[rows], W["c"][rows])
    return d, gd, t


def _search(model: nn.Module, x0: torch.Tensor, target: torch.Tensor, cfg: LBFGSConfig):
    """The whole search: ``cfg.search_steps`` projected L-BFGS solves per image, all images at once.

    One loop, one trial point per unfinished image and round, one forward+backward pass per
    round. Each image runs its own sequence of solves: when its solve ends (converged, stuck or
    out of iterations) its ``c`` moves by :func:`next_c` (success = its end point reaches the
    target with ``cfg.margin``) and its next solve starts at once, with an empty L-BFGS memory,
    from its best point (else from the end point), without waiting for the other images
    (:func:`_next_solve`). Every evaluated point, line-search trials included, is offered to
    the image's best point: the lowest-distortion point whose target margin is at least
    ``cfg.margin``. Finished images are frozen and dropped from the batch once a quarter of it
    has finished. Returns the best points (``x``, ``d2``, ``c``, ...) and the number of
    forward+backward passes spent on each image.
    """
    n, m = x0.shape
    M, dev, dtype = cfg.history, x0.device, x0.dtype
    eps = torch.finfo(dtype).eps
    c = torch.full((n,), float(cfg.c_init), dtype=dtype, device=dev)
    best = {"x": x0.clone(), "d2": torch.full((n,), math.inf, dtype=dtype, device=dev),
            "c": torch.full((n,), math.nan, dtype=dtype, device=dev), "ce": x0.new_zeros(n),
            "gce": torch.zeros_like(x0), "margin": x0.new_zeros(n)}
    evaluations = torch.ones(n, dtype=torch.long, device=dev)
    zeros = torch.zeros(n, dtype=torch.long, device=dev)  # (tensors are never modified in place here)
    pos = torch.arange(n, device=dev)
    f, g, margin, d2 = _evaluate(model, x0, x0, target, c)
    _offer(best, pos, x0, x0, f, g, margin, d2, c, torch.ones(n, dtype=torch.bool, device=dev), cfg)
    W = {"pos": pos, "x0": x0, "target": target, "c": c, "lo": x0.new_zeros(n),
         "hi": torch.full((n,), math.inf, dtype=dtype, device=dev), "solves": zeros,
         "z": x0.clone(), "f": f, "g": g, "margin": margin, "iters": zeros, "tries": zeros, "evals": zeros + 1,
         "live": torch.ones(n, dtype=torch.bool, device=dev), **_empty_history(n, M, m, x0)}
    W.update(_steepest(x0, g, c))
    at_target = best["d2"] == 0  # already labelled l with the margin: nothing to search
    W["live"], W["t"] = ~at_target, W["t"].masked_fill(at_target, 0.0)
    slots = torch.arange(M, device=dev)
    while bool(W["live"].any()):
        z, f, g, d, t, gd, live, pos = (W[k] for k in ("z", "f", "g", "d", "t", "gd", "live", "pos"))
        B = len(z)
        # one trial point per image on the projected path z + t·d, one pass for the batch
        zt = torch.addcmul(z, t[:, None], d).clamp_(0, 1)
        ft, gt, mt, d2 = _evaluate(model, zt, W["x0"], W["target"], W["c"])
        _offer(best, pos, zt, W["x0"], ft, gt, mt, d2, W["c"], live, cfg)
        W["evals"] = W["evals"] + live
        V = z.new_empty(B, 3, m)  # s, y and the free gradient q side by side: one read of the memory
        s, y, q = torch.sub(zt, z, out=V[:, 0]), torch.sub(gt, g, out=V[:, 1]), V[:, 2]
        gs, sy, yy = torch.linalg.vecdot(g, s), torch.linalg.vecdot(s, y), torch.linalg.vecdot(y, y)
        finite = torch.isfinite(ft)
        accept = live & (gs < 0) & (ft <= f + _ARMIJO * gs) & finite  # Armijo on the projected step
        store = accept & (sy > eps * yy)  # curvature pair kept only if s·y > eps·y·y, as in L-BFGS-B
        head, P = W["head"], W["P"]
        if bool(store.any()):
            rows = store.nonzero()[:, 0]
            P[rows, head[rows]] = s[rows]
            P[rows, M + head[rows]] = y[rows]
        # the new iterate: the trial point where accepted (in place: zt and gt are not needed any more)
        keep_old = (~accept).nonzero()[:, 0]
        zt[keep_old], gt[keep_old] = z[keep_old], g[keep_old]
        z_new, g_new = zt, gt
        pg = _projected_gradient(z_new, g_new)
        free = pg != 0
        torch.mul(g_new, free, out=q)
        dots = torch.bmm(V, P.transpose(1, 2))  # [B, 3, 2M]
        here = (slots[None, :] == head[:, None]) & store[:, None]  # the slot just written
        row, col = here[:, :, None], here[:, None, :]
        ys, sy_col, yy_row = dots[:, 0, M:], dots[:, 1, :M], dots[:, 1, M:]
        small_change = (f - ft) <= cfg.ftol * torch.maximum(f.abs(), ft.abs()).clamp_min_(1.0)  # scipy's test
        W.update(z=z_new, f=torch.where(accept, ft, f), g=g_new, margin=torch.where(accept, mt, W["margin"]),
                 SY=torch.where(col, sy_col[:, :, None], torch.where(row, ys[:, None, :], W["SY"])),
                 YY=torch.where(col, yy_row[:, :, None], torch.where(row, yy_row[:, None, :], W["YY"])),
                 gamma=torch.where(store, sy / yy.where(store, 1.0), W["gamma"]),
                 head=torch.where(store, (head + 1) % M, head),
                 nhist=torch.where(store, (W["nhist"] + 1).clamp_max(M), W["nhist"]),
                 iters=W["iters"] + accept.long())
        # accepted: the quasi-Newton direction; rejected: safeguarded quadratic backtracking
        dq, gdq, tq = _quasi_newton(W, q, free, dots[:, 2], step=accept)
        denom = 2 * (ft - f - gd * t)
        t_quad = torch.where((denom > 0) & finite, -gd * t * t / denom.where(denom > 0, 1.0), 0.5 * t)
        t_back = torch.minimum(torch.maximum(t_quad, 0.1 * t), 0.5 * t)
        tries = torch.where(accept, torch.zeros_like(W["tries"]), W["tries"] + 1)
        dq[keep_old] = d[keep_old]
        d = dq
        gd = torch.where(accept, gdq, gd)
        t = torch.where(accept, tq, t_back)
        stuck = live & ~accept & (tries >= cfg.max_linesearch)
        failed = stuck & (W["nhist"] == 0)
        restart = stuck & (W["nhist"] > 0)  # as L-BFGS-B: drop the memory, retry along -g
        if bool(restart.any()):
            rows = restart.nonzero()[:, 0]
            _forget(W, rows)
            tries = tries.masked_fill(restart, 0)
            d[rows] = -q[rows]
            gd[rows] = -torch.linalg.vecdot(q[rows], q[rows])
            t[rows] = _first_step(q[rows], W["c"][rows])
        W.update(tries=tries, d=d, gd=gd, t=t)
        converged = accept & (small_change | (pg.abs().amax(1) <= cfg.pgtol))
        ended = live & (converged | failed | (W["iters"] >= cfg.max_iter))
        if bool(ended.any()):
            W = _next_solve(W, ended, best, cfg)
            live = W["live"]
            if 4 * int(live.sum()) <= 3 * len(live):
                evaluations[W["pos"][~live]] = W["evals"][~live]
                W = {k: v[live] for k, v in W.items()}
    evaluations[W["pos"]] = W["evals"]
    return best, evaluations


def _offer(best, pos, z, x0, f, g, margin, d2, c, live, cfg) -> None:
    """Keep ``z`` as an image's best point where it reaches the target with the margin and is closer.

    The best point's cross-entropy and its gradient are kept too, so the next solve can start
    there without evaluating it again.
    """
    ok = (margin >= cfg.margin) & (d2 < best["d2"][pos]) & live
    if bool(ok.any()):
        rows = ok.nonzero()[:, 0]
        at, cr = pos[rows], c[rows]
        best["x"][at] = z[rows]
        best["d2"][at], best["c"][at], best["margin"][at] = d2[rows], cr, margin[rows]
        best["ce"][at] = f[rows] - cr * d2[rows]
        best["gce"][at] = torch.addcmul(g[rows], z[rows] - x0[rows], cr[:, None], value=-2.0)


def _steepest(z: torch.Tensor, g: torch.Tensor, c: torch.Tensor) -> dict[str, torch.Tensor]:
    """First direction of a solve: projected steepest descent ``-q`` with :func:`_first_step`."""
    q = g * (_projected_gradient(z, g) != 0)
    return {"d": -q, "gd": -torch.linalg.vecdot(q, q), "t": _first_step(q, c)}


def _next_solve(W: dict[str, torch.Tensor], ended: torch.Tensor, best: dict[str, torch.Tensor],
                cfg: LBFGSConfig) -> dict[str, torch.Tensor]:
    """Images whose solve ended: move ``c`` and start the next solve at once, or freeze the image.

    The next solve starts from the best point (else where the last one ended) with an empty
    memory; its objective value and gradient there follow from the stored cross-entropy and
    its gradient, as only the penalty's weight changed: no evaluation is needed. A solve whose
    start is already optimal (projected gradient below ``pgtol``) ends on the spot.
    """
    W = dict(W)
    rows = ended.nonzero()[:, 0]
    while len(rows):
        success = W["margin"][rows] >= cfg.margin
        c_old = W["c"][rows]
        c, lo, hi = next_c(c_old, W["lo"][rows], W["hi"][rows], success, cfg.c_factor)
        solves = W["solves"][rows] + 1
        at = W["pos"][rows]
        finished = search_finished(lo, hi, solves, cfg) | (best["d2"][at] == 0)  # d2 = 0: already labelled l
        for key, value in (("c", c), ("lo", lo), ("hi", hi), ("solves", solves), ("live", ~finished),
                           ("iters", torch.zeros_like(solves)), ("tries", torch.zeros_like(solves))):
            W[key] = W[key].index_put((rows,), value)
        W["t"] = W["t"].index_put((rows,), torch.zeros_like(c))  # frozen images stay where they are
        go = ~finished
        rows, at, c, c_old = rows[go], at[go], c[go], c_old[go]
        if len(rows) == 0:
            break
        found = torch.isfinite(best["d2"][at])
        x0, z, f, g = W["x0"][rows], W["z"][rows], W["f"][rows], W["g"][rows]
        r = z - x0
        d2 = (r * r).sum(1)
        ce = torch.where(found, best["ce"][at], f - c_old * d2)
        gce = torch.where(found[:, None], best["gce"][at], torch.addcmul(g, r, c_old[:, None], value=-2.0))
        z = torch.where(found[:, None], best["x"][at], z)
        r = z - x0
        d2 = torch.where(found, best["d2"][at], d2)
        g = torch.addcmul(gce, r, c[:, None], value=2.0)
        W["z"][rows], W["g"][rows] = z, g
        W["f"] = W["f"].index_put((rows,), ce + c * d2)
        W["margin"] = W["margin"].index_put((rows,), torch.where(found, best["margin"][at], W["margin"][rows]))
        _forget(W, rows)  # every solve starts L-BFGS afresh, as scipy's does
        first = _steepest(z, g, c)
        W["d"][rows] = first["d"]
        for key in ("gd", "t"):
            W[key] = W[key].index_put((rows,), first[key])
        optimal = _projected_gradient(z, g).abs().amax(1) <= cfg.pgtol
        rows = rows[optimal]
    return W


def lbfgs_attack(model: nn.Module, x: torch.Tensor, target: torch.Tensor, *,
                 config: LBFGSConfig | None = None, confirm_batch_size: int = 1000) -> AttackResult:
    """Smallest-distortion targeted adversarial of every image of ``x`` toward ``target``.

    For each image, ``config.search_steps`` box-constrained L-BFGS solves of
    ``c|r|² + CE(f(x+r), l)`` with ``c`` moved by :func:`next_c` (the largest successful ``c``
    gives the smallest distortion: the paper's "minimum c" is inverted). Each solve starts from
    the image's best point so far (else from the previous end point), and the best point is
    the lowest-distortion *successful* point met at any evaluation, line-search trials
    included. All images are solved together (see :func:`_search`): pass a large batch
    (on one CPU thread, about 1,000 images per call is fastest; :func:`attack` chunks for you).

    Success needs the target logit to beat every other logit by ``config.margin`` during the
    search; the returned images are then re-checked by a separate forward pass in batches of
    ``confirm_batch_size`` and kept as successes only if the margin is still at least
    ``config.margin / 2``. The margin is far above float32 rounding (logits differ by ~1e-5
    between batch sizes), so every returned success is classified as its target by any later
    forward pass, at any batch size. ``model`` maps ``[B, m]`` in [0, 1] to logits, is in eval
    mode and treats images independently; ``float64`` runs on a float64 copy of it.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    cfg = config or LBFGSConfig()
    _check_inputs(model, x, target)
    net = _model_in(model, cfg.torch_dtype)
    x0 = x.detach().to(cfg.torch_dtype)
    if len(x0) == 0:
        best = {"x": x0, "d2": x0.new_zeros(0), "c": x0.new_zeros(0)}
        return _confirm(net, x0, target, best, torch.zeros_like(target), cfg, confirm_batch_size)
    best, evaluations = _search(net, x0, target, cfg)
    return _confirm(net, x0, target, best, evaluations, cfg, confirm_batch_size)


def _confirm(net, x0, target, best, evaluations, cfg, batch_size) -> AttackResult:
    """Re-check every found point in fixed-size batches; build the result (failures reported as such)."""
    if batch_size < 1:
        raise ValueError(f"confirm_batch_size must be a positive integer, got {batch_size!r}")
    found = torch.isfinite(best["d2"])
    images = torch.where(found[:, None], best["x"], x0)
    with torch.no_grad():
        margin = torch.cat([target_margin(net(images[i:i + batch_size]), target[i:i + batch_size])
                            for i in range(0, len(images), batch_size)]) if len(images) else x0.new_zeros(0)
    success = found & (margin >= cfg.margin / 2)
    images = torch.where(success[:, None], images, x0)
    l2 = (images - x0).norm(dim=1)
    nan = torch.full_like(l2, math.nan)
    return AttackResult(
        images=images,
        success=success,
        distortion=torch.where(success, rms_distortion(images, x0, x0.shape[1]), nan),
        l2=torch.where(success, l2, nan),
        c=torch.where(success, best["c"], nan),
        target=target.clone(),
        evaluations=evaluations.clone(),
    )


# ----------------------------------------------------------------------------------------------
# targets and the user-facing wrapper


def random_targets(y: torch.Tensor, indices: torch.Tensor, seed: int = 0, num_classes: int = 10) -> torch.Tensor:
    """A reproducible uniformly random wrong label per image, from ``(seed, dataset index)`` alone.

    The offset ``1 + h mod (k-1)`` comes from SHA-256 of the seed and the image's index in its
    data set, so an image keeps its target whatever batch, subset or machine it is attacked in
    (the same device-free construction as the book's P1/P2 split). Explained in chapter 3.
    """
    if indices.shape != y.shape:
        raise ValueError(f"indices {tuple(indices.shape)} and labels {tuple(y.shape)} must have the same shape")
    offsets = [1 + int.from_bytes(hashlib.sha256(f"lbfgs-target:{seed}:{int(i)}".encode()).digest()[:8], "big")
               % (num_classes - 1) for i in indices.tolist()]
    return (y + torch.tensor(offsets, dtype=torch.long, device=y.device)) % num_classes


def runner_up_targets(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """The most likely wrong label (the runner-up for a correctly classified image). Explained in chapter 3."""
    with torch.no_grad():
        logits = torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    return logits.scatter(1, y[:, None], float("-inf")).argmax(1)


def attack(model: nn.Module, x: torch.Tensor, y: torch.Tensor, target: str | torch.Tensor = "random", *,
           indices: torch.Tensor | None = None, seed: int = 0, config: LBFGSConfig | None = None,
           batch_size: int = 1000) -> AttackResult:
    """Attack images ``x`` with true labels ``y`` toward a wrong label chosen by ``target``.

    ``target`` is a tensor of labels or a rule: ``"random"`` (:func:`random_targets`, keyed by
    ``indices``, the images' positions in their data set, default ``0..B-1``), ``"runner-up"``
    (:func:`runner_up_targets`), or ``"nearest"`` (all k-1 wrong labels are attacked and the
    smallest successful distortion is kept; an image failing all of them reports the lowest
    wrong label as its target). Images are attacked ``batch_size`` at a time (``"nearest"``
    counts image-label pairs). An image the model already puts in the target class comes back
    unchanged with distortion 0, so averages over a set measure the distortion needed to reach
    0% accuracy, as in the paper's tables. Explained in chapter 3.
    """
    cfg = config or LBFGSConfig()
    if not isinstance(y, torch.Tensor) or y.shape != (len(x),) or y.dtype != torch.long:
        raise ValueError(f"y must be an int64 tensor with one label per image ({len(x)}), got "
                         f"{getattr(y, 'shape', type(y))} {getattr(y, 'dtype', '')}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if len(x) == 0:
        raise ValueError("x holds no images: pass at least one image to attack")
    with torch.no_grad():
        k = model(x[:1].to(next(model.parameters()).dtype)).shape[1]

    def run(xs, ts):
        return AttackResult.cat([lbfgs_attack(model, xs[i:i + batch_size], ts[i:i + batch_size], config=cfg)
                                 for i in range(0, len(xs), batch_size)])

    if isinstance(target, torch.Tensor):
        if target.shape != y.shape or (target == y).any():
            raise ValueError("a target tensor needs one label per image, each different from the true label y")
        return run(x, target.to(torch.long))
    if target == "random":
        idx = torch.arange(len(x)) if indices is None else indices
        return run(x, random_targets(y, idx.to(y.device), seed, k))
    if target == "runner-up":
        return run(x, runner_up_targets(model, x.to(next(model.parameters()).dtype), y))
    if target == "nearest":
        labels = torch.arange(k, device=y.device)
        wrong = labels[None, :].expand(len(y), k)[labels[None, :] != y[:, None]].reshape(len(y), k - 1)
        res = run(x.repeat_interleave(k - 1, 0), wrong.reshape(-1))
        dist = res.distortion.reshape(len(y), k - 1).nan_to_num(math.inf)
        pick = dist.argmin(1) + torch.arange(len(y), device=y.device) * (k - 1)
        out = AttackResult(**{f.name: getattr(res, f.name)[pick] for f in dataclasses.fields(AttackResult)})
        out.evaluations = res.evaluations.reshape(len(y), k - 1).sum(1)
        return out
    raise ValueError(f"unknown target rule {target!r}: use one of {TARGET_RULES} or a tensor of labels")


# ----------------------------------------------------------------------------------------------
# the reference: scipy's L-BFGS-B per image, float64, same objective and same search over c


def scipy_reference_attack(model: nn.Module, x: torch.Tensor, target: torch.Tensor, *,
                           config: LBFGSConfig | None = None) -> AttackResult:
    """The same attack with ``scipy.optimize.minimize(method="L-BFGS-B")``, one image at a time, in float64.

    Same objective, same search over ``c`` (:func:`next_c`, :func:`search_finished`), same warm
    starts, same best-so-far rule (every evaluation is offered) and the same confirmation; only
    the inner optimiser differs (scipy's L-BFGS-B with its generalised Cauchy point and Moré-Thuente
    line search, ``maxcor=history``). It is the correctness reference of the tests and a baseline
    of the benchmark; it runs on the CPU whatever the device of ``x``.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    from scipy.optimize import minimize

    cfg = dataclasses.replace(config or LBFGSConfig(), dtype="float64")
    _check_inputs(model, x, target)
    net = copy.deepcopy(model).to(device="cpu", dtype=torch.float64).eval().requires_grad_(False)
    x0, tgt = x.detach().to(device="cpu", dtype=torch.float64), target.cpu()
    n, m = x0.shape
    best = {"x": x0.clone(), "d2": torch.full((n,), math.inf, dtype=torch.float64),
            "c": torch.full((n,), math.nan, dtype=torch.float64)}
    evaluations = torch.zeros(n, dtype=torch.long)
    bounds = [(0.0, 1.0)] * m
    for i in range(n):
        xi, ti = x0[i:i + 1], tgt[i:i + 1]
        c = torch.full((1,), float(cfg.c_init), dtype=torch.float64)
        lo, hi = torch.zeros_like(c), torch.full_like(c, math.inf)
        end = xi[0].numpy().copy()

        def fun(z_np, c_val, i=i, xi=xi, ti=ti):
            z = torch.from_numpy(z_np)[None].requires_grad_(True)
            with torch.enable_grad():
                logits = net(z)
                ce = F.cross_entropy(logits, ti, reduction="sum")
                (grad,) = torch.autograd.grad(ce, z)
            r = z.detach() - xi
            d2 = float((r * r).sum())
            evaluations[i] += 1
            if float(target_margin(logits.detach(), ti)[0]) >= cfg.margin and d2 < float(best["d2"][i]):
                best["d2"][i], best["c"][i], best["x"][i] = d2, c_val, z.detach()[0]
            g = grad[0] + 2.0 * c_val * r[0]
            return c_val * d2 + float(ce.detach()), g.numpy()

        for solves in range(cfg.search_steps):
            if float(best["d2"][i]) == 0 or search_finished(lo, hi, torch.tensor([solves]), cfg):
                break
            start = best["x"][i].numpy().copy() if math.isfinite(float(best["d2"][i])) else end
            c_val = float(c[0])
            res = minimize(fun, start, args=(c_val,), jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": cfg.max_iter, "maxcor": cfg.history, "gtol": cfg.pgtol,
                                    "ftol": cfg.ftol, "maxls": cfg.max_linesearch})
            end = res.x
            with torch.no_grad():
                ok = target_margin(net(torch.from_numpy(end)[None]), ti) >= cfg.margin
            c, lo, hi = next_c(c, lo, hi, ok, cfg.c_factor)
    return _confirm(net, x0, tgt, best, evaluations, cfg, 1000).to(x.device)
