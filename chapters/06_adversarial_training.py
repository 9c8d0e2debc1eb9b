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
# # Training with adversarial examples
#
# Section 4.2 of Szegedy et al. {cite}`szegedy2014intriguing` ends with a training experiment: a
# 100-100-10 sigmoid network trained with "a pool of adversarial examples, a random subset of
# which is continuously replaced by newly generated adversarial examples and which is mixed into
# the original training set all the time" reached a test error **below 1.2%**, against **1.6%**
# for the same network with weight decay only and **about 1.3%** with "carefully applied
# dropout". The paper adds that the gain came only when adversarial examples were generated for
# *each layer's outputs* and used to train the layers above. It gives no pool size, refresh rate,
# mixing ratio, attack settings or number of epochs. This chapter implements both variants (a
# pool of adversarial input images, and one pool per layer), trains them beside the two
# baselines with the same seeds and the same budget, and asks three questions: is the test error
# lower, is the trained model harder to fool (minimal L-BFGS distortion), and do the adversarial
# examples of the plain network still fool it (transfer)?

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
# Training budget shared by every variant (the same seed, batch order and initial weights).
# CPU defaults: 10 epochs, about 5 minutes for the whole chapter on one CPU thread.
# Paper scale on a GPU: EPOCHS = 40 and LR_DECAY = 0.97 (the zoo's FC100-100-10 schedule), or more.
EPOCHS = 10
LR = 0.3
LR_DECAY = 0.886  # per epoch; 0.886 ** 10 = 0.97 ** 40: the zoo's final learning rate in a quarter of the epochs
BATCH_SIZE = 100
SEED = 0
# Adversarial pools (the paper gives none of these). GPU scale: POOL_SIZE = 20000,
# REFRESH_EVERY = 100, REFRESH_FRACTION = 0.1 (a tenth of the pool renewed every 100 batches).
POOL_SIZE = 2000  # examples per pool
REFRESH_FRACTION = 0.5  # share of a pool replaced at each refresh
REFRESH_EVERY = 600  # mini-batches between refreshes (600 = one epoch of 60,000 images)
MIX = 0.25  # share of each step's examples drawn from a pool
START_EPOCH = 1  # clean epochs before the pools are first filled
POOL_SEARCH_STEPS = 3  # L-BFGS solves (values of c) per pool example
PER_LAYER = [0, 1, 2]  # layers with a pool in the per-layer variant: 0 = input, 1, 2 = hidden layers
HIDDEN_ONLY = [1, 2]  # layers with a pool in the "hidden-layer pools" variant (no input pool)
MIX_LOW = 0.1  # mixing share of a second input-pool variant (sensitivity to MIX)
# Dropout baseline (inverted dropout on the input and on each hidden layer).
DROPOUT_INPUT = 0.2
DROPOUT_HIDDEN = 0.5
# Evaluation: the first N_EVAL test images are attacked (minimal distortion) and the zoo
# FC100-100-10's adversarial examples of the same images are transferred. GPU scale: 10000.
N_EVAL = 1000
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %%
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import dataclasses

import pandas as pd
import torch

from intriguing import adversarial, attacks, paper, params, plots, results, runtime, stats, tables, zoo
from intriguing import adversarial_training as at
from intriguing.data import load_mnist
from intriguing.training import TrainConfig
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)

for name, value in {"EPOCHS": EPOCHS, "BATCH_SIZE": BATCH_SIZE, "REFRESH_EVERY": REFRESH_EVERY,
                    "POOL_SEARCH_STEPS": POOL_SEARCH_STEPS}.items():
    params.check_count(name, value, 1)
params.check_count("POOL_SIZE", POOL_SIZE, 1, what="a number of examples (this chapter compares pools)")
if not (0 < MIX < 1 and 0 < MIX_LOW < 1 and 0 < REFRESH_FRACTION <= 1):
    raise ValueError(f"MIX and MIX_LOW must be in (0, 1) and REFRESH_FRACTION in (0, 1], got "
                     f"{MIX!r}, {MIX_LOW!r}, {REFRESH_FRACTION!r}")
