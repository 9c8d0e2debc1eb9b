"""Training with a continuously refreshed pool of adversarial examples (Szegedy et al. 2014, Sec. 4.2).

The paper trained a 100-100-10 sigmoid net with "a pool of adversarial examples, a random subset
of which is continuously replaced by newly generated adversarial examples and which is mixed into
the original training set all the time", and says the gain came only when adversarial examples
were made for *each layer's outputs* and used to train the layers above. It gives no pool size,
refresh rate, mixing ratio or attack settings; :class:`PoolConfig` holds ours.

The loop (:func:`adversarial_train`) is :func:`intriguing.training.train_classifier` with two
additions that consume random numbers only from their own generators, so an empty pool (size 0
or mixing ratio 0) and no dropout give the plain loop's weights bit for bit:

* every ``refresh_every`` mini-batches a ``refresh_fraction`` of every pool is replaced by new
  adversarial examples of the *current* model (box-constrained L-BFGS, :mod:`intriguing.attacks`,
  on a frozen eval-mode copy, random wrong targets; only confirmed successes enter, labelled with
  their TRUE label);
* each mini-batch of clean images gets ``round(B · mix / (1 - mix))`` extra pool examples, so a
  share ``mix`` of the examples in the loss comes from the pool; with several pools (per-layer
  training) the batches take turns, batch ``t`` using pool ``t mod (number of pools)``.

A pool at layer ``k > 0`` holds adversarial *activations* of hidden layer ``k``: the L-BFGS engine
attacks the sub-network above layer ``k`` in the box [0, 1] where sigmoid activations live, and
the pool's examples train only the layers above ``k`` (gradients stop at the stored activations).
Explained in chapter 6, "Training with adversarial examples".
"""

from __future__ import annotations

import copy
import dataclasses
import math
import sys
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from intriguing import _checks, attacks, cache, data, models, training
from intriguing.attacks import LBFGSConfig
from intriguing.data import MNIST
from intriguing.models import MLP, weight_decay_penalty
from intriguing.runtime import seeded
from intriguing.training import TrainConfig, train_classifier

#: Attack used to refresh the pools: three solves per image instead of ten (a pool needs valid
#: adversarial examples, not the last percent of minimality; 1.8 times cheaper on one CPU thread).
POOL_ATTACK = LBFGSConfig(search_steps=3)


@dataclass(frozen=True)
class PoolConfig:
    """How the adversarial pools are made, refreshed and mixed in (the paper gives none of these).

    ``size``: examples per pool (0 = no pool, plain training). ``refresh_fraction``: share of a
    pool replaced at each refresh (a uniformly random subset of its slots). ``refresh_every``:
    mini-batches between refreshes (600 = one epoch of 60,000 images at batch 100).
    ``mix``: share of the examples of each step's loss drawn from a pool (0 = no pool), in
    [0, 1). ``start_epoch``: clean epochs before the pools are first filled (adversarial
    examples of an untrained net teach nothing). ``layers``: where the pools live, 0 = input
    images, ``k`` = output of hidden layer ``k``; several layers = the paper's per-layer training.
    ``attack``: the L-BFGS settings. ``seed``: of the pool's own generator (which images are
    attacked, which slots are replaced, which pool examples join each batch) and of the targets.
    Explained in chapter 6, "Training with adversarial examples".
    """

    size: int = 2000
    refresh_fraction: float = 0.5
    refresh_every: int = 600
    mix: float = 0.25
    start_epoch: int = 1
    layers: tuple[int, ...] = (0,)
    attack: LBFGSConfig = POOL_ATTACK
    seed: int = 1

    def __post_init__(self):
        for name in ("size", "start_epoch", "seed"):
            _checks.positive_int("PoolConfig", name, getattr(self, name), minimum=0)
        _checks.positive_int("PoolConfig", "refresh_every", self.refresh_every)
        _checks.number("PoolConfig", "refresh_fraction", self.refresh_fraction, strict=False, high=1)
        _checks.number("PoolConfig", "mix", self.mix, strict=False, high=1, high_strict=True)
        if not self.layers or any(not isinstance(k, int) or k < 0 for k in self.layers) \
                or len(set(self.layers)) != len(self.layers):
            raise ValueError(f"PoolConfig.layers must be distinct integers >= 0 (0 = input), got {self.layers!r}")

    @property
    def active(self) -> bool:
        """Whether any pool example reaches the loss (size and mixing share both positive)."""
        return self.size > 0 and self.mix > 0

    def extra_per_batch(self, batch_size: int) -> int:
        """Pool examples added to a clean mini-batch of ``batch_size`` so that their share is ``mix``."""
        return round(batch_size * self.mix / (1 - self.mix)) if self.active else 0


