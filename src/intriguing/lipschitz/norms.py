"""Operator norms of single layers: fully connected, convolutional (the paper's eq. 2), and any linear map.

The Fourier formula gives the exact norm of a circular strided convolution and, on a large enough
grid (:func:`safe_grid`), a certified bound for the real zero-padded layer; the dense SVD
(:func:`dense_operator_norm`) and the iterative :func:`power_iteration` / :func:`lanczos_norm`
measure the real layer itself, from below. Every function takes its device and dtype from its
inputs. Explained in chapter 5, "Lipschitz bounds of layers".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "fc_norm",
    "conv_fourier_spectrum",
    "conv_fourier_norm",
    "conv_fourier_bound",
    "safe_grid",
    "circular_conv2d",
    "conv_operator",
    "operator_matrix",
    "dense_operator_norm",
    "NormEstimate",
    "power_iteration",
    "lanczos_norm",
]

#: Default memory budget of one chunk of per-frequency matrices in the Fourier computation (bytes).
DEFAULT_CHUNK_BYTES = 1 << 28  # 256 MiB


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _pair(v: int | Sequence[int], name: str) -> tuple[int, int]:
    """``3 -> (3, 3)``; ``(3, 4) -> (3, 4)``; anything else is a ValueError."""
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    if isinstance(v, (tuple, list, torch.Size)) and len(v) == 2 and all(isinstance(a, int) for a in v):
        return (int(v[0]), int(v[1]))
    raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")


def _check_conv_weight(weight: Tensor) -> None:
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"a conv weight must be a 4-D tensor [out_channels, in_channels, kH, kW] (torch layout), "
            f"got {shape}"
        )
    if weight.is_complex() or not weight.is_floating_point():
        raise ValueError(f"a conv weight must be a real floating-point tensor, got dtype {weight.dtype}")


def _complex_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64


# --------------------------------------------------------------------------------------------
# fully connected layers
# --------------------------------------------------------------------------------------------


def fc_norm(weight: Tensor, *, method: str = "auto", rtol: float = 1e-9) -> Tensor:
    """Operator norm (largest singular value) of a fully connected layer ``y = W x + b``.

    This is the layer's exact L2 Lipschitz constant and the paper's per-layer bound for FC layers.
    ``method="svd"`` is ``torch.linalg.matrix_norm(W, 2)``; ``"lanczos"`` runs :func:`lanczos_norm`
    on ``W`` in float64 to relative accuracy ``rtol`` (about 30x faster for AlexNet's 9216x4096 FC
    layer on one CPU thread, where a full SVD takes about 100 s); ``"auto"`` takes the SVD when the
    smaller side is at most 512. Returns a 0-dim tensor of ``W``'s dtype.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"fc_norm needs a 2-D weight matrix [out_features, in_features], got {shape}")
    if method not in ("auto", "svd", "lanczos"):
        raise ValueError(f"method must be 'auto', 'svd' or 'lanczos', got {method!r}")
    if method == "auto":
        method = "svd" if min(weight.shape) <= 512 else "lanczos"
    if method == "svd":
        return torch.linalg.matrix_norm(weight, ord=2)
    w = weight.detach().to(torch.float64)
    if w.shape[0] < w.shape[1]:  # Krylov space on the smaller side: the norm of W^T is the same
        w = w.T
    est = lanczos_norm(lambda v: v @ w.T, (w.shape[1],), adjoint=lambda u: u @ w, like=w, rtol=rtol, max_iter=500)
    if not est.converged:
        warnings.warn(f"fc_norm: Lanczos stopped at relative residual {est.residual:.2g} > rtol={rtol}", stacklevel=2)
    return torch.tensor(est.value, dtype=weight.dtype, device=weight.device)


# --------------------------------------------------------------------------------------------
# convolutions: the Fourier formula (eq. 2, corrected normalisation)
# --------------------------------------------------------------------------------------------


def _dft_rows(freqs: Tensor, n: int, taps: int, ctype: torch.dtype) -> Tensor:
    """``E[k, u] = exp(-2πi k u / n)`` for the given frequencies and ``u = 0..taps-1``."""
    u = torch.arange(taps, device=freqs.device, dtype=torch.float64)
    phase = (freqs.to(torch.float64)[:, None] * u[None, :]) % n  # reduce first: exact for big k·u
    return torch.polar(torch.ones_like(phase), -2 * math.pi * phase / n).to(ctype)


