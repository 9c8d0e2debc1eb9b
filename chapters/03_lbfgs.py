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
# ```{glue:md} first_screen
# :format: myst
# ```
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
# Training images attacked per model: the first N_IMAGES of the training set, each toward a
# random wrong label. The paper attacks all of them: N_IMAGES = 60000 (about 20 minutes on one
# CPU thread, or a minute or two with DEVICE = "cuda"). 5000: under 3 minutes on 2 shared CPU
# cores.
N_IMAGES = 5000
N_COMPARE = 1000  # images attacked with the "runner-up" target rule too (at most N_IMAGES)
# Images attacked toward all 9 wrong labels, the "nearest" rule (at most N_COMPARE).
N_NEAREST = 200
# The paper's Fig. 7: a linear model and 200-200-10.
FIG7_MODELS = ["FC10(1e-4)", "FC200-200-10"]
# Images in each panel of the Fig. 7 analogue (a multiple of 3: three pairs to a row).
N_SHOWN = 12
N_TRIPLETS = 3  # images in the Fig. 5 analogue (the first N_TRIPLETS of the Fig. 7 sample)
# Magnification of the differences in the Fig. 5 analogue. The paper's Fig. 5 uses 10; MNIST's
# perturbations are larger per pixel, and at 10 many of their pixels clip to black or white.
DIFF_FACTOR = 5
BUDGETS = [0.03, 0.06, 0.1]  # RMS budgets: the share of images fooled within each
NOISE_STD = 1.0  # standard deviation of the Gaussian noise of Fig. 7
SEED = 0  # seed of the displayed sample and of the noise
DEVICE = "auto"  # "auto": CUDA when present, else CPU
# Progress bars while a zoo model trains (keep False for executed, checked notebooks).
PROGRESS = False
# "drive": keep the trained models, attack sets and results on Google Drive (Colab).
PERSIST = ""

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import math
from collections import Counter

import numpy as np
import pandas as pd
import torch
from IPython.display import display

from intriguing import (adversarial, attacks, longrun, noise, paper, params, plots, prose, results,
                        runtime, stats, tables, verdicts, zoo)
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
params.check_count("N_SHOWN", N_SHOWN, 3, N_IMAGES, "a number of images, at most N_IMAGES,",
                   multiple_of=3)
