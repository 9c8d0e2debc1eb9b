"""Transfer matrices, Gaussian-noise rows, amplification and Wilson intervals (chapter 4)."""

import copy
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from intriguing import attacks, models, transfer
from intriguing.attacks import LBFGSConfig
from intriguing.runtime import seeded
from intriguing.training import TrainConfig, train_classifier

N_IMAGES = 40


def _trained(mnist, sizes, seed):
    with seeded(seed):
        model = models.MLP(sizes)
    train_classifier(model, mnist.train_x[:3000], mnist.train_y[:3000], weight_decay=(0.0,) * (len(sizes) - 1),
                     config=TrainConfig(epochs=1, batch_size=50, lr=0.5, momentum=0.9, seed=seed))
    return model.eval().requires_grad_(False)


class Constant(nn.Module):
    """Always predicts ``label`` (a column whose every cell is known in advance)."""

    def __init__(self, label: int):
        super().__init__()
        self.label = label
        self.anchor = nn.Parameter(torch.zeros(1), requires_grad=False)  # gives the module a device

    def forward(self, x):
        logits = torch.zeros(len(x), 10, device=x.device, dtype=x.dtype)
        logits[:, self.label] = 1.0
        return logits


@pytest.fixture(scope="module")
def zoo_of_two(mnist):
    """A 784-32-10 sigmoid MLP and a softmax regression, one epoch on 3,000 images (a few seconds)."""
    return {"mlp": _trained(mnist, (784, 32, 10), 0), "softmax": _trained(mnist, (784, 10), 1)}


@pytest.fixture(scope="module")
def adv_sets(zoo_of_two, mnist):
    """Adversarial sets (random targets) of the first test images for both models, with their originals."""
    x, y = mnist.test_x[:N_IMAGES], mnist.test_y[:N_IMAGES]
    idx = torch.arange(N_IMAGES)
    out = {}
    for name, model in zoo_of_two.items():
        res = attacks.attack(model, x, y, "random", indices=idx, config=LBFGSConfig(search_steps=6))
        out[name] = transfer.with_originals({"indices": idx, "labels": y, "images": res.images, "targets": res.target,
                                             "success": res.success, "distortion": res.distortion}, mnist.test_x)
    return out


# ----------------------------------------------------------------------------------------------
# the matrix


@pytest.mark.parametrize("count", transfer.COUNT_RULES)
def test_diagonal_is_100_percent_for_successful_examples(zoo_of_two, adv_sets, count):
    ok = {name: s["success"] for name, s in adv_sets.items()}
    assert all(v.float().mean() > 0.9 for v in ok.values())
    sets = {name: {k: (v[ok[name]] if k != "success" else v) for k, v in s.items()} for name, s in adv_sets.items()}
    m = transfer.transfer_matrix(sets, zoo_of_two, count=count)
    rates = m.rates()
    for i, name in enumerate(m.rows):
        assert m.cols[i] == name
        assert m.totals[i, i] > 0
        assert rates[i, i] == 100.0
    # and the examples do not fool the other model as completely (or the test would prove nothing)
    assert rates[0, 1] < 100 or rates[1, 0] < 100
    # on its own model a successful example lands exactly on its target
    hits = transfer.transfer_matrix(sets, zoo_of_two, count=count, outcome="target")
    assert torch.equal(hits.errors.diagonal(), m.errors.diagonal())
    assert (hits.errors <= m.errors).all()  # a target hit is an error (targets differ from labels)


def test_always_zero_column_shows_what_it_should(zoo_of_two, adv_sets):
    """A model that always answers 0: under "all" its error is the share of labels that are not 0,
    whatever the images; under "correct" only the 0s count, and they stay right: 0%."""
    models = {**zoo_of_two, "always 0": Constant(0).eval()}
    y = adv_sets["mlp"]["labels"]
    for count, errors, total in (("all", int((y != 0).sum()), len(y)), ("correct", 0, int((y == 0).sum()))):
        m = transfer.transfer_matrix(adv_sets, models, count=count)
        for row in m.rows:
            assert m.cell(row, "always 0") == (errors, total), (count, row)


