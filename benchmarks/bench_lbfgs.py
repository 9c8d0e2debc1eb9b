"""Speed and quality of the batched box-constrained L-BFGS attack against two baselines, in one run.

Same model (zoo FC100-100-10), same MNIST test images, same random wrong targets, one CPU thread:

* ``ours``: :func:`intriguing.attacks.lbfgs_attack` on the whole batch at once;
* ``scipy``: :func:`intriguing.attacks.scipy_reference_attack`, scipy's L-BFGS-B image by image in
  float64 with the same objective and search over c (the correctness reference of the tests);
* ``advertorch``: ``advertorch.attacks.LBFGSAttack`` 0.2.3 with its defaults (9 binary-search
  steps, 100 iterations, initial const 1e-2), targeted, timed both ways it can be called:
  image by image, and on the whole batch at once (one scipy problem for all images, each with
  its own const). The headline ratio is against the faster of the two.

advertorch is installed only for this script, into ``benchmarks/.deps`` (ignored by git):
``pip install --no-deps --target benchmarks/.deps advertorch==0.2.3`` (done automatically when
missing). Its 2020 code needs two shims on current torch, applied here and nowhere else.

Every attack's images are re-checked by one fresh forward pass: success means the target is the
argmax; distortion is the paper's sqrt(Σr²/784), averaged over successes. Timings are wall clock
and process CPU time (the CPU time is the steadier one on a shared machine); ours runs
``--repeats`` times (it takes about a second) and its fastest run is reported, as ``timeit``
does; the baselines run once (minutes: their rate is already an average over every image).

    .venv/bin/python benchmarks/bench_lbfgs.py            # 256 images, all three
    .venv/bin/python benchmarks/bench_lbfgs.py --n 256 --skip-scipy
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from pathlib import Path

import intriguing  # noqa: F401  (pins one thread and the CPU code path before torch loads)
import torch

from intriguing import attacks, zoo
from intriguing.data import load_mnist

HERE = Path(__file__).resolve().parent
DEPS = HERE / ".deps"
ADVERTORCH = "advertorch==0.2.3"


def import_advertorch_lbfgs():
    """advertorch's LBFGSAttack from ``benchmarks/.deps`` (installed there if missing), with shims."""
    if not (DEPS / "advertorch").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(DEPS),
                        ADVERTORCH], check=True)
    sys.path.insert(0, str(DEPS))
    # shim 1: torch 1.x had torch.autograd.gradcheck.zero_gradients (imported by an unrelated attack)
    gradcheck = importlib.import_module("torch.autograd.gradcheck")
    if not hasattr(gradcheck, "zero_gradients"):
        def zero_gradients(x):
            if isinstance(x, torch.Tensor) and x.grad is not None:
                x.grad.detach_().zero_()

        gradcheck.zero_gradients = zero_gradients
    # shim 2: advertorch imports torchvision, whose PyPI wheel may not load on a CPU-only torch
    from intriguing._compat import import_torchvision

    import_torchvision()
    from advertorch.attacks import LBFGSAttack

    return LBFGSAttack


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def check(model, x, x_adv, target) -> dict:
    """Success and distortion measured the same way for every method (one fresh forward pass)."""
    with torch.no_grad():
        hit = model(x_adv.float()).argmax(1) == target
    dist = attacks.rms_distortion(x_adv.double(), x.double())
    inside = bool(((x_adv >= 0) & (x_adv <= 1)).all())
    return {"success": hit.float().mean().item(), "distortion": dist[hit].mean().item(), "box": inside,
            "per_image": torch.where(hit, dist, torch.full_like(dist, float("nan")))}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="FC100-100-10")
    ap.add_argument("--n", type=int, default=256, help="test images (the first n)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of ours (the fastest is reported)")
    ap.add_argument("--skip-scipy", action="store_true")
    ap.add_argument("--skip-advertorch", action="store_true")
    ap.add_argument("--advertorch-per-image-only", action="store_true", help="skip advertorch's one-batch mode")
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    mnist = load_mnist()
    model = zoo.get_model(args.model, mnist=mnist, device="cpu").model
    x, y = mnist.test_x[: args.n], mnist.test_y[: args.n]
    target = attacks.random_targets(y, torch.arange(args.n))
    cfg = attacks.LBFGSConfig()
    print(f"{args.model}, {args.n} MNIST test images, random wrong targets, torch threads: "
          f"{torch.get_num_threads()}\nours/scipy config: {cfg}")

    rows = {}
    attacks.lbfgs_attack(model, x[:8], target[:8], config=cfg)  # warm-up (allocator, first-call costs)
    runs = [timed(lambda: attacks.lbfgs_attack(model, x, target, config=cfg)) for _ in range(max(1, args.repeats))]
    res, wall, cpu = min(runs, key=lambda r: r[2])
    walls, cpus = sorted(r[1] for r in runs), sorted(r[2] for r in runs)
    print(f"ours, {len(runs)} runs: CPU s {', '.join(f'{v:.2f}' for v in cpus)}; wall s {', '.join(f'{v:.2f}' for v in walls)}"
          f" (the fastest is reported; the median gives {args.n / cpus[len(cpus) // 2]:.0f} img/s CPU)")
    rows["ours (batched torch)"] = (walls[0], cpus[0], check(model, x, res.images, target))
    if not args.skip_scipy:
        ref, wall, cpu = timed(lambda: attacks.scipy_reference_attack(model, x, target, config=cfg))
        rows["scipy L-BFGS-B per image"] = (wall, cpu, check(model, x, ref.images, target))
    if not args.skip_advertorch:
        LBFGSAttack = import_advertorch_lbfgs()
        adv = LBFGSAttack(model, num_classes=10, targeted=True)  # defaults: 9 steps, 100 iterations, const 1e-2
        out, wall, cpu = timed(lambda: torch.cat([adv.perturb(x[i:i + 1], target[i:i + 1]) for i in range(args.n)]))
        rows["advertorch 0.2.3 per image"] = (wall, cpu, check(model, x, out, target))
        if not args.advertorch_per_image_only:
            out, wall, cpu = timed(lambda: adv.perturb(x, target))
            rows["advertorch 0.2.3 one batch"] = (wall, cpu, check(model, x, out, target))

    print(f"\n{'method':30s} {'img/s wall':>10s} {'img/s CPU':>10s} {'success':>8s} {'mean dist':>10s}")
    for name, (wall, cpu, q) in rows.items():
        print(f"{name:30s} {args.n / wall:10.1f} {args.n / cpu:10.1f} {q['success']:8.1%} {q['distortion']:10.4f}"
              + ("" if q["box"] else "  (left the box!)"))
    ours_wall, ours_cpu, ours_q = rows["ours (batched torch)"]
    print("\nratios against ours (speed: how many times faster ours is; distortion: ours / theirs)")
    for name, (wall, cpu, q) in rows.items():
        if name.startswith("ours"):
            continue
        both = ~(ours_q["per_image"].isnan() | q["per_image"].isnan())
        paired = (ours_q["per_image"][both] / q["per_image"][both]).mean().item() if both.any() else float("nan")
        print(f"{name:30s} speed x{wall / ours_wall:6.1f} wall, x{cpu / ours_cpu:6.1f} CPU; "
              f"mean distortion ratio {ours_q['distortion'] / q['distortion']:.4f} "
              f"(per image, where both succeed: {paired:.4f})")
    adv = {k: v for k, v in rows.items() if k.startswith("advertorch")}
    if adv:
        name, (wall, cpu, q) = min(adv.items(), key=lambda kv: kv[1][1])
        print(f"\nheadline: ours is x{cpu / ours_cpu:.1f} (CPU time) / x{wall / ours_wall:.1f} (wall) the images/second "
              f"of advertorch's faster mode ({name}); success {ours_q['success']:.0%} vs {q['success']:.0%}, "
              f"mean distortion {ours_q['distortion']:.4f} vs {q['distortion']:.4f}")


if __name__ == "__main__":
    main()
