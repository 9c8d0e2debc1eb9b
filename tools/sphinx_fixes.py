"""Sphinx extension with fixes for the book's HTML (loaded by _config.yml, sphinx.local_extensions).

Inline scripts added by extensions while the HTML builder is already running (sphinx-thebe's
`const THEBE_JS_URL = ...`, sphinx-togglebutton's selector) reach each page twice in Sphinx 7.4:
once as `_JavaScript(None, body=...)` and once as `_JavaScript('', body=...)`, which Sphinx does
not see as equal. The second `const` declaration is a SyntaxError in every reader's console.
This drops such duplicates from each page's script list.
"""

from __future__ import annotations

from typing import Any


def _script_key(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), getattr(script, "priority", None), tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of any scripts that are the same file or the same inline body."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
