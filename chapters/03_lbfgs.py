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
# # Box-constrained L-BFGS adversaries
#
# The central claim of Szegedy et al. {cite}`szegedy2014intriguing` (their Sec. 4.1-4.2) is
# that for every network they studied and every sample they tried, an optimiser finds a
# "very close, visually indistinguishable" image that the network misclassifies. On MNIST
# this is measured by the average minimal distortion needed to bring a model to 0% accuracy
# (the last column of their Table 1). Their Fig. 7 sets these examples beside Gaussian noise
# of standard deviation 1: the adversarial images leave 0% accuracy, the far stronger noise
# leaves 51%. This chapter runs the paper's attack, box-constrained L-BFGS with a search over
# its penalty weight, on the six Table 1 models of chapter 0. It fills in Table 1's distortion
# column beside the paper's and draws the analogues of Figs. 5 and 7. It also states each detail
# the paper leaves open, and measures the one that matters most: which wrong label an image is
# pushed to.

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
# The Table 1 models attacked (names of intriguing.zoo.ZOO).
MODELS = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"]
# Training images attacked per model: the first N_IMAGES of the training set, each toward a random
# wrong label. The paper attacks all of them: N_IMAGES = 60000 (about 20 minutes on one CPU
# thread, or a minute or two with DEVICE = "cuda"). 5000: under 3 minutes on 2 shared CPU cores.
N_IMAGES = 5000
N_COMPARE = 1000  # images attacked with the "runner-up" target rule too (at most N_IMAGES)
N_NEAREST = 200  # images attacked toward all 9 wrong labels, the "nearest" rule (at most N_COMPARE)
FIG7_MODELS = ["FC10(1e-4)", "FC200-200-10"]  # the paper's Fig. 7: a linear model and 200-200-10
N_SHOWN = 12  # images in each panel of the Fig. 7 analogue (a multiple of 3: three pairs to a row)
N_TRIPLETS = 3  # images in the Fig. 5 analogue (the first N_TRIPLETS of the Fig. 7 sample)
NOISE_STD = 1.0  # standard deviation of the Gaussian noise of Fig. 7
SEED = 0  # seed of the displayed sample and of the noise
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PROGRESS = False  # progress bars while a zoo model trains (keep False for executed, checked notebooks)
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %%
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import math

import numpy as np
import pandas as pd
import torch
from IPython.display import display

from intriguing import adversarial, attacks, longrun, noise, paper, params, plots, results, runtime, stats, tables, zoo
from intriguing.data import load_mnist
from intriguing.training import predict
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)

MODELS = zoo.check_names(MODELS)
FIG7_MODELS = zoo.check_names(FIG7_MODELS)
if not set(MODELS) <= set(zoo.TABLE1):
    raise ValueError(f"MODELS must be Table 1 models {zoo.TABLE1}, got {MODELS}")
if not set(FIG7_MODELS) <= set(MODELS):
    raise ValueError(f"FIG7_MODELS {FIG7_MODELS} must be among MODELS {MODELS}")
