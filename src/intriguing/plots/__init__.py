"""One figure style for the whole book, and the figures the chapters share.

Figures are drawn with one font, colour cycle and width so they read the same in every chapter
at normal zoom in the HTML book: at most :data:`WIDTH` inches wide at 100 dpi, which is the width of
the book's text column, so a figure is shown at its own size, never shrunk (the browser check of
``tests/test_book.py`` fails on a shrunk figure). Fonts are 8 pt or more. Figures shared by several
chapters live here; figures of one topic live in a submodule (``plots.units``, ``plots.directions``,
``plots.transfer``, ``plots.lipschitz``, ``plots.training``), all imported with this package, so
``from intriguing import plots`` gives ``plots.transfer.rate_heatmaps``. Layout helpers shared by
the figures are in ``plots._layout``. Functions return the Figure; the notebook displays it.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch

#: Colour-blind-safe qualitative palette (Okabe & Ito), used for models in every chapter.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255"]
#: Width in pixels of the book's text column (at a 1280-px window): up to this width, a notebook
#: image is shown at its own size.
COLUMN_PX = 688
#: A notebook saves a figure cropped to what is drawn plus this margin, in inches, on each side.
PAD = 0.04
#: Widest figure, in inches: at 100 dpi, plus PAD on each side, its PNG is exactly COLUMN_PX wide.
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
    "savefig.pad_inches": PAD,
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (called on import of this module)."""
    mpl.rcParams.update(STYLE)


use_book_style()


def png_width(fig: plt.Figure) -> int:
    """Width in pixels of the PNG a notebook shows for ``fig``: saved as Jupyter's inline backend
    saves it (cropped to what is drawn, plus :data:`PAD`). At most :data:`COLUMN_PX` to be shown
    unshrunk."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return int.from_bytes(buf.getvalue()[16:20], "big")  # the PNG header's IHDR width


def text_width(text: str, size: float) -> float:
    """Width in inches of the widest line of ``text`` at ``size`` points, in the book's font."""
    from matplotlib.textpath import TextPath

    return max((TextPath((0, 0), line, size=size).get_extents().width / 72 if line.strip() else 0.0)
               for line in str(text).split("\n"))