def test_rows_and_columns_are_not_swapped():
    """A 3 x 2 case whose cells all differ: a transposition or reordering cannot pass."""
    x = torch.rand(10, 784)
    labels = {"zeros": torch.zeros(10, dtype=torch.long),
              "mixed": torch.tensor([0] * 3 + [1] * 2 + [2] * 5),
              "ones": torch.tensor([1] * 6 + [3] * 4)}
    sets = {k: {"images": x, "labels": v, "originals": x} for k, v in labels.items()}
    models = {"always 0": Constant(0).eval(), "always 1": Constant(1).eval()}
    m = transfer.transfer_matrix(sets, models, count="all")
    assert m.rows == ["zeros", "mixed", "ones"] and m.cols == ["always 0", "always 1"]
    assert m.errors.tolist() == [[0, 10], [7, 8], [10, 4]]
    assert m.totals.tolist() == [[10, 10]] * 3
    m = transfer.transfer_matrix(sets, models, count="correct")
    assert (m.count, m.outcome) == ("correct", "error")
    assert m.errors.tolist() == [[0, 0], [0, 0], [0, 0]]
    assert m.totals.tolist() == [[10, 0], [3, 2], [0, 6]]
    assert math.isnan(m.rates()[0, 1]) and m.rates()[1, 0] == 0
    assert m.frame(ci=False).loc["mixed", "always 0"] == "0" and m.frame().loc["zeros", "always 1"] == "—"


def test_correct_rule_counts_only_images_the_column_got_right_before(zoo_of_two, adv_sets, mnist):
    model = zoo_of_two["softmax"]
    s = adv_sets["mlp"]
    right = transfer.predict(model, s["originals"]) == s["labels"]
    fooled = transfer.predict(model, s["images"]) != s["labels"]
    m = transfer.transfer_matrix({"mlp": s}, {"softmax": model}, count="correct")
    assert m.cell("mlp", "softmax") == (int((fooled & right).sum()), int(right.sum()))
    assert int(right.sum()) < len(right)  # the one-epoch model makes mistakes: the rules differ
    m_all = transfer.transfer_matrix({"mlp": s}, {"softmax": model}, count="all")
    assert m_all.cell("mlp", "softmax") == (int(fooled.sum()), len(fooled))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_counts_with_the_models_on_cuda(zoo_of_two, adv_sets):
    """Sets stay on the CPU, models move: the counts must not depend on where the work runs."""
    cpu = transfer.transfer_matrix(adv_sets, zoo_of_two, count="correct")
    cuda_models = {k: copy.deepcopy(m).cuda() for k, m in zoo_of_two.items()}
    gpu = transfer.transfer_matrix(adv_sets, cuda_models, count="correct")
    assert (gpu.errors - cpu.errors).abs().max() <= 1 and (gpu.totals - cpu.totals).abs().max() <= 1  # float ties


def test_with_originals_adds_the_clean_images(mnist):
    idx = torch.tensor([5, 0, 7])
    s = transfer.with_originals({"indices": idx, "labels": mnist.test_y[idx], "images": mnist.test_x[idx] * 0.5},
                                mnist.test_x)
    assert torch.equal(s["originals"], mnist.test_x[idx])
    with pytest.raises(ValueError, match="indices"):
        transfer.with_originals({"indices": torch.tensor([10_000]), "labels": mnist.test_y[:1],
                                 "images": mnist.test_x[:1]}, mnist.test_x)


