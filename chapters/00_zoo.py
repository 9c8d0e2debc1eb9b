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
# ```{glue:md} first_screen
# :format: myst
# ```
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

# %% tags=["hide-input"]
import intriguing  # first: pins the CPU code path and threads before torch loads
import math
from collections import Counter

import pandas as pd
from intriguing import paper, plots, prose, results, runtime, softmax_optimum, tables, verdicts, zoo
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
# 10 for a softmax layer, 100 for a 100-unit hidden layer; biases are not decayed. The reading
# was chosen because our `FC10(1e-4)` then lands at the paper's errors
# ({glue:text}`fc10_small`), so that model's rows are *fitted*, not evidence.
# {glue:text}`fc10_large` Section *Weight-decay readings at the exact minimum* below tests other
# readings of $k$.
#
# **Training (our choices; the paper gives none).** Mini-batch SGD with momentum 0.9 on the
# cross-entropy plus the decay term, a learning rate decayed geometrically each epoch, and one
# seeded permutation of the training set per epoch. The autoencoder minimises squared
# reconstruction error plus a KL sparsity penalty (target mean activation 0.05). The CNN is ours:
# the paper uses an unspecified MNIST CNN for its Figs. 1-2 only. Each model is trained on one
# CPU thread with the code path pinned (see *Reproducibility* below), so the same weights come
# out bit for bit on any x86-64 machine.

# %% tags=["hide-input"]
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
trained = {name: zoo.get_model(name, mnist=mnist, device=device, epochs=EPOCHS or None,
                               progress=PROGRESS)
           for name in MODELS}
for name, t in trained.items():
    print(f"{name:18s} {intriguing.models.parameter_count(t.model):>9,} parameters")

# %% [markdown]
# ## Table 1: the paper's models on the full training set
#
# Errors are exact counts over 60,000 training and 10,000 test images, printed as percentages
# (one image is 0.0017% of the training set and 0.01% of the test set). The paper's last column,
# the minimal adversarial distortion, is the subject of the next chapter.

# %% tags=["hide-input"]
rows = []
for name in [m for m in zoo.TABLE1 if m in trained]:
    t, p = trained[name], paper.TABLE1[name]
    rows.append({"model": name, "description": t.spec.description,
                 "train error % (paper)": p["train"],
                 "train error % (ours)": tables.final_error(t, "train"),
                 "test error % (paper)": p["test"],
                 "test error % (ours)": tables.final_error(t, "test")})
table1 = pd.DataFrame(rows).set_index("model")
tables.formatted(table1, {c: "{:g}" for c in table1.columns if "paper" in c})

# %% [markdown]
# ## Table 3: networks trained on the disjoint halves P1 and P2

# %% tags=["hide-input"]
rows = []
for name in [m for m in zoo.TABLE3 if m in trained]:
    t, p = trained[name], paper.TABLE3[name]
    row = {"model": name}
    for subset in ("P1", "P2", "test"):
        row[f"{subset} error % (paper)"] = p[subset]
        row[f"{subset} error % (ours)"] = tables.final_error(t, subset)
    rows.append(row)
table3 = pd.DataFrame(rows).set_index("model")
tables.formatted(table3, {c: "{:g}" for c in table3.columns if "paper" in c})

# %% [markdown]
# ## Learning curves

# %% mystnb={"image": {"alt": "Two stacked line plots of error in percent, log scale, against epoch for the ten zoo models: training error on top, test error below. The sigmoid networks trained on all data or on a half fall to zero training error after 25 to 31 epochs, FC123-456-10 not quite, while the softmax models and AE400-10 stay flat at 2 to 20 percent; every test error levels off early, between under 1 percent for the CNN and about 16 percent for FC10(1)."}}
fig = plots.learning_curves({n: t.history for n, t in trained.items()})

# %% [markdown]
# **Figure 1.** Training error (top; for the models trained on P1 or P2, the error on their own
# half) and test error (bottom) after each epoch, in percent on a log scale, one line per model;
# the models trained on a half are dashed. A training error of zero is drawn on the bottom line,
# marked 0. Each line ends at that model's last epoch (with the zoo's settings: 3 for the CNN,
# 50 for the softmax on the autoencoder's codes).

