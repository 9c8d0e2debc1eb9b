"""Each chapter's paper-vs-ours numbers, saved where the book's results page collects them.

A chapter ends with :func:`record`, which writes ``results/<chapter>.json`` (small, committed,
written atomically, byte-identical when the chapter's outputs are). The results page reads every
file back with :func:`load_all`, so its table is generated from the chapters' own results and
never typed in. Explained in the book's "Results at a glance" page.

On a fresh Colab runtime no chapter has run yet: :func:`for_page` then shows each chapter's results
as committed at the git commit the package was installed from (the notebook's ref), fetched from
GitHub and labelled as such. A file written there records that commit (``computed_with``), so a
file of another ref (e.g. on Google Drive, :mod:`intriguing.storage`) is recognised.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from intriguing._atomic import atomic_write
from intriguing.data import book_root
from intriguing.paper import CLAIMS
from intriguing.storage import persist_root
from intriguing.verdicts import ROLES, VERDICTS, Judgement, not_tested

#: The chapters that record results, in book order: what the results page fetches for a runtime
#: that has none of its own (tests/test_workflows.py checks this against results/*.json).
RECORDED = ("00_zoo", "01_units", "02_random_directions", "03_lbfgs", "04_transfer", "05_lipschitz",
            "06_adversarial_training", "07_later_attacks")
RAW_URL = "https://raw.githubusercontent.com/{repo}/{commit}/results/{chapter}.json"


class ResultsError(RuntimeError):
    """The results page has nothing to show, and says what to do."""


def results_dir() -> Path:
    """``INTRIGUING_RESULTS`` if set (e.g. a test run's own folder), else ``results/`` on Google
    Drive when asked for (:mod:`intriguing.storage`), else ``<book>/results``."""
    env = os.environ.get("INTRIGUING_RESULTS")
    if env:
        return Path(env).expanduser().resolve()
    persisted = persist_root()
    return persisted / "results" if persisted else book_root() / "results"


def installed_from() -> dict | None:
    """``{"url", "ref", "commit"}`` of the git repository pip installed this package from (the
    Colab install cell's ``intriguing @ git+<url>@<ref>``); None for a local or editable install."""
    try:
        text = importlib.metadata.distribution("intriguing").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return None
    info = json.loads(text) if text else {}
    vcs = info.get("vcs_info") or {}
    if vcs.get("vcs") != "git" or not vcs.get("commit_id"):
        return None
    return {"url": info["url"], "ref": vcs.get("requested_revision") or vcs["commit_id"],
            "commit": vcs["commit_id"]}


def _at(source: dict) -> str:
    return f"{source['ref']} (commit {source['commit'][:7]})"


def row(claim: str, quantity: str, paper: str, ours: str, judgement: Judgement | None, why: str, *,
        role: str = "evidence", scale: str = "") -> dict:
    """One paper-vs-ours line of the results page.

    ``claim`` is a key of :data:`intriguing.paper.CLAIMS` (a claim of the paper; any heading for a
    *measurement* row, which the paper did not make). ``paper``/``ours`` are the numbers as the chapter
    printed them (text); ``judgement`` comes from :mod:`intriguing.verdicts` (None only for a
    measurement). ``role`` is one of :data:`intriguing.verdicts.ROLES`: only *evidence* rows are counted.
    ``scale`` says what the row rests on (images, models, training seeds: :func:`verdicts.scale`).
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {tuple(ROLES)}, got {role!r}")
    if role == "measurement":
        if judgement is not None:
            raise ValueError("a measurement row (beyond the paper) has no verdict: pass judgement=None")
        verdict, rule, distance = "—", "", ""
    else:
        if claim not in CLAIMS:
            raise ValueError(f"claim must be a key of intriguing.paper.CLAIMS, got {claim!r}")
        if not isinstance(judgement, Judgement):
            raise TypeError(f"a {role} row needs a verdicts.Judgement, got {judgement!r}")
        verdict, rule, distance = judgement.verdict, judgement.rule, judgement.distance
    if role == "evidence" and not scale and verdict != "not tested":
        raise ValueError("an evidence row says its scale (verdicts.scale(images=..., models=..., seeds=...))")
    return {"claim": claim, "quantity": quantity, "paper": paper, "ours": ours, "verdict": verdict,
            "role": role, "rule": rule, "distance": distance, "scale": scale, "why": why}


def record(chapter: str, title: str, rows: list[dict]) -> Path:
    """Write the chapter's rows to ``results/<chapter>.json`` (``chapter`` is the notebook's name)."""
    if not rows:
        raise ValueError("record() needs at least one row")
    payload = {"chapter": chapter, "title": title, "rows": rows}
    source = installed_from()
    if source:  # installed from git (Colab): say which commit computed these (local files: no key)
        payload["computed_with"] = source
    text = json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    return atomic_write(results_dir() / f"{chapter}.json", text.encode("utf-8"))


def load_all(folder: Path | None = None) -> list[dict]:
    """Every chapter's recorded results, in chapter order."""
    folder = folder or results_dir()
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def fetch_committed(chapter: str, source: dict, fetch: Callable[[str], str] = _fetch) -> dict | None:
    """The chapter's results as committed at ``source``'s commit; None if that commit has none."""
    repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?/?", source["url"])
    if not repo:
        raise ResultsError(f"the package was installed from {source['url']}, which is not a GitHub "
                           "repository, so its committed results cannot be fetched: execute the "
                           "chapters first (each writes results/<chapter>.json)")
    url = RAW_URL.format(repo=repo.group(1), commit=source["commit"], chapter=chapter)
    try:
        return json.loads(fetch(url))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        reason = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = str(getattr(exc, "reason", exc))
    raise ResultsError(f"this runtime has no results of {chapter}, and the committed ones could not be "
                       f"fetched from {url} ({reason}): connect the runtime to the internet, or "
                       "execute the chapter first (it writes results/<chapter>.json)")


def for_page(chapters: list[str] | tuple[str, ...] = (), fetch: Callable[[str], str] = _fetch,
             ) -> tuple[list[dict], list[str]]:
    """The results page's chapters (all, or those named), each with ``shown_from``; and notes to print.

    A chapter's own file in :func:`results_dir` is used when there is one: ``shown_from`` is None
    for a file of a local checkout (the rendered book), "computed in this runtime" for one this
    package's commit wrote. A chapter with no file, or with a file of another commit, is shown as
    committed at this package's commit (when it was installed from git, as on Colab).
    """
    local = {r["chapter"]: r for r in load_all() if not chapters or r["chapter"] in chapters}
    source = installed_from()
    names = sorted({*local, *RECORDED} if source else set(local))
    shown, notes = [], []
    for name in [n for n in names if not chapters or n in chapters]:
        record_ = local.get(name)
        made_by = (record_ or {}).get("computed_with")
        if record_ and (made_by is None or (source and made_by["commit"] == source["commit"])):
            label = None if made_by is None else "computed in this runtime"
            shown.append({**record_, "shown_from": label})
            continue
        if record_:
            where = f"this package's {_at(source)}" if source else "this checkout"
            notes.append(f"{results_dir() / (name + '.json')} was computed by intriguing at "
                         f"{_at(made_by)}, not {where}: "
                         + ("showing the committed results instead; " if source else "")
                         + f"re-run {name} to replace it")
            if not source:
                shown.append({**record_, "shown_from": f"computed with intriguing at {_at(made_by)}"})
                continue
        committed = fetch_committed(name, source, fetch)
        if committed is None:
            notes.append(f"{name}: no results committed at {_at(source)}")
            continue
        shown.append({**committed, "shown_from": f"as committed at {_at(source)}"})
    if not shown:
        raise ResultsError("no recorded results: execute the chapters first (tools/execute_chapters.py; "
                           "on Colab, each chapter's notebook writes its results/<chapter>.json)")
    return shown, notes


def by_claim(recorded: list[dict]) -> tuple[list[dict], list[dict]]:
    """The results page's two parts, from :func:`for_page`'s chapters.

    First every claim of the paper (:data:`intriguing.paper.CLAIMS`, in the paper's order) with its
    rows, each row naming its chapter; a claim this book cannot test gets its *not tested* row from
    the registry. Then the measurements beyond the paper, one group per heading.
    """
    shown = {r["chapter"] for r in recorded}
    claims, beyond = [], {}
    rows_of: dict[str, list[dict]] = {}
    for r in recorded:
        for line in r["rows"]:
            line = {**line, "chapter": r["chapter"]}
            if line.get("role") == "measurement":
                beyond.setdefault(line["claim"], []).append(line)
            else:
                rows_of.setdefault(line["claim"], []).append(line)
    unknown = sorted(set(rows_of) - set(CLAIMS))
    if unknown:
        raise ResultsError(f"rows for claims that intriguing.paper.CLAIMS does not list: {unknown}: "
                           "re-execute the chapters that wrote them")
    for name, claim in CLAIMS.items():
        rows = rows_of.get(name, [])
        if not rows and "not_tested" in claim:
            j = not_tested(*claim["not_tested"])
            rows = [{"claim": name, "quantity": claim["text"], "paper": "see the paper", "ours": "n/a",
                     "verdict": j.verdict, "role": "evidence", "rule": j.rule, "distance": j.distance,
                     "scale": "", "why": "", "chapter": None}]
        elif not rows and claim.get("tested_in") not in shown:
            continue  # its chapter is not on this page (CHAPTERS names others)
        claims.append({"claim": name, "text": claim["text"], "tested_in": claim.get("tested_in"), "rows": rows})
    return claims, [{"heading": k, "rows": v} for k, v in beyond.items()]


def tally(claims: list[dict]) -> dict[str, int]:
    """Evidence rows per verdict (the only rows counted), then the rows shown but not counted."""
    counts = {v: 0 for v in VERDICTS}
    others = {"fitted (not counted)": 0, "by construction (not counted)": 0}
    for claim in claims:
        for line in claim["rows"]:
            role = line.get("role", "evidence")
            if role == "evidence":
                counts[line["verdict"]] += 1
            else:
                others[f"{role} (not counted)"] += 1
    return {**counts, **others}


def _verdict_words(rows: list[dict]) -> str:
    evidence = [r["verdict"] for r in rows if r.get("role", "evidence") == "evidence"]
    counts = {v: evidence.count(v) for v in dict.fromkeys(evidence)}
    if not counts:
        words = ""
    elif len(counts) == 1:
        (verdict, n), = counts.items()
        words = verdict if n == 1 else f"{verdict} ({n} of {n} rows)"
    else:
        words = ", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(evidence)} rows"
    aside = [f"{n} {role}" for role in ("fitted", "by construction")
             if (n := sum(r.get("role") == role for r in rows))]
    if aside:
        words += (", " if evidence else "") + " and ".join(aside) + " (shown, not counted)"
    return words or "no rows"


def findings(claims: list[dict]) -> str:
    """The landing page's "What this book found": one line per claim of the paper, from its rows."""
    lines = []
    for claim in claims:
        chapters = list(dict.fromkeys(r["chapter"] for r in claim["rows"] if r["chapter"]))
        where = "; ".join(f"{{doc}}`chapters/{c}`" for c in chapters)
        text = f"- **{claim['claim']}: {_verdict_words(claim['rows'])}**"
        if not chapters:
            text += f", needs {CLAIMS[claim['claim']]['not_tested'][0]}"
        lines.append(f"{text}. The paper: {claim['text']}" + (f" ({where})." if where else "."))
    return "\n".join(lines) + "\n"
