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
# # Random directions
#
# ```{glue:md} first_screen
# :format: myst
# ```
#
# The paper's Section 3 does not stop at Fig. 1. Its Fig. 2 shows the test images that maximise
# a *random direction* of the same layer, $\langle \phi(x), v \rangle$, and they look just as
# "semantically related" as the rows of single units. From this Szegedy et al.
# {cite}`szegedy2014intriguing` conclude that "the natural basis is not better than a random
# basis for inspecting the properties of $\phi(x)$": the meaning is in the space, not in its
# coordinates. The evidence is a few rows judged by eye. This chapter redoes Fig. 2 and then
# gives the claim a number: the coherence of the top-10 set of *every* unit and of 1,000 random
# directions, in five layers of two networks, against the chance level of ten images drawn at
# random, with a permutation test, an effect size and a confidence interval, and a verdict from
# an equivalence test whose margin is stated before the numbers. Network Dissection
# {cite}`bau2017network` made the same comparison on large ImageNet networks and came to the
# opposite conclusion; the end of the chapter puts the two side by side.

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
# Layers compared, as [zoo model, hidden layer]; conv layers of the CNN are also seen per channel.
LAYERS = [["CNN", "conv1"], ["CNN", "conv2"], ["CNN", "fc1"],
          ["FC100-100-10", "fc1"], ["FC100-100-10", "fc2"]]
CHANNEL_LAYERS = ["conv1", "conv2"]  # CNN layers analysed in the channel-max view as well
FIGURE_LAYER = ["CNN", "fc1"]  # the layer of the Fig. 2 analogue (chapter 1's main layer)
K = 10  # images per top-k set
N_DIRECTIONS = 1000  # random directions per layer
N_BASELINE = 1000  # random k-subsets of the test set (chance level)
N_PERMUTATIONS = 10_000  # permutation test
N_BOOTSTRAP = 2000  # bootstrap interval of the difference of means
N_ROWS = 5  # rows of the figures (evenly spaced quantiles of purity)
SEED = 0  # directions, subsets, permutations and bootstrap all derive from it
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PROGRESS = False  # progress bars while a model trains (keep False for executed, checked notebooks)
# ImageNet (the paper's Figs 3-4): a folder of ImageNet validation images in ImageFolder layout
# (root/<synset>/<image>.JPEG). Empty: skipped. AlexNet's weights are downloaded by torchvision
# unless IMAGENET_WEIGHTS names a local copy of alexnet-owt-7be5be79.pth.
IMAGENET_DIR = ""
IMAGENET_WEIGHTS = ""
# one of intriguing.imagenet.ALEXNET_LAYERS (conv layers: one unit per channel)
IMAGENET_LAYER = "fc7"
IMAGENET_LIMIT = 0  # 0: every image of the folder; else an evenly spaced subsample of this size
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import pandas as pd
import torch
from IPython.display import display

from intriguing import imagenet, plots, prose, results, runtime, semantics, stats, verdicts, zoo
from intriguing import tables  # noqa: F401 (sets pandas display options)
from intriguing.data import load_mnist
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)


def check_layer_list(pairs, name):
    if not isinstance(pairs, list) or not pairs or not all(isinstance(p, list) and len(p) == 2
                                                           for p in pairs):
        raise ValueError(f"{name} must be a non-empty list of [model, layer] pairs, got {pairs!r}")
    zoo.check_names([m for m, _ in pairs])


check_layer_list(LAYERS, "LAYERS")
check_layer_list([FIGURE_LAYER], "[FIGURE_LAYER]")
if FIGURE_LAYER not in LAYERS:
    raise ValueError(f"FIGURE_LAYER {FIGURE_LAYER} must be one of LAYERS")
if not 2 <= K <= 100:
    raise ValueError(f"K must be between 2 and 100 images per set, got {K}")
for name, value in [("N_DIRECTIONS", N_DIRECTIONS), ("N_BASELINE", N_BASELINE),
                    ("N_PERMUTATIONS", N_PERMUTATIONS), ("N_BOOTSTRAP", N_BOOTSTRAP),
                    ("N_ROWS", N_ROWS)]:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
# The equivalence test is the book's (intriguing.verdicts, see the Method): units and random
# directions are "as coherent" when the 90% interval of their difference lies within ±MARGIN times
# the random directions' lead over chance; a significant difference below BOUND times it is "partly".
MARGIN, BOUND = verdicts.EQUIVALENCE_MARGIN, verdicts.EQUIVALENCE_BOUND
if N_DIRECTIONS < 100:
    print(f"note: with N_DIRECTIONS={N_DIRECTIONS} the random directions' mean moves by a few "
          "hundredths from seed to seed; the text below was written for 1000")
if IMAGENET_DIR and IMAGENET_LAYER not in imagenet.ALEXNET_LAYERS:
    raise ValueError(f"IMAGENET_LAYER={IMAGENET_LAYER!r}: choose one of "
                     f"{list(imagenet.ALEXNET_LAYERS)}")
