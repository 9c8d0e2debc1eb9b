"""The product bound of a whole network (the paper's Section 4.3), layer by layer.

Walks the layers of a feed-forward model and gives each one its upper Lipschitz constant: the
norms of :mod:`intriguing.lipschitz.norms` for conv and linear layers, the largest slope of each
nonlinearity (:data:`ACTIVATION_SLOPES`), and the exact L2 factor of max pooling
(:func:`maxpool_lipschitz`: 2 for AlexNet's overlapping 3/2 pooling, where the paper says 1).
Explained in chapter 5, "Lipschitz bounds of layers".
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from intriguing.lipschitz.norms import (
    DEFAULT_CHUNK_BYTES,
    _pair,
    conv_fourier_bound,
    conv_fourier_norm,
    dense_operator_norm,
    fc_norm,
    power_iteration,
)

__all__ = [
    "maxpool_overlap",
    "maxpool_lipschitz",
    "ACTIVATION_SLOPES",
    "LayerBound",
    "NetworkBound",
    "network_layers",
    "network_lipschitz",
]


# --------------------------------------------------------------------------------------------
# max pooling and activations
# --------------------------------------------------------------------------------------------


def _pool_counts_1d(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> list[int]:
    """How many pooling windows contain each input position, along one axis (torch's output-size rule)."""
    span = dilation * (kernel - 1) + 1
    num = size + 2 * padding - span
    out = (-(-num // stride) if ceil_mode else num // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:  # torch: last window must start inside
        out -= 1
    counts = [0] * size
    for o in range(out):
        for t in range(kernel):
            i = o * stride - padding + t * dilation
            if 0 <= i < size:
                counts[i] += 1
    return counts


def maxpool_overlap(
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    *,
    input_size: int | Sequence[int] | None = None,
    ceil_mode: bool = False,
) -> int:
    """Largest number of pooling windows that share one input position.

    With ``input_size`` the count is exact for that input (borders included); without it, it is
    the interior count ``ceil(span/stride)`` per axis, which no input size exceeds.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    p = _pair(padding, "padding")
    d = _pair(dilation, "dilation")
    if input_size is None:
        # interior: positions on the dilation lattice are hit by ceil(k·d / s)-ish windows; count on a big line
        per_axis = [
            max(_pool_counts_1d(4 * (kk * dd + ss) + 1, kk, ss, 0, dd, False)) for kk, ss, dd in zip(k, s, d)
        ]
    else:
        h = _pair(input_size, "input_size")
        per_axis = [max(_pool_counts_1d(hh, kk, ss, pp, dd, ceil_mode)) for hh, kk, ss, pp, dd in zip(h, k, s, p, d)]
    return per_axis[0] * per_axis[1]


def maxpool_lipschitz(
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    *,
    input_size: int | Sequence[int] | None = None,
    ceil_mode: bool = False,
) -> float:
    """Exact L2 Lipschitz constant of max pooling: ``sqrt(largest window overlap count)``.

    Max pooling is piecewise linear: on each piece every output copies one input (the arg-max of
    its window), so its Jacobian ``J`` has one 1 per row and ``J^T J`` is diagonal with the number
    of windows whose arg-max is each input. Hence ``||J|| = sqrt(max count) <= sqrt(m)``, with m
    the largest number of windows sharing an input, and this is attained: raise one input shared by
    m windows above all others and it is the arg-max of all m, so a change ``t`` of it moves the
    output by ``t·sqrt(m)``. Non-overlapping pooling (stride >= kernel) gives 1, as the paper says;
    AlexNet's overlapping 3x3 stride-2 pooling shares interior inputs between 2x2 = 4 windows and so
    has constant **2**, not the paper's 1. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    return math.sqrt(
        maxpool_overlap(kernel_size, stride, padding, dilation, input_size=input_size, ceil_mode=ceil_mode)
    )


#: Largest slope (L2 Lipschitz constant) of elementwise nonlinearities, by module class name.
ACTIVATION_SLOPES: dict[str, float] = {
    "ReLU": 1.0,
    "ReLU6": 1.0,
    "Sigmoid": 0.25,  # σ'(0) = 1/4 is the largest slope
    "Tanh": 1.0,
    "Hardtanh": 1.0,
    "Softplus": 1.0,
    "ELU": 1.0,  # for alpha <= 1; checked below
    "GELU": 1.1289,  # max of Φ(x) + x φ(x), at x = sqrt(2), rounded up
    "SiLU": 1.0998,  # max slope of x σ(x), rounded up
    "Identity": 1.0,
    "Dropout": 1.0,  # identity in eval mode
    "Flatten": 1.0,
    "Unflatten": 1.0,
}


# --------------------------------------------------------------------------------------------
# network bound
# --------------------------------------------------------------------------------------------


@dataclass
class LayerBound:
    """One row of the per-layer table of :func:`network_lipschitz`.

    ``bound`` is the certified upper Lipschitz constant used in the product (Fourier formula for a
    conv, operator norm for a linear layer, slope for an activation, sqrt(overlap) for max
    pooling); NaN when the layer is flagged (no bound implemented; see ``note``). ``power`` is the
    power-iteration value of the real layer's linear part and ``exact`` its dense SVD norm (small
    layers only); both NaN where not computed. ``size`` is written in the paper's order
    (``C × k × k × D`` for a conv, ``in × out`` for a linear layer). Explained in chapter 5,
    "Lipschitz bounds of layers".
    """

    index: int
    name: str
    kind: str
    size: str
    stride: int | tuple[int, int] | None
    input_shape: tuple[int, ...]
    grid: tuple[int, int] | None
    bound: float
    power: float = float("nan")
    power_iterations: int = 0
    power_rel_change: float = float("nan")
    exact: float = float("nan")
    seconds: float = 0.0
    flagged: bool = False
    note: str = ""


@dataclass
class NetworkBound:
    """Per-layer table and product bound of :func:`network_lipschitz`.

    ``product`` multiplies the ``bound`` of every unflagged row; it is a certified upper bound on
    the network's L2 Lipschitz constant only when ``certified`` (no flagged row).
    ``product_weights_only`` multiplies conv and linear rows only, the quantity the paper's
    Table 5 implies (it treats every other layer as 1-Lipschitz). Explained in chapter 5,
    "Lipschitz bounds of layers".
    """

    rows: list[LayerBound]
    product: float
    product_weights_only: float
    certified: bool
    flags: list[str] = field(default_factory=list)

    def to_frame(self):
        """The table as a pandas DataFrame (one row per layer)."""
        return pd.DataFrame([asdict(r) for r in self.rows]).set_index("index")


def network_layers(model: nn.Module | Sequence[nn.Module]) -> list[tuple[str, nn.Module]]:
    """The ordered leaf layers of a feed-forward model, with dotted names.

    Accepts a list of modules, a module with ``as_sequential()`` (the book's MNIST models), an
    ``nn.Sequential``, a module whose ``layers`` attribute is an ``nn.Sequential``/``ModuleList``,
    or any other module, whose leaf modules are taken in registration order (torchvision's
    AlexNet). Nested ``nn.Sequential`` containers are flattened. :func:`network_lipschitz` checks
    that running the layers in this order reproduces the model.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if isinstance(model, (list, tuple)):
        items: list[tuple[str, nn.Module]] = [
            m if isinstance(m, tuple) else (str(i), m) for i, m in enumerate(model)
        ]
    elif isinstance(model, nn.Module) and callable(getattr(model, "as_sequential", None)):
        items = _children(model.as_sequential())
    elif isinstance(model, nn.Sequential):
        items = _children(model)
    elif isinstance(model, nn.Module) and isinstance(getattr(model, "layers", None), (nn.Sequential, nn.ModuleList)):
        items = [(f"layers.{n}", m) for n, m in _children(model.layers)]
    elif isinstance(model, nn.Module):
        items = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]
    else:
        raise ValueError(f"network_layers needs an nn.Module or a list of modules, got {type(model).__name__}")
    flat: list[tuple[str, nn.Module]] = []
    for name, m in items:
        if not isinstance(m, nn.Module):
            raise ValueError(f"layer {name!r} is a {type(m).__name__}, not an nn.Module")
        if isinstance(m, (nn.Sequential, nn.ModuleList)):
            flat += [(f"{name}.{n}", mm) for n, mm in network_layers(_children(m))]
        else:
            flat.append((name, m))
    return flat


def _children(seq: nn.Module) -> list[tuple[str, nn.Module]]:
    """Children with their names, repeats included (``named_children`` drops a module used twice)."""
    return [(str(k), m) for k, m in seq._modules.items() if m is not None]


def _dilated_kernel(weight: Tensor, dilation: tuple[int, int]) -> Tensor:
    if dilation == (1, 1):
        return weight
    d, c, k1, k2 = weight.shape
    out = weight.new_zeros(d, c, (k1 - 1) * dilation[0] + 1, (k2 - 1) * dilation[1] + 1)
    out[:, :, :: dilation[0], :: dilation[1]] = weight
    return out


def _conv_bound(m: nn.Conv2d, in_shape: tuple[int, ...], out_shape: tuple[int, ...], **kw) -> tuple[float, tuple, str]:
    """Fourier bound of a Conv2d (any groups, dilation, zero padding incl. 'same'), its grid and a note."""
    h, w = in_shape[-2:]
    ho, wo = out_shape[-2:]
    stride = _pair(tuple(m.stride), "stride")
    dil = _pair(tuple(m.dilation), "dilation")
    weight = _dilated_kernel(m.weight.detach(), dil)
    kh, kw_ = weight.shape[-2:]
    note = ""
    if m.padding_mode == "circular":
        pad = _pair(tuple(m.padding), "padding") if not isinstance(m.padding, str) else None
        exact_circ = (
            pad is not None and h % stride[0] == 0 and w % stride[1] == 0
            and kh == 2 * pad[0] + 1 and kw_ == 2 * pad[1] + 1 and (ho, wo) == (h // stride[0], w // stride[1])
        )
        if not exact_circ:
            raise _Flag(f"circular padding with kernel {tuple(m.kernel_size)}, padding {m.padding} is not a plain "
                        "circular convolution of its input grid: no bound implemented")
        grid = (h, w)
        note = "circular padding: exact norm on the input grid"
    elif m.padding_mode != "zeros":
        raise _Flag(f"padding_mode={m.padding_mode!r} is not linear-isometric: no bound implemented")
    else:
        # the padded extent the outputs actually read, rounded up to the stride
        ext = (stride[0] * (ho - 1) + kh, stride[1] * (wo - 1) + kw_)
        grid = tuple(-(-e // s) * s for e, s in zip(ext, stride))
    g = m.groups
    dout_g = weight.shape[0] // g
    vals = [
        float(conv_fourier_norm(weight[i * dout_g:(i + 1) * dout_g], grid, stride, **kw))
        for i in range(g)
    ]
    if g > 1:
        note = (note + "; " if note else "") + f"{g} groups: max over groups"
    return max(vals), grid, note


class _Flag(Exception):
    """A layer the walker cannot bound: becomes a flagged row."""


def network_lipschitz(
    model: nn.Module | Sequence[nn.Module],
    input_shape: Sequence[int],
    *,
    power: bool = True,
    exact_max_entries: int = 20_000_000,
    tol: float = 1e-6,
    max_iter: int = 1000,
    seed: int = 0,
    dtype: torch.dtype | None = None,
    check: bool = True,
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> NetworkBound:
    """Per-layer Lipschitz bounds of a feed-forward network and their product (the paper's Section 4.3).

    Walks the layers of :func:`network_layers` in order on a probe input of shape
    ``[1, *input_shape]`` (no batch dimension in ``input_shape``) to learn each layer's input size.
    Bounds used in the product:

    * ``nn.Linear``: :func:`fc_norm` (exact);
    * ``nn.Conv2d``: :func:`conv_fourier_bound` on the smallest safe grid (groups: max over groups;
      dilation: the dilated kernel); circular padding is exact on the input grid;
    * ``nn.MaxPool2d``: :func:`maxpool_lipschitz` for the actual input size (2 for 3x3 stride 2;
      the paper uses 1);
    * ``nn.AvgPool2d`` / ``nn.AdaptiveAvgPool2d`` (when the output divides the input): the Fourier
      bound of the equivalent depthwise conv (1 when the pooling is the identity);
    * ``nn.BatchNorm*`` (eval): ``max |γ| / sqrt(var + eps)``;
    * activations: :data:`ACTIVATION_SLOPES` (sigmoid 1/4, ReLU 1, LeakyReLU max(1, |slope|));
      ``nn.Dropout``, ``nn.Flatten``, ``nn.Unflatten``, ``nn.Identity``: 1 (eval mode).

    ``nn.LocalResponseNorm`` and any other module are **flagged**: their row has ``bound=NaN``,
    the product leaves them out and ``certified`` is False. A Linear layer that receives a
    multi-dimensional input is applied to its flattened input (as torchvision's AlexNet does).

    With ``power=True`` the linear layers (conv, linear) also get a power-iteration value of the
    real layer (``tol``, ``max_iter``, ``seed``); and when its dense matrix has at most
    ``exact_max_entries`` entries (and a smaller side of at most 4096), its exact norm. ``dtype``
    (default: the parameters') is the dtype of the computation. ``check=True`` verifies that running the layers in order
    reproduces ``model(x)`` on the probe, and raises ValueError otherwise (for example when the
    model applies a functional activation the layer list does not show).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if dtype is not None:  # compute on a copy: never change the caller's parameters
        model = copy.deepcopy(model)
        model = [m.to(dtype) for m in model] if isinstance(model, (list, tuple)) else model.to(dtype)
    layers = network_layers(model)
    if not layers:
        raise ValueError("the model has no layers to walk")
    shape = tuple(int(s) for s in input_shape)
    params = [p for _, m in layers for p in m.parameters()]
    ref = params[0] if params else torch.zeros(())
    dt = dtype or (ref.dtype if ref.is_floating_point() else torch.float32)
    dev = ref.device
    gen = torch.Generator(device=dev).manual_seed(int(seed))
    x = torch.rand((1, *shape), generator=gen, device=dev, dtype=dt)
    x0 = x

    modes = [(m, m.training) for _, m in layers]
    if isinstance(model, nn.Module):
        modes.append((model, model.training))
    for m, _ in modes:
        m.eval()
    rows: list[LayerBound] = []
    flags: list[str] = []
    try:
        with torch.no_grad():
            for idx, (name, m) in enumerate(layers):
                in_shape = tuple(x.shape[1:])
                if isinstance(m, nn.Linear) and x.ndim > 2:
                    x = x.flatten(1)
                y = m(x)
                t0 = time.perf_counter()
                row = _layer_row(idx, name, m, x, y, in_shape, power=power, tol=tol, max_iter=max_iter, seed=seed,
                                 exact_max_entries=exact_max_entries, max_chunk_bytes=max_chunk_bytes)
                row.seconds = time.perf_counter() - t0
                if row.flagged:
                    flags.append(f"{name} ({row.kind}): {row.note}")
                rows.append(row)
                x = y
            if check and isinstance(model, nn.Module):
                want = model(x0)
                got = x
                if want.shape != got.shape or not torch.allclose(
                    want.reshape(got.shape), got, rtol=1e-4, atol=1e-5 * (1 + float(want.abs().max()))
                ):
                    raise ValueError(
                        "running the layers of network_layers(model) in order does not reproduce model(x): the "
                        "model's forward does something its layer list does not show (a functional activation "
                        "such as torch.sigmoid, a branch, a reshape). Pass an nn.Sequential of the same "
                        "computation (the book's models have as_sequential()), or check=False if you know why."
                    )
    finally:
        for m, mode in modes:
            m.train(mode)
    product = math.prod(r.bound for r in rows if not r.flagged)
    weights_only = math.prod(r.bound for r in rows if r.kind in ("conv", "linear"))
    return NetworkBound(rows, product, weights_only, not flags, flags)


def _layer_row(idx: int, name: str, m: nn.Module, x: Tensor, y: Tensor, in_shape: tuple[int, ...], *, power: bool,
               tol: float, max_iter: int, seed: int, exact_max_entries: int, max_chunk_bytes: int) -> LayerBound:
    """One row of the per-layer table (see :func:`network_lipschitz`)."""
    cls = type(m).__name__
    lin_in = tuple(x.shape[1:])

    def linear_checks(row: LayerBound, op: Callable[[Tensor], Tensor], like: Tensor) -> LayerBound:
        if power:
            est = power_iteration(op, lin_in, like=like, tol=tol, max_iter=max_iter, seed=seed)
            row.power, row.power_iterations, row.power_rel_change = est.value, est.iterations, est.rel_change
        n_in, n_out = math.prod(lin_in), y[0].numel()
        if n_in * n_out <= exact_max_entries and min(n_in, n_out) <= 4096:
            row.exact = float(dense_operator_norm(op, lin_in, like=like, max_entries=exact_max_entries))
        return row

    try:
        if isinstance(m, nn.Linear):
            w = m.weight.detach()
            row = LayerBound(idx, name, "linear", f"{w.shape[1]} × {w.shape[0]}", None, in_shape, None,
                             float(fc_norm(w)), note="flattened input" if len(in_shape) > 1 else "")
            return linear_checks(row, lambda v: F.linear(v, w), w)
        if isinstance(m, nn.Conv2d):
            w = m.weight.detach()
            bound, grid, note = _conv_bound(m, in_shape, tuple(y.shape[1:]), max_chunk_bytes=max_chunk_bytes)
            d, c, k1, k2 = w.shape
            stride = tuple(m.stride)
            row = LayerBound(idx, name, "conv", f"{c * m.groups} × {k1} × {k2} × {d}",
                             stride[0] if stride[0] == stride[1] else stride, in_shape, grid, bound, note=note)
            return linear_checks(row, lambda v: m._conv_forward(v, w, None), w)
        if isinstance(m, nn.MaxPool2d):
            if m.return_indices:
                raise _Flag("return_indices=True changes the output type")
            f = maxpool_lipschitz(m.kernel_size, m.stride, m.padding, m.dilation, input_size=in_shape[-2:],
                                  ceil_mode=m.ceil_mode)
            note = "overlapping windows: paper uses 1" if f > 1 else ""
            size = f"{_pair(m.kernel_size, 'k')}/{_pair(m.stride or m.kernel_size, 's')}"
            return LayerBound(idx, name, "maxpool", size, m.stride, in_shape, None, f, note=note)
        if isinstance(m, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
            return _avgpool_row(idx, name, m, in_shape, tuple(y.shape[1:]), x, max_chunk_bytes)
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if m.running_var is None:
                raise _Flag("batch norm without running statistics")
            scale = (m.running_var + m.eps).rsqrt()
            if m.weight is not None:
                scale = scale * m.weight.detach()
            return LayerBound(idx, name, "batchnorm", str(m.num_features), None, in_shape, None,
                              float(scale.abs().max()))
        if isinstance(m, nn.LeakyReLU):
            return LayerBound(idx, name, "activation", cls, None, in_shape, None, max(1.0, abs(m.negative_slope)))
        if isinstance(m, nn.ELU) and m.alpha > 1:
            return LayerBound(idx, name, "activation", cls, None, in_shape, None, float(m.alpha))
        if cls in ACTIVATION_SLOPES:
            kind = "activation" if cls not in ("Identity", "Dropout", "Flatten", "Unflatten") else "reshape"
            if cls == "Dropout":
                kind = "dropout"
            return LayerBound(idx, name, kind, cls, None, in_shape, None, ACTIVATION_SLOPES[cls])
        if isinstance(m, nn.LocalResponseNorm):
            raise _Flag(
                f"local response normalisation (size={m.size}, alpha={m.alpha}, beta={m.beta}, k={m.k}): no bound "
                "implemented (the paper's ε^-γ bound is for a global normalisation)"
            )
        raise _Flag(f"no Lipschitz bound implemented for {cls}")
    except _Flag as flag:
        kind = "lrn" if isinstance(m, nn.LocalResponseNorm) else cls.lower()
        return LayerBound(idx, name, kind, cls, None, in_shape, None, float("nan"), flagged=True, note=str(flag))


def _avgpool_row(idx: int, name: str, m: nn.Module, in_shape: tuple[int, ...], out_shape: tuple[int, ...], x: Tensor,
                 max_chunk_bytes: int) -> LayerBound:
    """Average pooling as a depthwise conv with weight 1/k² (channels decouple, so one channel suffices)."""
    h, w = in_shape[-2:]
    ho, wo = out_shape[-2:]
    if isinstance(m, nn.AdaptiveAvgPool2d):
        if h % ho or w % wo:
            raise _Flag(f"adaptive average pooling {h}x{w} -> {ho}x{wo} has uneven windows: no bound implemented")
        k = s = (h // ho, w // wo)
        p = (0, 0)
    else:
        if m.ceil_mode or (not m.count_include_pad and m.padding != 0) or m.divisor_override:
            raise _Flag("average pooling with ceil_mode, count_include_pad=False or divisor_override: no bound")
        k = _pair(m.kernel_size, "kernel_size")
        s = _pair(m.stride or m.kernel_size, "stride")
        p = _pair(m.padding, "padding")
    if k == (1, 1) and s == (1, 1):
        return LayerBound(idx, name, "avgpool", "identity", 1, in_shape, None, 1.0, note="identity")
    kernel = torch.full((1, 1, *k), 1.0 / (k[0] * k[1]), dtype=x.dtype, device=x.device)
    bound = float(conv_fourier_bound(kernel, (h, w), s, p, max_chunk_bytes=max_chunk_bytes))
    return LayerBound(idx, name, "avgpool", f"{k}/{s}", s, in_shape, None, bound)

