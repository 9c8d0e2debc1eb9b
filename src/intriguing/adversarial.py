"""Cached sets of box-constrained L-BFGS adversarial examples for the zoo models.

Later chapters feed the adversarial examples of one model to others (the paper's Tables 1-4),
so each set is computed once and kept in the book's cache, keyed by everything that affects
it: the model's own cache key, the subset, ``n``, the target rule and seed, the attack
settings, the batch size and the source of the attack code. Explained in chapter 3,
"Box-constrained L-BFGS adversaries".
"""

from __future__ import annotations

import dataclasses
import sys

import torch

from intriguing import attacks, cache, zoo
from intriguing.attacks import LBFGSConfig
from intriguing.data import MNIST, SUBSETS, load_mnist
from intriguing.runtime import pick_device


def adversarial_set(
    model_name: str,
    subset: str = "train",
    n: int = 1000,
    target: str = "random",
    *,
    seed: int = 0,
    config: LBFGSConfig | None = None,
    device: str | torch.device | None = "auto",
    batch_size: int = 1000,
    mnist: MNIST | None = None,
) -> dict[str, torch.Tensor]:
    """Adversarial examples of zoo model ``model_name`` for the first ``n`` images of ``subset``.

    The images are the first ``n`` of the subset in index order (MNIST's files are already in
    random order), so a set of ``n`` images is the first part of every larger set; its keys
    are ``indices`` (positions in the subset), ``labels`` (true labels), ``images`` (the
    adversarial images, the original image where the attack failed), ``targets``,
    ``success``, ``distortion`` (the paper's RMS measure), ``l2`` and ``c`` (NaN where the
    attack failed) and ``evaluations``, all on the CPU. ``target`` is a rule of
    :func:`intriguing.attacks.attack`. A cached set is reused only for exactly the same
    arguments (a larger ``n`` is recomputed, not sliced). Explained in chapter 3,
    "Box-constrained L-BFGS adversaries".
    """
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r}: use one of {SUBSETS}")
    if target not in attacks.TARGET_RULES:
        raise ValueError(f"unknown target rule {target!r}: use one of {attacks.TARGET_RULES}")
    cfg = config or LBFGSConfig()
    dev = device if isinstance(device, torch.device) else pick_device(device)
    trained = zoo.get_model(model_name, mnist=mnist, device=dev)
    data = (mnist or load_mnist()).to(dev)
    x_all, y_all = data.subset(subset)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(x_all):
        raise ValueError(f"n must be an integer from 1 to {len(x_all)} (the size of subset {subset!r}), got {n!r}")
    key = {
        "model": zoo.cache_key(trained.spec, data, dev),
        "subset": subset,
        "n": n,
        "target": target,
        "seed": seed,
        "config": cfg.asdict(),
        "batch_size": batch_size,
        "code": cache.code_version(attacks, sys.modules[__name__]),
    }

    def compute() -> dict[str, torch.Tensor]:
        x, y = x_all[:n], y_all[:n]
        idx = torch.arange(n, device=dev)
        res = attacks.attack(trained.model, x, y, target, indices=idx, seed=seed, config=cfg, batch_size=batch_size)
        out = {"indices": idx, "labels": y}
        out.update({f.name: getattr(res, f.name) for f in dataclasses.fields(res)})
        out["targets"] = out.pop("target")
        return {k: v.detach().cpu() for k, v in out.items()}

    return cache.load_or_compute("adversarial", key, compute)
