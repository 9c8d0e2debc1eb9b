"""Tests of intriguing.semantics (units vs random directions), its ImageNet path intriguing.imagenet and
the figures of chapters 1-2 (intriguing.plots.units, intriguing.plots.directions).

The two-sample statistics behind the comparisons are tested in test_stats_noise.py."""

import intriguing  # noqa: F401  (pins the CPU code path before torch)

import itertools

import numpy as np
import pytest
import torch

from intriguing import imagenet, models, plots, semantics as S


@pytest.fixture(autouse=True)
def _close_figures():
    """plot_top_images makes pyplot figures: close them after each test."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")

# ------------------------------------------------------------------ top-k selection


def _brute_top_k(scores: torch.Tensor, k: int):
    """Per column: indices of the k largest values, ties to the lower index (a stable argsort of -x)."""
    s = scores.numpy()
    idx = np.stack([np.argsort(-s[:, j], kind="stable")[:k] for j in range(s.shape[1])])
    return idx, np.take_along_axis(s.T, idx, axis=1)


@pytest.mark.parametrize("with_ties", [False, True])
def test_top_k_matches_brute_force_argsort(with_ties):
    g = torch.Generator().manual_seed(1)
    scores = torch.randn(300, 17, generator=g)
    if with_ties:  # ReLU-like columns: many exact zeros, and a column that is zero everywhere
        scores = scores.clamp_min(1.2)
        scores[:, 3] = 0.0
    idx_ref, val_ref = _brute_top_k(scores, 10)
    for chunk in (1 << 22, 300 * 4):  # one chunk, and several chunks of 4 columns
        vals, idx = S.top_k(scores, 10, chunk_elements=chunk)
        assert idx.shape == (17, 10)
        np.testing.assert_array_equal(idx.numpy(), idx_ref)
        np.testing.assert_array_equal(vals.numpy(), val_ref)


def test_top_k_units_and_directions_agree_with_the_natural_basis():
    g = torch.Generator().manual_seed(2)
    acts = torch.randn(200, 12, generator=g).relu()
    units = [0, 5, 11]
    v1, i1 = S.top_k_units(acts, units, 7)
    v2, i2 = S.top_k_directions(acts, torch.eye(12)[units], 7)
    assert torch.equal(i1, i2) and torch.equal(v1, v2)
    d = S.random_directions(4, 12, seed=0)
    _, i3 = S.top_k_directions(acts, d, 7)
    ref, _ = _brute_top_k(acts @ d.T, 7)
    np.testing.assert_array_equal(i3.numpy(), ref)


def test_top_k_rejects_bad_input():
    with pytest.raises(ValueError, match="k="):
        S.top_k(torch.zeros(5, 2), 6)
    with pytest.raises(ValueError, match="NaN"):
        S.top_k(torch.tensor([[float("nan")], [1.0]]), 1)
    with pytest.raises(ValueError, match="directions must be"):
        S.top_k_directions(torch.zeros(5, 3), torch.zeros(2, 4), 1)
    with pytest.raises(ValueError, match="unit indices"):
        S.top_k_units(torch.zeros(5, 3), [3], 1)


# ------------------------------------------------------------------ random directions and subsets


def test_random_directions_are_unit_norm_and_seeded():
    a = S.random_directions(50, 64, seed=3)
    assert a.shape == (50, 64) and a.dtype == torch.float32
    torch.testing.assert_close(a.norm(dim=1), torch.ones(50))
    assert torch.equal(a, S.random_directions(50, 64, seed=3))
    assert not torch.allclose(a, S.random_directions(50, 64, seed=4))
    # the first directions do not depend on how many are drawn
    assert torch.equal(a[:10], S.random_directions(10, 64, seed=3))
    # roughly isotropic: the mean of many directions is near 0
    assert S.random_directions(4000, 8, seed=0).mean(0).abs().max() < 0.05


def test_random_subsets_have_distinct_members_and_are_seeded():
    s = S.random_subsets(30, 10, 200, seed=0)
    assert s.shape == (200, 10) and s.min() >= 0 and s.max() < 30
    assert all(len(set(row.tolist())) == 10 for row in s)
    assert torch.equal(s, S.random_subsets(30, 10, 200, seed=0))
    assert not torch.equal(s, S.random_subsets(30, 10, 200, seed=1))
    # every image is equally likely: each is drawn about 200 * 10 / 30 times
    counts = torch.bincount(s.flatten(), minlength=30).float()
    assert (counts - 200 * 10 / 30).abs().max() < 30


# ------------------------------------------------------------------ coherence scores


def test_label_purity_of_hand_made_sets():
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 3, 3, 3, 3])
    sets = torch.tensor([
        [0, 1, 2, 3],  # 0 0 0 1 -> 3/4, label 0
        [3, 4, 5, 6],  # 1 1 2 3 -> 2/4, label 1
        [6, 7, 8, 9],  # all 3   -> 1,   label 3
        [0, 3, 5, 6],  # 0 1 2 3 -> 1/4, tie: lowest label 0
        [5, 6, 7, 3],  # 2 3 3 1 -> 2/4, label 3
    ])
    purity, majority = S.label_purity(labels, sets)
    torch.testing.assert_close(purity, torch.tensor([0.75, 0.5, 1.0, 0.25, 0.5], dtype=torch.float64))
    assert majority.tolist() == [0, 1, 3, 0, 3]
    with pytest.raises(ValueError, match="non-negative"):
        S.label_purity(torch.tensor([-1, 0]), torch.tensor([[0, 1]]))


@pytest.mark.parametrize("center", [False, True])
def test_mean_pairwise_cosine_matches_brute_force(center):
    g = torch.Generator().manual_seed(5)
    f = torch.randn(40, 6, generator=g).relu()
    f[7] = 0.0  # a zero vector (counts as cosine 0 with everything when not centred)
    sets = torch.tensor([[0, 1, 2, 3], [7, 8, 9, 10], [11, 12, 13, 14]])
    g64 = f.double() - (f.double().mean(0) if center else 0)
    ref = []
    for row in sets.tolist():
        cs = []
        for i, j in itertools.combinations(row, 2):
            ni, nj = g64[i].norm(), g64[j].norm()
            cs.append(0.0 if ni == 0 or nj == 0 else float(g64[i] @ g64[j] / (ni * nj)))
        ref.append(np.mean(cs))
    np.testing.assert_allclose(S.mean_pairwise_cosine(f, sets, center=center).numpy(), ref, atol=1e-12)
    same = torch.ones(5, 3)
    assert float(S.mean_pairwise_cosine(same, torch.tensor([[0, 1, 2]]), center=False)) == pytest.approx(1.0)


def test_activity_masks_find_dead_and_underactive_units():
    acts = torch.zeros(20, 4)
    acts[:, 1] = torch.arange(20.0)  # varies on every image
    acts[:3, 2] = 1.0  # above its minimum on 3 images only
    acts[:, 3] = 0.5  # constant but not zero: dead too
    m = S.activity_masks(acts, k=5)
    assert m["dead"].tolist() == [True, False, False, True]
    assert m["underactive"].tolist() == [True, False, True, True]
    assert m["usable"].tolist() == [False, True, False, False]
    assert S.activity_masks(acts, k=3)["usable"].tolist() == [False, True, True, False]


# ------------------------------------------------------------------ statistics


def _class_units(n_per_class=200, n_classes=10, units_per_class=5, seed=0):
    """Synthetic activations where every unit IS special: unit j fires (ReLU) for class j % n_classes."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n_classes).repeat_interleave(n_per_class)
    n_units = n_classes * units_per_class
    onehot = torch.nn.functional.one_hot(labels, n_classes).float()
    pre = 2.0 * onehot[:, torch.arange(n_units) % n_classes] + torch.randn(len(labels), n_units, generator=g) - 1.0
    return pre.relu(), labels


