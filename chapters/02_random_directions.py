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
# The paper's Section 3 does not stop at Fig. 1. Its Fig. 2 shows the test images that maximise
# a *random direction* of the same layer, $\langle \phi(x), v \rangle$, and they look just as
# "semantically related" as the rows of single units. From this Szegedy et al.
# {cite}`szegedy2014intriguing` conclude that "the natural basis is not better than a random
# basis for inspecting the properties of $\phi(x)$": the meaning is in the space, not in its
# coordinates. The evidence is a few rows judged by eye. This chapter redoes Fig. 2 and then
# gives the claim a number: the coherence of the top-10 set of *every* unit and of 1,000 random
# directions, in five layers of two networks, against the chance level of ten images drawn at
# random, with a permutation test, an effect size and a confidence interval. Network Dissection
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
LAYERS = [["CNN", "conv1"], ["CNN", "conv2"], ["CNN", "fc1"], ["FC100-100-10", "fc1"], ["FC100-100-10", "fc2"]]
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
IMAGENET_LAYER = "fc7"  # one of intriguing.imagenet.ALEXNET_LAYERS (conv layers: one unit per channel)
IMAGENET_LIMIT = 0  # 0: every image of the folder; else an evenly spaced subsample of this size
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %%
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import pandas as pd
import torch
from IPython.display import display

from intriguing import imagenet, plots, results, runtime, semantics, stats, tables, zoo  # noqa: F401 (tables: sets pandas display options)
from intriguing.data import load_mnist
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)


def check_layer_list(pairs, name):
    if not isinstance(pairs, list) or not pairs or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise ValueError(f"{name} must be a non-empty list of [model, layer] pairs, got {pairs!r}")
    zoo.check_names([m for m, _ in pairs])


check_layer_list(LAYERS, "LAYERS")
check_layer_list([FIGURE_LAYER], "[FIGURE_LAYER]")
if FIGURE_LAYER not in LAYERS:
    raise ValueError(f"FIGURE_LAYER {FIGURE_LAYER} must be one of LAYERS")
if not 2 <= K <= 100:
    raise ValueError(f"K must be between 2 and 100 images per set, got {K}")
for name, value in [("N_DIRECTIONS", N_DIRECTIONS), ("N_BASELINE", N_BASELINE), ("N_PERMUTATIONS", N_PERMUTATIONS),
                    ("N_BOOTSTRAP", N_BOOTSTRAP), ("N_ROWS", N_ROWS)]:
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
if N_DIRECTIONS < 100:
    print(f"note: with N_DIRECTIONS={N_DIRECTIONS} the random directions' mean moves by a few hundredths "
          "from seed to seed; the text below was written for 1000")
if IMAGENET_DIR and IMAGENET_LAYER not in imagenet.ALEXNET_LAYERS:
    raise ValueError(f"IMAGENET_LAYER={IMAGENET_LAYER!r}: choose one of {list(imagenet.ALEXNET_LAYERS)}")
if not isinstance(IMAGENET_LIMIT, int) or IMAGENET_LIMIT < 0:
    raise ValueError(f"IMAGENET_LIMIT must be 0 (every image) or a positive number of images, got {IMAGENET_LIMIT!r}")
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
print(f"{len(LAYERS)} layers; per layer: every usable unit and {N_DIRECTIONS} random directions, top {K} of "
      f"{len(y_test):,} test images; chance from {N_BASELINE} random {K}-subsets; "
      f"{N_PERMUTATIONS} permutations, {N_BOOTSTRAP} bootstrap resamples; seed {SEED}")

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

# %%
layers = {f"{m} {layer}": (trained[m].model, layer) for m, layer in LAYERS}
by_layer = {}
for name, (model, layer) in layers.items():
    acts = semantics.layer_activations(model, x_test, layer)
    by_layer[name] = semantics.unit_vs_random(
        acts, y_test, k=K, n_directions=N_DIRECTIONS, seed=SEED, features={"pixels": x_test},
        n_baseline=N_BASELINE, n_permutations=N_PERMUTATIONS, n_bootstrap=N_BOOTSTRAP, n_classes=10)
    print(f"{name}: {by_layer[name].exclusion_note()}")

# %% [markdown]
# ## The paper's Fig. 2, re-run
#
# The random directions of the CNN's last hidden layer `fc1`, the layer of chapter 1's main
# figure, shown by the same rule: the directions at evenly spaced quantiles of purity among the
# 1,000 (best, quartiles, median, worst).

