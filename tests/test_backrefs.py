"""The package's back-references to the book cannot go stale.

Every "Explained in chapter N, "<heading>"" in src/intriguing (docstrings and comments, wrapped over
lines or not) must name a chapter that exists, chapters/NN_*.py with int(NN) == N, and, when it
names a heading, a heading (a markdown `#` line of any level) of that chapter. Also accepted:
"Explained in chapter N." (chapter only), "chapter N (an informal note)", several references
joined by "and", and "Explained in the book's "<heading>" page" (a heading of any chapter).
A stamp that does not parse fails too, so a typo cannot hide a reference from this test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "intriguing"
CHAPTERS = ROOT / "chapters"

_QUOTED = r'"(?P<dq>[^"]+)"|“(?P<cq>[^”]+)”|\'(?P<sq>[^\']+)\''
_CHAPTER_REF = re.compile(rf"chapter (?P<n>\d+)(?:, (?:{_QUOTED}))?(?: \([^()]*\))?")
_PAGE_REF = re.compile(rf"the book's (?:{_QUOTED}) page")
_SEPARATOR = re.compile(r",? and |, ")
_STAMP = re.compile(r"\bexplained in ", re.IGNORECASE)


@dataclass(frozen=True)
class Ref:
    chapter: int | None  # None: "the book's "<heading>" page", the heading of any chapter
    heading: str | None  # None: the chapter only


@dataclass(frozen=True)
class Stamp:
    line: int
    text: str
    refs: tuple[Ref, ...]  # empty: the stamp does not parse


def plain(text: str) -> str:
    """A heading as compared: markdown links, code, emphasis and curly quotes gone, whitespace single."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\{[a-z:-]+\}`([^`]*)`", r"\1", text)  # MyST roles such as {cite}`key`
    text = text.replace("`", "").replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)[*_]|[*_](?!\w)", "", text)
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    return " ".join(text.split())


def chapter_headings(source: str) -> list[str]:
    """The headings of a jupytext percent chapter: `#` lines of its markdown cells, outside code fences."""
    headings, in_markdown, in_fence = [], False, False
    for line in source.splitlines():
        if line.startswith("# %%"):
            in_markdown, in_fence = "[markdown]" in line, False
            continue
        if not in_markdown:
            continue
        text = line[2:] if line.startswith("# ") else line.lstrip("#")
        if text.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and (m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", text)):
            headings.append(plain(m.group(1)))
    return headings


def _flatten(text: str) -> tuple[str, list[int]]:
    """`text` as one line (comment marks and indentation at line starts gone, whitespace single),
    with the source line number of each character."""
    chars: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = re.sub(r"^\s*#*\s*", "", line)
        for ch in (" " + line) if chars else line:
            if ch.isspace():
                if chars and chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch)
            lines.append(number)
    return "".join(chars), lines


def _quoted(m: re.Match[str]) -> str | None:
    q = m.group("dq") or m.group("cq") or m.group("sq")
    return None if q is None else plain(q)


def stamps(text: str) -> list[Stamp]:
    """Every "Explained in ..." of a source file, parsed."""
    flat, lines = _flatten(text)
    found = []
    for start in _STAMP.finditer(flat):
        pos, refs = start.end(), []
        while True:
            if m := _CHAPTER_REF.match(flat, pos):
                refs.append(Ref(int(m.group("n")), _quoted(m)))
            elif m := _PAGE_REF.match(flat, pos):
                refs.append(Ref(None, _quoted(m)))
            else:
                refs = []  # "explained in" followed by something else (or a dangling "and"): unparsed
                break
            pos = m.end()
            if not (sep := _SEPARATOR.match(flat, pos)) or not re.match(r"chapter \d|the book's ", flat[sep.end():]):
                break
            pos = sep.end()
        end = pos if refs else min(len(flat), start.end() + 60)
        found.append(Stamp(lines[start.start()], flat[start.start():end], tuple(refs)))
    return found


