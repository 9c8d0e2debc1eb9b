"""MNIST, checked and held in memory as tensors; the paper's P1/P2 halves of the training set.

Where the files are looked for, in order: the ``root`` argument, the ``INTRIGUING_DATA``
environment variable, then ``data/`` at the top of the book (found by walking up from the working
directory to the folder holding ``_toc.yml``, else the working directory). The layout is
torchvision's: ``<root>/MNIST/raw/<file>``. Every raw file is checked against its md5 before use;
nothing is silently re-used. Explained in chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch

#: The four raw IDX files: md5 and size in bytes (torchvision's MNIST layout and checksums).
RAW_FILES: dict[str, tuple[str, int]] = {
    "train-images-idx3-ubyte": ("6bbc9ace898e44ae57da46a324031adb", 47040016),
    "train-labels-idx1-ubyte": ("a25bea736e30d166cdddb491f175f624", 60008),
    "t10k-images-idx3-ubyte": ("2646ac647ad5339dbf082846283269ea", 7840016),
    "t10k-labels-idx1-ubyte": ("27ae3e4e09519cfbb04c329615203637", 10008),
}

#: Seed of the P1/P2 split used throughout the book.
SPLIT_SEED = 0

SUBSETS = ("train", "test", "P1", "P2")


class MNISTFilesError(RuntimeError):
    """The MNIST raw files are missing, truncated or corrupt (the message says what to do)."""


def book_root(start: Path | None = None) -> Path:
    """The book's top folder: the nearest parent of ``start`` (default: cwd) holding ``_toc.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    return here


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Resolve the data folder: argument, then ``INTRIGUING_DATA``, then ``<book>/data``."""
    if root is not None:
        return Path(root).expanduser().resolve()
    env = os.environ.get("INTRIGUING_DATA")
    if env:
        return Path(env).expanduser().resolve()
    return book_root() / "data"


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_raw_files(root: Path) -> None:
    """Raise :class:`MNISTFilesError` naming every missing, truncated or corrupt raw file."""
    raw = root / "MNIST" / "raw"
    problems = []
    for name, (md5, size) in RAW_FILES.items():
        path = raw / name
        if not path.is_file():
            problems.append(f"{path} is missing")
            continue
        got = path.stat().st_size
        if got != size:
            problems.append(f"{path} is truncated or padded ({got} bytes, expected {size})")
        elif _md5(path) != md5:
            problems.append(f"{path} is corrupt (md5 {_md5(path)}, expected {md5})")
    if problems:
        raise MNISTFilesError(
            "MNIST cannot be used:\n  - "
            + "\n  - ".join(problems)
            + f"\nWhat to do: delete the bad files so they are downloaded again (needs internet), or "
            f"point INTRIGUING_DATA (or root=...) at a folder holding MNIST/raw/ with good copies "
            f"(looked in {root})."
        )


def download(root: Path) -> None:
    """Download MNIST with torchvision (its archives are md5-checked), then check the raw files."""
    from intriguing._compat import import_torchvision

    tv = import_torchvision()
    try:
        for train in (True, False):
            tv.datasets.MNIST(str(root), train=train, download=True)
    except Exception as exc:  # network errors come in many types
        raise MNISTFilesError(
            f"MNIST is not in {root / 'MNIST' / 'raw'} and could not be downloaded ({exc}). "
            "Connect to the internet, or point INTRIGUING_DATA (or root=...) at a folder holding "
            "MNIST/raw/ with the four IDX files."
        ) from None
    check_raw_files(root)


@dataclass(frozen=True)
class MNIST:
    """MNIST as float32 images in [0, 1], flattened to 784, and int64 labels, all on one device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    fingerprint: str  # md5s of the raw files: part of every cache key

    def to(self, device) -> MNIST:
        return MNIST(*(t.to(device) for t in (self.train_x, self.train_y, self.test_x, self.test_y)),
                     fingerprint=self.fingerprint)

    def subset(self, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``"train"`` (60,000), ``"test"`` (10,000), ``"P1"`` or ``"P2"`` (30,000 each)."""
        if name == "train":
            return self.train_x, self.train_y
        if name == "test":
            return self.test_x, self.test_y
        if name in ("P1", "P2"):
            p1, p2 = p1_p2_indices()
            idx = (p1 if name == "P1" else p2).to(self.train_x.device)
            return self.train_x[idx], self.train_y[idx]
        raise ValueError(f"unknown MNIST subset {name!r}: use one of {SUBSETS}")


def _read_idx(path: Path) -> torch.Tensor:
    from intriguing._compat import import_torchvision

    mnist = import_torchvision().datasets.mnist
    return mnist.read_sn3_pascalvincent_tensor(str(path), strict=False)


@functools.lru_cache(maxsize=2)
def _load_cpu(root: Path) -> MNIST:
    raw = root / "MNIST" / "raw"
    xs = {k: _read_idx(raw / f"{k}-images-idx3-ubyte") for k in ("train", "t10k")}
    ys = {k: _read_idx(raw / f"{k}-labels-idx1-ubyte") for k in ("train", "t10k")}
    fingerprint = hashlib.sha256("".join(m for m, _ in RAW_FILES.values()).encode()).hexdigest()[:16]
    return MNIST(
        train_x=xs["train"].reshape(-1, 784).float().div_(255.0),
        train_y=ys["train"].long(),
        test_x=xs["t10k"].reshape(-1, 784).float().div_(255.0),
        test_y=ys["t10k"].long(),
        fingerprint=fingerprint,
    )


def load_mnist(root: str | os.PathLike | None = None, *, device=None, download_if_missing: bool = True) -> MNIST:
    """Load MNIST into memory (once per process), checking every raw file's size and md5 first.

    Missing files are downloaded when ``download_if_missing`` and no file is present at all; a
    truncated or corrupt file is never re-used or overwritten silently: the error says what to do.
    """
    root = data_root(root)
    raw = root / "MNIST" / "raw"
    none_present = not any((raw / name).exists() for name in RAW_FILES)
    if none_present and download_if_missing:
        download(root)
    check_raw_files(root)
    data = _load_cpu(root)
    return data.to(device) if device is not None else data


def _split_rank(seed: int, i: int) -> bytes:
    return hashlib.sha256(f"mnist-p1p2:{seed}:{i}".encode()).digest()


@functools.lru_cache(maxsize=4)
def p1_p2_indices(seed: int = SPLIT_SEED, n: int = 60_000) -> tuple[torch.Tensor, torch.Tensor]:
    """The paper's two disjoint 30,000-image halves P1 and P2 of the training set (sorted indices).

    The order comes from SHA-256 of (seed, index), so the split is the same on every machine and
    every version of torch and NumPy, unlike a ``randperm``.
    """
    order = sorted(range(n), key=lambda i: _split_rank(seed, i))
    half = n // 2
    return torch.tensor(sorted(order[:half])), torch.tensor(sorted(order[half:]))