def test_statistics_detect_special_units():
    acts, labels = _class_units()
    r = S.unit_vs_random(acts, labels, k=10, n_directions=100, seed=0, n_permutations=2000, n_bootstrap=500)
    c = r.comparisons["purity"]
    assert c.mean_units > 0.9 and c.mean_units > c.mean_random + 0.2
    assert c.p_permutation == pytest.approx(1 / 2001)  # no permutation reaches the observed difference
    assert c.p_mann_whitney < 1e-6 and c.rank_biserial > 0.6
    assert 0 < c.ci_low < c.difference < c.ci_high
    # a random rotation of the same activations takes the units' advantage away
    q, _ = torch.linalg.qr(torch.randn(acts.shape[1], acts.shape[1], generator=torch.Generator().manual_seed(9)))
    rot = S.unit_vs_random(acts @ q, labels, k=10, n_directions=100, seed=0, n_permutations=2000, n_bootstrap=500)
    assert abs(rot.comparisons["purity"].rank_biserial) < 0.25
    assert rot.comparisons["purity"].p_permutation > 0.01


def test_statistics_find_nothing_in_rotation_invariant_gaussian_activations():
    """Class means and noise are isotropic Gaussians: units and random directions are exchangeable."""
    ps, rs = [], []
    for seed in range(5):
        g = torch.Generator().manual_seed(100 + seed)
        labels = torch.arange(10).repeat_interleave(100)
        means = torch.randn(10, 80, generator=g)
        acts = means[labels] + 1.5 * torch.randn(len(labels), 80, generator=g)
        r = S.unit_vs_random(acts, labels, k=10, n_directions=80, seed=seed, n_permutations=1000, n_bootstrap=300)
        c = r.comparisons["purity"]
        assert c.mean_units > 0.2 and c.mean_random > 0.2  # both above chance (0.1 for balanced classes)
        ps.append(c.p_permutation)
        rs.append(c.rank_biserial)
        assert c.ci_low < 0.1 and c.ci_high > -0.1
    assert np.median(ps) > 0.1, ps
    assert max(abs(r) for r in rs) < 0.3, rs


