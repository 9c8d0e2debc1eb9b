"""The Colab install cell of every chapter: a no-op outside Colab, the exact package version on Colab."""

import subprocess
import sys
import types
from pathlib import Path

import jupytext
import pytest

import intriguing

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("[0-9][0-9]_*.py"))


def _install_cell(path: Path) -> str:
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code" and "google.colab" in c.source and "pip" in c.source]
    assert len(cells) == 1, f"{path.name}: expected exactly one Colab install cell"
    return cells[0].source


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_install_cell_is_a_no_op_outside_colab(path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(_install_cell(path), {})
    assert calls == []


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_install_cell_pins_the_executed_version_on_colab(path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **k: calls.append((cmd, k)))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(_install_cell(path), {})
    assert len(calls) == 1
    cmd, kwargs = calls[0]
    assert cmd[1:4] == ["-m", "pip", "install"] and kwargs.get("check") is True
    spec = cmd[-1]
    assert spec.startswith("intriguing @ git+https://github.com/intriguing-book/intriguing@")
    assert spec.endswith(f"@v{intriguing.__version__}"), "the cell must install the version the book was executed with"
