"""The AlexNet of the paper's Table 5 (Krizhevsky et al. 2012, ungrouped), and torchvision's AlexNet.

Table 5 lists the layer sizes 3×11×11×96, 96×5×5×256, 256×3×3×384, 384×3×3×384, 384×3×3×256 and
FC 9216×4096, 4096×4096, 4096×1000: the 2012 architecture with its two GPU groups merged. The
authors' own weights were never published, so the book computes the bounds on

* :func:`paper_alexnet`: that architecture with a seeded **stand-in** initialisation (clearly not
  trained: the bounds it gives describe random weights, not the paper's network), and
* :func:`torchvision_alexnet`: torchvision's pretrained ``alexnet`` (64-192-384-256-256 conv
  maps, so its per-layer numbers cannot match Table 5), when its weights can be downloaded.

Explained in chapter 5, "Lipschitz bounds of layers".
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from intriguing.runtime import seeded

__all__ = ["PAPER_INPUT_SIZE", "TORCHVISION_INPUT_SIZE", "paper_alexnet", "torchvision_alexnet", "load_alexnet"]

#: Input side of the paper's AlexNet: 227 makes conv1 (k11, stride 4, no padding) give 55x55 and pool5 6x6.
PAPER_INPUT_SIZE = 227
#: torchvision's AlexNet takes 224x224 (conv1 has padding 2).
TORCHVISION_INPUT_SIZE = 224

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


def torchvision_alexnet(*, pretrained: bool = True, progress: bool = False) -> nn.Module:
    """torchvision's ``alexnet`` (conv maps 64-192-384-256-256, input 224), pretrained on ImageNet if asked.

    ``pretrained=True`` downloads the ``IMAGENET1K_V1`` weights (233 MB) into torch's hub cache,
    which needs internet access (it works on Colab); a failure raises RuntimeError saying so.
    ``pretrained=False`` gives torchvision's own random initialisation. Explained in chapter 5,
    "Lipschitz bounds of layers".
    """
    from intriguing._compat import import_torchvision

    tv = import_torchvision()
    if not pretrained:
        return tv.models.alexnet(weights=None).eval()
    try:
        return tv.models.alexnet(weights=tv.models.AlexNet_Weights.IMAGENET1K_V1, progress=progress).eval()
    except (OSError, RuntimeError, ValueError) as exc:  # URLError is an OSError
        raise RuntimeError(
            "could not load torchvision's pretrained AlexNet weights (no internet access, or the download "
            f"failed: {exc}). Run where downloads work (e.g. Colab), put alexnet-owt-7be5be79.pth in "
            "torch.hub.get_dir()/checkpoints, or use paper_alexnet() (a seeded stand-in, not trained)."
        ) from exc


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
            model = torchvision_alexnet(pretrained=True)
            return model, "torchvision alexnet, ImageNet-pretrained (IMAGENET1K_V1), 64-192-384-256-256", \
                TORCHVISION_INPUT_SIZE
        except RuntimeError:
            if source == "torchvision":
                raise
    desc = f"paper AlexNet (ungrouped 96-256-384-384-256), UNTRAINED stand-in: torch default init, seed {seed}"
    return paper_alexnet(seed=seed), desc, PAPER_INPUT_SIZE
