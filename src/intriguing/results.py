"""Each chapter's paper-vs-ours numbers, saved where the book's results page collects them.

A chapter ends with :func:`record`, which writes ``results/<chapter>.json`` (small, committed,
written atomically, byte-identical when the chapter's outputs are). The results page reads every
file back with :func:`load_all`, so its table is generated from the chapters' own results and
never typed in. Explained in the book's "Results at a glance" page.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from intriguing.data import book_root

VERDICTS = ("reproduced", "partly", "not reproduced", "beyond the paper")


def results_dir() -> Path:
    return book_root() / "results"


def row(claim: str, quantity: str, paper: str, ours: str, verdict: str, why: str) -> dict:
    """One paper-vs-ours line: numbers as the chapter printed them (text), and a one-line verdict."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    return {"claim": claim, "quantity": quantity, "paper": paper, "ours": ours, "verdict": verdict, "why": why}


def record(chapter: str, title: str, rows: list[dict]) -> Path:
    """Write the chapter's rows to ``results/<chapter>.json`` (``chapter`` is the notebook's name)."""
    if not rows:
        raise ValueError("record() needs at least one row")
    payload = {"chapter": chapter, "title": title, "rows": rows}
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chapter}.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{chapter}.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def load_all(folder: Path | None = None) -> list[dict]:
    """Every chapter's recorded results, in chapter order."""
    folder = folder or results_dir()
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
