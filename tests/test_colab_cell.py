"""The Colab install cell of every chapter: a no-op outside Colab; on Colab, the package from the
same repository and ref as the notebook the launch button opened."""

import subprocess
import sys
import types
from pathlib import Path

import jupytext
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import set_book_ref  # noqa: E402

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
    url, ref = set_book_ref.configured()
    assert cmd[-1] == f"intriguing @ git+{url}@{ref}", (
        "the cell must install the package from the repository and ref the launch button opens "
        f"({url} at {ref}, from _config.yml): run tools/set_book_ref.py {ref}")


def test_set_book_ref_moves_launch_buttons_and_install_cells_together(tmp_path, monkeypatch):
    """A release points the book at a tag in one step; nothing but the ref changes, and back again."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "_config.yml").write_text(set_book_ref.CONFIG.read_text())
    for path in CHAPTERS[:2]:
        for target in (path, path.with_suffix(".ipynb")):
            (book / "chapters" / target.name).write_text(target.read_text())
    monkeypatch.setattr(set_book_ref, "ROOT", book)
    monkeypatch.setattr(set_book_ref, "CONFIG", book / "_config.yml")
    before = {p.name: p.read_text() for p in book.rglob("*") if p.is_file()}
    url, ref = set_book_ref.configured()
    changed = set_book_ref.set_ref("v9.9.9")
    assert len(changed) == 1 + 2 * 2
    assert set_book_ref.configured() == (url, "v9.9.9")
    for path in CHAPTERS[:2]:
        spec = f"intriguing @ git+{url}@v9.9.9"
        assert f'"{spec}"' in (book / "chapters" / path.name).read_text()
        cells = jupytext.read(book / "chapters" / path.with_suffix(".ipynb").name).cells
        assert sum(spec in c.source for c in cells) == 1
    set_book_ref.set_ref(ref)
    assert {p.name: p.read_text() for p in book.rglob("*") if p.is_file()} == before
    with pytest.raises(SystemExit, match="not a git branch or tag name"):
        set_book_ref.set_ref("--upload-pack=x")