def test_bad_arguments_are_refused(zoo_of_two, adv_sets):
    with pytest.raises(ValueError, match="outcome"):
        transfer.transfer_matrix(adv_sets, zoo_of_two, outcome="loss")
    with pytest.raises(ValueError, match="targets"):
        transfer.transfer_matrix({"noise": {"images": torch.rand(2, 784), "labels": torch.zeros(2, dtype=torch.long)}},
                                 zoo_of_two, outcome="target")
    with pytest.raises(ValueError, match="counting rule"):
        transfer.transfer_matrix(adv_sets, zoo_of_two, count="some")
    no_originals = {"mlp": {k: v for k, v in adv_sets["mlp"].items() if k != "originals"}}
    with pytest.raises(ValueError, match="originals"):
        transfer.transfer_matrix(no_originals, zoo_of_two, count="correct")
    with pytest.raises(ValueError, match="training mode"):
        transfer.transfer_matrix(adv_sets, {"m": models.MLP((784, 10))})
    with pytest.raises(ValueError, match="torch module"):
        transfer.transfer_matrix(adv_sets, {"m": "FC10(1)"})
    with pytest.raises(ValueError, match="labels"):
        transfer.transfer_matrix({"bad": {"images": torch.rand(3, 784), "labels": torch.zeros(2, dtype=torch.long)}},
                                 zoo_of_two)


# ----------------------------------------------------------------------------------------------
# Gaussian noise rows


def test_noise_rows_are_seeded_and_reproducible(mnist):
    x, y = mnist.train_x[:200], mnist.train_y[:200]
    a = transfer.gaussian_noise_set(x, y, 0.1, seed=3, clip=False)
    b = transfer.gaussian_noise_set(x, y, 0.1, seed=3, clip=False)
    c = transfer.gaussian_noise_set(x, y, 0.1, seed=4, clip=False)
    assert torch.equal(a["images"], b["images"]) and not torch.equal(a["images"], c["images"])
    noise = a["images"] - x
    assert abs(noise.std().item() / 0.1 - 1) < 0.01 and abs(noise.mean().item()) < 0.002
    torch.testing.assert_close(a["distortion"], attacks.rms_distortion(a["images"], x))
    # one seed, another size: the same noise direction, scaled
    big = transfer.gaussian_noise_set(x, y, 0.3, seed=3, clip=False)
    torch.testing.assert_close(big["images"] - x, 3 * noise, rtol=1e-5, atol=1e-6)
    assert torch.equal(a["labels"], y) and torch.equal(a["originals"], x)


def test_clipped_noise_stays_in_the_box_and_is_smaller(mnist):
    x, y = mnist.train_x[:200], mnist.train_y[:200]
    clipped = transfer.gaussian_noise_set(x, y, 0.3, seed=0, clip=True)
    free = transfer.gaussian_noise_set(x, y, 0.3, seed=0, clip=False)
    assert clipped["images"].min() >= 0 and clipped["images"].max() <= 1
    assert free["images"].min() < 0  # not clipped: leaves the box
    assert (clipped["distortion"] < free["distortion"]).all()
    on_black = x == 0  # clipping cuts the negative half on the black background: positive mean there
    assert (clipped["images"] - x)[on_black].mean() > 0.1


def test_noise_with_bad_stddev_is_refused(mnist):
    with pytest.raises(ValueError, match="std"):
        transfer.gaussian_noise_set(mnist.test_x[:2], mnist.test_y[:2], -0.1)


# ----------------------------------------------------------------------------------------------
# amplification


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.sampled_from([0.01, 0.1, 0.3]), scale=st.floats(1e-4, 0.5))
def test_amplification_gives_exactly_the_requested_rms_before_clipping(seed, size, scale):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(6, 784, generator=g)
    adv = x + scale * torch.randn(6, 784, generator=g)
    out = transfer.amplify(adv, x, size)
    torch.testing.assert_close(attacks.rms_distortion(out, x), torch.full((6,), size), rtol=1e-5, atol=0)
    # same direction as the original perturbation
    cos = torch.nn.functional.cosine_similarity(out - x, adv - x, dim=1)
    assert (cos > 1 - 1e-5).all()
    clipped = transfer.amplify(adv, x, size, clip=True)
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert (attacks.rms_distortion(clipped, x) <= size * (1 + 1e-5)).all()


