"""Random (Gaussian) distortions: the paper's control for adversarial ones.

The paper sets its adversarial examples beside images distorted by Gaussian noise of a given
standard deviation (Fig. 7, Tables 2 and 4), without saying whether the noisy images are clipped
back to the pixel range [0, 1]; both readings are offered. Explained in chapter 3,
"Box-constrained L-BFGS adversaries".
"""

from __future__ import annotations

import math

import torch


def gaussian_noise(x: torch.Tensor, std: float, *, seed: int = 0, clip: bool = True) -> torch.Tensor:
    """``x + N(0, std²)`` per pixel, clipped to [0, 1] when ``clip``; the same numbers on every device.

    The noise is drawn on the CPU from a generator seeded with ``seed`` and then moved to the
    device and dtype of ``x``, so a CUDA run distorts the images exactly as a CPU run does.
    Explained in chapter 3, "Box-constrained L-BFGS adversaries".
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise ValueError(f"x must be a float tensor of images, got {getattr(x, 'dtype', type(x))}")
    if not (isinstance(std, (int, float)) and math.isfinite(std) and std >= 0):
        raise ValueError(f"std must be a finite number >= 0, got {std!r}")
    gen = torch.Generator().manual_seed(int(seed))
    noise = torch.randn(x.shape, generator=gen, dtype=torch.float32).to(device=x.device, dtype=x.dtype)
    out = x + float(std) * noise
    return out.clamp_(0, 1) if clip else out
