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


def engine_split(model, x, target, cfg) -> dict:
    """Where one attack call's time goes: the model's forward+backward passes, the engine's tensor
    work and Python, from one run with the model evaluation timed and one under torch's profiler.

    ``model``: process time inside :func:`intriguing.attacks._evaluate` (the forward pass, the
    backward pass to the input and the objective's few elementwise ops); ``tensor``: the self
    time of every other torch op (torch.profiler); ``python``: the rest (the round loop's
    interpreter time and op dispatch). Also counts rounds and image-rounds (rows evaluated).
    """
    from torch.profiler import ProfilerActivity, profile, record_function

    inner = attacks._evaluate
    acc = {"model": 0.0, "rounds": 0, "rows": 0}

    def timed_evaluate(net, z, *rest):
        t = time.process_time()
        out = inner(net, z, *rest)
        acc["model"] += time.process_time() - t
        acc["rounds"] += 1
        acc["rows"] += len(z)
        return out

    attacks._evaluate = timed_evaluate
    try:
        t = time.process_time()
        attacks.lbfgs_attack(model, x, target, config=cfg)
        total = time.process_time() - t

        def marked_evaluate(*a):
            with record_function("model_evaluate"):
                return inner(*a)

        attacks._evaluate = marked_evaluate
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            attacks.lbfgs_attack(model, x, target, config=cfg)
    finally:
        attacks._evaluate = inner
    # The profiler slows every op down, so its times are not used; it only counts the engine's
    # top-level op calls outside the model. Each call has a fixed cost (the interpreter's line,
    # argument parsing, dispatch, allocation) measured on a one-element op; the rest of the time
    # outside the model is the ops' work on the batch.
    calls = sum(1 for e in prof.events() if e.cpu_parent is None and e.name != "model_evaluate")
    one, two = torch.ones(1), torch.ones(1)
    t = time.process_time()
    for _ in range(20_000):
        torch.add(one, two)
    per_call = (time.process_time() - t) / 20_000
    rest = max(0.0, total - acc["model"])
    python = min(rest, calls * per_call)
    return {"total": total, "model": acc["model"], "tensor": rest - python, "python": python,
            "rounds": acc["rounds"], "rows": acc["rows"], "calls": calls, "per_call": per_call}


def stream_bandwidth(mb: int = 256) -> float:
    """Bytes per second of one thread copying a large tensor (read + write), the memory floor's unit."""
    a = torch.empty(mb * 2**18)
    b = torch.empty_like(a)
    b.copy_(a)
    t = time.perf_counter()
    for _ in range(5):
        b.copy_(a)
    return 5 * 2 * a.numel() * 4 / (time.perf_counter() - t)


def print_split(split: dict, n: int, cfg, m: int) -> None:
    """The split of one call, and the floor: the model's passes plus the least memory traffic per round."""
    tot = split["total"]
    print(f"\nwhere the time goes (one call, {n} images, {split['rounds']} rounds, "
          f"{split['rows'] / n:.1f} image-rounds per image, process time {tot:.2f} s):")
    for key, what in (("model", "model forward+backward (attacks._evaluate)"),
                      ("tensor", "engine tensor ops (L-BFGS memory, line search, bookkeeping)"),
                      ("python", f"Python and dispatch ({split['calls']:,} calls x {split['per_call'] * 1e6:.1f} us)")):
        print(f"  {what:62s} {split[key]:6.2f} s  {split[key] / tot:5.1%}  "
              f"{split[key] / split['rows'] * 1e6:6.2f} us per image-round")
    # Least traffic per image-round: the memory P (2M rows of m floats) read twice (P·[s, y, q] and
    # k·P) and the new pair written once; every other [m]-row the round needs (z, g, d, x0, the
    # trial point and its gradient) read or written once: about 12 rows. float32.
    rows = 2 * 2 * cfg.history + 2 + 12
    bw = stream_bandwidth()
    memory = split["rows"] * rows * m * 4 / bw
    floor = split["model"] + memory
    print(f"  floor: model passes {split['model']:.2f} s + least memory traffic {memory:.2f} s "
          f"({rows} rows of {m} floats per image-round at {bw / 1e9:.1f} GB/s measured) = {floor:.2f} s, "
          f"i.e. {n / floor:.0f} img/s; this run is at {floor / tot:.0%} of that floor")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="FC100-100-10")
    ap.add_argument("--n", type=int, default=1000, help="test images (the first n), attacked in one batch")
    ap.add_argument("--repeats", type=int, default=3, help="runs of ours (the fastest is reported)")
    ap.add_argument("--skip-scipy", action="store_true")
    ap.add_argument("--skip-advertorch", action="store_true")
    ap.add_argument("--advertorch-per-image-only", action="store_true", help="skip advertorch's one-batch mode")
    ap.add_argument("--skip-split", action="store_true", help="skip the model/engine/Python time split")
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
    print(f"ours, {len(runs)} runs: CPU s {', '.join(f'{v:.2f}' for v in cpus)}; "
          f"wall s {', '.join(f'{v:.2f}' for v in walls)}"
          f" (the fastest is reported; the median gives {args.n / cpus[len(cpus) // 2]:.0f} img/s CPU)")
    rows["ours (batched torch)"] = (walls[0], cpus[0], check(model, x, res.images, target))
    print(f"ours: {res.evaluations.double().mean():.1f} forward+backward passes per image "
          f"(min {int(res.evaluations.min())}, max {int(res.evaluations.max())})")
    if not args.skip_split:
        print_split(engine_split(model, x, target, cfg), args.n, cfg, x.shape[1])
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
        # images both attacks moved (an image already labelled as its target has distortion 0 in both)
        both = ~(ours_q["per_image"].isnan() | q["per_image"].isnan()) & (q["per_image"] > 0)
        paired = (ours_q["per_image"][both] / q["per_image"][both]).mean().item() if both.any() else float("nan")
        print(f"{name:30s} speed x{wall / ours_wall:6.1f} wall, x{cpu / ours_cpu:6.1f} CPU; "
              f"mean distortion ratio {ours_q['distortion'] / q['distortion']:.4f} "
              f"(per image, where both succeed: {paired:.4f})")
    adv = {k: v for k, v in rows.items() if k.startswith("advertorch")}
    if adv:
        name, (wall, cpu, q) = min(adv.items(), key=lambda kv: kv[1][1])
        print(f"\nheadline: ours is x{cpu / ours_cpu:.1f} (CPU time) / x{wall / ours_wall:.1f} (wall) "
              "the images/second "
              f"of advertorch's faster mode ({name}); success {ours_q['success']:.0%} vs {q['success']:.0%}, "
              f"mean distortion {ours_q['distortion']:.4f} vs {q['distortion']:.4f}")


if __name__ == "__main__":
    main()