params.check_count("START_EPOCH", START_EPOCH, 0, EPOCHS - 1, "a number of clean epochs, below EPOCHS,")
params.check_count("N_EVAL", N_EVAL, 1, 10_000, "a number of test images")
if not (LR > 0 and 0 < LR_DECAY <= 1):
    raise ValueError(f"LR must be > 0 and LR_DECAY in (0, 1], got {LR!r}, {LR_DECAY!r}")
if not (set(PER_LAYER) | set(HIDDEN_ONLY)) <= {0, 1, 2}:
    raise ValueError(f"PER_LAYER and HIDDEN_ONLY name layers of 784-100-100-10: 0 (input), 1, 2; "
                     f"got {PER_LAYER!r}, {HIDDEN_ONLY!r}")
zoo.check_names("FC100-100-10")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)

train_cfg = TrainConfig(epochs=EPOCHS, batch_size=BATCH_SIZE, lr=LR, momentum=0.9, lr_decay=LR_DECAY, seed=SEED)
pool_cfg = at.PoolConfig(size=POOL_SIZE, refresh_fraction=REFRESH_FRACTION, refresh_every=REFRESH_EVERY, mix=MIX,
                         start_epoch=START_EPOCH, layers=(0,),
                         attack=attacks.LBFGSConfig(search_steps=POOL_SEARCH_STEPS), seed=SEED + 1)
VARIANTS = {
    "weight decay": at.Variant("weight decay", train_cfg),
    "dropout": at.Variant("dropout", train_cfg, dropout=(DROPOUT_INPUT, DROPOUT_HIDDEN)),
    "input pool": at.Variant("input pool", train_cfg, pool=pool_cfg),
    "per-layer pools": at.Variant("per-layer pools", train_cfg,
                                  pool=dataclasses.replace(pool_cfg, layers=tuple(PER_LAYER))),
    "hidden-layer pools": at.Variant("hidden-layer pools", train_cfg,
                                     pool=dataclasses.replace(pool_cfg, layers=tuple(HIDDEN_ONLY))),
    f"input pool, mix {MIX_LOW:g}": at.Variant(f"input pool, mix {MIX_LOW:g}", train_cfg,
                                               pool=dataclasses.replace(pool_cfg, mix=MIX_LOW)),
}
PAPER = {name: None for name in VARIANTS}
PAPER.update({"weight decay": paper.ADVERSARIAL_TRAINING["weight decay"], "dropout": paper.ADVERSARIAL_TRAINING["dropout"],
              "per-layer pools": paper.ADVERSARIAL_TRAINING["adversarial pool (upper bound)"]})
print(runtime.describe())
print(f"{len(VARIANTS)} variants of 784-100-100-10, {EPOCHS} epochs each; pools of {POOL_SIZE:,} examples, "
      f"{REFRESH_FRACTION:.0%} renewed every {REFRESH_EVERY} batches, {MIX:.0%} of each step's examples")

