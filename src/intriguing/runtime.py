"""Bit-stable execution: the CPU code path, threads, seeds and device, pinned in one place.

Chapter outputs are compared bit for bit (nbval) on whatever x86-64 machine CI gets next.
PyTorch picks its vectorised kernels (``ATEN_CPU_CAPABILITY``), MKL its GEMM code path
(``MKL_CBWR``) and oneDNN its instruction set (``ONEDNN_MAX_CPU_ISA``) from the CPU it runs on,
so the same seeded training gives different weight bits on an AVX-512 and an AVX2-only machine.
Pinning all three to AVX2, the widest path every x86-64 machine of the last decade has, and
running one thread, makes results depend on the inputs alone. These variables are read once,
when torch and its libraries initialise, so :mod:`intriguing` sets them before importing torch
(explained in chapter 0, "Framework: the MNIST model zoo").
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

#: Environment that fixes the numerical code path on x86-64 CPUs. Set before torch is imported.
PINNED_ENV: dict[str, str] = {
    "ATEN_CPU_CAPABILITY": "avx2",  # torch's own vectorised kernels (reductions, sigmoid, ...)
    "MKL_CBWR": "AVX2,STRICT",  # MKL conditional numerical reproducibility (GEMM in nn.Linear)
    "ONEDNN_MAX_CPU_ISA": "AVX2",  # oneDNN kernels (convolutions)
    "OMP_NUM_THREADS": "1",  # one thread: reductions are summed in one fixed order
    "MKL_NUM_THREADS": "1",
    "CUBLAS_WORKSPACE_CONFIG": ":4096:8",  # deterministic cuBLAS on GPUs
}


def pin_environment() -> None:
    """Set :data:`PINNED_ENV` in ``os.environ`` (values already set by the user are overwritten).

    Must run before the first ``import torch`` in the process to take effect.
    """
    late = [k for k, v in PINNED_ENV.items() if os.environ.get(k) != v and k != "CUBLAS_WORKSPACE_CONFIG"]
    if "torch" in sys.modules and late:
        warnings.warn(
            "torch was imported before intriguing, so the pins "
            + ", ".join(f"{k}={PINNED_ENV[k]}" for k in late)
            + " may come too late to take effect, and results may differ in the last bits from "
            "the committed chapters. Import intriguing first, or export the variables of "
            "intriguing.runtime.PINNED_ENV in the shell.",
            stacklevel=3,
        )
    os.environ.update(PINNED_ENV)


def configure_torch() -> None:
    """One thread, deterministic algorithms; checks that the AVX2 pin took effect."""
    import torch

    torch.set_num_threads(1)
    with contextlib.suppress(RuntimeError):  # only allowed before any inter-op work started
        torch.set_num_interop_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    # Deterministic mode also fills every new tensor with NaN before the op that writes it (a guard
    # against reading uninitialised memory, which no code here does). That is one extra pass over
    # every op's output: 15% of an attack's time and a fifth of a training epoch's. The results are
    # the same bits without it (nbval checks every chapter).
    torch.utils.deterministic.fill_uninitialized_memory = False
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    cap = cpu_capability()
    if cap not in ("AVX2", "DEFAULT", "NO AVX"):
        warnings.warn(
            f"torch runs its CPU kernels with {cap}, not the pinned AVX2 path (torch was imported "
            "before intriguing?): outputs may differ from the committed chapters in the last bits.",
            stacklevel=3,
        )


def cpu_capability() -> str:
    """The CPU kernel family torch dispatches to (``AVX2`` when the pin is in force)."""
    import torch

    return torch.backends.cpu.get_cpu_capability()


def pick_device(device: str | None = "auto"):
    """``"auto"`` (or None) gives CUDA when present, else CPU; any other string is passed to torch."""
    import torch

    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"DEVICE={device!r} is not a device: use 'auto', 'cpu' or 'cuda'.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("DEVICE='cuda' was asked for but no CUDA GPU is visible: use 'auto' or 'cpu'.")
    return dev


@contextlib.contextmanager
def seeded(seed: int):
    """Run a block under ``torch.manual_seed(seed)`` without disturbing the global RNG state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def describe() -> str:
    """One line saying how this process computes, for the setup cell of every chapter."""
    import torch

    dev = pick_device("auto")
    where = torch.cuda.get_device_name(0) if dev.type == "cuda" else f"CPU ({cpu_capability()} kernels)"
    return f"torch {torch.__version__.split('+')[0]}, {torch.get_num_threads()} thread, {where}"