params.check_count("N_IMAGES", N_IMAGES, 2, 60_000, "a number of training images")
params.check_count("N_COMPARE", N_COMPARE, 2, N_IMAGES, "a number of images, at most N_IMAGES,")
params.check_count("N_NEAREST", N_NEAREST, 2, N_COMPARE, "a number of images, at most N_COMPARE,")
params.check_count("N_SHOWN", N_SHOWN, 3, N_IMAGES, "a number of images, at most N_IMAGES,", multiple_of=3)
params.check_count("N_TRIPLETS", N_TRIPLETS, 1, N_SHOWN, "a number of images, at most N_SHOWN,")
if not (isinstance(NOISE_STD, (int, float)) and NOISE_STD > 0):
    raise ValueError(f"NOISE_STD must be a positive number, got {NOISE_STD!r}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
trained = {name: zoo.get_model(name, mnist=mnist, device=device, progress=PROGRESS) for name in MODELS}
x_train, y_train = mnist.subset("train")
print(runtime.describe())
print(f"attacking the first {N_IMAGES:,} training images of {len(MODELS)} models; target rules compared on the "
      f"first {N_COMPARE:,} (nearest: first {N_NEAREST:,})")


def sig(value: float, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant digits ("0.0590")."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    return f"{value:.{max(0, digits - 1 - math.floor(math.log10(abs(value))))}f}"


# %% [markdown]
# ## Method
#
# **The paper's formulation.** For a classifier $f$ with a continuous loss, an image
# $x \in [0,1]^m$ and a target label $l \ne f(x)$, the closest image labelled $l$ solves
#
# $$
# \min_r \; \|r\|_2 \quad \text{subject to} \quad f(x + r) = l, \qquad x + r \in [0, 1]^m .
# $$
#
# The paper approximates it by box-constrained L-BFGS on the penalised problem
#
# $$
# \min_r \; c\,|r| + \operatorname{loss}_f(x + r, l) \quad \text{subject to} \quad x + r \in [0, 1]^m,
# $$
#
# with "a line-search to find the minimum $c > 0$ for which the minimizer $r$ satisfies
# $f(x + r) = l$". The distortion reported is the per-pixel RMS of the perturbation,
# $\sqrt{\sum_i r_i^2 / 784}$ on pixels in $[0, 1]$, averaged over the attacked images.
#
# **Our reading of what the paper leaves open** (`intriguing.attacks`):
#
# * $|r|$ is the **squared** L2 norm $\|r\|_2^2$, as in Carlini & Wagner's restatement of this
#   attack {cite}`carlini2017towards`. It is smooth, which L-BFGS needs. $\operatorname{loss}_f$
#   is the cross-entropy of the model's softmax.
# * **The search over $c$ is inverted.** A small $c$ lets the loss win, and the attack succeeds
#   with a large $r$; a large $c$ shrinks $r$ until the attack fails. "The minimum $c$ that
#   succeeds" would therefore give the *largest* perturbation. The smallest perturbation comes
#   from the **largest** $c$ that still succeeds, and that is what we search for. Starting at
#   $c = 1$, $c$ is multiplied by 4 after a success and divided by 4 after a failure until both
#   have been seen, then the bracket is bisected on a log scale. This takes at most 10 solves per
#   image, and stops once the bracket is narrower than 2%. Every point evaluated in any solve
#   that reaches the target is a candidate, and the closest one is kept.
# * **Success is confirmed.** A point counts only if the target's logit beats every other logit by
#   a margin of $10^{-3}$. The returned images are then re-classified by a separate forward pass,
#   and kept only if the margin is still at least half that. The margin is far above float32
#   rounding, so any later forward pass at any batch size classifies a returned image as its target.
#
# **The engine.** Solving one image at a time with scipy's L-BFGS-B is slow for 60,000 images
# (`benchmarks/bench_lbfgs.py` measures by how much). `intriguing.attacks.lbfgs_attack` solves a
# whole batch of images together in torch. Every image has its own $c$, its own L-BFGS memory,
# step length, convergence test and best point, all held in tensors. The Python loop runs over
# rounds, with one forward and backward pass of the whole batch per round; it never loops over
# images. The inner solver is a projected L-BFGS: pixels held at 0 or 1 by the gradient are
# frozen, the others take the quasi-Newton step, and a projected backtracking line search keeps
# every iterate in the box. The package's tests check it against scipy's L-BFGS-B on the same
# objective. On one thread of the CPU this chapter was executed on, it attacked roughly 500 images
# a second for the softmax models and 250 for the others (measured while writing the chapter; the
# notebook prints no timings).
#
# The settings, which the paper does not give, are `LBFGSConfig`'s defaults:

# %%
config = attacks.LBFGSConfig()
pd.DataFrame([config.asdict()], index=["LBFGSConfig"]).T.rename(columns={"LBFGSConfig": "value"})

# %% [markdown]
# ## Which wrong label?
#
# For AlexNet the paper pushes every image to one class ("ostrich"). For MNIST it does not say
# which label $l$ each image is pushed to. The tables only say the distortion is what it takes
# "to reach 0% accuracy", and any wrong label does that. Three rules fit the wording:
#
# * **random**: a uniformly random wrong label per image, reproducible from the image's index
#   (`attacks.random_targets`);
# * **runner-up**: the most likely wrong label according to the model;
# * **nearest**: all 9 wrong labels are attacked and the smallest distortion is kept (the closest
#   wrong class, as far as the attack can tell; 9 attacks per image).
#
# Below are all three on the first training images of each model: random and runner-up on
# `N_COMPARE` images, nearest on the first `N_NEAREST` of them.

# %%
sets = {name: adversarial.adversarial_set(name, "train", n=N_IMAGES, target="random", device=device, mnist=mnist)
        for name in MODELS}
rule_sets = {name: {"runner-up": adversarial.adversarial_set(name, "train", n=N_COMPARE, target="runner-up",
                                                             device=device, mnist=mnist),
                    "nearest": adversarial.adversarial_set(name, "train", n=N_NEAREST, target="nearest",
                                                           device=device, mnist=mnist)}
             for name in MODELS}


def mean_distortion(adv: dict, n: int) -> float:
    """Mean distortion over the first ``n`` images of a set (they must all have been attacked successfully)."""
    ok = adv["success"][:n]
    if not bool(ok.all()):
        raise RuntimeError(f"{int((~ok).sum())} of the first {n} attacks failed: the mean would be biased")
    return float(adv["distortion"][:n].double().mean())


rows = []
for name in MODELS:
    p = paper.TABLE1[name]["distortion"]
    rnd, ru = mean_distortion(sets[name], N_COMPARE), mean_distortion(rule_sets[name]["runner-up"], N_COMPARE)
    near = mean_distortion(rule_sets[name]["nearest"], N_NEAREST)
    rnd_n, ru_n = mean_distortion(sets[name], N_NEAREST), mean_distortion(rule_sets[name]["runner-up"], N_NEAREST)
    rows.append({"model": name, "paper": f"{p:g}", "random": sig(rnd), "runner-up": sig(ru),
                 "nearest": sig(near), "random ÷ paper": sig(rnd / p, 2), "runner-up ÷ paper": sig(ru / p, 2),
                 "nearest ÷ paper": sig(near / p, 2),
                 f"random ÷ nearest (first {N_NEAREST})": sig(rnd_n / near, 2),
                 f"runner-up ÷ nearest (first {N_NEAREST})": sig(ru_n / near, 2)})
rules_table = pd.DataFrame(rows).set_index("model")
tables.formatted(rules_table, "{}")

# %% [markdown]
# Mean minimal distortion (RMS) by target rule. The random and runner-up columns average over
# the first `N_COMPARE` training images, and the nearest column over the first `N_NEAREST`. The
# last two columns compare the rules on the same `N_NEAREST` images.
#
# **The random rule reproduces the paper's column, and the other two do not.** With a random wrong
# label our means fall within about a quarter of the paper's for every model. With the runner-up
# or the nearest label they are 0.4 to 0.7 times the paper's. The reason is geometric. A random
# wrong class is on average much farther from an image than the closest wrong class. A "4" sits
# near the boundary with "9" but far from "0", and a random target is the closest class only about
# one time in nine. So the random rule needs 1.6 to 2.2 times the distortion of the nearest (the
# "random ÷ nearest" column). The runner-up, the class the model already ranks second, is nearly
# always the nearest class: the two rules differ by 10% at most, and not at all for the softmax
# models. Both rules fit the paper's "0% accuracy" wording, but only the random rule gives the
# paper's numbers, so we take it as the paper's rule. The rest of the chapter, and the later
# chapters that reuse these adversarial sets, use it.
#
# One consequence concerns images the model already misclassifies. Under the runner-up and
# nearest rules they need no perturbation at all, because their predicted class is a wrong label
# and the nearest one. Under the random rule such an image is still pushed to its random target.
# It costs nothing only when the model already predicts that target.
#
# ## Table 1
#
# Training and test errors are those of chapter 0 (all 60,000 training and 10,000 test images,
# exact counts). The distortion is the mean over the first `N_IMAGES` training images, each pushed
# to a random wrong label, with a 95% confidence interval for the mean (normal approximation, which
# is accurate for a mean over thousands of images). It counts every image toward its target,
# already-misclassified images included, as the engine does. The strict "0% accuracy" reading
# would count those images as 0; it is the last column. The success rate is checked again with a
# fresh forward pass here: every adversarial image must be classified as its target.

# %% tags=["full-width"]
def final_error(t, subset: str) -> str:
    """Error in % after the last epoch, from the training history (an exact count, as text)."""
    return tables.percent(t.history[f"errors_{subset}"][-1], t.history["sizes"][subset])


rows, ratios = [], {}
for name in MODELS:
    t, p, adv = trained[name], paper.TABLE1[name], sets[name]
    ok = adv["success"]
    pred_adv = predict(t.model, adv["images"].to(device)).cpu()
    assert bool(torch.equal(pred_adv[ok], adv["targets"][ok])), f"{name}: a confirmed success is not its target"
    dist = adv["distortion"][ok]
    mean, lo, hi = stats.mean_ci(dist)
    wrong = (predict(t.model, x_train[:N_IMAGES]).cpu() != adv["labels"])
    strict = float(torch.where(wrong, 0.0, adv["distortion"].double()).mean()) if bool(ok.all()) else math.nan
    ratios[name] = mean / p["distortion"]
    rows.append({
        "model": name,
        "train error % (paper)": f"{p['train']:g}", "train error % (ours)": final_error(t, "train"),
        "test error % (paper)": f"{p['test']:g}", "test error % (ours)": final_error(t, "test"),
        "av. min. distortion (paper)": f"{p['distortion']:g}", "av. min. distortion (ours)": sig(mean),
        "95% CI": f"[{sig(lo)}, {sig(hi)}]", "ours ÷ paper": sig(ratios[name], 2),
        "attacks succeeded %": tables.percent(int(ok.sum()), len(ok)),
        f"misclassified (of {N_IMAGES:,})": f"{int(wrong.sum()):,}",
        "distortion, misclassified as 0": sig(strict),
    })
table1 = pd.DataFrame(rows).set_index("model")
all_succeeded = all(bool(sets[m]["success"].all()) for m in MODELS)
print("every attack succeeded" if all_succeeded else "SOME ATTACKS FAILED: see the success column")
tables.formatted(table1, "{}")

# %% [markdown]
# **Every attack succeeded.** All `N_IMAGES` images of every model were pushed to their target
# class, and a fresh forward pass confirms each one. This holds for `FC10(1)` too, the model the
# paper trained with $\lambda = 1$ to see whether extreme weight decay removes adversarial
# examples. It does not: the attack needs a larger distortion there, but it always finds one. On
# this point the paper's central claim holds for every model and every image we tried.
#
# ## Table 1 at the paper's scale
#
# The paper's distortions are averages over all 60,000 training images; the table above averages
# over the first `N_IMAGES`. Attacking all of them for the six models takes longer than the book's
# CI can spend on one chapter, so the full-scale column comes from a *long run*
# (`intriguing.longrun`): this chapter's own attack, on every training image in chunks of 1,000,
# computed once by `python tools/longrun.py run table1_paper_scale` and committed as
# `results/longrun/table1_paper_scale.json` with its provenance (printed above the table). CI
# recomputes its first chunk of every model and fails if a single bit differs from the committed
# file. Its chunks are the batches this chapter attacks, with the same targets, so its first 5,000
# images are this chapter's sets bit for bit; the check below says whether their means agree. The
# interval covers the sampling of images for one trained model of each kind (one training seed).

# %% tags=["full-width"]
try:
    full = longrun.load("table1_paper_scale")
except longrun.LongRunError as exc:  # e.g. a Colab runtime without the repository's results/
    full = None
    print(f"the paper-scale column is not available here: {exc}")
if full is not None:
    print(longrun.provenance(full))
    first = full["params"]["compare_first"]
    shown_full = [m for m in MODELS if m in full["summary"]]
    if N_IMAGES == first:
        same = all(sig(full["summary"][m][f"mean_first_{first}"]) == table1.loc[m, "av. min. distortion (ours)"]
                   for m in shown_full)
        print(f"its first {first:,} images give this chapter's means: {'yes' if same else 'NO (see the file)'}")
    full_rows = []
    for name in shown_full:
        s, p = full["summary"][name], paper.TABLE1[name]["distortion"]
        full_rows.append({
            "model": name, "av. min. distortion (paper)": f"{p:g}",
            f"ours, first {N_IMAGES:,} (above)": table1.loc[name, "av. min. distortion (ours)"],
            f"ours, all {s['images']:,}": sig(s["mean"]), "95% CI (images)": f"[{sig(s['ci95'][0])}, {sig(s['ci95'][1])}]",
            "all ÷ paper": sig(s["mean"] / p, 2), "succeeded": f"{s['succeeded']:,} of {s['images']:,}",
            "passes per image": f"{s['evaluations_per_image']:.1f}",
        })
    display(tables.formatted(pd.DataFrame(full_rows).set_index("model"), "{}"))

# %% [markdown]
# ## Figure 7: adversarial examples vs Gaussian noise
#
# The paper's Fig. 7 shows a randomly chosen subset of MNIST with adversarial versions for a
# linear model (RMS 0.06) and for the 200-200-10 network (RMS 0.063), beside the same digits with
# Gaussian noise of standard deviation 1. Below are our analogues, with the same `N_SHOWN` images
# in every panel, drawn by a seeded random permutation of the attacked images with no selection
# afterwards. The paper does not say whether its noisy images were clipped back to $[0, 1]$. We
# show both readings, and count the accuracy each kind of distortion leaves on all `N_IMAGES`
# images.

# %% mystnb={"image": {"alt": "Four panels of MNIST digit pairs, each pair an original beside its distorted version: adversarial examples for a linear model and for a 200-200-10 network, then Gaussian noise of standard deviation 1, unclipped and clipped. The adversarial versions look like the originals with faint grey speckle; the noisy versions are covered in black and white static that hides much of the digit."}}
gen = torch.Generator().manual_seed(SEED)
shown = torch.randperm(N_IMAGES, generator=gen)[:N_SHOWN]
x_att = x_train[:N_IMAGES]
noisy = {"unclipped": noise.gaussian_noise(x_att, NOISE_STD, seed=SEED, clip=False),
         "clipped to [0, 1]": noise.gaussian_noise(x_att, NOISE_STD, seed=SEED, clip=True)}
x_shown = x_att[shown].cpu()
panels = [(f"adversarial for {m}\nmean RMS {sig(float(sets[m]['distortion'][shown].mean()), 2)} on these {N_SHOWN}",
           x_shown, sets[m]["images"][shown]) for m in FIG7_MODELS]
panels += [(f"Gaussian noise σ = {NOISE_STD:g}, {reading}\n"
            f"mean RMS {sig(float(attacks.rms_distortion(xn[shown], x_att[shown]).mean()), 2)}",
            x_shown, xn[shown].cpu()) for reading, xn in noisy.items()]
panels = [(f"({'abcdefgh'[i]}) {title}", o, d) for i, (title, o, d) in enumerate(panels)]
fig = plots.paired_panels(panels, pairs_per_row=3)

# %% [markdown]
# **Figure 1 (the paper's Fig. 7).** `N_SHOWN` training images drawn at random (seed `SEED`),
# three pairs to a row. In every panel, the left image of a pair is the original and the right one
# (framed in orange) its distorted version: (a, b) adversarial examples for `FC10(1e-4)` and
# `FC200-200-10`, each pushed to a random wrong label; (c, d) Gaussian noise of standard deviation
# 1, unclipped and clipped to $[0, 1]$. Unclipped pixels outside $[0, 1]$ are drawn black or
# white. The panel titles give the mean RMS distortion of the images shown. The adversarial
# changes are faint grey speckle; the noise drowns the digit.

# %%
rows = []
y_att = y_train[:N_IMAGES]
for name in MODELS:
    model = trained[name].model
    row = {"model": name}
    counts = {"clean": int((predict(model, x_att) == y_att).sum()),
              "adversarial (own)": int((predict(model, sets[name]["images"].to(device)) == y_att).sum())}
    counts.update({f"noise σ={NOISE_STD:g}, {k}": int((predict(model, xn) == y_att).sum())
                   for k, xn in noisy.items()})
    for what, count in counts.items():
        lo, hi = stats.wilson_interval(count, N_IMAGES)
        row[f"{what}: accuracy %"] = tables.percent(count, N_IMAGES)
        row[f"{what}: 95% CI"] = f"[{100 * lo:.2f}, {100 * hi:.2f}]"
    rows.append(row)
accuracy = pd.DataFrame(rows).set_index("model")
rms_noise = {k: sig(float(attacks.rms_distortion(xn, x_att).mean())) for k, xn in noisy.items()}
print(f"mean RMS distortion of the noise on the {N_IMAGES:,} images: "
      + ", ".join(f"{k}: {v}" for k, v in rms_noise.items()))
tables.formatted(accuracy.T, "{}")

# %% [markdown]
# Accuracy in % on the first `N_IMAGES` training images, with 95% Wilson intervals: clean, as
# adversarial examples for the model itself, and with Gaussian noise (one seeded draw, the same
# for every model).
#
# **The adversarial examples leave 0% accuracy** on their own model, as in the paper, with about
# 6% of the noise's RMS distortion (0.06 against 1.0). **Unclipped noise of standard deviation 1
# leaves about half the images correctly classified**, in line with the paper's 51% for its linear
# model and its 200-200-10 net. Clipped noise leaves far fewer (about 20% for those two models).
# Clipping cuts the noise's RMS to about 0.5, but it also makes the noise one-sided on the black
# background: a pixel at 0 can only get brighter, so a clipped noisy image is a grey wash (mean
# brightness about 0.3 on the background), not a digit plus zero-mean noise. The paper's 51%
# therefore points to unclipped noise. The claim holds either way: a perturbation 8 to 16 times
# smaller (in RMS) than the noise does what the noise cannot. The other models show the same
# contrast. The strongly regularised `FC10(1)` and the autoencoder are the most robust to
# unclipped noise (72% and 78%), but the autoencoder is the least robust to clipped noise (10%):
# which noise is "random distortion" changes the ranking of the models, not the conclusion.
#
# ## Figure 5: what the perturbation looks like
#
# The paper's Fig. 5 shows, for AlexNet, triplets of the original, the difference magnified 10
# times (shifted to mid-grey and clamped), and the adversarial image. Here are the MNIST analogues,
# for the first `N_TRIPLETS` images of the Fig. 7 sample (no selection) and every model. The
# target of an image is the same for every model, because the random rule keys it to the image's
# index.

# %% mystnb={"image": {"alt": "A grid of MNIST images: on top three original digits, a 1, a 7 and a 2, each labelled with its true label and target; below, one row per Table 1 model with, for each digit, the perturbation magnified 10 times on a mid-grey background beside the adversarial image. The magnified perturbations are smooth blobs for the softmax models, speckle spread over the whole image for the sigmoid networks and larger blobs for the autoencoder; the adversarial images look like the originals."}}
pick = shown[:N_TRIPLETS]
orig = x_att[pick].cpu()
col_labels = [f"{int(y_att[i])} → {int(sets[MODELS[0]]['targets'][i])}" for i in pick]
fig = plots.adversarial_triplets(orig, torch.stack([sets[m]["images"][pick] for m in MODELS]),
                                 row_labels=MODELS, col_labels=col_labels)

# %% [markdown]
# **Figure 2 (the paper's Fig. 5).** The first `N_TRIPLETS` images of Figure 1's sample. Top row:
# each original once, beside its true label and its random target ("true label → target", the
# same for every model). Below, one row per Table 1 model and, for each image, the paper's
# triplet without its repeated original: the perturbation magnified 10 times around mid-grey
# ("diff ×10"; lighter: brighter pixel, darker: dimmer, clipped to the grey scale) and the
# adversarial example, which the model classifies as the target. The table below gives each
# image's distortion (RMS).

# %%
triplet_distortion = pd.DataFrame({lab: [sets[m]["distortion"][i].item() for m in MODELS]
                                   for lab, i in zip(col_labels, pick.tolist())}, index=MODELS)
tables.formatted(triplet_distortion, {c: lambda v: sig(v, 2) for c in triplet_distortion.columns})

# %% [markdown]
# Distortion (RMS) of each image of Figure 2, by model. An image with distortion 0 (a flat grey
# difference) is one the model already misclassifies as its random target.
#
# The softmax models' perturbations are smooth blobs, smoother the stronger the weight decay: the
# gradient of a linear model is the difference of two weight images, and the decay smooths those.
# The sigmoid networks' perturbations are speckled and spread over the whole image. The
# autoencoder's are blobs built from its features. All of them are hard to see at their true
# scale (the "adversarial" columns of Figure 2).
#
# ## The distribution of minimal distortions

# %% mystnb={"image": {"alt": "Horizontal violin plots of the minimal distortion per image, one violin per Table 1 model, on an axis from 0 to about 0.28 RMS, with a black bar at our mean and a white diamond at the paper's mean. The violins are wide and skewed to the right; the diamonds sit close to the bars except for FC10(1e-2) and FC10(1), where the paper's mean is larger, and AE400-10, where it is smaller."}}
fig = plots.distortion_distributions(
    {m: sets[m]["distortion"][sets[m]["success"]].numpy() for m in MODELS},
    {m: paper.TABLE1[m]["distortion"] for m in MODELS})

# %% [markdown]
# **Figure 3.** The minimal distortion found for each of the first `N_IMAGES` training images,
# by model (violins cut at the extremes; the thin lines are the median and quartiles). The black
# bar is our mean (Table 1) and the white diamond the paper's average. The distributions are wide:
# from the 10th to the 90th percentile the distortion grows by a factor of 3 to 4 (table below),
# and the top 1% of images need two to three times the mean. For the softmax models and the
# autoencoder, a few images need none, because the model already predicts their random target.

# %%
quant = pd.DataFrame({m: np.quantile(sets[m]["distortion"][sets[m]["success"]].double().numpy(),
                                     [0.1, 0.5, 0.9, 0.99]) for m in MODELS},
                     index=["10th percentile", "median", "90th percentile", "99th percentile"]).T
tables.formatted(quant, {c: sig for c in quant.columns})

# %% [markdown]
# ## Differences from the paper
#
# * **Which label.** The paper does not say which wrong label each MNIST image is pushed to. We
#   showed above that a random wrong label reproduces its distortions and the closest wrong
#   label gives 0.4 to 0.7 of them. The paper's numbers are therefore most likely distances to a
#   *random* wrong class, not to the nearest decision boundary. The distortion that makes an
#   image misclassified at all, toward whichever class is closest, is about half as large:
#   0.026 to 0.058 RMS on our models (the "nearest" column).
# * **Softmax models.** `FC10(1e-4)` matches the paper (0.059 vs 0.062). In both, the distortion
#   grows with $\lambda$, but ours grows more slowly: 0.080 vs 0.1 at $\lambda = 10^{-2}$, and
#   0.107 vs 0.14 at $\lambda = 1$. That last one is 24% below the paper, just inside our 25% rule.
#   Chapter 0 found the same pattern in the errors (8.4% vs 10% and 16% vs 21% training error):
#   our reading of the paper's weight decay is weaker than its own at large $\lambda$. Our
#   strongly decayed models are less regularised than the paper's, so they need less distortion.
# * **Sigmoid networks.** `FC100-100-10` matches (0.057 vs 0.058). `FC200-200-10` is within 10%
#   (0.060 vs 0.065). Both our networks fit the training set exactly, as the paper's do.
# * **`AE400-10`.** Our distortion is about 15% *above* the paper's (0.099 vs 0.086). Our frozen
#   autoencoder is weaker than the paper's (chapter 0: about 2% training error against 0.57%), and
#   its softmax underfits. We have not tested why that makes it harder to attack. A plausible
#   reason is that its features are smooth and each averages over many pixels, so moving them
#   takes more pixel change. As in the paper, it is the most resistant of the models with
#   near-zero training error.
# * **Sample.** Our means are over the first `N_IMAGES` training images, the paper's over all
#   60,000. The confidence intervals cover that sampling error (about ±1%). They do not cover the
#   differences between our models and the paper's, which are larger. `N_IMAGES = 60000` runs the
#   full set.
# * **Already misclassified images.** We push them to their random target like every other
#   image. Counting them as 0, the strict reading of "0% accuracy", lowers the means of the
#   softmax models by 5% to 11% (last column of Table 1), and moves `FC10(1)` further from the
#   paper's 0.14. The paper's 0.14 is above every reading of ours, so this choice does not
#   decide the comparison; it makes no difference for the sigmoid networks, which misclassify
#   no training image.
# * **Loss and optimiser.** The cross-entropy, the squared norm and every setting of the search
#   are our choices. A different loss, such as Carlini & Wagner's logit margin
#   {cite}`carlini2017towards`, finds smaller perturbations for the same target.
#
# **Caveat: an upper bound.** L-BFGS finds *a* close adversarial example. The truly minimal
# distortion toward a target is at most what we report, and could be smaller: the problem is
# non-convex for the multi-layer networks, the search over $c$ stops at a 2% bracket, and each
# solve at 100 iterations. For the softmax models the penalised problem is convex, so for a given
# $c$ the solve finds the optimum, up to the tolerances. Chapter 5 sets these distortions against
# a certified lower bound from the networks' Lipschitz constants. The adversarial sets computed
# here (first `N_IMAGES` training images, random targets, default settings) are kept in the
# book's cache, and the transfer and Lipschitz chapters reuse them.
#
# ## Summary for the results page
#
# A distortion within 25% of the paper's counts as reproduced, and within a factor of 2 as partly
# reproduced (the claim that small adversarial perturbations exist holds; the size differs). The
# success rate must be 100% to count as reproduced. Fig. 7's accuracies are reproduced if the
# adversarial examples leave 0% and the noise leaves within 10 points of the paper's 51%.

# %%
WHY = {
    "FC10(1e-4)": "random wrong target; our model's errors match the paper's",
    "FC10(1e-2)": "our weight-decay reading is weaker at large λ (chapter 0)",
    "FC10(1)": "our weight-decay reading is weaker at large λ (chapter 0)",
    "FC100-100-10": "random wrong target; 0% training error as in the paper",
    "FC200-200-10": "random wrong target; 0% training error as in the paper",
    "AE400-10": "our weaker autoencoder features need a larger perturbation",
}


def verdict(ratio: float) -> str:
    if abs(ratio - 1) <= 0.25:
        return "reproduced"
    return "partly" if 0.5 <= ratio <= 2 else "not reproduced"


summary = [results.row("Table 1: average minimal distortion (RMS) to reach 0% accuracy",
                       f"{name}: av. min. distortion", f"{paper.TABLE1[name]['distortion']:g}",
                       table1.loc[name, "av. min. distortion (ours)"], verdict(ratios[name]),
                       WHY[name] + f" (first {N_IMAGES:,} training images)")
           for name in MODELS]
summary.append(results.row(
    "Sec. 4.2: an adversarial example exists for every sample", "attacks that succeeded, all models", "100%",
    f"{sum(int(sets[m]['success'].sum()) for m in MODELS):,} of {len(MODELS) * N_IMAGES:,}",
    "reproduced" if all_succeeded else "not reproduced", "confirmed by a separate forward pass with a margin"))
summary.append(results.row(
    "Sec. 4.1: the MNIST target label", "distortion ÷ paper, runner-up target rule",
    "1 (rule not stated)", ", ".join(rules_table["runner-up ÷ paper"]), "beyond the paper",
    "the nearest wrong class needs about half the paper's distortion; a random one matches it"))
for name in FIG7_MODELS:
    adv_acc = accuracy.loc[name, "adversarial (own): accuracy %"]
    noise_acc = accuracy.loc[name, f"noise σ={NOISE_STD:g}, unclipped: accuracy %"]
    ok7 = float(adv_acc) == 0 and abs(float(noise_acc) - 51) <= 10
    summary.append(results.row(
        "Fig. 7: adversarial examples vs Gaussian noise σ = 1", f"{name}: accuracy %, adversarial / noise",
        "0 / 51", f"{adv_acc} / {noise_acc}", "reproduced" if ok7 else "partly",
        f"unclipped noise; clipped to [0, 1] it leaves "
        f"{accuracy.loc[name, f'noise σ={NOISE_STD:g}, clipped to [0, 1]: accuracy %']}%"))
results.record("03_lbfgs", "Box-constrained L-BFGS adversaries", summary)
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict"]]
