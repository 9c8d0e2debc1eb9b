"""Adapters to the later attacks (Foolbox 3): images in the box, classified as claimed, honest failures."""

import math

import pytest
import torch

from intriguing import attacks, later_attacks, models
from intriguing.runtime import seeded
from intriguing.training import TrainConfig, train_classifier

FAST = {"cw-l2": {"binary_search_steps": 3, "steps": 50}, "ddn": {"steps": 30}, "fmn-l2": {"steps": 30},
        "pgd-linf": {"steps": 10}, "pgd-l2": {"steps": 10}}
BUDGETS = {"fgsm": [0.05, 0.1, 0.3], "pgd-linf": [0.05, 0.1, 0.3], "pgd-l2": [1.0, 2.0, 4.0]}


@pytest.fixture(scope="module")
def net(mnist):
    """A 784-32-10 sigmoid MLP, 2 epochs on 5,000 images (a few seconds)."""
    with seeded(0):
        model = models.MLP((784, 32, 10))
    train_classifier(model, mnist.train_x[:5000], mnist.train_y[:5000], weight_decay=(0.0, 0.0),
                     config=TrainConfig(epochs=2, batch_size=50, lr=0.5, momentum=0.9))
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def task(mnist):
    x, y = mnist.test_x[:12], mnist.test_y[:12]
    return x, attacks.random_targets(y, torch.arange(12), seed=0)


@pytest.mark.parametrize("name", list(later_attacks.ATTACKS))
def test_outputs_are_in_the_box_and_classified_as_claimed(net, task, name):
    x, t = task
    res = later_attacks.run_attack(net, x, t, name, epsilons=BUDGETS.get(name), settings=FAST.get(name),
                                   batch_size=5)
    assert res.images.shape == x.shape and res.images.dtype == x.dtype
    assert ((res.images >= 0) & (res.images <= 1)).all()
    assert res.success.any()
    # a separate float64 forward pass at another batch size agrees with the claimed success
    assert torch.equal(later_attacks.verified_success(net, res.images, t, batch_size=7), res.success)
    with torch.no_grad():
        margin = attacks.target_margin(net(res.images.double().to(torch.float32)), t)
    assert (margin[res.success] > -1e-4).all()
    failed = ~res.success
    assert torch.equal(res.images[failed], x[failed])
    for v in (res.distortion, res.l2, res.linf):
        assert v[failed].isnan().all() and (v[res.success] >= 0).all()
    r = (res.images - x).double()
    assert torch.allclose(res.distortion[res.success], attacks.rms_distortion(res.images, x)[res.success].double(),
                          rtol=1e-5)
    assert (res.evaluations > 0).all()
    if name in later_attacks.FIXED_BUDGET:
        norm = r.abs().amax(1) if later_attacks.ATTACKS[name] == "linf" else r.norm(dim=1)
        ok = res.success
        assert (norm[ok] <= res.budget[ok] * (1 + 1e-5) + 1e-6).all()  # within its smallest successful budget
        assert res.success_at.shape == (len(res.epsilons), len(x))
        assert torch.equal(res.success_at.any(0), res.success)
        first = res.success_at.int().argmax(0)
        assert torch.equal(res.budget[ok], torch.tensor(res.epsilons, dtype=torch.float64)[first][ok])
    else:
        assert res.success_at is None and res.budget.isnan().all()


def test_a_tiny_budget_fails_honestly(net, task):
    x, t = task
    res = later_attacks.run_attack(net, x, t, "pgd-linf", epsilons=[1e-4], settings=FAST["pgd-linf"])
    with torch.no_grad():
        already = net(x).argmax(1) == t
    assert torch.equal(res.success, already)
    assert torch.equal(res.images[~res.success], x[~res.success])


def test_same_seed_same_result(net, task):
    x, t = task
    a = later_attacks.run_attack(net, x, t, "pgd-l2", epsilons=[2.0], settings=FAST["pgd-l2"], seed=3)
    b = later_attacks.run_attack(net, x, t, "pgd-l2", epsilons=[2.0], settings=FAST["pgd-l2"], seed=3)
    assert torch.equal(a.images, b.images)


@pytest.mark.parametrize(("name", "eps", "message"), [
    ("deepfool", None, "unknown attack"),
    ("fgsm", None, "fixed-budget attack: pass epsilons"),
    ("pgd-l2", [], "at least one budget"),
    ("pgd-linf", [0.1, 1.5], r"in \(0, 1\]"),
    ("pgd-l2", [-1.0], "finite and positive"),
    ("pgd-l2", [math.inf], "finite and positive"),
    ("fgsm", [True], r"in \(0, 1\]"),
    ("ddn", [1.0], "takes no budget"),
])
def test_bad_names_and_budgets_are_refused(net, task, name, eps, message):
    x, t = task
    with pytest.raises(ValueError, match=message):
        later_attacks.run_attack(net, x, t, name, epsilons=eps)


def test_bad_settings_and_inputs_are_refused(net, task):
    x, t = task
    with pytest.raises(ValueError, match="unknown setting"):
        later_attacks.run_attack(net, x, t, "ddn", settings={"stepz": 3})
    with pytest.raises(ValueError, match="unknown setting"):
        later_attacks.run_attack(net, x, t, "fgsm", epsilons=[0.1], settings={"random_start": True})
    with pytest.raises(ValueError):
        later_attacks.run_attack(net, x * 2, t, "ddn")
    with pytest.raises(ValueError):
        later_attacks.run_attack(net, x, t[:3], "ddn")
    with pytest.raises(ValueError, match="training mode"):
        later_attacks.run_attack(net.train(), x, t, "ddn")
    net.eval()
