"""Upper Lipschitz bounds of layers and networks, the true operator norms they bound, and what they certify.

Section 4.3 of the paper bounds the instability of a network by the product of per-layer upper
Lipschitz constants: the operator norm (largest singular value) of each fully connected and
convolutional layer, times the largest slope of each nonlinearity. This module computes

* the operator norm of a fully connected layer (:func:`fc_norm`);
* the paper's Fourier formula (eq. 2) for a convolution with stride Δ, with the corrected
  normalisation 1/Δ for a standard unnormalised DFT (:func:`conv_fourier_norm`,
  :func:`conv_fourier_bound`, :func:`conv_fourier_spectrum`);
* the true operator norm of the real (zero-padded, strided) layer by power iteration
  (:func:`power_iteration`) or Lanczos (:func:`lanczos_norm`), and by a dense SVD for small layers
  (:func:`operator_matrix`, :func:`dense_operator_norm`), which the tests use as ground truth;
* the product bound for a whole network, layer by layer (:func:`network_lipschitz`), with the
  correct L2 factor of overlapping max pooling (:func:`maxpool_lipschitz`: 2 for AlexNet's 3/2
  pooling, where the paper says 1);
* a lower estimate of the local Lipschitz constant, the largest Jacobian norm over a batch
  (:func:`jacobian_norms`, :func:`empirical_lipschitz`);
* the radius within which no perturbation can change a decision (:func:`certified_radius`, and
  the sharper per-class-pair :func:`certified_radius_pairwise`), in L2 and in the paper's
  per-pixel RMS distortion (:func:`rms_distortion`).

Every function takes its device and dtype from its inputs. Explained in chapter 5, "Lipschitz
bounds of layers".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

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
    "maxpool_overlap",
    "maxpool_lipschitz",
    "ACTIVATION_SLOPES",
    "LayerBound",
    "NetworkBound",
    "network_layers",
    "network_lipschitz",
    "jacobian_norms",
    "empirical_lipschitz",
    "certified_radius",
    "certified_radius_pairwise",
    "rms_distortion",
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
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"tol must be > 0 and max_iter >= 1, got tol={tol}, max_iter={max_iter}")
    shape = tuple(int(s) for s in input_shape)
    v = _start_vector(shape, like, seed)
    adj = adjoint or _vjp_adjoint(op, torch.zeros_like(v))
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
    if rtol <= 0 or max_iter < 1:
        raise ValueError(f"rtol must be > 0 and max_iter >= 1, got rtol={rtol}, max_iter={max_iter}")
    shape = tuple(int(s) for s in input_shape)
    v = _start_vector(shape, like, seed).reshape(-1)
    adj = adjoint or _vjp_adjoint(op, torch.zeros((1, *shape), dtype=like.dtype, device=like.device))
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
        import pandas as pd

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
    ``exact_max_entries`` entries (and a smaller side of at most 4096), its exact norm. ``dtype`` (default: the parameters')
    is the dtype of the computation. ``check=True`` verifies that running the layers in order
    reproduces ``model(x)`` on the probe, and raises ValueError otherwise (for example when the
    model applies a functional activation the layer list does not show).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    import copy
    import time

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


# --------------------------------------------------------------------------------------------
# empirical (lower) estimate and certified radius
# --------------------------------------------------------------------------------------------


def jacobian_norms(
    model: Callable[[Tensor], Tensor], x: Tensor, *, exact_max_out: int = 64, iters: int = 30, seed: int = 0
) -> Tensor:
    """Spectral norm of the Jacobian of the logit map at each image of a batch (``[B]``).

    For a piecewise-smooth network the local Lipschitz constant around x is at least ``||J(x)||``,
    and the global constant is at least the largest of them, so the max over a batch
    (:func:`empirical_lipschitz`) is a **lower** estimate to set beside the product bound. When the
    model has at most ``exact_max_out`` outputs the full Jacobian is built from one VJP per output
    and its norm is exact (``torch.linalg.matrix_norm(J, 2)``); otherwise ``iters`` power-iteration
    steps with a JVP and a VJP per step give a lower estimate. The model must treat images
    independently (eval mode: no batch statistics, no dropout).
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"x must be a batch [B, ...] with B >= 1, got shape {tuple(x.shape)}")
    x = x.detach()
    out, vjp_fn = torch.func.vjp(model, x)
    if out.ndim != 2:
        raise ValueError(f"the model must return logits [B, K], got shape {tuple(out.shape)}")
    b, k = out.shape
    if k <= exact_max_out:
        rows = []
        for i in range(k):
            e = torch.zeros_like(out)
            e[:, i] = 1
            rows.append(vjp_fn(e)[0].reshape(b, -1))
        jac = torch.stack(rows, dim=1)  # [B, K, n]
        return torch.linalg.matrix_norm(jac, ord=2).detach()
    gen = torch.Generator(device=x.device).manual_seed(int(seed))
    v = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    v = v / v.flatten(1).norm(dim=1).view(-1, *[1] * (x.ndim - 1))
    est = torch.zeros(b, dtype=x.dtype, device=x.device)
    for _ in range(iters):
        _, jv = torch.func.jvp(model, (x,), (v,))
        w = vjp_fn(jv)[0]
        jn = jv.flatten(1).norm(dim=1)
        wn = w.flatten(1).norm(dim=1)
        est = torch.where(jn > 0, wn / jn.clamp_min(1e-300), torch.zeros_like(wn))
        v = w / wn.clamp_min(1e-300).view(-1, *[1] * (x.ndim - 1))
    return est.detach()


