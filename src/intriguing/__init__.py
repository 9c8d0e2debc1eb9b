"""intriguing: the shared code of the executable book on Szegedy et al. (2014).

Importing the package pins the CPU numerical code path and threads (see :mod:`intriguing.runtime`)
before torch is loaded, so every chapter computes the same bits on any x86-64 machine.
"""

from intriguing import runtime as _runtime

_runtime.pin_environment()
_runtime.configure_torch()

__version__ = "0.1.0"
