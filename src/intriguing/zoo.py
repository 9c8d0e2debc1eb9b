"""The book's model zoo: every MNIST model of the paper's Tables 1 and 3, trained once and cached.

``get_model(name)`` trains the named model or loads it from the cache; the cache key holds
everything that affects the weights (the spec with its training settings, the data fingerprint
and split, the device kind, the torch version and the source of the training code), so a change
to any of them trains afresh. Explained in chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field

import torch
from torch import nn

from intriguing import cache, data, models, training
from intriguing.data import MNIST, load_mnist
from intriguing.runtime import pick_device, seeded
from intriguing.training import AutoencoderConfig, TrainConfig

_SIGMOID_DECAY = (1e-5, 1e-5, 1e-6)  # Table 1: "Sigmoid network λ = 1e-5, 1e-5, 1e-6"
_SOFTMAX = TrainConfig(epochs=20, batch_size=100, lr=0.1, momentum=0.9, lr_decay=0.85)
_AE_SOFTMAX = TrainConfig(epochs=50, batch_size=100, lr=0.5, momentum=0.9, lr_decay=0.95)  # on frozen codes
_SIGMOID = TrainConfig(epochs=40, batch_size=100, lr=0.3, momentum=0.9, lr_decay=0.97)
_WIDE_SIGMOID = dataclasses.replace(_SIGMOID, lr=0.15)  # 123-456-10 stalls with saturated units at lr 0.3


@dataclass(frozen=True)
class ModelSpec:
    """What a zoo model is and how it is trained; every field enters the cache key."""

    name: str
    description: str
    arch: str  # "mlp", "ae-softmax" or "cnn" (see intriguing.models.build)
    sizes: tuple[int, ...]
    weight_decay: tuple[float, ...]  # one λ per weight layer
    train_set: str  # "train", "P1" or "P2"
    train: TrainConfig
    pretrain: AutoencoderConfig | None = None

    def key(self) -> dict:
        return dataclasses.asdict(self)


def _spec(name, description, arch, sizes, decay, train_set="train", train=_SIGMOID, **kw) -> ModelSpec:
    return ModelSpec(name, description, arch, tuple(sizes), tuple(decay), train_set, train, **kw)


#: Every named model of the book, in the paper's order.
ZOO: dict[str, ModelSpec] = {
    s.name: s
    for s in [
        _spec("FC10(1e-4)", "Softmax with λ = 1e-4", "mlp", (784, 10), (1e-4,), train=_SOFTMAX),
        _spec("FC10(1e-2)", "Softmax with λ = 1e-2", "mlp", (784, 10), (1e-2,), train=_SOFTMAX),
        _spec("FC10(1)", "Softmax with λ = 1", "mlp", (784, 10), (1.0,), train=_SOFTMAX),
        _spec("FC100-100-10", "Sigmoid network λ = 1e-5, 1e-5, 1e-6", "mlp", (784, 100, 100, 10), _SIGMOID_DECAY),
        _spec("FC200-200-10", "Sigmoid network λ = 1e-5, 1e-5, 1e-6", "mlp", (784, 200, 200, 10), _SIGMOID_DECAY),
        _spec("AE400-10", "Autoencoder with Softmax λ = 1e-6", "ae-softmax", (784, 400, 10), (1e-6,),
              train=_AE_SOFTMAX, pretrain=AutoencoderConfig()),
        _spec("FC100-100-10/P1", "100-100-10 trained on P1", "mlp", (784, 100, 100, 10), _SIGMOID_DECAY, "P1"),
        _spec("FC123-456-10/P1", "123-456-10 trained on P1", "mlp", (784, 123, 456, 10), _SIGMOID_DECAY, "P1",
              train=_WIDE_SIGMOID),
        _spec("FC100-100-10'/P2", "100-100-10 trained on P2", "mlp", (784, 100, 100, 10), _SIGMOID_DECAY, "P2",
              train=dataclasses.replace(_SIGMOID, seed=1)),
        _spec("CNN", "conv5x5(16)-pool-conv5x5(32)-pool-100-10, ReLU (for Sec. 3)", "cnn", (), (0.0, 0.0, 1e-5, 1e-5),
              train=TrainConfig(epochs=3, batch_size=50, lr=0.05, momentum=0.9, lr_decay=0.7)),
    ]
}

TABLE1 = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"]
TABLE3 = ["FC100-100-10/P1", "FC123-456-10/P1", "FC100-100-10'/P2"]


def check_names(names) -> list[str]:
    """Validate a chapter's model list early: a clear error naming the unknown entries."""
    if isinstance(names, str):
        names = [names]
    names = list(names)
    unknown = [n for n in names if n not in ZOO]
    if unknown or not names:
        raise ValueError(
            f"unknown model name(s) {unknown or names!r}: choose from {list(ZOO)}"
            if unknown else "the model list is empty: name at least one of " + ", ".join(ZOO)
        )
    return names