# ----------------------------------------------------------------------------------------------
# layers of a sigmoid MLP


def _check_mlp(model: nn.Module, layer: int) -> None:
    if not isinstance(model, MLP):
        raise ValueError(f"per-layer adversarial pools need an intriguing.models.MLP, got {type(model).__name__}")
    if not 0 <= layer < len(model.layers):
        raise ValueError(f"layer {layer} does not exist: use 0 (input) to {len(model.layers) - 1} "
                         f"(last hidden layer) for {'-'.join(map(str, model.sizes))}")


def activations(model: MLP, x: torch.Tensor, layer: int) -> torch.Tensor:
    """The input of the sub-network above ``layer``: ``x`` for 0, else hidden layer ``layer``'s sigmoid output.

    Explained in chapter 6, "Training with adversarial examples".
    """
    _check_mlp(model, layer)
    for lin in model.layers[:layer]:
        x = torch.sigmoid(lin(x))
    return x


class Above(nn.Module):
    """The layers of an MLP above ``layer``: maps activations ``[B, m]`` in [0, 1] to logits.

    Shares the parameters of ``model``; this is what the L-BFGS engine attacks at a hidden layer,
    and what a hidden-layer pool trains. Explained in chapter 6, "Training with adversarial examples".
    """

    def __init__(self, model: MLP, layer: int):
        super().__init__()
        _check_mlp(model, layer)
        self.layers = nn.ModuleList(model.layers[layer:])

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        for lin in self.layers[:-1]:
            h = torch.sigmoid(lin(h))
        return self.layers[-1](h)


# ----------------------------------------------------------------------------------------------
# pools


@dataclass
class Pool:
    """One layer's pool: adversarial inputs of the layers above ``layer`` with their true labels.

    ``made_at`` is the training step at which each example was made, ``source`` the index of the
    training image it was made from, ``target`` the label the attack aimed at. Explained in
    chapter 6, "Training with adversarial examples".
    """

    layer: int
    x: torch.Tensor
    y: torch.Tensor
    target: torch.Tensor
    source: torch.Tensor
    made_at: torch.Tensor

    @staticmethod
    def empty(layer: int, width: int, like: torch.Tensor) -> Pool:
        """An empty pool of ``width``-wide examples on the device and dtype of ``like``."""
        long = torch.zeros(0, dtype=torch.long, device=like.device)
        return Pool(layer, like.new_zeros(0, width), long, long.clone(), long.clone(), long.clone())

    def __len__(self) -> int:
        return len(self.y)


def make_adversarial(model: MLP, x: torch.Tensor, y: torch.Tensor, indices: torch.Tensor, layer: int, *,
                     seed: int, config: LBFGSConfig = POOL_ATTACK, batch_size: int = 1000) -> dict[str, torch.Tensor]:
    """Adversarial examples of ``model`` at ``layer`` for training images ``x`` (labels ``y``, data-set ``indices``).

    The model is copied, put in eval mode and frozen (training mode or later updates cannot touch
    the attack); targets are :func:`intriguing.attacks.random_targets` of ``(seed, index)``; only
    confirmed successes are returned, as ``x`` (the adversarial activations at ``layer``), ``y``
    (TRUE labels), ``target``, ``source`` (indices) and ``distortion`` (RMS over the layer's width).
    Explained in chapter 6, "Training with adversarial examples".
    """
    frozen = copy.deepcopy(model).eval().requires_grad_(False)
    net = Above(frozen, layer).eval()
    with torch.no_grad():
        h = activations(frozen, x, layer).clamp(0, 1)  # sigmoid outputs lie in [0, 1]; clamp guards rounding
    tgt = attacks.random_targets(y, indices, seed, frozen.sizes[-1])
    res = attacks.attack(net, h, y, tgt, config=config, batch_size=batch_size)
    ok = res.success
    return {"x": res.images[ok].to(h.dtype), "y": y[ok], "target": tgt[ok], "source": indices[ok],
            "distortion": res.distortion[ok]}


