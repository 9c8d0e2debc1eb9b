"""Adversarial-pool training (chapter 6): pool refresh counts, valid pool examples, and the empty
pool reducing exactly to the plain training loop."""

import dataclasses

import pytest
import torch

from intriguing import adversarial_training as at
from intriguing import models, training
from intriguing.attacks import LBFGSConfig
from intriguing.runtime import seeded

DECAY = (1e-5, 1e-5, 1e-6)
FAST = LBFGSConfig(search_steps=4, max_iter=50)


@pytest.fixture(scope="module")
def small(mnist):
    x, y = mnist.subset("train")
    return x[:2000], y[:2000]


@pytest.fixture(scope="module")
def trained(small):
    x, y = small
    net = _net()
    training.train_classifier(net, x, y, config=_cfg(), weight_decay=DECAY)
    return net.eval().requires_grad_(False)


def _net(seed=0, sizes=(784, 20, 20, 10)):
    with seeded(seed):
        return models.build("mlp", sizes)


def _cfg(**kw):
    return training.TrainConfig(**{"epochs": 2, "batch_size": 20, "lr": 0.5, "momentum": 0.9,
                                   "lr_decay": 0.9, "seed": 3, **kw})


@pytest.mark.parametrize("pool", [at.PoolConfig(size=0), at.PoolConfig(size=100, mix=0.0), None])
def test_empty_pool_equals_plain_training(small, pool):
    x, y = small
    a, b = _net(), _net()
    ha = training.train_classifier(a, x, y, config=_cfg(), weight_decay=DECAY, eval_sets={"t": (x, y)})
    hb = at.adversarial_train(b, x, y, config=_cfg(), weight_decay=DECAY, pool=pool, eval_sets={"t": (x, y)})
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), ka
    assert ha["objective"] == hb["objective"] and ha["errors_t"] == hb["errors_t"]
    assert hb["refreshes"] == []


@pytest.mark.parametrize("layers", [(0,), (0, 2)])
def test_pool_is_refreshed_as_configured(small, layers):
    x, y = small
    cfg = at.PoolConfig(size=60, refresh_fraction=0.25, refresh_every=25, mix=0.2, start_epoch=2, layers=layers,
                        attack=FAST)
    net = _net()
    h = at.adversarial_train(net, x, y, config=_cfg(epochs=3), weight_decay=DECAY, pool=cfg)
    steps_per_epoch = len(x) // 20
    refreshes = h["refreshes"]
    # pools start after two clean epochs and are refreshed every 25 batches of the third epoch
    expected_steps = list(range(0, steps_per_epoch, cfg.refresh_every))
    assert [r["step"] for r in refreshes] == [s for s in expected_steps for _ in layers]
    assert [r["layer"] for r in refreshes] == list(layers) * len(expected_steps)
    first, rest = refreshes[: len(layers)], refreshes[len(layers):]
    for r in first:  # the initial fill attacks `size` images and adds every success
        assert r["attacked"] == cfg.size and r["replaced"] == 0 and r["size"] == r["added"] >= cfg.size // 2
    size = {k: r["size"] for k, r in zip(layers, first)}
    for r in rest:  # later refreshes attack a quarter of the pool's size; successes top it up, then replace
        assert r["attacked"] == 15
        assert r["added"] + r["replaced"] <= 15
        assert r["size"] == min(cfg.size, size[r["layer"]] + r["added"])
        assert r["replaced"] == 0 or r["size"] == cfg.size
        size[r["layer"]] = r["size"]
    assert sum(r["replaced"] for r in rest) >= 15