if not isinstance(IMAGENET_LIMIT, int) or IMAGENET_LIMIT < 0:
    raise ValueError("IMAGENET_LIMIT must be 0 (every image) or a positive number of images, "
                     f"got {IMAGENET_LIMIT!r}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
x_test, y_test = mnist.test_x, mnist.test_y
trained = {m: zoo.get_model(m, mnist=mnist, device=device, progress=PROGRESS) for m, _ in LAYERS}
for m, layer in LAYERS:
    names = list(trained[m].model.hidden(x_test[:1]).keys())
    if layer not in names:
        raise ValueError(f"{m} has no hidden layer {layer!r}: choose one of {names}")
if "CNN" not in trained and CHANNEL_LAYERS:
    raise ValueError("CHANNEL_LAYERS needs the CNN among LAYERS (or set CHANNEL_LAYERS = [])")
print(runtime.describe())
print(f"{len(LAYERS)} layers; per layer: every usable unit and {N_DIRECTIONS} random directions, "
      f"top {K} of {len(y_test):,} test images; chance from {N_BASELINE} random {K}-subsets; "
      f"{N_PERMUTATIONS} permutations, {N_BOOTSTRAP} bootstrap resamples; seed {SEED}")
prose.glue_all({"margin_pct": f"{100 * MARGIN:g}", "bound_pct": f"{100 * BOUND:g}"})

# %% [markdown]
# ## Method
#
# **Random directions.** For a layer with $n$ units, a random direction is
# $v = g / \lVert g \rVert_2$ with $g \sim \mathcal{N}(0, I_n)$, i.e. uniform on the unit sphere
# (seeded, drawn in float64 on the CPU, so the same on every machine). Its top-$k$ set holds the
# $k$ test images with the largest projections $\langle \phi(x), v \rangle$, exactly as a unit's
# holds the images with the largest $\langle \phi(x), e_i \rangle$ (chapter 1). Units that
# exceed their own minimum on fewer than $k$ test images are left out, as in chapter 1; random
# directions need no such rule.
#
# **Two coherence scores** for a top-$k$ set $T$:
#
# * *label purity*, the share of its majority digit (chapter 1);
# * *pixel cosine*, the mean cosine similarity over the $\binom{k}{2}$ pairs of its images
#   after subtracting the mean test image $\bar x$:
#
#   $$
#   \operatorname{cos}(T) = \binom{k}{2}^{-1} \sum_{\{a, b\} \subset T}
#   \frac{\langle x_a - \bar x,\, x_b - \bar x \rangle}{\lVert x_a - \bar x \rVert \, \lVert x_b - \bar x \rVert}.
#   $$
#
#   It needs no labels (a row of 3s and 8s with the same strokes scores high), and it is computed
#   in pixel space, which does not depend on the layer or its basis, so it cannot favour units
#   or random directions by construction. Ten images drawn at random score about 0.
#
# **Chance level.** The same scores for `N_BASELINE` sets of $k$ test images drawn at random.
#
# **The comparison.** Under the paper's claim, a unit is just one more direction: the scores
# of units and of random directions come from the same distribution. For each layer and score
# we report the difference of the means (units minus random directions) with a 95% percentile
# bootstrap interval (units and directions resampled separately); a two-sided permutation test
# of that difference, $p = (1 + \#\{\text{relabelings at least as extreme}\}) / (1 + N)$ with
# $N$ = 10,000 random relabelings of the pooled scores, so $p$ cannot go below $10^{-4}$
# (printed "< 1e-4"); and the rank-biserial correlation
# $r = P(s_\text{unit} > s_\text{random}) - P(s_\text{unit} < s_\text{random})$, which is 0 when
# neither tends to score higher and $\pm 1$ when one always wins. With thousands of sets even
# tiny differences become "significant"; $r$ and the interval say how large they are.
#
# **The verdict: an equivalence test, with its margin stated before the verdicts.** "Not better
# than a random basis" claims that units and random directions are *as* coherent. A difference
# that is not significant does not show that (a noisier estimate would then earn the better
# verdict), so each layer and score is judged by two one-sided tests (TOST, the equivalence rule
# of {doc}`91_how_judged`). The yardstick is the random directions' *lead over chance*, their mean
# score minus that of random $k$-subsets: the coherence that the paper's figures show. The margin
# is {glue:text}`margin_pct`% of that lead, a difference too small to matter beside it (margin and
# bound are those an outside review of this chapter proposed, applied to every row at once, not
# tuned here). A row is *reproduced* when the 90% bootstrap interval of units minus random
# directions lies inside ±margin; *partly* when the interval excludes 0 but the difference is
# below {glue:text}`bound_pct`% of the lead (units measurably, but modestly, better); *not
# reproduced* when it excludes 0 and the difference is larger; *inconclusive* when the interval
# contains 0 and reaches beyond the margin. The 90% interval comes from the same bootstrap
# resamples as the 95% one; in the flattened convolutional layers it resamples whole channels (see
# "Units of one channel are not independent" below).
#
# **Many tests, one family.** The text reads the chapter's {glue:text}`n_tests` permutation
# p-values (two scores in each layer of the main table and of the channel view) as significant
# or not; they are corrected together with Holm's method, and only a Holm-adjusted p below 0.05
# is called significant.
#
# **What the intervals and tests cover.** The choice of units, random directions and random
# subsets in *one* trained network of each kind (one training seed): every result here is
# conditional on those two networks, and whether other training runs of the same recipes give
# the same verdicts is not tested in this chapter. Units of one convolutional channel are
# correlated (below): the cluster bootstrap accounts for that in the intervals, but the
# permutation test treats them as independent, so its p-values for the flattened convolutional
# layers are optimistic.

# %%
layers = {f"{m} {layer}": (trained[m].model, layer) for m, layer in LAYERS}
by_layer = {}
every_unit = {}  # the mean scores of every unit, none left out by the activity rule
for name, (model, layer) in layers.items():
    acts = semantics.layer_activations(model, x_test, layer)
    by_layer[name] = semantics.unit_vs_random(
        acts, y_test, k=K, n_directions=N_DIRECTIONS, seed=SEED, features={"pixels": x_test},
        n_baseline=N_BASELINE, n_permutations=N_PERMUTATIONS, n_bootstrap=N_BOOTSTRAP,
        n_classes=10)
    _, every = semantics.top_k_units(acts, torch.arange(acts.shape[1]), K)
    every_unit[name] = {
        "purity": float(semantics.label_purity(y_test, every, 10)[0].mean()),
        "cosine (pixels)": float(semantics.mean_pairwise_cosine(x_test, every).mean())}
    print(f"{name}: {by_layer[name].exclusion_note()}")

# %% [markdown]
# ## The paper's Fig. 2, re-run
#
# The random directions of the CNN's last hidden layer `fc1`, the layer of chapter 1's main
# figure, shown by the same rule: the directions at evenly spaced quantiles of purity among the
# 1,000 (best, quartiles, median, worst).

# %% mystnb={"image": {"alt": "A grid of MNIST test digits in five rows of ten: the top-10 images of five of 1000 random directions in the fc1 space of the CNN, purest row at the top. The first three rows are all 8s, all 4s and all 6s; the fourth is mostly 2s with two 0s and a 7, and the bottom row mixes 1s, 6s, 8s, 0s and a 2."}}
fig_name = f"{FIGURE_LAYER[0]} {FIGURE_LAYER[1]}"
fig_result = by_layer[fig_name]
idx, row_labels = semantics.figure_rows(fig_result, "random", N_ROWS, score="purity")
fig = plots.units.plot_top_images(x_test.cpu(), idx.cpu(), row_labels,
                                  title=f"{fig_name}: top-{K} test images of {len(row_labels)} of "
                                        f"{N_DIRECTIONS} random directions (rows: quantiles of "
                                        "purity)")

# %% [markdown]
# **Figure 1 (the paper's Fig. 2).** Top-10 MNIST test images of random directions in the CNN's
# `fc1` space, one direction per row, the largest projection on the left. The left label gives the
# direction's number (its place in the seeded draw), the row's majority digit and how many of the
# ten images show it. Compare chapter 1's Figure 1a, the units of the same layer chosen by the
# same rule: from the best row to the worst, the rows' purities are
# {glue:text}`fig_random_purities` here and {glue:text}`fig_unit_purities` for the units. The
# table below puts both side by side, with the digit labels of each row in rank order.

# %%
QUANTILES = ["best", "upper quartile", "median", "lower quartile", "worst"]


def rows_of(result, kind):
    """The figure rows of units or random directions: name, purity and the labels in rank order."""
    sets = result.units if kind == "unit" else result.random
    pos = semantics.select_by_quantiles(sets.scores["purity"], N_ROWS)
    names = (QUANTILES if len(pos) == 5
             else [f"quantile {i}/{len(pos) - 1}" for i in range(len(pos))])
    out = []
    for q, i in zip(names, pos.tolist()):
        labels = "".join(str(int(v)) for v in y_test[sets.indices[i]])
        out.append({"row": q,
                    "which": f"{'unit' if kind == 'unit' else 'direction'} {int(sets.ids[i])}",
                    "purity": f"{float(sets.scores['purity'][i]):.1f}",
                    f"labels of the top {K}, best first": labels})
    return pd.DataFrame(out).set_index("row")


unit_rows, random_rows = rows_of(fig_result, "unit"), rows_of(fig_result, "random")
prose.glue_all({"fig_unit_purities": ", ".join(unit_rows["purity"]),
                "fig_random_purities": ", ".join(random_rows["purity"])})
pd.concat([unit_rows, random_rows], axis=1,
          keys=["units (chapter 1, Figure 1a)", "random directions (Figure 1)"])

# %% [markdown]
# The paper's captions of its Figs 1 and 2 (units and random directions of its unnamed MNIST
# CNN), for comparison. Both sets of captions describe strokes, and nothing in them tells the
# two figures apart.

# %% tags=["hide-input"]
FIG_CAPTIONS = {
    "(a)": ("lower round stroke", "upper straight stroke, or lower round stroke"),
    "(b)": ("upper round stroke, or lower straight stroke", "lower left loop"),
    "(c)": ("left, upper round stroke", "round top stroke"),
    "(d)": ("diagonal straight stroke", "right, upper round stroke"),
}
pd.DataFrame([{"row": r, "Fig. 1 (units)": u, "Fig. 2 (random directions)": v}
              for r, (u, v) in FIG_CAPTIONS.items()]).set_index("row")

# %% [markdown]
# ## Units against random directions, layer by layer
#
# Every usable unit against 1,000 random directions of the same layer; the chance level is the
# mean over 1,000 random sets of ten test images. Means over the sets with three decimals;
# "difference" is units minus random directions.

# %%
summary = semantics.summary_table(by_layer, scores=["purity", "cosine (pixels)"])
summary

# %% [markdown]
# How large is the units' advantage? Both groups sit far above chance; the table sets the gap
# between units and random directions against the gap between random directions and chance.

# %%
edge_rows = []
for name, r in by_layer.items():
    for score in ("purity", "cosine (pixels)"):
        c = r.comparisons[score]
        above_chance = c.mean_random - float(r.baseline.scores[score].mean())
        edge_rows.append({"layer": name, "score": score,
                          "random directions − chance": f"{above_chance:+.3f}",
                          "units − random directions": f"{c.difference:+.3f}",
                          "ratio": f"{100 * c.difference / above_chance:+.0f}%"})
pd.DataFrame(edge_rows).set_index(["layer", "score"])

# %% [markdown]
# The distributions behind these means:

# %% mystnb={"image": {"alt": "Five line-plot panels, one per layer, of the share of top-10 sets at each label purity from 0.1 to 1, for units (blue), random directions (orange) and random sets of ten test images (green). In every layer the green curve peaks at purity 0.2 to 0.3, while the blue and orange curves lie close together well to the right of it."}}
GROUPS = {"units": "units", "random": "random directions", "baseline": "random k-subsets"}
scores = {score: {name: {GROUPS[kind]: getattr(r, kind).scores[score] for kind in GROUPS}
                  for name, r in by_layer.items()}
          for score in ("purity", "cosine (pixels)")}
fig = plots.directions.purity_histograms(scores["purity"], k=K)
# the layers with the largest share of single-digit sets among random directions (the caption)
pure = {name: {g: float((v == 1).double().mean()) for g, v in groups.items()}
        for name, groups in scores["purity"].items()}
purest = sorted(pure, key=lambda n: -pure[n]["random directions"])[:2]
prose.glue_all({"pure_sets": " and ".join(
    f"{n} (units {100 * pure[n]['units']:.0f}%, random directions "
    f"{100 * pure[n]['random directions']:.0f}%)" for n in purest)})

# %% [markdown]
# **Figure 2.** Label purity of the top-10 sets of units (blue), random directions (orange) and
# random sets of ten test images (green), one panel per layer: each line joins the shares of
# one group's sets at purity 0.1, 0.2, ..., 1 (dots), so its points sum to 1. In every layer
# units and random directions have similar distributions, far to the right of the random
# sets; the share of sets that are a single digit is largest in {glue:text}`pure_sets`.

# %% mystnb={"image": {"alt": "Violin plots of the pixel cosine of top-10 sets in five layers, three violins per layer: units (blue), random directions (orange) and random sets of ten test images (green). Units and random directions overlap, spread over about 0.03 to 0.9 with medians between about 0.25 and 0.43, units somewhat higher; the random sets sit in a narrow band around 0."}}
fig = plots.directions.cosine_violins(scores["cosine (pixels)"], ylabel="pixel cosine of the set")

# %% [markdown]
# **Figure 3.** The label-free score: mean pairwise cosine of the centred pixels of each top-10
# set (vertical axis), for units (blue), random directions (orange) and random sets of ten test
# images (green), per layer. Violins are cut at the observed range and scaled to the same width;
# dashed lines are the quartiles. Units and random directions overlap largely, the units'
# violins somewhat higher; both lie far above the random sets, which scatter around 0.

# %% [markdown]
# ## Units of one channel are not independent
#
# In the flattened view of a convolutional layer (the one above, and the paper's
# $\phi(x) \in \mathbb{R}^n$), the 2,304 "units" of `conv1` are 16 channels at 144 positions
# and the 512 of `conv2` are 32 channels at 16 positions. Units of one channel apply the same
# filter to overlapping windows, so their top-10 sets overlap and their scores are correlated:
# the tests above treat the {glue:text}`conv_units` usable units of these layers as
# independent numbers, and their p-values and intervals are too optimistic. Two checks:
#
# 1. **Resample channels, not units.** The same scores, with a cluster bootstrap that resamples
#    whole channels (all their usable positions at once). The interval then reflects 16 or 32
#    channels, not thousands of units.
# 2. **The channel-max view.** One unit per channel, $\max_p a_{c,p}(x)$ over the positions $p$
#    (how Network Dissection counts units), against random *mixtures of channels* scored the same
#    way, $\max_p \langle v, a_{\cdot,p}(x) \rangle$ with $v$ uniform on the sphere of
#    $\mathbb{R}^C$, the same mixture at every position. This is the analogue of Network
#    Dissection's test, which rotates the channels of a layer at random.

# %%
def unit_channels(name):
    """The channel of each analysed unit of a flattened conv layer; None for a dense layer."""
    model, layer = layers[name]
    shape = model.hidden(x_test[:1])[layer].shape
    return None if len(shape) != 4 else by_layer[name].units.ids // (shape[2] * shape[3])


BOOT_SEED = SEED + semantics.SEED_OFFSETS["bootstrap"]  # the seed of unit_vs_random's bootstrap
cluster_rows, widening, cluster_ci = [], [], {}
for name, r in by_layer.items():
    channels = unit_channels(name)
    if channels is None:
        continue
    for score in ("purity", "cosine (pixels)"):
        c = r.comparisons[score]
        lo, hi = stats.bootstrap_ci(r.units.scores[score], r.random.scores[score],
                                    n_bootstrap=N_BOOTSTRAP, seed=BOOT_SEED, groups_a=channels)
        cluster_ci[name, score] = (lo, hi)
        widening.append((hi - lo) / (c.ci_high - c.ci_low))
        cluster_rows.append({
            "layer": name, "score": score,
            "units (channels)": f"{c.n_units} ({len(torch.unique(channels))})",
            "difference": f"{c.difference:+.3f}",
            "95% CI, units as independent": f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]",
            "95% CI, channels resampled": f"[{lo:+.3f}, {hi:+.3f}]"})
