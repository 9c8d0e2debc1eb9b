"""The exact minimum of softmax regression with weight decay, to check a trained ``FC10(λ)`` against.

``FC10(λ)`` minimises the mean cross-entropy over the training images plus ``c · Σ w²`` (the paper's
``λ Σ w² / k`` is ``c = λ / k``; biases are not penalised). That objective is convex, so it has one
minimum, and a model trained by SGD is converged exactly when its objective is that minimum's.
:func:`solve` finds it in float64 by full-batch L-BFGS over every image; :func:`objective` evaluates
any weights (a trained model's too), so the *objective gap* of SGD is a measured number, not an
assertion. Chapter 0 ("Framework: the MNIST model zoo") uses it for the paper's open weight-decay
normaliser: the same minimum under several readings of ``k``.

The matrix products are scipy's sparse kernels (MNIST is four-fifths zeros, so they are three
times faster than dense ones, and have no CPU-dependent code path); the rest of the objective is
torch on the pinned code path (:mod:`intriguing.runtime`); L-BFGS is scipy's L-BFGS-B, which needs
fewer evaluations than ``torch.optim.LBFGS`` here (a fifth to a half). A rerun gives the same bits; another
CPU may round L-BFGS's own vector steps differently, but not the minimum it stops at, to the digits
printed (the gradient tolerance makes the error counts exact).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import scipy
import scipy.sparse
import torch

from intriguing import cache
from intriguing.data import MNIST

#: Stop when the largest entry of the gradient is below this. For the zoo's three coefficients the
#: objective is then within 1e-9 of the minimum, and the error counts are those of the minimum
#: (measured: they still change by an image or two at ten times this tolerance).
TOLERANCE = 1e-7
#: At most this many L-BFGS iterations (each evaluates the objective once or twice).
MAX_ITERATIONS = 3000
HISTORY = 30


class Softmax:
    """Images and labels prepared for fast, exact evaluations of the objective and its gradient."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, classes: int = 10):
        x = x.detach().cpu().reshape(len(x), -1).double()
        if len(x) != len(y) or not len(x):
            raise ValueError(f"need as many labels as images (and some), got {len(x)} and {len(y)}")
        if int(y.min()) < 0 or int(y.max()) >= classes:
            raise ValueError(f"labels must lie in 0..{classes - 1}")
        self.n, self.d = x.shape
        self.classes = classes
        self.matrix = scipy.sparse.csr_matrix(x.numpy())
        self.y = y.detach().cpu().long()

    def logits(self, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """``x wᵀ + b`` in float64 (``weight``: [classes, features], nn.Linear's layout)."""
        w = np.ascontiguousarray(weight.detach().cpu().double().numpy().T)
        return torch.from_numpy(self.matrix @ w) + bias.detach().cpu().double()

    def evaluate(self, weight: torch.Tensor, bias: torch.Tensor, c: float, gradient: bool = True):
        """The objective (mean cross-entropy + c Σ w²) and, if asked, its gradients (w, b)."""
        w, b = weight.detach().cpu().double(), bias.detach().cpu().double()
        z = self.logits(w, b)
        lse = torch.logsumexp(z, 1)
        ce = (lse - z.gather(1, self.y[:, None])[:, 0]).mean()
        value = float(ce + c * w.pow(2).sum())
        if not gradient:
            return value
        r = torch.exp(z - lse[:, None])  # softmax
        r[torch.arange(self.n), self.y] -= 1
        r /= self.n
        grad_w = torch.from_numpy(np.ascontiguousarray((self.matrix.T @ r.numpy()).T)) + 2 * c * w
        return value, grad_w, r.sum(0)

    def errors(self, weight: torch.Tensor, bias: torch.Tensor) -> int:
        """How many images the weights misclassify (an exact count)."""
        return int((self.logits(weight, bias).argmax(1) != self.y).sum())


def objective(weight, bias, x, y, c: float) -> float:
    """Mean cross-entropy over ``x`` plus ``c · Σ weight²``, in float64 (any weights: a trained model's)."""
    return Softmax(x, y).evaluate(torch.as_tensor(weight), torch.as_tensor(bias), _c(c), gradient=False)


def _c(c) -> float:
    c = float(c)
    if not math.isfinite(c) or c <= 0:
        raise ValueError(f"the decay coefficient c must be positive (the objective is then strictly convex), got {c}")
    return c


@dataclass(frozen=True)
class Optimum:
    """The minimum of the objective at decay coefficient ``c``, and how closely it was found."""

    c: float
    weight: torch.Tensor  # [classes, features], float64
    bias: torch.Tensor
    objective: float
    gradient_max: float  # largest |entry| of the gradient there (≤ the solver's tolerance)
    iterations: int


def solve(data: Softmax, c: float, *, tolerance: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS,
          ) -> Optimum:
    """The minimum of ``data``'s objective at ``c``, by full-batch L-BFGS from zero weights.

    Raises when it has not reached ``tolerance`` (the largest entry of the gradient) within
    ``max_iterations``: a point short of the minimum is never returned as the minimum.
    """
    from scipy.optimize import minimize

    c = _c(c)
    k, d = data.classes, data.d

    def split(theta):
        t = torch.from_numpy(theta)
        return t[: k * d].view(k, d), t[k * d:]

    def fun(theta):
        value, gw, gb = data.evaluate(*split(theta), c)
        return value, torch.cat([gw.reshape(-1), gb]).numpy()

    # ftol = 0: stop on the gradient alone (or where float64 cannot lower the objective any more)
    res = minimize(fun, np.zeros(k * d + k), jac=True, method="L-BFGS-B",
                   options={"maxcor": HISTORY, "gtol": tolerance, "ftol": 0.0, "maxiter": max_iterations,
                            "maxfun": 2 * max_iterations})
    w, b = (t.clone() for t in split(res.x))
    value, gw, gb = data.evaluate(w, b, c)
    gmax = float(torch.cat([gw.reshape(-1), gb]).abs().max())
    if gmax > tolerance:
        raise RuntimeError(f"L-BFGS stopped at a gradient entry of {gmax:.2g} > {tolerance:g} after "
                           f"{res.nit} iterations (c = {c:g}; {res.message}): raise max_iterations")
    return Optimum(c, w, b, value, gmax, int(res.nit))


def optimum(mnist: MNIST, c: float, *, tolerance: float = TOLERANCE) -> Optimum:
    """:func:`solve` on MNIST's 60,000 training images, cached (about 60 KB: the weights and numbers)."""
    c = _c(c)
    key = {"c": c, "tolerance": tolerance, "max_iterations": MAX_ITERATIONS, "data": mnist.fingerprint,
           "torch": torch.__version__.split("+")[0], "scipy": scipy.__version__, "numpy": np.__version__,
           "code": cache.code_version(sys.modules[__name__])}

    def compute():
        o = solve(Softmax(mnist.train_x, mnist.train_y), c, tolerance=tolerance)
        return {"weight": o.weight, "bias": o.bias, "objective": o.objective, "gradient_max": o.gradient_max,
                "iterations": o.iterations}

    p = cache.load_or_compute("softmax_optimum", key, compute)
    return Optimum(c, p["weight"], p["bias"], p["objective"], p["gradient_max"], p["iterations"])
