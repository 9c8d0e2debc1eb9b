"""Tests of intriguing.lipschitz and intriguing.alexnet: every bound against brute force (float64)."""

from __future__ import annotations

import math

import intriguing  # noqa: F401  (pins the numerical environment before torch)
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from intriguing import lipschitz as L
from intriguing.alexnet import load_alexnet, paper_alexnet, torchvision_alexnet
from intriguing.lipschitz.norms import _pair
from intriguing.runtime import seeded

D64 = torch.float64


def _rand(*shape, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=D64)


# ---------------------------------------------------------------- Fourier formula (eq. 2)


@pytest.mark.parametrize(
    "d, c, k, grid",
    [(3, 2, 3, 8), (4, 3, 5, 9), (2, 2, 7, 5), (5, 1, 3, (6, 10)), (1, 4, 2, 7)],
)
def test_fourier_equals_dense_svd_circular_stride1(d, c, k, grid):
    w = _rand(d, c, k, k, seed=d * 100 + k)
    n = _pair(grid, "grid")
    exact = L.dense_operator_norm(L.conv_operator(w, 1, circular=True), (c, *n), like=w)
    assert torch.allclose(L.conv_fourier_norm(w, grid), exact, rtol=1e-10)


@pytest.mark.parametrize(
    "d, c, k, grid, stride",
    [(3, 2, 3, 8, 2), (4, 3, 5, 9, 3), (2, 3, 4, 6, 2), (3, 2, 11, 12, 3), (5, 2, 3, 12, (2, 3)), (2, 2, 3, 12, 4)],
)
def test_fourier_strided_matches_bruteforce(d, c, k, grid, stride):
    w = _rand(d, c, k, k, seed=k + 7)
    n = _pair(grid, "grid")
    exact = L.dense_operator_norm(L.conv_operator(w, stride, circular=True), (c, *n), like=w)
    got = L.conv_fourier_norm(w, grid, stride)
    assert torch.allclose(got, exact, rtol=1e-10)
    # the printed Δ^-2 would be wrong by a factor Δ: make sure the test would see it
    s = math.prod(_pair(stride, "stride"))
    assert not torch.allclose(got / math.sqrt(s), exact, rtol=1e-3)


def test_fourier_spectrum_shape_symmetry_and_methods():
    w = _rand(4, 3, 3, 3, seed=3)
    spec = L.conv_fourier_spectrum(w, (12, 10), (2, 1))
    assert spec.shape == (6, 10)
    # real kernel: σ(k) = σ(-k)
    flipped = spec[(-torch.arange(6)) % 6][:, (-torch.arange(10)) % 10]
    assert torch.allclose(spec, flipped, rtol=1e-12)
    by_svd = L.conv_fourier_spectrum(w, (12, 10), (2, 1), method="svd")
    assert torch.allclose(spec, by_svd, rtol=1e-10)
    # tiny chunks give the same numbers as one chunk
    assert torch.allclose(spec, L.conv_fourier_spectrum(w, (12, 10), (2, 1), max_chunk_bytes=1), rtol=1e-12)


@pytest.mark.parametrize(
    "k, h, stride, pad",
    [(3, 8, 1, 1), (5, 9, 2, 2), (3, 10, 3, 0), (11, 23, 4, 0), (5, 7, 1, 0), (3, 9, 2, 3)],
)
def test_fourier_bound_dominates_zero_padded_dense(k, h, stride, pad):
    w = _rand(3, 2, k, k, seed=k * 13 + h)
    exact = L.dense_operator_norm(L.conv_operator(w, stride, pad), (2, h, h), like=w)
    bound = L.conv_fourier_bound(w, h, stride, pad)
    assert bound >= exact * (1 - 1e-12)
    # a finer grid (multiple of the stride) is also a bound
    g = L.safe_grid(h, k, stride, pad)
    fine = L.conv_fourier_bound(w, h, stride, pad, grid=(4 * g[0], 4 * g[1]))
    assert fine >= exact * (1 - 1e-12)


