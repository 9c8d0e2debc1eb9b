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
# # Transfer of adversarial examples across models and training sets
#
# Szegedy et al. {cite}`szegedy2014intriguing` make two claims about adversarial examples that go
# beyond their existence (their Sec. 4.2). **Cross-model generalisation**: "a relatively large
# fraction of examples will be misclassified by networks trained from scratch with different
# hyper-parameters (number of layers, regularization or initial weights)". **Cross-training-set
# generalisation**: the same holds for networks "trained from scratch on a disjoint training set".
# Their evidence is three MNIST tables: Table 2 feeds the adversarial examples of each Table 1
# model to the five others, with Gaussian noise as a reference; Table 3 trains three networks on
# the two disjoint halves P1 and P2 of the training set; Table 4 feeds the test-set adversarial
# examples of each of them to the others, before and after enlarging the perturbations. This
# chapter recomputes all three tables on the models of chapter 0 and the adversarial sets of
# chapter 3, settles the definitions the paper leaves open by computing each reading, and puts a
# confidence interval on every cell.

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
# Table 2: the Table 1 models (names of intriguing.zoo.ZOO), attacked on the first N_IMAGES
# training images, each toward a random wrong label (the rule chapter 3 found to match the paper).
# The same N_IMAGES as chapter 3, so both chapters share the cached adversarial sets. The paper's
# full scale is N_IMAGES = 60000 (about 20 minutes of attacks on one CPU thread, a minute or two
# with DEVICE = "cuda").
TABLE2_MODELS = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"]
N_IMAGES = 5000
TABLE2_NOISE = [0.1, 0.3]  # standard deviations of the Gaussian-noise rows of Table 2
# The first N_COMPARE training images are also attacked toward the runner-up label (chapter 3's
# N_COMPARE, so the cached sets are shared), to see how the choice of target changes transfer.
N_COMPARE = 1000
# Tables 3 and 4: the networks trained on the halves P1 and P2, attacked on the first N_TEST test
# images. N_TEST = 10000 is the paper's full scale (about 2 minutes of attacks here).
TABLE3_MODELS = ["FC100-100-10/P1", "FC123-456-10/P1", "FC100-100-10'/P2"]
N_TEST = 10000
TABLE4_NOISE = [0.06, 0.1]  # standard deviations of the Gaussian-noise rows of Table 4
AMPLIFY_TO = 0.1  # RMS the perturbations are rescaled to in Table 4's "amplified" rows
SEED = 0  # seed of the Gaussian noise
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PROGRESS = False  # progress bars while a zoo model trains (keep False for executed, checked notebooks)
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %%
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import math
import re

import numpy as np
import pandas as pd
import torch

from intriguing import adversarial, paper, params, plots, results, runtime, tables, transfer, zoo
from intriguing.data import load_mnist
from intriguing.storage import persist

persist(PERSIST)  # "drive": the cache and results on Google Drive (see the parameters cell)

TABLE2_MODELS = zoo.check_names(TABLE2_MODELS)
TABLE3_MODELS = zoo.check_names(TABLE3_MODELS)
if not set(TABLE2_MODELS) <= set(zoo.TABLE1):
    raise ValueError(f"TABLE2_MODELS must be Table 1 models {zoo.TABLE1}, got {TABLE2_MODELS}")
if not set(TABLE3_MODELS) <= set(zoo.TABLE3):
    raise ValueError(f"TABLE3_MODELS must be Table 3 models {zoo.TABLE3}, got {TABLE3_MODELS}")