# %% mystnb={"image": {"alt": "A grid of MNIST test digits in five rows of ten: the top-10 images of five of 1000 random directions in the fc1 space of the CNN, purest row at the top. The first three rows are all 7s, all 5s and all 1s, as clean as the rows of single units; the fourth is mostly 2s and the bottom row mixes 4s, 5s, 6s and a 2."}}
fig_name = f"{FIGURE_LAYER[0]} {FIGURE_LAYER[1]}"
fig_result = by_layer[fig_name]
idx, row_labels = semantics.figure_rows(fig_result, "random", N_ROWS, score="purity")
fig = plots.units.plot_top_images(x_test.cpu(), idx.cpu(), row_labels,
                                  title=f"{fig_name}: top-{K} test images of {len(row_labels)} of "
                                        f"{N_DIRECTIONS} random directions (rows: quantiles of purity)")

# %% [markdown]
# **Figure 1 (the paper's Fig. 2).** Top-10 MNIST test images of random directions in the CNN's
# `fc1` space, one direction per row, the largest projection on the left. The left label gives the
# direction's number (its place in the seeded draw), the row's majority digit and how many of the
# ten images show it. Compare chapter 1's Figure 1a, the units of the same layer chosen by the
# same rule: here too the rows down to the median are one digit each and the worst row mixes
# digits. The table below puts both side by side, with the digit labels of each row in rank order.

# %%
QUANTILES = ["best", "upper quartile", "median", "lower quartile", "worst"]


def rows_of(result, kind):
    """The figure rows of units or random directions: name, purity and the labels in rank order."""
    sets = result.units if kind == "unit" else result.random
    pos = semantics.select_by_quantiles(sets.scores["purity"], N_ROWS)
    names = QUANTILES if len(pos) == 5 else [f"quantile {i}/{len(pos) - 1}" for i in range(len(pos))]
    out = []
    for q, i in zip(names, pos.tolist()):
        out.append({"row": q, "which": f"{'unit' if kind == 'unit' else 'direction'} {int(sets.ids[i])}",
                    "purity": f"{float(sets.scores['purity'][i]):.1f}",
                    f"labels of the top {K}, best first": "".join(str(int(v)) for v in y_test[sets.indices[i]])})
    return pd.DataFrame(out).set_index("row")


pd.concat([rows_of(fig_result, "unit"), rows_of(fig_result, "random")], axis=1,
          keys=["units (chapter 1, Figure 1a)", "random directions (Figure 1)"])

# %% [markdown]
# The paper's captions of its Figs 1 and 2 (units and random directions of its unnamed MNIST
# CNN), for comparison. Both sets of captions describe strokes, and nothing in them tells the
# two figures apart.

# %%
FIG_CAPTIONS = {
    "(a)": ("lower round stroke", "upper straight stroke, or lower round stroke"),
    "(b)": ("upper round stroke, or lower straight stroke", "lower left loop"),
    "(c)": ("left, upper round stroke", "round top stroke"),
    "(d)": ("diagonal straight stroke", "right, upper round stroke"),
}
pd.DataFrame([{"row": r, "Fig. 1 (units)": u, "Fig. 2 (random directions)": v} for r, (u, v) in FIG_CAPTIONS.items()]
             ).set_index("row")

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

# %% [markdown]
# **Figure 2.** Label purity of the top-10 sets of units (blue), random directions (orange) and
# random sets of ten test images (green), one panel per layer: each line joins the shares of
# one group's sets at purity 0.1, 0.2, ..., 1 (dots), so its points sum to 1. In every layer
# units and random directions have nearly the same distribution, far to the right of the random
# sets; in the CNN's `fc1` and `FC100-100-10` `fc2` about half the sets of both are a single
# digit.

# %% mystnb={"image": {"alt": "Violin plots of the pixel cosine of top-10 sets in five layers, three violins per layer: units (blue), random directions (orange) and random sets of ten test images (green). Units and random directions overlap, spread over about 0.05 to 0.85 with medians between 0.25 and 0.4, units slightly higher; the random sets sit in a narrow band around 0."}}
fig = plots.directions.cosine_violins(scores["cosine (pixels)"], ylabel="pixel cosine of the set")