# %% [markdown]
# ## Weight-decay readings at the exact minimum
#
# A softmax model's objective, the mean cross-entropy over the training images plus
# $c \sum_i w_i^2$ with $c = \lambda / k$, is convex: it has one minimum. We compute it exactly, in
# float64 by full-batch L-BFGS on all 60,000 training images, down to a largest gradient entry
# below {glue:text}`tolerance` (`intriguing.softmax_optimum`, tested against an independent
# Newton solver on a slice of the data). That answers two questions the SGD models cannot: is SGD at the minimum of its
# objective, and which reading of $k$ gives the paper's errors at all three λ? The readings:
#
# * $k = 10$, the output width: the zoo's reading;
# * $k = 2$, i.e. $\frac{1}{2} \lambda \sum w^2$, the usual way of writing weight decay;
# * $k = 1$, the printed formula without its $1/k$.
#
# Two more readings need no computation. The penalty added to each example's loss, not once to the
# batch mean, has the same minimum as its $k$ (the objective is the batch size times ours). The
# fan-in reading, $k = 784$, is 78.4 times weaker than ours; a weaker penalty never raises the
# training cross-entropy at the minimum, so it is not computed here.

# %% tags=["hide-input"]
# Each FC10 model's objective minimised exactly under each reading of k (cached: the weakest
# penalties take most of a minute of one CPU thread the first time); error counts; the SGD gap.
READINGS = {10: "k = 10, the output width (the zoo's)", 2: "k = 2, i.e. ½ λ Σ w²",
            1: "k = 1, i.e. λ Σ w²"}
ZOO_K = 10  # intriguing.models.weight_decay_penalty divides by the output width: 10 for FC10
softmax = [m for m in zoo.TABLE1 if m in trained and trained[m].spec.sizes == (784, 10)]
train_set = softmax_optimum.Softmax(mnist.train_x, mnist.train_y)
test_set = softmax_optimum.Softmax(mnist.test_x, mnist.test_y)
n_train, n_test = train_set.n, test_set.n
lam = {m: trained[m].spec.weight_decay[0] for m in softmax}
minimum = {}  # (model, k) -> {"opt", "train", "test"}: the minimum and its error counts
for name in softmax:
    for k in READINGS:
        o = softmax_optimum.optimum(mnist, lam[name] / k)
        minimum[name, k] = {"opt": o, "train": train_set.errors(o.weight, o.bias),
                            "test": test_set.errors(o.weight, o.bias)}
sgd = {}  # model -> objective of its SGD weights (c = λ / 10), error counts
for name in softmax:
    layer = trained[name].model.layers[0]
    sgd[name] = {"objective": train_set.evaluate(layer.weight, layer.bias, lam[name] / ZOO_K,
                                                 gradient=False),
                 "train": trained[name].history["errors_train"][-1],
                 "test": trained[name].history["errors_test"][-1], "layer": layer}


def pct(count, total):
    return tables.percent(count, total)


rows = []
for name in softmax:
    p = paper.TABLE1[name]
    rows.append({"model": name, "weights": "paper", "c = λ / k": "not stated",
                 "train error %": f"{p['train']:g}", "test error %": f"{p['test']:g}"})
    rows.append({"model": name, "weights": f"zoo: SGD, k = {ZOO_K}",
                 "c = λ / k": f"{lam[name] / ZOO_K:g}",
                 "train error %": pct(sgd[name]["train"], n_train),
                 "test error %": pct(sgd[name]["test"], n_test)})
    for k in READINGS:
        m = minimum[name, k]
        rows.append({"model": name, "weights": f"minimum, k = {k}", "c = λ / k": f"{m['opt'].c:g}",
                     "train error %": pct(m["train"], n_train),
                     "test error %": pct(m["test"], n_test)})
readings = pd.DataFrame(rows).set_index(["model", "weights"])
prose.glue("tolerance", f"{softmax_optimum.TOLERANCE:g}")
readings

# %% [markdown]
# **Readings table.** The three softmax models: the paper's errors, the zoo's SGD weights, and the
# exact minimum of the objective under each reading of $k$ ($k = 10$: the zoo's; $k = 2$:
# $\frac{1}{2} \lambda \sum w^2$; $k = 1$: $\lambda \sum w^2$), as exact counts over the 60,000
# training and 10,000 test images.

