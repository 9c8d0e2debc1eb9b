"""The batched box-constrained L-BFGS attack: agreement with scipy's L-BFGS-B, and its guarantees."""

import dataclasses
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from intriguing import adversarial, attacks, models, zoo
from intriguing.attacks import LBFGSConfig
from intriguing.runtime import seeded
from intriguing.training import TrainConfig, train_classifier

FAST = LBFGSConfig(search_steps=6)
HYP = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _trained(mnist, sizes):
    with seeded(0):
        model = models.MLP(sizes)
    train_classifier(model, mnist.train_x[:5000], mnist.train_y[:5000], weight_decay=(0.0,) * (len(sizes) - 1),
                     config=TrainConfig(epochs=2, batch_size=50, lr=0.5, momentum=0.9))
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="module")
def tiny(mnist):
    """A 784-32-10 sigmoid MLP trained for 2 epochs on 5,000 images (a few seconds)."""
    return _trained(mnist, (784, 32, 10))


@pytest.fixture(scope="module")
def softmax(mnist):
    """Softmax regression (FC10 without weight decay), 2 epochs on 5,000 images."""
    return _trained(mnist, (784, 10))


@pytest.fixture(scope="module")
def images(mnist):
    return mnist.test_x[:40], mnist.test_y[:40]


def fresh_margin(model, x, target):
    with torch.no_grad():
        return attacks.target_margin(model(x), target)


def distortion_ratio(ours, ref):
    """Per-image ratio of our distortion to the reference's (1 where both are 0: already labelled l)."""
    ratio = ours.distortion.double() / ref.distortion
    return torch.where((ours.distortion == 0) & (ref.distortion == 0), torch.ones_like(ratio), ratio)


def test_matches_scipy_lbfgsb_reference_per_image_on_a_convex_model(softmax, images):
    """Softmax regression: each penalised problem is strictly convex, so both solvers must find the
    same minimiser for every c, and the whole search must agree image by image."""
    x, y = images
    target = attacks.random_targets(y, torch.arange(len(y)))
    ours = attacks.lbfgs_attack(softmax, x, target)
    ref = attacks.scipy_reference_attack(softmax, x, target)
    assert ref.success.all() and ours.success.all()
    ratio = distortion_ratio(ours, ref)
    assert (ratio <= 1.01).float().mean() >= 0.95, ratio


def test_matches_scipy_lbfgsb_reference_on_an_mlp(tiny, images):
    """A sigmoid MLP is not convex in the input: the two solvers may settle in different local
    minima for a few images (either way), so the test asks for agreement on most images and on
    the mean."""
    x, y = images
    target = attacks.random_targets(y, torch.arange(len(y)))
    ours = attacks.lbfgs_attack(tiny, x, target)
    ref = attacks.scipy_reference_attack(tiny, x, target)
    assert ref.success.all() and ours.success.all()
    ratio = distortion_ratio(ours, ref)
    assert (ratio <= 1.01).float().mean() >= 0.85, ratio
    assert abs(ours.distortion.mean().item() / ref.distortion.mean().item() - 1) < 0.01