def test_pooled_view_scores_channels_and_random_channel_mixtures():
    g = torch.Generator().manual_seed(4)
    maps = torch.randn(60, 5, 3, 3, generator=g).relu()
    dirs = S.random_directions(7, 5, seed=0)
    pooled = S.pooled_projections(maps, dirs, "max", chunk_elements=100)  # several chunks
    brute = torch.stack([torch.einsum("nchw,c->nhw", maps, v).flatten(1).amax(1) for v in dirs], 1)
    torch.testing.assert_close(pooled, brute)
    # a one-hot mixture is the channel itself: the same as the channel-max units
    torch.testing.assert_close(S.pooled_projections(maps, torch.eye(5), "max"), S.reduce_units(maps, "max"))
    torch.testing.assert_close(S.pooled_projections(maps, dirs, "mean"), S.reduce_units(maps, "mean") @ dirs.T)
    labels = torch.arange(60) % 3
    r = S.unit_vs_random(maps, labels, k=4, n_directions=7, seed=0, pool="max", n_baseline=10,
                         n_permutations=50, n_bootstrap=20)
    assert r.n_units_total == 5 and r.directions.shape == (7, 5)
    assert torch.equal(r.units.indices, S.top_k(S.reduce_units(maps, "max"), 4)[1])
    assert torch.equal(r.random.indices, S.top_k(brute, 4)[1])
    with pytest.raises(ValueError, match="map"):
        S.unit_vs_random(maps.flatten(1), labels, pool="max")
    with pytest.raises(ValueError, match=r"\[D, 5\]"):
        S.pooled_projections(maps, torch.ones(2, 4))


# ------------------------------------------------------------------ activations, selection rules, figures


