"""The paper's ImageNet half on Colab: Table 5 on torchvision's pretrained AlexNet and Fig. 5's "ostrich" attack.

A thin entry to :mod:`intriguing.imagenet_route` (the same as ``python -m intriguing.imagenet_route``,
which needs only the installed package); see README, "The ImageNet half (Colab)":

    python tools/imagenet_route.py --weights torchvision --images imagenette2-320/val --n 64 \\
        --device auto --out imagenet_route.json

``--weights standin`` runs the whole route on untrained weights (to test it; its numbers are
labelled stand-ins and are no result). Exit status 2 with a message on bad input: no network for
the download, a missing weights file, a folder without images.
"""

from __future__ import annotations

import sys

import intriguing  # noqa: F401  (pins the CPU code path before torch loads)
from intriguing.imagenet_route import main

if __name__ == "__main__":
    sys.exit(main())