def test_compact_inverse_hessian_equals_two_loop_recursion():
    torch.manual_seed(0)
    B, M, m = 4, 5, 12
    P = torch.zeros(B, 2 * M, m, dtype=torch.float64)
    head, nhist = torch.zeros(B, dtype=torch.long), torch.tensor([0, 2, 5, 5])
    gamma = torch.ones(B, dtype=torch.float64)
    newest_first = []
    for b, k in enumerate([0, 2, 5, 8]):  # the last image wraps around its ring of slots
        pairs = []
        for _ in range(k):
            s = torch.randn(m, dtype=torch.float64)
            y = s + 0.3 * torch.randn(m, dtype=torch.float64)
            y = y if s @ y > 0 else -y + 2 * s
            P[b, head[b]], P[b, M + head[b]] = s, y
            head[b] = (head[b] + 1) % M
            pairs.append((s, y))
        newest_first.append(pairs[::-1][:M])
        if pairs:
            gamma[b] = (pairs[-1][0] @ pairs[-1][1]) / (pairs[-1][1] @ pairs[-1][1])
    S, Y = P[:, :M], P[:, M:]
    q = torch.randn(B, m, dtype=torch.float64)
    k = attacks._inverse_hessian_coefficients((P @ q[:, :, None])[..., 0], S @ Y.transpose(1, 2),
                                              Y @ Y.transpose(1, 2), gamma, head, nhist)
    got = gamma[:, None] * q + (k[:, :, None] * P).sum(1)
    for i, pairs in enumerate(newest_first):  # textbook two-loop recursion
        r, alphas = q[i].clone(), []
        for s, y in pairs:
            alphas.append((s @ r) / (s @ y))
            r -= alphas[-1] * y
        r *= gamma[i]
        for (s, y), alpha in zip(reversed(pairs), reversed(alphas)):
            r += (alpha - (y @ r) / (s @ y)) * s
        torch.testing.assert_close(got[i], r)


@HYP
@given(seed=st.integers(0, 10_000), steps=st.integers(1, 4), max_iter=st.integers(1, 30),
       c_init=st.sampled_from([1e-2, 1.0, 1e3]), n=st.integers(1, 6))
def test_every_output_is_valid_and_honest(tiny, mnist, seed, steps, max_iter, c_init, n):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(1000, generator=g)[:n]
    x, y = mnist.test_x[idx], mnist.test_y[idx]
    target = attacks.random_targets(y, idx, seed)
    cfg = LBFGSConfig(search_steps=steps, max_iter=max_iter, c_init=c_init)
    res = attacks.lbfgs_attack(tiny, x, target, config=cfg)
    assert ((res.images >= 0) & (res.images <= 1)).all()
    ok = res.success
    for bs in (1, n):  # reached at any batch size, with room to spare
        margins = torch.cat([fresh_margin(tiny, res.images[i:i + bs], target[i:i + bs]) for i in range(0, n, bs)])
        assert (margins[ok] > 0).all()
        assert (margins[ok] >= cfg.margin / 2).all()
    torch.testing.assert_close(res.distortion[ok], attacks.rms_distortion(res.images[ok], x[ok]))
    torch.testing.assert_close(res.l2[ok], (res.images[ok] - x[ok]).norm(dim=1))
    assert (res.c[ok] > 0).all()
    # a failure keeps the original image and no number that could be averaged by mistake
    assert torch.equal(res.images[~ok], x[~ok])
    assert res.distortion[~ok].isnan().all() and res.l2[~ok].isnan().all() and res.c[~ok].isnan().all()
    assert torch.equal(res.target, target)


class _NeverNine(nn.Module):
    """A linear classifier whose label 9 can never win inside the box: its logit is -1000."""

    def __init__(self, base: nn.Module):
        super().__init__()
        self.base = base

    def forward(self, x):
        out = self.base(x)
        return torch.cat([out[:, :9], torch.full_like(out[:, 9:], -1000.0)], 1)


def test_impossible_target_is_reported_as_failure(tiny, images):
    x, y = images[0][:8], images[1][:8]
    keep = y != 9
    x, y = x[keep], y[keep]
    model = _NeverNine(tiny).eval()
    res = attacks.lbfgs_attack(model, x, torch.full_like(y, 9), config=LBFGSConfig(search_steps=3, max_iter=20))
    assert not res.success.any()
    assert torch.equal(res.images, x)
    assert res.distortion.isnan().all()
    assert (res.evaluations > 0).all()


def test_tiny_budget_fails_honestly(tiny, images):
    x, y = images
    target = attacks.random_targets(y, torch.arange(len(y)))
    res = attacks.lbfgs_attack(tiny, x, target, config=LBFGSConfig(search_steps=1, max_iter=1, c_init=1e4))
    assert not res.success.all()  # one step with a huge penalty cannot move most images
    assert (fresh_margin(tiny, res.images[res.success], target[res.success]) > 0).all()
    assert torch.equal(res.images[~res.success], x[~res.success])


