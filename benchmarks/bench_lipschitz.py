"""Benchmark: exact spectral norms of the 8 layers of the paper's AlexNet (Table 5) on one CPU thread.

For each layer it times the exact operator norm

* conv1-5: the Fourier formula (eq. 2, corrected 1/Δ normalisation) on the smallest circular grid
  whose norm bounds the real zero-padded layer (input sizes 227, 27, 13, 13, 13 -> grids 228, 31,
  15, 15, 15): the exact norm of that circular layer and an upper bound for the real one;
* fc6-8: ``fc_norm`` (Lanczos in float64; a full SVD of 9216x4096 takes minutes here),

then checks each value against power iteration on the same operator (must agree to 1e-3
relative; power iteration is the baseline, and the ratio of the two times is printed), measures
the real zero-padded layer by Lanczos (which must not exceed the bound), and times a naive
per-frequency loop (numpy FFT plus one full SVD per frequency) on conv1 as a second baseline.

The weights are the seeded stand-in initialisation of ``paper_alexnet`` (torch default init): the
values describe random weights, not the paper's trained network (Table 5 is printed for scale).

Usage: ``python benchmarks/bench_lipschitz.py [--seed 0] [--init torch|krizhevsky2012] [--skip-real]``
"""

from __future__ import annotations

import argparse
import time

import intriguing  # noqa: F401  (one thread, pinned kernels; before torch)
import numpy as np
import torch

from intriguing import lipschitz as L
from intriguing.alexnet import paper_alexnet
from intriguing.runtime import describe

#: Table 5 of the paper: upper bound per layer (authors' trained weights).
PAPER = {"conv1": 2.75, "conv2": 10, "conv3": 7, "conv4": 7.5, "conv5": 11, "fc6": 3.12, "fc7": 4, "fc8": 4}
#: Input side of each conv layer in the 227x227 network.
INPUT = {"conv1": 227, "conv2": 27, "conv3": 13, "conv4": 13, "conv5": 13}
AGREE = 1e-3  # required relative agreement of the Fourier value and power iteration
TARGET_S = 60.0