# %% [markdown]
# **Figure 3.** The label-free score: mean pairwise cosine of the centred pixels of each top-10
# set (vertical axis), for units (blue), random directions (orange) and random sets of ten test
# images (green), per layer. Violins are cut at the observed range and scaled to the same width;
# dashed lines are the quartiles. Units and random directions overlap almost entirely, the
# units' violins a little higher; both lie far above the random sets, which scatter around 0.

# %% [markdown]
# ## Units of one channel are not independent
#
# In the flattened view of a convolutional layer (the one above, and the paper's
# $\phi(x) \in \mathbb{R}^n$), the 2,304 "units" of `conv1` are 16 channels at 144 positions
# and the 512 of `conv2` are 32 channels at 16 positions. Units of one channel apply the same
# filter to overlapping windows, so their top-10 sets overlap and their scores are correlated:
# the tests above treat 2,228 correlated numbers as independent, and their p-values and
# intervals are too optimistic. Two checks:
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
cluster_rows = []
for name, r in by_layer.items():
    model, layer = layers[name]
    shape = model.hidden(x_test[:1])[layer].shape
    if len(shape) != 4:
        continue
    positions = shape[2] * shape[3]
    for score in ("purity", "cosine (pixels)"):
        c = r.comparisons[score]
        channels = r.units.ids // positions
        lo, hi = stats.bootstrap_ci(r.units.scores[score], r.random.scores[score], n_bootstrap=N_BOOTSTRAP,
                                    seed=SEED + semantics.SEED_OFFSETS["bootstrap"], groups_a=channels)
        cluster_rows.append({
            "layer": name, "score": score, "units (channels)": f"{c.n_units} ({len(torch.unique(channels))})",
            "difference": f"{c.difference:+.3f}",
            "95% CI, units as independent": f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}]",
            "95% CI, channels resampled": f"[{lo:+.3f}, {hi:+.3f}]"})
pd.DataFrame(cluster_rows).set_index(["layer", "score"]) if cluster_rows else print("no convolutional layer")

# %%
channel_results = {}
if CHANNEL_LAYERS:
    cnn = trained["CNN"].model
    for layer in CHANNEL_LAYERS:
        maps = semantics.layer_activations(cnn, x_test, layer, reduce="none")
        channel_results[f"CNN {layer}, channel max"] = semantics.unit_vs_random(
            maps, y_test, k=K, n_directions=N_DIRECTIONS, seed=SEED, features={"pixels": x_test}, pool="max",
            n_baseline=N_BASELINE, n_permutations=N_PERMUTATIONS, n_bootstrap=N_BOOTSTRAP, n_classes=10)
        print(f"CNN {layer}, channel max: {channel_results[f'CNN {layer}, channel max'].exclusion_note()}")
    channel_summary = semantics.summary_table(channel_results, scores=["purity", "cosine (pixels)"])
channel_summary if CHANNEL_LAYERS else None