def test_the_printed_formula_gives_an_l2_norm_not_an_rms(mnist):
    x = mnist.test_x[:4]
    adv = (x + 0.06 * torch.randn(4, 784, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    lit = transfer.amplify(adv, x, 0.1, norm="l2")
    torch.testing.assert_close((lit - x).norm(dim=1), torch.full((4,), 0.1), rtol=1e-5, atol=0)
    torch.testing.assert_close(attacks.rms_distortion(lit, x), torch.full((4,), 0.1 / 28), rtol=1e-5, atol=0)


def test_amplify_only_leaves_large_perturbations_alone():
    x = torch.full((2, 784), 0.5)
    adv = x + torch.stack([torch.full((784,), 0.05), torch.full((784,), -0.2)])
    torch.testing.assert_close(attacks.rms_distortion(transfer.amplify(adv, x, 0.1), x), torch.tensor([0.1, 0.1]))
    kept = transfer.amplify(adv, x, 0.1, shrink=False)
    torch.testing.assert_close(attacks.rms_distortion(kept, x), torch.tensor([0.1, 0.2]))
    assert torch.equal(kept[1], adv[1])


def test_zero_perturbation_is_left_unchanged_and_sets_carry_the_new_distortion(adv_sets):
    s = dict(adv_sets["mlp"])
    s["images"] = s["images"].clone()
    s["images"][0] = s["originals"][0]  # a failed attack: nothing to amplify
    amp = transfer.amplified_set(s, 0.1)
    assert torch.equal(amp["images"][0], s["originals"][0]) and amp["distortion"][0] == 0
    torch.testing.assert_close(amp["distortion"][1:], torch.full((N_IMAGES - 1,), 0.1), rtol=1e-5, atol=0)
    mean, lo, hi = transfer.mean_distortion(amp)
    assert mean == pytest.approx(0.1 * (N_IMAGES - 1) / N_IMAGES, rel=1e-5) and lo < mean < hi
    with pytest.raises(ValueError, match="originals"):
        transfer.amplified_set({k: v for k, v in s.items() if k != "originals"})
    with pytest.raises(ValueError, match="norm"):
        transfer.amplify(s["images"], s["originals"], norm="linf")


# ----------------------------------------------------------------------------------------------
# confidence intervals


def test_wilson_intervals_known_values_and_edges():
    lo, hi = transfer.wilson_intervals(torch.tensor([0, 5, 10]), torch.tensor([10, 10, 10]))
    z2 = 1.959963984540054 ** 2
    assert lo[0] == 0 and hi[0] == pytest.approx(z2 / (10 + z2))  # 0 errors: not the empty interval
    assert (lo[1], hi[1]) == (pytest.approx(0.236593, abs=1e-6), pytest.approx(0.763407, abs=1e-6))
    assert hi[2] == 1 and lo[2] == pytest.approx(10 / (10 + z2))
    lo, hi = transfer.wilson_intervals(torch.tensor([0]), torch.tensor([0]))
    assert lo.isnan().all() and hi.isnan().all()
    with pytest.raises(ValueError, match="between 0 and totals"):
        transfer.wilson_intervals(torch.tensor([3]), torch.tensor([2]))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 100_000), frac=st.floats(0, 1))
def test_wilson_intervals_contains_the_rate_and_shrinks_with_n(n, frac):
    k = round(frac * n)
    lo, hi = transfer.wilson_intervals(k, n)
    assert 0 <= lo <= k / n <= hi <= 1
    lo4, hi4 = transfer.wilson_intervals(4 * k, 4 * n)
    assert hi4 - lo4 < hi - lo


def test_cell_text_uses_the_digits_one_image_resolves():
    assert transfer.cell_text(617, 5000) == "12.34 [11.46, 13.28]"
    assert transfer.cell_text(5000, 5000, ci=False) == "100.00"
    assert transfer.cell_text(3, 10) == "30 [11, 60]"
    assert transfer.cell_text(0, 0) == "—"


