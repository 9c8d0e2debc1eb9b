"""Checks for a chapter's parameters cell.

A reader who sets a parameter out of range (on Colab, or with ``execute_chapters.py -p``) gets one
line saying which parameter, what it must be and what it was, before anything is trained or
written. Explained in chapter 0, "Framework: the MNIST model zoo".
"""

from __future__ import annotations


def check_count(name: str, value: object, lo: int, hi: int | None = None, what: str = "a whole number",
                multiple_of: int = 1) -> int:
    """``value`` if it is an integer in ``[lo, hi]`` (a multiple of ``multiple_of``), else a ValueError.

    ``what`` says what the number counts ("a number of training images"); where ``hi`` comes from
    another parameter, say so in ``what`` ("a number of images, at most N_IMAGES,").
    """
    bad = isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi)
    if bad or value % multiple_of:
        allowed = f"from {lo:,} to {hi:,}" if hi is not None else f"of at least {lo:,}"
        if multiple_of > 1:
            allowed += f" and a multiple of {multiple_of}"
        raise ValueError(f"{name} must be {what} {allowed}, got {value!r}")
    return value