(pd.DataFrame(cluster_rows).set_index(["layer", "score"]) if cluster_rows
 else print("no convolutional layer"))

# %%
channel_results = {}
if CHANNEL_LAYERS:
    cnn = trained["CNN"].model
    for layer in CHANNEL_LAYERS:
        maps = semantics.layer_activations(cnn, x_test, layer, reduce="none")
        view = f"CNN {layer}, channel max"
        channel_results[view] = semantics.unit_vs_random(
            maps, y_test, k=K, n_directions=N_DIRECTIONS, seed=SEED, features={"pixels": x_test},
            pool="max", n_baseline=N_BASELINE, n_permutations=N_PERMUTATIONS,
            n_bootstrap=N_BOOTSTRAP, n_classes=10)
        print(f"{view}: {channel_results[view].exclusion_note()}")
    channel_summary = semantics.summary_table(channel_results, scores=["purity", "cosine (pixels)"])
channel_summary if CHANNEL_LAYERS else None

# %% tags=["hide-input"]
# The numbers of the paragraph below.
def listing(items):
    """"a", "a and b", "a, b and c"; "none" for no item."""
    items = list(items)
    return "none" if not items else items[0] if len(items) == 1 else (
        ", ".join(items[:-1]) + " and " + items[-1])


def row_name(key):
    """A row of the tables in words: "CNN conv2 (pixel cosine)"."""
    return f"{key[0]} ({'purity' if key[1] == 'purity' else 'pixel cosine'})"