def empirical_lipschitz(model: Callable[[Tensor], Tensor], x: Tensor, **kw) -> Tensor:
    """Largest Jacobian spectral norm over a batch (:func:`jacobian_norms`): a lower estimate of the Lipschitz constant.

    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    return jacobian_norms(model, x, **kw).max()


def certified_radius(logits: Tensor, lipschitz: float | Tensor, target: Tensor | int | None = None) -> Tensor:
    """L2 radius within which no perturbation can change the decision, from a Lipschitz bound L of the logits.

    Let ``z(x)`` be the logits, ``i = argmax z(x)`` the decision and L an upper bound on the L2
    Lipschitz constant of ``x -> z(x)``. For any class j, ``g(x) = z_i(x) - z_j(x) = (e_i - e_j)^T z(x)``
    is ``sqrt(2)·L``-Lipschitz, since ``||e_i - e_j||_2 = sqrt(2)``. If ``x + r`` is classified j
    (``g(x + r) <= 0``), then ``m_j = g(x) <= |g(x) - g(x + r)| <= sqrt(2)·L·||r||_2``, so

        ||r||_2 >= (z_i(x) - z_j(x)) / (sqrt(2)·L).

    With ``target=None`` j ranges over all classes, so the radius uses the runner-up margin
    ``z_i - max_{j≠i} z_j`` and bounds every decision change; with a target (an int or ``[B]``
    labels) it bounds the perturbations that reach that target (0 where the target already is the
    decision). A strictly smaller ``||r||_2`` keeps ``z_i > z_j``. The bound is attained by a linear
    two-class model with opposite weight rows; :func:`certified_radius_pairwise` bounds the margin
    map itself (``||w_i - w_j||`` for the last linear layer instead of ``sqrt(2)·||W||``).
    Returns ``[B]`` radii in the input's L2 norm; :func:`rms_distortion` converts to the paper's
    measure.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"logits must be [B, K] with K >= 2 classes, got shape {tuple(logits.shape)}")
    lip = torch.as_tensor(lipschitz, dtype=logits.dtype, device=logits.device)
    if not bool(torch.all(lip > 0)):
        raise ValueError(f"the Lipschitz bound must be positive, got {lipschitz}")
    top, pred = logits.max(dim=1)
    if target is None:
        other = logits.scatter(1, pred[:, None], float("-inf")).max(dim=1).values
    else:
        t = torch.as_tensor(target, device=logits.device, dtype=torch.long).expand(logits.shape[0])
        if bool(((t < 0) | (t >= logits.shape[1])).any()):
            raise ValueError(f"target labels must be in [0, {logits.shape[1]}), got {target}")
        other = logits.gather(1, t[:, None])[:, 0]
    margin = (top - other).clamp_min(0)
    return margin / (math.sqrt(2.0) * lip)