# %% tags=["hide-input"]
# How far SGD is from the minimum of its own objective (k = 10): the objective gap, the errors,
# and the distance of the weights, relative to the minimum's.
rows = []
for name in softmax:
    o, s = minimum[name, ZOO_K]["opt"], sgd[name]
    w = s["layer"].weight.detach().double()
    rows.append({"model": name, "objective, SGD": f"{s['objective']:.6f}",
                 "objective, minimum": f"{o.objective:.6f}",
                 "gap": tables.sig(s["objective"] - o.objective),
                 "train error %, SGD / minimum": f"{pct(s['train'], n_train)} / "
                                                 f"{pct(minimum[name, ZOO_K]['train'], n_train)}",
                 "‖w − w*‖ / ‖w*‖": tables.sig(float((w - o.weight).norm() / o.weight.norm()), 2)})
convergence = pd.DataFrame(rows).set_index("model")
convergence

# %% [markdown]
# **Convergence table.** The zoo's SGD weights against the exact minimum of the same objective ($k = 10$):
# the objective (mean cross-entropy plus penalty, float64, all 60,000 training images), the gap,
# the training errors and the distance of the weights.

# %% tags=["hide-input"]
# The readings compared: mean |Δ| to the paper's six FC10 errors per reading, the k that would
# give the paper's training error at each λ (log-linear between the two readings around it),
# and the sentences of the text.
def error_pct(name, k, subset):
    return 100 * minimum[name, k][subset] / (n_train if subset == "train" else n_test)


def gaps(k):
    return [abs(error_pct(m, k, s) - paper.TABLE1[m][s])
            for m in softmax for s in ("train", "test")]


def implied_k(name):
    """The k whose minimum has the paper's training error, interpolated in log k (or a bound)."""
    ks = sorted(READINGS, reverse=True)  # weakest penalty first: the error grows along the list
    err = [error_pct(name, k, "train") for k in ks]
    target = paper.TABLE1[name]["train"]
    if err != sorted(err):
        return "—"
    if target < err[0]:
        return f"above {ks[0]}"
    if target > err[-1]:
        return f"below {ks[-1]}"
    for (k0, e0), (k1, e1) in zip(zip(ks, err), zip(ks[1:], err[1:])):
        if e0 <= target <= e1:
            t = (target - e0) / (e1 - e0) if e1 > e0 else 0.0
            return tables.sig(math.exp(math.log(k0) + t * (math.log(k1) - math.log(k0))), 2)
    return "—"


def lam_text(name):
    """λ as the model names write it: 1e-4, 1e-2, 1."""
    mantissa, exponent = f"{lam[name]:e}".split("e")
    if float(mantissa) != 1:
        return f"{lam[name]:g}"
    return "1" if int(exponent) == 0 else f"1e{int(exponent)}"


def listed(items):
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