params.check_count("N_IMAGES", N_IMAGES, 2, 60_000, "a number of training images")
params.check_count("N_COMPARE", N_COMPARE, 2, N_IMAGES, "a number of images, at most N_IMAGES,")
params.check_count("N_TEST", N_TEST, 2, 10_000, "a number of test images")
for name, values in {"TABLE2_NOISE": TABLE2_NOISE, "TABLE4_NOISE": TABLE4_NOISE, "AMPLIFY_TO": [AMPLIFY_TO]}.items():
    if not values or not all(isinstance(v, (int, float)) and 0 < v < 10 for v in values):
        raise ValueError(f"{name} must hold positive standard deviations (RMS on [0, 1] pixels), got {values!r}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
trained = {name: zoo.get_model(name, mnist=mnist, device=device, progress=PROGRESS)
           for name in TABLE2_MODELS + TABLE3_MODELS}
x_train, y_train = mnist.subset("train")
x_test, y_test = mnist.subset("test")
print(runtime.describe())
print(f"Table 2: {len(TABLE2_MODELS)} models, the first {N_IMAGES:,} training images; "
      f"Tables 3-4: {len(TABLE3_MODELS)} models, the first {N_TEST:,} test images")


def sig(value: float, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant digits ("0.0590")."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    return f"{value:.{max(0, digits - 1 - math.floor(math.log10(abs(value))))}f}"


def points(value: float) -> str:
    """A difference or mean of percentages over thousands of images: one decimal."""
    return "—" if not math.isfinite(value) else f"{value:.1f}"


# %% [markdown]
# ## Method
#
# **Rows and columns.** A row is a set of distorted images; a column is a model they are fed to.
# The adversarial row of model $A$ holds, for each of the first `N_IMAGES` training images $x$,
# the image $x' = x + r$ found by chapter 3's box-constrained L-BFGS attack on $A$, pushed toward
# a random wrong label (`intriguing.adversarial.adversarial_set(A, "train", N_IMAGES, "random")`).
# On its own model every such image is misclassified, so the diagonal is 100% by construction.
# The "Av. distortion" column is the mean per-image RMS distortion
# $\sqrt{\sum_i r_i^2 / 784}$ of the row, the measure of Table 1.
#
# **What a cell counts: two readings.** The caption says the columns show "the error induced by
# distorted examples fed to the given model". That leaves open which images count:
#
# * **all images**: the error rate of the column model on all `N_IMAGES` distorted images, its own
#   mistakes on the clean images included, so a cell can never be much below the model's clean
#   error;
# * **correct before**: only the images the column model classified correctly *before* the
#   distortion count, so the cell is the error the distortion alone *induces*.
#
# The two agree for the sigmoid networks, which make no mistakes on their training set, and
# differ by up to the clean training error (6 to 16% here) for the softmax models.
#
# **Gaussian-noise rows.** $x + \sigma\varepsilon$ with $\varepsilon \sim \mathcal{N}(0, I)$ per
# pixel, drawn from a generator seeded with `SEED` (one draw, scaled for each $\sigma$), on the
# same images. The paper does not say whether it clipped the noisy images back to $[0, 1]$.
# Clipping matters on MNIST: about 80% of the pixels are black, and there clipping cuts away the
# negative half of the noise. Clipped noise is therefore smaller (its RMS is about 0.74σ) but no
# longer zero-mean: it brightens the background, a *systematic* change a classifier can react to.
# We compute both.
#
# **Confidence intervals.** A cell is a count of errors $k$ among $n$ images. Its 95% interval is
# the Wilson score interval {cite}`wilson1927probable`,
#
# $$
# \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}},
# \qquad \hat p = k/n,\ z = 1.96,
# $$
#
# which, unlike $\hat p \pm z\sqrt{\hat p(1-\hat p)/n}$, stays inside $[0, 1]$ and does not
# shrink to a point at 0% or 100%. It covers the sampling of the *images* only: the paper's
# models are other random draws of training, and that variation, which this chapter cannot
# measure with one model per row, is likely larger. Cells are printed to the digits one image
# resolves (0.02% of 5,000).

# %%
adv_train = {m: transfer.with_originals(
    adversarial.adversarial_set(m, "train", N_IMAGES, "random", device=device, mnist=mnist), x_train)
    for m in TABLE2_MODELS}
adv_test = {m: transfer.with_originals(
    adversarial.adversarial_set(m, "test", N_TEST, "random", device=device, mnist=mnist), x_test)
    for m in TABLE3_MODELS}
failed = {m: int((~s["success"]).sum()) for m, s in {**adv_train, **adv_test}.items()}
print("attacks that failed (kept as the unchanged image):", failed)

x2, y2 = x_train[:N_IMAGES], y_train[:N_IMAGES]
clean2 = {"no distortion": {"images": x2, "labels": y2, "originals": x2, "distortion": torch.zeros(N_IMAGES)}}
noise2 = {clip: {f"Gaussian noise, stddev={s:g}": transfer.gaussian_noise_set(x2, y2, s, seed=SEED, clip=clip)
                 for s in TABLE2_NOISE} for clip in (False, True)}
columns2 = {m: trained[m].model for m in TABLE2_MODELS}
matrices2 = {(count, clip): transfer.transfer_matrix({**adv_train, **noise2[clip], **clean2}, columns2, count=count)
             for count in transfer.COUNT_RULES for clip in (False, True)}

x4, y4 = x_test[:N_TEST], y_test[:N_TEST]
columns4 = {m: trained[m].model for m in TABLE3_MODELS}
short_name = {m: m.split("/")[0] for m in TABLE3_MODELS}  # the paper's row labels drop the training half
adv_label = {m: f"Distorted for {short_name[m]} (av. stddev={sig(transfer.mean_distortion(adv_test[m])[0], 2)})"
             for m in TABLE3_MODELS}
amp_label = {m: f"Distorted for {short_name[m]} amplified to stddev={AMPLIFY_TO:g}" for m in TABLE3_MODELS}
noise_label = {s: f"Gaussian noise with stddev={s:g}" for s in TABLE4_NOISE}
clean4 = {"no distortion": {"images": x4, "labels": y4, "originals": x4, "distortion": torch.zeros(N_TEST)}}


def table4_sets(clip: bool, shrink: bool = True) -> dict[str, dict]:
    """Table 4's rows in the paper's order (adversarial, first noise, amplified, other noise), for one
    reading of clipping (applied to the noise and to the amplified images alike)."""
    noise_sets = {noise_label[s]: transfer.gaussian_noise_set(x4, y4, s, seed=SEED, clip=clip) for s in TABLE4_NOISE}
    (first, first_set), *rest = list(noise_sets.items())
    return {**{adv_label[m]: adv_test[m] for m in TABLE3_MODELS}, first: first_set,
            **{amp_label[m]: transfer.amplified_set(adv_test[m], AMPLIFY_TO, clip=clip, shrink=shrink)
               for m in TABLE3_MODELS},
            **dict(rest), **clean4}


sets4 = {clip: table4_sets(clip) for clip in (False, True)}
matrices4 = {(count, clip): transfer.transfer_matrix(sets4[clip], columns4, count=count)
             for count in transfer.COUNT_RULES for clip in (False, True)}

# %% [markdown]
# ## Which reading is the paper's?
#
# Before any table, the definitions. For each of the four readings (which images are counted;
# whether distorted images are clipped to $[0, 1]$) we compare our cells with the paper's, as the
# mean absolute difference in percentage points, separately for each kind of row: the
# off-diagonal adversarial cells of Table 2 (30) and Table 4 (6), the noise cells of Table 2 (12)
# and Table 4 (6), and the amplified cells of Table 4 (9, amplification described below).
#
# **The rule: the reading is chosen on the noise cells of both tables.** The adversarial cells mix
# the definition with how well *our* models' examples transfer, which differs from the paper's
# for reasons of its own (discussed below). The noise rows do not: unclipped Gaussian noise of
# these sizes barely changes any model's predictions, so under "all images" a noise cell is close
# to the column model's clean error, and under "correct before" close to 0, whatever the models.
# One reading is used for both tables, as the paper presumably used one definition.

# %%
paper2 = pd.DataFrame(paper.TABLE2, index=paper.TABLE2_MODELS).T
paper2 = paper2.loc[[r for r in paper2.index if r in TABLE2_MODELS or r.startswith("Gaussian")], TABLE2_MODELS]
paper4 = pd.DataFrame(paper.TABLE4, index=TABLE3_MODELS).T
adv_rows = TABLE2_MODELS
noise_rows2 = [r for r in (f"Gaussian noise, stddev={s:g}" for s in TABLE2_NOISE) if r in paper2.index]
paper_adv_label = dict(zip(TABLE3_MODELS, list(paper.TABLE4)[:3]))
paper_amp_label = dict(zip(TABLE3_MODELS, list(paper.TABLE4)[4:7]))
adv_rows4, amp_rows4 = list(paper.TABLE4)[:3], list(paper.TABLE4)[4:7]
noise_rows4 = [r for r in (noise_label[s] for s in TABLE4_NOISE) if r in paper4.index]
off6, off3 = ~np.eye(len(adv_rows), dtype=bool), ~np.eye(3, dtype=bool)


def rates_frame(m: transfer.TransferMatrix) -> pd.DataFrame:
    return pd.DataFrame(m.rates().numpy(), index=m.rows, columns=m.cols)


def in_paper_order4(frame: pd.DataFrame) -> pd.DataFrame:
    """Our Table 4 frame with the paper's row names (same rows, same order), for comparison."""
    names = {adv_label[k]: paper_adv_label[k] for k in TABLE3_MODELS}
    names.update({amp_label[k]: paper_amp_label[k] for k in TABLE3_MODELS})
    return frame.rename(index=names)


def abs_diff(ours: pd.DataFrame, ref: pd.DataFrame, rows, mask=None) -> np.ndarray:
    """|ours - paper| in percentage points over the given rows (and cells of ``mask``), flattened."""
    diff = (ours.loc[rows, ref.columns] - ref.loc[rows]).abs().to_numpy()
    return diff[mask] if mask is not None else diff.ravel()


NAMES = {"all": "all images", "correct": "correct before"}
readings = []
for count in transfer.COUNT_RULES:
    for clip in (False, True):
        r2, r4 = rates_frame(matrices2[(count, clip)]), in_paper_order4(rates_frame(matrices4[(count, clip)]))
        noise_cells = np.concatenate([abs_diff(r2, paper2, noise_rows2), abs_diff(r4, paper4, noise_rows4)])
        readings.append({
            "images counted": NAMES[count], "noise and amplified images clipped": "yes" if clip else "no",
            "noise cells, both tables (rule)": float(noise_cells.mean()),
            "Table 2 adversarial": float(abs_diff(r2, paper2, adv_rows, off6).mean()),
            "Table 2 noise": float(abs_diff(r2, paper2, noise_rows2).mean()),
            "Table 4 adversarial": float(abs_diff(r4, paper4, adv_rows4, off3).mean()),
            "Table 4 noise": float(abs_diff(r4, paper4, noise_rows4).mean()),
            "Table 4 amplified": float(abs_diff(r4, paper4, amp_rows4).mean()),
            "key": (count, clip)})
readings = pd.DataFrame(readings)
COUNT, CLIP = readings.loc[readings["noise cells, both tables (rule)"].idxmin(), "key"]
print(f"reading closest to the paper on the noise cells: {NAMES[COUNT]} counted, "
      f"distorted images {'clipped' if CLIP else 'not clipped'}")
shown_readings = readings.drop(columns="key").set_index(["images counted", "noise and amplified images clipped"])
tables.formatted(shown_readings, {c: points for c in shown_readings.columns})

# %% [markdown]
# Mean absolute difference between our cells and the paper's (percentage points; smaller is
# closer), by reading and by kind of row. The first column decides.
#
# **All images count, and nothing is clipped.** On the noise cells this reading is within 1.0
# point of the paper on average, four to eight times closer than the others. The paper's own
# numbers say why. Its noise rows sit at about each model's clean error: 5.0, 10.1 and 18.3% for
# the softmax models against training errors of 6.7, 10 and 21.2% (its Table 1), 0% for the
# sigmoid networks, and 2.2 to 2.8% in Table 4 against test errors of 2.0 to 2.1%. Unclipped noise
# of these sizes hardly changes any prediction (compare our noise rows with our "no distortion"
# rows below), so these cells are the models' own mistakes, which only the "all images" reading
# counts; "correct before" puts them at 0.2 to 1.5%. Clipping fails for another reason: at
# σ = 0.3 it drives the sigmoid networks to 26-27% error, against the paper's 5% and 4.3%.
# Clipped noise brightens the whole black background, a systematic change rather than random
# noise, and networks trained on black backgrounds react to it.
#
# The adversarial cells of Table 2 agree (6.4 against 8.8 points). Those of Table 4 lean the
# other way (3.6 against 5.6): our networks' examples transfer a little more than the paper's (see
# below), and subtracting the clean errors happens to compensate. The amplified rows are about 16
# points off under every reading: their difference from the paper is not a matter of definitions.
# **So the paper's "error induced" is the column model's error rate on the distorted images, its
# own mistakes included,** and its Gaussian noise was most likely not clipped (chapter 3 reaches
# the same conclusion from the paper's Fig. 7). All tables below use this reading.
#
# ## Table 2: cross-model generalisation

# %%
M2 = matrices2[(COUNT, CLIP)]
table2 = M2.frame(ci=True)
dist2 = {r: transfer.mean_distortion(s)[0] for r, s in {**adv_train, **noise2[CLIP]}.items()}
table2["Av. distortion (ours)"] = [sig(dist2[r]) if r in dist2 else "0" for r in table2.index]
table2["Av. distortion (paper)"] = [f"{paper.TABLE2_DISTORTION[r]:g}" if r in paper.TABLE2_DISTORTION else "—"
                                    for r in table2.index]
table2.columns.name = "fed to →"
table2

# %% [markdown]
# **Our Table 2**, under the chosen reading: error % of the column model on the first `N_IMAGES`
# training images distorted for the row model, with its 95% Wilson interval. Noise rows: the
# same images with Gaussian noise (the noise's own RMS in the distortion column). The last row
# is the clean images: each column model's own training error on them, for reference.

# %%
paper_table2 = paper2.map(lambda v: f"{v:g}")
paper_table2["Av. distortion"] = [f"{paper.TABLE2_DISTORTION[r]:g}" for r in paper_table2.index]
paper_table2.index.name = "examples"
paper_table2.columns.name = "fed to →"
paper_table2

# %% [markdown]
# **The paper's Table 2** (`intriguing.paper.TABLE2`).

# %% mystnb={"image": {"alt": "Two heatmaps side by side, our Table 2 and the paper's, on one colour scale: the error % of six models (columns) on the adversarial examples made for each model and on Gaussian noise (rows). Both have a bright 100% diagonal, high rates in the FC10(1e-2) and FC10(1) rows, and low rates in the noise rows and in the AE400-10 column."}}
def ci_frames(m: transfer.TransferMatrix) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lower and upper ends of every cell's 95% Wilson interval (percent), as frames."""
    lo, hi = m.wilson()
    return (pd.DataFrame(lo.numpy(), index=m.rows, columns=m.cols),
            pd.DataFrame(hi.numpy(), index=m.rows, columns=m.cols))


ours2 = rates_frame(M2)
lo2, hi2 = ci_frames(M2)
short2 = {r: r.replace("Gaussian noise, stddev=", "noise stddev=") for r in paper2.index}
fig = plots.transfer.rate_heatmaps(ours2.rename(index=short2), paper2.rename(index=short2),
                                   "Table 2: error % of the column model on examples made for the row model")

# %% [markdown]
# **Figure 1a.** Table 2 as heatmaps: our error rates (left) and the paper's (right), one cell per
# row of examples (adversarial for the row model, or Gaussian noise) and column model fed with
# them, on one colour scale (square-root, so that the small off-diagonal rates stay
# distinguishable next to the 100% diagonal). Each cell is labelled with its rate in %.

# %% mystnb={"image": {"alt": "A heatmap of our Table 2 minus the paper's, in percentage points, red where our error rate is higher and blue where it is lower, with framed cells where the paper's value lies outside our 95% interval. Most cells differ by at most 10 points; the AE400-10 row is red, by up to 24 points, and most off-diagonal cells are framed."}}
fig = plots.transfer.difference_heatmap(*(f.rename(index=short2) for f in (ours2, paper2, lo2, hi2)),
                                        "Table 2: ours − paper, in percentage points")

# %% [markdown]
# **Figure 1b.** Our Table 2 minus the paper's, in percentage points (red: transfer stronger in
# ours, blue: weaker; the same scale as Figure 2b). A framed cell is one where the paper's value
# lies outside our 95% Wilson interval.
#
# **The shape of the paper's table is reproduced.** Every attack succeeded, so the diagonal is
# 100%. Off the diagonal our cells average 28.2% against the paper's 25.6%, and the pattern is
# the same: examples made for the strongly regularised softmax models (rows `FC10(1e-2)` and
# `FC10(1)`) transfer most, up to 95% to the other softmax models and 33-46% to the sigmoid
# networks; those made for `FC10(1e-4)` and for the sigmoid networks transfer least; and
# `AE400-10` is the most resilient column in both tables (10.4% on average against the paper's
# 10.3%), resilient "but not fully immune". The noise rows stay within a point of the models'
# clean errors: a random perturbation of RMS 0.1, larger than every model's adversarial ones but
# one (as in the paper), changes almost nothing, where the adversarial ones transfer to a quarter
# of the images on average.
#
# **Where transfer is stronger in ours** (red):
#
# * the `AE400-10` row, by 5 to 24 points. Our autoencoder is weaker than the paper's (chapter 0:
#   2% training error against 0.57%), and its examples are 15% larger (0.099 against 0.086). Its
#   perturbations are smooth blobs made of its own features (chapter 3, Fig. 2): coarse changes to
#   the shape of the digit, which any model reads;
# * `FC10(1e-4)` into the sigmoid networks (+11 and +7), and the two sigmoid networks into each
#   other (+8 and +6). Our two sigmoid networks were trained with the same optimiser, schedule and
#   decay, and differ only in width and initial weights. Models trained the same way tend to learn
#   similar functions, and adversarial examples transfer more between similar models. The paper's
#   training settings are not known.
#
# **Where it is weaker** (blue): the `FC10(1)` row, by 2 to 10 points, and `FC10(1e-2)` into
# `FC10(1)`. Our reading of the paper's weight decay is weaker than its own at large λ (chapter 0:
# 16% training error for `FC10(1)` against the paper's 21.2%), so our `FC10(1)` needs smaller
# perturbations (0.107 against 0.14), and smaller perturbations transfer less.
#
# **Sampling error is not the explanation.** With 5,000 images every cell is known to about ±1
# point, and the paper's value lies outside our interval in most off-diagonal cells (framed). The
# differences are differences between our models and the paper's. Neither table shows the largest
# uncertainty: one trained model per row. A second training run with another seed would move the
# cells too, and the paper gives one run as well.

# %%
diagonal_ok = all(M2.cell(m, m)[0] == M2.cell(m, m)[1] for m in TABLE2_MODELS)
print("diagonal: 100% error for every model:", diagonal_ok)
hits2 = transfer.transfer_matrix(adv_train, columns2, count=COUNT, outcome="target")
M2_adv = transfer.transfer_matrix(adv_train, columns2, count=COUNT)
target_share = pd.DataFrame(
    [["—" if i == j or M2_adv.errors[i, j] == 0 else tables.percent(int(hits2.errors[i, j]), int(M2_adv.errors[i, j]))
      for j in range(len(TABLE2_MODELS))] for i in range(len(TABLE2_MODELS))],
    index=pd.Index(TABLE2_MODELS, name="examples made for"), columns=pd.Index(TABLE2_MODELS, name="fed to →"))
target_share

# %% [markdown]
# **Where do transferred examples land?** Of the images a column model misclassifies, the share
# (%) it puts in the *target* class of the row model's attack (off-diagonal cells). If the errors
# fell on a wrong class at random, about 1 in 9 (11%) would be the target.
#
# **Much of the transfer is *targeted*.** When a softmax model's examples fool another softmax
# model, the error lands on the attack's target class 87-96% of the time (rows `FC10(1e-2)` and
# `FC10(1)`, into `FC10(1e-4)` and `FC10(1e-2)`). For a linear model the perturbation is a
# difference of two class templates, and the other linear models have similar templates. The
# sigmoid networks' transferred examples hit the target 11-39% of the time, one to three and a
# half times chance, and `AE400-10`'s 37-56%. So the other models are often fooled in the same
# direction, not just somewhere wrong. The paper reports error rates only; later work turned
# targeted transfer into attacks on models whose weights the attacker never sees
# {cite}`papernot2016transferability`.
#
# **Does the choice of target matter?** The paper does not say which wrong label its MNIST
# examples were pushed to. Chapter 3 found that a *random* wrong label reproduces the paper's
# distortions, and the *runner-up* label (the model's own second choice, nearly always the
# closest class) gives 0.4 to 0.7 times them. Here are both rules on the first `N_COMPARE`
# training images, fed to the same models.

# %%
def first(s: dict, n: int) -> dict:
    """The first ``n`` images of a set (every per-image tensor cut to ``n``)."""
    return {k: v[:n] for k, v in s.items()}


rule_sets = {"random": {m: first(adv_train[m], N_COMPARE) for m in TABLE2_MODELS},
             "runner-up": {m: transfer.with_originals(adversarial.adversarial_set(
                 m, "train", N_COMPARE, "runner-up", device=device, mnist=mnist), x_train) for m in TABLE2_MODELS}}
rule_matrices = {rule: transfer.transfer_matrix(s, columns2, count=COUNT) for rule, s in rule_sets.items()}
rows = []
for rule, m in rule_matrices.items():
    r = rates_frame(m)
    diff = abs_diff(r, paper2, adv_rows, off6)
    rows.append({"target rule": rule,
                 "av. distortion (mean over the 6 models)": sig(float(np.mean(
                     [transfer.mean_distortion(s)[0] for s in rule_sets[rule].values()]))),
                 "mean error %, 30 off-diagonal cells": points(float(r.loc[adv_rows, TABLE2_MODELS].to_numpy()[off6].mean())),
                 "mean |ours − paper|": points(float(diff.mean())),
                 "cells within 5 points of the paper": f"{int((diff <= 5).sum())} of 30"})
rows.append({"target rule": "paper", "av. distortion (mean over the 6 models)": sig(float(np.mean(
    [paper.TABLE2_DISTORTION[m] for m in TABLE2_MODELS]))),
    "mean error %, 30 off-diagonal cells": points(float(paper2.loc[adv_rows].to_numpy()[off6].mean())),
    "mean |ours − paper|": "—", "cells within 5 points of the paper": "—"})
tables.formatted(pd.DataFrame(rows).set_index("target rule"), "{}")

# %%
runner_up_table = rule_matrices["runner-up"].frame(ci=True)
runner_up_table.columns.name = "fed to →"
runner_up_table

# %% [markdown]
# Above: both target rules on the first `N_COMPARE` training images (the random rule's cells are
# those of Table 2 restricted to these images). Below it: the runner-up rule's matrix, error %
# with 95% Wilson intervals, chosen counting rule.
#
# **Random targets transfer more than runner-up targets,** 28.4% against 20.5% on average. The
# runner-up class is the closest one, so its perturbations are smaller (0.044 against 0.076 RMS
# on average), and they transfer less, most of all from the softmax models into the sigmoid
# networks (`FC10(1e-2)` into `FC100-100-10`: 8% against 33% with random targets; the paper has
# 36%). The random rule is closer to the
# paper overall (6.8 points mean difference against 8.4), with the paper's mean transfer between
# the two; the runner-up rule is closer in some cells (`FC10(1e-4)` into the sigmoid networks,
# the `AE400-10` row). This supports chapter 3's conclusion that the paper's targets were not the
# closest classes, and shows that part of the transfer it reports comes from the size of the
# perturbation that a far-away target requires.
#
# ## Table 3: networks trained on disjoint halves
#
# The three networks of chapter 0: `FC100-100-10` and `FC123-456-10` trained on P1 and
# `FC100-100-10'` on P2 (30,000 images each). Errors are exact counts from their training
# histories. The distortion is measured on the **test set**: the mean minimal RMS distortion over
# the first `N_TEST` test images, each pushed to a random wrong label, with a 95% normal interval
# for the mean.

# %% tags=["full-width"]
rows = []
for m in TABLE3_MODELS:
    t, p = trained[m], paper.TABLE3[m]
    row = {"model": m, "description": t.spec.description}
    for subset in ("P1", "P2", "test"):
        row[f"{subset} error % (paper)"] = f"{p[subset]:g}"
        row[f"{subset} error % (ours)"] = tables.percent(t.history[f"errors_{subset}"][-1], t.history["sizes"][subset])
    mean, lo, hi = transfer.mean_distortion(adv_test[m])
    row["min av. distortion (paper)"] = f"{p['distortion']:g}"
    row["min av. distortion (ours)"] = sig(mean)
    row["95% CI"] = f"[{sig(lo)}, {sig(hi)}]"
    row["attacks succeeded %"] = tables.percent(int(adv_test[m]["success"].sum()), N_TEST)
    rows.append(row)
table3 = pd.DataFrame(rows).set_index("model")
tables.formatted(table3, "{}")

# %% [markdown]
# The three networks fit their own half (0 or 2 errors out of 30,000) and, as chapter 0 found,
# are 0.4 to 0.8 points worse than the paper's on the other half and on the test set. **The
# minimal distortions on the test set reproduce the paper's**: 0.0584, 0.0573 and 0.0602 against
# 0.062, 0.059 and 0.058, all within 6%, in the same narrow band, so the cross-training-set
# comparison below starts from perturbations of the paper's size. This is the paper's full scale,
# all 10,000 test images, and every attack succeeded; the three attacks take about two minutes on
# one CPU thread (measured while writing this chapter; the notebook prints no timings).
#
# ## Table 4: cross-training-set generalisation
#
# Rows of Table 4, on the first `N_TEST` test images:
#
# * the adversarial examples of each Table 3 network;
# * Gaussian noise of standard deviation 0.06, about the adversarial examples' RMS;
# * the same adversarial examples **amplified to RMS 0.1**;
# * Gaussian noise of standard deviation 0.1, the RMS of the amplified rows.
#
# **Amplification.** The paper replaces $x'$ by $x + 0.1\,\frac{x' - x}{\|x' - x\|}$ and calls the
# result "amplified to stddev=0.1". Read literally with the Euclidean norm, this gives a
# perturbation of L2 norm 0.1, that is an RMS of $0.1/\sqrt{784} = 0.1/28 \approx 0.0036$, about 16
# times *smaller* than the examples' own RMS of about 0.06. That cannot be what was meant: the
# row labels and the text speak of magnifying the distortion to a standard deviation of 0.1. We
# therefore rescale each perturbation to an RMS of exactly 0.1 before any clipping
# (`intriguing.transfer.amplify`),
#
# $$
# x_{\text{amp}} = x + r\,\frac{0.1}{\operatorname{RMS}(r)}, \qquad r = x' - x,\quad
# \operatorname{RMS}(r) = \sqrt{\textstyle\sum_i r_i^2 / 784},
# $$
#
# and compute the literal formula once, below, to show what it would give. Two more details are
# open. $x_{\text{amp}}$ may leave $[0, 1]$: it is clipped or not with the noise, by the reading
# chosen above. And the few images whose perturbation is already larger than 0.1 are *shrunk* by
# this rule; "amplify only", which leaves them alone, is computed below too.

# %%
M4 = matrices4[(COUNT, CLIP)]
table4 = M4.frame(ci=True)
table4["Av. distortion (ours)"] = [sig(transfer.mean_distortion(s)[0]) if r != "no distortion" else "0"
                                   for r, s in sets4[CLIP].items()]
table4.columns.name = "fed to →"
table4

# %% [markdown]
# **Our Table 4** (chosen reading): error % of each column network on the first `N_TEST` test
# images distorted as the row says, with 95% Wilson intervals. The row labels carry our own
# average distortions; the last row is the clean test images (each network's test error).

# %%
paper_table4 = paper4.map(lambda v: f"{v:g}")
paper_table4.index.name = "examples"
paper_table4.columns.name = "fed to →"
paper_table4

# %% [markdown]
# **The paper's Table 4** (`intriguing.paper.TABLE4`).

# %% mystnb={"image": {"alt": "Two heatmaps side by side, our Table 4 and the paper's, on one colour scale: the error % of three networks trained on the halves P1 and P2 (columns) on the adversarial examples of each network, on the same examples amplified to RMS 0.1, and on Gaussian noise (rows). Both have a 100% diagonal in the adversarial rows and low noise rows; our amplified rows are uniformly high, 61 to 96%, where the paper's range from 22 to 100%."}}
short_rows = {r: re.sub(r" \(av\. stddev=[0-9.]+\)", "", r).replace("Distorted for ", "")
              .replace(f" amplified to stddev={AMPLIFY_TO:g}", " ×amp").replace("Gaussian noise with ", "noise ")
              for r in paper4.index}
ours4 = in_paper_order4(rates_frame(M4))
lo4, hi4 = (in_paper_order4(f) for f in ci_frames(M4))
fig = plots.transfer.rate_heatmaps(ours4.rename(index=short_rows), paper4.rename(index=short_rows),
                                   "Table 4: error % of the column network")

# %% [markdown]
# **Figure 2a.** Table 4 as heatmaps, as in Figure 1a: our error rates (left) and the paper's
# (right) on one colour scale; columns are the three networks, rows the examples fed to them.
# "×amp": the adversarial examples amplified to RMS 0.1.

# %% mystnb={"image": {"alt": "A heatmap of our Table 4 minus the paper's, in percentage points, red where our error rate is higher and blue where it is lower, framed where the paper's value lies outside our 95% interval. The adversarial and noise rows differ by a few points, except FC123-456-10 into FC100-100-10 (16 points higher); the amplified rows differ by up to 39 points, most of all across the halves P1 and P2."}}
fig = plots.transfer.difference_heatmap(*(f.rename(index=short_rows) for f in (ours4, paper4, lo4, hi4)),
                                        "Table 4: ours − paper, in percentage points")

# %% [markdown]
# **Figure 2b.** Our Table 4 minus the paper's, in percentage points, as in Figure 1b (framed where
# the paper's value lies outside our 95% interval).
#
# **The paper's conclusion holds: adversarial examples transfer to a network trained on a
# disjoint training set, "although their effectiveness decreases considerably".** Between the two
# networks trained on the same half P1, our examples fool the other network 22.5-27.8% of the
# time; across the halves P1 and P2, 8.2-13.8%. The ratio of the two averages is 2.3 in ours and
# 2.4 in the paper. Noise of the same RMS (0.06) leaves each network at its clean test error
# (2.5-3.0%; last row).
#
# **Where we differ:**
#
# * `FC100-100-10` → `FC123-456-10` reproduces (27.8% against 26.2%), but the reverse direction
#   does not: 22.5% against 6.25%. The paper's strong asymmetry is not in ours.
# * Across the halves our rates are 3 to 6 points higher than the paper's. About 0.5-0.8 points of
#   that is our networks' higher clean test error (the "no distortion" row: 2.5-2.9% against
#   2.0-2.1%). The rest, as in Table 2, is plausibly that our three networks were trained with one
#   recipe (`FC100-100-10'` differs from `FC100-100-10` only in its half and its seed), so they
#   are more alike than the paper's.
# * After amplification to RMS 0.1, our rates are more uniform than the paper's: 85-87% between
#   the two P1 networks (paper: 96-98%) and 61-67% across the halves (paper: 22-50%). The paper's
#   amplified rows keep the asymmetries of its unamplified ones; ours do not. Our diagonal is
#   94-96% rather than 100%, because exact rescaling shrinks a few perturbations (next section).
#
# ## Amplification, and the paper's "40%"

# %%
literal = {m: transfer.amplified_set(adv_test[m], AMPLIFY_TO, norm="l2") for m in TABLE3_MODELS}
only = {m: transfer.amplified_set(adv_test[m], AMPLIFY_TO, shrink=False, clip=CLIP) for m in TABLE3_MODELS}
exact = {m: sets4[CLIP][amp_label[m]] for m in TABLE3_MODELS}
amp_matrices = {name: transfer.transfer_matrix(s, columns4, count=COUNT)
                for name, s in {"exact": exact, "only": only, "literal": literal}.items()}
rows = []
for m in TABLE3_MODELS:
    d = adv_test[m]["distortion"].double()
    mean = float(d.mean())
    row = {"examples made for": m, "av. distortion": sig(mean),
           f"{AMPLIFY_TO:g} ÷ av. distortion": sig(AMPLIFY_TO / mean),
           "mean of per-image factors": sig(float((AMPLIFY_TO / d[d > 0]).mean())),
           f"shrunk (RMS > {AMPLIFY_TO:g}) %": tables.percent(int((d > AMPLIFY_TO).sum()), len(d))}
    for name, label in (("exact", f"own error %: rescaled to {AMPLIFY_TO:g}"), ("only", "own error %: amplify only"),
                        ("literal", "own error %: printed formula")):
        row[label] = tables.percent(*amp_matrices[name].cell(m, m))
    row["printed formula: RMS"] = sig(transfer.mean_distortion(literal[m])[0], 2)
    rows.append(row)
amp_table = pd.DataFrame(rows).set_index("examples made for")
tables.formatted(amp_table, "{}")

# %% [markdown]
# Per source network: its average test-set distortion; the magnification to RMS 0.1, as the
# ratio of the means and as the mean of the per-image factors $0.1/\operatorname{RMS}(r)$; the
# share of images the exact rescaling *shrinks*; and the error each amplified set induces on the
# network it was made for, under three readings of the amplification (rescaled to exactly 0.1;
# amplified only, never shrunk; the printed formula, L2 norm 0.1).

# %%
amp_rows = {}
for name, label in (("exact", "rescaled to exactly 0.1"), ("only", "amplify only")):
    r = rates_frame(amp_matrices[name]).rename(index=paper_amp_label)
    amp_rows[label] = {"mean |ours − paper|, 9 cells": points(float(abs_diff(r, paper4, amp_rows4).mean())),
                       **{f"{short_name[src]} → {short_name[dst]}": tables.percent(*amp_matrices[name].cell(src, dst))
                          for src in TABLE3_MODELS for dst in TABLE3_MODELS if src != dst}}
amp_rows["paper"] = {"mean |ours − paper|, 9 cells": "—",
                     **{f"{short_name[src]} → {short_name[dst]}": f"{paper4.loc[paper_amp_label[src], dst]:g}"
                        for src in TABLE3_MODELS for dst in TABLE3_MODELS if src != dst}}
pd.DataFrame(amp_rows).T

# %% [markdown]
# The off-diagonal cells of the amplified rows (error %, chosen counting rule) under both
# rescalings, beside the paper's.
#
# **The printed formula cannot be what was run.** With an L2 norm of 0.1 (RMS 0.0036), the
# "amplified" examples no longer fool even the network they were made for: its error falls to its
# clean test error (2.7-3.0%), where the paper reports 100%.
#
# **Rescaling to RMS exactly 0.1** is what the row labels say. It magnifies 93-95% of the
# perturbations but *shrinks* the 5-7% that needed more than 0.1, and most of those go back to
# being classified correctly, so the diagonal falls to 94-96%. **Amplifying only** (never
# shrinking) restores the paper's 100% diagonal and moves the off-diagonal cells by less than a
# point, so the paper's 100% is best explained by "amplify only", or by none of its examples
# needing more than 0.1. Neither rescaling brings the off-diagonal cells close to the paper's
# (about 15 points apart on average): that difference lies in the models, not in the rescaling.
#
# **The "40%".** The paper says amplification "magnifies the distortion on average by 40%, from
# stddev 0.06 to 0.1". Going from 0.06 to 0.1 is a factor of 1.67, an increase of **67%**. The
# 40% is the increase measured against the *final* value, (0.1 − 0.06) / 0.1; we report the factor
# and do not try to match the 40%. Ours: the ratio of the means is 1.66-1.75 (+66% to +75%), as in
# the paper. The mean of the per-image factors is larger, 2.3-2.4, because most perturbations are
# smaller than the mean and are magnified more (the distribution of distortions is skewed to the
# right; chapter 3). "On average" depends on what is averaged.

# %% mystnb={"image": {"alt": "A grid of MNIST images: four test digits (rows), each shown as the original, its adversarial example for FC100-100-10 trained on P1, that perturbation amplified to RMS 0.1, and with Gaussian noise of standard deviation 0.1, unclipped and clipped. The adversarial images show faint smudges near the strokes, clearer once amplified; the noisy images show fine static over the whole image."}}
gen = torch.Generator().manual_seed(SEED)
shown = torch.randperm(N_TEST, generator=gen)[:4]
src = TABLE3_MODELS[0]
noise_shown = {clip: transfer.gaussian_noise_set(x4, y4, AMPLIFY_TO, seed=SEED, clip=clip)["images"][shown]
               for clip in (False, True)}
columns_shown = {"original": x4[shown], f"adversarial for\n{short_name[src]} (P1)": adv_test[src]["images"][shown],
                 f"amplified to\nRMS {AMPLIFY_TO:g}": exact[src]["images"][shown],
                 f"noise σ={AMPLIFY_TO:g}\nnot clipped": noise_shown[False],
                 f"noise σ={AMPLIFY_TO:g}\nclipped": noise_shown[True]}
grid = torch.stack([c.cpu().float() for c in columns_shown.values()], dim=1)
row_labels = [f"{int(y4[i])} → {int(adv_test[src]['targets'][i])}" for i in shown.tolist()]
fig = plots.image_grid(grid, row_labels=row_labels, col_labels=list(columns_shown), scale=1.3)

# %% [markdown]
# **Figure 3.** Four test images drawn at random (seed `SEED`; rows titled "true label → target"),
# their adversarial examples for `FC100-100-10` (P1), the same perturbations rescaled to RMS 0.1,
# and Gaussian noise of standard deviation 0.1, unclipped (pixels outside $[0, 1]$ drawn black or
# white) and clipped.
#
# ## Differences from the paper, and why
#
# * **The models.** Ours are chapter 0's, trained with settings of our own because the paper gives
#   none. Three of them differ from the paper's in ways that show up here: our `FC10(1)` is less
#   regularised, our `AE400-10` is weaker, and our P1/P2 networks are 0.5-0.8 points less
#   accurate. Transfer rates depend on the particular models, so single cells differ from the
#   paper's by up to 24 points in Table 2 and 39 in Table 4. The structure of the tables does not
#   change: which rows transfer, which column resists, and how much a disjoint training set
#   reduces transfer.
# * **The targets.** Random wrong labels, the rule that reproduces the paper's distortions
#   (chapter 3). Runner-up targets would give smaller perturbations and 8 points less transfer on
#   average.
# * **The definitions.** The paper's cells count all images, the column model's own mistakes
#   included, and its noise was most likely not clipped: of the four readings, only this one
#   reproduces the paper's noise rows. Its amplification formula, read literally, shrinks the
#   perturbations 16-fold; we rescale them to RMS 0.1 and show that the 100% diagonal points to
#   "amplify only".
# * **The sample.** Table 2 uses the first `N_IMAGES` = 5,000 of the 60,000 training images (each
#   cell known to about ±1 point); Tables 3 and 4 use the whole test set, as the paper does.
#   `N_IMAGES = 60000` runs the paper's full scale (about 20 minutes of attacks on one CPU thread,
#   a minute or two on a GPU).
# * **Not measured: training noise.** One trained network per row and column, as in the paper. A
#   retrained network would move the cells by an amount neither the paper nor this chapter
#   measures, and probably by more than the Wilson intervals, which cover only the choice of
#   images.
#
# ## Summary for the results page
#
# The rows below are what the book's results page shows for this chapter. **Rule:** a rate (%)
# is *reproduced* when ours is within 5 percentage points of the paper's, *partly* within 15
# points, and *not reproduced* beyond; a distortion or a ratio is reproduced within 20% of the
# paper's value and partly within 50%. The claim about which model is most resilient is reproduced
# when it is the same model. Tables are compared through averages over their cells, because single
# cells depend on the particular trained models (see above); the "why" column gives the
# cell-level picture.

# %%
def verdict_rate(ours: float, ref: float) -> str:
    """Rates (%): reproduced within 5 points, partly within 15 points, else not reproduced."""
    gap = abs(ours - ref)
    return "reproduced" if gap <= 5 else "partly" if gap <= 15 else "not reproduced"


def verdict_size(ours: float, ref: float) -> str:
    """Distortions and ratios: reproduced within 20% of the paper's value, partly within 50%."""
    gap = abs(ours / ref - 1)
    return "reproduced" if gap <= 0.2 else "partly" if gap <= 0.5 else "not reproduced"


summary = []
p2, o2 = paper2.loc[adv_rows].to_numpy(), ours2.loc[adv_rows, TABLE2_MODELS].to_numpy()
p_mean, o_mean = float(p2[off6].mean()), float(o2[off6].mean())
close = int((np.abs(o2 - p2)[off6] <= 5).sum())
summary.append(results.row(
    "Cross-model generalisation (Table 2)", "mean error % of the 30 off-diagonal cells", points(p_mean),
    points(o_mean), verdict_rate(o_mean, p_mean),
    f"{close} of 30 cells within 5 points; our AE400-10's examples transfer far more"))
col_o = {c: float(np.mean([ours2.loc[r, c] for r in adv_rows if r != c])) for c in TABLE2_MODELS}
col_p = {c: float(np.mean([paper2.loc[r, c] for r in adv_rows if r != c])) for c in TABLE2_MODELS}
most_p, most_o = min(col_p, key=col_p.get), min(col_o, key=col_o.get)
summary.append(results.row(
    "Cross-model generalisation (Table 2)", "most resilient model (lowest mean error on the others' examples)",
    f"{most_p} ({points(col_p[most_p])}%)", f"{most_o} ({points(col_o[most_o])}%)",
    "reproduced" if most_p == most_o else "not reproduced", "“most resilient … but not fully immune”"))
for r in noise_rows2:
    pv, ov = float(paper2.loc[r].mean()), float(ours2.loc[r].mean())
    summary.append(results.row("Gaussian-noise reference (Table 2)", f"{r}: mean error % over the 6 models",
                               points(pv), points(ov), verdict_rate(ov, pv),
                               "noise at most adds a point to each model's clean training error"))
summary.append(results.row(
    "Definitions the paper leaves open (Tables 2 and 4)", "what a cell counts; clipping of noisy images",
    "not stated", f"{NAMES[COUNT]}; {'clipped' if CLIP else 'not clipped'}", "beyond the paper",
    "the reading closest to the paper's noise rows (mean difference "
    f"{points(float(readings['noise cells, both tables (rule)'].min()))} points)"))
for m in TABLE3_MODELS:
    pv, ov = paper.TABLE3[m]["distortion"], transfer.mean_distortion(adv_test[m])[0]
    summary.append(results.row("Table 3: minimal distortion on the test set", f"{m}: av. min. distortion",
                               f"{pv:g}", sig(ov), verdict_size(ov, pv), "random wrong target, as in chapter 3"))
p4, o4 = paper4.loc[adv_rows4].to_numpy(), ours4.loc[adv_rows4].to_numpy()
same, disjoint = [(0, 1), (1, 0)], [(0, 2), (2, 0), (1, 2), (2, 1)]  # P1 <-> P1 and P1 <-> P2 cells
means = {}
for label, cells in (("other architecture, same half P1", same), ("disjoint halves P1 ↔ P2", disjoint)):
    means[label] = (float(np.mean([p4[c] for c in cells])), float(np.mean([o4[c] for c in cells])))
    pv, ov = means[label]
    summary.append(results.row("Cross-training-set generalisation (Table 4)", f"mean error %: {label}",
                               points(pv), points(ov), verdict_rate(ov, pv),
                               "our networks' examples transfer more; their clean errors are ~0.7 points higher"))
(ps, os_), (pd_, od) = means.values()
summary.append(results.row(
    "Cross-training-set generalisation (Table 4)", "“effectiveness decreases considerably”: same-half ÷ disjoint-half error",
    f"×{sig(ps / pd_, 2)}", f"×{sig(os_ / od, 2)}", verdict_size(os_ / od, ps / pd_),
    "examples transfer to a disjoint training set, about half as often"))
pa, oa = paper4.loc[amp_rows4].to_numpy(), ours4.loc[amp_rows4].to_numpy()
pv, ov = float(pa[off3].mean()), float(oa[off3].mean())
summary.append(results.row(
    "Cross-training-set generalisation (Table 4)", f"amplified to RMS {AMPLIFY_TO:g}: mean off-diagonal error %",
    points(pv), points(ov), verdict_rate(ov, pv),
    "each perturbation rescaled to RMS exactly 0.1 (the printed formula gives RMS 0.0036)"))
for r in noise_rows4:
    pv, ov = float(paper4.loc[r].mean()), float(ours4.loc[r].mean())
    summary.append(results.row("Gaussian-noise reference (Table 4)", f"{r}: mean error % over the 3 networks",
                               points(pv), points(ov), verdict_rate(ov, pv),
                               "≈ clean test error, ours 0.5-0.8 points above the paper's"))
factor = AMPLIFY_TO / float(np.mean([transfer.mean_distortion(adv_test[m])[0] for m in TABLE3_MODELS]))
summary.append(results.row("Amplification (Table 4)", f"magnification of the distortion to RMS {AMPLIFY_TO:g}",
                           "“40%”, from 0.06 to 0.1 (×1.67)", f"×{sig(factor)}", verdict_size(factor, 0.1 / 0.06),
                           "0.06 → 0.1 is +67%; the paper's 40% is (0.1 − 0.06) / 0.1"))
results.record("04_transfer", "Transfer of adversarial examples across models and training sets", summary)
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict"]]
