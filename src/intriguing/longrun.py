"""Long runs: results bigger than CI can afford, committed with their provenance, checked by a slice.

A long run is a computation the book's own code makes, split into independent chunks (chunk ``i``
needs nothing from chunk ``j``, so any number of worker processes gives the same bits). Running it
(``python tools/longrun.py run NAME``) writes ``results/longrun/<NAME>.json``, committed with the
book: the stated parameters, a summary the chapters read, a SHA-256 digest of every chunk's
tensors, and the provenance (git commit, torch version, device, CPU kernels, threads, workers,
wall time, a digest of the code that computes it). CI recomputes the run's declared cheap slice
(``tests/test_longrun.py``) and fails when one of its chunks differs from the committed digest by
a single bit, so a committed long run is always what the committed code computes. A chapter
shows a long run's numbers with :func:`provenance` beside them, which also says when the code has
changed since the file was made. Explained in chapter 3, "Table 1 at the paper's scale".

The book's long runs are registered in :data:`LONG_RUNS`.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import hashlib
import importlib
import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from intriguing import cache
from intriguing._atomic import atomic_write
from intriguing.data import book_root

FORMAT = 1

#: A chunk's id: a tuple of JSON scalars, written ``"a/b"`` in the file.
Chunk = tuple


class LongRunError(RuntimeError):
    """A long run that cannot be used or checked as it is; the message says what to do."""


@dataclass(frozen=True)
class LongRun:
    """One long run: what it computes, in which chunks, and which of them CI recomputes.

    ``chunks(params)`` lists the chunk ids; ``compute(params, chunk)`` returns that chunk's tensors
    (a dict; its digest is what CI compares); ``summarize(params, outputs)`` turns every chunk's
    tensors (a dict keyed by chunk id) into the JSON summary the chapters read. ``slice`` picks the
    chunks CI recomputes (cheap, and enough to catch any change of the code's results); ``modules``
    name the code whose source digest is recorded (a change is reported, and the slice decides
    whether the results moved).
    """

    name: str
    description: str
    params: dict
    chunks: Callable[[dict], list[Chunk]]
    compute: Callable[[dict, Chunk], dict[str, torch.Tensor]]
    summarize: Callable[[dict, dict[Chunk, dict[str, torch.Tensor]]], dict]
    slice: Callable[[dict], list[Chunk]]
    modules: tuple[str, ...]


def folder() -> Path:
    """``<book>/results/longrun``: committed with the book (never on Drive or in a test's folder)."""
    return book_root() / "results" / "longrun"


def path(name: str) -> Path:
    return folder() / f"{name}.json"


def chunk_label(chunk: Chunk) -> str:
    return "/".join(str(part) for part in chunk)


def digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 of a chunk's tensors: names, dtypes, shapes and every byte, in name order."""
    h = hashlib.sha256()
    for key in sorted(tensors):
        t = tensors[key].detach().cpu().contiguous()
        h.update(f"{key}:{t.dtype}:{tuple(t.shape)}:".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:32]


def code_version(run: LongRun) -> str:
    return cache.code_version(*(importlib.import_module(m) for m in run.modules))


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=book_root(), capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _environment(device: str) -> dict:
    from intriguing import runtime

    commit = _git("rev-parse", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "src"))
    return {"commit": commit + ("+uncommitted changes in src/" if dirty else ""),
            "torch": torch.__version__.split("+")[0], "device": device,
            "cpu_kernels": runtime.cpu_capability(), "threads": torch.get_num_threads(),
            "python": sys.version.split()[0]}


def _run_chunk(name: str, chunk: Chunk) -> dict[str, torch.Tensor]:
    """A chunk, in whichever process runs it (top level, so that worker processes can pickle it)."""
    import intriguing  # noqa: F401  (a spawned worker: pin the code path before anything else)

    run = LONG_RUNS[name]
    return run.compute(run.params, chunk)


def compute(run: LongRun, chunks: Sequence[Chunk], workers: int = 1) -> dict[Chunk, dict[str, torch.Tensor]]:
    """Every chunk's tensors, in ``workers`` processes (each on one thread; the same bits for any count)."""
    chunks = [tuple(c) for c in chunks]
    if workers <= 1:
        return {c: _run_chunk(run.name, c) for c in chunks}
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {c: pool.submit(_run_chunk, run.name, c) for c in chunks}
        return {c: f.result() for c, f in futures.items()}


def run(name: str, *, workers: int = 1, log: Callable[[str], Any] = print) -> Path:
    """Compute the whole long run ``name`` and write its file (atomically); returns the path."""
    spec = get(name)
    chunks = [tuple(c) for c in spec.chunks(spec.params)]
    log(f"longrun {name}: {len(chunks)} chunks in {workers} process(es) ...")
    wall = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    outputs = compute(spec, chunks, workers)
    seconds = time.perf_counter() - wall
    record = {
        "format": FORMAT, "name": name, "description": spec.description, "params": spec.params,
        "summary": spec.summarize(spec.params, outputs),
        "chunks": {chunk_label(c): digest(outputs[c]) for c in chunks},
        "slice": [chunk_label(c) for c in spec.slice(spec.params)],
        "provenance": {**_environment("cpu"), "code": code_version(spec), "workers": workers,
                       "wall_seconds": round(seconds, 1), "started": started},
    }
    text = json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    out = atomic_write(path(name), text.encode("utf-8"))
    log(f"longrun {name}: wrote {out} ({seconds:.0f} s)")
    return out


def get(name: str) -> LongRun:
    if name not in LONG_RUNS:
        raise LongRunError(f"unknown long run {name!r}: the book has {sorted(LONG_RUNS)}")
    return LONG_RUNS[name]


def load(name: str) -> dict:
    """The committed record of long run ``name``; a clear error if there is none or it is foreign."""
    spec = get(name)
    p = path(name)
    if not p.is_file():
        raise LongRunError(f"{p} is missing: make it with `python tools/longrun.py run {name}` "
                           f"(it computes {spec.description})")
    record = json.loads(p.read_text(encoding="utf-8"))
    if record.get("format") != FORMAT or record.get("name") != name:
        raise LongRunError(f"{p} is not a long-run file of format {FORMAT} for {name!r}: remake it with "
                           f"`python tools/longrun.py run {name}`")
    if record.get("params") != spec.params:
        raise LongRunError(f"{p} was made with other parameters than the book states for {name!r} "
                           f"({record.get('params')} vs {spec.params}): remake it with "
                           f"`python tools/longrun.py run {name}`")
    return record


def provenance(record: dict) -> str:
    """One line for a chapter: where the numbers come from, and whether the code changed since."""
    p = record["provenance"]
    changed = p["code"] != code_version(get(record["name"]))
    note = ("; the code it ran has changed since: CI recomputes its slice with this version's code and requires "
            "every bit to match" if changed else "; made by the code of this version of the book")
    return (f"long run {record['name']!r}: {len(record['chunks'])} chunks, computed at commit "
            f"{p['commit'][:12]} with torch {p['torch']} on {p['device']} ({p['cpu_kernels']} kernels, "
            f"{p['threads']} thread per process, {p['workers']} processes) in {p['wall_seconds'] / 60:.0f} min, "
            f"started {p['started']}{note}")


def verify(name: str, chunks: Sequence[str] | None = None) -> list[str]:
    """Recompute the declared slice (or the named chunks) and return the labels that differ."""
    record = load(name)
    spec = get(name)
    labels = list(chunks) if chunks is not None else record["slice"]
    by_label = {chunk_label(c): tuple(c) for c in spec.chunks(spec.params)}
    unknown = [label for label in labels if label not in by_label or label not in record["chunks"]]
    if unknown:
        raise LongRunError(f"{name}: no chunk {unknown} in the run or its file")
    outputs = compute(spec, [by_label[label] for label in labels])
    return [label for label in labels if digest(outputs[by_label[label]]) != record["chunks"][label]]


# ----------------------------------------------------------------------------------------------
# The book's long runs


def _table1_chunks(params: dict) -> list[Chunk]:
    return [(m, start) for m in params["models"] for start in range(0, params["n_images"], params["chunk"])]


_MNIST: dict[str, Any] = {}


def _mnist():
    from intriguing.data import load_mnist

    if "cpu" not in _MNIST:
        _MNIST["cpu"] = load_mnist(device="cpu")
    return _MNIST["cpu"]


def _table1_compute(params: dict, chunk: Chunk) -> dict[str, torch.Tensor]:
    """Training images ``start .. start+chunk`` of one model toward their random wrong labels.

    Exactly what :func:`intriguing.adversarial.adversarial_set` computes for those images (the same
    batches of ``chunk`` images, targets keyed by the image's index), so the first chunks are
    chapter 3's sets, bit for bit.
    """
    from intriguing import attacks, zoo

    model_name, start = chunk
    mnist = _mnist()
    x, y = mnist.subset("train")
    stop = min(start + params["chunk"], params["n_images"])
    trained = zoo.get_model(model_name, mnist=mnist, device="cpu")
    res = attacks.attack(trained.model, x[start:stop], y[start:stop], "random", indices=torch.arange(start, stop),
                         seed=params["seed"], config=attacks.LBFGSConfig(), batch_size=params["chunk"])
    return {"distortion": res.distortion.cpu(), "success": res.success.cpu(), "evaluations": res.evaluations.cpu()}


def _table1_summary(params: dict, outputs: dict[Chunk, dict[str, torch.Tensor]]) -> dict:
    from intriguing import stats

    summary = {}
    for m in params["models"]:
        parts = [outputs[c] for c in sorted(c for c in outputs if c[0] == m)]
        dist = torch.cat([p["distortion"] for p in parts])
        ok = torch.cat([p["success"] for p in parts])
        evals = torch.cat([p["evaluations"] for p in parts])
        mean, lo, hi = stats.mean_ci(dist[ok])
        first = dist[: params["compare_first"]]
        summary[m] = {"images": len(dist), "succeeded": int(ok.sum()), "mean": mean, "ci95": [lo, hi],
                      "sd": float(dist[ok].double().std()),
                      f"mean_first_{params['compare_first']}": float(first[torch.isfinite(first)].double().mean()),
                      "evaluations_per_image": float(evals.double().mean())}
    return summary


LONG_RUNS: dict[str, LongRun] = {
    r.name: r for r in [
        LongRun(
            name="table1_paper_scale",
            description="Table 1's average minimal distortion on all 60,000 training images of the six "
                        "Table 1 models (random wrong targets, the book's L-BFGS settings)",
            params={"models": ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"],
                    "n_images": 60_000, "chunk": 1000, "seed": 0, "compare_first": 5000},
            chunks=_table1_chunks,
            compute=_table1_compute,
            summarize=_table1_summary,
            slice=lambda params: [(m, 0) for m in params["models"]],
            modules=("intriguing.attacks", "intriguing.zoo", "intriguing.training", "intriguing.models",
                     "intriguing.data", "intriguing.longrun"),
        ),
    ]
}