def certified_radius_pairwise(
    logits: Tensor, last_weight: Tensor, feature_lipschitz: float | Tensor, target: Tensor | int | None = None
) -> Tensor:
    """A sharper certified L2 radius: the last linear layer's rows per class pair instead of sqrt(2)·||W||.

    Write the logits as ``z(x) = W h(x) + b`` with ``h`` (everything before the last linear layer)
    F-Lipschitz. For the decision ``i`` and a class ``j`` the margin ``g = z_i - z_j =
    (w_i - w_j)^T h + b_i - b_j`` is ``||w_i - w_j||_2 · F``-Lipschitz, so reaching j needs

        ||r||_2 >= (z_i(x) - z_j(x)) / (||w_i - w_j||_2 · F).

    Since ``||w_i - w_j|| = ||W^T (e_i - e_j)|| <= sqrt(2)·||W||``, this is never below
    :func:`certified_radius` with ``L = ||W||·F``; for a linear model (``h`` the identity, F = 1)
    it is the exact distance to the hyperplane where z_j overtakes z_i. ``target`` as in
    :func:`certified_radius` (None: the smallest radius over all j ≠ i). Returns ``[B]`` radii.
    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"logits must be [B, K] with K >= 2 classes, got shape {tuple(logits.shape)}")
    if last_weight.ndim != 2 or last_weight.shape[0] != logits.shape[1]:
        raise ValueError(
            f"last_weight must be the last linear layer's [K, features] matrix with K = {logits.shape[1]} rows "
            f"(one per logit), got shape {tuple(last_weight.shape)}"
        )
    lip = torch.as_tensor(feature_lipschitz, dtype=logits.dtype, device=logits.device)
    if not bool(torch.all(lip > 0)):
        raise ValueError(f"the Lipschitz bound of the features must be positive, got {feature_lipschitz}")
    w = last_weight.detach().to(device=logits.device, dtype=logits.dtype)
    pair = torch.cdist(w[None], w[None])[0]  # [K, K] ||w_i - w_j||
    top, pred = logits.max(dim=1)
    margin = (top[:, None] - logits).clamp_min(0)  # [B, K]
    scale = pair[pred] * lip  # [B, K]
    radius = torch.where(scale > 0, margin / scale.clamp_min(torch.finfo(logits.dtype).tiny),
                         torch.full_like(margin, float("inf")))
    radius = radius.scatter(1, pred[:, None], float("inf"))  # j = i: no change of decision
    if target is None:
        return radius.min(dim=1).values
    t = torch.as_tensor(target, device=logits.device, dtype=torch.long).expand(logits.shape[0])
    if bool(((t < 0) | (t >= logits.shape[1])).any()):
        raise ValueError(f"target labels must be in [0, {logits.shape[1]}), got {target}")
    out = radius.gather(1, t[:, None])[:, 0]
    return torch.where(t == pred, torch.zeros_like(out), out)


def rms_distortion(l2: Tensor | float, n_pixels: int = 784) -> Tensor | float:
    """The paper's distortion measure ``sqrt(Σ r_i² / n)`` from an L2 norm: ``||r||_2 / sqrt(n)`` (28 for MNIST).

    Explained in chapter 5, "Lipschitz bounds of layers".
    """
    if n_pixels < 1:
        raise ValueError(f"n_pixels must be positive, got {n_pixels}")
    return l2 / math.sqrt(n_pixels)
