"""MNIST, checked and held in memory as tensors; the paper's P1/P2 halves of the training set.

Where the files are looked for, in order: the ``root`` argument, the ``INTRIGUING_DATA``
environment variable, then ``data/`` at the top of the book (found by walking up from the working
directory to the folder holding ``_toc.yml``, else the working directory). The layout is
torchvision's: ``<root>/MNIST/raw/<file>``. Every raw file is checked against its size and md5
before use; nothing is silently re-used. A missing file is downloaded from the first of
:data:`MIRRORS` that serves an intact copy (checked the same way) and written atomically; a present
file is never overwritten. Explained in chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import struct
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from intriguing._atomic import atomic_write

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


#: Where missing files are downloaded from, in order: each serves ``<file>.gz`` (torchvision's
#: first mirror, then the copy TensorFlow's tutorials use). Content is checked, not the host.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


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


def _fetch(url: str, timeout: float = 60.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def download(root: Path, mirrors: tuple[str, ...] | None = None) -> None:
    """Download every raw file missing under ``root``; present files are left as they are.

    Each file comes gzipped from the first mirror whose copy unpacks to the expected size and md5;
    it is written atomically, so an interrupted download leaves no partial file behind.
    """
    raw = Path(root) / "MNIST" / "raw"
    for name, (md5, size) in RAW_FILES.items():
        path = raw / name
        if path.exists() or path.is_symlink():
            continue
        tried = []
        for base in mirrors or MIRRORS:
            url = f"{base.rstrip('/')}/{name}.gz"
            try:
                blob = gzip.decompress(_fetch(url))
            except (OSError, EOFError, zlib.error, ValueError) as exc:  # network, HTTP and gzip errors
                tried.append(f"{url}: {exc}")
                continue
            if len(blob) != size or hashlib.md5(blob).hexdigest() != md5:
                tried.append(f"{url}: wrong content ({len(blob)} bytes, md5 {hashlib.md5(blob).hexdigest()}; "
                             f"expected {size} bytes, md5 {md5})")
                continue
            atomic_write(path, blob)
            break
        else:
            raise MNISTFilesError(
                f"MNIST's {name} is not in {raw} and could not be downloaded intact:\n  - "
                + "\n  - ".join(tried)
                + "\nWhat to do: connect to the internet and run again, or point INTRIGUING_DATA (or "
                "root=...) at a folder holding MNIST/raw/ with the four IDX files."
            )


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
    """An unsigned-byte IDX file (MNIST's format: magic, big-endian sizes, then the bytes) as a tensor."""
    blob = path.read_bytes()
    if blob[:3] != b"\x00\x00\x08":
        raise MNISTFilesError(f"{path} is not an unsigned-byte IDX file (delete it to download it again)")
    ndim = blob[3]
    dims = struct.unpack(f">{ndim}I", blob[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(blob[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


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

    Missing files are downloaded when ``download_if_missing``; a truncated or corrupt file is
    never re-used or overwritten silently: the error says what to do.
    """
    root = data_root(root)
    if download_if_missing:
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
