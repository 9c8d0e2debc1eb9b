"""Figures of chapters 1 and 2 ("Unit semantics", "Random directions"): the top-k images of units
and of directions, one row each, as in the paper's Figs 1-4.

Which rows a figure shows, and their labels, is decided by :mod:`intriguing.semantics`
(``figure_rows``, ``select_by_quantiles``); this module only draws them, for a tensor of MNIST
images as for images read one at a time (``ImageSet.display`` of :mod:`intriguing.imagenet`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

from intriguing.plots import MIN_FONT, PALETTE, WIDTH, _bare, _label_width, text_width


def _to_image(img: torch.Tensor | np.ndarray, image_shape: tuple[int, ...] | None) -> np.ndarray:
    t = img.detach().cpu() if isinstance(img, torch.Tensor) else torch.as_tensor(np.asarray(img))
    t = t.float()
    if image_shape is not None:
        t = t.reshape(image_shape)
    elif t.dim() == 1 and t.numel() == 784:
        t = t.reshape(28, 28)
    if t.dim() == 3 and t.shape[0] in (1, 3) and t.shape[-1] not in (1, 3):
        t = t.permute(1, 2, 0)  # CHW -> HWC
    if t.dim() == 3 and t.shape[-1] == 1:
        t = t[..., 0]
    if t.dim() not in (2, 3):
        raise ValueError(f"cannot show an image of shape {tuple(t.shape)}: pass image_shape=(H, W) or (H, W, 3)")
    return t.clamp(0, 1).numpy() if t.dim() == 3 else t.numpy()


def _wrap(text: str, size: float, width: float) -> str:
    """``text`` broken at spaces into as few lines as keep each at most ``width`` inches wide."""
    words = str(text).split()
    for chars in range(len(str(text)), 0, -1):
        wrapped = "\n".join(textwrap.wrap(str(text), chars)) or str(text)
        if text_width(wrapped, size) <= width or chars <= max(map(len, words), default=1):
            return wrapped
    return str(text)


def plot_top_images(
    images: torch.Tensor | Callable[[int], object],
    indices: torch.Tensor,
    row_labels: Sequence[str] | None = None,
    *,
    image_shape: tuple[int, ...] | None = None,
    cmap: str = "gray",
    cell: float = 0.8,
    title: str | None = None,
    windows: Sequence[tuple[float, float, float, float] | None] | None = None,
):
    """A grid of images: one row per direction (its top-k images, best left), a label left of each row.

    ``images`` is a tensor of all held-out images (``[N, 784]`` for MNIST, ``[N, 3, H, W]`` or
    ``[N, H, W]``) or a function ``i -> image`` (for data sets too large to hold, e.g.
    ``ImageSet.display`` of :mod:`intriguing.imagenet`). Colour images must lie in [0, 1]; grey
    ones are drawn on the fixed [0, 1] scale with ``cmap``. Each image is ``cell`` inches square,
    shrunk so that the labels and the grid fit the book's column (:data:`intriguing.plots.WIDTH`);
    a long ``title`` is wrapped. ``windows`` (one per row, or ``None`` for a row without) outlines
    the part of each image that the row's unit sees, as ``(top, left, height, width)`` in pixels.
    Axes are in row-major order (``fig.axes[r * k + c]``). Returns a matplotlib ``Figure`` made
    through pyplot, like every figure of the book: a notebook shows it once at the end of the cell
    (assign it, ``fig = plot_top_images(...)``; as the cell's last value it would be shown twice);
    a script closes it with ``plt.close(fig)``. Explained in chapter 1, "Unit semantics".
    """
    indices = torch.as_tensor(indices)
    if indices.dim() == 1:
        indices = indices[None]
    if indices.dim() != 2 or indices.numel() == 0:
        raise ValueError(f"indices must be [rows, images per row], got shape {tuple(indices.shape)}")
    rows, cols = indices.shape
    if row_labels is not None and len(row_labels) != rows:
        raise ValueError(f"{len(row_labels)} row labels for {rows} rows")
    if windows is not None and len(windows) != rows:
        raise ValueError(f"{len(windows)} windows for {rows} rows: give one (top, left, height, width) "
                         "or None per row")
    if not cell > 0:
        raise ValueError(f"cell={cell!r} must be a positive size in inches")
    get = images if callable(images) else (lambda i: images[i])
    label_size, title_size = MIN_FONT + 1, MIN_FONT + 2
    margin = 0.1  # inches on every side: the notebook's tight crop adds no width
    label_width = _label_width(row_labels, label_size, gap=0.1)
    gap = 0.05  # between images, as a fraction of one image
    cell = min(float(cell), (WIDTH - 2 * margin - label_width) / (cols + (cols - 1) * gap))
    if cell < 0.2:
        raise ValueError(f"{cols} images per row and labels {label_width:.1f} in wide do not fit the "
                         f"{WIDTH} in column: show fewer images per row or shorter labels")
    grid_w, grid_h = cell * (cols + (cols - 1) * gap), cell * (rows + (rows - 1) * gap)
    fig_w = 2 * margin + label_width + grid_w
    title_text = _wrap(title, title_size, fig_w - 2 * margin) if title else None
    title_h = (title_text.count("\n") + 1) * title_size * 1.25 / 72 + 0.08 if title_text else 0.0
    fig_h = 2 * margin + title_h + grid_h
    fig = plt.figure(figsize=(fig_w, fig_h))
    for r in range(rows):
        for c in range(cols):
            x0 = margin + label_width + c * cell * (1 + gap)
            y0 = margin + (rows - 1 - r) * cell * (1 + gap)
            ax = fig.add_axes((x0 / fig_w, y0 / fig_h, cell / fig_w, cell / fig_h))
            img = _to_image(get(int(indices[r, c])), image_shape)
            ax.imshow(img, cmap=cmap if img.ndim == 2 else None, vmin=0, vmax=1 if img.ndim == 2 else None,
                      interpolation="nearest")
            _bare(ax)
            if windows is not None and windows[r] is not None:
                top, left, height, width = windows[r]
                ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False,
                                       edgecolor=PALETTE[1], linewidth=1.2))
            if c == 0 and row_labels:
                ax.set_ylabel(row_labels[r], rotation=0, ha="right", va="center", fontsize=label_size,
                              labelpad=4)
    if title_text:
        fig.suptitle(title_text, x=0.5, y=1 - margin / fig_h, ha="center", va="top", fontsize=title_size)
    return fig