def naive_fourier(weight: torch.Tensor, grid: int, stride: int) -> float:
    """Baseline: full 2-D FFT of the zero-padded kernel, then one numpy SVD per output frequency."""
    w = weight.double().numpy()
    d, c = w.shape[:2]
    what = np.fft.fft2(w, s=(grid, grid))  # [D, C, n, n]
    m = grid // stride
    best = 0.0
    for k1 in range(m):
        for k2 in range(m):
            cols = [what[:, :, k1 + l1 * m, k2 + l2 * m] for l1 in range(stride) for l2 in range(stride)]
            a = np.concatenate(cols, axis=1) / stride  # D x (C·Δ²)
            best = max(best, float(np.linalg.svd(a, compute_uv=False)[0]))
    del c
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default="torch", choices=["torch", "krizhevsky2012"])
    ap.add_argument("--tol", type=float, default=2e-6, help="power iteration: stop at this relative change")
    ap.add_argument("--max-iter", type=int, default=3000)
    ap.add_argument("--skip-real", action="store_true", help="skip the Lanczos norm of the real zero-padded layers")
    args = ap.parse_args()

    print(describe())
    model = paper_alexnet(seed=args.seed, init=args.init)
    print(f"paper AlexNet, UNTRAINED stand-in weights (init={args.init}, seed={args.seed})\n")
    layers = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]

    rows = []
    for name in layers:
        m = getattr(model, name)
        w = m.weight.detach()
        if name.startswith("conv"):
            s, p, h = m.stride[0], m.padding[0], INPUT[name]
            grid = L.safe_grid(h, w.shape[-1], s, p)
            t0 = time.perf_counter()
            value = float(L.conv_fourier_bound(w, h, s, p))
            t_exact = time.perf_counter() - t0
            circ = L.conv_operator(w, s, circular=True)
            t0 = time.perf_counter()
            pi = L.power_iteration(circ, (w.shape[1], *grid), like=w, tol=args.tol, max_iter=args.max_iter,
                                   seed=args.seed)
            t_power = time.perf_counter() - t0
            real = None
            if not args.skip_real:
                t0 = time.perf_counter()
                real = L.lanczos_norm(L.conv_operator(w, s, p), (w.shape[1], h, h), like=w, rtol=1e-6,
                                      seed=args.seed)
                t_real = time.perf_counter() - t0
            size = f"{w.shape[1]}x{w.shape[2]}x{w.shape[3]}x{w.shape[0]}"
            where = f"in {h}, grid {grid[0]}"
        else:
            t0 = time.perf_counter()
            value = float(L.fc_norm(w))
            t_exact = time.perf_counter() - t0
            t0 = time.perf_counter()
            pi = L.power_iteration(lambda v, w=w: v @ w.T, (w.shape[1],), like=w, adjoint=lambda u, w=w: u @ w,
                                   tol=args.tol, max_iter=args.max_iter, seed=args.seed)
            t_power = time.perf_counter() - t0
            real, s = None, None
            size = f"{w.shape[1]}x{w.shape[0]}"
            where = "exact (Lanczos)"
        rel = abs(value - pi.value) / value
        rows.append((name, size, s, where, value, t_exact, pi, t_power, rel, real, t_real if real else None))
        print(f"{name}: {value:.6f} in {t_exact:.2f} s; power iteration {pi.value:.6f} ({pi.iterations} it, "
              f"{t_power:.2f} s), rel. diff {rel:.1e}", flush=True)

    print()
    head = (f"{'layer':6} {'size':18} {'str':>3} {'where':17} {'norm':>9} {'time s':>7} {'power it.':>10} "
            f"{'iters':>5} {'rel diff':>8} {'pow s':>7} {'ratio':>6} {'real':>9} {'gap':>8} {'paper':>6}")
    print(head)
    print("-" * len(head))
    total_exact = total_power = 0.0
    ok_agree = ok_real = True
    for name, size, s, where, value, t_exact, pi, t_power, rel, real, _t_real in rows:
        total_exact += t_exact
        total_power += t_power
        ok_agree &= rel <= AGREE
        real_s = gap_s = ""
        if real is not None:
            gap = value / real.value - 1
            ok_real &= gap >= -1e-6
            real_s, gap_s = f"{real.value:9.6f}", f"{gap:8.1e}"
        print(f"{name:6} {size:18} {s or '-':>3} {where:17} {value:9.5f} {t_exact:7.2f} {pi.value:10.5f} "
              f"{pi.iterations:5d} {rel:8.1e} {t_power:7.2f} {t_power / t_exact:6.1f} {real_s:>9} {gap_s:>8} "
              f"{PAPER[name]:6g}")
    prod = float(np.prod([r[4] for r in rows]))
    print(f"\nproduct of the 8 layer norms: {prod:.4g} (paper's Table 5 product: 7.93e+05; max pooling 3/2 adds "
          "a factor 2 per pool layer, i.e. 8, which the paper counts as 1)")
    print(f"exact norms, all 8 layers: {total_exact:.1f} s (target <= {TARGET_S:.0f} s: "
          f"{'met' if total_exact <= TARGET_S else 'NOT met'})")
    print(f"baseline power iteration (tol {args.tol:g}), all 8 layers: {total_power:.1f} s; "
          f"ratio power / exact = {total_power / total_exact:.1f}x")
    print(f"Fourier/fc_norm and power iteration agree to {AGREE:g} relative on every layer: "
          f"{'yes' if ok_agree else 'NO'}")
    if not args.skip_real:
        print("real zero-padded layers (Lanczos, 'real'): below the bound on every layer: "
              f"{'yes' if ok_real else 'NO'}; 'gap' = bound / real - 1")

    # naive baseline on conv1: full FFT + one SVD per frequency
    w1 = model.conv1.weight.detach()
    t0 = time.perf_counter()
    naive = naive_fourier(w1, 228, 4)
    t_naive = time.perf_counter() - t0
    fast = rows[0]
    print(f"naive per-frequency loop on conv1 (numpy FFT + 57x57 SVDs): {naive:.6f} in {t_naive:.2f} s; "
          f"batched Fourier {fast[4]:.6f} in {fast[5]:.2f} s; ratio naive / batched = {t_naive / fast[5]:.1f}x; "
          f"rel. diff {abs(naive - fast[4]) / fast[4]:.1e}")


if __name__ == "__main__":
    main()