def test_layer_activations_of_the_cnn():
    torch.manual_seed(0)
    model = models.MnistCNN().eval()
    x = torch.rand(23, 784)
    a = S.layer_activations(model, x, "conv2", batch_size=7)
    assert a.shape == (23, 32 * 4 * 4)
    torch.testing.assert_close(a, model.hidden(x)["conv2"].flatten(1))
    assert S.layer_activations(model, x, "conv2", reduce="max").shape == (23, 32)
    assert S.layer_activations(model, x, "conv2", reduce="none").shape == (23, 32, 4, 4)
    assert S.layer_activations(model, x, "fc1", reduce="max").shape == (23, 100)  # fc layers: unchanged
    with pytest.raises(ValueError, match="conv1.*conv2.*fc1"):
        S.layer_activations(model, x, "fc2")
    assert S.describe_unit(3 * 16 + 6, (32, 4, 4)) == "ch 3 @ (1, 2)"
    assert S.describe_unit(7, (100,)) == "unit 7"


def test_selection_rules():
    acts = torch.tensor([[0.0, 1.0, 5.0], [0.0, -1.0, -5.0], [0.0, 2.0, 0.0]])
    assert S.select_by_variance(acts, 2).tolist() == [2, 1]
    assert S.select_by_variance(acts, 1, candidates=[0, 1]).tolist() == [1]
    scores = torch.tensor([0.5, 0.9, 0.1, 0.7, 0.3])
    assert S.select_by_quantiles(scores, 3).tolist() == [1, 0, 2]  # best, median, worst
    assert S.select_by_quantiles(scores, 5).tolist() == [1, 3, 0, 4, 2]


def test_unit_vs_random_result_and_figure():
    from matplotlib.figure import Figure

    acts, labels = _class_units(n_per_class=40, units_per_class=2)
    acts[:, 4] = 0.0  # a dead unit is reported and left out
    pixels = torch.rand(len(labels), 784)
    r = S.unit_vs_random(acts, labels, k=10, n_directions=30, seed=0, features={"pixels": pixels, "layer": acts},
                         n_baseline=100, n_permutations=200, n_bootstrap=100)
    assert 4 not in r.units.ids.tolist() and bool(r.dead[4])
    assert r.units.indices.shape == (19, 10) and r.random.indices.shape == (30, 10)
    assert set(r.comparisons) == {"purity", "cosine (pixels)", "cosine (layer)"}
    assert r.baseline.scores["purity"].mean() < r.units.scores["purity"].mean()
    assert abs(float(r.baseline.scores["cosine (pixels)"].mean())) < 0.05  # centred: random sets score ~0
    assert "1 dead" in r.exclusion_note()
    table = r.table()
    assert list(table.index) == ["purity", "cosine (pixels)", "cosine (layer)"]
    assert "rank-biserial" in r.comparisons["purity"].summary()
    idx, row_labels = S.figure_rows(r, "unit", 4, rule="quantiles")
    assert idx.shape == (4, 10) and row_labels[0].startswith("unit ")
    # purity labels are exact: "<majority label>: <count>/<k>", and agree with the sets shown
    for rows, lab in zip(idx, row_labels):
        counts = torch.bincount(labels[rows], minlength=10)
        assert lab.split("\n")[1] == f"{int(counts.argmax())}: {int(counts.max())}/10"
    names = [f"class {c}" for c in range(10)]
    assert S.figure_rows(r, "unit", 1, class_names=names)[1][0].split("\n")[1].startswith("class ")
    assert S.figure_rows(r, "unit", 1, score="cosine (pixels)")[1][0].split("\n")[1].startswith("cosine (pixels) ")
    summary = S.summary_table({"toy": r, "toy again": r}, scores=["purity", "cosine (pixels)"])
    assert list(summary.index) == [("toy", "purity"), ("toy", "cosine (pixels)"),
                                   ("toy again", "purity"), ("toy again", "cosine (pixels)")]
    row = summary.loc[("toy", "purity")]
    c = r.comparisons["purity"]
    assert row["units analysed"] == "19 of 20" and row["units"] == f"{c.mean_units:.3f}"
    assert row["p (permutation)"] == S.format_p(c.p_permutation, 200)
    assert all(isinstance(v, str) for v in summary.to_numpy().ravel())
    with pytest.raises(ValueError, match="empty"):
        S.summary_table({})
    idx_v, _ = S.figure_rows(r, "unit", 3, rule="variance", acts=acts)
    assert idx_v.shape == (3, 10)
    idx_r, labels_r = S.figure_rows(r, "random", 4, rule="first")
    assert torch.equal(idx_r, r.random.indices[:4]) and labels_r[0].startswith("direction 0")
    fig = plots.units.plot_top_images(pixels, idx, row_labels, title="units")
    assert isinstance(fig, Figure) and len(fig.axes) == 40
    assert fig.axes[0].get_ylabel() == row_labels[0]
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    with pytest.raises(ValueError, match="row labels"):
        plots.units.plot_top_images(pixels, idx, row_labels[:2])