def test_image_already_in_target_class_is_returned_unchanged(tiny, images):
    x, _ = images
    pred = tiny(x).argmax(1)
    res = attacks.lbfgs_attack(tiny, x[:5], pred[:5], config=FAST)
    assert res.success.all() and (res.distortion == 0).all() and torch.equal(res.images, x[:5])


def test_search_over_c_brackets_then_bisects_in_log_space():
    c = torch.tensor([1.0, 1.0], dtype=torch.float64)
    lo, hi = torch.zeros_like(c), torch.full_like(c, math.inf)
    c, lo, hi = attacks.next_c(c, lo, hi, torch.tensor([True, False]), 10.0)
    # success: a larger c (a smaller r); failure: a smaller one
    torch.testing.assert_close(c, torch.tensor([10.0, 0.1], dtype=torch.float64))
    c, lo, hi = attacks.next_c(c, lo, hi, torch.tensor([False, True]), 10.0)
    torch.testing.assert_close(c, torch.tensor([math.sqrt(10.0), math.sqrt(0.1)], dtype=torch.float64))
    assert lo.tolist() == [1.0, 0.1] and hi.tolist() == [10.0, 1.0]
    c, lo, hi = attacks.next_c(c, lo, hi, torch.tensor([True, False]), 10.0)
    torch.testing.assert_close(c, torch.tensor([10 ** 0.75, 10 ** -0.75], dtype=torch.float64))
    cfg = LBFGSConfig(search_steps=5, c_rtol=0.5)
    solves = torch.tensor([3, 3])
    assert attacks.search_finished(lo, hi, solves, cfg).tolist() == [False, False]  # brackets still x10^0.5
    assert attacks.search_finished(lo, lo * 1.4, solves, cfg).all()  # narrower than 1 + c_rtol
    assert attacks.search_finished(lo, hi, solves + 2, cfg).all()  # out of solves
    assert not attacks.search_finished(torch.zeros(2), hi, solves, cfg).any()  # no success yet: keep going


def test_larger_c_means_smaller_distortion(tiny, images):
    """The direction of the inverted "minimum c": growing c shrinks r (until the attack fails)."""
    x, y = images[0][:10], images[1][:10]
    target = attacks.random_targets(y, torch.arange(10))
    small = attacks.lbfgs_attack(tiny, x, target, config=LBFGSConfig(search_steps=1, c_init=0.01))
    large = attacks.lbfgs_attack(tiny, x, target, config=LBFGSConfig(search_steps=1, c_init=0.3))
    both = small.success & large.success
    assert both.sum() >= 3
    assert (large.distortion[both] < small.distortion[both]).all()


def test_random_targets_are_wrong_reproducible_and_per_image(mnist):
    y = mnist.train_y[:2000]
    idx = torch.arange(2000)
    t = attacks.random_targets(y, idx, seed=3)
    assert (t != y).all() and ((t >= 0) & (t < 10)).all()
    assert torch.equal(t, attacks.random_targets(y, idx, seed=3))
    assert torch.equal(t[500:510], attacks.random_targets(y[500:510], idx[500:510], seed=3))  # batch-independent
    assert not torch.equal(t, attacks.random_targets(y, idx, seed=4))
    counts = torch.bincount((t - y) % 10, minlength=10)
    assert counts[0] == 0 and (counts[1:] > 150).all()  # every wrong offset is drawn


def test_runner_up_and_nearest_targets(tiny, images):
    x, y = images[0][:6], images[1][:6]
    logits = tiny(x)
    ru = attacks.runner_up_targets(tiny, x, y)
    assert (ru != y).all()
    assert torch.equal(ru, logits.scatter(1, y[:, None], -math.inf).argmax(1))
    near = attacks.attack(tiny, x, y, "nearest", config=FAST)
    rand = attacks.attack(tiny, x, y, "random", config=FAST)
    assert near.success.all() and (near.target != y).all()
    assert (near.distortion <= rand.distortion * 1.01).all()  # the random label is one of the nine tried
    assert (near.evaluations > rand.evaluations).all()


