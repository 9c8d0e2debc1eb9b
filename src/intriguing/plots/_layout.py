"""Layout helpers shared by the book's figures: legends that never cover data, and a tight layout
that keeps a figure within the text column.

Every figure is at most :data:`intriguing.plots.WIDTH` wide and shown unshrunk; these helpers
place a figure legend below or above the axes, and choose the layout's padding so that the PNG a
notebook shows stays within :data:`intriguing.plots.COLUMN_PX`. Used by the topic submodules and
by :func:`intriguing.plots.learning_curves`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from intriguing.plots import COLUMN_PX, png_width


def legend_below(fig: plt.Figure, handles: list, labels: list[str], max_cols: int = 5):
    """One legend for the whole figure, under the axes (never over data), in as few rows as fit.

    The figure must use the constrained layout. The number of columns is the largest (up to
    ``max_cols``) whose legend is no wider than the figure. Explained in chapter 0 (learning curves).
    """
    if not labels:
        raise ValueError("legend_below needs at least one labelled artist")
    renderer = fig.canvas.get_renderer()
    for ncol in range(min(max_cols, len(labels)), 0, -1):
        legend = fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False,
                            columnspacing=1.2, handlelength=2.4)
        if ncol == 1 or legend.get_window_extent(renderer).width <= 0.98 * fig.bbox.width:
            return legend
        legend.remove()
    raise AssertionError("unreachable")


def legend_outside(fig: plt.Figure, handles: list, labels: list[str], ncol: int, where: str, **kwargs) -> None:
    """A figure legend below (``where="lower"``) or above (``"upper"``) the axes, never over data:
    the axes are laid out in the height the drawn legend leaves free."""
    legend = fig.legend(handles, labels, loc=f"{where} center", ncol=ncol, frameon=False, **kwargs)
    renderer = fig.canvas.get_renderer()
    share = (legend.get_window_extent(renderer).height + 4) / (fig.get_figheight() * fig.dpi)
    fig.tight_layout(rect=(0, share, 1, 1) if where == "lower" else (0, 0, 1, 1 - share))


def fit_to_column(fig: plt.Figure, **kwargs) -> None:
    """``tight_layout`` with as little padding as keeps the notebook's PNG within the column."""
    for pad in (0.8, 1.0, 1.3, 1.7, 2.2):
        fig.tight_layout(pad=pad, **kwargs)
        if png_width(fig) <= COLUMN_PX:
            return
