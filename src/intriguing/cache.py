"""A keyed, atomic on-disk cache for trained models and attack results.

An entry's file name is the SHA-256 of its key (a JSON-able dict of everything that affects the
result: configuration, data fingerprint, seed, device kind, torch version, code version), and the
file stores the key again, so a renamed or hand-copied file is never mistaken for another entry.
Files are written to a temporary name in the same folder, flushed to disk and then renamed:
an interrupted run leaves no file under the entry's name. Explained in chapter 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from intriguing.data import book_root

FORMAT = 1


def cache_root() -> Path:
    """``INTRIGUING_CACHE`` if set, else ``<book>/data/cache`` (ignored by git).

    Not beside the MNIST files: those may live in a shared, read-only folder.
    """
    env = os.environ.get("INTRIGUING_CACHE")
    return Path(env).expanduser().resolve() if env else book_root() / "data" / "cache"


def canonical(key: dict) -> str:
    """The key as canonical JSON (sorted keys, no whitespace); raises on values JSON cannot hold."""
    try:
        return json.dumps(key, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cache key must be plain JSON data (str, int, float, list, dict): {exc}") from exc


def key_digest(key: dict) -> str:
    return hashlib.sha256(canonical(key).encode()).hexdigest()


def entry_path(kind: str, key: dict, root: Path | None = None) -> Path:
    return (root or cache_root()) / kind / f"{key_digest(key)[:32]}.pt"


def atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_entry(kind: str, key: dict, root: Path | None = None) -> Any | None:
    """The payload stored under ``key``, or None if there is none or it cannot be trusted."""
    path = entry_path(kind, key, root)
    if not path.is_file():
        return None
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated or foreign file: recompute rather than trust it
        warnings.warn(f"cache entry {path} is unreadable ({type(exc).__name__}); recomputing it.", stacklevel=2)
        return None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("key") != canonical(key):
        warnings.warn(f"cache entry {path} does not hold the key it is filed under; recomputing it.", stacklevel=2)
        return None
    return stored["payload"]


def store_entry(kind: str, key: dict, payload: Any, root: Path | None = None) -> Path:
    path = entry_path(kind, key, root)
    atomic_save({"format": FORMAT, "key": canonical(key), "payload": payload}, path)
    return path


def load_or_compute(kind: str, key: dict, compute: Callable[[], Any], root: Path | None = None) -> Any:
    """Return the cached payload for ``key``, computing and storing it atomically if absent.

    The payload must be made of tensors, numbers, strings, lists and dicts (it is read back with
    ``weights_only=True``, which refuses arbitrary pickled objects).
    """
    payload = load_entry(kind, key, root)
    if payload is None:
        payload = compute()
        store_entry(kind, key, payload, root)
    return payload


def code_version(*modules) -> str:
    """A digest of the source files of ``modules``: a code change gives new cache keys."""
    h = hashlib.sha256()
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]