conv_names = [n for n in by_layer if unit_channels(n) is not None]
with_zero = [k for k, (lo, hi) in cluster_ci.items() if lo <= 0 <= hi]
prose.glue_all({
    "conv_units": listing(f"{by_layer[n].comparisons['purity'].n_units:,}" for n in conv_names),
    "cluster_widen": (f"by a factor of {min(widening):.1f} to {max(widening):.1f}" if widening
                      else "(there is none in this run)"),
    "cluster_zero": ("(none was analysed)" if not cluster_ci else
                     f"those of {listing(map(row_name, with_zero))} come to include 0: there the "
                     "advantage of single positions does not survive counting correlated units "
                     "as what they are" if with_zero else
                     "none of them comes to include 0: the small advantage of single positions "
                     "is not an artefact of counting correlated units"),
})

# %% [markdown]
# The cluster bootstrap widens the intervals of the flattened conv layers
# {glue:text}`cluster_widen`, and {glue:text}`cluster_zero`. In the channel-max view, with
# {glue:text}`channel_counts` channels, {glue:text}`channel_tests`; but the intervals are wide
# (up to ±{glue:text}`channel_half` in purity), so an advantage of the size seen elsewhere cannot
# be ruled out either. The weakest channel-max view, {glue:text}`channel_low`, has units of mean
# purity {glue:text}`channel_low_purity` against {glue:text}`chance_purity` for random sets: the
# largest response anywhere in the image of an early filter says little about the digit, and a
# random mixture of such filters says no more.
#
# ## The verdict, layer by layer
#
# Each layer and score, judged by the equivalence test of the Method: the margin is
# {glue:text}`margin_pct`% of the random directions' lead over chance and the bound for *partly*
# {glue:text}`bound_pct`% of it. The interval is the 90% bootstrap interval of units minus
# random directions, with whole channels resampled in the flattened convolutional layers; the
# p-value is the permutation test of the main table, Holm-adjusted over the chapter's
# {glue:text}`n_tests` permutation tests.