def test_fourier_bound_is_nearly_exact_on_a_large_input():
    # the looseness of a zero-padded layer's bound shrinks with the input size (edge effects)
    w = _rand(2, 1, 3, 3, seed=21)
    exact = L.dense_operator_norm(L.conv_operator(w, 1, 1), (1, 30, 30), like=w)
    bound = L.conv_fourier_bound(w, 30, 1, 1)
    assert exact <= bound <= 1.02 * exact


def test_circular_norm_on_input_grid_can_be_below_zero_padded_norm():
    # why conv_fourier_bound refuses grids below safe_grid: the circular layer on the input grid is no bound
    found = False
    for seed in range(20):
        w = _rand(1, 1, 3, 3, seed=seed)
        zero = L.dense_operator_norm(L.conv_operator(w, 1, 1), (1, 6, 6), like=w)
        if L.conv_fourier_norm(w, 6) < zero * (1 - 1e-9):
            found = True
            break
    assert found
    with pytest.raises(ValueError, match="smaller than"):
        L.conv_fourier_bound(w, 6, 1, 1, grid=6)


def test_bad_grid_and_weight_raise():
    w = _rand(2, 2, 3, 3)
    with pytest.raises(ValueError, match="does not divide"):
        L.conv_fourier_norm(w, 9, 2)
    with pytest.raises(ValueError, match="4-D"):
        L.conv_fourier_norm(w[0], 8)
    with pytest.raises(ValueError, match="kernel"):
        L.safe_grid(2, 5, 1, 0)
    assert L.safe_grid(227, 11, 4, 0) == (228, 228)
    assert L.safe_grid(13, 3, 1, 1) == (15, 15)


# ---------------------------------------------------------------- power iteration, Lanczos, fc_norm


def test_power_iteration_below_exact_and_converges():
    w = _rand(4, 3, 3, 3, seed=11)
    op = L.conv_operator(w, 2, 1)
    shape = (3, 8, 8)
    exact = float(L.dense_operator_norm(op, shape, like=w))
    values = [
        L.power_iteration(op, shape, like=w, tol=1e-300, max_iter=it, seed=5).value for it in (1, 2, 4, 8, 16, 32)
    ]
    assert all(v <= exact * (1 + 1e-12) for v in values)
    assert all(b >= a * (1 - 1e-12) for a, b in zip(values, values[1:]))  # monotone
    est = L.power_iteration(op, shape, like=w, tol=1e-13, max_iter=20000, seed=5)
    assert est.converged and est.rel_change < 1e-13
    assert est.value <= exact * (1 + 1e-12)
    assert abs(est.value - exact) / exact < 1e-6
    # the explicit adjoint (conv_transpose) gives the same as the autograd one
    adj = lambda u: torch.nn.grad.conv2d_input((1, *shape), w, u, stride=2, padding=1)  # noqa: E731
    est2 = L.power_iteration(op, shape, like=w, adjoint=adj, tol=1e-13, max_iter=20000, seed=5)
    assert abs(est2.value - est.value) < 1e-9 * exact


def test_lanczos_below_exact_and_accurate():
    w = _rand(5, 4, 5, 5, seed=12)
    op = L.conv_operator(w, 1, 2)
    shape = (4, 9, 9)
    exact = float(L.dense_operator_norm(op, shape, like=w))
    for it in (2, 5, 10):
        assert L.lanczos_norm(op, shape, like=w, max_iter=it, rtol=1e-300).value <= exact * (1 + 1e-12)
    est = L.lanczos_norm(op, shape, like=w, rtol=1e-10)
    assert est.converged and abs(est.value - exact) / exact < 1e-9


@pytest.mark.parametrize("shape", [(10, 30), (64, 17), (300, 700), (700, 600)])
def test_fc_norm_equals_matrix_norm(shape):
    w = _rand(*shape, seed=shape[0])
    ref = torch.linalg.matrix_norm(w, ord=2)
    assert torch.allclose(L.fc_norm(w), ref, rtol=1e-12)
    assert torch.allclose(L.fc_norm(w, method="lanczos", rtol=1e-12), ref, rtol=1e-9)
    with pytest.raises(ValueError, match="2-D"):
        L.fc_norm(w[0])


