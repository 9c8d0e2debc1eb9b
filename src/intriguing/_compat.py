"""Small shims for the library versions the book runs on."""

from __future__ import annotations

import sys


def import_torchvision():
    """Import torchvision, also where its wheel was built for CUDA but torch is a CPU build.

    The PyPI torchvision wheel for torch 2.13 links CUDA; on a CPU torch its compiled operators do
    not load and ``import torchvision`` fails with "operator torchvision::nms does not exist". The
    book uses only its datasets and model definitions, so declaring the two missing operator
    schemas is enough. On Colab (CUDA torch) the first import simply succeeds.
    """
    try:
        import torchvision
    except RuntimeError as exc:
        if "torchvision::nms does not exist" not in str(exc):
            raise
        import torch

        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _KEEP.append(lib)  # the library object must outlive the import
        import torchvision
    return torchvision


_KEEP: list = []
