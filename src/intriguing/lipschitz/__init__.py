"""Upper Lipschitz bounds of layers and networks, the true operator norms they bound, and what they certify.

Section 4.3 of the paper bounds the instability of a network by the product of per-layer upper
Lipschitz constants: the operator norm (largest singular value) of each fully connected and
convolutional layer, times the largest slope of each nonlinearity. This package computes

* the operator norm of a fully connected layer (:func:`fc_norm`);
* the paper's Fourier formula (eq. 2) for a convolution with stride Δ, with the corrected
  normalisation 1/Δ for a standard unnormalised DFT (:func:`conv_fourier_norm`,
  :func:`conv_fourier_bound`, :func:`conv_fourier_spectrum`);
* the true operator norm of the real (zero-padded, strided) layer by power iteration
  (:func:`power_iteration`) or Lanczos (:func:`lanczos_norm`), and by a dense SVD for small layers
  (:func:`operator_matrix`, :func:`dense_operator_norm`), which the tests use as ground truth;
* the product bound for a whole network, layer by layer (:func:`network_lipschitz`), with the
  correct L2 factor of overlapping max pooling (:func:`maxpool_lipschitz`: 2 for AlexNet's 3/2
  pooling, where the paper says 1);
* a lower estimate of the local Lipschitz constant, the largest Jacobian norm over a batch
  (:func:`jacobian_norms`, :func:`empirical_lipschitz`);
* the radius within which no perturbation can change a decision (:func:`certified_radius`, and
  the sharper per-class-pair :func:`certified_radius_pairwise`), in L2 and in the paper's
  per-pixel RMS distortion (:func:`rms_from_l2`).

The package has three modules: :mod:`~intriguing.lipschitz.norms` (single layers),
:mod:`~intriguing.lipschitz.network` (the product bound) and :mod:`~intriguing.lipschitz.certify`
(lower estimates and certified radii); every name is also here, as ``lipschitz.X``. Every
function takes its device and dtype from its inputs. Explained in chapter 5, "Lipschitz bounds
of layers".
"""

from __future__ import annotations

from intriguing.lipschitz.certify import (
    certified_radius,
    certified_radius_pairwise,
    empirical_lipschitz,
    jacobian_norms,
    rms_from_l2,
)
from intriguing.lipschitz.network import (
    ACTIVATION_SLOPES,
    LayerBound,
    NetworkBound,
    maxpool_lipschitz,
    maxpool_overlap,
    network_layers,
    network_lipschitz,
)
from intriguing.lipschitz.norms import (
    NormEstimate,
    circular_conv2d,
    conv_fourier_bound,
    conv_fourier_norm,
    conv_fourier_spectrum,
    conv_operator,
    dense_operator_norm,
    fc_norm,
    lanczos_norm,
    operator_matrix,
    power_iteration,
    safe_grid,
)

__all__ = [
    "fc_norm",
    "conv_fourier_spectrum",
    "conv_fourier_norm",
    "conv_fourier_bound",
    "safe_grid",
    "circular_conv2d",
    "conv_operator",
    "operator_matrix",
    "dense_operator_norm",
    "NormEstimate",
    "power_iteration",
    "lanczos_norm",
    "maxpool_overlap",
    "maxpool_lipschitz",
    "ACTIVATION_SLOPES",
    "LayerBound",
    "NetworkBound",
    "network_layers",
    "network_lipschitz",
    "jacobian_norms",
    "empirical_lipschitz",
    "certified_radius",
    "certified_radius_pairwise",
    "rms_from_l2",
]
