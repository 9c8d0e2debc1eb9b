"""Argument checks shared by the package: one wording for each kind of bad input.

A wrong argument stops with one line that names the argument, says what it must be and what it
was, before any work is done (torchvision's ``verify_str_arg`` and foolbox's
``verify_input_bounds`` play the same part). Every function returns its (validated) value, so a
check can sit in an assignment.
"""

from __future__ import annotations

import math

import torch


def _shape(x: object) -> str:
    """What ``x`` is, for a message: its shape and dtype for a tensor, else its type."""
    if isinstance(x, torch.Tensor):
        return f"{tuple(x.shape)} {x.dtype}"
    return type(x).__name__


def images(name: str, x: object, *, dims: int = 2, what: str = "[B, m] of flattened images") -> torch.Tensor:
    """``x`` if it is a floating-point tensor with ``dims`` dimensions, else a ValueError."""
    if not isinstance(x, torch.Tensor) or x.dim() != dims or not x.is_floating_point():
        raise ValueError(f"{name} must be a float tensor {what}, got {_shape(x)}")
    return x


def labels(name: str, y: object, n: int, *, what: str = "one label per image") -> torch.Tensor:
    """``y`` if it is an int64 tensor of shape ``[n]``, else a ValueError."""
    if not isinstance(y, torch.Tensor) or y.shape != (n,) or y.dtype != torch.long:
        raise ValueError(f"{name} must be an int64 tensor of shape [{n}] ({what}), got {_shape(y)}")
    return y


def in_box(name: str, x: torch.Tensor, lo: float = 0.0, hi: float = 1.0) -> torch.Tensor:
    """``x`` if every entry is finite and in ``[lo, hi]`` (pixels scaled to the box), else a ValueError."""
    if x.numel() and (not torch.isfinite(x).all() or x.min() < lo or x.max() > hi):
        raise ValueError(f"{name} must lie in the box [{lo:g}, {hi:g}]: scale pixels to [{lo:g}, {hi:g}] first")
    return x


def positive_int(owner: str, name: str, value: object, *, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``, else a ValueError naming ``owner.name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        need = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{_qualified(owner, name)} must be {need}, got {value!r}")
    return value


def number(owner: str, name: str, value: object, *, low: float | None = 0.0, strict: bool = True,
           high: float | None = None, high_strict: bool = False) -> float:
    """``value`` if it is a finite real number in the stated range, else a ValueError.

    ``low``/``high`` bound it (``None``: unbounded); ``strict`` makes ``low`` excluded (the default:
    "a positive number"), ``high_strict`` does the same for ``high``.
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if strict else value >= low
    if ok and high is not None:
        ok = value < high if high_strict else value <= high
    if ok:
        return value
    if low == 0 and high is None:
        need = "a positive finite number" if strict else "a finite number >= 0"
    else:
        bounds = ([f"{'>' if strict else '>='} {low:g}"] if low is not None else []) + (
            [f"{'<' if high_strict else '<='} {high:g}"] if high is not None else [])
        need = " ".join(["a finite number", " and ".join(bounds)]).strip()
    raise ValueError(f"{_qualified(owner, name)} must be {need}, got {value!r}")


def one_of(owner: str, name: str, value: object, allowed) -> object:
    """``value`` if it is one of ``allowed``, else a ValueError listing them."""
    if value not in allowed:
        raise ValueError(f"{_qualified(owner, name)} must be one of {list(allowed)}, got {value!r}")
    return value


def _qualified(owner: str, name: str) -> str:
    return f"{owner}.{name}" if owner else name
