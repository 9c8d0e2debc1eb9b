"""Training is bit-reproducible in a process and across CPUs of the x86-64 family."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from intriguing import models, runtime, training

PROBE = Path(__file__).with_name("determinism_probe.py")


def _train_once(mnist):
    with runtime.seeded(3):
        model = models.build("mlp", (784, 32, 10))
    cfg = training.TrainConfig(epochs=2, batch_size=64, lr=0.1, seed=3)
    hist = training.train_classifier(model, mnist.train_x[:2000], mnist.train_y[:2000], config=cfg,
                                     weight_decay=(1e-4, 1e-4), eval_sets={"test": (mnist.test_x, mnist.test_y)})
    return model.state_dict(), hist


def test_two_runs_give_identical_tensors(mnist):
    (a, ha), (b, hb) = _train_once(mnist), _train_once(mnist)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert ha == hb


def test_seed_changes_the_result(mnist):
    a, _ = _train_once(mnist)
    with runtime.seeded(4):
        other = models.build("mlp", (784, 32, 10))
    assert not torch.equal(a["layers.0.weight"], other.state_dict()["layers.0.weight"])


def test_pins_are_in_force():
    assert runtime.cpu_capability() == "AVX2"
    assert torch.get_num_threads() == 1
    for key, value in runtime.PINNED_ENV.items():
        assert os.environ[key] == value


def _probe(*args, unpinned=False, **env):
    base = {k: v for k, v in os.environ.items() if not (unpinned and k in runtime.PINNED_ENV)}
    out = subprocess.run([sys.executable, str(PROBE), *args], env={**base, **env},
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_same_weights_on_an_emulated_avx2_only_cpu():
    """MKL_ENABLE_INSTRUCTIONS=AVX2 makes MKL behave as on a CPU without AVX-512; ATen and oneDNN
    are already capped at AVX2 by the pins. The weights must be the same bits as here."""
    here = _probe()
    avx2_only = _probe(MKL_ENABLE_INSTRUCTIONS="AVX2")
    assert here[0] == avx2_only[0] == "AVX2"
    assert here[1] == avx2_only[1]


def test_pins_matter_on_this_machine():
    """Without the pins (torch loaded first), an AVX-512 machine computes other bits: the pins are
    what keeps CI's comparison meaningful. Skipped where the CPU has no AVX-512 path to differ."""
    unpinned = _probe("--torch-first", unpinned=True)
    if unpinned[0] not in ("AVX512", "AVX512_BF16", "AVX512_VNNI"):
        pytest.skip(f"this CPU's own path is {unpinned[0]}: nothing to compare against")
    assert unpinned[1] != _probe()[1]