@dataclass
class TrainedModel:
    """A trained zoo model (in eval mode, parameters frozen) with its training history."""

    spec: ModelSpec
    model: nn.Module
    history: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name


def cache_key(spec: ModelSpec, mnist: MNIST, device: torch.device) -> dict:
    """The model's cache key (:func:`intriguing.cache.model_key`): its spec, and the code that trains it."""
    return cache.model_key({"spec": spec.key()}, mnist, device, data, models, training, sys.modules[__name__])


def _train(spec: ModelSpec, mnist: MNIST, progress: bool | None) -> dict:
    x, y = mnist.subset(spec.train_set)
    with seeded(spec.train.seed):
        model = models.build(spec.arch, spec.sizes).to(x.device)
    evals = {"train": (x, y), "test": mnist.subset("test")}
    if spec.train_set != "train":  # Table 3 reports errors on both halves
        evals = {"P1": mnist.subset("P1"), "P2": mnist.subset("P2"), "test": mnist.subset("test")}
    history = {}
    if spec.pretrain is not None:  # AE400-10: unsupervised autoencoder, frozen, softmax on its codes
        history["autoencoder"] = training.pretrain_sparse_autoencoder(model, x, config=spec.pretrain, progress=progress)
        with torch.no_grad():
            codes = {k: (model.encode(ex), ey) for k, (ex, ey) in evals.items()}
        history.update(
            training.train_classifier(
                model.classifier, codes["train"][0], y, config=spec.train, weight_decay=spec.weight_decay,
                eval_sets=codes, progress=progress,
            )
        )
    else:
        history.update(
            training.train_classifier(
                model, x, y, config=spec.train, weight_decay=spec.weight_decay, eval_sets=evals, progress=progress
            )
        )
    history["sizes"] = {k: len(v[1]) for k, v in evals.items()}
    return {"state": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "history": history}


def get_model(
    name: str,
    *,
    mnist: MNIST | None = None,
    device: str | torch.device | None = "auto",
    epochs: int | None = None,
    progress: bool | None = None,
) -> TrainedModel:
    """Train the named zoo model, or load it from the cache if it was trained with the same key.

    ``epochs`` overrides the spec's number of epochs (another cache entry). The returned model is
    on ``device``, in eval mode, with ``requires_grad`` off for every parameter.
    """
    spec = ZOO[check_names(name)[0]]
    if epochs is not None:
        if int(epochs) <= 0:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        spec = dataclasses.replace(spec, train=dataclasses.replace(spec.train, epochs=int(epochs)))
    dev = device if isinstance(device, torch.device) else pick_device(device)
    mnist = (mnist or load_mnist()).to(dev)
    payload = cache.load_or_compute("models", cache_key(spec, mnist, dev), lambda: _train(spec, mnist, progress))
    model = models.restore(spec.arch, spec.sizes, payload["state"], dev)
    return TrainedModel(spec=spec, model=model, history=payload["history"])
