"""One figure style for the whole book, and the figures the chapters share.

Figures are drawn with one font, colour cycle and width so they read the same in every chapter
at normal zoom in the HTML book: at most :data:`WIDTH` inches wide at 100 dpi, which is the width of
the book's text column, so a figure is shown at its own size, never shrunk (the browser check of
``tests/test_book.py`` fails on a shrunk figure). Fonts are 8 pt or more. Figures shared by several
chapters live here; figures of one topic live in a submodule (``plots.transfer`` ...). Functions
return the Figure; the notebook displays it.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch

#: Colour-blind-safe qualitative palette (Okabe & Ito), used for models in every chapter.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255"]
#: Widest figure, in inches: 680 px at 100 dpi fits the book's text column (688 px) unscaled.
WIDTH = 6.8
#: Smallest font size used in figures (points); 8 pt at 100 dpi is 11 px on screen.
MIN_FONT = 8
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
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.6), sharey=True)
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
    handles, labels = axes[0].get_legend_handles_labels()
    ncol = min(len(labels), 4)
    legend_rows = -(-len(labels) // ncol)
    fig.set_figheight(3.2 + 0.22 * legend_rows)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, frameon=False)
    fig.tight_layout(rect=(0, 0.22 * legend_rows / fig.get_figheight() + 0.02, 1, 1))
    return fig


def image_grid(images: torch.Tensor, row_labels: list[str] | None = None, col_labels: list[str] | None = None,
               scale: float = 1.0, cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0) -> plt.Figure:
    """A grid of 28x28 images ``[rows, cols, 784]`` (or ``[rows, cols, 28, 28]``) with optional labels.

    Each image is ``0.9 * scale`` inches square, shrunk as needed so the grid fits :data:`WIDTH`.
    """
    images = images.detach().float().cpu().reshape(images.shape[0], images.shape[1], 28, 28)
    rows, cols = images.shape[:2]
    label_width = 1.6 if row_labels else 0.0
    cell = min(0.9 * scale, (WIDTH - label_width) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols + label_width, cell * rows + (0.3 if col_labels else 0)),
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


def magnified_difference(x: torch.Tensor, x_adv: torch.Tensor, factor: float = 10.0) -> torch.Tensor:
    """``0.5 + factor·(x_adv − x)`` clipped to [0, 1]: the middle image of the paper's Fig. 5 triplets.

    The paper magnifies the difference 10 times and shows it "shifted by 128 and clamped" on a
    0-255 scale: mid-grey is no change, lighter is a brighter pixel. Explained in chapter 3,
    "Box-constrained L-BFGS adversaries".
    """
    if x.shape != x_adv.shape:
        raise ValueError(f"x {tuple(x.shape)} and x_adv {tuple(x_adv.shape)} must have the same shape")
    return (0.5 + factor * (x_adv - x)).clamp(0, 1)


def adversarial_triplets(originals: torch.Tensor, adversarial: torch.Tensor, row_labels: list[str] | None = None,
                         col_labels: list[str] | None = None, factor: float = 10.0,
                         scale: float = 1.0) -> plt.Figure:
    """Fig. 5 layout: per image, original | magnified difference | adversarial; inputs ``[rows, k, 784]``.

    ``col_labels`` has one label per image (``k`` per row); each triplet gets it above its original.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    if originals.shape != adversarial.shape or originals.dim() != 3:
        raise ValueError("originals and adversarial must both be [rows, images per row, 784], "
                         f"got {tuple(originals.shape)} and {tuple(adversarial.shape)}")
    rows, k = originals.shape[:2]
    diff = magnified_difference(originals, adversarial, factor)
    grid = torch.stack([originals, diff, adversarial], dim=2).reshape(rows, 3 * k, -1)
    labels = None
    if col_labels is not None:
        if len(col_labels) != k:
            raise ValueError(f"col_labels needs one label per image of a row ({k}), got {len(col_labels)}")
        labels = [part for lab in col_labels for part in (lab, f"diff ×{factor:g}", "adversarial")]
    fig = image_grid(grid, row_labels=row_labels, col_labels=labels, scale=scale)
    for r in range(rows):  # a gap between triplets: shift each triplet right by its index
        for c, ax in enumerate(fig.axes[r * 3 * k:(r + 1) * 3 * k]):
            box = ax.get_position()
            ax.set_position([box.x0 + (c // 3) * 0.012, box.y0, box.width, box.height])
    return fig


def paired_panels(panels: list[tuple[str, torch.Tensor, torch.Tensor]], pairs_per_row: int = 5, ncols: int = 2,
                  scale: float = 0.55) -> plt.Figure:
    """Fig. 7 layout: one grid per panel, originals in odd columns and their distorted version in even ones.

    ``panels`` holds ``(title, originals [n, 784], distorted [n, 784])`` with ``n`` a multiple of
    ``pairs_per_row``; panels are laid out ``ncols`` to a row. Pixels are shown on the [0, 1] grey
    scale (values outside it, as in unclipped noise, saturate to black or white), and distorted
    images are framed. Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    if not panels:
        raise ValueError("paired_panels needs at least one panel")
    n = panels[0][1].shape[0]
    if n % pairs_per_row or any(o.shape != d.shape or o.shape[0] != n for _, o, d in panels):
        raise ValueError(f"every panel needs originals and distorted of the same shape [n, 784], "
                         f"n a multiple of pairs_per_row={pairs_per_row}")
    rows, cols = n // pairs_per_row, 2 * pairs_per_row
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    fig = plt.figure(figsize=(ncols * (cols * scale + 0.4), nrows * (rows * scale + 0.75)))
    subfigs = np.atleast_1d(fig.subfigures(nrows, ncols, wspace=0.02, hspace=0.02)).ravel()
    for sub in subfigs[len(panels):]:
        sub.set_visible(False)
    for sub, (title, orig, dist) in zip(subfigs, panels):
        pairs = torch.stack([orig, dist], dim=1).reshape(rows, cols, 28, 28).detach().float().cpu()
        axes = sub.subplots(rows, cols, squeeze=False, gridspec_kw={"wspace": 0.06, "hspace": 0.06})
        sub.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / (rows * scale + 0.75))
        for r in range(rows):
            for c in range(cols):
                ax = axes[r, c]
                ax.imshow(pairs[r, c].numpy(), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                for spine in ax.spines.values():
                    spine.set_visible(c % 2 == 1)
                    spine.set_color(PALETTE[3])
                    spine.set_linewidth(1.2)
        sub.suptitle(title, fontsize=9)
    return fig


def distortion_distributions(values: dict[str, np.ndarray], paper: dict[str, float] | None = None) -> plt.Figure:
    """Per-model violins of the per-image distortion, with our mean (black bar) and the paper's (red diamond).

    ``values`` maps a model name to its per-image distortions (RMS, successful attacks only).
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    import pandas as pd
    import seaborn as sns

    names = list(values)
    frame = pd.DataFrame({"model": np.repeat(names, [len(values[m]) for m in names]),
                          "distortion": np.concatenate([np.asarray(values[m], dtype=float) for m in names])})
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(names) + 1.4))
    sns.violinplot(data=frame, x="distortion", y="model", hue="model", palette=PALETTE[:len(names)], cut=0,
                   inner="quartile", density_norm="width", linewidth=0.8, legend=False, ax=ax)
    for i, m in enumerate(names):
        ax.plot([np.mean(values[m])] * 2, [i - 0.35, i + 0.35], color="black", lw=2,
                label="our mean" if i == 0 else None)
        if paper and m in paper:
            ax.plot(paper[m], i, marker="D", color="red", ms=6, ls="none",
                    label="paper (Table 1)" if i == 0 else None)
    ax.set_xlabel("minimal distortion found, per image (RMS, sqrt(Σr²/784))")
    ax.set_ylabel("")
    ax.legend(frameon=False, loc="upper right")
    fig.tight_layout()
    return fig