fit = {k: gaps(k) for k in READINGS} if softmax else {}
best = min(fit, key=lambda k: sum(fit[k])) if fit else None
glued = {}
if softmax:
    glued["best_reading"] = (
        f"The reading that fits all three λ best is {READINGS[best]}: its minima are on average "
        f"{tables.points(sum(fit[best]) / len(fit[best]))} points from the paper's six errors, at "
        f"most {tables.points(max(fit[best]))}, against "
        + listed(f"{tables.points(sum(fit[k]) / len(fit[k]))} (at most "
                 f"{tables.points(max(fit[k]))}) for k = {k}" for k in READINGS if k != best)
        + ".")
    glued["implied_k"] = (
        "The k that would give the paper's training error is "
        + listed(f"{implied_k(m)} at λ = {lam_text(m)}" for m in softmax) + ".")
    spread = {m: error_pct(m, min(READINGS), "train") - error_pct(m, max(READINGS), "train")
              for m in softmax}
    glued["sensitivity"] = (
        f"Between k = {max(READINGS)} and k = {min(READINGS)} the training error at the minimum "
        "moves by " + listed(f"{tables.points(spread[m])} points at λ = {lam_text(m)}"
                             for m in softmax)
        + (f": λ = {lam_text(softmax[0])}, where the zoo's reading was chosen, tells the readings "
           "apart least." if min(spread, key=spread.get) == softmax[0] else "."))
    gap = {m: sgd[m]["objective"] - minimum[m, ZOO_K]["opt"].objective for m in softmax}
    sgd_head = ("SGD stops short of the minimum of its own objective for every softmax model"
                if all(g > 0 for g in gap.values()) else
                "SGD reaches the minimum of its objective only for some softmax models")
    glued["sgd_gap"] = (
        sgd_head + ": the objective gaps are "
        + listed(f"{tables.sig(gap[m])} at λ = {lam_text(m)}" for m in softmax)
        + " (convergence table), and at the minimum the training errors would be "
        + listed(f"{pct(minimum[m, ZOO_K]['train'], n_train)}% instead of "
                 f"{pct(sgd[m]['train'], n_train)}%" for m in softmax) + ".")
    small = softmax[0]
    glued["largest_gap"] = (
        f"The weakest penalty, λ = {lam_text(small)}, where the problem is worst conditioned, "
        "leaves the largest gap." if max(gap, key=gap.get) == small else
        f"The largest gap is at λ = {lam_text(max(gap, key=gap.get))}.")
    glued["stronger_fits"] = (
        f"a stronger penalty than ours, {READINGS[best]}, fits the paper better" if best < ZOO_K
        else f"a weaker penalty than ours, {READINGS[best]}, fits the paper better" if best > ZOO_K
        else "our reading fits the paper best of those tried")
    glued["small_minimum"] = (
        f"`{small}`'s match with the paper is SGD's, not its objective's: at the minimum its "
        f"errors would be {pct(minimum[small, ZOO_K]['train'], n_train)}% (training) and "
        f"{pct(minimum[small, ZOO_K]['test'], n_test)}% (test), against the paper's "
        f"{paper.TABLE1[small]['train']:g}% and {paper.TABLE1[small]['test']:g}%.")
prose.glue_all(glued)

# %% [markdown]
# {glue:text}`sgd_gap` {glue:text}`largest_gap` So "converged" is measured here, not assumed.
# {glue:text}`small_minimum`
#
# {glue:text}`best_reading` {glue:text}`implied_k` {glue:text}`sensitivity` This is the
# best-fitting reading, a conjecture, not a finding about the paper: its optimiser is unknown, and
# its models need not sit at their minimum either. The zoo keeps $k = 10$, because every later
# chapter uses these models; where a later chapter explains a gap by "our decay reading is
# weaker", the readings table is the measurement behind it.

# %% tags=["hide-input"]
# The numbers of the text below, from the trained models' histories.
def errors(name, subset):
    return trained[name].history[f"errors_{subset}"]


def first_zero(name, subset="train"):
    """The first epoch from which the model misclassifies none of its training images, or None."""
    e = errors(name, subset)
    return next((i + 1 for i in range(len(e)) if not any(e[i:])), None)


def gap_text(name, subset, table):
    ours, ref = float(tables.final_error(trained[name], subset)), table[name][subset]
    return f"{ours - ref:+.2f}"


text = {}
fc10 = [m for m in softmax if m != softmax[0]] if softmax else []
if softmax:
    small = softmax[0]
    text["fc10_small"] = (f"{tables.final_error(trained[small], 'train')}% training and "
                          f"{tables.final_error(trained[small], 'test')}% test error against "
                          f"{paper.TABLE1[small]['train']:g}% and {paper.TABLE1[small]['test']:g}%")
    text["fc10_large"] = ("At larger λ it does not: " + "; ".join(
        f"`{m}` has {tables.final_error(trained[m], 'train')}% and "
        f"{tables.final_error(trained[m], 'test')}% against the paper's "
        f"{paper.TABLE1[m]['train']:g}% and {paper.TABLE1[m]['test']:g}%" for m in fc10)
        + "." if fc10 else "")
    strong = fc10
    p_rise = paper.TABLE1[softmax[-1]]["train"] - paper.TABLE1[softmax[0]]["train"]
    o_rise = (float(tables.final_error(trained[softmax[-1]], "train"))
              - float(tables.final_error(trained[softmax[0]], "train")))
    text["growth"] = (
        f"From λ = {lam_text(softmax[0])} to {lam_text(softmax[-1])} the paper's training error "
        f"grows by {tables.points(p_rise)} points, ours by {tables.points(o_rise)}."
        if len(softmax) > 1 else "")
    lower = [m for m in strong if float(tables.final_error(trained[m], "test"))
             < float(tables.final_error(trained[m], "train"))]
    paper_lower = [m for m in strong if paper.TABLE1[m]["test"] < paper.TABLE1[m]["train"]]
    text["test_below_train"] = (
        "As in the paper, the two strongly regularised models have a lower test than training "
        "error."
        if strong and lower == strong == paper_lower else
        "Unlike the paper, not every strongly regularised model has a lower test than training "
        "error." if strong else "")