# ---------------------------------------------------------------- max pooling


def _bruteforce_overlap(h, w, **pool):
    """Windows sharing each input position, read off torch's own pooling: spike one position at a time."""
    best = 0
    for i in range(h * w):
        x = -torch.ones(1, 1, h * w, dtype=D64)
        x[..., i] = 1
        y = F.max_pool2d(x.view(1, 1, h, w), **pool)
        best = max(best, int((y == 1).sum()))
    return best


@pytest.mark.parametrize(
    "pool, size",
    [
        (dict(kernel_size=3, stride=2), (13, 13)),
        (dict(kernel_size=3, stride=2), (27, 27)),
        (dict(kernel_size=2, stride=2), (8, 8)),
        (dict(kernel_size=3, stride=1), (7, 9)),
        (dict(kernel_size=3, stride=2, padding=1), (8, 8)),
        (dict(kernel_size=3, stride=2, ceil_mode=True), (8, 8)),
        (dict(kernel_size=2, stride=1, dilation=2), (7, 7)),
        (dict(kernel_size=(3, 2), stride=(2, 1)), (9, 6)),
    ],
)
def test_maxpool_overlap_matches_bruteforce(pool, size):
    args = dict(pool)
    got = L.maxpool_overlap(args.pop("kernel_size"), args.pop("stride", None), args.pop("padding", 0),
                            args.pop("dilation", 1), input_size=size, ceil_mode=args.pop("ceil_mode", False))
    assert got == _bruteforce_overlap(*size, **pool)
    assert got <= L.maxpool_overlap(pool["kernel_size"], pool.get("stride"), dilation=pool.get("dilation", 1))


def test_maxpool_3x3_stride2_is_2_lipschitz_not_1():
    assert L.maxpool_lipschitz(3, 2) == 2.0 and L.maxpool_lipschitz(2, 2) == 1.0
    pool = lambda x: F.max_pool2d(x, 3, 2)  # noqa: E731
    # attained: one spike shared by four windows moves four outputs
    x, y = torch.zeros(1, 1, 9, 9, dtype=D64), torch.zeros(1, 1, 9, 9, dtype=D64)
    y[0, 0, 4, 4] = 0.3
    ratio = (pool(y) - pool(x)).norm() / (y - x).norm()
    assert ratio == pytest.approx(2.0, rel=1e-12)  # the paper's factor 1 is exceeded
    # never exceeded: Jacobian norms at random points and random difference quotients
    gen = torch.Generator().manual_seed(0)
    for _ in range(20):
        a = torch.randn(1, 1, 9, 9, generator=gen, dtype=D64)
        jac = torch.autograd.functional.jacobian(pool, a).reshape(16, 81)
        assert torch.linalg.matrix_norm(jac, 2) <= 2.0 + 1e-12
        b = a + 0.1 * torch.randn(1, 1, 9, 9, generator=gen, dtype=D64)
        assert (pool(b) - pool(a)).norm() <= 2.0 * (b - a).norm() + 1e-12


# ---------------------------------------------------------------- network bound


def _small_net():
    with seeded(3):
        net = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(4, 3, 3, stride=2), nn.Sigmoid(), nn.Flatten(), nn.Dropout(0.5),
            nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 4),
        )
    return net.double()


