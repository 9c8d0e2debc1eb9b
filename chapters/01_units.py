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
# # Unit semantics
#
# ```{glue:md} first_screen
# :format: myst
# ```
#
# Section 3 of Szegedy et al. {cite}`szegedy2014intriguing` starts from a common way of reading a
# network: take one hidden unit, find the held-out images that excite it most, and name what
# they have in common. Their Fig. 1 shows four such rows of ten MNIST test digits for "a
# convolutional neural network trained on MNIST" and captions them "lower round stroke",
# "diagonal straight stroke" and so on: "images within each row share semantic properties". This
# chapter redoes Fig. 1 on the book's own CNN and on the sigmoid network `FC100-100-10`, with the
# units chosen by a stated rule instead of by eye, and gives every row a number, its *label
# purity*. Whether a unit is any better at this than a random direction (the paper's Fig. 2 and
# its actual claim) is the subject of the next chapter.

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
# Which layers to inspect: [zoo model, hidden layer]. The first is the chapter's main figure.
PANELS = [["CNN", "fc1"], ["CNN", "conv2"], ["FC100-100-10", "fc2"]]
K = 10  # images per row (the paper's Fig. 1 shows 10)
N_ROWS = 5  # units per figure, at evenly spaced quantiles of purity
#             (5: best, quartiles, median, worst)
N_CHANCE = 1000  # random k-subsets of the test set for the chance level of purity
SEED = 0  # seed of the random k-subsets and of the bootstrap over units
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PROGRESS = False  # progress bars while a model trains (keep False for executed, checked notebooks)
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
from collections import Counter

import numpy as np
import pandas as pd
import torch

from intriguing import plots, prose, results, runtime, semantics, stats, tables, verdicts, zoo
from intriguing.data import load_mnist
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)

if (not isinstance(PANELS, list) or not PANELS
        or not all(isinstance(p, list) and len(p) == 2 for p in PANELS)):
    raise ValueError(f"PANELS must be a non-empty list of [model, layer] pairs, got {PANELS!r}")
zoo.check_names([m for m, _ in PANELS])
if not 2 <= K <= 100:
    raise ValueError(f"K must be between 2 and 100 images per row, got {K}")
if not 1 <= N_ROWS <= 20:
    raise ValueError(f"N_ROWS must be between 1 and 20, got {N_ROWS}")
