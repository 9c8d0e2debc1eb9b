"""The Colab install cell of every chapter: a no-op outside Colab; on Colab, the package from the
same repository and ref as the notebook the launch button opened, and a one-line hint when the
runtime has no GPU. Every notebook asks Colab for a GPU runtime."""

import ast
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import jupytext
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import execute_chapters  # noqa: E402
import set_book_ref  # noqa: E402

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("[0-9][0-9]_*.py"))


def _install_cell(path: Path) -> str:
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "code" and set_book_ref.is_install_cell(c.source)]
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
def test_install_cell_is_the_template(path):
    url, ref = set_book_ref.configured()
    assert _install_cell(path) == set_book_ref.INSTALL_CELL.format(url=url, ref=ref), (
        f"{path.name}: the install cell is not tools/set_book_ref.py's INSTALL_CELL: run "
        f"`python tools/set_book_ref.py {ref}`, then rebuild the notebook")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_install_cell_pins_the_executed_version_on_colab(path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **k: calls.append((cmd, k)))
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(_install_cell(path), {})
    assert len(calls) == 1
    cmd, kwargs = calls[0]
    assert cmd[1:4] == ["-m", "pip", "install"] and kwargs.get("check") is True
    url, ref = set_book_ref.configured()
    assert cmd[-1] == f"intriguing @ git+{url}@{ref}", (
        "the cell must install the package from the repository and ref the launch button opens "
        f"({url} at {ref}, from _config.yml): run tools/set_book_ref.py {ref}")


@pytest.mark.parametrize("gpu, hint", [(True, ""), (False, "No GPU in this runtime (CPU works, slowly): "
                                                      "Runtime > Change runtime type > T4 GPU.\n")])
def test_install_cell_says_how_to_get_a_gpu_on_colab(gpu, hint, monkeypatch, capsys):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: None)
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}" if gpu else None)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(set_book_ref.INSTALL_CELL.format(url="https://github.com/o/r", ref="main"), {})
    assert capsys.readouterr().out == hint


