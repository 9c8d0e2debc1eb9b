"""Tables for the book: numbers formatted at the precision the computation determines.

A chapter's tables are compared character for character when CI re-executes it, so every number
is turned into text here, with the digits the experiment can vouch for, and nothing in the
rendered output depends on memory addresses or random ids (pandas' Styler adds both).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

# A table in the book shows every cell in full: pandas would cut text longer than 50 characters
# to "...", silently hiding part of a result.
pd.set_option("display.max_colwidth", None)


def percent(count: int, total: int, digits: int | None = None) -> str:
    """``count / total`` in percent with the digits that resolve one item (0.01% of 10,000)."""
    if total <= 0:
        raise ValueError("percent of an empty set")
    if digits is None:
        digits = max(0, math.ceil(math.log10(total)) - 2)
    return f"{100 * count / total:.{digits}f}"


def sig(value: float | None, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant digits, without an exponent ("0.0590", "1,640");
    None or NaN as an em dash. The one rounding the chapters print measured values with."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    return f"{round(value, decimals):,.{max(0, decimals)}f}"


def points(value: float) -> str:
    """A mean or difference of percentages over thousands of images: one decimal ("—" if not finite)."""
    return "—" if not math.isfinite(value) else f"{value:.1f}"


def final_error(trained, subset: str) -> str:
    """A trained model's error in % after its last epoch on ``subset`` ("train", "test", "P1", ...),
    from its training history: an exact count, printed with the digits that resolve one image."""
    history = trained.history
    if f"errors_{subset}" not in history:
        raise ValueError(f"the training history has no {subset!r} errors; it has "
                         f"{sorted(k[7:] for k in history if k.startswith('errors_'))}")
    return percent(history[f"errors_{subset}"][-1], history["sizes"][subset])


def fmt(value, spec: str = "{:.2f}") -> str:
    """Format a number, leaving missing values as an em dash and strings as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, str):
        return value
    return spec.format(value)


def formatted(df: pd.DataFrame, formats: dict[str, str | Callable] | str = "{:.2f}") -> pd.DataFrame:
    """A copy of ``df`` with every cell as text; ``formats`` maps column -> format spec or function."""
    out = df.copy()
    for col in out.columns:
        spec = formats if isinstance(formats, str) else formats.get(col, "{}")
        func = spec if callable(spec) else (lambda v, s=spec: fmt(v, s))
        out[col] = [func(v) for v in out[col]]
    return out
