"""Train a small MLP and CNN for a few hundred steps and print a SHA-256 of their weights.

Run in a fresh process by tests/test_determinism.py under different environments. With
``--torch-first`` torch is imported (and used) before intriguing, so the package's pins come too
late: the run shows what happens without them.
"""

import hashlib
import sys

if "--torch-first" in sys.argv:
    import torch

    torch.ones(8).sum()  # initialise torch's CPU dispatch with the machine's own capability

import warnings

warnings.simplefilter("ignore")
import intriguing  # noqa: E402, F401  (pins the code path)
import torch  # noqa: E402
from intriguing import models, runtime, training  # noqa: E402
from intriguing.data import load_mnist  # noqa: E402

data = load_mnist(download_if_missing=False)
x, y = data.train_x[:3000], data.train_y[:3000]
h = hashlib.sha256()
for arch, sizes in (("mlp", (784, 64, 32, 10)), ("cnn", ())):
    with runtime.seeded(0):
        model = models.build(arch, sizes)
    n_layers = len(model.weight_layers())
    cfg = training.TrainConfig(epochs=2, batch_size=50, lr=0.1, seed=0)
    training.train_classifier(model, x, y, config=cfg, weight_decay=(1e-4,) * n_layers)
    for value in model.state_dict().values():
        h.update(value.numpy().tobytes())
print(runtime.cpu_capability(), h.hexdigest())
