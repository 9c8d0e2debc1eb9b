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

from intriguing import _checks

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
        for name in ("c_init", "pgtol", "margin"):
            _checks.number("LBFGSConfig", name, getattr(self, name))
        _checks.number("LBFGSConfig", "c_rtol", self.c_rtol, strict=False)
        _checks.number("LBFGSConfig", "c_factor", self.c_factor, low=1.0)
        for name in ("search_steps", "max_iter", "history", "max_linesearch"):
            _checks.positive_int("LBFGSConfig", name, getattr(self, name))
        _checks.number("LBFGSConfig", "ftol", self.ftol, strict=False)
        _checks.one_of("LBFGSConfig", "dtype", self.dtype, _DTYPES)

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
    _checks.images("x", x)
    _checks.labels("target", target, len(x))
    _checks.in_box("x", x)
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


def _max_abs(v: torch.Tensor) -> torch.Tensor:
    """Largest absolute entry of each row (L-BFGS-B's ``pgtol`` test)."""
    return v.abs().amax(1)


def _free_mask(pg: torch.Tensor) -> torch.Tensor:
    """1.0 on the free variables (projected gradient nonzero), 0.0 on those held at a bound.

    A float mask, not a bool one: multiplying a float tensor by a bool tensor promotes element by
    element and costs 20-30 times a float multiply on the CPU; ``|sign(pg)|`` is one cheap pass and
    gives the same products.
    """
    return pg.sign().abs_()


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