def _frames(rows: int, cols: int, seed: int):
    """A random rate table (percent), a paper-like table near it, and an interval around ours."""
    import pandas as pd

    g = torch.Generator().manual_seed(seed)
    index, columns = [f"row {i}" for i in range(rows)], [f"model {j}" for j in range(cols)]
    ours = torch.rand(rows, cols, generator=g, dtype=torch.float64) * 100
    ref = (ours + torch.randn(rows, cols, generator=g, dtype=torch.float64) * 10).clamp(0, 100)
    lo, hi = (ours - 2).clamp(0, 100), (ours + 2).clamp(0, 100)
    return [pd.DataFrame(t.numpy(), index=index, columns=columns) for t in (ours, ref, lo, hi)]


@pytest.mark.parametrize("rows,cols", [(8, 6), (8, 3)])  # the shapes of Tables 2 and 4
def test_transfer_heatmaps_fit_the_column_and_share_one_scale(rows, cols):
    import matplotlib

    matplotlib.use("Agg")
    from intriguing import plots
    import intriguing.plots.transfer  # noqa: F401

    ours, ref, lo, hi = _frames(rows, cols, seed=rows + cols)
    fig = plots.transfer.rate_heatmaps(ours.iloc[::-1], ref, "title")  # ours is put in the paper's order
    heat = [ax for ax in fig.axes if ax.collections and ax.get_title() in ("ours", "paper")]
    assert len(heat) == 2 and len(fig.axes) == 3  # two tables and one colour bar
    assert heat[0].collections[0].norm is heat[1].collections[0].norm  # one colour scale
    assert [t.get_text() for t in heat[0].texts[:cols]] == [f"{v:.0f}" for v in ours.iloc[0]]
    assert fig.get_size_inches()[0] <= plots.WIDTH and plots.png_width(fig) <= plots.COLUMN_PX
    assert min(t.get_fontsize() for ax in fig.axes for t in ax.texts + ax.get_xticklabels()) >= plots.MIN_FONT
    fig = plots.transfer.difference_heatmap(ours, ref, lo, hi)
    ax = fig.axes[0]
    outside = int(((ref < lo) | (ref > hi)).to_numpy().sum())
    assert len(ax.patches) == outside  # one frame per cell where the paper lies outside our interval
    norm = ax.collections[0].norm
    assert -norm.vmin == norm.vmax >= max(40, float((ours - ref).abs().to_numpy().max()))
    assert plots.png_width(fig) <= plots.COLUMN_PX
    matplotlib.pyplot.close("all")


def test_transfer_heatmaps_refuse_bad_tables():
    import matplotlib

    matplotlib.use("Agg")
    from intriguing import plots
    import intriguing.plots.transfer  # noqa: F401

    ours, ref, lo, hi = _frames(4, 3, seed=0)
    with pytest.raises(ValueError, match="missing from ours"):
        plots.transfer.rate_heatmaps(ours.iloc[:2], ref)
    with pytest.raises(ValueError, match="from 0 to 100"):
        plots.transfer.rate_heatmaps(ours * 2 + 1, ref)
    with pytest.raises(ValueError, match="DataFrames"):
        plots.transfer.rate_heatmaps(ours.to_numpy(), ref)
    with pytest.raises(ValueError, match="lo <= ours <= hi"):
        plots.transfer.difference_heatmap(ours, ref, hi, hi)
    with pytest.raises(ValueError, match="limit"):
        plots.transfer.difference_heatmap(ours, ref, lo, hi, limit=0)
    matplotlib.pyplot.close("all")


# ----------------------------------------------------------------------------------------------
# frames, the bootstrap over images, and the choice of a reading


def test_rates_and_ci_frames_carry_the_matrix_names_and_values(zoo_of_two, adv_sets):
    m = transfer.transfer_matrix(adv_sets, zoo_of_two, count="correct")
    rates = m.rates_frame()
    assert list(rates.index) == m.rows and list(rates.columns) == m.cols
    assert rates.to_numpy().tolist() == m.rates().numpy().tolist()
    lo, hi = m.ci_frames()
    wlo, whi = m.wilson()
    assert lo.to_numpy().tolist() == wlo.numpy().tolist() and hi.to_numpy().tolist() == whi.numpy().tolist()
    assert (lo <= rates).all().all() and (rates <= hi).all().all()


