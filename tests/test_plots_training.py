"""Figures of training runs (learning curves, pool refreshes): width, content and bad input."""


import intriguing  # noqa: F401  (first: pins the CPU code path before torch loads)
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from intriguing import plots


def _history(epochs: int, train_key: str = "train", zero_at_end: bool = False) -> dict:
    rng = np.random.default_rng(epochs)
    train = list(np.sort(rng.integers(1, 3000, epochs))[::-1])
    if zero_at_end:
        train[-1] = 0
    return {"epoch": list(range(1, epochs + 1)), f"errors_{train_key}": train,
            "errors_test": list(np.sort(rng.integers(100, 900, epochs))[::-1]),
            "sizes": {train_key: 60_000 if train_key == "train" else 30_000, "test": 10_000}}


def _refreshes(layers, epochs=4):
    return [{"step": 600 * e, "layer": k, "distortion": 0.08 + 0.01 * e + 0.05 * k} for e in range(epochs)
            for k in layers]


def test_learning_curves_fit_the_column_and_draw_every_model():
    hist = {"a": _history(5), "b": _history(8, zero_at_end=True), "c/P1": _history(6, "P1")}
    fig = plots.learning_curves(hist, references={"paper": 1.2}, mark_epoch=1.5, mark_label="start")
    try:
        assert fig.get_figwidth() <= plots.WIDTH
        assert plots.png_width(fig) <= plots.COLUMN_PX
        top, bottom = fig.axes
        assert [line.get_label() for line in top.get_lines()][:3] == ["a", "b", "c/P1"]
        assert top.get_lines()[2].get_linestyle() == "--"  # trained on a half: dashed
        # the zero training error is drawn at the floor and that tick reads "0"
        assert min(top.get_lines()[1].get_ydata()) == pytest.approx(1e-3)
        fig.canvas.draw()
        assert "0" in [t.get_text() for t in top.get_yticklabels()]
        legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
        assert legend_texts == ["a", "b", "c/P1", "paper", "start"]
        assert all(t.get_fontsize() >= plots.MIN_FONT for t in fig.legends[0].get_texts())
        # the legend is below the axes, not over data
        renderer = fig.canvas.get_renderer()
        assert fig.legends[0].get_window_extent(renderer).y1 <= bottom.get_window_extent(renderer).y0
    finally:
        plt.close(fig)


def test_learning_curves_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        plots.learning_curves({})
    with pytest.raises(ValueError, match="errors_train"):
        plots.learning_curves({"x": {"epoch": [1], "errors_test": [1], "sizes": {"test": 10}}})
    with pytest.raises(ValueError, match="floor"):
        plots.learning_curves({"a": _history(3)}, floor=0)


def test_log_ticks_label_narrow_ranges_in_plain_numbers():
    fig, ax = plt.subplots()
    try:
        ax.plot([1, 2], [1.3, 7.0])
        plots.training.log_ticks(ax)
        lo, hi = ax.get_ylim()
        assert (lo, hi) == pytest.approx((1.0, 10.0))  # widened to labelled values
        fig.canvas.draw()
        labels = {t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)} - {""}
        assert {"1", "2", "3", "5", "10"} <= labels
        with pytest.raises(ValueError, match="zero_at"):
            plots.training.log_ticks(ax, zero_at=0.0)
    finally:
        plt.close(fig)


def test_outline_only_for_light_colours():
    assert plots.training.outline("#F0E442", 1.6)  # the palette's yellow gets an edge
    assert plots.training.outline(plots.PALETTE[0], 1.6) == []


def test_pool_distortions_panels_colours_and_legend():
    refreshes = {"plain": [], "input": _refreshes([0]), "per-layer": _refreshes([0, 1, 2])}
    fig = plots.training.pool_distortions(refreshes, steps_per_epoch=600, start_epoch=1)
    try:
        assert fig.get_figwidth() <= plots.WIDTH
        assert plots.png_width(fig) <= plots.COLUMN_PX
        left, right = fig.axes
        assert len(left.get_lines()) == 2 and len(right.get_lines()) == 2
        # colours keep the slot of the variant without refreshes, as in learning_curves
        assert to_hex(left.get_lines()[0].get_color()) == to_hex(plots.PALETTE[1])
        assert list(left.get_lines()[0].get_xdata()) == [1, 2, 3, 4]
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["input", "per-layer", "layer 1", "layer 2"]
    finally:
        plt.close(fig)
    fig = plots.training.pool_distortions({"input": _refreshes([0])}, steps_per_epoch=600, start_epoch=0)
    try:
        assert len(fig.axes) == 1
    finally:
        plt.close(fig)


def test_pool_distortions_bad_input():
    with pytest.raises(ValueError, match="at least one refresh"):
        plots.training.pool_distortions({"plain": []}, steps_per_epoch=600, start_epoch=1)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        plots.training.pool_distortions({"a": _refreshes([0])}, steps_per_epoch=0, start_epoch=1)
    with pytest.raises(ValueError, match="distortion"):
        plots.training.pool_distortions({"a": [{"step": 0, "layer": 0}]}, steps_per_epoch=600, start_epoch=1)
