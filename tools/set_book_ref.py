"""Point the book at one git ref of its repository: the launch buttons and every install cell.

The rocket button of a chapter opens the notebook at ``repository.branch`` of ``_config.yml``;
the chapter's Colab install cell installs the package from the same ref, so a reader always gets
the package the notebook was executed with (CI re-executes every notebook of a ref against that
ref's package). ``tests/test_colab_cell.py`` fails when the two disagree. For a release:

    python tools/set_book_ref.py v0.2.0    # then commit, tag v0.2.0, push the tag, build the book
    python tools/set_book_ref.py main      # and back to the branch afterwards

Only the install cell's source changes (in the ``.py`` and the ``.ipynb``); outputs stay as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
#: The package spec in an install cell: ``intriguing @ git+<repository url>@<ref>``.
SPEC = re.compile(r'"intriguing @ git\+(?P<url>https://[^"@]+)@(?P<ref>[^"]+)"')
ESCAPED_SPEC = re.compile(r'\\"intriguing @ git\+https://[^"\\@]+@[^"\\]+\\"')
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
    spec = f'"intriguing @ git+{url}@{ref}"'
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.py")):
        for target in (path, path.with_suffix(".ipynb")):
            if not target.exists():
                continue
            text = target.read_text()
            if target.suffix == ".ipynb":  # there the spec sits, quotes escaped, inside a JSON string
                new = ESCAPED_SPEC.sub(lambda m: json.dumps(spec)[1:-1], text)
            else:
                new = SPEC.sub(lambda m: spec, text)
            if new != text:
                target.write_text(new)
                changed.append(target)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ref", help="branch or tag the book's launch buttons and install cells use")
    args = parser.parse_args(argv)
    for path in set_ref(args.ref):
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
