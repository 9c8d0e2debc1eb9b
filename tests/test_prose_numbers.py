"""A chapter's prose never types a number its execution computed: such numbers are glued.

A typed restatement goes stale the moment the chapter is re-run with other parameters or other
code; a glued one (intriguing.prose.glue, cited as {glue:text}`name`) is the execution's output,
under nbval's drift check. Two checks per executed chapter: every glue reference in its markdown
has a glued value in its outputs, and no number of its recorded results ("ours" of
results/<chapter>.json) appears typed in its markdown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
GLUE_REF = re.compile(r"\{glue(?::\w+)?\}`([A-Za-z_][A-Za-z0-9_]*)(?::[^`]*)?`|```\{glue(?::\w+)?\}\s+(\w+)")
# a number as prose writes it: 0.0590, 15.36, 30,000, 1e-4 is a parameter (not matched: no digits after e)
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d{2,})(?![\w])")


def _glued(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            scrap = out.get("metadata", {}).get("scrapbook")
            if scrap:
                names.add(scrap["name"])
    return names


def _prose(nb) -> str:
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text = GLUE_REF.sub(" ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", text, flags=re.S)  # math: definitions, not results
    text = re.sub(r"`[^`\n]*`", " ", text)  # code: parameter names and values
    text = re.sub(r"\{cite\}`[^`]*`|\]\([^)]*\)", " ", text)
    return text


def _numbers(text: str) -> set[str]:
    return {m.group(1) for m in NUMBER.finditer(text)}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_glue_reference_has_a_value(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    refs = {a or b for a, b in GLUE_REF.findall("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))}
    missing = sorted(refs - _glued(nb))
    assert not missing, f"{notebook.name} cites glued values it never glues: {missing}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_prose_types_no_recorded_result(notebook: Path):
    record = ROOT / "results" / f"{notebook.stem}.json"
    if not record.is_file():
        pytest.skip(f"{notebook.stem} records no results")
    rows = json.loads(record.read_text(encoding="utf-8"))["rows"]
    ours = set().union(*(_numbers(r["ours"]) for r in rows))
    paper = set().union(*(_numbers(r["paper"]) for r in rows))
    nb = nbformat.read(notebook, as_version=4)
    typed = sorted(_numbers(_prose(nb)) & (ours - paper))
    assert not typed, (f"{notebook.name}'s markdown types numbers its results record ({typed}): glue them "
                       "(intriguing.prose.glue, cited as {glue:text}`name`), so a re-run cannot leave them stale")