# %%
SCORES = ["purity", "cosine (pixels)"]
p_perm = {(name, s): r.comparisons[s].p_permutation
          for group in (by_layer, channel_results) for name, r in group.items() for s in SCORES}
adjusted = verdicts.holm({f"{n}: {s}": p for (n, s), p in p_perm.items()})
p_holm = {(n, s): adjusted[f"{n}: {s}"] for n, s in p_perm}


def holm_text(key):
    """Holm's p as text; "< m/N" where no permutation reached the observed difference."""
    if stats.format_p(p_perm[key], N_PERMUTATIONS).startswith("<"):
        return f"< {len(p_perm) / N_PERMUTATIONS:.2g}"
    return f"{p_holm[key]:.2g}"


def relation(text):
    """"= 0.074" or "< 1e-4": a p-value as it follows "p"."""
    return text if text.startswith("<") else f"= {text}"


tost, tost_rows = {}, []
for name, r in by_layer.items():
    channels = unit_channels(name)
    for s in SCORES:
        c = r.comparisons[s]
        lead = c.mean_random - float(r.baseline.scores[s].mean())
        if lead <= 0:
            raise ValueError(f"{name}, {s}: random directions are not above chance ({lead:+.3f}), "
                             "so a margin that is a share of their lead is not defined")
        ci90 = stats.bootstrap_ci(r.units.scores[s], r.random.scores[s], n_bootstrap=N_BOOTSTRAP,
                                  level=0.90, seed=BOOT_SEED, groups_a=channels)
        tost[name, s] = {"c": c, "lead": lead, "ci90": ci90,
                         "judgement": verdicts.judge_equivalent(c.difference, ci90, MARGIN * lead,
                                                                BOUND * lead),
                         "resampled": "units" if channels is None else "channels"}
        tost_rows.append({"layer": name, "score": s, "lead over chance": f"{lead:+.3f}",
                          "margin": f"±{MARGIN * lead:.3f}", "bound": f"{BOUND * lead:.3f}",
                          "difference [90% CI]":
                              f"{c.difference:+.3f} [{ci90[0]:+.3f}, {ci90[1]:+.3f}]",
                          "Holm p": holm_text((name, s)),
                          "verdict": tost[name, s]["judgement"].verdict})
prose.glue("n_tests", len(p_perm))
pd.DataFrame(tost_rows).set_index(["layer", "score"])

# %% tags=["hide-input"]
# The 90% intervals come from the same resamples as the 95% ones: at level 0.95 the same call
# gives the main table's intervals (unit_vs_random's bootstrap, units resampled).
for (name, s), t in tost.items():
    r, c = by_layer[name], t["c"]
    again = stats.bootstrap_ci(r.units.scores[s], r.random.scores[s], n_bootstrap=N_BOOTSTRAP,
                               seed=BOOT_SEED)
    if again != (c.ci_low, c.ci_high):
        raise AssertionError(f"{name}, {s}: the bootstrap at 95% gives {again}, the main table "
                             f"{(c.ci_low, c.ci_high)}: the seeds differ")
print(f"{len(tost)} rows: each 90% interval shares its bootstrap resamples with the 95% interval")

# %% tags=["hide-input"]
# The numbers and verdict words of the discussion below, from the tables above.
def fmt_range(values, spec):
    """"a to b" of numbers formatted with spec (one number when both ends print the same)."""
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else f"{lo} to {hi}"


n_rows = len(tost)
by_verdict = {}
for key, t in tost.items():
    by_verdict.setdefault(t["judgement"].verdict, []).append(key)
counts = sorted(by_verdict.items(), key=lambda kv: -len(kv[1]))
if len(by_verdict.get("reproduced", [])) == n_rows:
    overall = "reproduced"
elif len(by_verdict.get("not reproduced", [])) > n_rows / 2:
    overall = "not reproduced"
elif len(by_verdict.get("inconclusive", [])) > n_rows / 2:
    overall = "inconclusive"
else:
    overall = "partly"
READINGS = {  # the short reading of each overall verdict (the last sentence of the discussion)
    "reproduced": "single units carry no more of it than random directions do, within the margin",
    "partly": "single units carry measurably, but modestly, more of it than random directions do",
    "not reproduced": "single units carry clearly more of it than random directions do",
    "inconclusive": "whether single units carry more of it than random directions cannot be "
                    "decided at this scale",
}
better = [k for k, t in tost.items() if t["ci90"][0] > 0]
worse = [k for k, t in tost.items() if t["ci90"][1] < 0]
share = {k: 100 * t["c"].difference / t["lead"] for k, t in tost.items()}
better_layers = list(dict.fromkeys(n for n, _ in better))
largest = max(better, key=share.get) if better else None
lost = [k for k in better if p_holm[k] >= verdicts.ALPHA]
ci95 = {k: cluster_ci.get(k, (t["c"].ci_low, t["c"].ci_high)) for k, t in tost.items()}
fragile = [k for k in better if ci95[k][0] <= 0]  # one-sided 5% only: the 95% interval holds 0
chance = {s: {f"{float(r.baseline.scores[s].mean()):.3f}" for r in by_layer.values()}
          for s in SCORES}


def verdict_sentence(keys, verdict):
    """"A is <verdict>" or "A and B are <verdict>"."""
    return listing(map(row_name, keys)) + (" is " if len(keys) == 1 else " are ") + verdict


def judged_text(key):
    t = tost[key]
    c, (lo, hi) = t["c"], t["ci90"]
    return (f"*{t['judgement'].verdict}* (difference {c.difference:+.3f}, 90% interval "
            f"[{lo:+.3f}, {hi:+.3f}], margin ±{MARGIN * t['lead']:.3f}; Holm p "
            f"{holm_text(key)})")


too_large = by_verdict.get("not reproduced", [])
not_reproduced_text = (
    verdict_sentence(too_large, f"above the bound of {100 * BOUND:g}% of the lead")
    + " (" + listing(f"{share[k]:.0f}%" for k in too_large) + ")" if too_large
    else f"no row is above the bound of {100 * BOUND:g}% of the lead")