def conv_fourier_spectrum(
    weight: Tensor,
    grid: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    *,
    method: str = "gram",
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Tensor:
    """Largest singular value of the per-frequency matrix A(k), for every frequency k of the grid.

    The layer is the circular (periodic) convolution ``y_d(m) = Σ_c Σ_u w[d,c,u] x_c(Δm + u mod n)``
    on an ``n1 × n2`` grid with stride ``Δ = (Δ1, Δ2)`` (torch's cross-correlation; a true
    convolution has the same singular values). With the unnormalised DFT
    ``ŵ_{d,c}(k) = Σ_u w[d,c,u] e^{-2πi k·u/n}`` of the kernel on the grid, the layer is unitarily
    equivalent to a block-diagonal matrix with one block per output frequency
    ``k ∈ [0, n1/Δ1) × [0, n2/Δ2)``:

        A(k) = (Δ1 Δ2)^{-1/2} [ ŵ_{d,c}(k + l ⊙ n/Δ) ]_{d ; (c, l)},   l ∈ [0,Δ1) × [0,Δ2),

    a ``D × (C·Δ1·Δ2)`` matrix stacking the Δ1Δ2 aliased frequencies of every input channel (eq. 2
    of the paper, whose printed Δ^{-2} is a typo for this 1/Δ). Subsampling by Δ folds the Δ1Δ2
    frequencies ``k + l·n/Δ`` onto one output frequency with weight 1/(Δ1Δ2) per DFT, and the two
    DFT normalisations (n1n2 vs n1n2/(Δ1Δ2) points) leave (Δ1Δ2)^{-1/2}.

    Returns an ``[n1/Δ1, n2/Δ2]`` real tensor of ``σ_max(A(k))`` (its max is the layer's norm).
    Real kernels give ``A(-k) = conj(A(k))`` up to a column permutation, so only half the
    frequencies are computed. ``method="gram"`` takes the top eigenvalue of the smaller Gram
    matrix (``A A^H`` or ``A^H A``) with ``eigvalsh``; ``"svd"`` uses
    ``torch.linalg.matrix_norm(A, 2)``. Frequencies are processed in chunks whose matrices take at
    most about ``max_chunk_bytes``. Raises ValueError when Δ does not divide n: the circular
    strided layer is then not defined on that grid (use :func:`conv_fourier_bound`, which rounds
    the grid up). Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _check_conv_weight(weight)
    n1, n2 = _pair(grid, "grid")
    s1, s2 = _pair(stride, "stride")
    if min(n1, n2, s1, s2) < 1:
        raise ValueError(f"grid {grid!r} and stride {stride!r} must be positive")
    if n1 % s1 or n2 % s2:
        raise ValueError(
            f"the stride {(s1, s2)} does not divide the grid {(n1, n2)}: a circular strided convolution "
            "is defined only when it does. Pad the grid up to a multiple of the stride (a larger grid "
            "still bounds a zero-padded layer, see conv_fourier_bound) or pick another grid."
        )
    if method not in ("gram", "svd"):
        raise ValueError(f"method must be 'gram' or 'svd', got {method!r}")
    d_out, c_in, k1, k2 = weight.shape
    m1, m2 = n1 // s1, n2 // s2
    h2 = m2 // 2 + 1  # half of the second frequency axis (conjugate symmetry)
    cols = c_in * s1 * s2
    ctype = _complex_dtype(weight.dtype)
    w = weight.detach().to(ctype)
    dev = weight.device

    # frequencies of the second axis: k2 = k2' + l2·m2 for k2' < h2, ordered (l2, k2')
    kk2 = (torch.arange(h2, device=dev)[None, :] + m2 * torch.arange(s2, device=dev)[:, None]).reshape(-1)
    e2 = _dft_rows(kk2, n2, k2, ctype)  # [s2*h2, K2]

    per_freq = 16 * (2 * d_out * cols + min(d_out, cols) ** 2)  # bytes: ŵ, A, Gram (complex128)
    chunk = max(1, min(m1, max_chunk_bytes // max(1, per_freq * h2)))
    out = torch.empty(m1, h2, dtype=weight.dtype, device=dev)
    scale = 1.0 / math.sqrt(s1 * s2)
    for a in range(0, m1, chunk):
        b = min(m1, a + chunk)
        q = b - a
        kk1 = (torch.arange(a, b, device=dev)[None, :] + m1 * torch.arange(s1, device=dev)[:, None]).reshape(-1)
        e1 = _dft_rows(kk1, n1, k1, ctype)  # [s1*q, K1]
        # ŵ[d, c, (l1,k1'), (l2,k2')] = Σ_{u,v} e1[., u] w[d,c,u,v] e2[., v]
        wh = torch.einsum("au,dcuv,bv->dcab", e1, w, e2)
        wh = wh.reshape(d_out, c_in, s1, q, s2, h2).permute(3, 5, 0, 1, 2, 4).reshape(q * h2, d_out, cols)
        wh = wh * scale
        if method == "svd":
            top = torch.linalg.matrix_norm(wh, ord=2)
        else:
            gram = wh @ wh.mH if d_out <= cols else wh.mH @ wh
            top = torch.linalg.eigvalsh(gram)[..., -1].clamp_min(0).sqrt()
        out[a:b] = top.reshape(q, h2).to(weight.dtype)
    # unfold the half spectrum: σ(k1', k2') = σ(-k1' mod m1, m2 - k2') for k2' >= h2
    full = torch.empty(m1, m2, dtype=weight.dtype, device=dev)
    full[:, :h2] = out
    if m2 > h2:
        j = torch.arange(h2, m2, device=dev)
        i = (-torch.arange(m1, device=dev)) % m1
        full[:, h2:] = out[i][:, m2 - j]
    return full


def conv_fourier_norm(
    weight: Tensor,
    grid: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    *,
    method: str = "gram",
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Tensor:
    """Exact operator norm of the circular convolution with stride Δ on an ``n × n`` grid (eq. 2).

    The maximum over the grid's frequencies of :func:`conv_fourier_spectrum`. For stride 1 this is
    Sedghi et al. (2019); for any stride it equals the largest singular value of the full matrix of
    the circular strided layer (checked against a dense SVD in the tests). Returns a 0-dim tensor.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    return conv_fourier_spectrum(weight, grid, stride, method=method, max_chunk_bytes=max_chunk_bytes).max()


def _conv_out(size: int, kernel: int, stride: int, pad_total: int) -> int:
    return (size + pad_total - kernel) // stride + 1


def safe_grid(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
) -> tuple[int, int]:
    """Smallest circular grid whose Fourier norm bounds the zero-padded layer on this input size.

    A zero-padded strided conv on an ``H × W`` input with padding p reads, for its ``H'`` outputs,
    the padded positions ``0 .. Δ(H'-1)+K-1``. Embed the input at offset p in an n-grid with
    ``n >= Δ(H'-1)+K``: no output reads across the wrap-around, so the zero-padded layer is the
    circular layer on that grid followed by keeping a subset of outputs (a contraction) and
    preceded by an isometric embedding. Hence ``||zero-padded|| <= ||circular on n||`` for every
    such n that Δ divides; this returns the smallest one, per axis (``padding`` may be symmetric
    per axis, as in ``nn.Conv2d``). Explained in chapter 5, "Lipschitz bounds of layers".
    """
    h = _pair(input_size, "input_size")
    k = _pair(kernel_size, "kernel_size")
    s = _pair(stride, "stride")
    p = _pair(padding, "padding")
    out = []
    for hh, kk, ss, pp in zip(h, k, s, p):
        o = _conv_out(hh, kk, ss, 2 * pp)
        if o < 1:
            raise ValueError(f"input size {h} is smaller than the kernel {k} with padding {p}: no output")
        extent = ss * (o - 1) + kk
        out.append(-(-extent // ss) * ss)
    return (out[0], out[1])


def conv_fourier_bound(
    weight: Tensor,
    input_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    *,
    grid: int | Sequence[int] | None = None,
    method: str = "gram",
    max_chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Tensor:
    """Upper bound on the operator norm of a zero-padded strided conv layer on a given input size.

    Evaluates eq. 2 (:func:`conv_fourier_norm`) on a circular grid large enough that the
    zero-padded layer is a compression of the circular one (:func:`safe_grid`). ``grid=None``
    takes the smallest such grid: the input size plus what the padding and kernel actually read,
    rounded up to a multiple of the stride (AlexNet: 227 -> 228 for conv1, 27 -> 31 for conv2,
    13 -> 15 for conv3-5). A larger ``grid`` (a multiple of the stride) is also a valid bound for
    this input size; as the grid grows its value rises towards the sup of ``σ_max(A(ξ))`` over
    continuous frequencies ξ, which is the norm of the layer on an unbounded input and so a bound
    for every input size (a fine grid approaches that sup from below). A grid smaller than the
    safe one is refused with a ValueError: it gives the norm of the circular layer
    (:func:`conv_fourier_norm`), which need not bound the zero-padded one.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _check_conv_weight(weight)
    need = safe_grid(input_size, weight.shape[-2:], stride, padding)
    if grid is None:
        n = need
    else:
        n = _pair(grid, "grid")
        if n[0] < need[0] or n[1] < need[1]:
            raise ValueError(
                f"grid {n} is smaller than {need}, the smallest circular grid whose norm bounds this "
                f"zero-padded layer on input {_pair(input_size, 'input_size')}: pass grid=None or a larger "
                "grid (conv_fourier_norm gives the circular layer's own norm on any grid)"
            )
    return conv_fourier_norm(weight, n, stride, method=method, max_chunk_bytes=max_chunk_bytes)


def circular_conv2d(x: Tensor, weight: Tensor, stride: int | Sequence[int] = 1) -> Tensor:
    """The circular strided layer of :func:`conv_fourier_spectrum`: ``y(m) = Σ_u w(u) x(Δm+u mod n)``.

    ``x`` is ``[B, C, n1, n2]``; the output is ``[B, D, n1/Δ1, n2/Δ2]``. Kernels larger than the
    grid wrap around more than once, as the DFT formula assumes.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _check_conv_weight(weight)
    s1, s2 = _pair(stride, "stride")
    n1, n2 = x.shape[-2:]
    if n1 % s1 or n2 % s2:
        raise ValueError(f"the stride {(s1, s2)} must divide the grid {(n1, n2)} of a circular strided conv")
    k1, k2 = weight.shape[-2:]
    i1 = torch.arange(n1 + k1 - 1, device=x.device) % n1
    i2 = torch.arange(n2 + k2 - 1, device=x.device) % n2
    return F.conv2d(x[..., i1, :][..., i2], weight, stride=(s1, s2))


def conv_operator(
    weight: Tensor,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    *,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    circular: bool = False,
) -> Callable[[Tensor], Tensor]:
    """The linear map of a conv layer without its bias, as a function of a batch ``[B, C, H, W]``.

    ``circular=False`` is ``F.conv2d`` with zero padding (the real layer); ``circular=True`` is
    :func:`circular_conv2d` (stride only; padding, dilation and groups must be defaults).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _check_conv_weight(weight)
    if circular:
        if padding != 0 or dilation != 1 or groups != 1:
            raise ValueError("circular=True takes no padding, dilation or groups (the grid wraps around)")
        return lambda x: circular_conv2d(x, weight, stride)
    return lambda x: F.conv2d(x, weight, None, stride, padding, dilation, groups)


# --------------------------------------------------------------------------------------------
# exact dense norm (small layers)
# --------------------------------------------------------------------------------------------


def operator_matrix(
    op: Callable[[Tensor], Tensor],
    input_shape: Sequence[int],
    *,
    like: Tensor,
    batch_size: int = 512,
    max_entries: int = 50_000_000,
) -> Tensor:
    """The full matrix ``M`` (``[out_dim, in_dim]``) of a linear map, built by pushing the identity basis through it.

    ``op`` maps a batch ``[B, *input_shape]`` to ``[B, ...]``; ``like`` gives dtype and device.
    Refuses (ValueError) when the matrix would exceed ``max_entries`` entries. Ground truth for
    small layers in the tests. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    shape = tuple(int(s) for s in input_shape)
    n_in = math.prod(shape)
    probe = op(torch.zeros((1, *shape), dtype=like.dtype, device=like.device))
    n_out = probe[0].numel()
    if n_in * n_out > max_entries:
        raise ValueError(
            f"the dense matrix would have {n_out} x {n_in} = {n_in * n_out:.3g} entries, over max_entries="
            f"{max_entries:.3g}: use power_iteration or lanczos_norm for a layer this size"
        )
    cols = []
    for a in range(0, n_in, batch_size):
        b = min(n_in, a + batch_size)
        basis = torch.zeros((b - a, n_in), dtype=like.dtype, device=like.device)
        basis[torch.arange(b - a), torch.arange(a, b)] = 1
        cols.append(op(basis.reshape(b - a, *shape)).reshape(b - a, n_out))
    return torch.cat(cols).T


def dense_operator_norm(
    op: Callable[[Tensor], Tensor], input_shape: Sequence[int], *, like: Tensor, max_entries: int = 50_000_000
) -> Tensor:
    """Exact largest singular value of a small linear map, from its full matrix (:func:`operator_matrix`).

    ``torch.linalg.matrix_norm(M, 2)`` when the smaller side of M is at most 512; otherwise the top
    eigenvalue of the smaller Gram matrix in float64 (``eigvalsh``; for the largest singular value
    this is accurate to about 1e-13 relative and several times faster). Returns a 0-dim tensor of
    ``like``'s dtype. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    m = operator_matrix(op, input_shape, like=like, max_entries=max_entries)
    if min(m.shape) <= 512:
        return torch.linalg.matrix_norm(m, ord=2)
    md = m.to(torch.float64)
    gram = md @ md.T if md.shape[0] <= md.shape[1] else md.T @ md
    return torch.linalg.eigvalsh(gram)[-1].clamp_min(0).sqrt().to(like.dtype)


# --------------------------------------------------------------------------------------------
# iterative norms of the real layer: power iteration and Lanczos
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormEstimate:
    """An iterative estimate of a largest singular value, and how far the iteration got.

    ``value`` is a lower bound on the true norm (up to rounding): a Rayleigh-type quotient for
    power iteration, the top Ritz value for Lanczos. ``rel_change`` is the relative change of the
    estimate over the last step; ``residual`` (Lanczos only) is the relative residual
    ``||A^T A y - θ y|| / θ`` of the top Ritz pair, an a-posteriori error indicator. Explained in
    chapter 5, "Lipschitz bounds of layers".
    """

    value: float
    iterations: int
    rel_change: float
    converged: bool
    method: str
    tol: float
    residual: float = float("nan")

    def as_dict(self) -> dict:
        return asdict(self)


def _vjp_adjoint(op: Callable[[Tensor], Tensor], x0: Tensor) -> Callable[[Tensor], Tensor]:
    """Transpose of a linear map by reverse-mode autodiff (the VJP at any point of a linear map)."""
    _, vjp_fn = torch.func.vjp(op, x0)
    return lambda u: vjp_fn(u)[0]


def _start_vector(shape: tuple[int, ...], like: Tensor, seed: int) -> Tensor:
    gen = torch.Generator(device=like.device).manual_seed(int(seed))
    v = torch.randn((1, *shape), generator=gen, device=like.device, dtype=like.dtype)
    return v / v.norm()


def _iteration_start(
    op: Callable[[Tensor], Tensor], input_shape: Sequence[int], like: Tensor,
    adjoint: Callable[[Tensor], Tensor] | None, tol_name: str, tol: float, max_iter: int, seed: int,
) -> tuple[tuple[int, ...], Tensor, Callable[[Tensor], Tensor]]:
    """What power iteration and Lanczos both start from: the checked input shape, the seeded unit
    start vector ``[1, *shape]`` and the adjoint (the VJP of ``op`` unless one is given)."""
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"{tol_name} must be > 0 and max_iter >= 1, got {tol_name}={tol}, max_iter={max_iter}")
    shape = tuple(int(s) for s in input_shape)
    v = _start_vector(shape, like, seed)
    return shape, v, adjoint or _vjp_adjoint(op, torch.zeros_like(v))


def power_iteration(
    op: Callable[[Tensor], Tensor],
    input_shape: Sequence[int],
    *,
    like: Tensor,
    adjoint: Callable[[Tensor], Tensor] | None = None,
    tol: float = 1e-6,
    max_iter: int = 1000,
    seed: int = 0,
) -> NormEstimate:
    """Largest singular value of a linear map by power iteration on ``A^T A`` (conv, then its transpose).

    ``op`` maps ``[1, *input_shape]`` to an output batch; ``adjoint`` is its transpose (default: the
    VJP of ``op``, e.g. ``conv_transpose2d`` for a conv). Each step computes ``u = A v`` and
    ``w = A^T u`` and the estimate ``||w|| / ||u||``, which by Cauchy-Schwarz lies between
    ``||A v||`` and ``σ_max``: it never exceeds the true norm (up to rounding) and increases
    towards it. Stops when the relative change of the estimate falls below ``tol`` or after
    ``max_iter`` steps. The start vector is Gaussian from a generator seeded with ``seed`` on
    ``like``'s device. A small relative change does not prove accuracy when the top singular
    values are clustered (power iteration then converges slowly); :func:`lanczos_norm` converges
    much faster. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    _, v, adj = _iteration_start(op, input_shape, like, adjoint, "tol", tol, max_iter, seed)
    est, change, it = 0.0, float("inf"), 0
    with torch.no_grad():
        for it in range(1, max_iter + 1):
            u = op(v)
            w = adj(u)
            un, wn = float(u.norm()), float(w.norm())
            if un == 0.0 or wn == 0.0:
                return NormEstimate(0.0, it, 0.0, True, "power", tol)
            new = wn / un
            change = abs(new - est) / new
            est = new
            v = w / wn
            if change < tol:
                break
    return NormEstimate(est, it, change, change < tol, "power", tol)


def lanczos_norm(
    op: Callable[[Tensor], Tensor],
    input_shape: Sequence[int],
    *,
    like: Tensor,
    adjoint: Callable[[Tensor], Tensor] | None = None,
    rtol: float = 1e-8,
    max_iter: int = 300,
    seed: int = 0,
) -> NormEstimate:
    """Largest singular value of a linear map by Lanczos on ``A^T A`` with full reorthogonalisation.

    The top Ritz value of the Krylov space never exceeds ``σ_max²`` (Cauchy interlacing), so the
    returned value is a lower bound like power iteration's, but it converges far faster when the
    spectrum is clustered near its top (as for large convolutions and random matrices). Stops when
    the residual of the top Ritz pair ``(θ, y)``, ``||A^T A y - θ y||``, is below ``2·rtol·θ``: then
    ``sqrt(θ)`` is within about ``rtol`` (relative) of a singular value, in practice the largest
    (the random start vector is never orthogonal to its singular vector). Memory holds ``max_iter``
    basis vectors of the input size. Explained in chapter 5, "Lipschitz bounds of layers".
    """
    shape, v, adj = _iteration_start(op, input_shape, like, adjoint, "rtol", rtol, max_iter, seed)
    v = v.reshape(-1)
    n = v.numel()
    max_iter = min(max_iter, n)
    basis = torch.empty((max_iter, n), dtype=like.dtype, device=like.device)
    alphas: list[float] = []
    betas: list[float] = []
    theta, change, resid, it = 0.0, float("inf"), float("inf"), 0
    with torch.no_grad():
        for it in range(1, max_iter + 1):
            basis[it - 1] = v
            w = adj(op(v.reshape(1, *shape))).reshape(-1)
            alpha = float(w @ v)
            w = w - alpha * v
            if betas:
                w = w - betas[-1] * basis[it - 2]
            # full reorthogonalisation (twice is enough)
            for _ in range(2):
                w = w - basis[:it].T @ (basis[:it] @ w)
            beta = float(w.norm())
            alphas.append(alpha)
            t = torch.diag(torch.tensor(alphas, dtype=torch.float64))
            if it > 1:
                off = torch.tensor(betas, dtype=torch.float64)
                t = t + torch.diag(off, 1) + torch.diag(off, -1)
            evals, evecs = torch.linalg.eigh(t)
            new = float(evals[-1])
            resid = beta * abs(float(evecs[-1, -1])) / max(new, 1e-300)
            change = abs(new - theta) / max(new, 1e-300)
            theta = new
            if resid / 2 < rtol or beta == 0.0:
                break
            betas.append(beta)
            v = w / beta
    value = math.sqrt(max(theta, 0.0))
    # resid, change are relative to σ²; report them relative to σ (half, to first order)
    return NormEstimate(value, it, change / 2, resid / 2 < rtol or beta == 0.0, "lanczos", rtol, resid / 2)

