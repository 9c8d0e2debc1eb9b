"""The exact smallest targeted perturbation of a linear model (a QP): feasible, exact, unbeaten."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from intriguing import attacks, exact_minimum, later_attacks, models
from intriguing.attacks import LBFGSConfig
from intriguing.runtime import seeded
from intriguing.training import TrainConfig, train_classifier


@pytest.fixture(scope="module")
def softmax(mnist):
    """Softmax regression with some weight decay, 2 epochs on 5,000 images (a few seconds)."""
    with seeded(0):
        model = models.MLP((784, 10))
    train_classifier(model, mnist.train_x[:5000], mnist.train_y[:5000], weight_decay=(1e-3,),
                     config=TrainConfig(epochs=2, batch_size=50, lr=0.5, momentum=0.9))
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def task(mnist):
    x, y = mnist.test_x[:8], mnist.test_y[:8]
    return x, y, attacks.random_targets(y, torch.arange(8), seed=0)


@pytest.fixture(scope="module")
def optimum(softmax, task):
    x, _, t = task
    return exact_minimum.exact_minimum(softmax, x, t)


def _toy(rows: torch.Tensor, bias: torch.Tensor) -> nn.Module:
    lin = nn.Linear(rows.shape[1], rows.shape[0]).double()
    with torch.no_grad():
        lin.weight.copy_(rows)
        lin.bias.copy_(bias)
    return lin.eval().requires_grad_(False)


def test_optimum_is_feasible_and_classified_as_the_target(softmax, task):
    x, _, t = task
    for margin in (0.0, 1e-3):
        q = exact_minimum.exact_minimum(softmax, x, t, margin=margin)
        assert q.success.all()
        assert ((q.images >= 0) & (q.images <= 1)).all()
        assert (q.margin >= margin - 1e-9).all()
        if margin > 0:  # a margin far above float32 rounding: the float32 model agrees
            with torch.no_grad():
                assert (softmax(q.images.float()).argmax(1) == t).all()
        r = q.images - x.double()
        assert torch.allclose(q.l2, r.norm(dim=1))
        assert torch.allclose(q.distortion, attacks.rms_distortion(q.images, x.double()))


def test_optimum_matches_the_closed_form_when_the_box_is_slack():
    # two classes, interior image: r = (m - (Δw·x + Δb)) / |Δw|² · Δw, box not touched
    torch.manual_seed(0)
    w = torch.randn(2, 20, dtype=torch.float64) * 0.1
    x = torch.full((1, 20), 0.5, dtype=torch.float64)
    dw = w[1] - w[0]
    model = _toy(w, torch.stack([dw @ x[0] + 0.2, torch.zeros((), dtype=torch.float64)]))  # target 0.2 behind
    t = torch.tensor([1])
    need = 0.01 + 0.2
    r = need / dw.dot(dw) * dw
    assert r.abs().max() < 0.5  # the box is slack
    q = exact_minimum.exact_minimum(model, x, t, margin=0.01)
    assert q.success.all()
    assert torch.allclose(q.images[0] - x[0], r, atol=1e-7)
    assert math.isclose(float(q.l2[0]), float(r.norm()), rel_tol=1e-7)


def test_box_binds_and_an_unreachable_target_is_a_failure():
    # only pixel 0 counts: target 1 needs x0 ≥ 0.95 (reachable: r = 0.05 e0) or ≥ 1.2 (not in the box)
    rows = torch.zeros(2, 5, dtype=torch.float64)
    rows[1, 0] = 1.0
    x = torch.tensor([[0.9, 0.2, 0.2, 0.2, 0.2]], dtype=torch.float64)
    t = torch.tensor([1])
    ok = exact_minimum.exact_minimum(_toy(rows, torch.tensor([0.95, 0.0], dtype=torch.float64)), x, t)
    assert ok.success.all() and math.isclose(float(ok.l2[0]), 0.05, rel_tol=1e-6)
    bad = exact_minimum.exact_minimum(_toy(rows, torch.tensor([1.2, 0.0], dtype=torch.float64)), x, t)
    assert not bad.success.any() and math.isnan(float(bad.distortion[0]))
    assert torch.equal(bad.images, x)


def test_a_larger_margin_costs_more_and_an_image_in_the_target_class_costs_nothing(softmax, task, optimum):
    x, _, t = task
    q = exact_minimum.exact_minimum(softmax, x, t, margin=1e-2)
    assert (q.l2 >= optimum.l2 - 1e-9).all() and (q.l2 > optimum.l2).any()
    with torch.no_grad():
        pred = softmax(x).argmax(1)
    same = exact_minimum.exact_minimum(softmax, x, pred)
    assert (same.l2 == 0).all() and (same.iterations == 0).all()  # the predicted class already wins: r = 0


@pytest.mark.parametrize("name", ["lbfgs", "pgd-l2", "cw-l2", "ddn", "fmn-l2"])
def test_no_attack_beats_the_exact_minimum(softmax, task, optimum, name):
    x, y, t = task
    if name == "lbfgs":
        res = attacks.attack(softmax, x, y, t, config=LBFGSConfig(search_steps=6))
        images, success = res.images.double(), res.success
    else:
        eps = [0.5, 1.0, 2.0, 4.0] if name == "pgd-l2" else None
        fast = {"cw-l2": {"binary_search_steps": 4, "steps": 100}}.get(name)
        res = later_attacks.run_attack(softmax, x, t, name, epsilons=eps, settings=fast)
        images, success = res.images.double(), res.success
    assert success.any()
    assert later_attacks.verified_success(softmax, images[success], t[success]).all()
    l2 = (images - x.double()).norm(dim=1)
    assert (l2[success] >= optimum.l2[success] * (1 - 1e-7)).all(), (l2 / optimum.l2)[success]


def test_bad_models_and_inputs_are_refused(task):
    x, _, t = task
    with pytest.raises(ValueError, match="linear model"):
        exact_minimum.exact_minimum(models.MLP((784, 16, 10)).eval(), x, t)
    lin = _toy(torch.zeros(10, 784, dtype=torch.float64), torch.zeros(10, dtype=torch.float64))
    with pytest.raises(ValueError, match="margin"):
        exact_minimum.exact_minimum(lin, x, t, margin=-1.0)
    with pytest.raises(ValueError):
        exact_minimum.exact_minimum(lin, x * 2, t)
    with pytest.raises(ValueError, match="target labels"):
        exact_minimum.exact_minimum(lin, x, t + 10)


def test_optimum_matches_an_independent_solver_when_the_box_binds():
    # a small random problem (5 classes, 30 pixels, near-saturated image) solved again with
    # scipy's SLSQP from r = 0 (infeasible): the same optimum, and the box is active at it
    from scipy.optimize import minimize

    gen = torch.Generator().manual_seed(1)
    w = torch.randn(5, 30, generator=gen, dtype=torch.float64)
    b = torch.randn(5, generator=gen, dtype=torch.float64)
    x = torch.rand(1, 30, generator=gen, dtype=torch.float64).mul(0.2).add(0.8 * (torch.arange(30) % 2))
    model = _toy(w, b)
    logits = w @ x[0] + b
    t = int(logits.argmin())
    q = exact_minimum.exact_minimum(model, x, torch.tensor([t]), margin=0.05)
    assert q.success.all()
    W, B, X = w.numpy(), b.numpy(), x[0].numpy()
    D = W[t] - np.delete(W, t, axis=0)
    e = B[t] - np.delete(B, t)
    cons = {"type": "ineq", "fun": lambda r: D @ (X + r) + e - 0.05, "jac": lambda r: D}
    ref = minimize(lambda r: r @ r, np.zeros_like(X), jac=lambda r: 2 * r, method="SLSQP",
                   bounds=list(zip(-X, 1 - X)), constraints=[cons], options={"ftol": 1e-14, "maxiter": 500})
    assert ref.success
    assert math.isclose(float(q.l2[0]) ** 2, float(ref.fun), rel_tol=1e-6)
    at_bound = ((q.images[0] <= 1e-9) | (q.images[0] >= 1 - 1e-9)).sum()
    assert at_bound > 0  # the box is active: the test checks the box, not only the hyperplanes
