"""Confidence intervals (intriguing.stats), Gaussian noise (intriguing.noise) and the chapter 3 figure helpers."""

import math

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from intriguing import noise, plots, stats


def test_mean_ci_matches_the_normal_formula_and_covers_the_mean():
    gen = torch.Generator().manual_seed(0)
    v = torch.rand(400, generator=gen)
    mean, lo, hi = stats.mean_ci(v)
    half = 1.959963984540054 * float(v.double().std()) / math.sqrt(400)
    assert mean == pytest.approx(float(v.double().mean()))
    assert (lo, hi) == pytest.approx((mean - half, mean + half))
    wider = stats.mean_ci(v, level=0.99)
    assert wider[1] < lo and wider[2] > hi


def test_mean_ci_coverage_is_close_to_its_level():
    gen = torch.Generator().manual_seed(1)
    draws = torch.rand(2000, 200, generator=gen, dtype=torch.float64) ** 3  # skewed, mean 1/4
    covered = sum(lo <= 0.25 <= hi for _, lo, hi in (stats.mean_ci(d) for d in draws))
    assert 0.93 <= covered / 2000 <= 0.97


@pytest.mark.parametrize("bad", [torch.tensor([1.0]), torch.tensor([1.0, math.nan]), torch.ones(2, 2)])
def test_mean_ci_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        stats.mean_ci(bad)


def test_wilson_interval_known_values_and_edges():
    lo, hi = stats.wilson_interval(0, 5000)
    assert lo == 0 and 0.0007 < hi < 0.0008  # about 3.84 / 5000
    lo, hi = stats.wilson_interval(5000, 5000)
    assert hi == 1 and 0.9992 < lo < 0.9993
    lo, hi = stats.wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    with pytest.raises(ValueError):
        stats.wilson_interval(3, 2)
    with pytest.raises(ValueError):
        stats.wilson_interval(1, 10, level=95)


def test_gaussian_noise_seeded_clipped_and_unclipped():
    x = torch.full((200, 784), 0.5)
    a = noise.gaussian_noise(x, 1.0, seed=3, clip=False)
    assert torch.equal(a, noise.gaussian_noise(x, 1.0, seed=3, clip=False))
    assert not torch.equal(a, noise.gaussian_noise(x, 1.0, seed=4, clip=False))
    assert float((a - x).std()) == pytest.approx(1.0, abs=0.01)
    assert float(a.min()) < 0 and float(a.max()) > 1
    c = noise.gaussian_noise(x, 1.0, seed=3, clip=True)
    assert torch.equal(c, a.clamp(0, 1))
    assert noise.gaussian_noise(x.double(), 0.1).dtype == torch.float64
    with pytest.raises(ValueError):
        noise.gaussian_noise(x, -1.0)
    with pytest.raises(ValueError):
        noise.gaussian_noise(torch.zeros(3, dtype=torch.long), 1.0)


def test_magnified_difference_is_mid_grey_for_no_change_and_clipped():
    x = torch.rand(4, 784)
    assert torch.equal(plots.magnified_difference(x, x), torch.full_like(x, 0.5))
    d = plots.magnified_difference(x, (x + 0.01).clamp(0, 1), 10.0)
    assert float(d.max()) <= 1 and float(d.min()) >= 0.5
    assert float(plots.magnified_difference(torch.zeros(1, 784), torch.ones(1, 784)).min()) == 1.0
    with pytest.raises(ValueError):
        plots.magnified_difference(x, x[:2])


def test_adversarial_triplets_fit_the_column_with_one_original_per_image():
    x, adv = torch.rand(3, 784), torch.rand(6, 3, 784)
    fig = plots.adversarial_triplets(x, adv, row_labels=[f"m{i}" for i in range(6)], col_labels=["1", "2", "3"])
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 3 + 6 * 3 * 2  # the originals once, then a difference and an image per model
    assert fig.get_size_inches()[0] <= plots.WIDTH and plots.png_width(fig) <= plots.COLUMN_PX
    assert min(ax.get_position().width * fig.get_size_inches()[0] for ax in images) >= 0.5  # inches per image
    texts = [t for t in fig.texts] + [t for ax in fig.axes for t in ax.texts]
    assert {"m0", "m5", "original", "1", "3"} <= {t.get_text() for t in texts}
    assert min(t.get_fontsize() for t in texts) >= plots.MIN_FONT
    with pytest.raises(ValueError, match="adversarial"):
        plots.adversarial_triplets(x, adv[:, :2])
    with pytest.raises(ValueError, match="col_labels"):
        plots.adversarial_triplets(x, adv, col_labels=["only one"])
    with pytest.raises(ValueError, match="row_labels"):
        plots.adversarial_triplets(x, adv, row_labels=["a"])
    matplotlib.pyplot.close("all")


def test_paired_panels_fit_the_column_and_frame_the_distorted_images():
    x = torch.rand(2, 12, 784)
    fig = plots.paired_panels([(f"p{i}", x[0], x[1]) for i in range(4)], pairs_per_row=3)
    assert len(fig.axes) == 4 * 12 * 2
    assert fig.get_size_inches()[0] <= plots.WIDTH and plots.png_width(fig) <= plots.COLUMN_PX
    framed = [ax for ax in fig.axes if ax.spines["left"].get_visible()]
    assert len(framed) == 4 * 12  # the distorted half
    assert {t.get_text() for t in fig.texts} == {"p0", "p1", "p2", "p3"}
    assert min(t.get_fontsize() for t in fig.texts) >= plots.MIN_FONT
    with pytest.raises(ValueError, match="multiple of pairs_per_row"):
        plots.paired_panels([("p", x[0, :10], x[1, :10])], pairs_per_row=3)
    with pytest.raises(ValueError, match="at least one panel"):
        plots.paired_panels([])
    matplotlib.pyplot.close("all")


def test_distortion_distributions_fit_the_column():
    fig = plots.distortion_distributions({"m": torch.rand(50).numpy(), "n": torch.rand(50).numpy()}, {"m": 0.5})
    assert len(fig.axes) == 1
    assert fig.get_size_inches()[0] <= plots.WIDTH and plots.png_width(fig) <= plots.COLUMN_PX
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["our mean", "paper's mean (Table 1)"]
    with pytest.raises(ValueError, match="at least one distortion"):
        plots.distortion_distributions({"m": []})
    matplotlib.pyplot.close("all")