# ------------------------------------------------------------------ the ImageNet path


def _write_images(folder, n, seed, size=(40, 36)):
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / f"img_{i:02d}.png")


@pytest.fixture(scope="module")
def alexnet_random():
    from intriguing.alexnet import torchvision_alexnet

    torch.manual_seed(0)
    return torchvision_alexnet(pretrained=False, device="cpu")


def test_imagenet_path_end_to_end(tmp_path, alexnet_random):
    from matplotlib.figure import Figure

    for c, name in enumerate(["n01440764", "n02102040", "n03000684"]):
        _write_images(tmp_path / name, 4, seed=c)
    (tmp_path / "n03000684" / "notes.txt").write_text("not an image")
    images, acts, r = imagenet.units_vs_random_imagenet(
        tmp_path, "fc7", model=alexnet_random, image_size=64, k=3, n_directions=5, batch_size=5,
        n_baseline=20, n_permutations=100, n_bootstrap=50,
    )
    assert len(images) == 12 and images.classes == ["n01440764", "n02102040", "n03000684"]
    assert images.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert acts.shape == (12, 4096) and (acts >= 0).all()
    # the hook read fc7: the same numbers as running the network up to classifier[5]
    x = torch.stack([images[i][0] for i in range(12)])
    m = alexnet_random
    with torch.no_grad():
        ref = m.classifier[:6](torch.flatten(m.avgpool(m.features(x)), 1))
    torch.testing.assert_close(acts, ref)
    assert set(r.comparisons) == {"purity", "cosine (layer)"}
    assert r.random.indices.shape == (5, 3)
    assert ((r.units.scores["purity"] >= 1 / 3) & (r.units.scores["purity"] <= 1)).all()
    shown = images.display(0)
    assert shown.shape == (3, 64, 64) and 0 <= shown.min() and shown.max() <= 1
    idx, labels = S.figure_rows(r, "unit", 2)
    fig = plots.units.plot_top_images(images.display, idx, labels)
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert fig.axes[0].images[0].get_array().shape == (64, 64, 3)
    conv = imagenet.imagenet_activations(m, images, "conv5", reduce="max")[0]
    assert conv.shape == (12, 256)
    assert imagenet.class_names(images, [2, -1]) == ["n03000684", "?"]


