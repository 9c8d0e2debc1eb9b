"""The exact softmax optimum of chapter 0, checked against independent code on a small MNIST slice."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.optimize import minimize

from intriguing import softmax_optimum as so

C = 1e-3  # the zoo's FC10(1e-2) coefficient: λ / k = 1e-2 / 10


@pytest.fixture(scope="module")
def slice_(mnist):
    return mnist.train_x[:2000], mnist.train_y[:2000]


def dense_objective(weight, bias, x, y, c):
    """The objective written independently: dense float64 torch, autograd for the gradient."""
    return F.cross_entropy(x.double() @ weight.T + bias, y) + c * weight.pow(2).sum()


def test_objective_and_gradient_match_autograd(slice_):
    x, y = slice_
    gen = torch.Generator().manual_seed(0)
    w = (0.01 * torch.randn(10, 784, generator=gen, dtype=torch.float64)).requires_grad_(True)
    b = (0.1 * torch.randn(10, generator=gen, dtype=torch.float64)).requires_grad_(True)
    ref = dense_objective(w, b, x, y, C)
    ref.backward()
    value, gw, gb = so.Softmax(x, y).evaluate(w, b, C)
    assert value == pytest.approx(float(ref.detach()), rel=1e-13)
    assert torch.allclose(gw, w.grad, rtol=0, atol=1e-14) and torch.allclose(gb, b.grad, rtol=0, atol=1e-14)
    assert so.objective(w, b, x, y, C) == value


def test_the_minimum_is_a_minimum_and_scipy_on_dense_code_agrees(slice_):
    x, y = slice_
    opt = so.solve(so.Softmax(x, y), C, tolerance=1e-8)
    assert opt.gradient_max <= 1e-8
    # an independent check of stationarity: autograd's gradient of the dense objective is ~0
    w, b = opt.weight.clone().requires_grad_(True), opt.bias.clone().requires_grad_(True)
    dense_objective(w, b, x, y, C).backward()
    assert max(w.grad.abs().max(), b.grad.abs().max()) < 1e-7
    assert float(opt.weight.sum(0).abs().max()) < 1e-9  # the minimum's class weights sum to zero
    # an independent optimiser on independently written dense numpy code reaches the same minimum
    xn, yn = x.double().numpy(), y.numpy()
    onehot = np.eye(10)[yn]

    def probabilities(theta):
        wn, bn = theta[:7840].reshape(10, 784), theta[7840:]
        z = xn @ wn.T + bn
        p = np.exp(z - z.max(1, keepdims=True))
        return wn, p / p.sum(1, keepdims=True)

    def fun(theta):
        wn, p = probabilities(theta)
        f = -np.log(p[np.arange(len(yn)), yn]).mean() + C * (wn**2).sum()
        r = (p - onehot) / len(yn)
        return f, np.concatenate([(r.T @ xn + 2 * C * wn).ravel(), r.sum(0)])

    def hessp(theta, v):  # exact Hessian-vector product: Newton's method, another algorithm
        _, p = probabilities(theta)
        vw, vb = v[:7840].reshape(10, 784), v[7840:]
        pz = p * (xn @ vw.T + vb)
        r = (pz - p * pz.sum(1, keepdims=True)) / len(yn)
        return np.concatenate([(r.T @ xn + 2 * C * vw).ravel(), r.sum(0)])

    ref = minimize(fun, np.zeros(7850), jac=True, hessp=hessp, method="trust-ncg",
                   options={"gtol": 1e-9, "maxiter": 200})
    assert ref.success
    assert ref.fun == pytest.approx(opt.objective, abs=1e-10)
    assert np.abs(ref.x[:7840].reshape(10, 784) - opt.weight.numpy()).max() < 1e-4
    errors = so.Softmax(x, y).errors(opt.weight, opt.bias)
    assert errors == int((np.argmax(xn @ ref.x[:7840].reshape(10, 784).T + ref.x[7840:], 1) != yn).sum())


def test_a_stronger_penalty_fits_the_training_data_less(slice_):
    x, y = slice_
    data = so.Softmax(x, y)
    weak, strong = so.solve(data, 1e-3), so.solve(data, 1e-1)
    ce = [v.objective - v.c * float(v.weight.pow(2).sum()) for v in (weak, strong)]
    assert ce[0] < ce[1] and float(strong.weight.norm()) < float(weak.weight.norm())
    # a trained point other than the minimum has a higher objective (the gap SGD is measured by)
    assert so.objective(weak.weight, weak.bias, x, y, 1e-1) > strong.objective


def test_unconverged_runs_and_bad_inputs_raise(slice_):
    x, y = slice_
    with pytest.raises(RuntimeError, match="raise max_iterations"):
        so.solve(so.Softmax(x, y), C, max_iterations=3)
    with pytest.raises(ValueError, match="positive"):
        so.solve(so.Softmax(x, y), 0.0)
    with pytest.raises(ValueError, match="as many labels"):
        so.Softmax(x, y[:10])
    with pytest.raises(ValueError, match="labels must lie"):
        so.Softmax(x[:2], torch.tensor([0, 10]))


def test_the_cached_optimum_is_the_solved_one(mnist, isolated_cache, monkeypatch):
    calls = []
    real = so.solve

    def small(data, c, **kw):  # the full training set would take a minute: solve a slice instead
        calls.append(c)
        return real(so.Softmax(mnist.train_x[:500], mnist.train_y[:500]), c, **kw)

    monkeypatch.setattr(so, "solve", small)
    first = so.optimum(mnist, 1e-1)
    again = so.optimum(mnist, 1e-1)
    assert calls == [1e-1] and torch.equal(first.weight, again.weight) and first.objective == again.objective
    assert len(list((isolated_cache / "softmax_optimum").glob("*.pt"))) == 1
