"""The book's shared figure helpers: every figure fits the text column (plots.WIDTH)."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from intriguing import plots  # noqa: E402


@pytest.mark.parametrize("cols", [3, 10, 30])
def test_image_grid_fits_the_column_and_keeps_images_square(cols):
    fig = plots.image_grid(torch.rand(2, cols, 784), row_labels=["a", "b"], col_labels=[str(i) for i in range(cols)])
    width, _ = fig.get_size_inches()
    assert width <= plots.WIDTH + 1e-9
    assert len(fig.axes) == 2 * cols
    fig.canvas.draw()
    box = fig.axes[0].get_window_extent()
    assert abs(box.width - box.height) <= 1.0  # imshow keeps the 28x28 pixels square
    plt.close(fig)


def test_image_grid_small_grids_keep_their_size():
    fig = plots.image_grid(torch.rand(1, 2, 28, 28), scale=1.0)
    assert tuple(fig.get_size_inches()) == pytest.approx((1.8, 0.9))
    plt.close(fig)


@pytest.mark.parametrize("shape", [(2, 3, 100), (6, 784), (0, 3, 784)])
def test_image_grid_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"images must be \[rows, cols, 784\]"):
        plots.image_grid(torch.rand(*shape))


def test_image_grid_rejects_labels_that_do_not_match():
    with pytest.raises(ValueError, match="3 column labels for 2 columns"):
        plots.image_grid(torch.rand(1, 2, 784), col_labels=["a", "b", "c"])


def test_style_is_applied_on_import():
    assert matplotlib.rcParams["figure.dpi"] == 100
    assert min(matplotlib.rcParams[k] for k in ("font.size", "legend.fontsize")) >= plots.MIN_FONT


@pytest.mark.parametrize("first", ["intriguing.plots", "intriguing.plots.units", "intriguing.plots._layout",
                                   "intriguing.plots.lipschitz"])
def test_the_package_brings_its_topic_modules_whatever_is_imported_first(first):
    """``from intriguing import plots`` is enough for ``plots.transfer.X``, and no import order forms a cycle."""
    code = (f"import {first}\nfrom intriguing import plots\n"
            "for m in ('directions', 'lipschitz', 'training', 'transfer', 'units', '_layout'):\n"
            "    assert hasattr(plots, m), m\n"
            "plots.transfer.rate_heatmaps, plots.units.plot_top_images, plots._layout.legend_below\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_bare_axes_and_label_column():
    fig, ax = plt.subplots()
    assert plots._bare(ax) is ax
    assert not ax.get_xticks().size and not ax.get_yticks().size
    assert not any(s.get_visible() for s in ax.spines.values())
    assert plots._label_width(None, 9, gap=0.15) == plots._label_width([], 9, gap=0.15) == 0.0
    width = plots._label_width(["short", "a much longer label"], 9, gap=0.1)
    assert width == round(width, 1) and width >= plots.text_width("a much longer label", 9) + 0.1
    assert plots._label_width(["a much longer label"], 9, gap=0.1) == width  # the widest decides
    plt.close(fig)


def test_layer_bounds_without_the_papers_bars():
    """Chapter 5's Figure 1 for the untrained stand-in: our two bars only, nothing to set beside
    the paper's Table 5 (the paper's bars are drawn only for a trained network)."""
    from intriguing.plots import lipschitz as PL

    names = ["Conv. 1", "Conv. 2", "FC. 1"]
    fig = PL.layer_bounds(names, None, [1.5, 1.6, 0.9], [1.49, 1.55, 0.9], network="UNTRAINED stand-in")
    try:
        ax = fig.axes[0]
        assert len(ax.patches) == 2 * len(names)  # two bars per layer
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert not any("paper" in t for t in legend), legend
        assert ax.get_title() == "UNTRAINED stand-in"
        assert fig.get_figwidth() <= plots.WIDTH + 1e-9
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="one value per layer"):
        PL.layer_bounds(names, None, [1, 2], [1, 2, 3], network="x")