def test_per_image_outcomes_add_up_to_the_counts(zoo_of_two, adv_sets):
    for count in transfer.COUNT_RULES:
        m = transfer.transfer_matrix(adv_sets, zoo_of_two, count=count, per_image=True)
        assert m.hits.shape == m.counted.shape == (2, 2, N_IMAGES) and m.hits.dtype == torch.bool
        assert torch.equal(m.hits.sum(-1), m.errors) and torch.equal(m.counted.sum(-1), m.totals)
        assert not (m.hits & ~m.counted).any()
        plain = transfer.transfer_matrix(adv_sets, zoo_of_two, count=count)
        assert torch.equal(plain.errors, m.errors) and plain.hits is None
    with pytest.raises(ValueError, match="per-image"):
        plain.bootstrap(lambda r: r[..., 0, 1])
    other = dict(adv_sets["mlp"], labels=adv_sets["mlp"]["labels"].roll(1))
    with pytest.raises(ValueError, match="same images"):
        transfer.transfer_matrix({"a": adv_sets["mlp"], "b": other}, zoo_of_two, per_image=True)


def _known_matrix(hits: list[list[list[int]]]) -> transfer.TransferMatrix:
    h = torch.tensor(hits, dtype=torch.bool)
    counted = torch.ones_like(h)
    return transfer.TransferMatrix([f"r{i}" for i in range(h.shape[0])], [f"c{j}" for j in range(h.shape[1])],
                                   h.sum(-1), counted.sum(-1), "all", "error", h, counted)


def test_bootstrap_of_a_ratio_is_reproducible_and_covers_its_value():
    g = torch.Generator().manual_seed(0)
    n = 400
    a = torch.rand(n, generator=g) < 0.3  # one cell near 30%, the other near 10%
    b = torch.rand(n, generator=g) < 0.1
    m = _known_matrix([[a.tolist(), b.tolist()]])

    def ratio(r):
        return r[..., 0, 0] / r[..., 0, 1]

    value, lo, hi = m.bootstrap(ratio, n_bootstrap=500, seed=1)
    assert value == pytest.approx(float(a.double().mean() / b.double().mean()))
    assert lo < value < hi
    assert m.bootstrap(ratio, n_bootstrap=500, seed=1) == (value, lo, hi)  # same seed: same bits
    assert m.bootstrap(ratio, n_bootstrap=500, seed=1, chunk=7) == (value, lo, hi)  # chunks do not matter
    assert m.bootstrap(ratio, n_bootstrap=500, seed=2) != (value, lo, hi)
    # the normal approximation of a ratio of two binomial rates: the interval is about that wide
    pa, pb = float(a.double().mean()), float(b.double().mean())
    se = value * math.sqrt((1 - pa) / (n * pa) + (1 - pb) / (n * pb))
    assert 0.6 < (hi - lo) / (2 * 1.96 * se) < 1.6


def test_bootstrap_resamples_images_jointly_across_cells():
    """Two identical cells: every resample gives them the same rate, so their difference is 0."""
    cell = [bool(i % 3 == 0) for i in range(90)]
    m = _known_matrix([[cell, cell]])
    value, lo, hi = m.bootstrap(lambda r: r[..., 0, 0] - r[..., 0, 1], n_bootstrap=200)
    assert value == lo == hi == 0
    _, lo, hi = m.bootstrap(lambda r: r[..., 0, 0], n_bootstrap=200)
    assert lo < 100 / 3 < hi
    with pytest.raises(ValueError, match="not finite"), np.errstate(divide="ignore"):
        _known_matrix([[[False] * 5, [True] * 5]]).bootstrap(lambda r: r[..., 0, 1] / r[..., 0, 0])
    with pytest.raises(ValueError, match="n_bootstrap"):
        m.bootstrap(lambda r: r[..., 0, 0], n_bootstrap=0)