def refresh_pool(pool: Pool, model: MLP, x: torch.Tensor, y: torch.Tensor, *, capacity: int, count: int,
                 gen: torch.Generator, step: int, seed: int, config: LBFGSConfig = POOL_ATTACK) -> dict:
    """Replace ``count`` random slots of ``pool`` (or fill it up to ``capacity``) with new adversarial examples.

    ``count`` training images drawn without replacement by ``gen`` are attacked (see
    :func:`make_adversarial`); a pool below ``capacity`` is filled first, and the remaining
    successes overwrite distinct random slots. Failed attacks leave their slot unchanged, so the
    number replaced is the number of successes. Returns the refresh's statistics.
    Explained in chapter 6, "Training with adversarial examples".
    """
    if count <= 0:
        return {"step": step, "layer": pool.layer, "attacked": 0, "added": 0, "replaced": 0, "size": len(pool),
                "distortion": math.nan}
    pick = torch.randperm(len(x), generator=gen)[:count].to(x.device)
    new = make_adversarial(model, x[pick], y[pick], pick, pool.layer, seed=seed, config=config)
    n_new = len(new["y"])
    n_add = min(n_new, capacity - len(pool))
    n_rep = min(n_new - n_add, len(pool))
    slots = torch.randperm(len(pool), generator=gen)[:n_rep].to(x.device)
    made = torch.full((n_new,), step, dtype=torch.long, device=x.device)
    for key, value in (("x", new["x"]), ("y", new["y"]), ("target", new["target"]), ("source", new["source"]),
                       ("made_at", made)):
        old = getattr(pool, key)
        old = old.index_copy(0, slots, value[n_add:n_add + n_rep]) if n_rep else old
        setattr(pool, key, torch.cat([old, value[:n_add]]))
    dist = float(new["distortion"].mean()) if n_new else math.nan
    return {"step": step, "layer": pool.layer, "attacked": int(count), "added": int(n_add), "replaced": int(n_rep),
            "size": len(pool), "distortion": dist}


# ----------------------------------------------------------------------------------------------
# training


def dropout_logits(model: MLP, x: torch.Tensor, p_input: float, p_hidden: float, gen: torch.Generator) -> torch.Tensor:
    """Logits of ``model`` with (inverted) dropout on its input and hidden units; masks from ``gen`` on the CPU.

    Masks are drawn on the CPU and moved to the device, so CPU and GPU runs drop the same units.
    At test time the plain ``model(x)`` is used (inverted dropout needs no rescaling there).
    Explained in chapter 6, "Training with adversarial examples".
    """
    def drop(h, p):
        if p <= 0:
            return h
        keep = (torch.rand(h.shape, generator=gen) >= p).to(device=h.device, dtype=h.dtype)
        return h * keep / (1 - p)

    h = drop(x, p_input)
    for lin in model.layers[:-1]:
        h = drop(torch.sigmoid(lin(h)), p_hidden)
    return model.layers[-1](h)