# %% [markdown]
# ## Method
#
# **The network and the baselines.** All six variants are the zoo's `FC100-100-10`: sigmoid
# units, the paper's weight decay $\lambda = 10^{-5}, 10^{-5}, 10^{-6}$ in the form
# $\lambda_l \sum w^2 / k_l$ (chapter 0), SGD with momentum 0.9, batches of 100, the same
# initial weights and the same batch order. *Weight decay* is exactly the zoo's recipe with the
# budget of this chapter. *Dropout* adds inverted dropout (rate 0.2 on the pixels, 0.5 on each
# hidden layer) during training; the paper does not say how its dropout was "carefully applied".
#
# **Adversarial pools.** A pool holds adversarial examples labelled with the *true* label of the
# image they were made from. The first pools are filled after `START_EPOCH` clean epoch(s) (an
# untrained network's adversarial examples teach nothing); from then on, every `REFRESH_EVERY`
# mini-batches a random `REFRESH_FRACTION` of each pool is replaced by new examples of the
# *current* network. A new example is made by the batched box-constrained L-BFGS attack of
# chapter 3 on a frozen eval-mode copy of the network, from a training image drawn at random,
# toward a random wrong label; only confirmed successes enter the pool (a failure leaves its
# slot as it was). Each mini-batch of $B$ clean images is joined by
# $\operatorname{round}(B \cdot \text{mix} / (1 - \text{mix}))$ examples drawn at random from a
# pool, and the step minimises
#
# $$
# \frac{1}{B + B'} \Big( \sum_{i \le B} \ell\big(f(x_i), y_i\big)
#   + \sum_{j \le B'} \ell\big(f_{>k}(\tilde h_j), y_j\big) \Big) + \sum_l \lambda_l \frac{\|W_l\|^2}{k_l},
# $$
#
# where $f_{>k}$ is the part of the network above layer $k$ and $\tilde h_j$ a pool example at
# that layer ($k = 0$: an adversarial image).
#
# **Per-layer pools**, the paper's "essential detail". For a hidden layer $k$, the attack runs
# on $f_{>k}$ alone: it looks for the smallest change $r$ of the layer's sigmoid activations
# $h_k(x) \in [0, 1]^{100}$, inside that box, that makes the layers above output the target
# label, with the same L-BFGS engine, objective and search over $c$ as on images. The pool stores
# the perturbed activations $\tilde h = h_k(x) + r$ with the true label $y$, and training on them
# updates only the layers above $k$ (the gradient stops at $\tilde h$), as the paper says. The
# per-layer variant keeps one pool at the input and one at each hidden layer, and the batches take
# turns: batch $t$ draws from pool $t \bmod 3$ (the paper's training "alternated"), so every
# variant gets the same number of pool examples per step. Stored activations are not recomputed
# when the layers below change; the refresh renews them.
#
# Two more variants probe the paper's remarks: *hidden-layer pools* keeps pools at the two hidden
# layers only (the paper found higher layers' examples "significantly more useful" than the
# input's), and *input pool, mix 0.1* is the input pool with fewer pool examples per step
# (11 instead of 33), to see how much the result depends on the mixing share.
#
# **Our choices** (the paper gives none): the pool sizes, refresh rate, mixing share and start
# are in the parameters cell above; the pool attack uses 3 values of $c$ per image instead of the
# 10 of the evaluation attack (a pool needs valid adversarial examples, not the last percent of
# minimality); targets are uniformly random wrong labels.
#
# **Budget.** The paper trains to convergence. This chapter must run in a few minutes on two CPU
# cores, so every variant gets **10 epochs** (the zoo's 40-epoch schedule compressed to about
# the same final learning rate) and pools of 2,000 examples renewed by half every epoch. This is a
# quarter of the zoo's training and far less adversarial data than the paper's "continuously"
# renewed pool; the parameters cell gives the settings for a GPU. From an empty cache the
# whole chapter (the six variants, the zoo's 40-epoch `FC100-100-10` and every attack) ran in
# about 5 minutes on the book's 2-core machine while other jobs shared it; from the cache, in
# under a minute.

# %%
settings = pd.DataFrame([
    {"variant": v.name, "epochs": v.train.epochs, "lr (decay / epoch)": f"{v.train.lr:g} ({v.train.lr_decay:g})",
     "dropout (input, hidden)": "—" if not any(v.dropout) else f"{v.dropout[0]:g}, {v.dropout[1]:g}",
     "pool layers": "—" if not v.pool.active else ", ".join(map(str, v.pool.layers)),
     "pool size": v.pool.size if v.pool.active else "—",
     "pool examples / batch": v.pool.extra_per_batch(v.train.batch_size) or "—"}
    for v in VARIANTS.values()
]).set_index("variant")
tables.formatted(settings, {})