def _bare(ax: plt.Axes) -> plt.Axes:
    """``ax`` without ticks, grid or frame, for an image (the book's style draws a grid and spines)."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def _label_width(labels: list[str] | None, size: float, gap: float) -> float:
    """Width in inches of a column of row labels: the widest at ``size`` points plus ``gap`` inches.

    Rounded up to 0.1 in, so that a figure's size does not hinge on the last digits of a font
    measurement; 0 without labels.
    """
    if not labels:
        return 0.0
    return math.ceil(round(10 * max(text_width(lab, size) for lab in labels) + 10 * gap, 6)) / 10


def learning_curves(histories: dict[str, dict], train_title: str = "training error (own training set)",
                    references: dict[str, float] | None = None, mark_epoch: float | None = None,
                    mark_label: str = "", floor: float = 1e-3) -> plt.Figure:
    """Training (top) and test (bottom) error in % per epoch, one line per model, on log scales.

    ``histories`` maps a model name to its training history (``epoch``, ``errors_<subset>``,
    ``sizes``); models named ``.../P1`` or ``.../P2`` are drawn dashed and their "training" error is
    that of their own half. A zero error is drawn at ``floor`` and its tick is labelled 0.
    ``references`` (label -> error %) adds grey dashed lines to the test panel (the paper's numbers);
    ``mark_epoch`` a dotted vertical line labelled ``mark_label``. Explained in chapter 0 (the zoo)
    and chapter 6, "Training with adversarial examples".
    """
    if not histories:
        raise ValueError("learning_curves needs at least one history")
    if not floor > 0:
        raise ValueError(f"floor must be > 0 (zero errors are drawn there on the log scale), got {floor!r}")
    curves = {}
    for name, h in histories.items():
        own = "train" if "errors_train" in h else next((k for k in ("P1", "P2") if name.endswith(k)), None)
        if own is None or "errors_test" not in h or "epoch" not in h:
            raise ValueError(f"history of {name!r} needs 'epoch', 'errors_test' and 'errors_train' "
                             f"(or a name ending in P1/P2 with 'errors_P1'/'errors_P2'); has {sorted(h)}")
        curves[name] = {s: 100 * np.asarray(h[f"errors_{k}"], dtype=float) / h["sizes"][k]
                        for s, k in (("train", own), ("test", "test"))}
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 5.4), sharex=True, layout="constrained")
    for i, (name, h) in enumerate(histories.items()):
        style = "--" if name.endswith(("P1", "P2")) else "-"
        for ax, subset in zip(axes, ("train", "test")):
            err = curves[name][subset]
            colour = PALETTE[i % len(PALETTE)]
            ax.plot(h["epoch"], np.where(err > 0, err, floor), label=name, color=colour, ls=style, lw=1.6,
                    path_effects=training.outline(colour, 1.6))
    for j, (label, ref) in enumerate((references or {}).items()):
        axes[1].axhline(ref, color=("0.25", "0.6")[j % 2], lw=1.0, ls=(0, (4, 2)), label=label, zorder=1)
    if mark_epoch is not None:
        for ax in axes:
            ax.axvline(mark_epoch, color="0.5", lw=1.0, ls=":", label=mark_label if ax is axes[1] else None)
    for ax, title, subset in zip(axes, (train_title, "test error"), ("train", "test")):
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("error % (log scale)")
        zero = any((c[subset] == 0).any() for c in curves.values())
        training.log_ticks(ax, zero_at=floor if zero else None)
    axes[1].set_xlabel("epoch")
    axes[1].xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    handles, labels = axes[1].get_legend_handles_labels()
    _layout.legend_below(fig, handles, labels)
    return fig


def image_grid(images: torch.Tensor, row_labels: list[str] | None = None, col_labels: list[str] | None = None,
               scale: float = 1.0, cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0) -> plt.Figure:
    """A grid of 28x28 images ``[rows, cols, 784]`` (or ``[rows, cols, 28, 28]``) with optional labels.

    Each image is ``0.9 * scale`` inches square, shrunk as needed so the grid fits :data:`WIDTH`.
    """
    if images.dim() not in (3, 4) or images.shape[2:] not in ((784,), (28, 28)) or images.numel() == 0:
        raise ValueError(f"images must be [rows, cols, 784] or [rows, cols, 28, 28], got {tuple(images.shape)}")
    images = images.detach().float().cpu().reshape(images.shape[0], images.shape[1], 28, 28)
    rows, cols = images.shape[:2]
    for labels, n, what in ((row_labels, rows, "row"), (col_labels, cols, "column")):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{len(labels)} {what} labels for {n} {what}s")
    label_width = _label_width(row_labels, 9, gap=0.15)
    cell = min(0.9 * scale, (WIDTH - label_width) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols + label_width, cell * rows + (0.3 if col_labels else 0)),
                             squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].numpy(), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            _bare(ax)
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
                         col_labels: list[str] | None = None, factor: float = 10.0) -> plt.Figure:
    """Fig. 5 for several models: per image, its original once on top, then one row per model with the
    difference magnified ``factor`` times (see :func:`magnified_difference`) beside the adversarial image.

    ``originals`` is ``[k, 784]`` (``k`` images), ``adversarial`` ``[rows, k, 784]`` (their adversarial
    versions for each of ``rows`` models); ``row_labels`` names the models and ``col_labels`` the
    images (written beside each original, e.g. "1 → 4"). The original is shown once, not once per
    model, so the images stay large enough to show the perturbation's texture at :data:`WIDTH`.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    if originals.dim() != 2 or adversarial.dim() != 3 or adversarial.shape[1:] != originals.shape:
        raise ValueError("originals must be [k, 784] and adversarial [rows, k, 784] (the same k images for "
                         f"each row), got {tuple(originals.shape)} and {tuple(adversarial.shape)}")
    rows, k = adversarial.shape[:2]
    for what, labels, n in (("row_labels", row_labels, rows), ("col_labels", col_labels, k)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"{what} needs {n} labels, got {len(labels)}")
    originals = originals.detach().float().cpu().reshape(k, 28, 28)
    adversarial = adversarial.detach().float().cpu().reshape(rows, k, 28, 28)
    diff = magnified_difference(originals[None].expand_as(adversarial), adversarial, factor)
    # Layout in inches: row labels, then per image a pair of columns (difference, image) with a gap
    # between images; the original row on top, the column titles, then one row per model.
    label_w, pair_gap, image_gap, row_gap, title_h, margin = 1.05, 0.05, 0.22, 0.05, 0.28, 0.0
    cell = min(0.8, (WIDTH - label_w - margin - k * pair_gap - (k - 1) * image_gap) / (2 * k))
    width = label_w + 2 * k * cell + k * pair_gap + (k - 1) * image_gap + margin
    height = margin + (rows + 1) * cell + rows * row_gap + title_h + margin
    fig = plt.figure(figsize=(width, height))

    def place(row: int, col: int) -> plt.Axes:  # row 0: the originals; rows 1..: the models
        x = label_w + col * cell + (col // 2) * (image_gap - pair_gap) + (col + 1) // 2 * pair_gap
        y = height - margin - (row + 1) * cell - row * row_gap - (title_h if row else 0)
        return _bare(fig.add_axes((x / width, y / height, cell / width, cell / height)))

    for i in range(k):
        text = place(0, 2 * i)
        text.axis("off")
        if col_labels is not None:
            text.text(0.5, 0.5, col_labels[i], ha="center", va="center", fontsize=10, transform=text.transAxes)
        place(0, 2 * i + 1).imshow(originals[i].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        for r in range(rows):
            for j, image in enumerate((diff[r, i], adversarial[r, i])):
                ax = place(r + 1, 2 * i + j)
                ax.imshow(image.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                if r == 0:
                    ax.set_title(f"diff ×{factor:g}" if j == 0 else "adversarial", fontsize=9, pad=3)
    for row, label in enumerate(["original", *(row_labels or [])]):
        y = height - margin - (row + 0.5) * cell - row * row_gap - (title_h if row else 0)
        fig.text((label_w - 0.08) / width, y / height, label, ha="right", va="center", fontsize=9)
    return fig


def paired_panels(panels: list[tuple[str, torch.Tensor, torch.Tensor]], pairs_per_row: int = 3,
                  ncols: int = 2) -> plt.Figure:
    """Fig. 7 layout: one grid per panel, originals in odd columns and their distorted version in even ones.

    ``panels`` holds ``(title, originals [n, 784], distorted [n, 784])`` with ``n`` a multiple of
    ``pairs_per_row``; panels are laid out ``ncols`` to a row, and the images are as large as
    :data:`WIDTH` allows. Pixels are shown on the [0, 1] grey scale (values outside it, as in
    unclipped noise, saturate to black or white), and distorted images are framed. Explained in
    chapter 3, "Box-constrained L-BFGS adversaries".
    """
    if not panels:
        raise ValueError("paired_panels needs at least one panel")
    if not (isinstance(pairs_per_row, int) and pairs_per_row > 0 and isinstance(ncols, int) and ncols > 0):
        raise ValueError(f"pairs_per_row and ncols must be positive integers, got {pairs_per_row!r}, {ncols!r}")
    n = panels[0][1].shape[0]
    if n % pairs_per_row or any(o.shape != d.shape or o.shape[0] != n for _, o, d in panels):
        raise ValueError(f"every panel needs originals and distorted of the same shape [n, 784], "
                         f"n a multiple of pairs_per_row={pairs_per_row}")
    rows, cols = n // pairs_per_row, 2 * pairs_per_row
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    # Layout in inches: pairs sit close together, with wider gaps between pairs and between panels.
    pair_gap, gap, panel_gap, title_h, margin = 0.03, 0.09, 0.25, 0.42, 0.0
    panel_w = (WIDTH - 2 * margin - (ncols - 1) * panel_gap) / ncols
    cell = min(0.7, (panel_w - pairs_per_row * pair_gap - (pairs_per_row - 1) * gap) / cols)
    panel_w = cols * cell + pairs_per_row * pair_gap + (pairs_per_row - 1) * gap
    panel_h = title_h + rows * cell + (rows - 1) * gap
    width = 2 * margin + ncols * panel_w + (ncols - 1) * panel_gap
    height = 2 * margin + nrows * panel_h + (nrows - 1) * panel_gap
    fig = plt.figure(figsize=(width, height))
    for p, (title, orig, dist) in enumerate(panels):
        x0 = margin + (p % ncols) * (panel_w + panel_gap)
        top = height - margin - (p // ncols) * (panel_h + panel_gap)
        fig.text((x0 + panel_w / 2) / width, (top - 0.02) / height, title, ha="center", va="top", fontsize=9)
        pairs = torch.stack([orig, dist], dim=1).reshape(rows, cols, 28, 28).detach().float().cpu()
        for r in range(rows):
            for c in range(cols):
                x = x0 + c * cell + (c // 2) * gap + (c + 1) // 2 * pair_gap
                y = top - title_h - (r + 1) * cell - r * gap
                ax = fig.add_axes((x / width, y / height, cell / width, cell / height))
                ax.imshow(pairs[r, c].numpy(), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
                _bare(ax)
                if c % 2 == 1:  # the distorted image of a pair is framed
                    for spine in ax.spines.values():
                        spine.set_visible(True)
                        spine.set_color(PALETTE[3])
                        spine.set_linewidth(1.2)
    return fig


def distortion_distributions(values: dict[str, np.ndarray], paper: dict[str, float] | None = None) -> plt.Figure:
    """Per-model violins of the per-image distortion, with our mean (black bar) and the paper's (white diamond).

    ``values`` maps a model name to its per-image distortions (RMS, successful attacks only).
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    import pandas as pd
    import seaborn as sns

    if not values or any(np.asarray(v).size == 0 for v in values.values()):
        raise ValueError("distortion_distributions needs at least one model, each with at least one distortion")
    names = list(values)
    frame = pd.DataFrame({"model": np.repeat(names, [len(values[m]) for m in names]),
                          "distortion": np.concatenate([np.asarray(values[m], dtype=float) for m in names])})
    fig, ax = plt.subplots(figsize=(WIDTH, 0.5 * len(names) + 1.3), layout="constrained")
    sns.violinplot(data=frame, x="distortion", y="model", hue="model", palette=PALETTE[:len(names)], cut=0,
                   inner="quartile", density_norm="width", linewidth=0.8, legend=False, ax=ax)
    for i, m in enumerate(names):
        ax.plot([np.mean(values[m])] * 2, [i - 0.35, i + 0.35], color="black", lw=2.2,
                label="our mean" if i == 0 else None)
        if paper and m in paper:
            ax.plot(paper[m], i, marker="D", markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.2,
                    ms=7, ls="none", label="paper's mean (Table 1)" if i == 0 else None)
    ax.set_xlabel("minimal distortion found, per image (RMS, sqrt(Σr²/784))")
    ax.set_ylabel("")
    ax.set_xlim(left=0)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, borderaxespad=0.2)
    return fig


# The topic submodules and the layout helpers, last (they import the constants and primitives above),
# so that ``from intriguing import plots`` is enough for ``plots.transfer.rate_heatmaps``.
from intriguing.plots import _layout, directions, lipschitz, training, transfer, units  # noqa: E402, F401
