"""Figures of chapter 4: the paper's transfer tables (Tables 2 and 4) as heatmaps beside ours.

A table is drawn as two figures, each fitting :data:`intriguing.plots.WIDTH`: our error rates
beside the paper's on one colour scale (:func:`rate_heatmaps`), and ours minus the paper's, with
the cells where the paper's value lies outside our confidence interval framed
(:func:`difference_heatmap`). Explained in chapter 4, "Transfer of adversarial examples across
models and training sets".
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import PowerNorm

from intriguing.plots import MIN_FONT, WIDTH

#: Colour-bar ticks of the error rates (%), on the square-root scale of :func:`rate_heatmaps`.
RATE_TICKS = [0, 5, 10, 25, 50, 75, 100]
#: Room (inches) for the longest row label, the colour bar and the rotated column labels.
_LABELS, _COLORBAR, _XLABELS = 1.45, 0.95, 1.1


def _aligned(ours: pd.DataFrame, paper: pd.DataFrame, *others: pd.DataFrame, name: str) -> list[pd.DataFrame]:
    """``ours`` and ``others`` cut to the paper's rows and columns, in its order; bad input refused."""
    frames = (ours, paper, *others)
    if not all(isinstance(f, pd.DataFrame) for f in frames):
        raise ValueError(f"{name}: give pandas DataFrames (rows: examples, columns: models), "
                         f"got {[type(f).__name__ for f in frames]}")
    if paper.empty:
        raise ValueError(f"{name}: the paper's table is empty")
    for f in (ours, *others):
        missing = [r for r in paper.index if r not in f.index] + [c for c in paper.columns if c not in f.columns]
        if missing:
            raise ValueError(f"{name}: rows or columns of the paper's table missing from ours: {missing}; "
                             "rename our rows to the paper's labels first")
    out = [paper.astype(float)] + [f.loc[paper.index, paper.columns].astype(float) for f in (ours, *others)]
    for f in out:
        values = f.to_numpy()
        if not (np.isfinite(values).all() and (values >= 0).all() and (values <= 100).all()):
            raise ValueError(f"{name}: every cell must be an error rate in percent, from 0 to 100")
    return out[1:2] + out[:1] + out[2:]


def _style_axes(ax: plt.Axes, title: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("fed to", fontsize=9)
    ax.set_ylabel("")
    ax.grid(False)
    ax.tick_params(length=0, labelsize=MIN_FONT + 1)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
    plt.setp(ax.get_yticklabels(), rotation=0)


def rate_heatmaps(ours: pd.DataFrame, paper: pd.DataFrame, title: str | None = None) -> plt.Figure:
    """Our transfer table (left) beside the paper's (right), error % on one viridis colour scale.

    Rows are sets of distorted images, columns the models they are fed to; ``ours`` is cut to the
    paper's rows and columns. The scale is a square root, so that the small off-diagonal rates stay
    distinguishable next to the 100% diagonal. Explained in chapter 4, "Table 2: cross-model
    generalisation".
    """
    ours, paper = _aligned(ours, paper, name="rate_heatmaps")
    rows, cols = paper.shape
    cell_w = min(0.6, (WIDTH - _LABELS - _COLORBAR) / (2 * cols))
    height = round(rows * min(cell_w, 0.36) + _XLABELS + (0.55 if title else 0.3), 2)
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, height), sharey=True, layout="constrained")
    norm = PowerNorm(gamma=0.5, vmin=0, vmax=100)
    kw = {"annot": True, "fmt": ".0f", "cmap": "viridis", "norm": norm, "cbar": False, "linewidths": 0.5,
          "annot_kws": {"fontsize": MIN_FONT}}
    sns.heatmap(ours, ax=axes[0], **kw)
    sns.heatmap(paper, ax=axes[1], **kw)
    axes[1].tick_params(labelleft=False)
    for ax, t in zip(axes, ("ours", "paper")):
        _style_axes(ax, t)
    bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="viridis"), ax=axes, shrink=0.9, aspect=25,
                       ticks=RATE_TICKS, pad=0.02)
    bar.set_label("error % (square-root scale)", fontsize=9)
    bar.ax.tick_params(labelsize=MIN_FONT)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def difference_heatmap(ours: pd.DataFrame, paper: pd.DataFrame, lo: pd.DataFrame, hi: pd.DataFrame,
                       title: str | None = None, limit: float = 40.0) -> plt.Figure:
    """Ours minus the paper's, in percentage points, on the diverging RdBu_r scale centred on 0.

    Red: transfer stronger in ours; blue: weaker. A cell is framed where the paper's value lies
    outside our 95% interval ``[lo, hi]`` (frames of the same rows and columns as ``ours``). The
    scale runs from ``-limit`` to ``limit``, widened to the next 10 points if a difference is
    larger, so that two tables drawn with the same ``limit`` share one scale. Explained in
    chapter 4, "Table 2: cross-model generalisation".
    """
    if not (isinstance(limit, (int, float)) and limit > 0):
        raise ValueError(f"limit must be a positive number of percentage points, got {limit!r}")
    ours, paper, lo, hi = _aligned(ours, paper, lo, hi, name="difference_heatmap")
    if ((lo > ours) | (ours > hi)).to_numpy().any():
        raise ValueError("difference_heatmap: lo <= ours <= hi must hold in every cell (lo, hi: our 95% interval)")
    diff = ours - paper
    limit = max(float(limit), 10.0 * math.ceil(float(diff.abs().to_numpy().max()) / 10.0))
    rows, cols = paper.shape
    cell_w = min(0.6, (WIDTH - _LABELS - _COLORBAR) / cols)
    width = min(WIDTH, _LABELS + _COLORBAR + cols * cell_w)
    height = round(rows * min(cell_w, 0.36) + _XLABELS + (0.55 if title else 0.3), 2)
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    labels = diff.map(lambda v: f"{round(v):+d}" if round(v) else "0")  # no "-0"
    sns.heatmap(diff, ax=ax, annot=labels.to_numpy(), fmt="", cmap="RdBu_r", vmin=-limit, vmax=limit, center=0,
                linewidths=0.5, annot_kws={"fontsize": MIN_FONT},
                cbar_kws={"shrink": 0.9, "aspect": 25, "pad": 0.02})
    bar = ax.collections[0].colorbar
    bar.set_label("ours − paper (points)", fontsize=9)
    bar.ax.tick_params(labelsize=MIN_FONT)
    outside = ((paper < lo) | (paper > hi)).to_numpy()
    for (i, j), out in np.ndenumerate(outside):
        if out:
            ax.add_patch(plt.Rectangle((j + 0.06, i + 0.06), 0.88, 0.88, fill=False, edgecolor="black", lw=1.4))
    _style_axes(ax, "framed: the paper's value is outside our 95% interval")
    ax.title.set_fontsize(9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