def adversarial_train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    config: TrainConfig,
    weight_decay: tuple[float, ...],
    pool: PoolConfig | None = None,
    dropout: tuple[float, float] = (0.0, 0.0),
    eval_sets: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> dict[str, list]:
    """SGD with momentum on cross-entropy + weight decay, with adversarial pools mixed in and/or dropout.

    It is :func:`intriguing.training.train_classifier` (the same loop: optimiser, learning-rate
    schedule, batch order from a generator seeded with ``config.seed``, history) with its
    ``batch_loss`` hook doing the pools and dropout; the pools and dropout draw from their own
    generators (seeds ``pool.seed`` and ``config.seed + 1``), so with no pool and no dropout the
    weights are bit-identical to it. The history adds ``refreshes``: one dict per pool refresh
    (step, layer, attacked, added, replaced, pool size after, mean distortion). Explained in
    chapter 6, "Training with adversarial examples".
    """
    pool = pool or PoolConfig(size=0)
    p_in, p_hid = (float(p) for p in dropout)
    if not (0 <= p_in < 1 and 0 <= p_hid < 1):
        raise ValueError(f"dropout rates must be in [0, 1), got {dropout!r}")
    use_pool = pool.active
    if use_pool or p_in or p_hid:
        for k in pool.layers:
            _check_mlp(model, k)
    pool_gen = torch.Generator().manual_seed(pool.seed)
    drop_gen = torch.Generator().manual_seed(config.seed + 1)
    bs = config.batch_size
    extra = pool.extra_per_batch(bs)
    n_replace = round(pool.refresh_fraction * pool.size)
    pools = {k: Pool.empty(k, model.sizes[k], x) for k in pool.layers} if use_pool else {}
    above = {k: Above(model, k) for k in pools}
    refreshes: list[dict] = []
    state = {"step": 0, "refresh_no": 0}  # mini-batches since the pools started; refreshes so far

    def batch_loss(idx: torch.Tensor, epoch: int) -> torch.Tensor:
        """One mini-batch: refresh the pools when due, then its loss with dropout and a pool's examples."""
        pooling = use_pool and epoch >= pool.start_epoch
        step = state["step"]
        if pooling and step % pool.refresh_every == 0:
            for pl in pools.values():
                count = n_replace if step else pool.size  # the first refresh fills the pool
                seed = pool.seed * 1_000_003 + state["refresh_no"]
                refreshes.append(refresh_pool(pl, model, x, y, capacity=pool.size, count=count, gen=pool_gen,
                                              step=step, seed=seed, config=pool.attack))
                state["refresh_no"] += 1
            model.train()
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        logits = dropout_logits(model, xb, p_in, p_hid, drop_gen) if (p_in or p_hid) else model(xb)
        if pooling:
            k = pool.layers[step % len(pool.layers)]
            pl = pools[k]
            state["step"] = step + 1
            if len(pl):
                j = torch.randint(len(pl), (extra,), generator=pool_gen).to(x.device)
                logits = torch.cat([logits, above[k](pl.x[j])])
                yb = torch.cat([yb, pl.y[j]])
        return F.cross_entropy(logits, yb) + weight_decay_penalty(model, weight_decay)

    history = train_classifier(model, x, y, config=config, weight_decay=weight_decay, eval_sets=eval_sets,
                               progress=False, batch_loss=batch_loss)
    # the history of train_classifier with the refreshes after the objective, as before
    return {"epoch": history.pop("epoch"), "objective": history.pop("objective"), "refreshes": refreshes, **history}


# ----------------------------------------------------------------------------------------------
# named variants, trained once and cached


@dataclass(frozen=True)
class Variant:
    """One training recipe of the chapter: architecture, decay, optimiser, pools and dropout.

    Every field enters the cache key. Explained in chapter 6, "Training with adversarial examples".
    """

    name: str
    train: TrainConfig
    sizes: tuple[int, ...] = (784, 100, 100, 10)
    weight_decay: tuple[float, ...] = (1e-5, 1e-5, 1e-6)  # Table 1's λ of the sigmoid networks
    pool: PoolConfig = field(default_factory=lambda: PoolConfig(size=0))
    dropout: tuple[float, float] = (0.0, 0.0)

    def key(self) -> dict:
        return dataclasses.asdict(self)


def variant_key(variant: Variant, mnist: MNIST, device: torch.device) -> dict:
    """Everything that affects a variant's weights (:func:`intriguing.cache.model_key`): the recipe,
    data fingerprint and split, device kind, torch version, and the code that trains it (data,
    models, training, the attack that fills the pools, and this module).

    Explained in chapter 6, "Training with adversarial examples".
    """
    return cache.model_key({"variant": variant.key()}, mnist, device,
                           data, models, training, attacks, sys.modules[__name__])


def train_variant(variant: Variant, mnist: MNIST, device: torch.device) -> tuple[nn.Module, dict]:
    """Train ``variant`` on the 60,000 training images, or load it from the cache; returns (model, history).

    The model comes back in eval mode with frozen parameters; the history has per-epoch training
    and test error counts and the pool refreshes. Explained in chapter 6, "Training with
    adversarial examples".
    """
    mnist = mnist.to(device)
    x, y = mnist.subset("train")

    def compute() -> dict:
        with seeded(variant.train.seed):
            net = models.build("mlp", variant.sizes).to(device)
        hist = adversarial_train(net, x, y, config=variant.train, weight_decay=variant.weight_decay,
                                 pool=variant.pool, dropout=variant.dropout,
                                 eval_sets={"train": (x, y), "test": mnist.subset("test")})
        hist["sizes"] = {"train": len(y), "test": len(mnist.test_y)}
        return {"state": {k: v.detach().cpu() for k, v in net.state_dict().items()}, "history": hist}

    payload = cache.load_or_compute("adversarial_training", variant_key(variant, mnist, device), compute)
    return models.restore("mlp", variant.sizes, payload["state"], device), payload["history"]
