"""Numbers in a chapter's prose, inserted from its execution, and the box a chapter opens with.

A sentence that restates a result must not be typed: a rerun with other parameters would leave it
stale. The chapter computes the text in a code cell, :func:`glue` stores it in that cell's outputs
(the same record myst-nb's ``glue`` writes, so nbval checks it for drift like any other output), and
the markdown cites it with ``{glue:text}`name``` (or the ``glue:md`` directive for a block). The
book renders the value in place; Jupyter and Colab show the reference and the cell's output.

:func:`first_screen` builds the box a chapter starts with (claim, our result, verdict, main caveat,
scale) from its rows, glued as ``first_screen``.
"""

from __future__ import annotations

import re

from IPython.display import display

from intriguing.verdicts import RULES_PAGE

#: myst-nb's prefix for a glued value that is stored, not shown (``glue(..., display=False)``).
GLUE_PREFIX = "application/papermill.record/"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def glue(name: str, value, markdown: bool = False) -> str:
    """Store ``value`` (a number already formatted to the digits it has, or a sentence) as ``name``.

    Written as myst-nb's glue record, without importing myst-nb (not installed on Colab). Returns
    the text, so a cell can also print it.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"a glue name is a Python identifier, e.g. 'fc10_distortion', got {name!r}")
    if isinstance(value, float):
        raise TypeError(f"format the number for {name!r} first (to the digits it has): glue a str, not {value!r}")
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:,}"  # a count: exact, with thousands separators
    if not isinstance(value, str):
        raise TypeError(f"glue text for {name!r} (a str formatted to its digits), not {type(value).__name__}")
    # text/plain holds the str's repr, as myst-nb's own glue of a str does: {glue:text} evaluates it
    # back to the str, so "0.0590" keeps its digits and "30,000" stays text (not the tuple (30, 0)).
    bundle = {"text/plain": repr(value)}
    if markdown:
        bundle["text/markdown"] = value
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True,
            metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}})
    return value


def glue_all(values: dict[str, object]) -> None:
    """:func:`glue` every ``name: value`` of ``values``."""
    for name, value in values.items():
        glue(name, value)


def first_screen(claim: str, result: str, verdict: str, caveat: str, scale: str,
                 rules_page: str = RULES_PAGE) -> str:
    """The box a chapter opens with, as MyST (glued as ``first_screen`` and shown by the chapter's
    first markdown cell). ``verdict`` may list several ("Table 2: partly; Table 4: ...")."""
    for label, value in (("claim", claim), ("result", result), ("verdict", verdict), ("caveat", caveat),
                         ("scale", scale)):
        if not value or not str(value).strip():
            raise ValueError(f"the first screen needs a {label}")
    verdict = verdict[0].upper() + verdict[1:]
    text = (":::{admonition} Claim, result and verdict\n:class: tip\n\n"
            f"**Claim.** {claim}\n\n**Our result.** {result}\n\n"
            f"**Verdict** ({{doc}}`rules <{rules_page}>`). {verdict}\n\n"
            f"**Main caveat.** {caveat}\n\n**Scale.** {scale}\n:::\n")
    glue("first_screen", text, markdown=True)
    return text
