"""Deterministic mini-batch training on tensors already in memory.

No DataLoader: each epoch draws one permutation from a seeded CPU generator and slices the
preloaded tensors, which is ten times faster than per-sample loading and gives the same batches on
every device. Progress bars go to stderr only when asked for, so they never reach a checked
notebook output. Explained in chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from intriguing import _checks
from intriguing.models import weight_decay_penalty


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (the paper gives none of them: these are the book's choices)."""

    epochs: int = 30
    batch_size: int = 100
    lr: float = 0.1
    momentum: float = 0.9
    lr_decay: float = 1.0  # multiplicative factor per epoch
    seed: int = 0

    def __post_init__(self):
        _checks.positive_int("TrainConfig", "epochs", self.epochs)
        _checks.positive_int("TrainConfig", "batch_size", self.batch_size)
        _checks.number("TrainConfig", "lr", self.lr)
        _checks.number("TrainConfig", "momentum", self.momentum, strict=False, high=1, high_strict=True)
        _checks.number("TrainConfig", "lr_decay", self.lr_decay)
        _checks.positive_int("TrainConfig", "seed", self.seed, minimum=0)

    def asdict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 10_000) -> torch.Tensor:
    """Predicted labels (argmax of the logits), computed in fixed-size batches.

    The batches are the same on every call, so the labels are too. Images are moved to the
    model's device and dtype; the labels come back on that device. Explained in chapter 0.
    """
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    p = next(model.parameters(), None)
    device, dtype = (p.device, p.dtype) if p is not None else (x.device, x.dtype)
    parts = [model(x[i : i + batch_size].to(device, dtype)).argmax(1) for i in range(0, len(x), batch_size)]
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long, device=device)


def error_count(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    """How many of ``x`` the model misclassifies (an exact integer, printed as a percentage)."""
    return int((predict(model, x) != y).sum())


def _progress(iterable, enabled: bool | None, desc: str):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, file=sys.stderr, leave=False)


def train_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    config: TrainConfig,
    weight_decay: tuple[float, ...],
    eval_sets: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
    params=None,
    progress: bool | None = None,
    batch_loss: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
) -> dict[str, list]:
    """SGD with momentum on cross-entropy plus the paper's weight decay; returns the history.

    The history holds, per epoch, the mean training objective and the error count on each of
    ``eval_sets`` (evaluated after the epoch). ``params`` limits training to some parameters
    (the frozen autoencoder trains only its softmax). ``batch_loss(idx, epoch)``, when given,
    replaces the loss of a mini-batch (``idx``: its indices into ``x``); it is the one hook the
    adversarial training of chapter 6 needs (pools mixed into the batch, dropout, pool refreshes
    before the batch), so both share this loop: optimiser, schedule, batch order and history.
    """
    params = list(model.parameters()) if params is None else list(params)
    opt = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    gen = torch.Generator().manual_seed(config.seed)
    n = len(x)
    history: dict[str, list] = {"epoch": [], "objective": []}
    for name in eval_sets or {}:
        history[f"errors_{name}"] = []
    for epoch in _progress(range(config.epochs), progress, "epochs"):
        lr = config.lr * config.lr_decay**epoch
        for group in opt.param_groups:
            group["lr"] = lr
        order = torch.randperm(n, generator=gen).to(x.device)
        model.train()
        total = x.new_zeros(())
        for i in range(0, n - config.batch_size + 1, config.batch_size):
            idx = order[i : i + config.batch_size]
            if batch_loss is not None:
                loss = batch_loss(idx, epoch)
            else:  # index_select, not x[idx]: the same rows, a third of the cost of advanced indexing
                loss = F.cross_entropy(model(x.index_select(0, idx)), y.index_select(0, idx)) + weight_decay_penalty(
                    model, weight_decay)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        model.eval()
        history["epoch"].append(epoch + 1)
        history["objective"].append(float(total) / (n // config.batch_size))
        for name, (ex, ey) in (eval_sets or {}).items():
            history[f"errors_{name}"].append(error_count(model, ex, ey))
    return history


@dataclass(frozen=True)
class AutoencoderConfig:
    """Sparse autoencoder pre-training (the paper gives no settings: these are ours)."""

    epochs: int = 20
    batch_size: int = 100
    lr: float = 0.1
    momentum: float = 0.9
    sparsity: float = 0.05  # target mean activation ρ of each hidden unit
    sparsity_weight: float = 3.0  # β, weight of the KL sparsity penalty
    weight_decay: float = 0.6  # λ on encoder and decoder weights, in the paper's Σ w² / k form
    seed: int = 0

    def __post_init__(self):
        _checks.positive_int("AutoencoderConfig", "epochs", self.epochs)
        _checks.positive_int("AutoencoderConfig", "batch_size", self.batch_size)
        _checks.number("AutoencoderConfig", "lr", self.lr)
        _checks.number("AutoencoderConfig", "momentum", self.momentum, strict=False, high=1, high_strict=True)
        _checks.number("AutoencoderConfig", "sparsity", self.sparsity, high=1, high_strict=True)
        _checks.number("AutoencoderConfig", "sparsity_weight", self.sparsity_weight, strict=False)
        _checks.number("AutoencoderConfig", "weight_decay", self.weight_decay, strict=False)
        _checks.positive_int("AutoencoderConfig", "seed", self.seed, minimum=0)

    def asdict(self) -> dict:
        return asdict(self)


def pretrain_sparse_autoencoder(
    model, x: torch.Tensor, *, config: AutoencoderConfig, progress: bool | None = None
) -> dict[str, list]:
    """Unsupervised training of ``model.encoder``/``model.decoder``: reconstruction + KL sparsity + decay.

    Loss per batch: ``mean Σ_pixels (x̂ - x)² / 2 + β Σ_j KL(ρ ‖ ρ̂_j) + λ (Σ W_enc² / k + Σ W_dec² / 784)``,
    the classic sparse autoencoder (Ng's lecture notes) with sigmoid units.
    """
    params = list(model.encoder.parameters()) + list(model.decoder.parameters())
    opt = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum)
    gen = torch.Generator().manual_seed(config.seed)
    rho = config.sparsity
    history: dict[str, list] = {"epoch": [], "reconstruction": []}
    n = len(x)
    for epoch in _progress(range(config.epochs), progress, "autoencoder"):
        order = torch.randperm(n, generator=gen).to(x.device)
        total = x.new_zeros(())
        for i in range(0, n - config.batch_size + 1, config.batch_size):
            xb = x[order[i : i + config.batch_size]]
            h = model.encode(xb)
            rec = torch.sigmoid(model.decoder(h))
            mse = (rec - xb).pow(2).sum(1).mean() / 2
            rho_hat = h.mean(0).clamp(1e-6, 1 - 1e-6)
            kl = (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()
            decay = model.encoder.weight.pow(2).sum() / model.encoder.weight.shape[0]
            decay = decay + model.decoder.weight.pow(2).sum() / model.decoder.weight.shape[0]
            loss = mse + config.sparsity_weight * kl + config.weight_decay * decay
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += mse.detach()
        history["epoch"].append(epoch + 1)
        history["reconstruction"].append(float(total) / (n // config.batch_size))
    return history