def test_imagenet_report_as_chapter_2_calls_it(tmp_path, alexnet_random):
    """The chapter's ImageNet branch (IMAGENET_DIR set) is this one call; here on a generated folder."""
    from matplotlib.figure import Figure

    classes = ["n01440764", "n02102040"]
    for c, name in enumerate(classes):
        _write_images(tmp_path / name, 5, seed=10 + c)
    rep = imagenet.units_vs_random_report(
        tmp_path, "conv5", model=alexnet_random, n_rows=3, image_size=64, k=3, n_directions=6, seed=1,
        reduce="max", n_baseline=20, n_permutations=100, n_bootstrap=50,
    )
    assert rep.score == "purity" and rep.acts.shape == (10, 256)
    assert list(rep.table.index) == [("AlexNet conv5", "purity"), ("AlexNet conv5", "cosine (layer)")]
    assert set(rep.figures) == {"unit", "random"}
    for fig in rep.figures.values():
        assert isinstance(fig, Figure) and len(fig.axes) == 3 * 3
        assert fig.axes[0].get_ylabel().split("\n")[1].split(":")[0] in classes
        assert fig.axes[0].images[0].get_array().shape == (64, 64, 3)
    with pytest.raises(ValueError, match="n_rows"):
        imagenet.units_vs_random_report(tmp_path, model=alexnet_random, n_rows=0)


def test_imagenet_flat_folder_has_no_labels(tmp_path, alexnet_random):
    _write_images(tmp_path, 6, seed=3)
    images, acts, r = imagenet.units_vs_random_imagenet(
        tmp_path, "conv5", model=alexnet_random, image_size=64, k=3, n_directions=4, reduce="flatten",
        n_baseline=10, n_permutations=50, n_bootstrap=20,
    )
    assert images.labels.tolist() == [-1] * 6 and images.classes == []
    assert acts.shape[0] == 6 and acts.shape[1] % 256 == 0
    assert set(r.comparisons) == {"cosine (layer)"}
    assert len(imagenet.ImageSet(tmp_path, image_size=64, limit=3)) == 3