params.check_count("N_TRIPLETS", N_TRIPLETS, 1, N_SHOWN, "a number of images, at most N_SHOWN,")
for name, value in (("NOISE_STD", NOISE_STD), ("DIFF_FACTOR", DIFF_FACTOR)):
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
if not (BUDGETS and all(isinstance(b, (int, float)) and b > 0 for b in BUDGETS)):
    raise ValueError(f"BUDGETS must be a list of positive RMS distortions, got {BUDGETS!r}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
trained = {name: zoo.get_model(name, mnist=mnist, device=device, progress=PROGRESS)
           for name in MODELS}
x_train, y_train = mnist.subset("train")
print(runtime.describe())
print(f"attacking the first {N_IMAGES:,} training images of {len(MODELS)} models; target rules "
      f"compared on the first {N_COMPARE:,} (nearest: first {N_NEAREST:,})")
sig = tables.sig
#: The softmax models of MODELS (one weight layer): the paper's linear models.
SOFTMAX = [m for m in MODELS if trained[m].spec.arch == "mlp" and len(trained[m].spec.sizes) == 2]


def span(values, digits: int = 2) -> str:
    """The range of ``values`` for the prose, each end to ``digits`` significant digits."""
    values = list(values)
    if not values:
        return "—"
    lo, hi = sig(min(values), digits), sig(max(values), digits)
    return lo if lo == hi else f"{lo} to {hi}"


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
def attack_sets(name: str) -> dict:
    """The cached adversarial sets of model ``name``: random targets on N_IMAGES images,
    runner-up on N_COMPARE and nearest on N_NEAREST."""
    def one(n, target):
        return adversarial.adversarial_set(name, "train", n=n, target=target, device=device,
                                           mnist=mnist)
    return {"random": one(N_IMAGES, "random"), "runner-up": one(N_COMPARE, "runner-up"),
            "nearest": one(N_NEAREST, "nearest")}


by_rule = {name: attack_sets(name) for name in MODELS}
sets = {name: by_rule[name]["random"] for name in MODELS}
rule_sets = {name: {k: by_rule[name][k] for k in ("runner-up", "nearest")} for name in MODELS}


def mean_distortion(adv: dict, n: int) -> float:
    """Mean distortion over the first ``n`` images of a set (all must have been attacked
    successfully)."""
    ok = adv["success"][:n]
    if not bool(ok.all()):
        raise RuntimeError(f"{int((~ok).sum())} of the first {n} attacks failed: the mean would "
                           "be biased")
    return float(adv["distortion"][:n].double().mean())


rows, rule_means = [], {}
for name in MODELS:
    p = paper.TABLE1[name]["distortion"]
    rnd = mean_distortion(sets[name], N_COMPARE)
    ru = mean_distortion(rule_sets[name]["runner-up"], N_COMPARE)
    near = mean_distortion(rule_sets[name]["nearest"], N_NEAREST)
    rnd_n = mean_distortion(sets[name], N_NEAREST)
    ru_n = mean_distortion(rule_sets[name]["runner-up"], N_NEAREST)
    rule_means[name] = {"random": rnd, "runner-up": ru, "nearest": near,
                        "random ÷ nearest": rnd_n / near, "runner-up ÷ nearest": ru_n / near}
    rows.append({"model": name, "paper": f"{p:g}", "random": sig(rnd), "runner-up": sig(ru),
                 "nearest": sig(near), "random ÷ paper": sig(rnd / p, 2),
                 "runner-up ÷ paper": sig(ru / p, 2), "nearest ÷ paper": sig(near / p, 2),
                 f"random ÷ nearest (first {N_NEAREST})": sig(rnd_n / near, 2),
                 f"runner-up ÷ nearest (first {N_NEAREST})": sig(ru_n / near, 2)})
rules_table = pd.DataFrame(rows).set_index("model")
tables.formatted(rules_table, "{}")

# %% tags=["remove-input"]
# The numbers of the discussion below, from the table above.
over_paper = {rule: {m: rule_means[m][rule] / paper.TABLE1[m]["distortion"] for m in MODELS}
              for rule in ("random", "runner-up", "nearest")}
prose.glue_all({
    "rnd_paper": span(over_paper["random"].values()),
    "rule_paper": span([*over_paper["runner-up"].values(), *over_paper["nearest"].values()]),
    "rnd_near": span(rule_means[m]["random ÷ nearest"] for m in MODELS),
    "ru_near": span(rule_means[m]["runner-up ÷ nearest"] for m in MODELS),
    "weaker": span(1 / over_paper["nearest"][m] for m in MODELS),
    "ru_softmax": span(over_paper["runner-up"][m] for m in SOFTMAX),
    "rnd_softmax": ", ".join(sig(over_paper["random"][m], 2) for m in SOFTMAX) or "—",
    "nearest_range": span(rule_means[m]["nearest"] for m in MODELS),
})

# %% [markdown]
# Mean minimal distortion (RMS) by target rule. The random and runner-up columns average over
# the first `N_COMPARE` training images, and the nearest column over the first `N_NEAREST`. The
# last two columns compare the rules on the same `N_NEAREST` images.
#
# **Only the random rule gives numbers close to the paper's column.** With a random wrong label
# our means are {glue:text}`rnd_paper` times the paper's. With the runner-up or the nearest label
# they are {glue:text}`rule_paper` times the paper's. The reason is geometric. A random wrong class
# is on average much farther from an image than the closest wrong class. A "4" sits near the
# boundary with "9" but far from "0", and a random target is the closest class only about one time
# in nine. So the random rule needs {glue:text}`rnd_near` times the distortion of the nearest (the
# "random ÷ nearest" column). The runner-up, the class the model already ranks second, is nearly
# always the nearest class: runner-up ÷ nearest is {glue:text}`ru_near`.
#
# **The random rule is an assumption, not an inference.** The paper's numbers fix a combination of
# two unknowns, the target rule and the strength of the attack, and distortions alone cannot
# separate them. The random rule with our attack fits the paper's column. The nearest or runner-up
# label with an attack weaker than ours by a factor of {glue:text}`weaker` (the paper's distortion
# ÷ our nearest one, model by model) would fit it as well. Several readings of the paper's method
# give such a weaker attack:
#
# * the paper's literal line search for the *minimum* $c$ that succeeds, which (see Method) returns
#   the largest successful perturbation of the search, not the smallest;
# * $|r|$ read as the L1 norm, so that the attack minimises another norm than the RMS the table
#   reports;
# * a coarse grid of values of $c$ instead of our bisection, or fewer iterations per solve;
# * another loss than the cross-entropy.
#
# The runner-up ratio is nearly the same for the three softmax models ({glue:text}`ru_softmax` of
# the paper's). That is what a constant factor between two attacks would give, whereas the random
# rule's ratios for the same models are {glue:text}`rnd_softmax`. Nothing here decides between
# these explanations. We take the random rule as the paper's, and the rest of the chapter, and the
# later chapters that reuse these adversarial sets, use it. Table 1's distortions were used to
# choose the rule, so they cannot confirm it: on the results page they are *fitted* rows, not
# counted. The rule's out-of-sample check is Table 3 in chapter 4: the test-set distortions of
# three networks the rule was not chosen on. The choice has consequences beyond Table 1. Under the
# random rule, "minimal distortion" is not the distance to the nearest decision boundary, which is
# {glue:text}`nearest_range` RMS on our models (the "nearest" column). Random targets also make
# adversarial examples transfer to other models more often than runner-up targets do (chapter 4
# gives the numbers).
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
rows, ratios, t1 = [], {}, {}
for name in MODELS:
    t, p, adv = trained[name], paper.TABLE1[name], sets[name]
    ok = adv["success"]
    pred_adv = predict(t.model, adv["images"].to(device)).cpu()
    assert bool(torch.equal(pred_adv[ok], adv["targets"][ok])), \
        f"{name}: a confirmed success is not its target"
    dist = adv["distortion"][ok]
    mean, lo, hi = stats.mean_ci(dist)
    wrong = (predict(t.model, x_train[:N_IMAGES]).cpu() != adv["labels"])
    strict = (float(torch.where(wrong, 0.0, adv["distortion"].double()).mean())
              if bool(ok.all()) else math.nan)
    ratios[name] = mean / p["distortion"]
    t1[name] = {"mean": mean, "ci95": (lo, hi), "strict": strict, "wrong": int(wrong.sum())}
    rows.append({
        "model": name,
        "train error % (paper)": f"{p['train']:g}",
        "train error % (ours)": tables.final_error(t, "train"),
        "test error % (paper)": f"{p['test']:g}",
        "test error % (ours)": tables.final_error(t, "test"),
        "av. min. distortion (paper)": f"{p['distortion']:g}",
        "av. min. distortion (ours)": sig(mean),
        "95% CI": f"[{sig(lo)}, {sig(hi)}]", "ours ÷ paper": sig(ratios[name], 2),
        "attacks succeeded %": tables.percent(int(ok.sum()), len(ok)),
        f"misclassified (of {N_IMAGES:,})": f"{int(wrong.sum()):,}",
        "distortion, misclassified as 0": sig(strict),
    })
table1 = pd.DataFrame(rows).set_index("model")
all_succeeded = all(bool(sets[m]["success"].all()) for m in MODELS)
print("every attack succeeded" if all_succeeded else "SOME ATTACKS FAILED: see the success column")
tables.formatted(table1, "{}")

# %% tags=["remove-input"]
n_ok = sum(int(sets[m]["success"].sum()) for m in MODELS)
_ = prose.glue("success_head", "Every attack succeeded." if all_succeeded else
               f"{len(MODELS) * N_IMAGES - n_ok:,} of {len(MODELS) * N_IMAGES:,} attacks failed.")

# %% [markdown]
# **{glue:text}`success_head`** A fresh forward pass confirms each success: the image is
# classified as its target. This includes `FC10(1)`, the model the paper trained with
# $\lambda = 1$ to see whether extreme weight decay removes adversarial examples: the attack needs
# a larger distortion there, but it always finds one. That every attack succeeds holds by
# construction, though: the attack puts no bound on the distortion, so it reaches its target
# whenever the optimiser can get there at all, and it says nothing on its own about the paper's
# "very close". How close the examples are is what Table 1's distortions and the budgets below
# (how many images are fooled within a fixed distortion) measure.
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

# %% tags=["full-width", "hide-input"]
try:
    full = longrun.load("table1_paper_scale")
except longrun.LongRunError as exc:  # e.g. a Colab runtime without the repository's results/
    full = None
    print(f"the paper-scale column is not available here: {exc}")
shown_full = []
if full is not None:
    print(longrun.provenance(full))
    first = full["params"]["compare_first"]
    shown_full = [m for m in MODELS if m in full["summary"]]
    if N_IMAGES == first:
        same = all(sig(full["summary"][m][f"mean_first_{first}"])
                   == table1.loc[m, "av. min. distortion (ours)"] for m in shown_full)
        print(f"its first {first:,} images give this chapter's means: "
              f"{'yes' if same else 'NO (see the file)'}")
    full_rows = []
    for name in shown_full:
        s, p = full["summary"][name], paper.TABLE1[name]["distortion"]
        full_rows.append({
            "model": name, "av. min. distortion (paper)": f"{p:g}",
            f"ours, first {N_IMAGES:,} (above)": table1.loc[name, "av. min. distortion (ours)"],
            f"ours, all {s['images']:,}": sig(s["mean"]),
            "95% CI (images)": f"[{sig(s['ci95'][0])}, {sig(s['ci95'][1])}]",
            "all ÷ paper": sig(s["mean"] / p, 2),
            "succeeded": f"{s['succeeded']:,} of {s['images']:,}",
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

# %% mystnb={"image": {"alt": "Four panels of MNIST digit pairs, each pair an original beside its distorted version: adversarial examples for a linear model and for a 200-200-10 network, then Gaussian noise of standard deviation 1, unclipped and clipped. The adversarial versions are the same digits with a grey haze and grey blobs around the strokes, plainly visible on several of the linear model's digits and fainter for the 200-200-10 network; the noisy versions are covered in black and white static that hides much of the digit."}}
gen = torch.Generator().manual_seed(SEED)
shown = torch.randperm(N_IMAGES, generator=gen)[:N_SHOWN]
x_att = x_train[:N_IMAGES]
noisy = {"unclipped": noise.gaussian_noise(x_att, NOISE_STD, seed=SEED, clip=False),
         "clipped to [0, 1]": noise.gaussian_noise(x_att, NOISE_STD, seed=SEED, clip=True)}
x_shown = x_att[shown].cpu()
panels = [(f"adversarial for {m}\nmean RMS {sig(float(sets[m]['distortion'][shown].mean()), 2)} "
           f"on these {N_SHOWN}", x_shown, sets[m]["images"][shown]) for m in FIG7_MODELS]
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
# versions are the same digits, but they are not clean copies: a grey haze and grey blobs around
# the strokes, plainly visible on several of panel (a)'s digits and fainter in panel (b). The noise
# drowns the digit.

# %%
rows, acc_counts = [], {}
y_att = y_train[:N_IMAGES]
for name in MODELS:
    model = trained[name].model
    row = {"model": name}
    counts = {"clean": int((predict(model, x_att) == y_att).sum()),
              "adversarial (own)": int((predict(model, sets[name]["images"].to(device))
                                        == y_att).sum())}
    counts.update({f"noise σ={NOISE_STD:g}, {k}": int((predict(model, xn) == y_att).sum())
                   for k, xn in noisy.items()})
    acc_counts[name] = counts
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

# %% tags=["remove-input"]
# The numbers of the discussion below, from the table above.
UNCLIPPED, CLIPPED = (f"noise σ={NOISE_STD:g}, {k}: accuracy %" for k in noisy)


def listed(values) -> str:
    """Values of the Fig. 7 models for the prose: "48.00% and 51.98%"."""
    values = [f"{v}%" for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


adv_rms = {m: float(sets[m]["distortion"].double().mean()) for m in FIG7_MODELS}
noise_rms = {k: float(attacks.rms_distortion(xn, x_att).mean()) for k, xn in noisy.items()}
background = x_att == 0
order = {col: list(accuracy[col].astype(float).sort_values(ascending=False).index)
         for col in (UNCLIPPED, CLIPPED)}
top, bottom = order[UNCLIPPED][:2], order[CLIPPED][-1]
prose.glue_all({
    "fig7_models": " and ".join(f"`{m}`" for m in FIG7_MODELS),
    "fig7_adv_acc": listed(accuracy.loc[m, "adversarial (own): accuracy %"] for m in FIG7_MODELS),
    "fig7_adv_rms": " and ".join(sig(v) for v in adv_rms.values()),
    "noise_rms_unclipped": sig(noise_rms["unclipped"]),
    "noise_rms_clipped": sig(noise_rms["clipped to [0, 1]"]),
    "fig7_unclipped": listed(accuracy.loc[m, UNCLIPPED] for m in FIG7_MODELS),
    "fig7_clipped": listed(accuracy.loc[m, CLIPPED] for m in FIG7_MODELS),
    "clip_background": sig(float(noisy["clipped to [0, 1]"][background].double().mean()), 2),
    "noise_over_adv": span(n / a for n in noise_rms.values() for a in adv_rms.values()),
    "robust_unclipped": (" and ".join(f"`{m}`" for m in top) + " ("
                         + " and ".join(f"{accuracy.loc[m, UNCLIPPED]}%" for m in top) + ")"),
    "fragile_clipped": f"`{bottom}` ({accuracy.loc[bottom, CLIPPED]}%)",
    "ranking": ("changes the ranking of the models" if order[UNCLIPPED] != order[CLIPPED]
                else "leaves the ranking of the models as it is"),
})

# %% [markdown]
# Accuracy in % on the first `N_IMAGES` training images, with 95% Wilson intervals: clean, as
# adversarial examples for the model itself, and with Gaussian noise (one seeded draw, the same
# for every model).
#
# **The adversarial examples leave {glue:text}`fig7_adv_acc` accuracy** on their own model for
# {glue:text}`fig7_models`, as in the paper. That, too, holds by construction, since every attack
# reached its wrong target. They do it with a mean RMS distortion of {glue:text}`fig7_adv_rms`,
# against {glue:text}`noise_rms_unclipped` for the noise. **Unclipped noise of standard deviation
# 1 leaves {glue:text}`fig7_unclipped` of the images correctly classified**, against the paper's
# 51%. Clipped noise leaves {glue:text}`fig7_clipped`. Clipping cuts the noise's RMS to
# {glue:text}`noise_rms_clipped`, but it also makes the noise one-sided on the black background: a
# pixel at 0 can only get brighter, so a clipped noisy image is a grey wash (mean brightness
# {glue:text}`clip_background` on the background), not a digit plus zero-mean noise.
#
# **Which reading is the paper's is a choice, and a fitted one.** The paper does not say whether
# its noise was clipped. We read it as unclipped, partly because that reading gives numbers close
# to its 51%. So the Fig. 7 rows of the results page are *fitted*, not evidence. Nor does the paper
# say which of its two panels (the linear model or the 200-200-10 network) the 51% was measured
# on, or whether it is an average of both; each of ours is judged against it. The contrast the
# figure makes holds under either reading: a perturbation {glue:text}`noise_over_adv` times
# smaller (in RMS) than the noise does what the noise cannot. The other models show the same
# contrast. The most robust to unclipped noise are {glue:text}`robust_unclipped`, the least robust
# to clipped noise is {glue:text}`fragile_clipped`: which noise is "random distortion"
# {glue:text}`ranking`, not the conclusion.
#
# ## Figure 5: what the perturbation looks like
#
# The paper's Fig. 5 shows, for AlexNet, triplets of the original, the difference magnified 10
# times (shifted to mid-grey and clamped), and the adversarial image. Here are the MNIST analogues,
# for the first `N_TRIPLETS` images of the Fig. 7 sample (no selection) and every model. The
# target of an image is the same for every model, because the random rule keys it to the image's
# index. We magnify the difference `DIFF_FACTOR` times, not 10 times: an MNIST perturbation changes
# single pixels by a large part of the grey scale (the L∞ columns of the budget table below), and
# at 10 times {glue:text}`saturated_10`% of the pixels it changes by at least one grey
# level (1/255) would be clipped to black or white, hiding the perturbation's shape
# ({glue:text}`saturated_factor`% at `DIFF_FACTOR` times).

# %% mystnb={"image": {"alt": "A grid of MNIST images: on top three original digits, a 1, a 7 and a 2, each labelled with its true label and target; below, one row per Table 1 model with, for each digit, the perturbation magnified 5 times on a mid-grey background beside the adversarial image. The magnified perturbations are structured blobs, not speckle: smooth blobs for the softmax models, grainier patches on and around the stroke for the sigmoid networks and larger smooth blobs for the autoencoder; each dims parts of the stroke and brightens patches beside it. The adversarial images show faint grey blobs in the black background."}}
pick = shown[:N_TRIPLETS]
orig = x_att[pick].cpu()
col_labels = [f"{int(y_att[i])} → {int(sets[MODELS[0]]['targets'][i])}" for i in pick]
triplets = torch.stack([sets[m]["images"][pick] for m in MODELS])
fig = plots.adversarial_triplets(orig, triplets, row_labels=MODELS, col_labels=col_labels,
                                 factor=DIFF_FACTOR)

# %% tags=["remove-input"]
# How many of the figure's changed pixels the magnification clips (the text above).
change = triplets - orig
changed = change.abs() >= 1 / 255


def clipped_share(factor: float) -> str:
    saturated = (factor * change).abs() >= 0.5
    return tables.percent(int((saturated & changed).sum()), max(int(changed.sum()), 1), digits=0)


prose.glue_all({"saturated_10": clipped_share(10), "saturated_factor": clipped_share(DIFF_FACTOR)})

# %% [markdown]
# **Figure 2 (the paper's Fig. 5).** The first `N_TRIPLETS` images of Figure 1's sample. Top row:
# each original once, beside its true label and its random target ("true label → target", the
# same for every model). Below, one row per Table 1 model and, for each image, the paper's
# triplet without its repeated original: the perturbation magnified `DIFF_FACTOR` times around
# mid-grey ("diff ×" and the factor; lighter: brighter pixel, darker: dimmer, clipped to the grey
# scale) and the adversarial example, which the model classifies as the target. The table below
# gives each image's distortion (RMS).

# %%
triplet_distortion = pd.DataFrame({lab: [sets[m]["distortion"][i].item() for m in MODELS]
                                   for lab, i in zip(col_labels, pick.tolist())}, index=MODELS)
tables.formatted(triplet_distortion, {c: lambda v: sig(v, 2) for c in triplet_distortion.columns})

# %% [markdown]
# Distortion (RMS) of each image of Figure 2, by model. An image with distortion 0 (a flat grey
# difference) is one the model already misclassifies as its random target.
#
# The perturbations are structured, not speckle. Each dims parts of the stroke (dark) and
# brightens patches beside it (light). The softmax models' are smooth blobs, smoother the stronger
# the weight decay: the gradient of a linear model is the difference of two weight images, and the
# decay smooths those. The sigmoid networks' are grainier patches, concentrated on and around the
# stroke rather than spread over the whole image. The autoencoder's are larger blobs built from its
# features. At their true scale (the "adversarial" columns, and Figure 1) they are faint but not
# invisible: grey blobs in the black background beside the stroke.
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
# from the 10th to the 90th percentile the distortion grows by a factor of
# {glue:text}`p90_over_p10` (table below), and the 99th percentile is {glue:text}`p99_over_mean`
# times the mean. {glue:text}`zero_sentence`

# %%
quant = pd.DataFrame({m: np.quantile(sets[m]["distortion"][sets[m]["success"]].double().numpy(),
                                     [0.1, 0.5, 0.9, 0.99]) for m in MODELS},
                     index=["10th percentile", "median", "90th percentile", "99th percentile"]).T
tables.formatted(quant, {c: sig for c in quant.columns})

# %% tags=["remove-input"]
# The numbers of Figure 3's caption, from the table above.
def listed_models(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


zeros = {m: int((sets[m]["distortion"][sets[m]["success"]] == 0).sum()) for m in MODELS}
need_none = [m for m in MODELS if zeros[m]]
prose.glue_all({
    "p90_over_p10": span(quant.loc[m, "90th percentile"] / quant.loc[m, "10th percentile"]
                         for m in MODELS),
    "p99_over_mean": span(quant.loc[m, "99th percentile"] / t1[m]["mean"] for m in MODELS),
    "zero_sentence": (
        "Some images need no distortion at all, because the model already predicts their "
        "random target: " + listed_models(f"{zeros[m]:,} for `{m}`" for m in need_none) + "."
        if need_none else "Every image needs some distortion."),
})

# %% [markdown]
# ## How close is "very close"?
#
# The paper calls its adversarial examples "very close" and "visually indistinguishable" without
# a number beyond the average. An average hides how many images need much more. The table below
# gives the share of images fooled (pushed to their random target) within fixed RMS budgets, and
# the largest single-pixel change of each adversarial image, its L∞ distance on the $[0, 1]$ grey
# scale. It is computed from the adversarial sets above, with no new attack.

# %%
x_cpu = x_att.cpu()
rows = []
for name in MODELS:
    adv = sets[name]
    ok, dist = adv["success"], adv["distortion"].double()
    linf = (adv["images"] - x_cpu).abs().amax(1).double()[ok].numpy()
    row = {"model": name}
    for b in BUDGETS:
        row[f"fooled within RMS {b:g} (%)"] = tables.percent(int((ok & (dist <= b)).sum()),
                                                             N_IMAGES)
    row["L∞: median"], row["L∞: 90th percentile"] = (sig(v) for v in np.quantile(linf, [0.5, 0.9]))
    rows.append(row)
budgets = pd.DataFrame(rows).set_index("model")
tables.formatted(budgets, "{}")

# %% tags=["remove-input"]
low, high = (f"fooled within RMS {b:g} (%)" for b in (min(BUDGETS), max(BUDGETS)))


def text_span(column) -> str:
    """The smallest and largest of a column of the table, as the table prints them."""
    lo, hi = min(column, key=float), max(column, key=float)
    return lo if lo == hi else f"{lo} to {hi}"


prose.glue_all({
    "budget_low": f"{min(BUDGETS):g}", "budget_high": f"{max(BUDGETS):g}",
    "share_low": text_span(budgets[low]), "share_high": text_span(budgets[high]),
    "linf_median": text_span(budgets["L∞: median"]),
})

# %% [markdown]
# Share of the first `N_IMAGES` training images fooled within each RMS budget of `BUDGETS`, and
# the median and 90th percentile over images of the largest pixel change (L∞). The share is a
# lower bound in two ways: L-BFGS gives an upper bound on each image's minimal distortion, and a
# nearer target than the random one would need less (the nearest rule above).
#
# **"Very close" does not mean "within a small budget for every image".** Within an RMS of
# {glue:text}`budget_low`, {glue:text}`share_low`% of the images are fooled, depending on the
# model; within {glue:text}`budget_high`, {glue:text}`share_high`%. Nor is the change spread
# evenly over the image, as an RMS suggests: the median adversarial image changes some pixel by
# {glue:text}`linf_median` of the whole grey scale. That is why the perturbations show as grey
# blobs in Figures 1 and 2. Whether they are "visually indistinguishable" is a perceptual judgement
# that this book does not test (no observer study); the table says how large they are in the two
# usual norms.

# %% tags=["hide-input"]
# Each Table 1 distortion against the paper's, by the book's distortion rule (intriguing.verdicts),
# on the first N_IMAGES images and on all 60,000 (the long run); and the numbers of the text below.
KEYS = {"FC10(1e-4)": "fc10_wd4", "FC10(1e-2)": "fc10_wd2", "FC10(1)": "fc10_wd0",
        "FC100-100-10": "fc100", "FC200-200-10": "fc200", "AE400-10": "ae400"}
judged = {m: verdicts.judge("distortion", t1[m]["mean"], paper.TABLE1[m]["distortion"],
                            interval=t1[m]["ci95"]) for m in MODELS}
judged_full = {m: verdicts.judge("distortion", full["summary"][m]["mean"],
                                 paper.TABLE1[m]["distortion"],
                                 interval=full["summary"][m]["ci95"]) for m in shown_full}
judged_runner_up = {m: verdicts.judge("distortion", rule_means[m]["runner-up"],
                                      paper.TABLE1[m]["distortion"]) for m in MODELS}
n_full = {m: full["summary"][m]["images"] for m in shown_full}


def compared(m: str) -> str:
    """"0.0590 vs 0.062 (×0.95, reproduced; all 60,000: 0.0586, ×0.95, reproduced)"."""
    p = paper.TABLE1[m]["distortion"]
    text = f"{sig(t1[m]['mean'])} vs {p:g} (×{sig(ratios[m], 2)}, {judged[m].verdict}"
    if m in shown_full:
        s = full["summary"][m]["mean"]
        text += f"; all {n_full[m]:,}: {sig(s)}, ×{sig(s / p, 2)}, {judged_full[m].verdict}"
    return text + ")"


def half_width(mean: float, ci) -> float:
    """Half the 95% interval, in % of the mean."""
    return 100 * (ci[1] - ci[0]) / 2 / mean


missed = [m for m in MODELS if t1[m]["wrong"] and math.isfinite(t1[m]["strict"])]
sigmoid = [m for m in MODELS if trained[m].spec.arch == "mlp" and len(trained[m].spec.sizes) > 2]
moved = [m for m in shown_full if judged_full[m].verdict != judged[m].verdict]
lam = [m for m in ("FC10(1e-4)", "FC10(1e-2)", "FC10(1)") if m in MODELS]
ours_lam = [t1[m]["mean"] for m in lam]
trend = "—"
if len(lam) == 3:
    grows = ours_lam == sorted(ours_lam) and [ratios[m] for m in lam] == sorted(
        (ratios[m] for m in lam), reverse=True)
    trend = ("In both, the distortion grows with λ, but ours grows more slowly" if grows
             else "Ours do not follow the paper's pattern of growth with λ")
ae_rank = "—"
if "AE400-10" in MODELS and sigmoid:
    def above(values):
        return all(values["AE400-10"] > values[m] for m in sigmoid)
    ours_ae = above({m: t1[m]["mean"] for m in MODELS})
    paper_ae = above({m: paper.TABLE1[m]["distortion"] for m in MODELS})
    ae_rank = (f"{'As' if ours_ae == paper_ae else 'Unlike'} in the paper, it "
               f"{'needs' if ours_ae else 'does not need'} more distortion than the sigmoid "
               "networks")
glued = {f"t1_{KEYS[m]}": compared(m) if m in MODELS else "— (not attacked)" for m in KEYS}
glued.update({f"train_{KEYS[m]}": tables.final_error(trained[m], "train") if m in MODELS
              else "—" for m in KEYS})
glued.update({
    "softmax_trend": trend, "ae_rank": ae_rank,
    "ci_rel": span(half_width(t1[m]["mean"], t1[m]["ci95"]) for m in MODELS),
    "ci_rel_full": span(half_width(full["summary"][m]["mean"], full["summary"][m]["ci95"])
                        for m in shown_full),
    "shift_full": span([max((100 * abs(full["summary"][m]["mean"] / t1[m]["mean"] - 1)
                             for m in shown_full), default=math.nan)]),
    "changed_full": ("and no verdict changes" if not moved else "which changes the verdict of "
                     + ", ".join(f"`{m}` from {judged[m].verdict} to {judged_full[m].verdict}"
                                 for m in moved)),
    "strict_models": ", ".join(f"`{m}`" for m in missed) or "no model",
    "strict_range": span(100 * (1 - t1[m]["strict"] / t1[m]["mean"]) for m in missed),
    "strict_fc10_wd0": sig(t1["FC10(1)"]["strict"]) if "FC10(1)" in MODELS else "—",
    "wrong_sigmoid": " and ".join(f"{t1[m]['wrong']:,}" for m in sigmoid) or "—",
})
prose.glue_all(glued)

# %% [markdown]
# ## Differences from the paper
#
# Each distortion below is ours against the paper's, then our ratio and the verdict of the book's
# distortion rule ({doc}`91_how_judged`), on the first `N_IMAGES` images and on all 60,000.
#
# * **Which label.** The paper does not say which wrong label each MNIST image is pushed to. We
#   assume a random wrong label: an assumption the data cannot identify, with alternatives that
#   would fit the paper's numbers as well (see "Which wrong label?" above). The distortion that
#   makes an image misclassified at all, toward whichever class is closest, is
#   {glue:text}`rnd_near` times smaller: {glue:text}`nearest_range` RMS on our models (the
#   "nearest" column).
# * **Softmax models.** `FC10(1e-4)`: {glue:text}`t1_fc10_wd4`. `FC10(1e-2)`:
#   {glue:text}`t1_fc10_wd2`. `FC10(1)`: {glue:text}`t1_fc10_wd0`. {glue:text}`softmax_trend`.
#   Chapter 0 found a similar pattern in the training errors ({glue:text}`train_fc10_wd2`% vs 10%
#   and {glue:text}`train_fc10_wd0`% vs 21.2%). A plausible cause is that our reading of the
#   paper's weight decay is weaker than its own at large $\lambda$, so that our strongly decayed
#   models are less regularised than the paper's and need less distortion. Chapter 0 has not tested
#   the other readings of the penalty, so this remains a conjecture.
# * **Sigmoid networks.** `FC100-100-10`: {glue:text}`t1_fc100`. `FC200-200-10`:
#   {glue:text}`t1_fc200`. Our networks' training errors are {glue:text}`train_fc100`% and
#   {glue:text}`train_fc200`%, against the paper's 0%.
# * **`AE400-10`.** {glue:text}`t1_ae400`. Our frozen autoencoder is weaker than the paper's
#   (chapter 0: {glue:text}`train_ae400`% training error against 0.57%), and its softmax underfits.
#   We have not tested why that makes it harder to attack. A plausible reason is that its features
#   are smooth and each averages over many pixels, so moving them takes more pixel change.
#   {glue:text}`ae_rank`.
# * **Sample.** Table 1's means are over the first `N_IMAGES` training images. The long run attacks
#   all 60,000, as the paper does: the means move by at most {glue:text}`shift_full`%,
#   {glue:text}`changed_full`. The confidence intervals cover the sampling of images: their
#   half-width is {glue:text}`ci_rel`% of the mean over the first `N_IMAGES` images, and
#   {glue:text}`ci_rel_full`% over all 60,000. They do not cover the differences between our
#   models and the paper's, which are larger, nor those between training runs (one trained model
#   of each kind).
# * **Already misclassified images.** We push them to their random target like every other
#   image. Counting them as 0, the strict reading of "0% accuracy", lowers the means of
#   {glue:text}`strict_models` by {glue:text}`strict_range`% (last column of Table 1); for
#   `FC10(1)` it gives {glue:text}`strict_fc10_wd0` against the paper's 0.14. It makes no
#   difference for the sigmoid networks, which misclassify {glue:text}`wrong_sigmoid` of the
#   attacked training images.
# * **Loss and optimiser.** The cross-entropy, the squared norm and every setting of the search
#   are our choices. A different loss, such as Carlini & Wagner's logit margin, is reported to find
#   smaller perturbations for the same target {cite}`carlini2017towards`. We have not run it here,
#   so how much smaller they would be on these models is not measured.
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
# Every row is judged by the book's rules, stated once in {doc}`91_how_judged`: a distortion by
# the distortion rule, the error that noise leaves by the fooling-rate rule. None of this
# chapter's rows is counted as evidence for the paper. Table 1's distortions are *fitted*: the
# random-target rule was chosen because it gives the paper's numbers. Their out-of-sample check is
# Table 3's test-set distortions in chapter 4. Each row also says what the runner-up rule would
# give. Fig. 7's noise rows are *fitted* too (unclipped noise was chosen partly because it matches
# 51%). That every attack succeeds, and so leaves 0% accuracy, holds *by construction*. The target
# rules compared and the share of images fooled within fixed budgets are measurements beyond the
# paper. The rows are shown with their verdicts, so that a reader sees how closely the chosen
# readings fit.

# %% tags=["hide-input"]
T1, EVERY, FIG7 = "Table 1, distortions", "Sec. 4.2, every sample", "Fig. 7"
FIG7_PAPER_ACCURACY = 51  # the paper's Fig. 7 caption: Gaussian noise of stddev 1 leaves 51%
FITTED = ("fitted: the random-target rule was chosen because it gives the paper's numbers; "
          "Table 3's test-set distortions (chapter 4) are its out-of-sample check")
one_model = verdicts.scale(images=N_IMAGES, of="training", models=1)
first_n = f"the first {one_model}"
summary = []
for name in MODELS:
    p, ru = paper.TABLE1[name], rule_means[name]["runner-up"]
    lo, hi = t1[name]["ci95"]
    summary.append(results.row(
        T1, f"{name}: av. min. distortion, first {N_IMAGES:,} training images",
        f"{p['distortion']:g}", table1.loc[name, "av. min. distortion (ours)"], judged[name],
        f"{FITTED}; runner-up target (first {N_COMPARE:,} images): {sig(ru)}, "
        f"×{sig(ru / p['distortion'], 2)}, {judged_runner_up[name].verdict} by the same rule; "
        f"95% CI over images [{sig(lo)}, {sig(hi)}]; our training error "
        f"{tables.final_error(trained[name], 'train')}% vs the paper's {p['train']:g}% (chapter 0)",
        role="fitted", scale=first_n))
for name in shown_full:
    s, p = full["summary"][name], paper.TABLE1[name]["distortion"]
    summary.append(results.row(
        T1, f"{name}: av. min. distortion, all {s['images']:,} training images (long run)",
        f"{p:g}", sig(s["mean"]), judged_full[name],
        f"{FITTED}; the paper's own scale; 95% CI over images [{sig(s['ci95'][0])}, "
        f"{sig(s['ci95'][1])}]; from the committed long run table1_paper_scale",
        role="fitted", scale=verdicts.scale(images=s["images"], of="training", models=1)))
for rule, n in (("runner-up", N_COMPARE), ("nearest", N_NEAREST)):
    summary.append(results.row(
        "Beyond the paper: which wrong label? MNIST distortions by target rule",
        f"av. min. distortion ÷ paper, {rule} target ({', '.join(MODELS)})", "rule not stated",
        ", ".join(rules_table[f"{rule} ÷ paper"]), None,
        f"the random rule gives {span(over_paper['random'].values())} of the paper's and needs "
        f"{span(rule_means[m]['random ÷ nearest'] for m in MODELS)} times the nearest rule's "
        "distortion; the data cannot tell the random rule from a nearer target with a weaker "
        "attack",
        role="measurement",
        scale=f"the first {verdicts.scale(images=n, of='training', models=len(MODELS))}"))
full_ok = sum(full["summary"][m]["succeeded"] for m in shown_full)
long_ok = (f"; at the paper's scale (long run) {full_ok:,} of {sum(n_full.values()):,}"
           if shown_full else "")
summary.append(results.row(
    EVERY, "attacks that succeeded, all models", "every sample",
    f"{n_ok:,} of {len(MODELS) * N_IMAGES:,}",
    verdicts.judge_criterion("reproduced" if all_succeeded else "not reproduced",
                             "every attacked image reaches its target, confirmed by a fresh "
                             "forward pass with a margin"),
    "by construction: the attack puts no bound on the distortion, so it always succeeds where the "
    f"optimiser can reach the target; how close the examples are is measured apart{long_ok}",
    role="by construction",
    scale=f"the first {verdicts.scale(images=N_IMAGES, of='training', models=len(MODELS))}"))
for name in MODELS:
    linf = budgets.loc[name, ["L∞: median", "L∞: 90th percentile"]]
    summary.append(results.row(
        "Beyond the paper: how close is “very close”? Images fooled within an RMS budget",
        f"{name}: % of images fooled within RMS {' / '.join(f'{b:g}' for b in BUDGETS)}",
        "— (“visually indistinguishable”)",
        " / ".join(budgets.loc[name, [f"fooled within RMS {b:g} (%)" for b in BUDGETS]]), None,
        f"random targets; largest pixel change (L∞) median {linf.iloc[0]}, 90th percentile "
        f"{linf.iloc[1]}; a lower bound on the share (L-BFGS over-estimates each minimal "
        "distortion, and a nearer target needs less)", role="measurement", scale=first_n))
adv_fig7 = [accuracy.loc[m, "adversarial (own): accuracy %"] for m in FIG7_MODELS]
summary.append(results.row(
    FIG7, f"accuracy % on their own adversarial examples: {' / '.join(FIG7_MODELS)}", "0",
    " / ".join(adv_fig7),
    verdicts.judge_criterion("reproduced" if all(float(a) == 0 for a in adv_fig7)
                             else "not reproduced",
                             "no adversarial image is classified correctly"),
    "by construction: every attack reached its wrong target (an attack without a distortion bound)",
    role="by construction",
    scale=f"the first {verdicts.scale(images=N_IMAGES, of='training', models=len(FIG7_MODELS))}"))
judged_noise = {}
for name in FIG7_MODELS:
    error = {}
    for reading in noisy:
        count = acc_counts[name][f"noise σ={NOISE_STD:g}, {reading}"]
        lo, hi = stats.wilson_interval(count, N_IMAGES)
        err = tables.percent(N_IMAGES - count, N_IMAGES)
        error[reading] = (err, verdicts.judge("fooling rate", float(err), 100 - FIG7_PAPER_ACCURACY,
                                              interval=(100 * (1 - hi), 100 * (1 - lo))))
    (err, j), (err_c, j_c) = error["unclipped"], error["clipped to [0, 1]"]
    judged_noise[name] = j
    summary.append(results.row(
        FIG7, f"{name}: error % under Gaussian noise σ = {NOISE_STD:g}, unclipped (100 − accuracy)",
        f"{100 - FIG7_PAPER_ACCURACY} (accuracy {FIG7_PAPER_ACCURACY})", err, j,
        "fitted: unclipped noise was chosen partly because it matches the paper's 51%; clipped to "
        f"[0, 1] the error is {err_c}% ({j_c.verdict} by the same rule); which of the paper's "
        "panels (linear model or 200-200-10) the 51% belongs to is not stated, so each of ours is "
        "judged against it; interval: Wilson 95% over the images, one noise draw",
        role="fitted", scale=first_n))
results.record("03_lbfgs", "Box-constrained L-BFGS adversaries", summary)


def tally(judgements) -> str:
    counts = Counter(j.verdict for j in judgements)
    return ", ".join(f"{counts[v]} {v}" for v in verdicts.VERDICTS if counts[v]) or "none"


full_ratio = ([full["summary"][m]["mean"] / paper.TABLE1[m]["distortion"] for m in shown_full]
              or list(ratios.values()))
where_full = f"all {max(n_full.values()):,}" if shown_full else f"the first {N_IMAGES:,}"
prose.first_screen(
    claim=("For every sample an optimiser finds a “very close, visually indistinguishable” image "
           "that the network misclassifies (Sec. 4.2). On MNIST the average minimal distortion "
           "that brings each Table 1 model to 0% accuracy is "
           f"{min(paper.TABLE1[m]['distortion'] for m in MODELS):g} to "
           f"{max(paper.TABLE1[m]['distortion'] for m in MODELS):g} RMS, and in Fig. 7 such "
           f"images leave 0% accuracy where Gaussian noise of stddev 1 leaves "
           f"{FIG7_PAPER_ACCURACY}%."),
    result=(f"Every attack succeeded ({n_ok:,} of {len(MODELS) * N_IMAGES:,}), as any attack "
            "without a distortion bound does. With a random wrong target our average distortions "
            f"on {where_full} training images are {span(full_ratio)} times the paper's; toward "
            "the model's runner-up class they are "
            f"{span(over_paper['runner-up'].values())} times it. Within an RMS of "
            f"{min(BUDGETS):g}, {text_span(budgets[low])}% of the images are fooled, within "
            f"{max(BUDGETS):g}, {text_span(budgets[high])}%; the median adversarial image changes "
            f"some pixel by {text_span(budgets['L∞: median'])} of the grey scale. Unclipped noise "
            f"of stddev {NOISE_STD:g} leaves "
            f"{listed(accuracy.loc[m, UNCLIPPED] for m in FIG7_MODELS)} accuracy on "
            f"{' and '.join(FIG7_MODELS)}, clipped noise "
            f"{listed(accuracy.loc[m, CLIPPED] for m in FIG7_MODELS)}"
            + (" (in that order)." if len(FIG7_MODELS) > 1 else ".")),
    verdict=(f"Table 1's distortions: {tally(judged.values())} on the first {N_IMAGES:,} images"
             + (f", {tally(judged_full.values())} on all {max(n_full.values()):,}" if shown_full
                else "")
             + "; fitted (the target rule was chosen to match them), so not counted. Fig. 7's "
             f"noise errors: {tally(judged_noise.values())}, fitted as well. Every attack "
             "succeeding: by construction. No row of this chapter counts as evidence; Table 3's "
             "test-set distortions (chapter 4) are the out-of-sample check of the target rule."),
    caveat=("The random target rule is an assumption the data cannot identify: a nearer target "
            "with a weaker attack (the paper's literal “minimum c”, |r| as L1, a coarse grid of c, "
            "another loss) would fit the paper's numbers as well. “Visually indistinguishable” is "
            "not tested by an observer."),
    scale=(f"The first {N_IMAGES:,} training images"
           + (f" (all {max(n_full.values()):,} in the long run)" if shown_full else "")
           + f", "
           f"{len(MODELS)} models, 1 training seed each; target rules compared on the first "
           f"{N_COMPARE:,} images (nearest: {N_NEAREST:,})"))
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict", "role"]]