# %% [markdown]
# ## Training
#
# `intriguing.adversarial_training.train_variant` trains a variant, or loads it from the book's
# cache, keyed by every setting above, the data fingerprint, the device kind, the torch version
# and the source of the training and attack code.

# %%
trained = {name: at.train_variant(v, mnist, device) for name, v in VARIANTS.items()}
reference = zoo.get_model("FC100-100-10", mnist=mnist, device=device)  # 40 epochs: the source of transferred examples
x_test, y_test = mnist.subset("test")
n_test = len(y_test)
refreshes = pd.DataFrame([{"variant": name, **r} for name, (_, h) in trained.items() for r in h["refreshes"]])
print(f"pool refreshes: {len(refreshes)}; examples attacked: {refreshes['attacked'].sum():,}, "
      f"entered a pool: {(refreshes['added'] + refreshes['replaced']).sum():,}")

# %% [markdown]
# ## Test error
#
# Errors are exact counts over the 10,000 test images; the interval is the Wilson 95% interval
# of the rate. The paper's "below 1.2%" is an upper bound for its per-layer training. The zoo's
# `FC100-100-10` (the same recipe, 40 epochs) is shown for scale.

# %%
def error_row(name, errors, total, paper_value):
    lo, hi = stats.wilson_interval(int(errors), int(total))
    return {"variant": name, "test error % (paper)": paper_value, "test error % (ours)": tables.percent(errors, total),
            "95% CI": f"{100 * lo:.2f}–{100 * hi:.2f}", "_errors": int(errors), "_lo": lo, "_hi": hi}


rows = [error_row(name, h["errors_test"][-1], h["sizes"]["test"], PAPER[name]) for name, (_, h) in trained.items()]
rows.append(error_row("zoo FC100-100-10 (40 epochs)", reference.history["errors_test"][-1],
                      reference.history["sizes"]["test"], None))
errors = pd.DataFrame(rows).set_index("variant")
tables.formatted(errors[[c for c in errors.columns if not c.startswith("_")]],
                 {"test error % (paper)": "{:g}"})

# %% [markdown]
# ## Training curves

# %% mystnb={"image": {"alt": "Two stacked line plots of error in percent, log scale, against epoch 1 to 10 for the six variants: clean training error on top, test error below, with the paper's 1.2 and 1.6 percent as dashed lines. Weight decay alone falls to about 0.5 percent training error while the pool variants level off between 1.5 and 2.5 percent; on the test set all variants end between 2.3 and 3.8 percent, above both paper lines."}}
pool_start = START_EPOCH + 0.5  # the pools are filled between epochs START_EPOCH and START_EPOCH + 1
paper_lines = {f"paper: adversarial pools (< {paper.ADVERSARIAL_TRAINING['adversarial pool (upper bound)']:g}%)":
               paper.ADVERSARIAL_TRAINING["adversarial pool (upper bound)"],
               f"paper: weight decay ({paper.ADVERSARIAL_TRAINING['weight decay']:g}%)":
               paper.ADVERSARIAL_TRAINING["weight decay"]}
fig = plots.learning_curves({name: h for name, (_, h) in trained.items()},
                            train_title="training error (clean training images)", references=paper_lines,
                            mark_epoch=pool_start, mark_label="pools first filled")

# %% [markdown]
# **Figure 1.** Training error on the clean training images (top) and test error (bottom) after
# each epoch, in percent on a log scale, one colour per variant. The dotted line marks when the
# pools are first filled; the dashed lines in the bottom panel are the paper's 1.2%
# (adversarial training) and 1.6% (weight decay only).