sig_nets = [m for m in ("FC100-100-10", "FC200-200-10") if m in trained]
zero = {m: first_zero(m) for m in sig_nets}
if sig_nets:
    all_zero = all(zero[m] for m in sig_nets)
    text["sigmoid_zero"] = (
        ("Both reach" if len(sig_nets) == 2 else "It reaches")
        + " exactly 0% training error, as in the paper, from epoch "
        + listed(str(zero[m]) for m in sig_nets) + " on"
        if all_zero else "Not every sigmoid network reaches 0% training error")
    text["sigmoid_test"] = "; ".join(
        f"`{m}` has {tables.final_error(trained[m], 'test')}% test error against the paper's "
        f"{paper.TABLE1[m]['test']:g}%" for m in sig_nets)
if "FC100-100-10" in trained and zero.get("FC100-100-10"):
    tail = errors("FC100-100-10", "test")[zero["FC100-100-10"] - 1:]
    n = trained["FC100-100-10"].history["sizes"]["test"]
    text["fc100_flat"] = (f"The test error of `FC100-100-10` stays between {pct(min(tail), n)}% "
                          f"and {pct(max(tail), n)}% from epoch {zero['FC100-100-10']} on")
if "AE400-10" in trained:
    tr, te = (float(tables.final_error(trained["AE400-10"], s)) for s in ("train", "test"))
    p_ae = paper.TABLE1["AE400-10"]
    text["ae_errors"] = (f"{tables.final_error(trained['AE400-10'], 'train')}% training and "
                         f"{tables.final_error(trained['AE400-10'], 'test')}% test error")
    text["ae_gap"] = (f"Our training error is {tables.points(te - tr)} points below our test "
                      f"error, against {tables.points(p_ae['test'] - p_ae['train'])} in the paper")
    ae_underfits = te - tr < (p_ae["test"] - p_ae["train"]) / 2  # far closer to its test error
    text["ae_epochs"] = str(trained["AE400-10"].spec.pretrain.epochs)
    text["ae_underfit"] = (": the softmax on top underfits, so the features, not the classifier, "
                           "are the limit." if ae_underfits else ".")
t3 = [m for m in zoo.TABLE3 if m in trained]
own = {m: trained[m].spec.train_set for m in t3}
other = {m: [s for s in ("P1", "P2", "test") if s != own[m]] for m in t3}
offsets = [float(tables.final_error(trained[m], s)) - paper.TABLE3[m][s]
           for m in t3 for s in other[m]]
if t3:
    near = [m for m in t3 if errors(m, own[m])[-1]]
    text["t3_own"] = ("exactly" if not near else "exactly, or nearly (" + "; ".join(
        f"`{m}` misclassifies {errors(m, own[m])[-1]:,} of its "
        f"{trained[m].history['sizes'][own[m]]:,} training images" for m in near) + ")")
    text["t3_offset"] = (f"{min(offsets):.2f} to {max(offsets):.2f} points "
                         + ("worse" if min(offsets) > 0 else "off"))
if "FC100-100-10" in trained:
    text["fc100_offset"] = gap_text("FC100-100-10", "test", paper.TABLE1)
prose.glue_all({k: v or "—" for k, v in text.items()})