holm_lost = (
    f"after Holm's correction, the permutation test{'s' if len(lost) > 1 else ''} of "
    f"{listing(map(row_name, lost))} {'are' if len(lost) > 1 else 'is'} not significant (Holm p "
    f"{listing(holm_text(k) for k in lost)}): there the 90% interval, a one-sided test at 5% "
    "without correction, and the corrected two-sided test disagree" if lost
    else "each of them is also significant by its permutation test after Holm's correction")
ch_keys = [k for k in p_perm if k[0] in channel_results]
ch_sig = [k for k in ch_keys if p_holm[k] < verdicts.ALPHA]
if not ch_keys:
    channel_tests = "(no channel view computed)"
elif ch_sig:
    channel_tests = f"the differences of {listing(map(row_name, ch_sig))} are significant"
else:
    channel_tests = ("no difference is significant in either direction (permutation p "
                     f"{fmt_range([p_perm[k] for k in ch_keys], '.2g')}; Holm-adjusted, "
                     f"{'all ' if len({f'{p_holm[k]:.2g}' for k in ch_keys}) == 1 else ''}"
                     f"{fmt_range([p_holm[k] for k in ch_keys], '.2g')})")
ch_purity = {n: r.comparisons["purity"] for n, r in channel_results.items()}
ch_low = min(ch_purity, key=lambda n: ch_purity[n].mean_units, default=None)
rand_purity = fmt_range([r.comparisons["purity"].mean_random for r in by_layer.values()], ".3f")
chance_purity = " to ".join(sorted(chance["purity"]))
prose.glue_all({
    "overall": overall, "overall_cap": overall[0].upper() + overall[1:], "n_rows": n_rows,
    "overall_phrase": "partly reproduced" if overall == "partly" else overall,
    "reading": READINGS[overall],
    "verdict_counts": listing(f"{len(keys)} {v}" for v, keys in counts),
    "n_better": len(better), "n_better_layers": len(better_layers), "n_layers": len(by_layer),
    "better_purity": listing(n for n, s in better if s == "purity"),
    "better_cosine": listing(n for n, s in better if s != "purity"),
    "direction_text": ("no row favours random directions" if not worse else "random directions "
                       f"are measurably better in {listing(map(row_name, worse))}"),
    "direction_nd": (f"in {len(better)} of the {n_rows} rows, it favours units, as Network "
                     "Dissection finds" if not worse else f"it favours units in {len(better)} and "
                     f"random directions in {len(worse)} of the {n_rows} rows"),
    "share_range": fmt_range([share[k] for k in better], ".0f") if better else "—",
    "r_range": (fmt_range([tost[k]["c"].rank_biserial for k in better], "+.2f")
                if better else "—"),
    "largest_row": row_name(largest) if largest else "—",
    "largest_share": f"{share[largest]:.0f}" if largest else "—",
    "largest_r": f"{tost[largest]['c'].rank_biserial:+.2f}" if largest else "—",
    "largest_verdict": tost[largest]["judgement"].verdict if largest else "—",
    "largest_note": ("; each unit of that layer weights the 784 pixels directly" if largest
                     and largest[0] == "FC100-100-10 fc1" else ""),
    "equivalent_text": (verdict_sentence(by_verdict["reproduced"], "equivalent within the margin")
                        if "reproduced" in by_verdict
                        else "no row is equivalent within the margin"),
    "inconclusive_text": (verdict_sentence(by_verdict["inconclusive"], "inconclusive (the 90% "
                                           "interval contains 0 and reaches beyond the margin)")
                          if "inconclusive" in by_verdict else "no row is inconclusive"),
    "not_reproduced_text": not_reproduced_text, "holm_lost": holm_lost,
    "fragile_text": (f"For {listing(map(row_name, fragile))} the 90% interval only just excludes "
                     "0: the 95% interval (channels resampled in a convolutional layer) contains "
                     "it" if fragile else "Each of their 95% intervals excludes 0 too"),
    "fig_purity": judged_text((fig_name, "purity")),
    "fig_cosine": judged_text((fig_name, "cosine (pixels)")),
    "rand_purity": rand_purity, "chance_purity": chance_purity,
    "rand_cosine": fmt_range([r.comparisons["cosine (pixels)"].mean_random
                              for r in by_layer.values()], ".3f"),
    "chance_cosine": " to ".join(sorted(chance["cosine (pixels)"])),
    "channel_counts": listing(f"{c.n_units}" for c in ch_purity.values()),
    "channel_tests": channel_tests,
    "channel_half": (f"{max((c.ci_high - c.ci_low) / 2 for c in ch_purity.values()):.2f}"
                     if ch_purity else "—"),
    "channel_low": f"{ch_low}" if ch_low else "—",
    "channel_low_purity": f"{ch_purity[ch_low].mean_units:.3f}" if ch_low else "—",
})