def test_network_bound_table_and_product_dominate_empirical():
    net = _small_net()
    res = L.network_lipschitz(net, (2, 11, 11))
    kinds = [r.kind for r in res.rows]
    assert kinds == ["conv", "activation", "maxpool", "conv", "activation", "reshape", "dropout", "linear",
                     "activation", "linear"]
    assert res.certified and not res.flags
    factors = {r.name: r.bound for r in res.rows}
    assert factors["2"] == 2.0 and factors["4"] == 0.25
    assert res.product == pytest.approx(math.prod(r.bound for r in res.rows), rel=1e-12)
    for r in res.rows:
        if r.kind in ("conv", "linear"):
            assert r.exact <= r.bound * (1 + 1e-12)  # each layer's bound holds for the real layer
            assert r.power <= r.exact * (1 + 1e-9) and r.power >= r.exact * (1 - 1e-3)
    x = torch.rand(64, 2, 11, 11, generator=torch.Generator().manual_seed(1), dtype=D64)
    emp = L.empirical_lipschitz(net.eval(), x)
    assert 0 < emp <= res.product
    # difference quotients of the whole net never exceed the product either
    y = x + 0.05 * torch.randn(x.shape, generator=torch.Generator().manual_seed(2), dtype=D64)
    with torch.no_grad():
        q = (net(y) - net(x)).norm(dim=1) / (y - x).flatten(1).norm(dim=1)
    assert float(q.max()) <= res.product


def test_network_walker_modes_copies_and_flags():
    net = _small_net().train()
    w0 = net[0].weight.clone()
    res = L.network_lipschitz(net, (2, 11, 11), power=False, dtype=torch.float32)
    assert net.training and net[0].weight.dtype == D64 and torch.equal(net[0].weight, w0)
    assert math.isnan(res.rows[0].power)
    res64 = L.network_lipschitz(net, (2, 11, 11), power=False)
    assert net.training and all(m.training for m in net)  # eval() during the walk, modes restored after
    assert res.product == pytest.approx(res64.product, rel=1e-5)
    lrn = nn.Sequential(nn.Conv2d(2, 4, 3), nn.LocalResponseNorm(3), nn.Flatten(), nn.Linear(4 * 7 * 7, 2)).double()
    res = L.network_lipschitz(lrn, (2, 9, 9), power=False)
    assert not res.certified and res.rows[1].flagged and math.isnan(res.rows[1].bound)
    assert res.product == pytest.approx(res.rows[0].bound * res.rows[3].bound)


