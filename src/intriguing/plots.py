"""One figure style for the whole book, and the figures the chapters share.

Figures are drawn with a fixed size, font and colour cycle so they read the same in every chapter
at normal zoom in the HTML book. Functions return the Figure; the notebook displays it.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch

#: Colour-blind-safe qualitative palette (Okabe & Ito), used for models in every chapter.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255"]
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "image.cmap": "gray",
    "svg.hashsalt": "intriguing",
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (called on import of this module)."""
    mpl.rcParams.update(STYLE)


use_book_style()


def learning_curves(histories: dict[str, dict]) -> plt.Figure:
    """Training and test error (%) per epoch for each model, on a log scale.

    For models trained on P1 or P2, "training" is their own half. Explained in chapter 0.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for name, h in histories.items():
        own = "train" if "errors_train" in h else next(k for k in ("P1", "P2") if name.endswith(k))
        for ax, subset in zip(axes, (own, "test")):
            err = 100 * np.asarray(h[f"errors_{subset}"], dtype=float) / h["sizes"][subset]
            ax.plot(h["epoch"], np.maximum(err, 1e-3), label=name, lw=1.4)
    axes[0].set_title("training error (own training set)")
    axes[1].set_title("test error")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("error % (log scale; 0 drawn at 0.001)")
    fig.tight_layout(rect=(0, 0, 0.83, 1))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", frameon=False)
    return fig


def image_grid(images: torch.Tensor, row_labels: list[str] | None = None, col_labels: list[str] | None = None,
               scale: float = 1.0, cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0) -> plt.Figure:
    """A grid of 28x28 images ``[rows, cols, 784]`` (or ``[rows, cols, 28, 28]``) with optional labels."""
    images = images.detach().float().cpu().reshape(images.shape[0], images.shape[1], 28, 28)
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(scale * 0.9 * cols + (1.6 if row_labels else 0), scale * 0.9 * rows),
                             squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].numpy(), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col_labels and r == 0:
                ax.set_title(col_labels[c], fontsize=8)
        if row_labels:
            axes[r, 0].set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.3)
    return fig
