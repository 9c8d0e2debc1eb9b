"""Units versus random directions on ImageNet with AlexNet (the paper's Figs 3-4), for readers who have the data.

The book cannot ship ImageNet or download AlexNet's weights while it builds, so chapter 2 runs
this module only where the reader supplies (its parameter ``IMAGENET_DIR``):

* a folder of ImageNet validation images, either in ImageFolder layout (``root/<class>/<image>``,
  e.g. the ILSVRC2012 validation set sorted into its 1,000 synset folders, or a 10-class subset
  such as Imagenette's ``val`` folder) or flat (``root/<image>``: then there are no labels, and
  only the label-free score is computed);
* torchvision's pretrained AlexNet (:func:`intriguing.alexnet.torchvision_alexnet` downloads its
  233 MB of weights, e.g. on Colab, or reads a local copy).

Images get the standard ImageNet preprocessing (resize to 256, centre crop 224, normalise by the
ImageNet mean and standard deviation); the activations of one layer are read with a forward
hook that stops the forward pass there; everything after that is :mod:`intriguing.semantics`,
exactly as for MNIST. Explained in chapter 2, "Random directions" (its ImageNet section,
the paper's Figs 3-4).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from intriguing import plots, semantics
from intriguing.alexnet import torchvision_alexnet

#: Channel means and standard deviations of ImageNet's training images (torchvision's preprocessing).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: File endings read as images (compared case-insensitively; ImageNet's own files end in .JPEG).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".webp", ".tif", ".tiff")

#: AlexNet's hidden layers, after their ReLU (or max-pool), as module paths in torchvision's ``alexnet``.
ALEXNET_LAYERS: dict[str, str] = {
    "conv1": "features.1",
    "conv2": "features.4",
    "conv3": "features.7",
    "conv4": "features.9",
    "conv5": "features.11",
    "pool5": "features.12",  # the last feature layer: 256 x 6 x 6 at 224 x 224 input
    "fc6": "classifier.2",
    "fc7": "classifier.5",  # the last hidden layer, 4096 units
}


class ImageNetSetupError(ValueError):
    """The image folder is missing or unusable (the message says what to supply).

    (Missing or unusable AlexNet weights raise :class:`intriguing.alexnet.AlexNetWeightsError`.)

    Explained in chapter 2, "Random directions".
    """


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def _is_image(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")


def list_images(root: str | os.PathLike) -> tuple[list[Path], torch.Tensor, list[str]]:
    """The image files under ``root``, their labels and the class names, in a fixed (sorted) order.

    ImageFolder layout (``root/<class>/<image>``): one class per subfolder holding images, labels
    0..C-1 in the sorted order of the folder names. Flat layout (images directly in ``root``):
    every label is -1 and there are no classes. Explained in chapter 2, "Random directions".
    """
    root = Path(root).expanduser()
    what = (
        "Supply a folder of ImageNet validation images, either in ImageFolder layout (root/<class>/<image>.JPEG, "
        "e.g. ILSVRC2012 val sorted into synset folders, or Imagenette's val folder) or flat (root/<image>.JPEG)"
    )
    if not root.exists():
        raise ImageNetSetupError(f"the image folder {root} does not exist. {what}.")
    if not root.is_dir():
        raise ImageNetSetupError(f"{root} is a file, not a folder of images. {what}.")
    subdirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    per_class = {d.name: sorted(p for p in d.iterdir() if _is_image(p)) for d in subdirs}
    per_class = {c: ps for c, ps in per_class.items() if ps}
    flat = sorted(p for p in root.iterdir() if _is_image(p))
    if per_class and flat:
        raise ImageNetSetupError(
            f"{root} holds both images ({len(flat)}) and class folders ({len(per_class)}): use one layout. {what}."
        )
    if per_class:
        classes = sorted(per_class)
        paths = [p for c in classes for p in per_class[c]]
        labels = torch.tensor([i for i, c in enumerate(classes) for _ in per_class[c]], dtype=torch.long)
        return paths, labels, classes
    if flat:
        return flat, torch.full((len(flat),), -1, dtype=torch.long), []
    raise ImageNetSetupError(
        f"no images ({', '.join(IMAGE_EXTENSIONS)}) in {root} or its immediate subfolders. {what}."
    )


def preprocess(image_size: int = 224, resize: int | None = None):
    """The standard ImageNet evaluation transform: resize the short side, centre crop, to tensor, normalise.

    ``resize`` defaults to ``image_size * 256 / 224`` (256 for 224). Explained in chapter 2, "Random directions".
    """
    t = _transforms()
    return t.Compose([*_crop(image_size, resize), t.ToTensor(), t.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


def display_transform(image_size: int = 224, resize: int | None = None):
    """The same crop as :func:`preprocess` without normalisation: a ``[3, H, W]`` tensor in [0, 1] to show.

    Explained in chapter 2, "Random directions".
    """
    t = _transforms()
    return t.Compose([*_crop(image_size, resize), t.ToTensor()])


def _transforms():
    from intriguing._compat import import_torchvision

    return import_torchvision().transforms


def _crop(image_size: int, resize: int | None) -> list:
    if int(image_size) <= 0:
        raise ValueError(f"image_size must be positive, got {image_size!r}")
    t = _transforms()
    resize = int(resize) if resize is not None else round(int(image_size) * 256 / 224)
    return [t.Resize(resize, interpolation=t.InterpolationMode.BILINEAR, antialias=True), t.CenterCrop(int(image_size))]


class ImageSet(torch.utils.data.Dataset):
    """Images of a folder with the network's preprocessing; ``display(i)`` gives the same crop, unnormalised.

    Items are ``(image [3, H, W], label)``; the label is -1 in a flat folder. Explained in chapter 2,
    "Random directions".
    """

    def __init__(self, root: str | os.PathLike, *, image_size: int = 224, limit: int | None = None):
        paths, labels, classes = list_images(root)
        if limit is not None:
            if int(limit) <= 0:
                raise ValueError(f"limit must be a positive number of images, got {limit!r}")
            # An evenly spaced subsample keeps every class when the folder is sorted by class.
            step = max(1, len(paths) // int(limit))
            keep = list(range(0, len(paths), step))[: int(limit)]
            paths, labels = [paths[i] for i in keep], labels[keep]
        self.root, self.paths, self.labels, self.classes = Path(root), paths, labels, classes
        self.transform = preprocess(image_size)
        self.display_transform = display_transform(image_size)

    def __len__(self) -> int:
        return len(self.paths)

    def _open(self, i: int):
        from PIL import Image

        try:
            with Image.open(self.paths[i]) as im:
                return im.convert("RGB")
        except Exception as exc:  # PIL raises several types for unreadable files
            raise ImageNetSetupError(f"cannot read image {self.paths[i]} ({exc}): remove or replace it.") from None

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(self._open(i)), int(self.labels[i])

    def display(self, i: int) -> torch.Tensor:
        """Image ``i`` as shown in a figure: ``[3, H, W]`` in [0, 1] (pass ``images.display`` to plot_top_images)."""
        return self.display_transform(self._open(i))


# --------------------------------------------------------------------------------------------
# The network's layers
# --------------------------------------------------------------------------------------------


def layer_module(model: nn.Module, layer: str) -> nn.Module:
    """The module whose output is ``layer``: a name of :data:`ALEXNET_LAYERS` or any module path (``"features.11"``).

    Explained in chapter 2, "Random directions".
    """
    path = ALEXNET_LAYERS.get(layer, layer)
    try:
        return model.get_submodule(path)
    except AttributeError:
        raise ValueError(
            f"layer {layer!r} is not in this model: use one of {list(ALEXNET_LAYERS)} (AlexNet) or a module path "
            f"such as {next((n for n, _ in model.named_modules() if n), '...')!r}"
        ) from None


class _Stop(Exception):
    """Raised by the hook once the layer is computed: the rest of the network is not needed."""


@torch.no_grad()
def module_activations(
    model: nn.Module, module: nn.Module, images: torch.utils.data.Dataset, *, batch_size: int = 64,
    reduce: str = "max", num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs of ``module`` for every image of ``images`` as units ``[N, n_units]``, and the labels ``[N]``.

    A forward hook copies the module's output (reduced by :func:`intriguing.semantics.reduce_units`:
    ``"max"`` gives one unit per channel of a convolutional map, ``"flatten"`` one per position) and
    stops the forward pass. Activations stay on the model's device. Explained in chapter 2, "Random directions".
    """
    if len(images) == 0:
        raise ImageNetSetupError("the image set is empty: supply a folder with images")
    if int(batch_size) <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    semantics.reduce_units(torch.zeros(1, 1, 1, 1), reduce)  # validate early
    dev = next(model.parameters()).device
    grabbed: list[torch.Tensor] = []

    def hook(_mod, _inp, out):
        grabbed.append(semantics.reduce_units(out.detach(), reduce).clone())
        raise _Stop

    loader = torch.utils.data.DataLoader(images, batch_size=int(batch_size), shuffle=False,
                                         num_workers=int(num_workers))
    handle = module.register_forward_hook(hook)
    labels = []
    try:
        for x, y in loader:
            try:
                model(x.to(dev))
            except _Stop:
                pass
            else:
                raise ValueError("the chosen module is not used by the model's forward pass")
            labels.append(y)
    finally:
        handle.remove()
    return torch.cat(grabbed), torch.cat(labels).long()