def problems(stamp: Stamp, chapters: dict[int, list[str]]) -> list[str]:
    """What is stale in `stamp`, given each chapter's headings (empty: nothing)."""
    if not stamp.refs:
        return ["cannot be parsed (write: Explained in chapter N, \"<heading>\".)"]
    out = []
    for ref in stamp.refs:
        if ref.chapter is None:
            if not any(ref.heading in h for h in chapters.values()):
                out.append(f"no chapter has the heading {ref.heading!r}")
        elif ref.chapter not in chapters:
            out.append(f"chapter {ref.chapter} does not exist (chapters: {sorted(chapters)})")
        elif ref.heading is not None and ref.heading not in chapters[ref.chapter]:
            out.append(f"chapter {ref.chapter} has no heading {ref.heading!r}; its headings: {chapters[ref.chapter]}")
    return out


def book_chapters() -> dict[int, list[str]]:
    return {int(p.name[:2]): chapter_headings(p.read_text(encoding="utf-8"))
            for p in sorted(CHAPTERS.glob("[0-9][0-9]_*.py"))}


def test_every_back_reference_names_an_existing_chapter_and_heading() -> None:
    chapters = book_chapters()
    assert chapters, f"no chapters/NN_*.py under {CHAPTERS}"
    stale, count = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        for stamp in stamps(path.read_text(encoding="utf-8")):
            count += 1
            stale += [f"{path.relative_to(ROOT)}:{stamp.line}: {stamp.text!r}: {p}" for p in problems(stamp, chapters)]
    assert count > 0, "no back-reference found: has the stamp's wording changed? (update this test's parser)"
    assert not stale, f"{len(stale)} stale back-reference(s) of {count}:\n" + "\n".join(stale)


# The parser and the check on made-up sources, so that the test above can fail.

CHAPTER_SOURCE = '''# %% [markdown]
# # Box-constrained L-BFGS adversaries
# Some text with a # sign.
#
# ## Table 1: the **paper's** models
# ```python
# # not a heading
# ```

# %%
# ## a code comment, not a heading
x = 1
'''
BOOK = {3: chapter_headings(CHAPTER_SOURCE), 90: ["Results at a glance"]}


def test_chapter_headings_are_the_markdown_headings_only() -> None:
    assert BOOK[3] == ["Box-constrained L-BFGS adversaries", "Table 1: the paper's models"]


def check(source: str) -> list[list[str]]:
    return [problems(s, BOOK) for s in stamps(source)]


def test_good_stamps_pass_wrapped_or_not() -> None:
    source = '''def f():
    """Does f. Explained in
    chapter 3, "Box-constrained L-BFGS
    adversaries".
    """
    # Explained in chapter 3, “Table 1: the paper’s models”.
    # Explained in chapter 3 (the zoo) and chapter 3, "Table 1: the paper's models".
    # Explained in chapter 3. Explained in the book's "Results at a glance" page.
'''
    found = stamps(source)
    assert [s.line for s in found] == [2, 6, 7, 8, 8]
    assert found[0].refs == (Ref(3, "Box-constrained L-BFGS adversaries"),)
    assert found[2].refs == (Ref(3, None), Ref(3, "Table 1: the paper's models"))
    assert check(source) == [[]] * 5


def test_stale_stamps_fail() -> None:
    [[missing_chapter], [missing_heading], [unparsed], [missing_page], [second_ref]] = check(
        '"""Explained in chapter 7, "Box-constrained L-BFGS adversaries".\n'
        'Explained in chapter 3, "Box constrained L-BFGS adversaries".\n'
        'Explained in chapter three.\n'
        'Explained in the book\'s "Results" page.\n'
        'Explained in chapter 3 and chapter 3, "Table 2".\n"""\n')
    assert "chapter 7 does not exist" in missing_chapter
    assert "has no heading 'Box constrained L-BFGS adversaries'" in missing_heading
    assert "Box-constrained L-BFGS adversaries" in missing_heading  # lists the chapter's headings
    assert "cannot be parsed" in unparsed
    assert "no chapter has the heading 'Results'" in missing_page
    assert "no heading 'Table 2'" in second_ref