# %% [markdown]
# The cluster bootstrap widens the intervals of the flattened conv layers only a little, and
# none of them comes to include 0: the small advantage of single positions is not an artefact
# of counting correlated units. In the channel-max view, with 16 and 31 channels, no
# difference is detectable in either direction, but the intervals are wide (about ±0.07 in
# purity), so an advantage of the size seen elsewhere cannot be ruled out either. The
# channel-max `conv1` units are barely above chance (mean purity 0.363 against 0.277): the
# largest response anywhere in the image of an edge filter says little about the digit, and a
# random mixture of such filters says no more.
#
# ## Do the data support the paper's claim?
#
# **Mostly, but not literally.** What the paper saw holds up: the top-10 sets of random
# directions are far more coherent than chance in every layer (mean purity 0.565 to 0.870
# against 0.277; pixel cosine 0.26 to 0.39 against 0.00), and Figure 1's rows are as readable as
# chapter 1's. A reader shown one row could not tell whether it came from a unit or from a
# random direction.
#
# But "the natural basis is not better than a random basis" is, measured over all units, a
# slight overstatement for these networks. By the label-free pixel cosine, units are more
# coherent than random directions in all five layers (every 95% interval excludes 0); by purity
# in three (CNN `conv1` and `conv2`, `FC100-100-10` `fc2`), while the interval of
# `FC100-100-10` `fc1` reaches slightly below 0 and the CNN's `fc1` shows no difference. The advantage is
# small: 0.03 to 0.05 in mean purity where there is one, rank-biserial correlations of 0.10 to
# 0.15 in most layers ($r = 0.13$ means that a unit beats a random direction in about 56% of
# the pairs and loses in 44%, ties counted half), and at most about a quarter of the distance
# between random directions and chance (table above). It is largest in the first hidden layer
# of the sigmoid network (pixel cosine, $r$ near +0.4), whose units each weight the 784 pixels
# directly.
#
# The layer of our figures, the CNN's last hidden layer `fc1` (the paper's introduction speaks
# of "the last feature layer"), is where the claim holds best: units and random directions are
# indistinguishable by purity (difference −0.013, interval −0.052 to +0.023, $p = 0.5$); only
# the pixel cosine gives units a small edge ($r = +0.13$, $p = 0.027$). In short: the semantic
# information is spread over the space, as the paper says, and single units carry only a little
# more of it than random directions do.
#
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
# * *Direction of the effect.* Where we find a difference it favours units, as Network
#   Dissection does, in the convolutional layers (flattened view) and in both layers of the
#   sigmoid network.
# * *Size.* The advantage is small next to the coherence that random directions already have.
#   Network Dissection counts units that pass a threshold, a measure that can turn a modest
#   shift of every unit's score into a large change in the count; a mean coherence score does
#   not.
# * *Where.* Their comparison is made channel by channel in convolutional layers; our analogue
#   (channel max against random channel mixtures) finds no difference in a 16- and a 32-channel
#   layer, too few channels to detect an effect of the size seen in the other views. The MNIST
#   networks have no concept annotations, and digits have few "concepts" besides their class
#   and strokes, so the two studies cannot be compared number for number.
#
# The paper's own wording ("not better") is thus too strong as a general statement, and
# Network Dissection's ("significantly more interpretable") can be true at the same time as
# random directions being nearly as readable, which is what the MNIST rows show.

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
        limit=IMAGENET_LIMIT or None, k=K, n_directions=N_DIRECTIONS, seed=SEED, n_baseline=N_BASELINE,
        n_permutations=N_PERMUTATIONS, n_bootstrap=N_BOOTSTRAP)
    print(f"{len(inet.images):,} images in {len(inet.images.classes)} classes; AlexNet {IMAGENET_LAYER}: "
          f"{inet.result.exclusion_note()}")
    display(inet.table)  # the two grids follow at the end of the cell
else:
    print("ImageNet part skipped: set IMAGENET_DIR to a folder of ImageNet validation images in ImageFolder "
          "layout (root/<synset>/<image>.JPEG); it also needs torchvision's pretrained AlexNet weights, "
          "downloaded on first use (e.g. on Colab) or given as IMAGENET_WEIGHTS.")

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
# * **Small networks.** Two MNIST networks of 100 to 2,304 units per layer, one training run each.
#   The paper's CNN is unknown, and its statement about AlexNet cannot be checked without ImageNet.
# * **Many sets, small differences.** Thousands of sets make a difference of 0.01 in mean purity
#   "significant"; read the effect sizes and intervals, and the position of both groups relative
#   to chance.

# %% [markdown]
# ## Summary for the results page
#
# One row per layer, for label purity (the score closest to "semantically related"). The rule:
# *reproduced* where the interval of the units-minus-random difference contains 0, *partly*
# where units are better but by less than a quarter of the random directions' lead over chance,
# *not reproduced* otherwise.

# %%
summary_rows = []
for name, r in by_layer.items():
    if name not in {f"{m} {layer}" for m, layer in LAYERS}:
        continue  # channel-max views are a robustness check, not separate claims
    c = r.comparisons["purity"]
    lead = c.mean_random - float(r.baseline.scores["purity"].mean())
    if c.ci_low <= 0 <= c.ci_high:
        verdict = "reproduced"
    elif 0 < c.difference < lead / 4:
        verdict = "partly"
    else:
        verdict = "not reproduced"
    summary_rows.append(results.row(
        "Sec. 3: random directions are as semantically coherent as single units",
        f"{name}: top-10 label purity, units vs random directions", "no number (judged by eye)",
        f"{c.mean_units:.3f} vs {c.mean_random:.3f} (difference {c.difference:+.3f} "
        f"[{c.ci_low:+.3f}, {c.ci_high:+.3f}])", verdict,
        f"random directions {lead:+.3f} above chance; units' edge {c.difference:+.3f}"))
results.record("02_random_directions", "Random directions", summary_rows)
pd.DataFrame(summary_rows).set_index("quantity")[["ours", "verdict"]]