if N_CHANCE <= 0:
    raise ValueError(f"N_CHANCE must be a positive number of random subsets, got {N_CHANCE}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
x_test, y_test = mnist.test_x, mnist.test_y
trained = {m: zoo.get_model(m, mnist=mnist, device=device, progress=PROGRESS) for m, _ in PANELS}
for (m, layer) in PANELS:
    names = list(trained[m].model.hidden(x_test[:1]).keys())
    if layer not in names:
        raise ValueError(f"{m} has no hidden layer {layer!r}: choose one of {names}")
print(runtime.describe())
for m, t in trained.items():
    print(f"{m}: {t.spec.description}; test error "
          f"{tables.percent(t.history['errors_test'][-1], t.history['sizes']['test'])}%")
print(f"held-out set: the {len(y_test):,} MNIST test images; top {K} per unit")

# %% [markdown]
# ## Method
#
# Let $\phi(x) \in \mathbb{R}^n$ be the activations of one hidden layer for image $x$, and $e_i$
# the $i$-th vector of the natural basis. The paper's Fig. 1 shows, for a few units $i$, the
# held-out images that maximise
#
# $$
# x' = \arg\max_{x \in \mathcal{I}} \langle \phi(x), e_i \rangle = \arg\max_{x \in \mathcal{I}} \phi_i(x),
# $$
#
# with $\mathcal{I}$ the 10,000 MNIST test images, which no model saw during training. We take
# the top $k = 10$ images $T_i$ of every unit, best first (ties go to the lower image index, so a
# ReLU unit that is zero on many images still gives one well-defined set). A unit whose top-10
# set would partly be filled by the tie-break is left out: it must exceed its own minimum on at
# least $k$ test images (ReLU units that never or almost never fire fail this).
#
# **A number for a row.** The paper judges a row by eye. We report its *label purity*, the share
# of its most common digit:
#
# $$
# \operatorname{purity}(T) = \frac{1}{k} \max_{c \in \{0,\dots,9\}} \bigl|\{x \in T : y(x) = c\}\bigr| ,
# $$
#
# a multiple of $1/k = 0.1$, from $0.1$ (ten different digits) to $1$ (one digit). Ten test
# images drawn at random score {glue:text}`chance` on average (computed below). Purity measures "same digit", not
# "same stroke": the paper's captions name strokes that several digits share ("lower round
# stroke": 6, 8, 0, ...). A row can be coherent and impure, so purity is a lower bound on what
# the eye sees; the next chapter adds a label-free score.
#
# **Which units are shown.** Not the prettiest rows: the usable units are sorted by purity (ties
# by unit index) and the figure shows the units at evenly spaced positions of that order, here
# the best, the upper quartile, the median, the lower quartile and the worst unit. A reader sees
# the spread of the layer, not its best cases.
#
# ### Which layer, and why
#
# The paper names neither its MNIST CNN nor the layer (see the reference sheet). Our choices:
#
# * **CNN `fc1`** (main figure): the 100 ReLU units of the CNN's last hidden layer. Each sees the
#   whole digit, as a coordinate of $\phi(x)$ in the paper's framework, and the paper's
#   introduction speaks of "the units of the last feature layer" for its ImageNet network.
# * **CNN `conv2`** (after ReLU and max-pooling, 32 channels × 4 × 4 positions): the captions
#   of Fig. 1 name strokes at places ("lower", "upper", "left"), which is what a convolutional
#   unit at one position sees. Unit "ch $c$ @ $(r, s)$" looks at the 16 × 16 pixel window with
#   top-left corner $(4r, 4s)$ (5 × 5 kernel, pool 2, 5 × 5 kernel, pool 2), drawn in orange.
# * **`FC100-100-10` `fc2`**: the second (last) sigmoid hidden layer of the paper's own
#   fully connected network (Table 1), the kind of MNIST model the paper describes.
#
# The CNN is ours (`conv5x5(16)-pool-conv5x5(32)-pool-100-10`, ReLU, chapter 0); the paper's is
# unknown. Chapter 2 repeats the analysis for every layer.

# %%
def top_sets(model, layer):
    """Activations, usable units, their top-K sets and purities for one layer of one model."""
    acts = semantics.layer_activations(model, x_test, layer)
    masks = semantics.activity_masks(acts, K)
    usable = torch.nonzero(masks["usable"].cpu()).flatten()
    _, idx = semantics.top_k_units(acts, usable, K)
    purity, majority = semantics.label_purity(y_test, idx, n_classes=10)
    shape = tuple(model.hidden(x_test[:1])[layer].shape[1:])
    return {"acts": acts, "masks": masks, "units": usable, "indices": idx, "purity": purity.cpu(),
            "majority": majority.cpu(), "shape": shape}


panels = {f"{m} {layer}": top_sets(trained[m].model, layer) for m, layer in PANELS}
chance_sets = semantics.random_subsets(len(y_test), K, N_CHANCE,
                                       seed=SEED + semantics.SEED_OFFSETS["baseline"])
chance_purity = semantics.label_purity(y_test, chance_sets, n_classes=10)[0]
chance = f"{float(chance_purity.mean()):.3f}"
print(f"chance: {N_CHANCE} random sets of {K} test images have mean purity {chance}")
_ = prose.glue("chance", chance)

# %% [markdown]
# ## Results
#
# ### How pure are the units' top-10 sets?
#
# Counts are exact; the mean is over the layer's usable units.

# %%
rows = []
for name, p in panels.items():
    n_total, n_used = int(p["masks"]["usable"].numel()), len(p["units"])
    pur = p["purity"]
    rows.append({
        "layer": name, "units": n_total,
        "left out (dead or active on < k images)": n_total - n_used,
        "analysed": n_used, "mean purity": f"{float(pur.mean()):.3f}",
        "purity 1.0 (one digit)": f"{int((pur > 0.999).sum())} of {n_used}",
        "purity ≥ 0.8": f"{int((pur > 0.799).sum())} of {n_used}",
        "purity ≤ 0.5": f"{int((pur < 0.501).sum())} of {n_used}",
    })
tables.formatted(pd.DataFrame(rows).set_index("layer"), "{}")


# %% [markdown]
# ### The paper's Fig. 1, re-run
#
# One figure per layer of `PANELS` (the captions below describe the default three). Each row
# is one unit's top-10 test images, the strongest on the left; the label on the left names the
# unit and gives the majority digit of the row and how many of the ten images show it (the
# purity as a fraction). The table under each figure lists the same rows with the digit labels
# of their ten images in rank order.

# %%
QUANTILE_NAMES = {5: ["best", "upper quartile", "median", "lower quartile", "worst"]}


def receptive_field(layer, row, col):
    """Top-left corner and side of the input window a pooled unit of the zoo CNN sees."""
    stride, side = {"conv1": (2, 6), "conv2": (4, 16)}[layer]
    return stride * row, stride * col, side


WORDS = dict(enumerate("no a two three four five six seven eight nine ten".split()))


def composition(digits):
    """The digits of a row in words, most frequent first: "all 8s", "eight 2s, a 3 and a 7"."""
    counts = sorted(Counter(digits).items(), key=lambda dc: (-dc[1], dc[0]))
    if len(counts) == 1:
        return f"all {counts[0][0]}s"
    parts = [f"{WORDS.get(n, n)} {d}s" if n > 1 else f"{'an' if d == 8 else 'a'} {d}"
             for d, n in counts]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def figure_for(name):
    """The grid of one panel (N_ROWS units at evenly spaced quantiles of purity), a table of its
    rows, and a sentence on them (how many rows have 8 of 10 images of one digit, their digits)."""
    p = panels[name]
    pos = semantics.select_by_quantiles(p["purity"], N_ROWS)
    idx = p["indices"][pos]
    labels, rows, digits = [], [], []
    quantiles = QUANTILE_NAMES.get(len(pos),
                                   [f"quantile {i}/{len(pos) - 1}" for i in range(len(pos))])
    for q, i in zip(quantiles, pos.tolist()):
        unit = int(p["units"][i])
        unit_name = semantics.describe_unit(unit, p["shape"])
        count = round(float(p["purity"][i]) * K)
        row_digits = [int(v) for v in y_test[p["indices"][i]]]
        digits.append((q, count, row_digits))
        labels.append(f"{unit_name}\n{int(p['majority'][i])}: {count}/{K}")
        rows.append({"row": q, "unit": unit_name, "purity": f"{count / K:.1f}",
                     "majority digit": int(p["majority"][i]),
                     f"labels of the top {K}, best first": "".join(map(str, row_digits))})
    layer = name.split()[-1]
    windows = None
    if len(p["shape"]) == 3 and layer in ("conv1", "conv2"):  # mark the window each conv unit sees
        windows = []
        for i in pos.tolist():
            _, row, col = (int(v) for v in np.unravel_index(int(p["units"][i]), p["shape"]))
            top, left, side = receptive_field(layer, row, col)
            windows.append((top, left, side, side))
    fig = plots.units.plot_top_images(x_test.cpu(), idx.cpu(), labels, windows=windows,
                                      title=f"{name}: top-{K} test images of {len(pos)} units "
                                            f"(rows: quantiles of purity, best first)")
    eight = sum(count >= 8 for _, count, _ in digits)
    worst = digits[-1][2]
    rows_word = WORDS.get(len(digits), str(len(digits)))
    text = (f"{WORDS.get(eight, str(eight)).capitalize()} of the {rows_word} rows have at least "
            f"eight images of one digit, and the worst row draws on "
            + ("one digit" if len(set(worst)) == 1 else f"{WORDS.get(len(set(worst)))} digits")
            + f". The rows, best first: {'; '.join(composition(d) for _, _, d in digits)}")
    shown[name] = digits
    return fig, tables.formatted(pd.DataFrame(rows).set_index("row"), "{}"), text


shown = {}  # panel -> its figure's rows: (quantile, majority count, digits)


# %% mystnb={"image": {"alt": "A grid of MNIST test digits, white on black, in five rows of ten: the top-10 images of five fc1 units of the CNN, the unit with the purest row at the top and the worst at the bottom. The first rows are all 8s, all 2s and nine 8s with a 7, the fourth seven 6s and three 5s; the bottom row mixes five 2s and five 8s."}}
names = list(panels)
fig, rows_table, text = figure_for(names[0])
_ = prose.glue("fig1a_rows", text)

# %% [markdown]
# **Figure 1a (the paper's Fig. 1).** Top-10 MNIST test images of five `fc1` units of the CNN, one
# unit per row, the strongest image on the left. The units are the best, upper-quartile, median,
# lower-quartile and worst of the layer by label purity; the left label gives the unit, the row's
# majority digit and how many of the ten images show it. {glue:text}`fig1a_rows`.

# %%
rows_table

# %% mystnb={"image": {"alt": "A grid of MNIST test digits in five rows of ten: the top-10 images of five conv2 units of the CNN, each digit with an orange square marking the 16 by 16 pixel window that the unit sees. Each row shares a stroke inside its square: the top of 6s, the lower curve of 5s, the upper left stroke of 4s and 6s, the left curve of 0s and the lower end of 1s; the bottom row mixes digits."}}
fig, rows_table, text = figure_for(names[min(1, len(names) - 1)])
_ = prose.glue("fig1b_rows", text)

# %% [markdown]
# **Figure 1b.** The same for the CNN's `conv2` units. A unit is one channel at one of the 4 × 4
# positions ("ch 5 @ (2, 1)" is channel 5 at row 2, column 1), and the orange square is the
# 16 × 16 window of the input that this unit sees. {glue:text}`fig1b_rows`. The rows share a
# stroke inside the square more than a digit: the median row is the upper left stroke of 4s and
# 6s, the lower-quartile row the left curve of 0s and the lower end of 1s.

# %%
rows_table

# %% mystnb={"image": {"alt": "A grid of MNIST test digits in five rows of ten: the top-10 images of five units of the second sigmoid hidden layer of FC100-100-10, purest row at the top. The first three rows are all 9s, all 1s and all 8s, the fourth mostly 2s, and the bottom row mixes 2s and 3s."}}
fig, rows_table, text = figure_for(names[min(2, len(names) - 1)])
_ = prose.glue("fig1c_rows", text)

# %% [markdown]
# **Figure 1c.** The same for the second sigmoid hidden layer (`fc2`) of `FC100-100-10`.
# {glue:text}`fig1c_rows`.

# %%
rows_table

# %% [markdown]
# ### The paper's rows
#
# The captions of the paper's Fig. 1 (its rows (a)-(d), for units of its unnamed MNIST CNN).
# They describe strokes, not digits, and the paper shows only these four rows, chosen by a rule
# it does not state.

# %%
FIG1_CAPTIONS = {"(a)": "lower round stroke", "(b)": "upper round stroke, or lower straight stroke",
                 "(c)": "left, upper round stroke", "(d)": "diagonal straight stroke"}
pd.DataFrame({"row": list(FIG1_CAPTIONS),
              "caption in the paper (Fig. 1)": list(FIG1_CAPTIONS.values())}).set_index("row")


# %% tags=["hide-input"]
# The numbers of the text below, from the purity table and the figures' rows.
def last_hidden(name):
    """Is the panel the last hidden layer of its network?"""
    model_name, layer = name.rsplit(" ", 1)
    return list(trained[model_name].model.hidden(x_test[:1]))[-1] == layer


def label(name):
    model_name, layer = name.rsplit(" ", 1)
    return f"{model_name} `{layer}`"


def count_of(name, low):
    pur = panels[name]["purity"]
    return f"{int((pur > low - 0.001).sum())} of {len(pur)}"


def listed(items):
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


last = [n for n in panels if last_hidden(n)]
conv = [n for n in panels if len(panels[n]["shape"]) == 3]
means = {n: float(panels[n]["purity"].mean()) for n in panels}
glued = {
    "last_single": listed(f"{count_of(n, 1.0)} ({label(n)})" for n in last) or "—",
    "last_eight": listed(f"{count_of(n, 0.8)} ({label(n)})" for n in last) or "—",
    "last_means": listed(f"{means[n]:.3f} ({label(n)})" for n in last) or "—",
    "last_quantiles": "; ".join(
        listed(str(c) for _, c, _ in shown[n]) + f" for {label(n)}" for n in last if n in shown)
    or "—",
}
most = all(float((panels[n]["purity"] > 0.799).float().mean()) > 0.5 for n in last)
glued["how_many"] = "most" if last and most else "some"
main = names[0]
if main in shown:
    q, c, d = shown[main][-1]
    n_digits = len(set(d))
    glued["worst_row"] = (f"{label(main)} (purity {c / K:.1f}) draws on "
                          + ("one digit" if n_digits == 1 else f"{WORDS.get(n_digits)} digits"))
for n in conv[:1]:
    less = means[n] < min((means[m] for m in last), default=float("inf"))
    glued["conv_purity"] = (f"This layer is {'less' if less else 'not less'} pure (mean "
                            f"{means[n]:.3f}, {count_of(n, 1.0)} units at 1.0)")
prose.glue_all({k: glued.get(k, "—") for k in (
    "last_single", "last_eight", "last_means", "last_quantiles", "how_many", "worst_row",
    "conv_purity")})

# %% [markdown]
# ## Paper vs ours
#
# **The rows are coherent, as in the paper.** In the last hidden layer of both networks,
# {glue:text}`last_single` of the units' top-10 sets are a single digit (purity 1.0),
# {glue:text}`last_eight` have at least eight images of one digit, and the mean purity is
# {glue:text}`last_means`, against {glue:text}`chance` for ten test images drawn at random (table
# above). Down the rows of the figures (best, upper quartile, median, lower quartile, worst), the
# majority digit fills {glue:text}`last_quantiles` of the ten images; even the worst row of
# {glue:text}`worst_row`. "Images within each row share semantic properties" holds for
# {glue:text}`how_many` units, not only for the four the paper shows.
#
# **The paper's captions name strokes, not digits, and that is what our `conv2` units look
# like.** A `conv2` unit sees a 16 × 16 window, and its rows share a stroke inside that window
# across digits: the median row of Figure 1b is the upper left stroke of 4s and 6s (and a 5), the
# lower-quartile row the left curve of 0s and the lower end of 1s. {glue:text}`conv_purity`, as a feature that several digits share must be. The paper's
# Fig. 1 reads more like our `conv2` than like a last hidden layer, whose units here mostly pick
# one digit; but its network and layer are not described, so this is a guess, not a finding.
#
# **What the figures cannot show.** A coherent row says that the layer's space is organised by
# digit and stroke. It does not say that the *unit* is special: the paper's point is that random
# directions give rows just as coherent. Chapter 2 sets rows of random directions of the same
# layers against these.
#
# ## Caveats
#
# * **Purity is not meaning.** A row of 3s, 5s and 8s that share a lower curve is what the
#   paper's captions describe, and it scores low. Purity underrates stroke detectors and
#   overrates nothing: a row of one digit is coherent by any reading. The next chapter adds a
#   label-free score (the similarity of the images' pixels).
# * **Ten images are few.** Purity moves in steps of 0.1, and a unit's top-10 set is the extreme
#   tail of its distribution on the test set; the layer summaries above pool many units.
# * **One network, one training run.** Our CNN is not the paper's, which is not described, and
#   each network here is a single training run: whether another seed would give other units, or
#   another picture, is not measured.
# * **Showing units proves nothing about units.** The figures show that top-10 sets are
#   coherent. Whether that is a property of the *units* (the natural basis) or of the layer as
#   a whole is the paper's question, answered in chapter 2 with random directions.
#
# ## Summary for the results page
#
# The paper judges its rows by eye. We judge each layer by a criterion stated in advance (rules:
# {doc}`91_how_judged`): the 95% interval of its units' mean purity minus the chance purity lies
# above 0. The interval is a bootstrap over the layer's units (over whole channels for a
# convolutional layer, whose positions are correlated) and over the random chance sets; it covers
# the choice of units and images, not the training run. Purity is a lower bound on what the eye
# sees, so the criterion can miss a coherent layer but cannot pass a layer of mixed rows.

# %% tags=["hide-input"]
CLAIM = "Sec. 3, Fig. 1"
CRITERION = ("the 95% interval of the mean purity of the layer's units' top-{k} test images minus "
             "the chance purity lies above 0")
summary, judged = [], {}
for name, p in panels.items():
    groups = None
    if len(p["shape"]) == 3:  # a convolutional layer: resample whole channels
        groups = p["units"] // (p["shape"][1] * p["shape"][2])
    lo, hi = stats.bootstrap_ci(p["purity"], chance_purity, seed=SEED, groups_a=groups)
    diff = means[name] - float(chance_purity.mean())
    verdict = "reproduced" if lo > 0 else "inconclusive" if hi > 0 else "not reproduced"
    judged[name] = verdicts.judge_criterion(verdict, CRITERION.format(k=K))
    summary.append(results.row(
        CLAIM, f"{name}: mean label purity, top-{K} test images",
        "“images within each row share semantic properties” (4 rows, judged by eye)",
        f"{means[name]:.3f} vs chance {chance} (difference {diff:+.3f} [{lo:+.3f}, {hi:+.3f}])",
        judged[name],
        f"{count_of(name, 1.0)} units' sets are one digit, {count_of(name, 0.8)} have at least "
        "eight of one digit; purity is a lower bound on what the eye sees (strokes shared across "
        "digits score low); in brackets: the 95% interval of the difference, a bootstrap over "
        + ("channels" if groups is not None else "units") + f" and {N_CHANCE:,} chance sets; "
        "the network and layer of the paper's Fig. 1 are not described; ours are one training "
        "run each",
        scale=f"{verdicts.scale(images=len(y_test), of='test', models=1, seeds=1)}; "
              f"{len(p['units']):,} units"))
results.record("01_units", "Unit semantics", summary)
tally = Counter(j.verdict for j in judged.values())
prose.first_screen(
    claim=("The test images that most excite a single unit of an MNIST network share a semantic "
           "property (Sec. 3, Fig. 1: four rows of ten digits, captioned by eye, e.g. "
           "“lower round stroke”)."),
    result=(f"Each unit's top-{K} test images, for units at evenly spaced quantiles of a stated "
            "score, not hand-picked: mean label purity "
            + listed(f"{means[n]:.3f} ({label(n)})" for n in panels)
            + f", against {chance} for random sets of {K} test images."),
    verdict=(f"{CLAIM}: " + ", ".join(f"{tally[v]} {v}" for v in verdicts.VERDICTS if tally[v])
             + f" of {len(judged)} layers by the stated criterion (purity above chance)."),
    caveat=("Purity measures “same digit”, a lower bound on what the eye sees; and a coherent row "
            "does not make the unit special: random directions are the next chapter's test."),
    scale=(f"The {len(y_test):,} MNIST test images; {len(panels)} layers of "
           f"{len(trained)} networks (our CNN and FC100-100-10), 1 training seed each."))
pd.DataFrame(summary).set_index("quantity")[["ours", "verdict"]]