def imagenet_activations(
    model: nn.Module, images: ImageSet, layer: str = "fc7", *, batch_size: int = 64, reduce: str = "max",
    num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """φ(x) of an AlexNet layer (see :data:`ALEXNET_LAYERS`) for a folder of images: ``[N, n_units]`` and labels.

    Explained in chapter 2, "Random directions".
    """
    return module_activations(model, layer_module(model, layer), images, batch_size=batch_size, reduce=reduce,
                              num_workers=num_workers)


def units_vs_random_imagenet(
    root: str | os.PathLike, layer: str = "fc7", *, model: nn.Module | None = None, image_size: int = 224,
    limit: int | None = None, k: int = 10, n_directions: int = 100, seed: int = 0, reduce: str = "max",
    batch_size: int = 64, num_workers: int = 0, **compare,
) -> tuple[ImageSet, torch.Tensor, semantics.UnitsVsRandom]:
    """The whole ImageNet path: images, activations of ``layer``, then :func:`intriguing.semantics.unit_vs_random`.

    ``model`` defaults to :func:`intriguing.alexnet.torchvision_alexnet` (pretrained). Scores:
    label purity when the folder has classes, and the mean pairwise cosine of the (centred)
    activations of ``layer`` itself (``"cosine (layer)"``; pixels are no useful similarity for
    photographs). ``compare`` goes to ``unit_vs_random`` (e.g. ``n_permutations``). Returns the
    image set (``images.display`` for figures), the activations and the result. Explained in
    chapter 2, "Random directions".
    """
    images = ImageSet(root, image_size=image_size, limit=limit)
    if len(images) < k:
        raise ImageNetSetupError(f"{len(images)} images in {root} is fewer than k={k}: supply more images")
    model = model if model is not None else torchvision_alexnet()
    acts, labels = imagenet_activations(model, images, layer, batch_size=batch_size, reduce=reduce,
                                        num_workers=num_workers)
    has_labels = bool((labels >= 0).all()) and len(images.classes) > 1
    result = semantics.unit_vs_random(
        acts, labels.to(acts.device) if has_labels else None, k=k, n_directions=n_directions, seed=seed,
        features={"layer": acts}, n_classes=len(images.classes) if has_labels else None, **compare,
    )
    return images, acts, result


def class_names(images: ImageSet, labels: Sequence[int]) -> list[str]:
    """Folder names of ``labels`` (``"?"`` for -1, the label of a flat folder), for row captions.

    Explained in chapter 2, "Random directions".
    """
    return [images.classes[int(i)] if 0 <= int(i) < len(images.classes) else "?" for i in labels]


@dataclass
class ImageNetReport:
    """What chapter 2 shows for ImageNet: the result, its table and the two figures (Figs 3-4).

    Explained in chapter 2, "Random directions".
    """

    images: ImageSet
    acts: torch.Tensor
    result: semantics.UnitsVsRandom
    score: str  # the score by which the figure rows were chosen
    table: object  # pandas DataFrame of text (intriguing.semantics.summary_table)
    figures: dict = field(default_factory=dict)  # "unit" and "random": matplotlib Figures


def units_vs_random_report(
    root: str | os.PathLike, layer: str = "fc7", *, weights_path: str | os.PathLike | None = None,
    model: nn.Module | None = None, n_rows: int = 4, **kwargs,
) -> ImageNetReport:
    """Chapter 2's ImageNet section in one call: :func:`units_vs_random_imagenet`, its table and the two grids.

    The model is ``model`` if given, else :func:`intriguing.alexnet.torchvision_alexnet` (from
    ``weights_path`` when given, else downloaded). The rows of both grids are chosen by the same rule as for MNIST:
    evenly spaced quantiles of label purity (of the layer cosine in a folder without classes),
    best first. ``kwargs`` go to :func:`units_vs_random_imagenet` (``limit``, ``k``,
    ``n_directions``, ``seed``, ``reduce``, ``n_permutations``...). Explained in chapter 2, "Random
    directions".
    """
    if int(n_rows) <= 0:
        raise ValueError(f"n_rows must be a positive number of figure rows, got {n_rows!r}")
    if model is None:
        model = torchvision_alexnet(weights_path=weights_path)
    images, acts, result = units_vs_random_imagenet(root, layer, model=model, **kwargs)
    score = "purity" if "purity" in result.units.scores else "cosine (layer)"
    table = semantics.summary_table({f"AlexNet {layer}": result})
    titles = {"unit": f"AlexNet {layer}: top-{result.k} images of single units (natural basis; Fig. 3)",
              "random": f"AlexNet {layer}: top-{result.k} images of random directions (Fig. 4)"}
    figures = {}
    for kind, title in titles.items():
        n = min(int(n_rows), len(result.units.ids if kind == "unit" else result.random.ids))
        idx, labels = semantics.figure_rows(result, kind, n, score=score, class_names=images.classes or None)
        figures[kind] = plots.units.plot_top_images(images.display, idx, labels, title=title, cell=1.0)
    return ImageNetReport(images=images, acts=acts, result=result, score=score, table=table, figures=figures)
