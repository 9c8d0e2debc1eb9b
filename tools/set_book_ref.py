"""Point the book at one git ref of its repository: the launch buttons and every install cell.

The rocket button of a chapter opens the notebook at ``repository.branch`` of ``_config.yml``;
the chapter's Colab install cell installs the package from the same ref, so a reader always gets
the package the notebook was executed with (CI re-executes every notebook of a ref against that
ref's package). ``tests/test_colab_cell.py`` fails when the two disagree. For a release:

    python tools/set_book_ref.py v0.2.0    # then commit, tag v0.2.0, push the tag, build the book
    python tools/set_book_ref.py main      # and back to the branch afterwards

Every chapter's install cell is :data:`INSTALL_CELL` for that ref, written whole: a change of the
template reaches every chapter with ``python tools/set_book_ref.py main``. Only the install cell's
source changes (in the ``.py`` and the ``.ipynb``); outputs stay as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
#: Every chapter's Colab install cell (a ``remove-cell``): outside Colab it does nothing. On Colab it
#: says how to get a GPU when the runtime has none (``nvidia-smi`` is there only on a GPU runtime;
#: torch must not be imported before the install), then installs the package of the same ref.
INSTALL_CELL = """\
# Colab only: install the book's package from the same git ref as this notebook (the launch
# button opens the notebook there; CI checks that ref's notebooks against that ref's package).
import shutil
import subprocess
import sys

if "google.colab" in sys.modules:
    if not shutil.which("nvidia-smi"):
        print("No GPU in this runtime (CPU works, slowly): Runtime > Change runtime type > T4 GPU.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "intriguing @ git+{url}@{ref}"], check=True)"""
#: The install cell's body in a chapter's ``.py``: from its first comment to the next cell marker.
PY_CELL = re.compile(r"^# Colab only: install.*?(?=\n+# %%|\Z)", re.M | re.S)
BRANCH = re.compile(r"^(  branch: )(\S+)", re.M)
URL = re.compile(r"^  url: (\S+)", re.M)


def configured() -> tuple[str, str]:
    """(repository url, ref) from ``_config.yml``."""
    text = CONFIG.read_text()
    return URL.search(text).group(1), BRANCH.search(text).group(2)


def set_ref(ref: str) -> list[Path]:
    """Write ``ref`` into ``_config.yml`` and every chapter's install cell; return the files changed."""
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", ref) or ref.startswith("-") or ".." in ref:
        raise SystemExit(f"not a git branch or tag name: {ref!r}")
    url, _ = configured()
    changed = []
    text = CONFIG.read_text()
    new = BRANCH.sub(lambda m: m.group(1) + ref, text, count=1)
    if new != text:
        CONFIG.write_text(new)
        changed.append(CONFIG)
    cell = INSTALL_CELL.format(url=url, ref=ref)
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.py")):
        for target in (path, path.with_suffix(".ipynb")):
            if not target.exists():
                continue
            text = target.read_text()
            if target.suffix == ".ipynb":
                new = _with_install_cell(text, cell)
            else:
                new = PY_CELL.sub(lambda m: cell, text, count=1)
            if new != text:
                target.write_text(new)
                changed.append(target)
    return changed


def is_install_cell(source: str) -> bool:
    return "google.colab" in source and "pip" in source


def _with_install_cell(notebook: str, cell: str) -> str:
    """The notebook's JSON with its install cell's source replaced (formatted as nbformat writes it)."""
    nb = json.loads(notebook)
    for c in nb["cells"]:
        if c["cell_type"] == "code" and is_install_cell("".join(c["source"])):
            c["source"] = cell.splitlines(keepends=True)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ref", help="branch or tag the book's launch buttons and install cells use")
    args = parser.parse_args(argv)
    for path in set_ref(args.ref):
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
