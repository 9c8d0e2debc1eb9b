"""Figures of chapter 2, "Random directions": how coherent the top-k sets of units, random directions
and random images are, layer by layer.

Both functions take the scores as ``{layer: {group: values}}``: one entry per analysed layer, and
in each the 1-D scores of every top-k set of one group ("units", "random directions", "random
k-subsets"...). Groups are coloured by their order with :data:`intriguing.plots.PALETTE`, the same
colours in both figures.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from intriguing.plots import MIN_FONT, PALETTE, WIDTH
from intriguing.plots._layout import fit_to_column


def _checked(scores: Mapping[str, Mapping[str, object]]) -> tuple[list[str], list[str], dict]:
    """Layers, groups (in first-seen order) and the scores as float arrays; ValueError when unusable."""
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError("scores must be a non-empty {layer: {group: 1-D scores}} mapping")
    groups: list[str] = []
    values: dict[str, dict[str, np.ndarray]] = {}
    for layer, by_group in scores.items():
        if not isinstance(by_group, Mapping) or not by_group:
            raise ValueError(f"layer {layer!r}: give a non-empty {{group: 1-D scores}} mapping")
        values[layer] = {}
        for group, v in by_group.items():
            a = np.asarray(v.cpu() if hasattr(v, "cpu") else v, dtype=float)
            if a.ndim != 1 or a.size == 0 or not np.isfinite(a).all():
                raise ValueError(f"layer {layer!r}, group {group!r}: scores must be a non-empty 1-D array of "
                                 f"finite numbers, got shape {a.shape}")
            values[layer][group] = a
            if group not in groups:
                groups.append(group)
    if len(groups) > len(PALETTE):
        raise ValueError(f"{len(groups)} groups but only {len(PALETTE)} colours: compare fewer groups")
    return list(values), groups, values


def purity_histograms(scores: Mapping[str, Mapping[str, object]], k: int = 10, n_cols: int = 3) -> plt.Figure:
    """Label purity of top-k sets, one panel per layer: the share of each group's sets at each purity.

    Purity of a top-``k`` set is a multiple of ``1/k``; each group is one line through the shares
    at ``1/k, 2/k, ..., 1`` (a frequency polygon, so overlapping groups stay visible). Panels share
    both axes and are laid out ``n_cols`` to a row; the legend sits in the first free panel, or
    below the grid when there is none. Explained in chapter 2, "Random directions".
    """
    layers, groups, values = _checked(scores)
    if int(k) < 1:
        raise ValueError(f"k={k!r} must be the positive size of the top-k sets")
    k = int(k)
    for layer in layers:
        for group, a in values[layer].items():
            if (a < 1 / k - 1e-6).any() or (a > 1 + 1e-6).any():
                raise ValueError(f"layer {layer!r}, group {group!r}: a purity of top-{k} sets lies in "
                                 f"[1/{k}, 1], got values from {a.min():.3g} to {a.max():.3g}")
    n_cols = max(1, min(int(n_cols), len(layers)))
    n = len(layers)
    free = (-n) % n_cols  # empty panels of the last row: the first one takes the legend
    n_rows = -(-n // n_cols)
    extra = 0.0 if free else 0.35
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(WIDTH, 2.3 * n_rows + 0.3 + extra), sharex=True, sharey=True,
                             squeeze=False)
    levels = np.arange(1, k + 1) / k
    colours = dict(zip(groups, PALETTE))
    top = 0.0
    for j, layer in enumerate(layers):
        ax = axes[j // n_cols][j % n_cols]
        for group, a in values[layer].items():
            counts = np.bincount(np.clip(np.rint(a * k).astype(int), 1, k) - 1, minlength=k)
            share = counts / counts.sum()
            top = max(top, float(share.max()))
            ax.plot(levels, share, color=colours[group], lw=1.5, marker="o", ms=2.5, label=group)
        ax.set_title(layer, fontsize=MIN_FONT + 2)
        ax.set_xlim(0, 1.05)
        ax.tick_params(labelsize=MIN_FONT + 1)
        ax.tick_params(labelbottom=j + n_cols >= n)  # panels with none below carry the x axis
        if j + n_cols >= n:
            ax.set_xlabel("label purity of the set")
        if j % n_cols == 0:
            ax.set_ylabel("share of the sets")
    axes[0][0].set_ylim(0, 1.06 * top)  # shared by all panels
    for extra_ax in axes.ravel()[n:]:
        extra_ax.axis("off")
    handles = [Line2D([], [], color=colours[g], lw=1.5, marker="o", ms=2.5, label=g) for g in groups]
    if free:
        axes.ravel()[n].legend(handles=handles, loc="center", frameon=False, title=f"top-{k} sets of",
                               fontsize=MIN_FONT + 1, title_fontsize=MIN_FONT + 1)
        fit_to_column(fig)
    else:
        fig.legend(handles=handles, loc="lower center", ncol=len(groups), frameon=False, fontsize=MIN_FONT + 1)
        fit_to_column(fig, rect=(0, extra / fig.get_figheight(), 1, 1))
    return fig


def cosine_violins(scores: Mapping[str, Mapping[str, object]], ylabel: str = "pixel cosine of the set") -> plt.Figure:
    """Violins of a label-free coherence score per layer, one violin per group, side by side.

    Each violin is cut at the observed range and scaled to the same width; its dashed lines are the
    quartiles. The legend sits above the axes, outside the data. Explained in chapter 2, "Random
    directions" (the score there is the mean pairwise cosine of the centred pixels of a set).
    """
    import pandas as pd
    import seaborn as sns

    layers, groups, values = _checked(scores)
    frame = pd.concat([pd.DataFrame({"layer": layer, "group": group, "value": a})
                       for layer in layers for group, a in values[layer].items()], ignore_index=True)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    sns.violinplot(data=frame, x="layer", y="value", hue="group", order=layers, hue_order=groups,
                   palette=dict(zip(groups, PALETTE)), cut=0, inner="quart", linewidth=0.8, density_norm="width",
                   ax=ax)
    ax.set_xticks(range(len(layers)), [layer.replace(" ", "\n", 1) for layer in layers], fontsize=MIN_FONT + 1)
    ax.tick_params(axis="y", labelsize=MIN_FONT + 1)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    sns.move_legend(ax, "lower left", bbox_to_anchor=(0, 1.0), title=None, frameon=False, ncol=len(groups),
                    fontsize=MIN_FONT + 1, borderaxespad=0.2)
    fit_to_column(fig)
    return fig

