"""The AlexNet of the paper's Table 5 (Krizhevsky et al. 2012, ungrouped), and torchvision's AlexNet.

Table 5 lists the layer sizes 3×11×11×96, 96×5×5×256, 256×3×3×384, 384×3×3×384, 384×3×3×256 and
FC 9216×4096, 4096×4096, 4096×1000: the 2012 architecture with its two GPU groups merged. The
authors' own weights were never published, so the book computes the bounds on

* :func:`paper_alexnet`: that architecture with a seeded **stand-in** initialisation (clearly not
  trained: the bounds it gives describe random weights, not the paper's network), and
* :func:`torchvision_alexnet`: torchvision's pretrained ``alexnet`` (64-192-384-256-256 conv
  maps, so its per-layer numbers cannot match Table 5), when its weights can be downloaded or
  are at hand as a file. This is the book's one loader of those weights (chapter 2's ImageNet
  section and ``tools/imagenet_route.py`` use it too).

Explained in chapter 5, "Lipschitz bounds of layers".
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from intriguing._compat import import_torchvision
from intriguing.runtime import pick_device, seeded

__all__ = [
    "PAPER_INPUT_SIZE", "TORCHVISION_INPUT_SIZE", "ALEXNET_URL", "AlexNetWeightsError",
    "paper_alexnet", "torchvision_alexnet", "load_alexnet",
]

#: Input side of the paper's AlexNet: 227 makes conv1 (k11, stride 4, no padding) give 55x55 and pool5 6x6.
PAPER_INPUT_SIZE = 227
#: torchvision's AlexNet takes 224x224 (conv1 has padding 2).
TORCHVISION_INPUT_SIZE = 224
#: torchvision's pretrained AlexNet weights (``IMAGENET1K_V1``, ImageNet top-1 56.5%, 233 MB).
ALEXNET_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"

#: Krizhevsky et al. (2012), Sec. 3.3: k = 2, n = 5, α = 1e-4, β = 0.75 in b = a / (k + α Σ a²)^β.
#: torch's LocalResponseNorm divides α by n, so α·n = 5e-4 reproduces the paper's formula.
_LRN = dict(size=5, alpha=5e-4, beta=0.75, k=2.0)


def paper_alexnet(*, seed: int = 0, init: str = "torch", num_classes: int = 1000) -> nn.Sequential:
    """The ungrouped 2012 AlexNet of Table 5 as a flat ``nn.Sequential`` with named layers (input 227×227).

    conv1 3→96 k11 s4, ReLU, LRN, max-pool 3/2 (55→27); conv2 96→256 k5 p2, ReLU, LRN, max-pool 3/2
    (27→13); conv3 256→384, conv4 384→384, conv5 384→256 (k3 p1, ReLU), max-pool 3/2 (13→6);
    flatten (9216); fc6 9216→4096, ReLU, dropout; fc7 4096→4096, ReLU, dropout; fc8 4096→1000.
    Dropout follows fc6 and fc7 as in the 2012 paper ("dropout in the first two fully-connected
    layers"); LRN uses the 2012 constants (see ``_LRN``).

    The weights are a **stand-in**, not a trained network: ``init="torch"`` keeps PyTorch's default
    initialisation (Kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
    weights and biases), drawn under ``torch.manual_seed(seed)`` so it is reproducible;
    ``init="krizhevsky2012"`` uses the 2012 paper's N(0, 0.01²) weights with biases 1 in conv2,
    conv4, conv5 and the FC layers and 0 elsewhere. Explained in chapter 5, "Lipschitz bounds of
    layers".
    """
    if init not in ("torch", "krizhevsky2012"):
        raise ValueError(f"init must be 'torch' or 'krizhevsky2012', got {init!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be positive, got {num_classes}")
    with seeded(seed):
        model = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(3, 96, 11, stride=4)),
            ("relu1", nn.ReLU()),
            ("lrn1", nn.LocalResponseNorm(**_LRN)),
            ("pool1", nn.MaxPool2d(3, 2)),
            ("conv2", nn.Conv2d(96, 256, 5, padding=2)),
            ("relu2", nn.ReLU()),
            ("lrn2", nn.LocalResponseNorm(**_LRN)),
            ("pool2", nn.MaxPool2d(3, 2)),
            ("conv3", nn.Conv2d(256, 384, 3, padding=1)),
            ("relu3", nn.ReLU()),
            ("conv4", nn.Conv2d(384, 384, 3, padding=1)),
            ("relu4", nn.ReLU()),
            ("conv5", nn.Conv2d(384, 256, 3, padding=1)),
            ("relu5", nn.ReLU()),
            ("pool5", nn.MaxPool2d(3, 2)),
            ("flatten", nn.Flatten()),
            ("fc6", nn.Linear(9216, 4096)),
            ("relu6", nn.ReLU()),
            ("drop6", nn.Dropout(0.5)),
            ("fc7", nn.Linear(4096, 4096)),
            ("relu7", nn.ReLU()),
            ("drop7", nn.Dropout(0.5)),
            ("fc8", nn.Linear(4096, num_classes)),
        ]))
        if init == "krizhevsky2012":
            ones = {"conv2", "conv4", "conv5", "fc6", "fc7", "fc8"}
            for name, m in model.named_children():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    nn.init.normal_(m.weight, 0.0, 0.01)
                    nn.init.constant_(m.bias, 1.0 if name in ones else 0.0)
    return model.eval()


class AlexNetWeightsError(RuntimeError):
    """torchvision's pretrained AlexNet weights could not be loaded; the message says where to put the file.

    Explained in chapter 5, "Lipschitz bounds of layers".
    """


def _weights_cache() -> Path:
    """Where ``torch.hub`` keeps downloaded weights (a file put there is found without a download)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _what_to_do() -> str:
    return (f"Run where downloads work (e.g. Colab), or download {ALEXNET_URL} (233 MB) elsewhere and either "
            f"put it in {_weights_cache()} or pass its path as weights_path=...")


def _pretrained_state(weights_path: str | os.PathLike | None, progress: bool) -> dict:
    """The state dict of ``alexnet-owt-7be5be79.pth``: from ``weights_path``, else from torch hub (downloaded once)."""
    if weights_path is None:
        try:
            return torch.hub.load_state_dict_from_url(ALEXNET_URL, progress=progress, check_hash=True)
        except Exception as exc:  # URLError (no network), HTTPError, hash mismatch, disk full...
            raise AlexNetWeightsError(
                f"torchvision's pretrained AlexNet weights could not be loaded ({type(exc).__name__}: {exc}). "
                + _what_to_do()
            ) from None
    path = Path(weights_path).expanduser()
    if not path.is_file():
        raise AlexNetWeightsError(f"the AlexNet weights file {path} does not exist. " + _what_to_do())
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file
        raise AlexNetWeightsError(
            f"cannot read AlexNet weights from {path} ({type(exc).__name__}: {exc}): download {ALEXNET_URL} again."
        ) from None


def torchvision_alexnet(
    *, weights_path: str | os.PathLike | None = None, pretrained: bool = True, progress: bool = False,
    device: str | torch.device | None = "auto",
) -> nn.Module:
    """torchvision's ``alexnet`` (conv maps 64-192-384-256-256, input 224), in eval mode with gradients off.

    Args:
        weights_path: a local copy of ``alexnet-owt-7be5be79.pth`` (:data:`ALEXNET_URL`); it wins
            over ``pretrained``.
        pretrained: without ``weights_path``, take the ``IMAGENET1K_V1`` weights from torch hub's
            cache, downloading them (233 MB, hash-checked) if they are not there yet; ``False``
            keeps torchvision's random initialisation (tests and stand-ins; seed it yourself).
        progress: show a download progress bar.
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"`` or a ``torch.device``.

    Raises:
        AlexNetWeightsError: the weights cannot be downloaded, the file is missing or unreadable,
            or it does not fit the architecture; the message says where to put the file.

    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    dev = device if isinstance(device, torch.device) else pick_device(device)
    model = import_torchvision().models.alexnet(weights=None)
    if weights_path is not None or pretrained:
        state = _pretrained_state(weights_path, progress)
        try:
            model.load_state_dict(state)
        except (RuntimeError, TypeError, AttributeError) as exc:  # wrong keys or shapes, or not a state dict
            raise AlexNetWeightsError(
                f"the weights do not fit torchvision's AlexNet ({exc}): use {ALEXNET_URL}."
            ) from None
    return model.to(dev).eval().requires_grad_(False)


def load_alexnet(source: str = "auto", *, seed: int = 0) -> tuple[nn.Module, str, int]:
    """An AlexNet for the chapter: ``(model, description, input_size)``.

    ``source="torchvision"`` requires the pretrained weights; ``"paper-standin"`` gives
    :func:`paper_alexnet` (seeded torch default init); ``"auto"`` tries the first and falls back to
    the second. The description says which one was returned, so a chapter can print it beside its
    numbers. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if source not in ("auto", "torchvision", "paper-standin"):
        raise ValueError(f"source must be 'auto', 'torchvision' or 'paper-standin', got {source!r}")
    if source in ("auto", "torchvision"):
        try:
            model = torchvision_alexnet(pretrained=True, device="cpu")
            return model, "torchvision alexnet, ImageNet-pretrained (IMAGENET1K_V1), 64-192-384-256-256", \
                TORCHVISION_INPUT_SIZE
        except AlexNetWeightsError:
            if source == "torchvision":
                raise
    desc = f"paper AlexNet (ungrouped 96-256-384-384-256), UNTRAINED stand-in: torch default init, seed {seed}"
    return paper_alexnet(seed=seed), desc, PAPER_INPUT_SIZE
