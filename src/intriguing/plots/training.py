"""Figures of training runs: error curves' axes and lines, and the adversarial pools' refreshes.

The learning curves themselves are :func:`intriguing.plots.learning_curves` (chapters 0 and 6);
this module holds their axis and line helpers and the pool figure of chapter 6, "Training with
adversarial examples" (the legend under the axes is :func:`intriguing.plots._layout.legend_below`).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from intriguing.plots import PALETTE, WIDTH
from intriguing.plots._layout import legend_below

#: Line styles of the hidden-layer pools (layer 1, 2, ...) in :func:`pool_distortions`.
LAYER_STYLES = ["--", ":", "-."]


def log_ticks(ax: plt.Axes, zero_at: float | None = None) -> None:
    """Log-scale y axis with plain-number tick labels (0.01, 0.1, 1, 10 rather than 10⁻²).

    Over less than two decades the 2, 3 and 5 between the powers of ten are labelled too, so a
    narrow range still has readable ticks. ``zero_at``: the value where zeros were drawn; its tick
    reads "0" and the axis stops just below it. Explained in chapter 0 (learning curves).
    """
    if zero_at is not None and not zero_at > 0:
        raise ValueError(f"zero_at must be > 0 on a log axis, got {zero_at!r}")
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    narrow = math.log10(hi / lo) < 2
    if narrow:  # widen to the nearest labelled values (1, 2, 3, 5 times a power of ten)
        lo, hi = _nice(lo, down=True), _nice(hi, down=False)
    if zero_at is not None:
        lo = zero_at / 1.6
    ax.set_ylim(lo, hi)

    def label(v: float, _pos=None) -> str:
        if zero_at is not None and math.isclose(v, zero_at, rel_tol=1e-6):
            return "0"
        return f"{v:g}"

    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(FuncFormatter(label))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2, 3, 4, 5, 6, 7, 8, 9)))
    if narrow:
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _p: label(v) if _mantissa(v) in (2, 3, 5) else ""))
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())


def _mantissa(v: float) -> int:
    """The leading digit of ``v`` > 0 (rounded: 0.3000000004 -> 3)."""
    return int(round(v / 10 ** math.floor(math.log10(v) + 1e-9)))


def _nice(v: float, down: bool) -> float:
    """The nearest of 1, 2, 3, 5 times a power of ten below (``down``) or above ``v`` > 0."""
    p = 10.0 ** math.floor(math.log10(v))
    steps = [1, 2, 3, 5, 10]
    m = v / p
    pick = max(s for s in steps if s <= m * (1 + 1e-9)) if down else min(s for s in steps if s >= m * (1 - 1e-9))
    return pick * p


def outline(colour: str, lw: float) -> list:
    """Path effects that edge a light line (the palette's yellow) in grey so it reads on white.

    Dark colours get no edge (an empty list). Explained in chapter 0 (learning curves).
    """
    r, g, b = to_rgb(colour)
    if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.75:  # relative luminance: only very light colours
        return []
    return [patheffects.Stroke(linewidth=lw + 1.0, foreground="0.4"), patheffects.Normal()]


def pool_distortions(refreshes: dict[str, list[dict]], steps_per_epoch: int, start_epoch: int) -> plt.Figure:
    """Mean RMS distortion of the examples that entered each adversarial pool, per refresh.

    ``refreshes`` maps each variant to its history's ``refreshes`` (dicts with ``step``, mini-batches
    since the pools started; ``layer``; ``distortion``); variants without refreshes keep their
    colour slot, so colours match :func:`intriguing.plots.learning_curves` of the same dict.
    Pools at the input (layer 0, RMS over pixels) and at hidden layers (RMS over units, another
    scale) get separate panels; a hidden layer's line style says which layer. Explained in
    chapter 6, "Training with adversarial examples".
    """
    if not (isinstance(steps_per_epoch, int) and steps_per_epoch >= 1):
        raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch!r}")
    rows = [r for rs in refreshes.values() for r in rs]
    if not rows:
        raise ValueError("pool_distortions needs at least one refresh (no variant has a pool)")
    if any(not {"step", "layer", "distortion"} <= set(r) for r in rows):
        raise ValueError("every refresh needs the keys 'step', 'layer' and 'distortion'")
    layers = sorted({int(r["layer"]) for r in rows})
    hidden = [k for k in layers if k > 0]
    panels = ([0] if 0 in layers else []) + ([hidden] if hidden else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH, 3.2), sharex=True,
                             layout="constrained", squeeze=False)
    axes = axes[0]
    handles, labels = [], []
    for i, (name, rs) in enumerate(refreshes.items()):
        colour = PALETTE[i % len(PALETTE)]
        by_layer: dict[int, list[dict]] = {}
        for r in rs:
            by_layer.setdefault(int(r["layer"]), []).append(r)
        for layer, group in sorted(by_layer.items()):
            group = sorted(group, key=lambda r: r["step"])
            x = np.array([r["step"] for r in group], dtype=float) / steps_per_epoch + start_epoch
            ax = axes[0 if layer == 0 and 0 in layers else len(panels) - 1]
            style = "-" if layer == 0 else LAYER_STYLES[(hidden.index(layer)) % len(LAYER_STYLES)]
            ax.plot(x, [r["distortion"] for r in group], marker="o", ms=3.5, lw=1.6, color=colour, ls=style)
        if rs:
            handles.append(Line2D([], [], color=colour, lw=1.6, marker="o", ms=3.5))
            labels.append(name)
    for layer in hidden:
        handles.append(Line2D([], [], color="0.2", lw=1.6, ls=LAYER_STYLES[hidden.index(layer) % len(LAYER_STYLES)]))
        labels.append(f"layer {layer}")
    for ax, panel in zip(axes, panels):
        ax.set_title("pools at the input (layer 0)" if panel == 0 else
                     "pools at hidden layer" + ("s " if len(hidden) > 1 else " ")
                     + " and ".join(map(str, hidden)), fontsize=10)
        ax.set_xlabel("epochs trained when made")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, panel in zip(axes, panels):
        ax.set_ylabel("mean RMS distortion, " + ("pixels" if panel == 0 else "units"))
    legend_below(fig, handles, labels, max_cols=4)
    return fig
