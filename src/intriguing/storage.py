"""Where a runtime keeps what the chapters compute: the book's folder, or Google Drive on Colab.

A Colab runtime is recycled when idle and has a maximum lifetime; everything under ``/content``
(trained models, attack sets, each chapter's ``results/``) goes with it, and the next runtime
retrains. A chapter's ``PERSIST = "drive"`` parameter (or ``INTRIGUING_PERSIST=drive`` in the
environment) puts the cache and the results under ``/content/drive/MyDrive/intriguing/`` instead,
where the next runtime finds them. The default keeps both in the book's folder
(:func:`intriguing.cache.cache_root`, :func:`intriguing.results.results_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Google Drive as Colab mounts it (``drive.mount("/content/drive")``), and the book's folder on it.
DRIVE_MOUNT = Path("/content/drive")
DRIVE_FOLDER = DRIVE_MOUNT / "MyDrive" / "intriguing"
CHOICES = ("", "drive")
ENV = "INTRIGUING_PERSIST"


class PersistError(RuntimeError):
    """A persistence option that cannot be honoured (e.g. Drive not mounted)."""


def _check_choice(where: object, name: str) -> str:
    if where is None:
        return ""
    if not isinstance(where, str) or where.strip().lower() not in CHOICES:
        raise ValueError(f'{name} must be "drive" (keep the cache and results on Google Drive) or "" '
                         f"(in the book's folder), got {where!r}")
    return where.strip().lower()


def persist_root() -> Path | None:
    """The folder that holds the cache and results instead of the book's, or None (the default).

    Set by ``INTRIGUING_PERSIST=drive`` (or :func:`persist`); raises :class:`PersistError` with
    the two lines that mount Drive when it is asked for and not mounted.
    """
    if not _check_choice(os.environ.get(ENV, ""), ENV):
        return None
    if not (DRIVE_FOLDER.parent).is_dir():
        raise PersistError(
            f"the cache and results were asked to be kept on Google Drive ({DRIVE_FOLDER}), but "
            f"Drive is not mounted at {DRIVE_MOUNT}. On Colab, run these two lines in a cell, then "
            "re-run this chapter:\n"
            "    from google.colab import drive\n"
            f'    drive.mount("{DRIVE_MOUNT}")\n'
            f'Or keep everything in this runtime: PERSIST = "" (and unset {ENV}).')
    return DRIVE_FOLDER


def persist(where: str | None) -> Path | None:
    """A chapter's ``PERSIST`` parameter: ``"drive"`` keeps the cache and results on Google Drive.

    ``""`` (or None) leaves the choice to ``INTRIGUING_PERSIST`` (default: the book's folder). Says
    in one line where things go when that is Drive; returns the folder (None for the default).
    """
    if _check_choice(where, "PERSIST"):
        os.environ[ENV] = "drive"
    root = persist_root()
    if root is not None:
        print(f"PERSIST: the cache and results are kept on Google Drive, in {root}")
    return root