# %% [markdown]
# ## Do the data support the paper's claim?
#
# **{glue:text}`overall_cap`, by the verdicts above: {glue:text}`verdict_counts` of the
# {glue:text}`n_rows` rows.** What the paper saw holds up: in every layer the top-10 sets of
# random directions are far more coherent than chance (mean purity {glue:text}`rand_purity`
# against {glue:text}`chance_purity`; pixel cosine {glue:text}`rand_cosine` against
# {glue:text}`chance_cosine`), and Figure 1's rows look much like chapter 1's. Whether a reader
# shown one row could tell a unit's from a random direction's was not tested: that needs a
# blinded forced-choice test with several readers, which this book does not run.
#
# But "the natural basis is not better than a random basis" does not hold literally for these
# networks. Units are measurably more coherent than random directions (the 90% interval of the
# difference above 0) in {glue:text}`n_better` of the {glue:text}`n_rows` rows, in
# {glue:text}`n_better_layers` of the {glue:text}`n_layers` layers: by purity in
# {glue:text}`better_purity`; by the label-free pixel cosine in {glue:text}`better_cosine`;
# {glue:text}`direction_text`. The advantage is modest: {glue:text}`share_range`% of the random
# directions' lead over chance, with rank-biserial correlations of {glue:text}`r_range` ($r =
# 0.1$ means that a unit beats a random direction in 55% of the pairs and loses in 45%, ties
# counted half). It is largest in {glue:text}`largest_row`, {glue:text}`largest_share`% of the
# lead and $r$ = {glue:text}`largest_r` (*{glue:text}`largest_verdict`*){glue:text}`largest_note`.
# Row by row: {glue:text}`equivalent_text`; {glue:text}`inconclusive_text`;
# {glue:text}`not_reproduced_text`. Of the rows where units are measurably better,
# {glue:text}`holm_lost`. {glue:text}`fragile_text`.
#
# The layer of our figures, the CNN's last hidden layer `fc1` (the paper's introduction speaks
# of "the last feature layer"): by purity, units against random directions are
# {glue:text}`fig_purity`; by the pixel cosine, {glue:text}`fig_cosine`. In short: the semantic
# information is spread over the space, as the paper says, and {glue:text}`reading`, in these
# two trained networks.
#
# ## What tilts the comparison
#
# Two choices of the method can tilt the comparison, and neither is fully controlled here.
#
# * **The activity rule favours units.** Units that rise above their own minimum on fewer than
#   $k$ test images are left out, random directions never are. The rule has a reason (part of
#   such a unit's top-$k$ set is chosen by the tie-break: a dead unit's set is just the first $k$
#   test images), so scoring every unit is not the fairer comparison, but it shows how much the
#   rule matters. The table below scores every unit, none left out: the units' mean then
#   {glue:text}`filter_change` ({glue:text}`filter_where`; where no unit is left out it cannot
#   change), and {glue:text}`filter_still`. No interval is computed for this check.
# * **Isotropic random directions favour the high-variance units.** A random direction is
#   uniform on the sphere of the raw activation space, so its projection
#   $\langle \phi(x), v \rangle$ is dominated by the units of largest variance, and its top-$k$
#   set is mostly that of a mixture of those units, while the units' side counts every unit
#   once. Which way this tilts the comparison is not measured: a control that draws the
#   directions in the whitened activation space is not run here.

# %%
every_rows, change = [], {}
for name, r in by_layer.items():
    for s in SCORES:
        c = r.comparisons[s]
        change[name, s] = every_unit[name][s] - c.mean_units
        every_rows.append({"layer": name, "score": s,
                           "units analysed": f"{c.n_units} of {r.n_units_total}",
                           "mean, units analysed": f"{c.mean_units:.3f}",
                           "mean, every unit": f"{every_unit[name][s]:.3f}",
                           "random directions": f"{c.mean_random:.3f}"})
filtered = [n for n, r in by_layer.items() if int(r.underactive.sum())]
still = [k for k in change if every_unit[k[0]][k[1]] > by_layer[k[0]].comparisons[k[1]].mean_random]
flipped = [k for k in change if k not in still]
prose.glue_all({
    "filter_change": ("nothing" if not filtered else
                      "falls by " + fmt_range([-change[n, s] for n in filtered for s in SCORES],
                                              ".3f")
                      if all(change[n, s] <= 0 for n in filtered for s in SCORES) else
                      "changes by " + fmt_range([change[n, s] for n in filtered for s in SCORES],
                                                "+.3f")),
    "filter_where": (f"units are left out in {listing(filtered)}" if filtered
                     else "no unit is left out"),
    "filter_still": (f"scored with every unit, units still have the higher mean in {len(still)} of "
                     f"the {len(change)} rows" + (f"; in {listing(map(row_name, flipped))}, random "
                                                  "directions then score higher"
                                                  if flipped else "")),
})
pd.DataFrame(every_rows).set_index(["layer", "score"])

# %% [markdown]
# ## Network Dissection
#
# Bau et al. {cite}`bau2017network` asked the same question on ImageNet and Places networks with
# a much finer instrument: each channel of a convolutional layer is matched against pixel-level
# annotations of hundreds of concepts (objects, parts, textures, colours), and a channel counts
# as a detector when its thresholded activation map overlaps one concept well. They report that
# individual units are significantly more interpretable than random linear combinations of
# units: a random rotation of a layer's channels leaves its discriminative power unchanged but
# lowers the number of unique concept detectors. Interpretability, in their words, is
# axis-aligned.
#
# Our layer-by-layer picture is compatible with theirs and with the paper's, because the two
# claims are about different things:
#
# * *Direction of the effect.* Where the 90% interval separates the difference from 0,
#   {glue:text}`direction_nd`.
# * *Size.* The advantage is small next to the coherence that random directions already have.
#   Network Dissection counts units that pass a threshold, a measure that can turn a modest
#   shift of every unit's score into a large change in the count; a mean coherence score does
#   not.
# * *Where.* Their comparison is made channel by channel in convolutional layers; in our
#   analogue (channel max against random channel mixtures), with {glue:text}`channel_counts`
#   channels, {glue:text}`channel_tests`: too few channels to detect an effect of the size seen
#   in the other views. The MNIST networks have no concept annotations, and digits have few
#   "concepts" besides their class and strokes, so the two studies cannot be compared number
#   for number.
#
# By the verdicts above, the paper's own wording ("not better") is
# *{glue:text}`overall_phrase`* for these networks, and Network Dissection's ("significantly more interpretable") can be true at
# the same time as random directions being nearly as coherent by a mean score.

# %% [markdown]
# ## ImageNet (the paper's Figs 3-4)
#
# The paper repeats the comparison with AlexNet {cite}`krizhevsky2012imagenet` on the ImageNet
# validation set (its Figs 3 and 4; captions such as "white flowers" or "dogs with brown heads",
# by eye, for units and random directions alike). The book cannot ship ImageNet, so this part
# runs only when `IMAGENET_DIR` names a folder of validation images; `intriguing.imagenet` then
# runs the same analysis on torchvision's pretrained AlexNet and shows both grids. The
# preprocessing is the standard resize-256, centre-crop-224. A convolutional layer gives one
# unit per channel (its maximum over positions), with random directions in the space of these
# channel maxima: unlike the channel view above, no random channel mixtures, because the full
# maps of 50,000 images would not fit in memory. Scores are label purity over the folder's
# classes and, since pixels of photographs are no useful similarity, the mean cosine of the
# layer's own centred activations as the label-free score. That score is chosen along the very
# direction it scores, so it can differ between units and random directions for reasons
# unrelated to meaning (see the docstring of `intriguing.semantics`): read it beside purity.

