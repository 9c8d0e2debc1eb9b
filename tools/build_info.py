"""Sphinx extension: every page's footer names the git ref and commit the book was built from.

A reader who reports a wrong number, or cites a page, can then say which version they read. The
ref is ``BOOK_REF`` if set (.github/workflows/book.yml sets it), else the branch or tag GitHub
Actions built (``GITHUB_REF_NAME``), else the tag or branch
of the checkout; the commit is ``git rev-parse HEAD``. Outside a git checkout both are "unknown",
and a checkout with uncommitted changes says so. Loaded by ``_config.yml`` (sphinx.local_extensions);
``tests/test_book.py`` checks the footer of the built pages.
"""

from __future__ import annotations

import html
import os
import subprocess
from pathlib import Path
from typing import Any

UNKNOWN = "unknown"


def _git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def build_ref(root: Path) -> tuple[str, str, bool]:
    """(ref, commit, has uncommitted changes) of the checkout at ``root``; "unknown" outside git."""
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return UNKNOWN, UNKNOWN, False
    ref = (os.environ.get("BOOK_REF") or os.environ.get("GITHUB_REF_NAME")
           or _git(root, "describe", "--tags", "--exact-match", "HEAD")
           or _git(root, "rev-parse", "--abbrev-ref", "HEAD"))
    if not ref or ref == "HEAD":
        ref = UNKNOWN
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    return ref, commit, dirty


def footer(repository_url: str, ref: str, commit: str, dirty: bool) -> str:
    """The footer's HTML: the ref and a link to the commit on the repository's site."""
    if commit == UNKNOWN:
        return "Built from an unknown git ref and commit (not a git checkout)."
    link = f'<a href="{html.escape(repository_url.rstrip("/"))}/tree/{commit}">{commit[:12]}</a>'
    changes = ", with uncommitted changes" if dirty else ""
    return f"Built from git ref <code>{html.escape(ref)}</code>, commit {link}{changes}."


def add_footer(app, config) -> None:
    ref, commit, dirty = build_ref(Path(app.srcdir))
    options = dict(config.html_theme_options or {})
    url = (options.get("repository_url") or "").strip()
    text = footer(url, ref, commit, dirty)
    options["extra_footer"] = " ".join(p for p in (options.get("extra_footer") or "", text) if p)
    config.html_theme_options = options


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", add_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