class _TorchvisionLike(nn.Module):
    """features / avgpool / classifier with a functional flatten, like torchvision's AlexNet."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(nn.Linear(12, 5), nn.Tanh(), nn.Linear(5, 3))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def test_network_walker_on_torchvision_style_and_hidden_functional_ops():
    with seeded(0):
        model = _TorchvisionLike().double()
    res = L.network_lipschitz(model, (1, 8, 8))
    assert [r.name for r in res.rows] == ["features.0", "features.1", "features.2", "avgpool", "classifier.0",
                                          "classifier.1", "classifier.2"]
    avg = res.rows[3]
    exact_avg = L.dense_operator_norm(lambda v: F.adaptive_avg_pool2d(v, 2), (1, 4, 4), like=model.classifier[0].weight)
    assert avg.bound >= float(exact_avg) * (1 - 1e-12) and avg.bound == pytest.approx(float(exact_avg), rel=1e-9)

    class Hidden(nn.Module):  # a functional sigmoid the layer list does not show
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 3), nn.Linear(3, 2)])

        def forward(self, x):
            return self.layers[1](torch.sigmoid(self.layers[0](x)))

    with pytest.raises(ValueError, match="does not reproduce"):
        L.network_lipschitz(Hidden().double(), (4,))


def test_network_walker_on_book_models():
    from intriguing.models import build

    with seeded(0):
        mlp, cnn = build("mlp", (784, 20, 10)).double(), build("cnn").double()
    res = L.network_lipschitz(mlp, (784,), power=False)
    assert [r.kind for r in res.rows] == ["linear", "activation", "linear"] and res.rows[1].bound == 0.25
    res = L.network_lipschitz(cnn, (784,), power=False, exact_max_entries=0)
    assert [r.kind for r in res.rows].count("maxpool") == 2  # the shared pool module is walked twice
    assert res.certified


def test_conv_groups_dilation_and_batchnorm_bounds():
    with seeded(1):
        conv = nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2).double()
        bn = nn.BatchNorm2d(6).double().eval()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(-2, 2)
    res = L.network_lipschitz(nn.Sequential(conv, bn), (4, 7, 7), power=False)
    exact = L.dense_operator_norm(lambda v: conv._conv_forward(v, conv.weight, None), (4, 7, 7), like=conv.weight)
    assert exact <= res.rows[0].bound <= 1.5 * exact
    scale = (bn.weight.detach() / (bn.running_var + bn.eps).sqrt()).abs().max()
    assert res.rows[1].bound == pytest.approx(float(scale))


# ---------------------------------------------------------------- empirical constant and certified radius


def test_jacobian_norms_exact_and_power_paths():
    w = _rand(7, 12, seed=4)
    lin = lambda v: v @ w.T  # noqa: E731
    x = _rand(5, 12, seed=5)
    assert torch.allclose(L.jacobian_norms(lin, x), torch.linalg.matrix_norm(w, 2).expand(5), rtol=1e-12)
    net = _small_net().eval()
    x = torch.rand(6, 2, 11, 11, generator=torch.Generator().manual_seed(3), dtype=D64)
    exact = L.jacobian_norms(net, x)
    approx = L.jacobian_norms(net, x, exact_max_out=0, iters=200)
    assert torch.all(approx <= exact * (1 + 1e-9)) and torch.allclose(approx, exact, rtol=1e-4)


def test_certified_radius_is_tight_for_two_class_linear_model():
    # z = W x + b with rows w and -w: the margin z0 - z1 = 2 w·x + (b0 - b1) is exactly √2·||W||-Lipschitz
    wv = _rand(784, seed=6) / 28
    w = torch.stack([wv, -wv])
    b = torch.tensor([0.3, -0.1], dtype=D64)
    x = torch.rand(20, 784, generator=torch.Generator().manual_seed(7), dtype=D64)
    z = x @ w.T + b
    lip = L.fc_norm(w)
    radius = L.certified_radius(z, lip)
    exact_flip = (z[:, 0] - z[:, 1]).abs() / (w[0] - w[1]).norm()  # distance to the decision hyperplane
    assert torch.allclose(radius, exact_flip, rtol=1e-12)
    # just beyond the radius the decision flips; just inside it does not
    pred = z.argmax(1)
    direction = torch.where(pred[:, None] == 0, -1.0, 1.0) * (w[0] - w[1]) / (w[0] - w[1]).norm()
    for factor, flips in ((1 + 1e-6, True), (1 - 1e-6, False)):
        zz = (x + factor * radius[:, None] * direction) @ w.T + b
        assert bool(torch.all((zz.argmax(1) != pred) == flips))
    # a radius twice as large (e.g. forgetting the √2, or using L instead of √2·L) would be violated here
    assert torch.all(2 * radius > exact_flip)
    assert torch.allclose(L.rms_from_l2(radius), radius / 28)


def test_certified_radius_never_above_a_found_flip():
    with seeded(4):
        net = nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 5)).double()
    lip = L.network_lipschitz(net, (20,), power=False).product
    x = torch.randn(40, 20, generator=torch.Generator().manual_seed(5), dtype=D64)
    with torch.no_grad():
        z = net(x)
    radius = L.certified_radius(z, lip)
    pred = z.argmax(1)
    # gradient search: walk along the gradient of the runner-up margin until the decision changes
    found = torch.full((40,), float("inf"), dtype=D64)
    xa = x.clone()
    for _ in range(400):
        xa.requires_grad_(True)
        za = net(xa)
        runner = za.scatter(1, pred[:, None], float("-inf")).argmax(1)
        margin = za.gather(1, pred[:, None])[:, 0] - za.gather(1, runner[:, None])[:, 0]
        (g,) = torch.autograd.grad(margin.sum(), xa)
        with torch.no_grad():
            flipped = za.argmax(1) != pred
            found = torch.where(flipped, torch.minimum(found, (xa - x).norm(dim=1)), found)
            xa = (xa - 0.01 * g / g.norm(dim=1, keepdim=True).clamp_min(1e-12)).detach()
    assert int(torch.isfinite(found).sum()) >= 30  # the search does find flips
    assert torch.all(radius <= found)
    # targeted radii are at least the untargeted one, 0 for the predicted class
    for t in range(5):
        rt = L.certified_radius(z, lip, target=t)
        other = pred != t
        assert torch.all(rt[other] >= radius[other] - 1e-15) and torch.all(rt[~other] == 0)
    with pytest.raises(ValueError, match="positive"):
        L.certified_radius(z, 0.0)


# ---------------------------------------------------------------- AlexNet


def test_paper_alexnet_matches_table5_sizes_and_is_seeded():
    model = paper_alexnet(seed=0)
    convs = [m for m in model if isinstance(m, nn.Conv2d)]
    fcs = [m for m in model if isinstance(m, nn.Linear)]
    assert [tuple(c.weight.shape) for c in convs] == [
        (96, 3, 11, 11), (256, 96, 5, 5), (384, 256, 3, 3), (384, 384, 3, 3), (256, 384, 3, 3)
    ]
    assert [c.stride[0] for c in convs] == [4, 1, 1, 1, 1]
    assert [tuple(f.weight.shape) for f in fcs] == [(4096, 9216), (4096, 4096), (1000, 4096)]
    assert torch.equal(paper_alexnet(seed=0).conv1.weight, model.conv1.weight)
    assert not torch.equal(paper_alexnet(seed=1).conv1.weight, model.conv1.weight)
    with torch.no_grad():
        feats = model[:15](torch.zeros(1, 3, 227, 227))
    assert feats.shape == (1, 256, 6, 6)  # 9216 features into fc6
    bound = 1 / math.sqrt(3 * 11 * 11)
    # torch default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert float(model.conv1.weight.detach().abs().max()) <= bound
    k = paper_alexnet(init="krizhevsky2012")
    assert float(k.conv2.bias.detach()[0]) == 1.0 and float(k.conv1.bias.detach().abs().max()) == 0.0


def test_torchvision_alexnet_imports_and_has_its_own_widths():
    model = torchvision_alexnet(pretrained=False)
    widths = [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert widths == [64, 192, 384, 256, 256]


def test_load_alexnet_standin_is_labelled():
    model, desc, size = load_alexnet("paper-standin", seed=2)
    assert "UNTRAINED" in desc and size == 227
    assert torch.equal(model.conv1.weight, paper_alexnet(seed=2).conv1.weight)
    with pytest.raises(ValueError, match="source"):
        load_alexnet("imagenet")


def test_certified_radius_pairwise_exact_for_linear_and_never_below_plain():
    # linear 4-class model: the pairwise radius is the exact distance to the hyperplane z_j = z_i
    w = _rand(4, 30, seed=11)
    b = _rand(4, seed=12)
    x = _rand(25, 30, seed=13)
    z = x @ w.T + b
    pred = z.argmax(1)
    for t in range(4):
        r = L.certified_radius_pairwise(z, w, 1.0, target=t)
        other = pred != t
        assert torch.all(r[~other] == 0)
        d = w[t] - w[pred[other]]  # direction that raises z_t - z_i fastest
        step = d / d.norm(dim=1, keepdim=True)
        for factor, overtakes in ((1 + 1e-6, True), (1 - 1e-6, False)):
            xx = x[other] + factor * r[other, None] * step
            zz = xx @ w.T + b
            gap = zz[:, t] - zz.gather(1, pred[other, None])[:, 0]
            assert bool(torch.all((gap > 0) == overtakes))
        # never below the plain sqrt(2)·||W|| radius, and strictly above it here
        plain = L.certified_radius(z, L.fc_norm(w), target=t)
        assert torch.all(r[other] >= plain[other] * (1 - 1e-12)) and torch.any(r[other] > 1.01 * plain[other])
    untargeted = L.certified_radius_pairwise(z, w, 1.0)
    per_target = torch.stack([torch.where(pred == t, torch.inf, L.certified_radius_pairwise(z, w, 1.0, target=t))
                              for t in range(4)], 1)
    assert torch.allclose(untargeted, per_target.min(1).values)
    # the feature Lipschitz constant divides the radius
    assert torch.allclose(L.certified_radius_pairwise(z, w, 4.0), untargeted / 4)
    with pytest.raises(ValueError, match="rows"):
        L.certified_radius_pairwise(z, w[:3], 1.0)
    with pytest.raises(ValueError, match="positive"):
        L.certified_radius_pairwise(z, w, -1.0)


# ---------------------------------------------------------------- figures of chapter 5 (intriguing.plots.lipschitz)


def _check_figure(fig, n_axes: int) -> None:
    """Fits the book's column (also as saved with bbox_inches="tight"), has the axes, no text below 8 pt."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from intriguing import plots

    try:
        assert fig.get_figwidth() <= plots.WIDTH + 1e-9
        renderer = fig.canvas.get_renderer()
        assert fig.get_tightbbox(renderer).width <= plots.WIDTH + 1e-9  # nothing sticks out sideways
        assert len([ax for ax in fig.axes if ax.get_visible()]) == n_axes
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip() and t.get_fontsize() < plots.MIN_FONT]
        assert not small, f"text below {plots.MIN_FONT} pt: {small}"
    finally:
        plt.close(fig)