def test_paired_cells_pick_rows_columns_and_mask_in_the_papers_order():
    import pandas as pd

    paper = pd.DataFrame([[100, 10, 20], [30, 100, 40]], index=["a", "b"], columns=["x", "y", "z"])
    # our columns in another order, and a row the paper does not have
    ours = pd.DataFrame({"z": [15, 50, 0], "y": [12, 99, 0], "x": [100, 31, 0]}, index=["a", "b", "extra"])
    c = transfer.paired_cells(ours, paper, mask=~np.eye(2, 3, dtype=bool))
    assert list(zip(c["row"], c["col"])) == [("a", "y"), ("a", "z"), ("b", "x"), ("b", "z")]
    assert c["gap"].tolist() == [2, -5, 1, 10] and c["paper"].tolist() == [10, 20, 30, 40]
    assert len(transfer.paired_cells(ours, paper, ["b"])) == 3
    with pytest.raises(ValueError, match="no"):
        transfer.paired_cells(ours.drop(columns="z"), paper)
    with pytest.raises(ValueError, match="mask"):
        transfer.paired_cells(ours, paper, mask=np.ones((3, 3), dtype=bool))


def test_reading_is_chosen_on_each_group_and_tested_on_the_other():
    gaps = {"A": {"t2": [1, -1, 1], "t4": [0.5, 0.5]},
            "B": {"t2": [3, 3, 3], "t4": [0.2, -0.2]},
            "C": {"t2": [5, 5, 5], "t4": [9, 9]}}
    assert transfer.choose_reading({k: v["t2"] for k, v in gaps.items()}) == "A"
    checks = transfer.validate_reading(gaps)
    assert [(c.chosen_on, c.reading, c.tested_on, c.best_on_held_out) for c in checks] == [
        ("t2", "A", "t4", "B"), ("t4", "B", "t2", "A")]
    assert checks[0].fitted_gap == 1 and checks[0].held_out_gap == 0.5 and checks[0].best_held_out_gap == 0.2
    assert checks[1].held_out_gap == 3
    assert not transfer.reading_identified(checks)  # the two tables disagree: not identified
    gaps["B"]["t4"] = [0.6, 0.6]
    checks = transfer.validate_reading(gaps)
    assert transfer.reading_identified(checks) and {c.reading for c in checks} == {"A"}
    assert transfer.choose_reading({"x": [1], "y": [-1]}) == "x"  # a tie: the first
    with pytest.raises(ValueError, match="same two or more groups"):
        transfer.validate_reading({"A": {"t2": [1]}, "B": {"t4": [1]}})
    with pytest.raises(ValueError, match="no readings"):
        transfer.choose_reading({})


def test_cells_within_and_the_pattern_by_row_follow_the_fooling_rate_rule():
    import pandas as pd

    # tolerance max(2 pts, 20%): 10 vs 12 is inside (2), 50 vs 61 inside (11 <= 12.2), 3 vs 6 outside
    paper = pd.DataFrame([[100, 10, 6], [61, 100, 0.5]], index=["a", "b"], columns=["a", "b", "c"])
    ours = pd.DataFrame([[100, 12, 3], [50, 100, 2.5]], index=["a", "b"], columns=["a", "b", "c"])
    cells = transfer.paired_cells(ours, paper, mask=~np.eye(2, 3, dtype=bool))
    assert transfer.cells_within(cells).tolist() == [True, False, True, True]
    table = transfer.pattern_by_row(cells)
    assert list(table.index) == ["a", "b"]
    assert table.loc["a"].tolist() == ["1 of 2", "2.5", "-3.0", "→ c: 3.00 vs 6"]
    assert table.loc["b"].tolist() == ["2 of 2", "6.5", "-11.0", "→ a: 50.00 vs 61"]
    # two tables' cells concatenated (their indices repeat): each row still counts its own cells
    both = transfer.pattern_by_row(pd.concat([cells, cells.assign(row=cells["row"] + "'")]))
    assert both["cells within tolerance"].tolist() == ["1 of 2", "2 of 2", "1 of 2", "2 of 2"]
