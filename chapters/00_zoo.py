# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Framework: the MNIST model zoo
#
# Every experiment of Szegedy et al. {cite}`szegedy2014intriguing` on MNIST starts from the same
# handful of networks (their Sec. 2 and Tables 1 and 3): three softmax classifiers with weight
# decay from $10^{-4}$ to $1$, two sigmoid networks with two hidden layers, a softmax on top of a
# sparse autoencoder, and three sigmoid networks trained on disjoint halves of the training set.
# The paper reports their training and test errors but not how they were trained. This chapter
# trains all of them, deterministically, shows their errors beside the paper's, and states every
# choice the paper left open. The later chapters load these models from the same cache.

# %% tags=["remove-cell"]
# Colab only: install the book's package from the same git ref as this notebook (the launch
# button opens the notebook there; CI checks that ref's notebooks against that ref's package).
import shutil
import subprocess
import sys

if "google.colab" in sys.modules:
    if not shutil.which("nvidia-smi"):
        print("No GPU in this runtime (CPU works, slowly): Runtime > Change runtime type > T4 GPU.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "intriguing @ git+https://github.com/intriguing-book/intriguing@main"], check=True)

# %% tags=["parameters"]
# Which zoo models to train (names of intriguing.zoo.ZOO), and where.
MODELS = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10",
          "FC100-100-10/P1", "FC123-456-10/P1", "FC100-100-10'/P2", "CNN"]
DEVICE = "auto"  # "auto": CUDA when present, else CPU
EPOCHS = 0  # 0: the zoo's own number of epochs for each model; >0 overrides it for every model
PROGRESS = False  # progress bars on stderr (keep False for executed, checked notebooks)
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %%
import intriguing  # first: pins the CPU code path and threads before torch loads
import pandas as pd
from intriguing import paper, plots, results, runtime, tables, zoo
from intriguing.data import load_mnist
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)

