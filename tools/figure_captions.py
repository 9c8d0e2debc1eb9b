"""Sphinx extension: mark each figure's caption paragraph so it is styled as a caption.

A chapter shows a figure as the output of a code cell and captions it with the next markdown
paragraph, which starts "**Figure N.**" (the captions stay editable prose in the chapter's .py).
This gives that paragraph the class ``figure-caption`` (styled by ``_static/book.css``).
``tests/test_book.py`` checks in the browser that every figure has such a caption.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

CAPTION = re.compile(r"Figure \d+[a-z]?\b")


def _is_cell_with_output(node: nodes.Node | None) -> bool:
    return isinstance(node, nodes.container) and "cell" in node.get("classes", [])


def mark_captions(app, doctree: nodes.document) -> None:
    for paragraph in doctree.findall(nodes.paragraph):
        # (MyST may put an empty text node before the first inline element)
        first = next((c for c in paragraph.children if not (isinstance(c, nodes.Text) and not c.strip())), None)
        if not isinstance(first, nodes.strong) or not CAPTION.match(first.astext()):
            continue
        parent = paragraph.parent
        index = parent.index(paragraph)
        if index > 0 and _is_cell_with_output(parent[index - 1]):
            paragraph["classes"].append("figure-caption")


def setup(app) -> dict[str, Any]:
    app.connect("doctree-read", mark_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