# %%
if IMAGENET_DIR:
    inet = imagenet.units_vs_random_report(
        IMAGENET_DIR, IMAGENET_LAYER, weights_path=IMAGENET_WEIGHTS or None, n_rows=N_ROWS,
        limit=IMAGENET_LIMIT or None, k=K, n_directions=N_DIRECTIONS, seed=SEED,
        n_baseline=N_BASELINE, n_permutations=N_PERMUTATIONS, n_bootstrap=N_BOOTSTRAP)
    print(f"{len(inet.images):,} images in {len(inet.images.classes)} classes; AlexNet "
          f"{IMAGENET_LAYER}: {inet.result.exclusion_note()}")
    display(inet.table)  # the two grids follow at the end of the cell
else:
    print("ImageNet part skipped: set IMAGENET_DIR to a folder of ImageNet validation images in "
          "ImageFolder layout (root/<synset>/<image>.JPEG); it also needs torchvision's pretrained "
          "AlexNet weights, downloaded on first use (e.g. on Colab) or given as IMAGENET_WEIGHTS.")

# %% [markdown]
# ## Caveats
#
# * **Coherence is not semantics.** Purity counts digits, the pixel cosine counts overlapping ink;
#   neither is the paper's "shares a stroke" judgement, but both can be computed for 1,000 sets,
#   have a chance level, and are blind to whether the set came from a unit.
# * **What "random" is compared with.** A random direction mixes all units with positive and
#   negative weights; a unit is a non-negative axis (after ReLU or sigmoid). A direction and its
#   opposite $-v$ are different random directions, while $-e_i$ (the images that silence a unit
#   most) is never shown for units, by the paper or here.
# * **Small networks, one training run each.** Two MNIST networks of 100 to 2,304 units per
#   layer. The unit of inference is the trained network: every interval and test covers the
#   choice of units, directions and images in one network of each kind, and training other seeds
#   of the same recipes is not done here. The paper's CNN is unknown, and its statement about
#   AlexNet cannot be checked without ImageNet.
# * **Many sets, small differences.** Thousands of sets make a difference of 0.01 in mean purity
#   "significant"; read the effect sizes and intervals, and the position of both groups relative
#   to chance.

# %% [markdown]
# ## Summary for the results page
#
# One row per layer and score, label purity and the label-free pixel cosine, each judged by the
# equivalence rule of {doc}`91_how_judged` with the margin and bound stated in the Method
# (±{glue:text}`margin_pct`% and {glue:text}`bound_pct`% of the random directions' lead over
# chance, against the 90% bootstrap interval of units minus random directions). The claim as a
# whole is *reproduced* if every row is, *not reproduced* (or *inconclusive*) if most rows are,
# and *partly* otherwise. The channel-max views are a robustness check, not rows
# of their own. Every row rests on one trained network (one training seed).

# %%
CLAIM = "Sec. 3, Fig. 2"
SCORE_WORDS = {"purity": "label purity", "cosine (pixels)": "pixel cosine (label-free)"}
row_scale = verdicts.scale(images=len(y_test), of="test", models=1, seeds=1)
summary_rows = []
for (name, s), t in tost.items():
    c, (lo, hi), lead = t["c"], t["ci90"], t["lead"]
    summary_rows.append(results.row(
        CLAIM, f"{name}: top-{K} {SCORE_WORDS[s]}, units vs random directions",
        "no number (judged by eye)",
        f"{c.mean_units:.3f} vs {c.mean_random:.3f} (difference {c.difference:+.3f} "
        f"[{lo:+.3f}, {hi:+.3f}])", t["judgement"],
        f"{c.n_units:,} units vs {c.n_random:,} random directions; the interval is the 90% "
        f"bootstrap interval ({t['resampled']} resampled); random directions {lead:+.3f} above "
        f"chance, margin ±{100 * MARGIN:g}% and bound {100 * BOUND:g}% of that lead; "
        f"permutation p {relation(stats.format_p(c.p_permutation, c.n_permutations))}"
        + (" (units of a channel counted as independent)" if t["resampled"] == "channels" else "")
        + f", Holm p {relation(holm_text((name, s)))} over the chapter's {len(p_perm)} tests",
        scale=row_scale))
results.record("02_random_directions", "Random directions", summary_rows)

verdict_words = listing(f"{len(keys)} {v}" for v, keys in counts)
if better:
    edge = (f"units are more coherent still, measurably in {len(better)} of the {n_rows} "
            f"layer-and-score rows, by {fmt_range([share[k] for k in better], '.0f')}% of the "
            "random directions' lead over chance")
else:
    edge = "no row shows units measurably more coherent than random directions"
prose.first_screen(
    claim=("The test images that maximise a random direction of a layer look as “semantically "
           "related” as those that maximise a single unit: “the natural basis is not better "
           "than a random basis” (Sec. 3, Fig. 2)."),
    result=(f"In {len(by_layer)} layers of two MNIST networks the top-{K} sets of random "
            f"directions are far more coherent than chance (mean purity {rand_purity} against "
            f"{chance_purity}); {edge}."),
    verdict=(f"{overall[0].upper() + overall[1:]}: {verdict_words} of the {n_rows} rows "
             f"(equivalence test, margin ±{100 * MARGIN:g}% of the lead)."),
    caveat=("One trained network of each kind: the intervals cover the choice of units, "
            "directions and test images, not other training runs. Leaving out the units the test "
            "set cannot rank favours units ("
            + (f"scored with every unit, {len(flipped)} of the {len(change)} rows reverse"
               if flipped else "scored with every unit, no row reverses")
            + "). Label purity and pixel cosine stand in for “semantically related”; whether "
            "readers can tell the rows apart is not tested."),
    scale=(f"{verdicts.scale(images=len(y_test), of='test', models=2)}; per layer, every usable "
           f"unit and {N_DIRECTIONS:,} random directions"))
pd.DataFrame([{"layer": n, "score": s, "ours": row["ours"], "verdict": row["verdict"]}
              for (n, s), row in zip(tost, summary_rows)]).set_index(["layer", "score"])
