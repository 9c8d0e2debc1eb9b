"""Statistics (intriguing.stats: intervals and two-sample tests), Gaussian noise (intriguing.noise) and the
chapter 3 figure helpers."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
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


def test_cluster_bootstrap_counts_groups_not_units():
    rng = np.random.default_rng(2)
    group_values = rng.normal(0, 1, 20)
    a = np.repeat(group_values, 50)  # 20 groups of 50 identical (perfectly correlated) scores
    groups = np.repeat(np.arange(20), 50)
    b = rng.normal(0, 1, 1000)
    lo, hi = stats.bootstrap_ci(a, b, n_bootstrap=1000, seed=0)
    glo, ghi = stats.bootstrap_ci(a, b, n_bootstrap=1000, seed=0, groups_a=groups)
    assert ghi - glo > 3 * (hi - lo)  # 20 independent values, not 1000
    assert glo < a.mean() - b.mean() < ghi
    ilo, ihi = stats.bootstrap_ci(group_values, b, n_bootstrap=1000, seed=0)
    assert ghi - glo == pytest.approx(ihi - ilo, rel=0.25)
    with pytest.raises(ValueError, match="one group id per score"):
        stats.bootstrap_ci(a, b, groups_a=groups[:-1])


def test_format_p_prints_what_the_permutations_determine():
    assert stats.format_p(1 / 10_001, 10_000) == "< 1e-4"  # no permutation reached the observed difference
    assert stats.format_p(1 / 2001, 2000) == "< 5e-4"
    assert stats.format_p(440 / 10_001, 10_000) == "0.044"
    assert stats.format_p(1.0, 100) == "1"
    for bad_p, bad_n in [(0.0, 100), (1.5, 100), (0.5, 0)]:
        with pytest.raises(ValueError):
            stats.format_p(bad_p, bad_n)
    c = stats.compare_scores(np.arange(10.0) + 100, np.arange(20.0), n_permutations=500, n_bootstrap=50)
    assert "permutation p < 2e-3" in c.summary()


def test_permutation_test_agrees_with_scipy():
    from scipy.stats import permutation_test

    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 1, 60), rng.normal(0, 1, 80)
    ours = stats.permutation_test(a, b, n_permutations=4000, seed=1)
    ref = permutation_test((a, b), lambda x, y: x.mean() - y.mean(), n_resamples=4000, alternative="two-sided",
                           random_state=2).pvalue
    assert abs(ours - ref) < 0.03
    # zero observed difference: every permutation reaches it
    assert stats.permutation_test(a, a.copy(), n_permutations=500, seed=0) == 1.0
    once = stats.permutation_test(a, b, n_permutations=500, seed=7)
    assert once == stats.permutation_test(a, b, n_permutations=500, seed=7)


def test_rank_biserial_and_bootstrap():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1, 1, 40), rng.normal(0, 1, 50)
    u, p, r = stats.rank_biserial(a, b)
    brute = np.mean([np.sign(x - y) for x in a for y in b])
    assert r == pytest.approx(brute)
    assert stats.rank_biserial(b, a)[2] == pytest.approx(-r)
    assert stats.rank_biserial([1.0, 2.0], [3.0, 4.0])[2] == -1.0
    lo, hi = stats.bootstrap_ci(a, b, n_bootstrap=2000, seed=0)
    assert lo < a.mean() - b.mean() < hi
    big_a, big_b = rng.normal(1, 1, 4000), rng.normal(0, 1, 4000)
    lo, hi = stats.bootstrap_ci(big_a, big_b, n_bootstrap=300, seed=0)
    assert lo < 1.0 < hi and hi - lo < 0.15
    with pytest.raises(ValueError, match="at least 2"):
        stats.compare_scores([1.0], [1.0, 2.0])


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