@dataclass
class _Memory:
    """The L-BFGS memory of every image: a ring of M (s, y) pairs per image and their Gram matrices.

    ``P`` holds the steps ``s`` (rows 0..M-1) and gradient changes ``y`` (rows M..2M-1), ``head``
    is the slot written next, ``nhist`` the number of pairs stored (at most M), ``SY[i, j] = s_i·y_j``
    and ``YY[i, j] = y_i·y_j`` in slot order, ``gamma = s·y / y·y`` of the newest pair (the scale of
    the initial inverse Hessian).
    """

    P: torch.Tensor  # [B, 2M, m]
    SY: torch.Tensor  # [B, M, M]
    YY: torch.Tensor  # [B, M, M]
    gamma: torch.Tensor  # [B]
    head: torch.Tensor  # [B] int64
    nhist: torch.Tensor  # [B] int64

    @classmethod
    def empty(cls, n: int, M: int, m: int, like: torch.Tensor) -> _Memory:
        long = torch.zeros(n, dtype=torch.long, device=like.device)
        return cls(like.new_zeros(n, 2 * M, m), like.new_zeros(n, M, M), like.new_zeros(n, M, M),
                   like.new_ones(n), long, long.clone())

    def forget(self, rows: torch.Tensor) -> None:
        """Empty the memory of images ``rows``: their next direction is steepest descent."""
        self.P.index_fill_(0, rows, 0.0)
        self.SY = self.SY.index_fill(0, rows, 0.0)
        self.YY = self.YY.index_fill(0, rows, 0.0)
        self.gamma = self.gamma.index_fill(0, rows, 1.0)
        self.head, self.nhist = self.head.index_fill(0, rows, 0), self.nhist.index_fill(0, rows, 0)

    def write(self, s: torch.Tensor, y: torch.Tensor, store: torch.Tensor) -> None:
        """Put the pair ``(s, y)`` of images ``store`` into their slot ``head`` of ``P`` (in place)."""
        if bool(store.any()):
            rows = store.nonzero()[:, 0]
            M2 = self.P.shape[1]
            flat = self.P.view(-1, self.P.shape[2])  # row i*2M + k is P[i, k]
            slot = rows * M2 + self.head.index_select(0, rows)
            flat.index_copy_(0, slot, s.index_select(0, rows))
            flat.index_copy_(0, slot + M2 // 2, y.index_select(0, rows))

    def update_gram(self, dots: torch.Tensor, store: torch.Tensor, sy: torch.Tensor, yy: torch.Tensor,
                    slots: torch.Tensor) -> None:
        """After :meth:`write`: the Gram entries of the new pair, ``gamma``, ``head`` and ``nhist``.

        ``dots`` is ``[s, y, q]·Pᵀ`` (``[B, 3, 2M]``), read from the memory that already holds the pair.
        """
        M = self.SY.shape[1]
        here = (slots[None, :] == self.head[:, None]) & store[:, None]  # the slot just written
        row, col = here[:, :, None], here[:, None, :]
        ys, sy_col, yy_row = dots[:, 0, M:], dots[:, 1, :M], dots[:, 1, M:]
        self.SY = torch.where(col, sy_col[:, :, None], torch.where(row, ys[:, None, :], self.SY))
        self.YY = torch.where(col, yy_row[:, :, None], torch.where(row, yy_row[:, None, :], self.YY))
        self.gamma = torch.where(store, sy / yy.where(store, 1.0), self.gamma)
        self.head = torch.where(store, (self.head + 1) % M, self.head)
        self.nhist = torch.where(store, (self.nhist + 1).clamp_max(M), self.nhist)

    def inverse_hessian_times(self, Pq: torch.Tensor) -> torch.Tensor:
        """``H q - γ q`` for every image, from ``Pq = P·q`` (see :func:`_inverse_hessian_coefficients`)."""
        k = _inverse_hessian_coefficients(Pq, self.SY, self.YY, self.gamma, self.head, self.nhist)
        return torch.bmm(k[:, None, :], self.P)[:, 0]

    def select(self, keep: torch.Tensor) -> _Memory:
        rows = keep.nonzero()[:, 0]
        return _Memory(*(getattr(self, f.name).index_select(0, rows) for f in dataclasses.fields(self)))


@dataclass
class _Best:
    """Per image, the lowest-distortion point met so far that reaches the target with the margin.

    ``d2`` is its ``|z - x0|²`` (inf while none was found), ``c`` the penalty weight it was met at;
    its cross-entropy ``ce`` and gradient ``gce`` let the next solve start there without an evaluation.
    Indexed by the image's position in the attacked batch (never compacted).
    """

    x: torch.Tensor
    d2: torch.Tensor
    c: torch.Tensor
    ce: torch.Tensor
    gce: torch.Tensor
    margin: torch.Tensor

    @classmethod
    def none_yet(cls, x0: torch.Tensor) -> _Best:
        n = len(x0)
        return cls(x0.clone(), torch.full((n,), math.inf, dtype=x0.dtype, device=x0.device),
                   torch.full((n,), math.nan, dtype=x0.dtype, device=x0.device), x0.new_zeros(n),
                   torch.zeros_like(x0), x0.new_zeros(n))

    def offer(self, pos: torch.Tensor, z: torch.Tensor, x0: torch.Tensor, f: torch.Tensor, g: torch.Tensor,
              margin: torch.Tensor, d2: torch.Tensor, c: torch.Tensor, live: torch.Tensor, min_margin: float) -> None:
        """Keep ``z`` as an image's best point where it reaches the target with the margin and is closer."""
        ok = (margin >= min_margin) & (d2 < self.d2[pos]) & live
        if bool(ok.any()):
            rows = ok.nonzero()[:, 0]
            at, cr, zr, d2r = pos[rows], c[rows], z.index_select(0, rows), d2[rows]
            self.x.index_copy_(0, at, zr)
            self.d2[at], self.c[at], self.margin[at] = d2r, cr, margin[rows]
            self.ce[at] = f[rows] - cr * d2r
            self.gce.index_copy_(0, at, torch.addcmul(g.index_select(0, rows), zr - x0.index_select(0, rows),
                                                      cr[:, None], value=-2.0))


@dataclass
class _Solve:
    """Per-image state of the search, one row per image still in the batch.

    The image (``pos`` in the attacked batch, ``x0``, ``target``), its search over ``c`` (``c``,
    the bracket ``lo``/``hi``, ``solves`` done), the current solve's iterate (``z`` with objective
    ``f``, gradient ``g`` and target ``margin``; ``iters`` accepted steps) and line search (direction
    ``d``, slope ``gd = g·d``, trial step ``t``, rejected ``tries``), its ``evals`` so far and whether
    it is still ``live`` (a finished image stays frozen in the batch until the next compaction).
    """

    pos: torch.Tensor
    x0: torch.Tensor
    target: torch.Tensor
    c: torch.Tensor
    lo: torch.Tensor
    hi: torch.Tensor
    solves: torch.Tensor
    z: torch.Tensor
    f: torch.Tensor
    g: torch.Tensor
    margin: torch.Tensor
    iters: torch.Tensor
    tries: torch.Tensor
    evals: torch.Tensor
    live: torch.Tensor
    d: torch.Tensor
    gd: torch.Tensor
    t: torch.Tensor

    def select(self, keep: torch.Tensor) -> _Solve:
        rows = keep.nonzero()[:, 0]
        return _Solve(*(getattr(self, f.name).index_select(0, rows) for f in dataclasses.fields(self)))


def _quasi_newton(S: _Solve, mem: _Memory, q: torch.Tensor, free: torch.Tensor, Pq: torch.Tensor,
                  step: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Search direction ``d = -H q`` on the free variables, its slope ``g·d`` and first step length 1.

    Where ``step`` holds and there is no memory, or rounding made ``-H q`` no descent
    direction, the direction is ``-q`` with the first step of :func:`_steepest`.
    """
    hq = mem.inverse_hessian_times(Pq)
    d = torch.addcmul(q * (-mem.gamma[:, None]), hq, free, value=-1.0)
    gd = torch.linalg.vecdot(d, q)  # = g·d, as d is zero off the free variables
    t = torch.ones_like(gd)
    steepest = step & ((gd >= 0) | (mem.nhist == 0))
    if bool(steepest.any()):
        rows = steepest.nonzero()[:, 0]
        qr = q.index_select(0, rows)
        d.index_copy_(0, rows, -qr)
        gd[rows] = -torch.linalg.vecdot(qr, qr)
        t[rows] = _first_step(qr, S.c[rows])
    return d, gd, t


def _steepest(z: torch.Tensor, g: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """First direction of a solve: projected steepest descent ``-q``, its slope, :func:`_first_step`."""
    q = g * _free_mask(_projected_gradient(z, g))
    return -q, -torch.linalg.vecdot(q, q), _first_step(q, c)


def _next_solve(S: _Solve, mem: _Memory, ended: torch.Tensor, best: _Best, cfg: LBFGSConfig) -> None:
    """Images whose solve ended: move ``c`` and start the next solve at once, or freeze the image.

    The next solve starts from the best point (else where the last one ended) with an empty
    memory; its objective value and gradient there follow from the stored cross-entropy and
    its gradient, as only the penalty's weight changed: no evaluation is needed. A solve whose
    start is already optimal (projected gradient below ``pgtol``) ends on the spot. Updates
    ``S`` and ``mem`` in place.
    """
    rows = ended.nonzero()[:, 0]
    while len(rows):
        success = S.margin[rows] >= cfg.margin
        c_old = S.c[rows]
        c, lo, hi = next_c(c_old, S.lo[rows], S.hi[rows], success, cfg.c_factor)
        solves = S.solves[rows] + 1
        at = S.pos[rows]
        finished = search_finished(lo, hi, solves, cfg) | (best.d2[at] == 0)  # d2 = 0: already labelled l
        S.c, S.lo, S.hi = S.c.index_put((rows,), c), S.lo.index_put((rows,), lo), S.hi.index_put((rows,), hi)
        S.solves, S.live = S.solves.index_put((rows,), solves), S.live.index_put((rows,), ~finished)
        S.iters = S.iters.index_put((rows,), torch.zeros_like(solves))
        S.tries = S.tries.index_put((rows,), torch.zeros_like(solves))
        S.t = S.t.index_put((rows,), torch.zeros_like(c))  # frozen images stay where they are
        go = ~finished
        rows, at, c, c_old = rows[go], at[go], c[go], c_old[go]
        if len(rows) == 0:
            break
        found = torch.isfinite(best.d2[at])
        x0, z, f, g = S.x0.index_select(0, rows), S.z.index_select(0, rows), S.f[rows], S.g.index_select(0, rows)
        r = z - x0
        d2 = (r * r).sum(1)
        ce = torch.where(found, best.ce[at], f - c_old * d2)
        gce = torch.where(found[:, None], best.gce.index_select(0, at), torch.addcmul(g, r, c_old[:, None], value=-2.0))
        z = torch.where(found[:, None], best.x.index_select(0, at), z)
        r = z - x0
        d2 = torch.where(found, best.d2[at], d2)
        g = torch.addcmul(gce, r, c[:, None], value=2.0)
        S.z.index_copy_(0, rows, z)
        S.g.index_copy_(0, rows, g)
        S.f = S.f.index_put((rows,), ce + c * d2)
        S.margin = S.margin.index_put((rows,), torch.where(found, best.margin[at], S.margin[rows]))
        mem.forget(rows)  # every solve starts L-BFGS afresh, as scipy's does
        d, gd, t = _steepest(z, g, c)
        S.d.index_copy_(0, rows, d)
        S.gd, S.t = S.gd.index_put((rows,), gd), S.t.index_put((rows,), t)
        optimal = _max_abs(_projected_gradient(z, g)) <= cfg.pgtol
        rows = rows[optimal]


def _search(model: nn.Module, x0: torch.Tensor, target: torch.Tensor, cfg: LBFGSConfig) -> tuple[_Best, torch.Tensor]:
    """The whole search: ``cfg.search_steps`` projected L-BFGS solves per image, all images at once.

    One loop, one trial point per unfinished image and round, one forward+backward pass per
    round. Each image runs its own sequence of solves: when its solve ends (converged, stuck or
    out of iterations) its ``c`` moves by :func:`next_c` (success = its end point reaches the
    target with ``cfg.margin``) and its next solve starts at once, with an empty L-BFGS memory,
    from its best point (else from the end point), without waiting for the other images
    (:func:`_next_solve`). Every evaluated point, line-search trials included, is offered to
    the image's best point (:meth:`_Best.offer`). Finished images are frozen and dropped from the
    batch once a quarter of it has finished. Returns the best points and the number of
    forward+backward passes spent on each image.
    """
    n, m = x0.shape
    M, dev, dtype = cfg.history, x0.device, x0.dtype
    eps = torch.finfo(dtype).eps
    c = torch.full((n,), float(cfg.c_init), dtype=dtype, device=dev)
    best = _Best.none_yet(x0)
    evaluations = torch.ones(n, dtype=torch.long, device=dev)
    zeros = torch.zeros(n, dtype=torch.long, device=dev)
    pos = torch.arange(n, device=dev)
    f, g, margin, d2 = _evaluate(model, x0, x0, target, c)
    best.offer(pos, x0, x0, f, g, margin, d2, c, torch.ones(n, dtype=torch.bool, device=dev), cfg.margin)
    d, gd, t = _steepest(x0, g, c)
    at_target = best.d2 == 0  # already labelled l with the margin: nothing to search
    S = _Solve(pos=pos, x0=x0, target=target, c=c, lo=x0.new_zeros(n),
               hi=torch.full((n,), math.inf, dtype=dtype, device=dev), solves=zeros, z=x0.clone(), f=f, g=g,
               margin=margin, iters=zeros, tries=zeros, evals=zeros + 1, live=~at_target, d=d, gd=gd,
               t=t.masked_fill(at_target, 0.0))
    mem = _Memory.empty(n, M, m, x0)
    slots = torch.arange(M, device=dev)
    while bool(S.live.any()):
        z, f, g, d, t, gd, live = S.z, S.f, S.g, S.d, S.t, S.gd, S.live
        B = len(z)
        # one trial point per image on the projected path z + t·d, one pass for the batch
        zt = torch.addcmul(z, t[:, None], d).clamp_(0, 1)
        ft, gt, mt, d2 = _evaluate(model, zt, S.x0, S.target, S.c)
        best.offer(S.pos, zt, S.x0, ft, gt, mt, d2, S.c, live, cfg.margin)
        S.evals = S.evals + live
        V = z.new_empty(B, 3, m)  # s, y and the free gradient q side by side: one read of the memory
        s, y, q = torch.sub(zt, z, out=V[:, 0]), torch.sub(gt, g, out=V[:, 1]), V[:, 2]
        gs, sy, yy = torch.linalg.vecdot(g, s), torch.linalg.vecdot(s, y), torch.linalg.vecdot(y, y)
        finite = torch.isfinite(ft)
        accept = live & (gs < 0) & (ft <= f + _ARMIJO * gs) & finite  # Armijo on the projected step
        store = accept & (sy > eps * yy)  # curvature pair kept only if s·y > eps·y·y, as in L-BFGS-B
        mem.write(s, y, store)
        # the new iterate: the trial point where accepted (in place: zt and gt are not needed any more)
        keep_old = (~accept).nonzero()[:, 0]
        zt.index_copy_(0, keep_old, z.index_select(0, keep_old))
        gt.index_copy_(0, keep_old, g.index_select(0, keep_old))
        pg = _projected_gradient(zt, gt)
        free = _free_mask(pg)
        torch.mul(gt, free, out=q)
        dots = torch.bmm(V, mem.P.transpose(1, 2))  # [B, 3, 2M]
        small_change = (f - ft) <= cfg.ftol * torch.maximum(f.abs(), ft.abs()).clamp_min_(1.0)  # scipy's test
        mem.update_gram(dots, store, sy, yy, slots)
        S.z, S.f, S.g = zt, torch.where(accept, ft, f), gt
        S.margin = torch.where(accept, mt, S.margin)
        S.iters = S.iters + accept.long()
        # accepted: the quasi-Newton direction; rejected: safeguarded quadratic backtracking
        dq, gdq, tq = _quasi_newton(S, mem, q, free, dots[:, 2], step=accept)
        denom = 2 * (ft - f - gd * t)
        t_quad = torch.where((denom > 0) & finite, -gd * t * t / denom.where(denom > 0, 1.0), 0.5 * t)
        t_back = torch.minimum(torch.maximum(t_quad, 0.1 * t), 0.5 * t)
        tries = torch.where(accept, torch.zeros_like(S.tries), S.tries + 1)
        dq.index_copy_(0, keep_old, d.index_select(0, keep_old))
        d = dq
        gd = torch.where(accept, gdq, gd)
        t = torch.where(accept, tq, t_back)
        stuck = live & ~accept & (tries >= cfg.max_linesearch)
        failed = stuck & (mem.nhist == 0)
        restart = stuck & (mem.nhist > 0)  # as L-BFGS-B: drop the memory, retry along -g
        if bool(restart.any()):
            rows = restart.nonzero()[:, 0]
            mem.forget(rows)
            tries = tries.masked_fill(restart, 0)
            qr = q.index_select(0, rows)
            d.index_copy_(0, rows, -qr)
            gd[rows] = -torch.linalg.vecdot(qr, qr)
            t[rows] = _first_step(qr, S.c[rows])
        S.tries, S.d, S.gd, S.t = tries, d, gd, t
        converged = accept & (small_change | (_max_abs(pg) <= cfg.pgtol))
        ended = live & (converged | failed | (S.iters >= cfg.max_iter))
        if bool(ended.any()):
            _next_solve(S, mem, ended, best, cfg)
            live = S.live
            if 4 * int(live.sum()) <= 3 * len(live):
                evaluations[S.pos[~live]] = S.evals[~live]
                S, mem = S.select(live), mem.select(live)
    evaluations[S.pos] = S.evals
    return best, evaluations


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
        best = _Best.none_yet(x0)
        return _confirm(net, x0, target, best, torch.zeros_like(target), cfg, confirm_batch_size)
    best, evaluations = _search(net, x0, target, cfg)
    return _confirm(net, x0, target, best, evaluations, cfg, confirm_batch_size)


def _confirm(net: nn.Module, x0: torch.Tensor, target: torch.Tensor, best: _Best, evaluations: torch.Tensor,
             cfg: LBFGSConfig, batch_size: int) -> AttackResult:
    """Re-check every found point in fixed-size batches; build the result (failures reported as such)."""
    if batch_size < 1:
        raise ValueError(f"confirm_batch_size must be a positive integer, got {batch_size!r}")
    found = torch.isfinite(best.d2)
    images = torch.where(found[:, None], best.x, x0)
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
        c=torch.where(success, best.c, nan),
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
    _checks.labels("y", y, len(x))
    _checks.positive_int("", "batch_size", batch_size)
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
    best = _Best.none_yet(x0)
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
            if float(target_margin(logits.detach(), ti)[0]) >= cfg.margin and d2 < float(best.d2[i]):
                best.d2[i], best.c[i], best.x[i] = d2, c_val, z.detach()[0]
            g = grad[0] + 2.0 * c_val * r[0]
            return c_val * d2 + float(ce.detach()), g.numpy()

        for solves in range(cfg.search_steps):
            if float(best.d2[i]) == 0 or search_finished(lo, hi, torch.tensor([solves]), cfg):
                break
            start = best.x[i].numpy().copy() if math.isfinite(float(best.d2[i])) else end
            c_val = float(c[0])
            res = minimize(fun, start, args=(c_val,), jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": cfg.max_iter, "maxcor": cfg.history, "gtol": cfg.pgtol,
                                    "ftol": cfg.ftol, "maxls": cfg.max_linesearch})
            end = res.x
            with torch.no_grad():
                ok = target_margin(net(torch.from_numpy(end)[None]), ti) >= cfg.margin
            c, lo, hi = next_c(c, lo, hi, ok, cfg.c_factor)
    return _confirm(net, x0, tgt, best, evaluations, cfg, 1000).to(x.device)
