"""The linter, as CI runs it: ruff with the rules and files of pyproject.toml's [tool.ruff].

Also a guard the linter cannot give: every chapter imports `intriguing` before any third-party
package, because that import pins the CPU code path before torch loads (src/intriguing/runtime.py).
A tool that sorts or removes imports would break the committed outputs silently.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PINNED_FIRST = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.py")) + sorted((ROOT / "benchmarks").glob("*.py"))


def test_ruff_is_clean() -> None:
    version = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.fail(f"ruff is not installed in {sys.executable}: run `bash tools/setup.sh` "
                    f"(it installs the pin of constraints.txt)\n{version.stderr}")
    # No cache: it would be written into the working tree. The file list is pyproject's `include`.
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{version.stdout.strip()} finds problems (`ruff check --fix` repairs those marked [*]; "
                    "mark an intended side-effect import with `# noqa: F401` and say why):\n"
                    f"{proc.stdout}{proc.stderr}", pytrace=False)


def first_import_problem(source: str) -> str | None:
    """Why `source` does not import `intriguing` before every third-party package (None: it does)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if top == "intriguing":
                return None
            if top not in sys.stdlib_module_names and top != "__future__":
                return f"line {node.lineno} imports {name!r} before `import intriguing`"
    return "it never imports intriguing"


@pytest.mark.parametrize("path", PINNED_FIRST, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_intriguing_is_imported_before_any_third_party_package(path: Path) -> None:
    problem = first_import_problem(path.read_text(encoding="utf-8"))
    assert problem is None, (f"{path.relative_to(ROOT)}: {problem}; keep `import intriguing  # noqa: F401` "
                             "first (it pins the CPU code path before torch loads; without the noqa, "
                             "`ruff check --fix` removes it)")


def test_first_import_check_catches_a_late_import() -> None:
    assert first_import_problem("import sys\nimport intriguing\nimport torch\n") is None
    assert first_import_problem("from intriguing import zoo\n") is None
    assert "'numpy'" in first_import_problem("import os\nimport numpy as np\nimport intriguing\n")
    assert "'torch.nn'" in first_import_problem("from torch.nn import functional\nimport intriguing\n")
    assert first_import_problem("import os\n") == "it never imports intriguing"