# %% [markdown]
# ## Differences from the paper
#
# **Softmax models.** `FC10(1e-4)` lands at the paper's errors ({glue:text}`fc10_small`): the
# match the weight-decay reading was chosen by. {glue:text}`fc10_large` {glue:text}`growth`
# Section *Weight-decay readings at the exact minimum* measures why: SGD stops short of the
# minimum, and {glue:text}`stronger_fits`. {glue:text}`test_below_train`
#
# **Sigmoid networks.** {glue:text}`sigmoid_zero`. {glue:text}`sigmoid_test`.
# {glue:text}`fc100_flat`, so training longer with these settings would not close the gap; the
# paper's optimiser, schedule and initialisation are unknown. The later chapters compare
# distortions and transfer rates of models that are about as accurate as the paper's, not
# identical to them.
#
# **`AE400-10`.** Our frozen sparse-autoencoder features give {glue:text}`ae_errors`, against the
# paper's 0.57% and 1.9%. {glue:text}`ae_gap`{glue:text}`ae_underfit` The paper trained its autoencoder "until it got very high
# quality first layer filters"; ours trains {glue:text}`ae_epochs` epochs to stay within the
# book's CPU budget, and its sparsity target and penalty are our guesses. A reader with a GPU can
# raise the autoencoder's epochs in `intriguing.training.AutoencoderConfig`.
#
# **Table 3.** The three networks fit their own half {glue:text}`t3_own`. On the other half and on
# the test set they are {glue:text}`t3_offset` than the paper's, against
# {glue:text}`fc100_offset` points for our full-data `FC100-100-10` on the test set.
# `FC123-456-10` is trained with half the learning rate of the others (settings table), a choice
# made in trials that this chapter does not show.
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
# Each error of Tables 1 and 3, training and test, is judged against the paper's by the book's
# clean-error rule, stated with the others in {doc}`91_how_judged`. The two rows of `FC10(1e-4)`
# are *fitted*: the weight-decay reading was chosen because that model then matches the paper, so
# they are shown with their verdicts but not counted. The gap between SGD and the exact minimum,
# and the readings of $k$, are measurements beyond the paper.

# %% tags=["hide-input"]
FITTED = {"FC10(1e-4)"}  # the weight-decay reading (k = output width) was chosen by matching it
T1, T3 = "Table 1, errors", "Table 3"
SUBSET = {"train": "training", "test": "test", "P1": "P1", "P2": "P2"}


def why(name, subset, judged):
    """The row's reason, from the numbers (the weight-decay rows cite the exact minimum)."""
    t = trained[name]
    count, size = errors(name, subset)[-1], t.history["sizes"][subset]
    if name in softmax:
        m = minimum[name, ZOO_K]
        b = minimum[name, best]
        at_minimum = (f"at the exact minimum of the same objective {pct(m[subset], size)}% (SGD's "
                      f"objective gap {tables.sig(gap[name])}); the best-fitting reading, "
                      f"{READINGS[best]}, gives {pct(b[subset], size)}% at its minimum")
        if name in FITTED:
            return ("fitted: the reading k = output width of the paper's λ Σ w² / k was chosen "
                    f"because this model then matches the paper; {at_minimum}")
        return f"our reading k = output width (fitted on {', '.join(sorted(FITTED))}); {at_minimum}"
    if name == "AE400-10":
        return (f"softmax on the codes of our frozen {text['ae_epochs']}-epoch sparse autoencoder"
                + ("; the softmax underfits" if ae_underfits else "")
                + f": {text['ae_gap'].lower()}")
    if subset == t.spec.train_set:
        return (f"{count:,} of {size:,} training images misclassified"
                + (f", from epoch {first_zero(name, subset)} on" if not count else "")
                + "; unknown optimiser and schedule")
    if name in t3:
        return (f"Δ = {gap_text(name, subset, paper.TABLE3)} pts; our full-data FC100-100-10's "
                f"test error is {text.get('fc100_offset', '—')} pts off the paper's")
    start = first_zero(name) or len(errors(name, subset))
    tail = errors(name, subset)[start - 1:]
    return (f"unknown optimiser, schedule and initialisation; the test error stays between "
            f"{pct(min(tail), size)}% and {pct(max(tail), size)}% from epoch {start} on")


summary, judged = [], {}
for claim, names, table in ((T1, zoo.TABLE1, paper.TABLE1), (T3, zoo.TABLE3, paper.TABLE3)):
    for name in [m for m in names if m in trained]:
        t = trained[name]
        subsets = ("train", "test") if claim == T1 else ("P1", "P2", "test")
        for subset in subsets:
            ours, ref = tables.final_error(t, subset), table[name][subset]
            j = verdicts.judge("clean error", float(ours), ref)
            role = "fitted" if name in FITTED else "evidence"
            judged[claim, name, subset] = (j, role)
            summary.append(results.row(
                claim, f"{name}: {SUBSET[subset]} error %", f"{ref:g}", ours, j,
                why(name, subset, j), role=role,
                scale=verdicts.scale(images=t.history["sizes"][subset], of=SUBSET[subset],
                                     models=1, seeds=1)))
