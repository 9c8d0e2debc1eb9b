"""Figures of chapter 5, "Lipschitz bounds of layers": per-layer bounds, the product bound layer
by layer, and the certified vs found distortion per image.

Each function takes plain numbers (no models), draws one figure at most :data:`WIDTH` wide in
the book's style, and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from intriguing.plots import PALETTE, WIDTH
from intriguing.plots._layout import legend_outside as _legend_outside

__all__ = ["layer_bounds", "prefix_products", "certified_vs_found"]


def _finite_positive(values: Sequence[float], what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{what} must be a list of finite positive numbers, got {values!r}")
    return arr


def layer_bounds(layers: Sequence[str], paper: Sequence[float] | None, bounds: Sequence[float],
                 real: Sequence[float], network: str) -> plt.Figure:
    """Grouped bars per weight layer: our bound in the product and the norm of our real
    (zero-padded) layer, beside the paper's Table 5 bound when ``paper`` is given; ``network`` names
    the network our bars belong to.

    Pass ``paper=None`` for a network whose values must not be set beside the paper's (the
    untrained stand-in): the figure then shows how tight each bound is, and nothing to compare
    with the paper. Explained in chapter 5, "Lipschitz bounds of layers" (Table 5).
    """
    n = len(layers)
    if n == 0:
        raise ValueError("layer_bounds needs at least one layer")
    given = [(bounds, "bounds"), (real, "real")] if paper is None else [
        (paper, "paper"), (bounds, "bounds"), (real, "real")]
    series = [_finite_positive(v, what) for v, what in given]
    if any(len(s) != n for s in series):
        raise ValueError(f"{', '.join(what for _, what in given)} need one value per layer ({n}), "
                         f"got {[len(s) for s in series]}")
    labels = ["paper, Table 5 (authors' trained AlexNet)", "ours: bound in the product (eq. 2 / FC norm)",
              "ours: norm of the real layer"]
    colours = list(PALETTE[:3])
    if paper is None:  # the same colours for the same series as with the paper's bars
        labels, colours = ["bound in the product (eq. 2 / FC norm)", "norm of the real layer"], colours[1:]
    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    x = np.arange(n)
    width = 0.81 / len(series)  # 0.27 for three bars
    for i, (values, label, colour) in enumerate(zip(series, labels, colours)):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, color=colour, label=label)
    ax.set_xticks(x, list(layers))
    ax.set_ylabel("Lipschitz bound / norm")
    ax.set_title(network if paper is None else f"ours: {network}", fontsize=10)
    ax.set_ylim(0, 1.08 * max(float(s.max()) for s in series))
    _legend_outside(fig, *ax.get_legend_handles_labels(), ncol=2, where="lower")
    return fig


def _short_layer(label: str) -> str:
    """Tick label of a layer: "linear 784 × 100" -> "784 × 100"; others as they are."""
    return label.removeprefix("linear ")


def prefix_products(prefix: Mapping[str, Sequence[tuple[str, float, float]]], ncols: int = 2) -> plt.Figure:
    """One log-scale panel per network: after each layer k, the product of the bounds of layers 1..k
    and the largest Jacobian norm of layers 1..k over a set of images.

    ``prefix`` maps a network name to ``(layer label, product bound, max Jacobian norm)`` per layer;
    panels are laid out ``ncols`` to a row. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if not prefix:
        raise ValueError("prefix_products needs at least one network")
    if not (isinstance(ncols, int) and ncols >= 1):
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    for name, points in prefix.items():
        if not points or any(len(p) != 3 for p in points):
            raise ValueError(f"{name}: needs a non-empty list of (layer label, bound, Jacobian norm) triples")
        _finite_positive([p[1] for p in points] + [p[2] for p in points], f"{name}: bounds and Jacobian norms")
    ncols = min(ncols, len(prefix))
    nrows = -(-len(prefix) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 3.4 * nrows + 0.2), squeeze=False)
    for ax in axes.ravel()[len(prefix):]:
        ax.set_visible(False)
    for ax, (name, points) in zip(axes.ravel(), prefix.items()):
        xs = np.arange(1, len(points) + 1)
        ax.plot(xs, [p[1] for p in points], "o-", color=PALETTE[3], label="product of the bounds of layers 1..k")
        ax.plot(xs, [p[2] for p in points], "s-", color=PALETTE[0], label="max ‖J‖ of layers 1..k over images")
        ax.set_yscale("log")
        ax.set_xticks(xs, [_short_layer(p[0]) for p in points], rotation=90, fontsize=8, ha="right", va="center",
                      rotation_mode="anchor")
        ax.set_xlim(0.5, len(points) + 0.5)
        ax.set_title(name, fontsize=10)
    for row in axes:
        row[0].set_ylabel("Lipschitz constant")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    _legend_outside(fig, handles, labels, ncol=2, where="upper")
    return fig


def certified_vs_found(per_image: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> plt.Figure:
    """Two log-log scatter panels, one dot per image and a colour per model: a certified lower bound
    on the distortion (x; left the product bound, right the sharper class-pair bound) against the
    distortion the L-BFGS attack found (y), with the lines found = bound and found = 10 × bound.

    ``per_image`` maps a model name to ``(certified, sharper, found)`` RMS distortions, one entry
    per image, all positive. Explained in chapter 5, "Beyond the paper: certified vs found distortion".
    """
    if not per_image:
        raise ValueError("certified_vs_found needs at least one model")
    if len(per_image) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} models (one palette colour each), got {len(per_image)}")
    data = {}
    for name, values in per_image.items():
        if len(values) != 3:
            raise ValueError(f"{name}: needs (certified, sharper, found) arrays, got {len(values)} arrays")
        arrays = [np.asarray(v, dtype=float).ravel() for v in values]
        if len({a.size for a in arrays}) != 1 or arrays[0].size == 0:
            raise ValueError(f"{name}: certified, sharper and found need the same, non-zero number of images, "
                             f"got {[a.size for a in arrays]}")
        if not all(np.all(np.isfinite(a)) and np.all(a > 0) for a in arrays):
            raise ValueError(f"{name}: distortions must be finite and positive (log axes): drop images "
                             "that need no perturbation")
        data[name] = arrays
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.9), sharex=True, sharey=True)
    panels = (("product bound", "certified lower bound (RMS)\nmargin / (√2 L)"),
              ("class-pair bound", "sharper lower bound (RMS)\nmargin / (‖w_i − w_t‖ · L_features)"))
    lo = min(min(a.min() for a in arrays) for arrays in data.values())
    hi = max(max(a.max() for a in arrays) for arrays in data.values())
    line = np.array([lo, hi])
    for which, (ax, (title, xlabel)) in enumerate(zip(axes, panels)):
        for colour, (name, arrays) in zip(PALETTE, data.items()):
            ax.scatter(arrays[which], arrays[2], s=4, alpha=0.5, color=colour, label=name, rasterized=True)
        ax.plot(line, line, color="black", lw=1, label="found = bound")
        ax.plot(line, 10 * line, color="black", lw=0.8, ls="--", label="found = 10 × bound")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
    axes[0].set_ylabel("L-BFGS distortion (RMS, per image)")
    handles, labels = axes[0].get_legend_handles_labels()
    _legend_outside(fig, handles, labels, ncol=4, where="lower", markerscale=3)
    return fig
