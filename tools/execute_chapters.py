#!/usr/bin/env python
"""Execute the book's chapters: chapters/NN_name.py (jupytext percent, the edited source) ->
chapters/NN_name.ipynb (executed, committed, rendered by the book as it is).

    .venv/bin/python tools/execute_chapters.py                      # every chapter
    .venv/bin/python tools/execute_chapters.py chapters/01_x.py     # some chapters
    .venv/bin/python tools/execute_chapters.py chapters/01_x.py -p N_IMAGES 10000 -o /tmp/01_x.ipynb

Each chapter runs top to bottom with papermill in a fresh `python3` kernel of this environment,
with cwd = chapters/ and the caller's environment (INTRIGUING_DATA included, when set). No
parameters are injected unless given with -p (one chapter only); overrides are folded into the
chapter's `parameters` cell, so the notebook still re-runs to the same outputs, and no
`injected-parameters` cell is ever written. Volatile metadata (papermill's, execution timestamps)
is stripped and cell ids are derived from the cell sources, so re-running an unchanged chapter
gives an unchanged file. The notebook is written atomically, and only when no cell raised.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CHAPTER_NAME = re.compile(r"^\d\d_[A-Za-z0-9_]+\.py$")
KERNEL = "python3"
# Settings every executed chapter sees, here and when nbval re-executes it (tools/run_tests.sh,
# tests/test_book.py): progress bars print timings to stderr, which would differ at every run.
STABLE_ENV = {"TQDM_DISABLE": "1"}
# Notebook metadata that makes Colab open a chapter on a GPU runtime (what Colab itself writes
# when "T4 GPU" is chosen under Runtime > Change runtime type); other front ends ignore it.
COLAB_GPU = {"accelerator": "GPU", "colab": {"gpuType": "T4", "provenance": []}}

try:
    import jupytext
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
except ImportError as exc:  # pragma: no cover - depends on how the script is started
    sys.exit(f"execute_chapters: {exc}. Run it with .venv/bin/python after `bash tools/setup.sh`.")


class ChapterError(RuntimeError):
    """A chapter that cannot be executed or whose execution failed; nothing was written."""


def parse_value(text: str) -> Any:
    """A -p value as a Python literal when it is one (10, 1e-4, True, None, [1, 2]), else a str."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def chapter_paths(args: list[str]) -> list[Path]:
    """The chapter sources to execute: the given ones (checked), or every chapters/NN_name.py."""
    if not args:
        found = sorted(p for p in CHAPTERS.glob("*.py") if CHAPTER_NAME.match(p.name))
        if not found:
            raise ChapterError(f"no chapters/NN_name.py files in {CHAPTERS}")
        return found
    paths = []
    for arg in args:
        path = Path(arg).resolve()
        if path.suffix == ".ipynb":
            raise ChapterError(f"{arg}: give the jupytext source {path.with_suffix('.py').name}, "
                               "not the executed notebook")
        if not path.is_file():
            raise ChapterError(f"{arg}: no such file")
        if path.parent != CHAPTERS or not CHAPTER_NAME.match(path.name):
            raise ChapterError(f"{arg}: chapters are chapters/NN_name.py (two digits, underscore)")
        paths.append(path)
    return paths


def parameter_names(source: str) -> set[str]:
    """Names assigned in a parameters cell (papermill can only override those)."""
    names = set()
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def source_notebook(py: Path) -> nbformat.NotebookNode:
    """The chapter source as an unexecuted notebook with stable cell ids, the python3 kernel and
    the metadata that opens it on a Colab GPU runtime."""
    nb = jupytext.read(py)
    counts: dict[str, int] = {}
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:10]
        counts[digest] = counts.get(digest, 0) + 1
        cell["id"] = digest if counts[digest] == 1 else f"{digest}-{counts[digest]}"
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": KERNEL}
    nb.metadata.update(copy.deepcopy(COLAB_GPU))
    formats = nb.metadata.get("jupytext", {}).get("formats")
    nb.metadata.pop("jupytext", None)
    if formats:
        nb.metadata["jupytext"] = {"formats": formats}
    return nb


