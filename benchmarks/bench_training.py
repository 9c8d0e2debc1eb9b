"""One training epoch of each zoo model beside its forward+backward floor, in one run, one CPU thread.

For each model it times, with its own zoo settings (batch size, learning rate, weight decay):

* ``epoch``: one epoch of :func:`intriguing.training.train_classifier` on its training set (the
  shuffle, the batch gather, the loss with the paper's weight decay, backward, the SGD step),
  without the per-epoch evaluation, which is timed apart (``eval``);
* ``floor``: the same number of forward+backward passes of the same model on one fixed batch of the
  same size, with no shuffle, gather, weight decay or optimiser step: what the model's own work
  costs at that batch size;
* ``floor+step``: the floor plus the SGD step (the part of the optimiser any loop must pay).

The ratio ``epoch / floor`` is the loop's overhead factor (the issue's aim: within 2x). The
autoencoder's softmax trains on frozen codes (its floor is the softmax layer alone); its
pre-training is a separate loop and not timed here.

    .venv/bin/python benchmarks/bench_training.py                 # every zoo model
    .venv/bin/python benchmarks/bench_training.py --models FC100-100-10 CNN
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from functools import partial

import intriguing  # noqa: F401  (pins one thread and the CPU code path before torch loads)
import torch
import torch.nn.functional as F

from intriguing import models, training, zoo
from intriguing.data import load_mnist
from intriguing.runtime import seeded


def timed(fn, repeats: int = 1) -> float:
    """Least process time of ``repeats`` calls of ``fn`` (as timeit does)."""
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def floor(model, x, y, batch_size: int, steps: int, step: bool) -> float:
    """``steps`` forward+backward passes on one fixed batch (plus the SGD step if ``step``)."""
    xb, yb = x[:batch_size].clone(), y[:batch_size].clone()
    opt = torch.optim.SGD(model.parameters(), lr=1e-9, momentum=0.9)

    def run():
        for _ in range(steps):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if step:
                opt.step()

    return timed(run)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", nargs="+", default=["FC10(1e-4)", "FC100-100-10", "FC200-200-10", "AE400-10",
                                                     "FC123-456-10/P1", "CNN"])
    args = ap.parse_args(argv)
    names = zoo.check_names(args.models)
    mnist = load_mnist(device="cpu")
    print(f"one epoch per model, one CPU thread ({torch.get_num_threads()}); times are process seconds\n")
    print(f"{'model':18s} {'batch':>5s} {'steps':>6s} {'epoch':>7s} {'eval':>6s} {'floor':>7s} {'floor+step':>10s} "
          f"{'epoch/floor':>11s} {'epoch/(floor+step)':>18s}")
    for name in names:
        spec = zoo.ZOO[name]
        x, y = mnist.subset(spec.train_set)
        with seeded(spec.train.seed):
            model = models.build(spec.arch, spec.sizes)
        params = None
        if spec.pretrain is not None:  # the softmax trains on the frozen codes of the autoencoder
            with torch.no_grad():
                x = model.encode(x)
            net, params, decay = model.classifier, None, spec.weight_decay
        else:
            net, decay = model, spec.weight_decay
        cfg = dataclasses.replace(spec.train, epochs=1)
        steps = len(x) // cfg.batch_size
        epoch = timed(partial(training.train_classifier, net, x, y, config=cfg, weight_decay=decay, params=params))
        ex, ey = mnist.subset("test")
        if spec.pretrain is not None:
            with torch.no_grad():
                ex = model.encode(ex)
        ev = timed(partial(training.error_count, net, ex, ey))
        net.train()
        f = floor(net, x, y, cfg.batch_size, steps, step=False)
        fs = floor(net, x, y, cfg.batch_size, steps, step=True)
        print(f"{name:18s} {cfg.batch_size:5d} {steps:6d} {epoch:7.2f} {ev:6.2f} {f:7.2f} {fs:10.2f} "
              f"{epoch / f:10.2f}x {epoch / fs:17.2f}x")


if __name__ == "__main__":
    main()