def test_install_cell_imports_no_torch():
    """torch loaded before the package would miss its CPU pins (intriguing.runtime.pin_environment)."""
    tree = ast.parse(set_book_ref.INSTALL_CELL.format(url="https://github.com/o/r", ref="main"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names} | {n.module.split(".")[0] for n in ast.walk(tree)
                                     if isinstance(n, ast.ImportFrom) and n.module}
    assert imported == {"shutil", "subprocess", "sys"}


def test_notebooks_ask_colab_for_a_gpu_runtime(tmp_path):
    nb = execute_chapters.source_notebook(CHAPTERS[0])
    assert nb.metadata["accelerator"] == "GPU"
    assert nb.metadata["colab"] == {"gpuType": "T4", "provenance": []}
    assert nb.metadata["kernelspec"]["name"] == "python3"


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
    url, ref = set_book_ref.configured()
    set_book_ref.set_ref(ref)  # the cells as the template writes them (a no-op once they are)
    before = {p.name: p.read_text() for p in book.rglob("*") if p.is_file()}
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


# --------------------------------------------------------------------------- a fresh Colab runtime

SOURCE = {"url": "https://github.com/intriguing-book/intriguing", "ref": "main", "commit": "abc1234" + "0" * 33}
RESULTS = Path(__file__).resolve().parents[1] / "results"


def _committed(urls):
    """A stand-in for raw.githubusercontent.com serving this checkout's results/."""
    def fetch(url):
        urls.append(url)
        return (RESULTS / url.rsplit("/", 1)[1]).read_text()
    return fetch


@pytest.fixture
def fresh_runtime(tmp_path, monkeypatch):
    """A runtime with no results of its own, whose package came from git (as the install cell does)."""
    from intriguing import results

    monkeypatch.setenv("INTRIGUING_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(results, "installed_from", lambda: dict(SOURCE))
    return tmp_path / "results"


def test_results_page_falls_back_to_the_committed_results_of_its_commit(fresh_runtime):
    from intriguing import results

    urls = []
    shown, notes = results.for_page(fetch=_committed(urls))
    assert [r["chapter"] for r in shown] == list(results.RECORDED) and notes == []
    assert {r["shown_from"] for r in shown} == {"as committed at main (commit abc1234)"}
    assert urls[0] == f"https://raw.githubusercontent.com/intriguing-book/intriguing/{SOURCE['commit']}/results/00_zoo.json"
    assert shown[0]["rows"] == results.load_all(RESULTS)[0]["rows"]


def test_results_page_labels_what_this_runtime_computed(fresh_runtime):
    from intriguing import results

    results.record("00_zoo", "Zoo", [results.row("c", "q", "1", "2", None, "w", role="measurement")])
    saved = json.loads((fresh_runtime / "00_zoo.json").read_text())
    assert saved["computed_with"] == SOURCE, "a results file written on Colab records its commit"
    shown, notes = results.for_page(["00_zoo", "03_lbfgs"], fetch=_committed([]))
    assert [(r["chapter"], r["shown_from"]) for r in shown] == [
        ("00_zoo", "computed in this runtime"), ("03_lbfgs", "as committed at main (commit abc1234)")]


def test_a_results_file_of_another_ref_is_named_and_replaced_by_the_committed_one(fresh_runtime, monkeypatch):
    from intriguing import results

    monkeypatch.setattr(results, "installed_from", lambda: {**SOURCE, "ref": "v0.1.0", "commit": "f" * 40})
    results.record("00_zoo", "Zoo", [results.row("c", "q", "1", "2", None, "w", role="measurement")])
    monkeypatch.setattr(results, "installed_from", lambda: dict(SOURCE))
    shown, notes = results.for_page(["00_zoo"], fetch=_committed([]))
    assert shown[0]["shown_from"].startswith("as committed at main") and shown[0]["title"] != "Zoo"
    assert len(notes) == 1 and "computed by intriguing at v0.1.0 (commit fffffff), not this package's main" in notes[0]
    assert "re-run 00_zoo" in notes[0]


def test_no_network_on_a_fresh_runtime_says_what_to_do(fresh_runtime):
    import urllib.error

    from intriguing import results

    def offline(url):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(results.ResultsError, match="could not be fetched from https://raw.githubusercontent.com/"
                       ".*connect the runtime to the internet, or execute the chapter first"):
        results.for_page(fetch=offline)


def test_a_local_checkout_without_results_says_to_execute_the_chapters(tmp_path, monkeypatch):
    from intriguing import results

    monkeypatch.setenv("INTRIGUING_RESULTS", str(tmp_path))
    monkeypatch.setattr(results, "installed_from", lambda: None)
    with pytest.raises(results.ResultsError, match="no recorded results: execute the chapters first"):
        results.for_page(fetch=_committed([]))


def test_committed_results_files_record_no_commit():
    """In a checkout (editable install) nothing is added: results/*.json stay byte-identical."""
    from intriguing import results

    assert results.installed_from() is None
    assert not any("computed_with" in r for r in results.load_all(RESULTS))


def test_installed_from_reads_pips_record_of_a_git_install(monkeypatch):
    import importlib.metadata

    from intriguing import results

    direct = {"url": SOURCE["url"], "vcs_info": {"vcs": "git", "requested_revision": "main",
                                                 "commit_id": SOURCE["commit"]}}
    fake = types.SimpleNamespace(read_text=lambda name: json.dumps(direct))
    monkeypatch.setattr(importlib.metadata, "distribution", lambda name: fake)
    assert results.installed_from() == SOURCE


@pytest.fixture
def drive(tmp_path, monkeypatch):
    """A stand-in for Colab's /content/drive (not mounted until the test makes MyDrive)."""
    from intriguing import storage

    monkeypatch.delenv("INTRIGUING_CACHE", raising=False)
    monkeypatch.delenv("INTRIGUING_RESULTS", raising=False)
    monkeypatch.setenv(storage.ENV, "")  # (restored after the test, though persist() sets it)
    monkeypatch.setattr(storage, "DRIVE_MOUNT", tmp_path / "drive")
    monkeypatch.setattr(storage, "DRIVE_FOLDER", tmp_path / "drive" / "MyDrive" / "intriguing")
    return tmp_path / "drive"


def test_persist_drive_keeps_cache_and_results_on_drive(drive, capsys):
    from intriguing import cache, results, storage

    (drive / "MyDrive").mkdir(parents=True)
    assert storage.persist("drive") == drive / "MyDrive" / "intriguing"
    assert "kept on Google Drive" in capsys.readouterr().out
    assert cache.cache_root() == drive / "MyDrive" / "intriguing" / "cache"
    assert results.results_dir() == drive / "MyDrive" / "intriguing" / "results"


def test_persist_drive_without_drive_mounted_says_how_to_mount_it(drive):
    from intriguing import cache, storage

    with pytest.raises(storage.PersistError, match="Drive is not mounted") as info:
        storage.persist("drive")
    assert 'from google.colab import drive\n    drive.mount("' in str(info.value)
    with pytest.raises(storage.PersistError):
        cache.cache_root()  # the environment variable is set: nothing silently goes elsewhere


def test_persist_default_keeps_the_books_folders(drive):
    from intriguing import cache, results, storage
    from intriguing.data import book_root

    assert storage.persist("") is None and storage.persist(None) is None
    assert cache.cache_root() == book_root() / "data" / "cache"
    assert results.results_dir() == book_root() / "results"


@pytest.mark.parametrize("value", ["Drive!", 1, True])
def test_persist_refuses_other_values(drive, value):
    from intriguing import storage

    with pytest.raises(ValueError, match='PERSIST must be "drive"'):
        storage.persist(value)
