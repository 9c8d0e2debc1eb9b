"""The paper's MNIST networks (Tables 1 and 3) and a small CNN for the unit-semantics chapters.

Every model maps a batch of flattened images ``[B, 784]`` in [0, 1] to logits ``[B, 10]`` and
exposes ``hidden(x)``, the post-nonlinearity activations of its hidden layers by name, and
``weight_layers()``, the layers whose weights carry the paper's weight decay. Explained in
chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn


class MLP(nn.Module):
    """Fully connected net ``FC<h1>-<h2>-...-10`` with sigmoid hidden units; ``FC10`` is softmax regression."""

    def __init__(self, sizes: tuple[int, ...]):
        super().__init__()
        if len(sizes) < 2 or any(int(s) <= 0 for s in sizes):
            raise ValueError(f"MLP sizes must be two or more positive widths, got {sizes!r}")
        self.sizes = tuple(int(s) for s in sizes)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def hidden(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        out = OrderedDict()
        for i, layer in enumerate(self.layers[:-1]):
            x = torch.sigmoid(layer(x))
            out[f"fc{i + 1}"] = x
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = torch.sigmoid(layer(x))
        return self.layers[-1](x)

    def weight_layers(self) -> list[nn.Linear]:
        return list(self.layers)

    def as_sequential(self) -> nn.Sequential:
        """The same computation as an ``nn.Sequential`` (shares the parameters), for layer-wise analyses."""
        mods: list[nn.Module] = []
        for layer in self.layers[:-1]:
            mods += [layer, nn.Sigmoid()]
        return nn.Sequential(*mods, self.layers[-1])


class SparseAutoencoderClassifier(nn.Module):
    """``AE400-10``: a sigmoid sparse autoencoder's encoder (trained unsupervised, then frozen) and a softmax.

    ``decoder`` is used only while pre-training the autoencoder; the classifier sees ``encoder`` alone.
    """

    def __init__(self, n_hidden: int = 400):
        super().__init__()
        self.encoder = nn.Linear(784, n_hidden)
        self.decoder = nn.Linear(n_hidden, 784)
        self.classifier = nn.Linear(n_hidden, 10)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.encoder(x))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self.encode(x)))

    def hidden(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return OrderedDict(ae=self.encode(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encode(x))

    def weight_layers(self) -> list[nn.Linear]:
        """Only the softmax layer is trained with labels (and so carries the table's λ)."""
        return [self.classifier]

    def as_sequential(self) -> nn.Sequential:
        return nn.Sequential(self.encoder, nn.Sigmoid(), self.classifier)


class MnistCNN(nn.Module):
    """A small ReLU CNN (the paper's Figs 1-2 use an unspecified MNIST CNN; this one is ours).

    conv 5x5 (1->16), ReLU, max-pool 2, conv 5x5 (16->32), ReLU, max-pool 2, FC 512->100, ReLU, FC 100->10.
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), n_fc: int = 100):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 5)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc1 = nn.Linear(c2 * 16, n_fc)
        self.fc2 = nn.Linear(n_fc, 10)
        self.pool = nn.MaxPool2d(2)

    def hidden(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        out = OrderedDict()
        x = x.reshape(-1, 1, 28, 28)
        out["conv1"] = x = self.pool(torch.relu(self.conv1(x)))
        out["conv2"] = x = self.pool(torch.relu(self.conv2(x)))
        out["fc1"] = torch.relu(self.fc1(x.flatten(1)))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.hidden(x)["fc1"])

    def weight_layers(self) -> list[nn.Module]:
        return [self.conv1, self.conv2, self.fc1, self.fc2]

    def as_sequential(self) -> nn.Sequential:
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)), self.conv1, nn.ReLU(), self.pool, self.conv2, nn.ReLU(), self.pool,
            nn.Flatten(), self.fc1, nn.ReLU(), self.fc2,
        )


def build(arch: str, sizes: tuple[int, ...] = ()) -> nn.Module:
    """Construct an untrained model: ``"mlp"`` (with ``sizes``), ``"ae-softmax"`` or ``"cnn"``."""
    if arch == "mlp":
        return MLP(sizes)
    if arch == "ae-softmax":
        return SparseAutoencoderClassifier(*(sizes[1:2] or (400,)))
    if arch == "cnn":
        return MnistCNN()
    raise ValueError(f"unknown architecture {arch!r}: use 'mlp', 'ae-softmax' or 'cnn'")


def restore(arch: str, sizes: tuple[int, ...], state: dict[str, torch.Tensor], device=None) -> nn.Module:
    """A trained model rebuilt from its ``state_dict``, as the caches hand models out.

    Built with :func:`build`, loaded, moved to ``device`` (None: stays on the CPU), put in eval
    mode and frozen (``requires_grad`` off for every parameter), so no later use can train it.
    """
    model = build(arch, sizes)
    model.load_state_dict(state)
    return model.to(device).eval().requires_grad_(False)


def weight_decay_penalty(model: nn.Module, lambdas: tuple[float, ...]) -> torch.Tensor:
    """The paper's quadratic weight decay: sum over weight layers of ``λ_l · Σ w² / k_l``.

    ``k_l`` is the number of units of layer ``l`` (its output width, i.e. out_features or
    out_channels): the paper's "λ Σ w_i² / k" with "k the number of units in the layer".
    Biases are not decayed.
    """
    layers = model.weight_layers() if hasattr(model, "weight_layers") else [model]
    if len(lambdas) != len(layers):
        raise ValueError(f"{len(lambdas)} weight-decay values given for {len(layers)} weight layers")
    total = layers[0].weight.new_zeros(())
    for lam, layer in zip(lambdas, layers):
        if lam:
            total = total + lam * layer.weight.pow(2).sum() / layer.weight.shape[0]
    return total


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