def test_imagenet_errors_say_what_to_supply(tmp_path):
    with pytest.raises(imagenet.ImageNetSetupError, match="does not exist.*ImageFolder layout"):
        imagenet.list_images(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(imagenet.ImageNetSetupError, match="no images"):
        imagenet.list_images(tmp_path / "empty")
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.txt").write_text("x")
    with pytest.raises(imagenet.ImageNetSetupError, match="no images"):
        imagenet.ImageSet(tmp_path / "text")
    with pytest.raises(ValueError, match="layer 'fc9'"):
        imagenet.layer_module(torch.nn.Sequential(torch.nn.Linear(2, 2)), "fc9")
    # the AlexNet weights' own errors: tests/test_imagenet_route.py (intriguing.alexnet loads them)


# ------------------------------------------------------------------ figures fit the book's column


def _font_sizes(fig) -> list[float]:
    from matplotlib.text import Text

    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def test_plot_top_images_fits_the_column_and_outlines_windows():
    from matplotlib.patches import Rectangle

    pixels = torch.rand(60, 784, generator=torch.Generator().manual_seed(0))
    idx = torch.arange(50).reshape(5, 10)
    labels = [f"ch {c} @ (0, 2)\n8: 7/10" for c in range(5)]
    title = "CNN conv2: top-10 test images of 5 units (rows: quantiles of purity, best first) " * 2
    windows = [(0, 4, 16, 16), None, (8, 8, 16, 16), None, None]
    fig = plots.units.plot_top_images(pixels, idx, labels, title=title, windows=windows, cell=2.0)
    assert fig.get_size_inches()[0] <= plots.WIDTH + 1e-9
    assert plots.png_width(fig) <= plots.COLUMN_PX
    assert min(_font_sizes(fig)) >= plots.MIN_FONT
    assert "\n" in fig._suptitle.get_text()  # the long title was wrapped, not cut or overflowing
    assert len(fig.axes) == 50 and fig.axes[10].get_ylabel() == labels[1]
    boxes = [[p for p in ax.patches if isinstance(p, Rectangle)] for ax in fig.axes]
    assert [len(b) for b in boxes] == [1] * 10 + [0] * 10 + [1] * 10 + [0] * 20
    assert boxes[20][0].get_xy() == (7.5, 7.5) and boxes[20][0].get_width() == 16
    # rows stay in order top to bottom, images left to right, all the same size
    pos = [ax.get_position() for ax in fig.axes]
    assert pos[0].y0 > pos[10].y0 and pos[0].x0 < pos[1].x0
    assert len({round(p.width, 9) for p in pos}) == 1
    # a small grid keeps the requested cell size
    small = plots.units.plot_top_images(pixels, idx[:2, :3], cell=0.5)
    assert abs(small.axes[0].get_position().width * small.get_size_inches()[0] - 0.5) < 1e-9
    with pytest.raises(ValueError, match="windows"):
        plots.units.plot_top_images(pixels, idx, labels, windows=windows[:2])
    with pytest.raises(ValueError, match="fewer images per row"):
        plots.units.plot_top_images(pixels, torch.zeros(1, 40, dtype=torch.long), ["a label"])


def _direction_scores(layers: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {f"layer {i}": {"units": rng.integers(1, 11, 40) / 10, "random directions": rng.integers(2, 11, 60) / 10,
                           "random k-subsets": rng.integers(1, 5, 60) / 10} for i in range(layers)}


@pytest.mark.parametrize("layers", [5, 6])
def test_purity_histograms_one_panel_per_layer_within_the_column(layers):
    import intriguing.plots.directions as D
    scores = _direction_scores(layers)
    fig = D.purity_histograms(scores, k=10)
    used = [ax for ax in fig.axes if ax.axison]
    assert len(used) == layers and [ax.get_title() for ax in used] == list(scores)
    assert all(len(ax.lines) == 3 for ax in used)
    first = used[0].lines[0]  # units of layer 0: shares at 0.1 ... 1.0 that sum to 1
    assert np.allclose(first.get_xdata(), np.arange(1, 11) / 10) and abs(first.get_ydata().sum() - 1) < 1e-9
    expected = np.bincount(np.rint(scores["layer 0"]["units"] * 10).astype(int) - 1, minlength=10) / 40
    assert np.allclose(first.get_ydata(), expected)
    tallest = max(line.get_ydata().max() for ax in used for line in ax.lines)
    assert used[-1].get_ylim()[1] >= tallest  # nothing cut at the top of a shared axis
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + fig.legends
    assert len(legends) == 1 and [t.get_text() for t in legends[0].get_texts()] == list(scores["layer 0"])
    assert fig.get_size_inches()[0] <= plots.WIDTH + 1e-9 and plots.png_width(fig) <= plots.COLUMN_PX
    assert min(_font_sizes(fig)) >= plots.MIN_FONT


def test_cosine_violins_and_bad_input():
    import intriguing.plots.directions as D
    rng = np.random.default_rng(1)
    scores = {f"model {i}": {"units": rng.normal(0.3, 0.1, 50), "random directions": torch.randn(80) * 0.1 + 0.3,
                             "random k-subsets": rng.normal(0, 0.02, 80)} for i in range(5)}
    fig = D.cosine_violins(scores)
    (ax,) = fig.axes
    assert len(ax.collections) == 15  # one violin per layer and group
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"model\n{i}" for i in range(5)]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["units", "random directions", "random k-subsets"]
    assert fig.get_size_inches()[0] <= plots.WIDTH + 1e-9 and plots.png_width(fig) <= plots.COLUMN_PX
    assert min(_font_sizes(fig)) >= plots.MIN_FONT
    with pytest.raises(ValueError, match="non-empty"):
        D.cosine_violins({})
    with pytest.raises(ValueError, match="1-D"):
        D.cosine_violins({"a": {"units": np.zeros((3, 2))}})
    with pytest.raises(ValueError, match="finite"):
        D.purity_histograms({"a": {"units": np.array([0.5, np.nan])}})
    with pytest.raises(ValueError, match=r"\[1/10, 1\]"):
        D.purity_histograms({"a": {"units": np.array([0.5, 1.5])}}, k=10)