# %% mystnb={"image": {"alt": "Two line plots of the mean RMS distortion of the adversarial examples that entered each pool against the epoch they were made, 1 to 9. Left, input pools: all three variants rise from about 0.08 to about 0.096. Right, hidden-layer pools: the per-layer and hidden-layer variants fall from about 0.13 to 0.15 to about 0.11 to 0.13."}}
fig = plots.training.pool_distortions({name: h["refreshes"] for name, (_, h) in trained.items()},
                                      steps_per_epoch=len(mnist.train_y) // BATCH_SIZE, start_epoch=START_EPOCH)

# %% [markdown]
# **Figure 2.** Mean RMS distortion $\sqrt{\sum r^2 / m}$ of the adversarial examples that entered
# each pool at each refresh (one dot per refresh), against the epochs of training done when they
# were made; colours are the variants of Figure 1. Left: pools of images ($m = 784$ pixels);
# right: pools at the hidden layers ($m = 100$ sigmoid units; dashed layer 1, dotted layer 2).
# The two panels are not on the same scale. A rising curve means the network being trained
# needs ever larger changes to be fooled.

# %% [markdown]
# ## Is the trained network harder to fool?
#
# Each trained variant is attacked on the first `N_EVAL` test images with the attack of chapter 3
# (its default settings: ten values of $c$, random targets of the same seed for every model, so
# every model is attacked toward the same labels). The minimal distortion is the paper's
# RMS measure on pixels; a larger one means a more robust model. We also feed every variant
# the adversarial examples made for the zoo's `FC100-100-10` on the same images (chapter 3's
# cached set): the error they cause is the transfer rate (100% on the model they were made for).

# %%
x_eval, y_eval = x_test[:N_EVAL], y_test[:N_EVAL]
idx_eval = torch.arange(N_EVAL, device=device)
source = adversarial.adversarial_set("FC100-100-10", "test", N_EVAL, "random", device=device, mnist=mnist)
src_ok = source["success"]
src_images, src_labels = source["images"][src_ok].to(device), source["labels"][src_ok].to(device)
found = {}
rows = []
for name, (net, _) in [*trained.items(), ("zoo FC100-100-10 (40 epochs)", (reference.model, None))]:
    res = attacks.attack(net, x_eval, y_eval, "random", indices=idx_eval)
    found[name] = res
    d = res.distortion[res.success]
    mean, lo, hi = stats.mean_ci(d.double())
    with torch.no_grad():
        fooled = int((net(src_images).argmax(1) != src_labels).sum())
    tlo, thi = stats.wilson_interval(fooled, len(src_labels))
    rows.append({"variant": name, "attack success %": tables.percent(int(res.success.sum()), N_EVAL),
                 "min. distortion (mean)": f"{mean:#.3g}", "95% CI": f"{lo:#.3g}–{hi:#.3g}",
                 "transfer error %": tables.percent(fooled, len(src_labels)),
                 "transfer 95% CI": f"{100 * tlo:.1f}–{100 * thi:.1f}",
                 "_mean": mean, "_lo": lo, "_hi": hi, "_fooled": fooled})
robust = pd.DataFrame(rows).set_index("variant")
print(f"zoo FC100-100-10's adversarial set: {len(src_labels)} of {N_EVAL} test images attacked successfully, "
      f"mean distortion {float(source['distortion'][src_ok].mean()):.3g}")
tables.formatted(robust[[c for c in robust.columns if not c.startswith("_")]])

# %% mystnb={"image": {"alt": "A grid of handwritten digit images, 8 columns and 7 rows: the first eight test images on top and, below, their minimal adversarial versions for each of the six trained variants, all toward the same target label. The rows of the three variants trained with an input pool show visible stroke-like changes; the other rows differ from the originals only by a faint haze."}}
show = list(range(8))
grid = torch.stack([x_eval[show]] + [found[name].images[show].float() for name in trained])
fig = plots.image_grid(grid, row_labels=["original"] + list(trained), scale=0.7,  # scale 0.7: a PNG within WIDTH
                       col_labels=[f"{int(y_eval[i])}→{int(found['weight decay'].target[i])}" for i in show])

# %% [markdown]
# **Figure 3.** The first eight test images (top row) and their minimal-distortion adversarial
# versions for each trained variant (one row per variant), each toward the same target label
# (column titles: true → target). A row whose changes are more visible belongs to a model that
# needs a larger distortion: the three models trained with an input pool get stroke-like changes
# (see the 1 → 6 and 1 → 8 columns), the others a faint haze.

# %% [markdown]
# ## Discussion
#
# The numbers quoted here are those of the default parameters (10 epochs on the CPU); a run
# with other parameters prints its own tables above, and this text does not follow them.
#
# **Test error: not reproduced at this budget.** No adversarial variant beats weight decay
# alone (2.28%): the input pool ends at 2.76% (2.68% with the smaller mixing share), the
# per-layer pools at 3.13% and the hidden-layer pools at 3.16%. The input pools' intervals
# overlap the baseline's (no significant difference either way); the per-layer and hidden-layer
# variants are significantly *worse*. The training curves (Figure 1) say why: on the clean
# training images every pool variant levels off between 1.5% and 2.5% training error, while
# weight decay alone falls to 0.55%. A quarter (or, at mix 0.1, a tenth) of every step's examples are adversarial,
# the network spends capacity fitting them, and 10 epochs are not enough to fit both. The
# paper's networks were trained to 0% training error (its Table 1) and its claim is about such
# converged networks; whether the pools help once the clean set is fitted is exactly what this
# budget cannot show. The dropout baseline (3.80%) suffers from the short budget even more:
# dropout slows the fit, and the paper's "carefully applied" dropout surely trained longer. Our
# weight-decay baseline is itself 0.7 points above the paper's 1.6% (and the zoo's 40-epoch
# model, 2.10%, half a point above: chapter 0).
#
# **Per-layer and higher-layer pools: not reproduced.** The paper found gains only with
# adversarial examples for each layer's outputs, those of the higher layers being
# "significantly more useful". Here both variants with hidden-layer pools are worse than the
# input pool (3.13% and 3.16% vs 2.76%, overlapping intervals). A hidden-layer example trains
# only the layers above it, its stored activations go stale as the layers below move (they are
# renewed once an epoch here; the paper may have renewed them far more often), and it needs an
# RMS change of 0.11-0.15 per sigmoid unit (Figure 2), large against the units' range of 1:
# the layers above are taught to tolerate big changes of their inputs, which costs accuracy.
#
# **Harder to fool: yes with input pools, hardly with hidden-layer pools (beyond the paper).**
# Every variant with an input pool needs about 0.090 of RMS distortion to be fooled, against
# 0.0600 for weight decay alone: 50% more, with intervals far apart, and the same at mix 0.1 as
# at 0.25. Dropout sits between (0.0749). The hidden-layer pools alone barely move it (0.0627):
# robustness of the upper layers to changes of their inputs does not carry over to the pixels.
# Figure 2 shows the input-pool effect during training: the examples made at each
# refresh need more distortion as training goes on (0.079 to 0.096). Transfer tells the same
# story: the adversarial examples of the zoo's `FC100-100-10` fool 21.5% of our weight-decay
# net, 19.2% of the hidden-layer-pool net, 10.8% of the dropout net and only 5.7-6.6% of the nets
# with an input pool. So, at this budget, adversarial training on the input buys robustness and
# pays for it in clean accuracy, the trade-off later work measured at scale
# {cite}`madry2018towards`, rather than the free gain in accuracy the paper reports. Part of the
# 21.5% may come from the weight-decay variant sharing the zoo model's initial weights and
# batch order (every variant here shares them, so the comparison between variants is fair).
#
# **Caveats.** One seed, one budget, one setting of the pool: the pool size, refresh rate,
# mixing share and attack strength are our guesses, and the default CPU budget is a quarter of
# the zoo's training. A larger budget (the GPU settings in the parameters cell) has not been
# run for this chapter, so no number here speaks for it. The pool attack uses 3 values of $c$
# per image; the evaluation attack uses 10, so the evaluation's examples are closer to minimal
# than the pool's.

# %% [markdown]
# ## Summary for the results page
#
# **Rule.** The paper's claim is *reproduced* if an adversarially trained variant has a lower
# test error than the weight-decay baseline with non-overlapping Wilson 95% intervals **and**
# is below 1.2%; *partly* if it beats the baseline with non-overlapping intervals but stays
# above 1.2%; *not reproduced* otherwise. The per-layer claim ("essential detail") is
# *reproduced* if the per-layer variant beats the input-only one with non-overlapping intervals,
# *partly* if it is lower with overlapping ones, *not reproduced* if it is not lower; the same
# rule compares the hidden-layer pools with the input pool ("higher layers more useful"). A
# baseline's error is *reproduced* within half a point of the paper's number (the rule of
# chapter 0), *partly* otherwise. Distortion and transfer are *beyond the paper*.

# %%
def beats(a, b):
    """Variant a has a lower test error than b with non-overlapping Wilson intervals."""
    return errors.loc[a, "_hi"] < errors.loc[b, "_lo"]


def err(name):
    return f"{errors.loc[name, 'test error % (ours)']} ({errors.loc[name, '95% CI']})"


adv = [name for name, v in VARIANTS.items() if v.pool.active]
best = min(adv, key=lambda n: errors.loc[n, "_errors"])
if beats(best, "weight decay") and errors.loc[best, "_hi"] < 0.012:
    verdict = "reproduced"
elif beats(best, "weight decay"):
    verdict = "partly"
else:
    verdict = "not reproduced"


def compare(a, b):
    """The rule for "a is better than b": reproduced / partly / not reproduced."""
    if beats(a, b):
        return "reproduced"
    return "partly" if errors.loc[a, "_errors"] < errors.loc[b, "_errors"] else "not reproduced"


budget = f"{EPOCHS} epochs, pools of {POOL_SIZE:,}"
summary = [
    results.row("Sec. 4.2: adversarial training lowers the test error", "test error % of the best pool variant",
                "< 1.2", f"{err(best)}, {best}", verdict, f"{budget}; weight decay alone: {err('weight decay')}"),
    results.row("Sec. 4.2: per-layer pools are essential", "test error %, per-layer vs input pool",
                "only per-layer helps", f"{err('per-layer pools')} vs {err('input pool')}",
                compare("per-layer pools", "input pool"), budget),
    results.row("Sec. 4.2: higher-layer examples are more useful", "test error %, hidden-layer vs input pool",
                "hidden > input", f"{err('hidden-layer pools')} vs {err('input pool')}",
                compare("hidden-layer pools", "input pool"), budget),
]
for name in ("weight decay", "dropout"):
    ours = errors.loc[name, "test error % (ours)"]
    ok = abs(float(ours) - PAPER[name]) <= 0.5
    summary.append(results.row("Sec. 4.2: baseline test error", f"100-100-10 with {name}: test error %",
                               f"{PAPER[name]:g}", f"{err(name)}", "reproduced" if ok else "partly",
                               f"same budget as the pools ({budget})"))
for name in ["input pool", "per-layer pools", "hidden-layer pools"]:
    r, b = robust.loc[name], robust.loc["weight decay"]
    summary.append(results.row("Beyond: is an adversarially trained net harder to fool?",
                               f"{name}: min. L-BFGS distortion (weight decay: {b['min. distortion (mean)']})",
                               "—", f"{r['min. distortion (mean)']} ({r['95% CI']})", "beyond the paper",
                               f"first {N_EVAL} test images, random targets"))
    summary.append(results.row("Beyond: transfer of the plain net's adversarial examples",
                               f"{name}: error % on zoo FC100-100-10's adversarials "
                               f"(weight decay: {b['transfer error %']})",
                               "—", f"{r['transfer error %']} ({r['transfer 95% CI']})",
                               "beyond the paper", f"first {N_EVAL} test images"))
results.record("06_adversarial_training", "Training with adversarial examples", summary)
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict"]]