def test_refresh_replaces_exactly_the_successes(trained, small):
    x, y = small
    pool = at.Pool.empty(0, 784, x)
    gen = torch.Generator().manual_seed(0)
    fill = at.refresh_pool(pool, trained, x, y, capacity=40, count=40, gen=gen, step=0, seed=0, config=FAST)
    assert len(pool) == fill["added"] == fill["size"] and fill["replaced"] == 0
    fill = at.refresh_pool(pool, trained, x, y, capacity=40, count=40 - len(pool), gen=gen, step=1, seed=9,
                           config=FAST) if len(pool) < 40 else fill
    assert len(pool) >= 38
    before_x, before_step = pool.x.clone(), pool.made_at.clone()
    r = at.refresh_pool(pool, trained, x, y, capacity=40, count=10, gen=gen, step=7, seed=1, config=FAST)
    assert r["added"] == min(r["added"] + r["replaced"], 40 - len(before_x))
    replaced = pool.made_at[: len(before_x)] == 7
    assert int(replaced.sum()) == r["replaced"] >= 8  # distinct slots, one per success
    assert torch.equal(pool.x[: len(before_x)][~replaced], before_x[~replaced])  # the rest is untouched
    assert torch.equal(pool.made_at[: len(before_x)][~replaced], before_step[~replaced])
    # every pool example is valid: in the box, TRUE label, classified as its target by the model that made it
    assert bool((pool.x >= 0).all() and (pool.x <= 1).all())
    assert torch.equal(pool.y, y[pool.source]) and bool((pool.target != pool.y).all())
    with torch.no_grad():
        assert torch.equal(trained(pool.x).argmax(1), pool.target)


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_pool_examples_are_valid_adversarials(trained, small, layer):
    x, y = small
    net = trained
    idx = torch.arange(100, 160)
    new = at.make_adversarial(net, x[idx], y[idx], idx, layer, seed=5, config=FAST)
    assert len(new["y"]) >= 50
    assert new["x"].shape[1] == net.sizes[layer]
    assert bool((new["x"] >= 0).all() and (new["x"] <= 1).all())  # inside the box
    assert torch.equal(new["y"], y[new["source"]])  # labelled with the TRUE label
    assert bool((new["target"] != new["y"]).all())
    with torch.no_grad():
        pred = at.Above(net, layer)(new["x"]).argmax(1)
    assert bool((pred == new["target"]).all())  # misclassified (as the target) by the model that made them


def test_activations_and_above_compose_to_the_model(small):
    x, _ = small
    net = _net().eval()
    with torch.no_grad():
        for k in range(3):
            assert torch.allclose(at.Above(net, k)(at.activations(net, x[:20], k)), net(x[:20]), atol=1e-6)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match=r"PoolConfig\.mix must be a finite number >= 0 and < 1, got 1\.0"):
        at.PoolConfig(mix=1.0)
    with pytest.raises(ValueError, match=r"PoolConfig\.refresh_fraction must be a finite number >= 0 and <= 1"):
        at.PoolConfig(refresh_fraction=1.5)
    with pytest.raises(ValueError, match=r"PoolConfig\.refresh_every must be a positive integer, got 0"):
        at.PoolConfig(refresh_every=0)
    with pytest.raises(ValueError, match=r"PoolConfig\.size must be an integer >= 0, got -1"):
        at.PoolConfig(size=-1)
    with pytest.raises(ValueError, match="layers"):
        at.PoolConfig(layers=(0, 0))
    with pytest.raises(ValueError, match="layer 3"):
        at.Above(_net(), 3)
    with pytest.raises(ValueError, match="dropout"):
        at.adversarial_train(_net(), torch.zeros(10, 784), torch.zeros(10, dtype=torch.long),
                             config=_cfg(batch_size=5), weight_decay=DECAY, dropout=(0.0, 1.0))


def test_dropout_changes_training_but_not_the_batch_order(small):
    x, y = small
    a, b = _net(), _net()
    cfg = _cfg(epochs=1)
    at.adversarial_train(a, x, y, config=cfg, weight_decay=DECAY, dropout=(0.2, 0.5))
    at.adversarial_train(b, x, y, config=cfg, weight_decay=DECAY, dropout=(0.2, 0.5))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))  # seeded masks
    c = _net()
    training.train_classifier(c, x, y, config=cfg, weight_decay=DECAY)
    assert not torch.equal(a.layers[0].weight, c.layers[0].weight)
    assert dataclasses.replace(at.PoolConfig(), size=0).extra_per_batch(100) == 0
    assert at.PoolConfig(mix=0.5).extra_per_batch(100) == 100


def test_variant_key_covers_the_recipe_the_device_and_the_code(mnist):
    base = at.variant_key(at.Variant("a", _cfg()), mnist, torch.device("cpu"))
    assert {"variant", "data", "split_seed", "device", "torch", "code"} <= set(base)
    assert base != at.variant_key(at.Variant("a", _cfg(seed=4)), mnist, torch.device("cpu"))
    assert base != at.variant_key(at.Variant("a", _cfg()), mnist, torch.device("cuda"))