MODELS = zoo.check_names(MODELS)
if EPOCHS < 0:
    raise ValueError(f"EPOCHS must be 0 (zoo default) or a positive number of epochs, got {EPOCHS}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
print(runtime.describe())
print(f"MNIST: {len(mnist.train_y):,} training and {len(mnist.test_y):,} test images; "
      f"P1/P2: two disjoint halves of {len(mnist.subset('P1')[1]):,}")

# %% [markdown]
# ## Method
#
# **Models.** `FC10(λ)` is softmax regression on the 784 pixels. `FC100-100-10` and `FC200-200-10`
# have two sigmoid hidden layers. `AE400-10` is a 400-unit sigmoid sparse autoencoder, trained
# without labels and then frozen, with a softmax classifier trained on its codes. Table 3's
# `FC100-100-10` and `FC123-456-10` are trained on the half P1 of the training set and
# `FC100-100-10'` on the other half P2. Pixels are scaled to $[0, 1]$ and not otherwise normalised,
# because the adversarial search of the later chapters works in that box.
#
# **Weight decay.** The paper penalises each weight layer $l$ by
#
# $$
# \lambda_l \, \frac{1}{k_l} \sum_{i} w_{l,i}^2 ,
# $$
#
# "where $k$ is the number of units in the layer". We read $k_l$ as the layer's own (output) width:
# 10 for a softmax layer, 100 for a 100-unit hidden layer. With this reading the three softmax
# models land within about a point of the paper's errors (table below), which the fan-in reading
# ($k = 784$, a 78 times weaker decay for `FC10`) would not; biases are not decayed.
#
# **Training (our choices; the paper gives none).** Mini-batch SGD with momentum 0.9 on the
# cross-entropy plus the decay term, a learning rate decayed geometrically each epoch, and one
# seeded permutation of the training set per epoch. The autoencoder minimises squared
# reconstruction error plus a KL sparsity penalty (target mean activation 0.05). The CNN is ours:
# the paper uses an unspecified MNIST CNN for its Figs. 1-2 only. Each model is trained on one
# CPU thread with the code path pinned (see *Reproducibility* below), so the same weights come
# out bit for bit on any x86-64 machine.

# %%
settings = pd.DataFrame([
    {"model": s.name, "layers": "-".join(map(str, s.sizes)) if s.sizes else "CNN",
     "λ per weight layer": ", ".join(f"{v:g}" for v in s.weight_decay),
     "trained on": s.train_set, "epochs": EPOCHS or s.train.epochs, "batch": s.train.batch_size,
     "lr": s.train.lr, "lr decay / epoch": s.train.lr_decay, "seed": s.train.seed}
    for s in (zoo.ZOO[m] for m in MODELS)
]).set_index("model")
settings

# %% [markdown]
# ## Training
#
# `intriguing.zoo.get_model(name)` trains a model or loads it from the cache in `data/cache`,
# keyed by everything that affects its weights. On two CPU cores the whole zoo trains in a few
# minutes; a GPU is not needed for this chapter.

# %%
trained = {name: zoo.get_model(name, mnist=mnist, device=device, epochs=EPOCHS or None, progress=PROGRESS)
           for name in MODELS}
for name, t in trained.items():
    print(f"{name:18s} {intriguing.models.parameter_count(t.model):>9,} parameters")

# %% [markdown]
# ## Table 1: the paper's models on the full training set
#
# Errors are exact counts over 60,000 training and 10,000 test images, printed as percentages
# (one image is 0.0017% of the training set and 0.01% of the test set). The paper's last column,
# the minimal adversarial distortion, is the subject of the next chapter.

# %%
def final_error(t, subset):
    """Error in % after the last epoch, from the training history (an exact count, as text)."""
    return tables.percent(t.history[f"errors_{subset}"][-1], t.history["sizes"][subset])


rows = []
for name in [m for m in zoo.TABLE1 if m in trained]:
    t, p = trained[name], paper.TABLE1[name]
    rows.append({"model": name, "description": t.spec.description,
                 "train error % (paper)": p["train"], "train error % (ours)": final_error(t, "train"),
                 "test error % (paper)": p["test"], "test error % (ours)": final_error(t, "test")})
table1 = pd.DataFrame(rows).set_index("model")
tables.formatted(table1, {c: "{:g}" for c in table1.columns if "paper" in c})

# %% [markdown]
# ## Table 3: networks trained on the disjoint halves P1 and P2

# %%
rows = []
for name in [m for m in zoo.TABLE3 if m in trained]:
    t, p = trained[name], paper.TABLE3[name]
    row = {"model": name}
    for subset in ("P1", "P2", "test"):
        row[f"{subset} error % (paper)"] = p[subset]
        row[f"{subset} error % (ours)"] = final_error(t, subset)
    rows.append(row)
table3 = pd.DataFrame(rows).set_index("model")
tables.formatted(table3, {c: "{:g}" for c in table3.columns if "paper" in c})

# %% [markdown]
# ## Learning curves

# %% mystnb={"image": {"alt": "Two stacked line plots of error in percent, log scale, against epoch for the ten zoo models: training error on top, test error below. The sigmoid networks trained on all data or on a half fall to zero training error after about 25 epochs, FC123-456-10 more slowly, while the softmax models and AE400-10 stay flat at 2 to 20 percent; every test error levels off early, between under 1 percent for the CNN and about 16 percent for FC10(1)."}}
fig = plots.learning_curves({n: t.history for n, t in trained.items()})

# %% [markdown]
# **Figure 1.** Training error (top; for the models trained on P1 or P2, the error on their own
# half) and test error (bottom) after each epoch, in percent on a log scale, one line per model;
# the models trained on a half are dashed. A training error of zero is drawn on the bottom line,
# marked 0. Each line ends at that model's last epoch (with the zoo's settings: 3 for the CNN,
# 50 for the softmax on the autoencoder's codes).

# %% [markdown]
# ## Differences from the paper
#
# **Softmax models.** `FC10(1e-4)` reproduces the paper to a tenth of a point. With stronger
# decay our errors grow more slowly than the paper's: about 8.4% instead of 10% training error
# at $\lambda = 10^{-2}$, and about 16% instead of 21% at $\lambda = 1$. Our SGD runs with a
# decaying learning rate and converges to the minimum of the regularised objective (the training
# error is flat over the last epochs of the curves above), so the gap is a difference in the
# objective, not in convergence: the paper's penalty is probably stronger than our reading
# (for example not divided by $k$, or added per example rather than per batch mean). We keep
# the reading that matches at small $\lambda$ and is closest to the printed formula. As in the
# paper, the strongly regularised models have a lower test than training error.
#
# **Sigmoid networks.** Both reach exactly 0% training error, as in the paper, after about 25
# epochs. `FC200-200-10` lands at the paper's test error (1.63% vs 1.54%); `FC100-100-10` is
# about half a point worse (2.10% vs 1.64%). Its test error is flat from epoch 25 on, so
# training longer with these settings would not close the gap; the paper's optimiser, schedule
# and initialisation are unknown. The later chapters compare distortions and transfer rates of
# models that are about as accurate as the paper's, not identical to them.
#
# **`AE400-10`.** Our frozen sparse-autoencoder features give about 2.0% training and 2.3% test
# error, against the paper's 0.57% and 1.9%. Training error close to test error means the
# softmax on top underfits: the features, not the classifier, are the limit. The paper trained
# its autoencoder "until it got very high quality first layer filters"; ours trains 20 epochs
# to stay within the book's CPU budget (about a minute), and its sparsity target and penalty are
# our guesses. A reader with a GPU can raise the autoencoder's epochs in
# `intriguing.training.AutoencoderConfig`.
#
# **Table 3.** The three networks fit their own half exactly, or nearly (`FC123-456-10`
# misclassifies 2 of its 30,000 training images), and are 0.5 to 0.8 points worse than the
# paper's on the other half and on the test set, the same offset as our full-data
# `FC100-100-10`. `FC123-456-10` needs half the learning rate of the others: at 0.3 its
# sigmoid units saturate in the first epoch and it never leaves 89% error.
#
# **Scale.** This chapter already runs at the paper's full scale (all 60,000 training images)
# on a CPU; on a GPU, `DEVICE = "cuda"` trains the same models (other bits, so other cache
# entries), and `EPOCHS` trains every model for longer.
#
# ## Reproducibility
#
# Importing `intriguing` sets, before torch loads, `ATEN_CPU_CAPABILITY=avx2` (torch's own
# vectorised kernels), `MKL_CBWR=AVX2,STRICT` (MKL's matrix products) and
# `ONEDNN_MAX_CPU_ISA=AVX2` (oneDNN's convolutions), and runs one thread. Without these pins
# the same seeded training gives different weights on an AVX-512 machine (like the one this
# chapter was executed on) and an AVX2-only one, and CI, which re-executes this notebook and
# compares every output, would fail on the next machine. The package's tests train a model in
# a fresh process under an emulated AVX2-only CPU and check the weights are bit-identical.

# %% [markdown]
# ## Summary for the results page
#
# The rows below are what the book's results page shows for this chapter. A test error within
# half a point of the paper's counts as reproduced; the reasons are those discussed above.

# %%
WHY = {
    "FC10(1e-4)": "same objective reading; converged SGD",
    "FC10(1e-2)": "our decay reading is weaker than the paper's at large λ",
    "FC10(1)": "our decay reading is weaker than the paper's at large λ",
    "FC100-100-10": "0% training error as in the paper; unknown optimiser and schedule",
    "FC200-200-10": "0% training error as in the paper",
    "AE400-10": "our 20-epoch sparse autoencoder gives weaker features",
    "FC100-100-10/P1": "fits P1 exactly; same offset as the full-data FC100-100-10",
    "FC123-456-10/P1": "fits P1 (2 errors); same offset as FC100-100-10",
    "FC100-100-10'/P2": "fits P2 exactly; same offset as FC100-100-10",
}
summary = []
for name in [m for m in zoo.TABLE1 + zoo.TABLE3 if m in trained]:
    ours = final_error(trained[name], "test")
    ref = (paper.TABLE1.get(name) or paper.TABLE3[name])["test"]
    verdict = "reproduced" if abs(float(ours) - ref) <= 0.5 else "partly"
    summary.append(results.row("Table 1/3: test error of the paper's models", f"{name}: test error %",
                               f"{ref:g}", ours, verdict, WHY[name]))
results.record("00_zoo", "Framework: the MNIST model zoo", summary)
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict"]]
