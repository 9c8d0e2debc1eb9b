"""Atomic file writes for the package: a file is either the old one or the complete new one.

The bytes go to a temporary file beside the target (same folder, so the rename cannot cross file
systems), are flushed to disk, and the file is then renamed over the target; an interrupted run
leaves at most a ``.<name>.*.tmp`` file behind, never half a file under the real name. Used by
the MNIST download (:mod:`intriguing.data`), the cache (:mod:`intriguing.cache`) and the chapters'
results (:mod:`intriguing.results`). It sits at the bottom of the import plan (standard library
only), so that :mod:`intriguing.data` can use it. ``tools/execute_chapters.py`` keeps its own
copy: it must run without importing the package (and torch).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike, content: bytes | Callable[[BinaryIO], object]) -> Path:
    """Create or replace ``path`` atomically with ``content``: bytes, or a function that writes to
    the open binary file it is given (``lambda f: torch.save(obj, f)``). Returns the path.

    The parent folder is created if needed. The temporary file is opened like any new file (its
    permissions follow the umask), under a name no other process or thread can pick.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