def test_batch_size_does_not_change_the_result(softmax, images):
    x, y = images[0][:12], images[1][:12]
    whole = attacks.attack(softmax, x, y, "random", batch_size=12)
    parts = attacks.attack(softmax, x, y, "random", batch_size=5)
    assert torch.equal(whole.success, parts.success) and torch.equal(whole.target, parts.target)
    torch.testing.assert_close(whole.distortion, parts.distortion, rtol=0.01, atol=0)


def test_float64_agrees_with_float32(tiny, images):
    x, y = images[0][:10], images[1][:10]
    target = attacks.random_targets(y, torch.arange(10))
    r32 = attacks.lbfgs_attack(tiny, x, target, config=FAST)
    r64 = attacks.lbfgs_attack(tiny, x, target, config=dataclasses.replace(FAST, dtype="float64"))
    assert r64.images.dtype == torch.float64 and r32.images.dtype == torch.float32
    assert r64.success.all() and r32.success.all()
    torch.testing.assert_close(r32.distortion.double(), r64.distortion, rtol=0.02, atol=0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(c_init=0.0), "c_init"), (dict(c_factor=1.0), "c_factor"), (dict(search_steps=0), "search_steps"),
    (dict(history=2.5), "history"), (dict(dtype="float16"), "dtype"), (dict(margin=-1.0), "margin"),
])
def test_bad_config_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LBFGSConfig(**kwargs)


def test_bad_inputs_are_refused(tiny, images):
    x, y = images[0][:3], images[1][:3]
    t = (y + 1) % 10
    with pytest.raises(ValueError, match=r"box \[0, 1\]"):
        attacks.lbfgs_attack(tiny, x * 255, t)
    with pytest.raises(ValueError, match="one label per image"):
        attacks.lbfgs_attack(tiny, x, t[:2])
    with pytest.raises(ValueError, match="different from the true label"):
        attacks.attack(tiny, x, y, y.clone())
    with pytest.raises(ValueError, match="unknown target rule"):
        attacks.attack(tiny, x, y, "farthest")
    with pytest.raises(ValueError, match="training mode"):
        attacks.lbfgs_attack(_NeverNine(tiny), x, t)


def test_adversarial_set_is_cached_and_keyed(tiny, mnist, isolated_cache, monkeypatch):
    spec = zoo.ZOO["FC10(1e-4)"]
    monkeypatch.setattr(zoo, "get_model", lambda name, **kw: zoo.TrainedModel(spec=spec, model=tiny))
    cfg = LBFGSConfig(search_steps=3)
    first = adversarial.adversarial_set("FC10(1e-4)", "test", n=4, config=cfg, device="cpu", mnist=mnist)
    assert set(first) >= {"indices", "images", "targets", "success", "distortion", "c", "labels"}
    assert torch.equal(first["indices"], torch.arange(4)) and torch.equal(first["labels"], mnist.test_y[:4])
    assert len(list((isolated_cache / "adversarial").glob("*.pt"))) == 1
    monkeypatch.setattr(attacks, "attack", lambda *a, **k: pytest.fail("recomputed a cached set"))
    again = adversarial.adversarial_set("FC10(1e-4)", "test", n=4, config=cfg, device="cpu", mnist=mnist)
    assert all(torch.equal(first[k], again[k]) for k in first if k not in ("distortion", "l2", "c"))
    with pytest.raises(pytest.fail.Exception):  # another n is another entry
        adversarial.adversarial_set("FC10(1e-4)", "test", n=3, config=cfg, device="cpu", mnist=mnist)
    with pytest.raises(ValueError, match="n must be"):
        adversarial.adversarial_set("FC10(1e-4)", "test", n=0, device="cpu", mnist=mnist)
