"""The paper's L-BFGS beside Foolbox's minimum-norm attacks, on one model, in one run.

Same zoo model (default FC10(1e-2), a softmax model, so the exact minimum is known), same first
``--n`` training images, same random targets (chapter 3's), one CPU thread. For each attack:
images/s (wall clock), forward passes per image, success (float64 re-check), mean RMS
distortion, and the optimality gap (distortion / exact minimum, mean over images) where the
model is linear. The headline is the time and gap of the best library attack over L-BFGS's.

    .venv/bin/python benchmarks/bench_later_attacks.py            # 200 images, FC10(1e-2)
    .venv/bin/python benchmarks/bench_later_attacks.py --model FC100-100-10 --n 100
"""

from __future__ import annotations

import argparse
import time

import intriguing  # noqa: F401  (pins one thread and the CPU code path before torch loads)
import torch

from intriguing import attacks, exact_minimum, later_attacks, zoo
from intriguing.data import load_mnist


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="FC10(1e-2)", help="zoo model name")
    ap.add_argument("--n", type=int, default=200, help="first N training images")
    args = ap.parse_args()
    model = zoo.get_model(args.model, device="cpu").model
    x, y = load_mnist().subset("train")
    x, y = x[:args.n], y[:args.n]
    target = attacks.random_targets(y, torch.arange(args.n), seed=0)
    linear = zoo.ZOO[args.model].sizes == (784, 10)
    exact = exact_minimum.exact_minimum(model, x, target) if linear else None

    rows = []
    t0 = time.perf_counter()
    res = attacks.attack(model, x, y, target)
    rows.append(("L-BFGS (book)", time.perf_counter() - t0, res.success, res.distortion.double(),
                 res.evaluations.double()))
    for name in later_attacks.MINIMUM_NORM:
        t0 = time.perf_counter()
        r = later_attacks.run_attack(model, x, target, name)
        rows.append((name, time.perf_counter() - t0, r.success, r.distortion, r.evaluations))

    print(f"{args.model}, first {args.n} training images, random targets, {torch.get_num_threads()} thread")
    print(f"{'attack':14s} {'images/s':>9s} {'passes/img':>10s} {'success':>8s} {'mean RMS':>9s} {'gap':>7s}")
    gaps = {}
    for name, seconds, ok, dist, ev in rows:
        gap = "—"
        if exact is not None:
            keep = ok & exact.success & (exact.l2 > 0)
            gaps[name] = float((dist[keep] / exact.distortion[keep]).mean())
            gap = f"{gaps[name]:.4f}"
        print(f"{name:14s} {args.n / seconds:9.1f} {float(ev.mean()):10.1f} {float(ok.double().mean()):8.3f} "
              f"{float(dist[ok].mean()):9.5f} {gap:>7s}")
    base = rows[0][1]
    fastest = min(rows[1:], key=lambda r: r[1])
    print(f"time ratio, fastest library attack ({fastest[0]}) / L-BFGS: {fastest[1] / base:.3g}")
    if gaps:
        best = min((n for n, *_ in rows[1:]), key=gaps.get)
        print(f"gap ratio, best library attack ({best}) / L-BFGS: {gaps[best] / gaps[rows[0][0]]:.4f}")


if __name__ == "__main__":
    main()
