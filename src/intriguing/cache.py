"""A keyed, atomic on-disk cache for trained models and attack results.

An entry's file name is the SHA-256 of its key (a JSON-able dict of everything that affects the
result: configuration, data fingerprint, seed, device kind, torch version, code version), and the
file stores the key again, so a renamed or hand-copied file is never mistaken for another entry.
Files are written atomically (:func:`intriguing._atomic.atomic_write`): an interrupted run leaves
no file under the entry's name. Explained in chapter 0.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from intriguing._atomic import atomic_write
from intriguing.data import MNIST, SPLIT_SEED, book_root
from intriguing.storage import persist_root

FORMAT = 1


def cache_root() -> Path:
    """``INTRIGUING_CACHE`` if set, else ``cache/`` on Google Drive when asked for
    (:mod:`intriguing.storage`), else ``<book>/data/cache`` (ignored by git).

    Not beside the MNIST files: those may live in a shared, read-only folder.
    """
    env = os.environ.get("INTRIGUING_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    persisted = persist_root()
    return persisted / "cache" if persisted else book_root() / "data" / "cache"


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
    stored = {"format": FORMAT, "key": canonical(key), "payload": payload}
    atomic_write(path, lambda f: torch.save(stored, f))
    return path


def load_or_compute(kind: str, key: dict, compute: Callable[[], Any], root: Path | None = None) -> Any:
    """Return the cached payload for ``key``, computing and storing it atomically if absent.

    The payload must be made of tensors, numbers, strings, lists and dicts (it is read back with
    ``weights_only=True``, which refuses arbitrary pickled objects).
    """
    payload = load_entry(kind, key, root)
    if payload is not None:
        return payload
    with _entry_lock(entry_path(kind, key, root)):
        payload = load_entry(kind, key, root)  # another process may have made it while we waited
        if payload is None:
            payload = compute()
            store_entry(kind, key, payload, root)
    return payload


@contextlib.contextmanager
def _entry_lock(path: Path):
    """Hold an exclusive lock on ``<entry>.lock`` while an entry is computed.

    Two processes that need the same entry (two chapters executed in parallel, two CI workers)
    then compute it once: the second waits and reads the first's file. Independent entries are
    computed concurrently. Locks are taken from the outer entry inwards only (an attack set locks
    its own entry, then its model's), so waiting can never go round in a circle. Where the file
    system has no ``fcntl`` locks (Windows), there is no lock: the atomic write still keeps every
    entry whole, at the price of computing it twice.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def code_version(*modules: ModuleType) -> str:
    """A digest of the source files of ``modules``: a code change gives new cache keys."""
    h = hashlib.sha256()
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:16]


def model_key(recipe: dict, mnist: MNIST, device: torch.device, *modules: ModuleType) -> dict:
    """The cache key of a trained model: everything that affects its weights.

    ``recipe`` names the model's own settings (``{"spec": ...}`` for a zoo model, ``{"variant": ...}``
    for an adversarially trained one); to it come the data fingerprint and the P1/P2 split seed,
    the device kind (CPU and CUDA kernels round differently), the torch version and
    :func:`code_version` of ``modules``, the code that trains the model. Explained in chapter 0.
    """
    return {
        **recipe,
        "data": mnist.fingerprint,
        "split_seed": SPLIT_SEED,
        "device": device.type,
        "torch": torch.__version__.split("+")[0],
        "code": code_version(*modules),
    }