def test_layer_bounds_figure():
    from intriguing.plots import lipschitz as PL

    names = ["Conv. 1", "Conv. 2", "FC. 1"]
    fig = PL.layer_bounds(names, [2.75, 10, 3.12], [1.5, 1.6, 0.9], [1.49, 1.55, 0.9], network="a test net")
    assert len(fig.axes[0].patches) == 3 * len(names)  # three bars per layer
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == names
    _check_figure(fig, 1)
    with pytest.raises(ValueError, match="one value per layer"):
        PL.layer_bounds(names, [1, 2], [1, 2, 3], [1, 2, 3], network="x")
    with pytest.raises(ValueError, match="positive"):
        PL.layer_bounds(names, [1, 2, 3], [1, float("nan"), 3], [1, 2, 3], network="x")


def test_prefix_products_figure():
    from intriguing.plots import lipschitz as PL

    fc = [("linear 784 × 100", 13.0, 13.0), ("Sigmoid", 3.3, 2.3), ("linear 100 × 10", 50.0, 19.0)]
    prefix = {"A": fc, "B": fc[:2], "C": fc + [("ReLU", 50.0, 10.0)]}
    fig = PL.prefix_products(prefix)  # 3 networks, 2 per row: a 2 x 2 grid with one empty cell hidden
    _check_figure(fig, 3)
    first = [ax for ax in fig.axes if ax.get_visible()][0]
    assert [t.get_text() for t in first.get_xticklabels()] == ["784 × 100", "Sigmoid", "100 × 10"]
    assert len(first.lines) == 2 and first.get_yscale() == "log"
    _check_figure(PL.prefix_products(prefix, ncols=1), 3)
    with pytest.raises(ValueError, match="at least one"):
        PL.prefix_products({})
    with pytest.raises(ValueError, match="triples"):
        PL.prefix_products({"A": [("x", 1.0)]})
    with pytest.raises(ValueError, match="positive"):
        PL.prefix_products({"A": [("x", 0.0, 1.0)]})


def test_certified_vs_found_figure():
    import numpy as np

    from intriguing.plots import lipschitz as PL

    rng = np.random.default_rng(0)
    cert = 10 ** rng.uniform(-3, -1, 50)
    per_image = {f"model {i}": (cert, 1.2 * cert, 3 * cert) for i in range(6)}
    fig = PL.certified_vs_found(per_image)
    _check_figure(fig, 2)
    for ax in fig.axes:  # one scatter per model, the two reference lines
        assert len(ax.collections) == 6 and len(ax.lines) == 2
        assert ax.get_xscale() == ax.get_yscale() == "log"
    assert len(fig.legends[0].get_texts()) == 8
    with pytest.raises(ValueError, match="same, non-zero number"):
        PL.certified_vs_found({"m": (cert, cert[:-1], cert)})
    with pytest.raises(ValueError, match="positive"):
        PL.certified_vs_found({"m": (cert - cert, cert, cert)})
    with pytest.raises(ValueError, match="at least one"):
        PL.certified_vs_found({})