def fold_injected_parameters(nb: nbformat.NotebookNode) -> None:
    """Move papermill's injected-parameters cell into the parameters cell, recording the overrides."""
    injected = [i for i, c in enumerate(nb.cells) if "injected-parameters" in tags(c)]
    for index in reversed(injected):
        cell = nb.cells.pop(index)
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and ln.strip() != "# Parameters"]
        target = next(c for c in nb.cells if "parameters" in tags(c))
        target.source = (target.source.rstrip("\n") + "\n\n# Overridden on the command line "
                         "(tools/execute_chapters.py -p):\n" + "\n".join(lines))


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Drop what changes at every run and says nothing about the results."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        for key in ("papermill", "execution", "ExecuteTime", "collapsed", "scrolled"):
            meta.pop(key, None)
        if "tags" in meta and not meta["tags"]:
            del meta["tags"]


def check_executed(nb: nbformat.NotebookNode, name: str) -> None:
    """Refuse a notebook with an error output or a code cell that did not run."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise ChapterError(f"{name}: cell {index} raised {out.get('ename')}: "
                                   f"{out.get('evalue')}; nothing written")
        if cell.source.strip() and cell.get("execution_count") is None:
            raise ChapterError(f"{name}: cell {index} was not executed; nothing written")


def write_atomically(nb: nbformat.NotebookNode, out: Path) -> None:
    """Write the notebook through a temporary file in the same folder, then rename it into place."""
    nbformat.validate(nb)
    text = nbformat.writes(nb) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".ipynb.tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's mode
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def use_this_environment_kernel() -> None:
    """Make the `python3` kernel this interpreter (tools/setup.sh installs its kernelspec)."""
    share = Path(sys.prefix) / "share" / "jupyter"
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(share)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    exe = spec.argv[0]
    if exe not in ("python", "python3", "{python}") and not (
            Path(exe).exists() and os.path.samefile(exe, sys.executable)):
        raise ChapterError(f"kernel '{KERNEL}' runs {exe}, not {sys.executable}: "
                           "run `bash tools/setup.sh` (it installs the kernel of .venv)")


def execute(py: Path, params: dict[str, Any], out: Path) -> None:
    """Execute one chapter source and write its executed notebook to `out`."""
    name = py.relative_to(ROOT).as_posix()
    nb = source_notebook(py)
    param_cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in tags(c)]
    if len(param_cells) != 1:
        raise ChapterError(f'{name}: needs exactly one code cell tagged parameters '
                           f'(`# %% tags=["parameters"]`), found {len(param_cells)}')
    unknown = set(params) - parameter_names(param_cells[0].source)
    if unknown:
        raise ChapterError(f"{name}: -p {', '.join(sorted(unknown))}: not assigned in its "
                           "parameters cell")
    try:
        executed = papermill.execute_notebook(
            nb, None, parameters=params or None, kernel_name=KERNEL, cwd=str(CHAPTERS),
            progress_bar=False, log_output=False, request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(exc.traceback[-3:]))
        raise ChapterError(f"{name}: the cell In [{exc.exec_count}] raised {exc.ename}: "
                           f"{exc.evalue}; nothing written\n{trace}") from None
    fold_injected_parameters(executed)
    strip_volatile(executed)
    check_executed(executed, name)
    write_atomically(executed, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapters/NN_name.py files (default: all)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                        metavar=("NAME", "VALUE"),
                        help="override a parameters-cell value (one chapter only)")
    parser.add_argument("-o", "--output", type=Path,
                        help="where to write the notebook (one chapter only; "
                             "default chapters/NN_name.ipynb)")
    args = parser.parse_args(argv)
    try:
        paths = chapter_paths(args.chapters)
        if (args.parameter or args.output) and len(paths) != 1:
            raise ChapterError("-p and -o need exactly one chapter on the command line")
        params = {name: parse_value(value) for name, value in args.parameter}
        for key, value in STABLE_ENV.items():
            os.environ.setdefault(key, value)
        use_this_environment_kernel()
        data = os.environ.get("INTRIGUING_DATA")
        print(f"execute_chapters: INTRIGUING_DATA={data}" if data else
              "execute_chapters: INTRIGUING_DATA not set")
        for py in paths:
            out = (args.output or py.with_suffix(".ipynb")).resolve()
            shown = params and " with " + ", ".join(f"{k}={v!r}" for k, v in params.items())
            print(f"execute_chapters: {py.relative_to(ROOT)}{shown or ''} ...", flush=True)
            execute(py, params, out)
            shown_out = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
            print(f"execute_chapters: wrote {shown_out}", flush=True)
    except ChapterError as exc:
        print(f"execute_chapters: ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