if softmax:
    summary.append(results.row(
        "Beyond the paper: is SGD at the minimum of its objective? (softmax models)",
        f"objective gap of the zoo's SGD weights, {' / '.join(softmax)}", "— (not stated)",
        " / ".join(tables.sig(gap[m]) for m in softmax), None,
        "minimum: full-batch L-BFGS in float64 on all 60,000 training images, largest gradient "
        f"entry below {softmax_optimum.TOLERANCE:g}; training error at the minimum "
        + " / ".join(f"{pct(minimum[m, ZOO_K]['train'], n_train)}%" for m in softmax)
        + ", SGD's " + " / ".join(f"{pct(sgd[m]['train'], n_train)}%" for m in softmax),
        role="measurement", scale=verdicts.scale(images=n_train, of="training",
                                                 models=len(softmax), seeds=1)))
    summary.append(results.row(
        "Beyond the paper: the weight-decay normaliser k of λ Σ w² / k, at the exact minimum",
        "mean |Δ| to the paper's six softmax errors (pts), "
        + " / ".join(f"k = {k}" for k in READINGS), "k not stated",
        " / ".join(tables.points(sum(fit[k]) / len(fit[k])) for k in READINGS), None,
        f"best: {READINGS[best]}; " + glued["implied_k"][0].lower() + glued["implied_k"][1:-1]
        + "; a best-fitting reading, not a finding about the paper",
        role="measurement", scale=verdicts.scale(images=n_train + n_test,
                                                 of="training and test", models=len(softmax))))
results.record("00_zoo", "Framework: the MNIST model zoo", summary)


def tally(claim, role="evidence"):
    counts = Counter(j.verdict for (c, _, _), (j, r) in judged.items() if c == claim and r == role)
    return ", ".join(f"{counts[v]} {v}" for v in verdicts.VERDICTS if counts[v]) or "none"


def outside(claim):
    """The rows of a claim beyond the rule's tolerance, largest gap first."""
    rows = [(j.detail["gap"] - j.detail["tolerance"], name, subset)
            for (c, name, subset), (j, _) in judged.items() if c == claim
            and j.verdict != "reproduced"]
    return [f"`{name}` {SUBSET[subset]} {tables.final_error(trained[name], subset)}% vs "
            f"{(paper.TABLE1 if claim == T1 else paper.TABLE3)[name][subset]:g}%"
            for _, name, subset in sorted(rows, reverse=True)]


n_rows = len(judged)
n_in = sum(j.verdict == "reproduced" for j, _ in judged.values())
t1_models = [m for m in zoo.TABLE1 if m in trained]
prose.first_screen(
    claim=("Tables 1 and 3 report the training and test errors of the paper's MNIST models: "
           f"softmax regression with weight decay λ = {lam_text(softmax[0]) if softmax else '—'} "
           f"to {lam_text(softmax[-1]) if softmax else '—'}, two sigmoid networks, a softmax on "
           "a sparse autoencoder, and three sigmoid networks trained on the halves P1 and P2."),
    result=(f"Trained with our own SGD settings, {n_in} of our {n_rows} errors lie within the "
            "rule's tolerance of the paper's; the furthest off are "
            + listed((outside(T1) + outside(T3))[:3]) + ". "
            + (sgd_head + "; at the exact minimum, "
               + f"{READINGS[best]}, fits the paper's softmax errors best, not the zoo's k = "
               f"{ZOO_K}." if softmax else "")),
    verdict=(f"Table 1 errors: {tally(T1)} (evidence); `FC10(1e-4)`'s two rows: "
             f"{tally(T1, 'fitted')}, fitted, not counted. Table 3 errors: {tally(T3)}."),
    caveat=("One training seed per model, so the spread between retrained models is not measured; "
            "the paper's optimiser, schedule and initialisation are unknown, and the weight-decay "
            "normaliser is a fitted reading"
            + (f" that the exact minimum does not favour ({READINGS[best]}, fits better)."
               if softmax and best != ZOO_K else ".")),
    scale=(f"All {n_train:,} training and {n_test:,} test images (P1 and P2: "
           f"{len(mnist.subset('P1')[1]):,} each); {len(t1_models) + len(t3)} models, 1 training "
           "seed each."))
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict", "role"]]
