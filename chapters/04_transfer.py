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
# ```{glue:md} first_screen
# :format: myst
# ```
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
# chapter 3, computes every reading of the definitions the paper leaves open and keeps the one
# that fits the paper best (then tests that choice on cells it was not chosen on), and puts a
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
# training images, each toward a random wrong label (the rule chapter 3 chose to match the
# paper). The same N_IMAGES as chapter 3, so both chapters share the cached adversarial sets.
# The paper's full scale is N_IMAGES = 60000 (about 20 minutes of attacks on one CPU thread,
# a minute or two with DEVICE = "cuda").
TABLE2_MODELS = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10",
                 "AE400-10"]
N_IMAGES = 5000
TABLE2_NOISE = [0.1, 0.3]  # standard deviations of the Gaussian-noise rows of Table 2
# The first N_COMPARE training images are also attacked toward the runner-up label (chapter 3's
# N_COMPARE, so the cached sets are shared), to see how the choice of target changes transfer.
N_COMPARE = 1000
# Tables 3 and 4: the networks trained on the halves P1 and P2, attacked on the first N_TEST
# test images. N_TEST = 10000 is the paper's full scale (about 2 minutes of attacks here).
TABLE3_MODELS = ["FC100-100-10/P1", "FC123-456-10/P1", "FC100-100-10'/P2"]
N_TEST = 10000
TABLE4_NOISE = [0.06, 0.1]  # standard deviations of the Gaussian-noise rows of Table 4
AMPLIFY_TO = 0.1  # RMS the perturbations are rescaled to in Table 4's "amplified" rows
SEED = 0  # seed of the Gaussian noise and of the bootstrap over images
N_BOOTSTRAP = 2000  # resamples of the test images for the interval of Table 4's ratio
DEVICE = "auto"  # "auto": CUDA when present, else CPU
PROGRESS = False  # progress bars while a zoo model trains (False for executed, checked notebooks)
PERSIST = ""  # "drive": keep the trained models, attack sets and results on Google Drive (Colab)

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (first: pins the CPU code path and threads before torch loads)
import re

import numpy as np
import pandas as pd
import torch

from intriguing import (adversarial, params, paper, plots, prose, results, runtime, tables,
                        transfer, verdicts, zoo)
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
params.check_count("N_BOOTSTRAP", N_BOOTSTRAP, 100, 1_000_000, "a number of resamples")
noise_params = {"TABLE2_NOISE": TABLE2_NOISE, "TABLE4_NOISE": TABLE4_NOISE,
                "AMPLIFY_TO": [AMPLIFY_TO]}
for name, values in noise_params.items():
    if not values or not all(isinstance(v, (int, float)) and 0 < v < 10 for v in values):
        raise ValueError(f"{name} must hold positive standard deviations (RMS on [0, 1] pixels), "
                         f"got {values!r}")
device = runtime.pick_device(DEVICE)
mnist = load_mnist(device=device)
trained = {name: zoo.get_model(name, mnist=mnist, device=device, progress=PROGRESS)
           for name in TABLE2_MODELS + TABLE3_MODELS}
x_train, y_train = mnist.subset("train")
x_test, y_test = mnist.subset("test")
print(runtime.describe())
print(f"Table 2: {len(TABLE2_MODELS)} models, the first {N_IMAGES:,} training images; "
      f"Tables 3-4: {len(TABLE3_MODELS)} models, the first {N_TEST:,} test images")


def span(values, spec: str = "{:.1f}") -> str:
    """"a–b" of numbers formatted with ``spec`` (one number when both ends print the same)."""
    lo, hi = (spec.format(v) for v in (min(values), max(values)))
    return lo if lo == hi else f"{lo}–{hi}"


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
# differ by up to the clean training error ({glue:text}`clean_error_span`% here) for the softmax
# models.
#
# **Gaussian-noise rows.** $x + \sigma\varepsilon$ with $\varepsilon \sim \mathcal{N}(0, I)$ per
# pixel, drawn from a generator seeded with `SEED` (one draw, scaled for each $\sigma$), on the
# same images. The paper does not say whether it clipped the noisy images back to $[0, 1]$.
# Clipping matters on MNIST: {glue:text}`black_share`% of the pixels are black, and there clipping
# cuts away the negative half of the noise. Clipped noise is therefore smaller (its RMS is
# {glue:text}`clipped_rms`σ) but no longer zero-mean: it brightens the background, a *systematic*
# change a classifier can react to. We compute both.
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
# resolves ({glue:text}`resolution`).

# %% tags=["hide-input"]
adv_train = {m: transfer.with_originals(
    adversarial.adversarial_set(m, "train", N_IMAGES, "random", device=device, mnist=mnist),
    x_train) for m in TABLE2_MODELS}
adv_test = {m: transfer.with_originals(
    adversarial.adversarial_set(m, "test", N_TEST, "random", device=device, mnist=mnist),
    x_test) for m in TABLE3_MODELS}
failed = {m: int((~s["success"]).sum()) for m, s in {**adv_train, **adv_test}.items()}
print("attacks that failed (kept as the unchanged image):", failed)

x2, y2 = x_train[:N_IMAGES], y_train[:N_IMAGES]
clean2 = {"no distortion": {"images": x2, "labels": y2, "originals": x2,
                            "distortion": torch.zeros(N_IMAGES)}}
noise2 = {clip: {f"Gaussian noise, stddev={s:g}":
                 transfer.gaussian_noise_set(x2, y2, s, seed=SEED, clip=clip)
                 for s in TABLE2_NOISE} for clip in (False, True)}
columns2 = {m: trained[m].model for m in TABLE2_MODELS}
matrices2 = {(count, clip): transfer.transfer_matrix({**adv_train, **noise2[clip], **clean2},
                                                     columns2, count=count)
             for count in transfer.COUNT_RULES for clip in (False, True)}

x4, y4 = x_test[:N_TEST], y_test[:N_TEST]
columns4 = {m: trained[m].model for m in TABLE3_MODELS}
short_name = {m: m.split("/")[0] for m in TABLE3_MODELS}  # the paper's row labels drop the half
adv_label = {m: f"Distorted for {short_name[m]} "
                f"(av. stddev={tables.sig(transfer.mean_distortion(adv_test[m])[0], 2)})"
             for m in TABLE3_MODELS}
amp_label = {m: f"Distorted for {short_name[m]} amplified to stddev={AMPLIFY_TO:g}"
             for m in TABLE3_MODELS}
noise_label = {s: f"Gaussian noise with stddev={s:g}" for s in TABLE4_NOISE}
clean4 = {"no distortion": {"images": x4, "labels": y4, "originals": x4,
                            "distortion": torch.zeros(N_TEST)}}


def table4_sets(clip: bool, shrink: bool = True) -> dict[str, dict]:
    """Table 4's rows in the paper's order (adversarial, first noise, amplified, other noise), for
    one reading of clipping (applied to the noise and to the amplified images alike)."""
    noise_sets = {noise_label[s]: transfer.gaussian_noise_set(x4, y4, s, seed=SEED, clip=clip)
                  for s in TABLE4_NOISE}
    (first, first_set), *rest = list(noise_sets.items())
    return {**{adv_label[m]: adv_test[m] for m in TABLE3_MODELS}, first: first_set,
            **{amp_label[m]: transfer.amplified_set(adv_test[m], AMPLIFY_TO, clip=clip,
                                                    shrink=shrink) for m in TABLE3_MODELS},
            **dict(rest), **clean4}


sets4 = {clip: table4_sets(clip) for clip in (False, True)}
# per_image: every row holds distortions of the same test images, resampled together below
matrices4 = {(count, clip): transfer.transfer_matrix(sets4[clip], columns4, count=count,
                                                     per_image=True)
             for count in transfer.COUNT_RULES for clip in (False, True)}

softmax2 = [m for m in TABLE2_MODELS if zoo.ZOO[m].sizes == (784, 10)]  # the FC10 models
clean_rates2 = matrices2[("all", False)].rates_frame().loc["no distortion"]
clipped_ratio = [float(transfer.mean_distortion(s)[0]) / sd
                 for sd, s in zip(TABLE2_NOISE, noise2[True].values())]
prose.glue_all({
    "clean_error_span": span([clean_rates2[m] for m in softmax2], "{:.0f}").replace("–", " to "),
    "black_share": f"{100 * float((x2 == 0).double().mean()):.0f}",
    "clipped_rms": f"about {span(clipped_ratio, '{:.2f}')}",
    "resolution": f"{100 / N_IMAGES:g}% of {N_IMAGES:,}",
})

# %% [markdown]
# ## Which reading fits the paper best?
#
# Before any table, the definitions. For each of the four readings (which images are counted;
# whether distorted images are clipped to $[0, 1]$) we compare our cells with the paper's, as the
# mean absolute difference in percentage points, separately for each kind of row: the
# off-diagonal adversarial cells of Table 2 (30) and Table 4 (6), the noise cells of Table 2 (12)
# and Table 4 (6), and the amplified cells of Table 4 (9, amplification described below).
#
# **The rule: the reading is chosen on the noise cells of both tables.** The adversarial cells mix
# the definition with how well *our* models' examples transfer, which differs from the paper's
# for reasons of its own (discussed below). The noise rows depend much less on the models: under
# "all images" a noise cell starts from the column model's clean error, under "correct before"
# from 0. One reading is used for both tables, as the paper presumably used one definition.
# Because the noise cells choose the reading, they cannot also confirm it: the noise rows are
# **fitted** rows on the results page (shown, not counted), and the choice is tested below on
# cells it was not made on.

# %%
paper2 = pd.DataFrame(paper.TABLE2, index=paper.TABLE2_MODELS).T
paper2 = paper2.loc[[r for r in paper2.index if r in TABLE2_MODELS or r.startswith("Gaussian")],
                    TABLE2_MODELS]
paper4 = pd.DataFrame(paper.TABLE4, index=TABLE3_MODELS).T
adv_rows = TABLE2_MODELS
noise_rows2 = [r for r in (f"Gaussian noise, stddev={s:g}" for s in TABLE2_NOISE)
               if r in paper2.index]
paper_adv_label = dict(zip(TABLE3_MODELS, list(paper.TABLE4)[:3]))
paper_amp_label = dict(zip(TABLE3_MODELS, list(paper.TABLE4)[4:7]))
adv_rows4, amp_rows4 = list(paper.TABLE4)[:3], list(paper.TABLE4)[4:7]
noise_rows4 = [r for r in (noise_label[s] for s in TABLE4_NOISE) if r in paper4.index]
off6, off3 = ~np.eye(len(adv_rows), dtype=bool), ~np.eye(3, dtype=bool)


def in_paper_order4(frame: pd.DataFrame) -> pd.DataFrame:
    """Our Table 4 frame with the paper's row names (same rows, same order), for comparison."""
    names = {adv_label[k]: paper_adv_label[k] for k in TABLE3_MODELS}
    names.update({amp_label[k]: paper_amp_label[k] for k in TABLE3_MODELS})
    return frame.rename(index=names)


def gaps(ours: pd.DataFrame, ref: pd.DataFrame, rows, mask=None) -> np.ndarray:
    """|ours − paper| in percentage points over the given rows (and cells of ``mask``)."""
    return transfer.paired_cells(ours, ref, rows, mask)["gap"].abs().to_numpy()


NAMES = {"all": "all images", "correct": "correct before"}
readings, noise_gaps = [], {}
for count in transfer.COUNT_RULES:
    for clip in (False, True):
        r2 = matrices2[(count, clip)].rates_frame()
        r4 = in_paper_order4(matrices4[(count, clip)].rates_frame())
        noise_gaps[(count, clip)] = {"Table 2 noise": gaps(r2, paper2, noise_rows2),
                                     "Table 4 noise": gaps(r4, paper4, noise_rows4)}
        noise_cells = np.concatenate(list(noise_gaps[(count, clip)].values()))
        readings.append({
            "images counted": NAMES[count],
            "noise and amplified images clipped": "yes" if clip else "no",
            "noise cells, both tables (rule)": float(noise_cells.mean()),
            "Table 2 adversarial": float(gaps(r2, paper2, adv_rows, off6).mean()),
            "Table 2 noise": float(gaps(r2, paper2, noise_rows2).mean()),
            "Table 4 adversarial": float(gaps(r4, paper4, adv_rows4, off3).mean()),
            "Table 4 noise": float(gaps(r4, paper4, noise_rows4).mean()),
            "Table 4 amplified": float(gaps(r4, paper4, amp_rows4).mean()),
            "key": (count, clip)})
readings = pd.DataFrame(readings)
COUNT, CLIP = readings.loc[readings["noise cells, both tables (rule)"].idxmin(), "key"]
print(f"reading closest to the paper on the noise cells: {NAMES[COUNT]} counted, "
      f"distorted images {'clipped' if CLIP else 'not clipped'}")
shown_readings = readings.drop(columns="key").set_index(
    ["images counted", "noise and amplified images clipped"])
tables.formatted(shown_readings, {c: tables.points for c in shown_readings.columns})

# %% tags=["remove-input"]
by_key = readings.set_index(pd.Index(readings["key"].tolist()))  # (count, clip) keys
rule_col = "noise cells, both tables (rule)"
others = by_key.drop(index=[(COUNT, CLIP)])[rule_col]
other_count = next(c for c in transfer.COUNT_RULES if c != COUNT)
r_correct = matrices2[("correct", False)].rates_frame()
r4_correct = in_paper_order4(matrices4[("correct", False)].rates_frame())
small_noise = [r_correct.loc[noise_rows2[0], m] for m in TABLE2_MODELS] + list(
    r4_correct.loc[noise_rows4].to_numpy().ravel())
r2_clipped = matrices2[("all", True)].rates_frame()
sigmoid2 = [m for m in TABLE2_MODELS if m.startswith("FC") and m not in softmax2]
prose.glue_all({
    "reading_gap": tables.points(by_key.loc[(COUNT, CLIP), rule_col]),
    "reading_factor": span(others / by_key.loc[(COUNT, CLIP), rule_col], "{:.0f}")
    .replace("–", " to "),
    "correct_small_noise": span(small_noise, "{:.1f}").replace("–", " to "),
    "clipped_sigmoid": span([r2_clipped.loc[noise_rows2[-1], m] for m in sigmoid2], "{:.0f}"),
    "t2_adv_chosen": tables.points(by_key.loc[(COUNT, CLIP), "Table 2 adversarial"]),
    "t2_adv_other": tables.points(by_key.loc[(other_count, CLIP), "Table 2 adversarial"]),
    "t4_adv_chosen": tables.points(by_key.loc[(COUNT, CLIP), "Table 4 adversarial"]),
    "t4_adv_other": tables.points(by_key.loc[(other_count, CLIP), "Table 4 adversarial"]),
    "amp_reading_span": span(by_key["Table 4 amplified"]),
})

# %% [markdown]
# Mean absolute difference between our cells and the paper's (percentage points; smaller is
# closer), by reading and by kind of row. The first column decides.
#
# **The best-fitting reading: all images count, and nothing is clipped.** On the noise cells this
# reading is within {glue:text}`reading_gap` points of the paper on average,
# {glue:text}`reading_factor` times closer than the others. The paper's own numbers say why. Its
# noise rows sit near each model's clean error: 5.0, 10.1 and 18.3% for the softmax models against
# training errors of 6.7, 10 and 21.2% (its Table 1), 0% for the sigmoid networks at σ = 0.1, and
# 2.2 to 2.8% in Table 4 against test errors of 2.0 to 2.1%. Small noise changes few predictions
# (compare our noise rows with our "no distortion" rows below), so these cells are mostly the
# models' own mistakes, which only the "all images" reading counts; "correct before" puts the
# cells of the smaller noise (σ = 0.1 in Table 2, both rows of Table 4) at
# {glue:text}`correct_small_noise`%. Clipping fails for another reason: at σ = 0.3 it drives the
# sigmoid networks to {glue:text}`clipped_sigmoid`% error, against the paper's 5% and 4.3%.
# Clipped noise brightens the whole black background, a systematic change rather than random
# noise, and networks trained on black backgrounds react to it.
#
# **What no reading explains.** The paper's FC10 noise cells lie *below* those models' clean
# training error (5.0% against 6.7% for `FC10(1e-4)` and 18.3% against 21.2% for `FC10(1)`, at
# σ = 0.1). Under "all images" a cell cannot fall much below the column's clean error, and under
# "correct before" these cells would be near 0. So the paper's noise rows were probably computed
# on another set of images than its Table 1 errors, or with other models; the chosen reading is
# the best-fitting one, not a settled fact.
#
# The adversarial cells of Table 2 agree ({glue:text}`t2_adv_chosen` against
# {glue:text}`t2_adv_other` points). Those of Table 4 lean the other way
# ({glue:text}`t4_adv_other` against {glue:text}`t4_adv_chosen`): our networks' examples transfer
# a little more than the paper's (see below), and subtracting the clean errors happens to
# compensate. The amplified rows are {glue:text}`amp_reading_span` points off under every reading:
# their difference from the paper is not a matter of definitions. All tables below use the
# best-fitting reading: the column model's error rate on the distorted images, its own mistakes
# included, with the noise not clipped (chapter 3 reaches the same reading from the paper's
# Fig. 7).
#
# **Out of sample.** The reading above was chosen on the noise cells of both tables together.
# To test the choice on cells it was not made on, we choose it on one table's noise cells alone
# and measure how well it fits the other table's, both ways round.

# %%
def reading_name(key) -> str:
    count, clip = key
    return f"{NAMES[count]}, {'clipped' if clip else 'not clipped'}"


checks = transfer.validate_reading(noise_gaps)
identified = transfer.reading_identified(checks)
validation = pd.DataFrame([{
    "chosen on": c.chosen_on, "reading chosen": reading_name(c.reading),
    "mean |ours − paper| there": tables.points(c.fitted_gap), "tested on": c.tested_on,
    "mean |ours − paper| of that reading there": tables.points(c.held_out_gap),
    "best reading there": reading_name(c.best_on_held_out),
    "its mean |ours − paper|": tables.points(c.best_held_out_gap)} for c in checks])
print("each table's noise cells alone choose the same reading:", identified)
tables.formatted(validation.set_index("chosen on"), "{}")

# %% tags=["remove-input"]
second4 = sorted(v["Table 4 noise"].mean() for v in noise_gaps.values())[1]
if identified:
    held_out_text = (
        f"Both choices pick the same reading, {reading_name(checks[0].reading)}, the one chosen on "
        f"both tables together. Chosen on Table 2's noise cells, it fits Table 4's held-out noise "
        f"cells to {tables.points(checks[0].held_out_gap)} points on average; chosen on Table 4's, "
        f"it fits Table 2's to {tables.points(checks[1].held_out_gap)} points. So the reading is "
        "confirmed by cells it was not chosen on. The confirmation is weak on one side: on Table "
        f"4's noise cells the next-best reading is only {tables.points(second4)} points off "
        "(all these cells sit near the networks' clean test errors), so it is Table 2's noise "
        "cells that separate the readings.")
else:
    held_out_text = (
        "The two tables' noise cells choose different readings ("
        + "; ".join(f"{c.chosen_on}: {reading_name(c.reading)}" for c in checks)
        + "), so these cells do not identify the reading: the tables below rest on a reading "
        "chosen on both tables together, which no held-out cell confirms.")
_ = prose.glue("held_out_text", held_out_text)

# %% [markdown]
# {glue:text}`held_out_text`
#
# ## Table 2: cross-model generalisation

# %%
M2 = matrices2[(COUNT, CLIP)]
table2 = M2.frame(ci=True)
dist2 = {r: transfer.mean_distortion(s)[0] for r, s in {**adv_train, **noise2[CLIP]}.items()}
table2["Av. distortion (ours)"] = [tables.sig(dist2[r]) if r in dist2 else "0"
                                   for r in table2.index]
table2["Av. distortion (paper)"] = [f"{paper.TABLE2_DISTORTION[r]:g}"
                                    if r in paper.TABLE2_DISTORTION else "—" for r in table2.index]
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
ours2 = M2.rates_frame()
lo2, hi2 = M2.ci_frames()
short2 = {r: r.replace("Gaussian noise, stddev=", "noise stddev=") for r in paper2.index}
fig = plots.transfer.rate_heatmaps(
    ours2.rename(index=short2), paper2.rename(index=short2),
    "Table 2: error % of the column model on examples made for the row model")

# %% [markdown]
# **Figure 1a.** Table 2 as heatmaps: our error rates (left) and the paper's (right), one cell per
# row of examples (adversarial for the row model, or Gaussian noise) and column model fed with
# them, on one colour scale (square-root, so that the small off-diagonal rates stay
# distinguishable next to the 100% diagonal). Each cell is labelled with its rate in %.

# %% mystnb={"image": {"alt": "A heatmap of our Table 2 minus the paper's, in percentage points, red where our error rate is higher and blue where it is lower, with framed cells where the paper's value lies outside our 95% interval. Most cells differ by at most 10 points; the AE400-10 row is red, by up to 24 points, and most off-diagonal cells are framed."}}
fig = plots.transfer.difference_heatmap(
    *(f.rename(index=short2) for f in (ours2, paper2, lo2, hi2)),
    "Table 2: ours − paper, in percentage points")

# %% [markdown]
# **Figure 1b.** Our Table 2 minus the paper's, in percentage points (red: transfer stronger in
# ours, blue: weaker; the same scale as Figure 2b). A framed cell is one where the paper's value
# lies outside our 95% Wilson interval.
#
# **Cells and pattern.** A table is judged by its cells and by its pattern, never by the mean of
# its cells, in which large gaps of opposite sign cancel ({doc}`91_how_judged`): Spearman's rank
# correlation between our 30 off-diagonal cells and the paper's, the cells within the tolerance
# of a fooling rate, the mean absolute difference and the largest gap, for the whole table and
# for each row of examples.

# %%
cells2 = transfer.paired_cells(ours2, paper2, adv_rows, off6)
judged2 = verdicts.judge_table(cells2["ours"], cells2["paper"], "fooling rate")
worst2 = cells2.loc[cells2["gap"].abs().idxmax()]


print(f"Table 2, {len(cells2)} off-diagonal cells: {judged2.verdict} ({judged2.distance})")
print(f"largest gap: {worst2['row']} → {worst2['col']}, {worst2['ours']:.2f}% against the "
      f"paper's {worst2['paper']:g}% ({worst2['gap']:+.1f} points)")
transfer.pattern_by_row(cells2)

# %% tags=["remove-input"]
# The numbers of the discussion below, from the tables above.
def cell_gap(row: str, col: str) -> float:
    return float(ours2.loc[row, col] - paper2.loc[row, col])


def signed(values) -> str:
    """"+16, +15 and +5": rounded signed gaps, in the order given."""
    text = [f"{v:+.0f}" for v in values]
    return ", ".join(text[:-1]) + f" and {text[-1]}" if len(text) > 1 else text[0]


col_o = {c: float(np.mean([ours2.loc[r, c] for r in adv_rows if r != c])) for c in TABLE2_MODELS}
col_p = {c: float(np.mean([paper2.loc[r, c] for r in adv_rows if r != c])) for c in TABLE2_MODELS}
most_p, most_o = min(col_p, key=col_p.get), min(col_o, key=col_o.get)
strong_rows = [m for m in softmax2 if zoo.ZOO[m].weight_decay[0] >= 1e-2]  # FC10(1e-2), FC10(1)
ae = "AE400-10"
fc10_weak, fc10_strong = softmax2[0], softmax2[-1]
sig_a, sig_b = sigmoid2
increments = {r: ours2.loc[r, TABLE2_MODELS] - ours2.loc["no distortion", TABLE2_MODELS]
              for r in noise_rows2}
adv_smaller = {r: sum(dist2[m] < dist2[r] for m in TABLE2_MODELS) for r in noise_rows2}
half2 = ((hi2 - lo2) / 2).loc[adv_rows, TABLE2_MODELS].to_numpy()[off6]
outside2 = ((paper2.loc[adv_rows] < lo2.loc[adv_rows, TABLE2_MODELS])
            | (paper2.loc[adv_rows] > hi2.loc[adv_rows, TABLE2_MODELS])).to_numpy()[off6]
ae_distortion = dist2[ae] / paper.TABLE2_DISTORTION[ae] - 1
strong_softmax = [ours2.loc[r, c] for r in strong_rows for c in softmax2 if r != c]
noise_sentences = []
for r in noise_rows2:
    inc = increments[r]
    sd = r.split("=")[1]
    than = ("every model's adversarial perturbations" if adv_smaller[r] == len(TABLE2_MODELS)
            else f"the adversarial perturbations of {adv_smaller[r]} of the {len(TABLE2_MODELS)} "
            "models")
    text = (f"noise of σ = {sd} (RMS {tables.sig(dist2[r])}, larger than {than}) raises the "
            f"models' clean training errors by {span(inc, '{:.1f}').replace('–', ' to ')} points")
    if inc.max() >= 1:
        text += f" (most for {inc.idxmax()})"
    noise_sentences.append(text)
prose.glue_all({
    "t2_rho": f"{judged2.detail['rho']:.2f}",
    "t2_within": f"{judged2.detail['within']} of {judged2.detail['cells']}",
    "t2_mean_gap": tables.points(judged2.detail["mean_abs_gap"]),
    "t2_largest": f"{worst2['gap']:+.1f}",
    "t2_largest_cell": f"{worst2['row']} → {worst2['col']}: {worst2['ours']:.2f}% against "
                       f"{worst2['paper']:g}%",
    "t2_verdict": judged2.verdict,
    "t2_margin": (f"ρ = {judged2.detail['rho']:.2f} against the {verdicts.TABLE_RHO:g} the rule "
                  f"asks, {judged2.detail['within']} cells within tolerance against the "
                  f"{int(np.ceil(verdicts.TABLE_SHARE * len(cells2) - 1e-9))} it asks"),
    "strong_into_softmax": f"{max(strong_softmax):.0f}",
    "strong_into_sigmoid": span([ours2.loc[r, c] for r in strong_rows for c in sigmoid2], "{:.0f}"),
    "resilient_ours": tables.points(col_o[most_o]), "resilient_paper": tables.points(col_p[most_p]),
    "resilient_name": most_o,
    "noise_sentence": "; ".join(noise_sentences),
    "adv_median": f"{float(np.median(cells2['ours'])):.0f}",
    "ae_row_gaps": signed([cell_gap(ae, c) for c in TABLE2_MODELS if c != ae]),
    "ae_train_error": tables.sig(float(tables.final_error(trained[ae], "train")), 2),
    "ae_larger": f"{100 * ae_distortion:.0f}%",
    "ae_distortion": tables.sig(dist2[ae], 2),
    "fc10_into_sigmoid": signed([cell_gap(fc10_weak, c) for c in sigmoid2]),
    "sigmoid_pair": signed([cell_gap(sig_a, sig_b), cell_gap(sig_b, sig_a)]),
    "fc10_strong_row": span([-cell_gap(fc10_strong, c) for c in TABLE2_MODELS if c != fc10_strong],
                            "{:.0f}").replace("–", " to "),
    "fc10_strong_train": tables.sig(float(tables.final_error(trained[fc10_strong], "train")), 2),
    "fc10_strong_distortion": tables.sig(dist2[fc10_strong]),
    "t2_halfwidth": f"±{half2.max():.1f}",
    "t2_outside": f"{int(outside2.sum())} of {len(outside2)}",
})

# %% [markdown]
# **Cells and pattern of Table 2.** Every attack succeeded, so the diagonal is 100%. Off the diagonal our 30 cells rank like the paper's (Spearman's
# ρ = {glue:text}`t2_rho`), {glue:text}`t2_within` lie within the tolerance of a fooling rate, and
# they differ from the paper's by {glue:text}`t2_mean_gap` points on average; the largest gap is
# {glue:text}`t2_largest` points ({glue:text}`t2_largest_cell`). By the book's table rule that is
# *{glue:text}`t2_verdict`* ({glue:text}`t2_margin`; the results page prints the distances). The
# pattern is the same:
# examples made for the strongly regularised softmax models (rows `FC10(1e-2)` and `FC10(1)`)
# transfer most, up to {glue:text}`strong_into_softmax`% to the other softmax models and
# {glue:text}`strong_into_sigmoid`% to the sigmoid networks; those made for `FC10(1e-4)` and for
# the sigmoid networks transfer least; and {glue:text}`resilient_name` is the most resilient
# column in both tables ({glue:text}`resilient_ours`% on average against the paper's
# {glue:text}`resilient_paper`%), resilient "but not fully immune". The noise rows stay far below
# the adversarial ones: {glue:text}`noise_sentence`, where the adversarial examples fool the other
# models on {glue:text}`adv_median`% of the images (median cell).
#
# **Where transfer is stronger in ours** (red):
#
# * the `AE400-10` row, by {glue:text}`ae_row_gaps` points. Our autoencoder is weaker than the
#   paper's (chapter 0: {glue:text}`ae_train_error`% training error against 0.57%), and its
#   examples are {glue:text}`ae_larger` larger ({glue:text}`ae_distortion` against 0.086). Its
#   perturbations are smooth blobs made of its own features (chapter 3, Fig. 2): coarse changes to
#   the shape of the digit, which any model reads;
# * `FC10(1e-4)` into the sigmoid networks ({glue:text}`fc10_into_sigmoid`), and the two sigmoid
#   networks into each other ({glue:text}`sigmoid_pair`). Our two sigmoid networks were trained
#   with the same optimiser, schedule and decay, and differ only in width and initial weights.
#   Models trained the same way plausibly learn similar functions, and adversarial examples
#   transfer more between similar models; with one training seed per model this chapter cannot
#   separate that from the variation between training runs. The paper's training settings are
#   not known.
#
# **Where it is weaker** (blue): the `FC10(1)` row, by {glue:text}`fc10_strong_row` points, and
# `FC10(1e-2)` into `FC10(1)`. Our reading of the paper's weight decay is weaker than its own at
# large λ (chapter 0: {glue:text}`fc10_strong_train`% training error for `FC10(1)` against the
# paper's 21.2%), so our `FC10(1)` needs smaller perturbations ({glue:text}`fc10_strong_distortion`
# against 0.14), and smaller perturbations transfer less.
#
# **Sampling error is not the explanation.** With `N_IMAGES` images every cell is known to
# {glue:text}`t2_halfwidth` points or better, and the paper's value lies outside our interval in
# {glue:text}`t2_outside` off-diagonal cells (framed). The differences are differences between our
# models and the paper's. Neither table shows the largest uncertainty: one trained model per row.
# A second training run with another seed would move the cells too, and the paper gives one run
# as well.

# %% tags=["hide-input"]
diagonal_ok = all(M2.cell(m, m)[0] == M2.cell(m, m)[1] for m in TABLE2_MODELS)
print("diagonal: 100% error for every model:", diagonal_ok)
hits2 = transfer.transfer_matrix(adv_train, columns2, count=COUNT, outcome="target")
M2_adv = transfer.transfer_matrix(adv_train, columns2, count=COUNT)
target_share = pd.DataFrame(
    [["—" if i == j or M2_adv.errors[i, j] == 0
      else tables.percent(int(hits2.errors[i, j]), int(M2_adv.errors[i, j]))
      for j in range(len(TABLE2_MODELS))] for i in range(len(TABLE2_MODELS))],
    index=pd.Index(TABLE2_MODELS, name="examples made for"),
    columns=pd.Index(TABLE2_MODELS, name="fed to →"))
share = (100 * hits2.errors.double() / M2_adv.errors.double().clamp_min(1)).numpy()
share_of = {(r, c): share[i, j] for i, r in enumerate(TABLE2_MODELS)
            for j, c in enumerate(TABLE2_MODELS) if i != j}
chance = 100 / 9  # one of the nine wrong classes
sigmoid_share = [v for (r, _), v in share_of.items() if r in sigmoid2]
decay = {m: zoo.ZOO[m].weight_decay[0] for m in softmax2}
into_weaker = [share_of[r, c] for r in strong_rows for c in softmax2 if decay[c] < decay[r]]
prose.glue_all({
    "softmax_target": span(into_weaker, "{:.0f}"),
    "into_fc10_strong": f"{share_of[strong_rows[0], fc10_strong]:.0f}",
    "sigmoid_target": span(sigmoid_share, "{:.0f}"),
    "sigmoid_chance": span([v / chance for v in sigmoid_share], "{:.1f}").replace("–", " to "),
    "ae_target": span([v for (r, _), v in share_of.items() if r == ae], "{:.0f}"),
})
target_share

# %% [markdown]
# **Where do transferred examples land?** Of the images a column model misclassifies, the share
# (%) it puts in the *target* class of the row model's attack (off-diagonal cells). If the errors
# fell on a wrong class at random, about 1 in 9 (11%) would be the target.
#
# **Much of the transfer is *targeted*.** When a softmax model's examples fool another softmax
# model, the error lands on the attack's target class {glue:text}`softmax_target`% of the time
# (rows `FC10(1e-2)` and `FC10(1)`, into the less regularised softmax models; into `FC10(1)`, only
# {glue:text}`into_fc10_strong`%). For a linear model the
# perturbation is a difference of two class templates, and the other linear models have similar
# templates. The sigmoid networks' transferred examples hit the target
# {glue:text}`sigmoid_target`% of the time, {glue:text}`sigmoid_chance` times chance, and
# `AE400-10`'s {glue:text}`ae_target`%. So the other models are often fooled in the same
# direction, not just somewhere wrong. The paper reports error rates only; later work turned
# targeted transfer into attacks on models whose weights the attacker never sees
# {cite}`papernot2016transferability`.
#
# **Does the choice of target matter?** The paper does not say which wrong label its MNIST
# examples were pushed to. Chapter 3 chose a *random* wrong label because it reproduces the
# paper's distortions; the *runner-up* label (the model's own second choice, nearly always the
# closest class) gives {glue:text}`runner_up_factor` times them (here, on the first `N_COMPARE`
# training images). Here are both rules on those images, fed to the same models.

# %%
def first(s: dict, n: int) -> dict:
    """The first ``n`` images of a set (every per-image tensor cut to ``n``)."""
    return {k: v[:n] for k, v in s.items()}


rule_sets = {"random": {m: first(adv_train[m], N_COMPARE) for m in TABLE2_MODELS},
             "runner-up": {m: transfer.with_originals(adversarial.adversarial_set(
                 m, "train", N_COMPARE, "runner-up", device=device, mnist=mnist), x_train)
                 for m in TABLE2_MODELS}}
rule_matrices = {rule: transfer.transfer_matrix(s, columns2, count=COUNT)
                 for rule, s in rule_sets.items()}
rule_cells = {rule: transfer.paired_cells(m.rates_frame(), paper2, adv_rows, off6)
              for rule, m in rule_matrices.items()}
rule_distortion = {rule: {m: transfer.mean_distortion(s)[0] for m, s in sets.items()}
                   for rule, sets in rule_sets.items()}
rows = []
for rule, c in rule_cells.items():
    t = verdicts.table_pattern(c["ours"], c["paper"], "fooling rate")
    rows.append({"target rule": rule,
                 "av. distortion (mean over the 6 models)":
                     tables.sig(float(np.mean(list(rule_distortion[rule].values())))),
                 "mean error %, 30 off-diagonal cells": tables.points(float(c["ours"].mean())),
                 "mean |ours − paper|": tables.points(t.mean_abs_gap),
                 "Spearman ρ with the paper": f"{t.rho:.2f}",
                 "cells within tolerance": f"{t.within} of {t.cells}"})
rows.append({"target rule": "paper",
             "av. distortion (mean over the 6 models)": tables.sig(float(np.mean(
                 [paper.TABLE2_DISTORTION[m] for m in TABLE2_MODELS]))),
             "mean error %, 30 off-diagonal cells": tables.points(float(cells2["paper"].mean())),
             "mean |ours − paper|": "—", "Spearman ρ with the paper": "—",
             "cells within tolerance": "—"})
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
# **Why the same examples count differently here and in Table 2.** Table 2 rests on all
# `N_IMAGES` images; the random-target row above on the first `N_COMPARE` of them, whose cells
# are known only to {glue:text}`first_halfwidth` points. Cells near the edge of the tolerance
# cross it with the images drawn. The cells that do:

# %% tags=["hide-input"]
within = {}
for name, c in (("all images", cells2), ("first N_COMPARE", rule_cells["random"])):
    tol = np.array([verdicts.RULES["fooling rate"].tolerance(p) for p in c["paper"]])
    within[name] = c.assign(inside=transfer.cells_within(c), tol=tol)
both = within["all images"].merge(within["first N_COMPARE"], on=["row", "col", "paper", "tol"],
                                  suffixes=(" (all)", " (first)"))
moved = both[both["inside (all)"] != both["inside (first)"]]
# The results page of the book's first edition counted cells within 5 points instead: a count
# shown here only to explain its "15 of 30" beside this table's "14 of 30" of that edition.
five = {k: int((c["gap"].abs() <= 5).sum()) for k, c in within.items()}
five_moved = both[(both["gap (all)"].abs() <= 5) != (both["gap (first)"].abs() <= 5)]
moved_table = pd.DataFrame({
    "examples made for": moved["row"], "fed to": moved["col"],
    "paper": moved["paper"].map("{:g}".format),
    "tolerance (points)": moved["tol"].map("±{:.1f}".format),
    f"ours, all {N_IMAGES:,}": moved["ours (all)"].map("{:.2f}".format),
    f"ours, first {N_COMPARE:,}": moved["ours (first)"].map("{:.2f}".format)}).set_index(
    ["examples made for", "fed to"])
five_text = "; ".join(f"{r['row']} → {r['col']}: {r['ours (all)']:.2f}% on all images, "
                      f"{r['ours (first)']:.2f}% on the first {N_COMPARE:,}, against the "
                      f"paper's {r['paper']:g}%" for _, r in five_moved.iterrows())
c_first = rule_cells["random"]
lo_first, hi_first = rule_matrices["random"].ci_frames()
half_first = ((hi_first - lo_first) / 2).loc[adv_rows, TABLE2_MODELS].to_numpy()[off6]
prose.glue_all({
    "first_halfwidth": f"±{half_first.min():.1f} to ±{half_first.max():.1f}",
    "within_all": f"{int(within['all images']['inside'].sum())}",
    "within_first": f"{int(within['first N_COMPARE']['inside'].sum())}",
    "n_moved": f"{len(moved)}",
    "moved_up": f"{int((moved['ours (first)'] > moved['ours (all)']).sum())}",
    "five_all": f"{five['all images']}", "five_first": f"{five['first N_COMPARE']}",
    "five_text": five_text or "none",
    "runner_up_factor": span([rule_distortion["runner-up"][m] / paper.TABLE2_DISTORTION[m]
                              for m in TABLE2_MODELS], "{:.1f}").replace("–", " to "),
    "rule_means": f"{tables.points(float(c_first['ours'].mean()))}% against "
                  f"{tables.points(float(rule_cells['runner-up']['ours'].mean()))}%",
    "rule_diff": f"{float(c_first['ours'].mean() - rule_cells['runner-up']['ours'].mean()):.0f}",
    "rule_distortions": " against ".join(
        tables.sig(float(np.mean(list(rule_distortion[k].values()))), 2)
        for k in ("runner-up", "random")),
    "rule_example": (f"{rule_matrices['runner-up'].rates_frame().loc[strong_rows[0], sig_a]:.0f}% "
                     f"against "
                     f"{rule_matrices['random'].rates_frame().loc[strong_rows[0], sig_a]:.0f}%"),
    "rule_gaps": f"{tables.points(float(c_first['gap'].abs().mean()))} points mean difference "
                 f"against {tables.points(float(rule_cells['runner-up']['gap'].abs().mean()))}",
})
moved_table

# %% [markdown]
# Of the 30 cells, {glue:text}`within_all` lie within tolerance on all `N_IMAGES` images and
# {glue:text}`within_first` on the first `N_COMPARE`: {glue:text}`n_moved` cells change side,
# {glue:text}`moved_up` of them because they lie higher on the first images (which enter every
# cell at once). This is also why an earlier version of this book printed "15 of 30" on its results page and
# "14 of 30" in this table: it counted cells within 5 points, {glue:text}`five_all` on all images
# and {glue:text}`five_first` on the first `N_COMPARE`, and one cell crossed 5 points
# ({glue:text}`five_text`). Neither count is wrong; they count different samples of images, and
# the verdict rests on all of them.
#
# **Random targets transfer more than runner-up targets,** {glue:text}`rule_means` on average.
# The runner-up class is the closest one, so its perturbations are smaller
# ({glue:text}`rule_distortions` RMS on average), and they transfer less, most of all from the
# softmax models into the sigmoid networks (`FC10(1e-2)` into `FC100-100-10`:
# {glue:text}`rule_example` with random targets; the paper has 35.9%). The random rule is closer
# to the paper overall ({glue:text}`rule_gaps`), with the paper's mean transfer between the two;
# the runner-up rule is closer in some cells (`FC10(1e-4)` into the sigmoid networks, the
# `AE400-10` row). This supports chapter 3's choice of targets that are not the closest classes,
# and shows that part of the transfer the paper reports comes from the size of the perturbation
# that a far-away target requires.
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
        row[f"{subset} error % (ours)"] = tables.final_error(t, subset)
    mean, lo, hi = transfer.mean_distortion(adv_test[m])
    row["min av. distortion (paper)"] = f"{p['distortion']:g}"
    row["min av. distortion (ours)"] = tables.sig(mean)
    row["95% CI"] = f"[{tables.sig(lo)}, {tables.sig(hi)}]"
    row["attacks succeeded %"] = tables.percent(int(adv_test[m]["success"].sum()), N_TEST)
    rows.append(row)
table3 = pd.DataFrame(rows).set_index("model")
tables.formatted(table3, "{}")

# %% tags=["remove-input"]
own_half = {m: zoo.ZOO[m].train_set for m in TABLE3_MODELS}
own_errors = sorted({trained[m].history[f"errors_{own_half[m]}"][-1] for m in TABLE3_MODELS})
error_gaps = [float(tables.final_error(trained[m], s)) - paper.TABLE3[m][s]
              for m in TABLE3_MODELS for s in ("P1", "P2", "test") if s != own_half[m]]
test_gaps = [float(tables.final_error(trained[m], "test")) - paper.TABLE3[m]["test"]
             for m in TABLE3_MODELS]
dist3 = {m: transfer.mean_distortion(adv_test[m]) for m in TABLE3_MODELS}
t3_offsets = [abs(dist3[m][0] / paper.TABLE3[m]["distortion"] - 1) for m in TABLE3_MODELS]
prose.glue_all({
    "own_half_errors": " or ".join(f"{e:,}" for e in own_errors),
    "half_size": f"{trained[TABLE3_MODELS[0]].history['sizes'][own_half[TABLE3_MODELS[0]]]:,}",
    "p_gap_range": span(error_gaps, "{:.2f}"),
    "test_gap_range": span(test_gaps, "{:.2f}"),
    "t3_distortions": ", ".join(tables.sig(dist3[m][0]) for m in TABLE3_MODELS[:-1])
    + f" and {tables.sig(dist3[TABLE3_MODELS[-1]][0])}",
    "t3_within": f"{100 * max(t3_offsets):.0f}%",
    "t3_succeeded": "every attack succeeded" if all(bool(adv_test[m]["success"].all())
                                                    for m in TABLE3_MODELS)
    else "some attacks failed (see the table)",
})

# %% [markdown]
# The three networks fit their own half ({glue:text}`own_half_errors` errors out of
# {glue:text}`half_size`) and, as chapter 0 found, are {glue:text}`p_gap_range` points worse than
# the paper's on the other half and on the test set. **The minimal distortions on the test set
# reproduce the paper's**: {glue:text}`t3_distortions` against 0.062, 0.059 and 0.058, all within
# {glue:text}`t3_within`, in the same narrow band, so the cross-training-set comparison below
# starts from perturbations of the paper's size. These are the **out-of-sample check of chapter
# 3's random-target rule**: chapter 3 chose random targets because they reproduce the paper's
# Table 1 distortions (training images, the Table 1 models), so those rows are fitted; these are
# other networks, on the test set, and the rule was not chosen on them. This is the paper's full
# scale, all 10,000 test images, and {glue:text}`t3_succeeded`; the three attacks take about two
# minutes on one CPU thread (measured while writing this chapter; the notebook prints no timings).
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
# perturbation of L2 norm 0.1, that is an RMS of $0.1/\sqrt{784} = 0.1/28 \approx 0.0036$, about
# {glue:text}`literal_factor` times *smaller* than the examples' own RMS. That cannot be what was
# meant: the row labels and the text speak of magnifying the distortion to a standard deviation
# of 0.1. We therefore rescale each perturbation to an RMS of exactly 0.1 before any clipping
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
table4["Av. distortion (ours)"] = [tables.sig(transfer.mean_distortion(s)[0])
                                   if r != "no distortion" else "0"
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
              .replace(f" amplified to stddev={AMPLIFY_TO:g}", " ×amp")
              .replace("Gaussian noise with ", "noise ") for r in paper4.index}
ours4 = in_paper_order4(M4.rates_frame())
lo4, hi4 = (in_paper_order4(f) for f in M4.ci_frames())
fig = plots.transfer.rate_heatmaps(ours4.rename(index=short_rows), paper4.rename(index=short_rows),
                                   "Table 4: error % of the column network")

# %% [markdown]
# **Figure 2a.** Table 4 as heatmaps, as in Figure 1a: our error rates (left) and the paper's
# (right) on one colour scale; columns are the three networks, rows the examples fed to them.
# "×amp": the adversarial examples amplified to RMS 0.1.

# %% mystnb={"image": {"alt": "A heatmap of our Table 4 minus the paper's, in percentage points, red where our error rate is higher and blue where it is lower, framed where the paper's value lies outside our 95% interval. The adversarial and noise rows differ by a few points, except FC123-456-10 into FC100-100-10 (16 points higher); the amplified rows differ by up to 39 points, most of all across the halves P1 and P2."}}
fig = plots.transfer.difference_heatmap(
    *(f.rename(index=short_rows) for f in (ours4, paper4, lo4, hi4)),
    "Table 4: ours − paper, in percentage points")

# %% [markdown]
# **Figure 2b.** Our Table 4 minus the paper's, in percentage points, as in Figure 1b (framed where
# the paper's value lies outside our 95% interval).
#
# **Cells, pattern and the paper's ratio.** As for Table 2: the six off-diagonal adversarial cells
# and the six off-diagonal amplified cells, each judged by their pattern and cells. The paper's
# claim that effectiveness "decreases considerably" on a disjoint training set is a ratio: the
# mean error between the two networks trained on the same half P1, over the mean error across the
# halves. Its interval is a bootstrap over the test images (`N_BOOTSTRAP` resamples, the same
# images drawn for every cell, so the cells' correlation is kept); it covers the choice of images,
# not the training of the networks.

# %%
half = {m: zoo.ZOO[m].train_set for m in TABLE3_MODELS}
same_pairs = [(a, b) for a in TABLE3_MODELS for b in TABLE3_MODELS if a != b and half[a] == half[b]]
cross_pairs = [(a, b) for a in TABLE3_MODELS for b in TABLE3_MODELS if half[a] != half[b]]
at = {(a, b): (M4.rows.index(adv_label[a]), M4.cols.index(b)) for a, b in same_pairs + cross_pairs}


def half_ratio(rates: np.ndarray) -> np.ndarray:
    """Mean error of the same-half cells over that of the cross-half cells, per leading index."""
    same = np.mean([rates[..., i, j] for i, j in (at[p] for p in same_pairs)], axis=0)
    cross = np.mean([rates[..., i, j] for i, j in (at[p] for p in cross_pairs)], axis=0)
    return same / cross


def paper_cell(a: str, b: str) -> float:
    return float(paper4.loc[paper_adv_label[a], b])


ratio, ratio_lo, ratio_hi = M4.bootstrap(half_ratio, n_bootstrap=N_BOOTSTRAP, seed=SEED)
paper_same = float(np.mean([paper_cell(a, b) for a, b in same_pairs]))
paper_cross = float(np.mean([paper_cell(a, b) for a, b in cross_pairs]))
ours_same = float(np.mean([ours4.loc[paper_adv_label[a], b] for a, b in same_pairs]))
ours_cross = float(np.mean([ours4.loc[paper_adv_label[a], b] for a, b in cross_pairs]))
paper_ratio = paper_same / paper_cross
cells4 = transfer.paired_cells(ours4, paper4, adv_rows4, off3)
amp4 = transfer.paired_cells(ours4, paper4, amp_rows4, off3)
noise4 = transfer.paired_cells(ours4, paper4, noise_rows4)
judged = {
    "adversarial": verdicts.judge_table(cells4["ours"], cells4["paper"], "fooling rate"),
    "amplified": verdicts.judge_table(amp4["ours"], amp4["paper"], "fooling rate"),
    "same half": verdicts.judge("fooling rate", ours_same, paper_same),
    "disjoint halves": verdicts.judge("fooling rate", ours_cross, paper_cross),
    "ratio": verdicts.judge("ratio", ratio, paper_ratio, interval=(ratio_lo, ratio_hi)),
}
for name, j in judged.items():
    print(f"Table 4, {name}: {j.verdict} ({j.distance})")
print(f"same half ÷ disjoint halves: ours ×{ratio:.2f}, 95% bootstrap interval over the test "
      f"images [{ratio_lo:.2f}, {ratio_hi:.2f}]; the paper's ×{paper_ratio:.2f}")
transfer.pattern_by_row(pd.concat([cells4, amp4]))

# %% tags=["remove-input"]
def pair_text(a: str, b: str) -> str:
    return f"{ours4.loc[paper_adv_label[a], b]:.1f}% against {paper_cell(a, b):g}%"


amp_cells = {(a, b): (float(ours4.loc[paper_amp_label[a], b]),
                      float(paper4.loc[paper_amp_label[a], b]))
             for a, b in same_pairs + cross_pairs}


def compared_to_paper(pairs) -> str:
    ours, ref = zip(*(amp_cells[p] for p in pairs))
    if all(o < r for o, r in zip(ours, ref)):
        return "lower than"
    return "higher than" if all(o > r for o, r in zip(ours, ref)) else "mixed against"


amp_o = [o for o, _ in amp_cells.values()]
amp_p = [r for _, r in amp_cells.values()]
uniform = "more uniform" if max(amp_o) - min(amp_o) < max(amp_p) - min(amp_p) else "less uniform"
noise_first = ours4.loc[noise_rows4[0]]
clean_test = ours4.loc["no distortion"]
forward, reverse = same_pairs  # P1 → P1 in both directions
amp_diagonal = [ours4.loc[paper_amp_label[m], m] for m in TABLE3_MODELS]
prose.glue_all({
    "same_half_range": span([ours4.loc[paper_adv_label[a], b] for a, b in same_pairs]),
    "cross_half_range": span([ours4.loc[paper_adv_label[a], b] for a, b in cross_pairs]),
    "ratio_ours": f"{ratio:.1f}", "ratio_paper": f"{paper_ratio:.1f}",
    "ratio_interval": f"{ratio_lo:.2f}–{ratio_hi:.2f}",
    "ratio_verdict": judged["ratio"].verdict,
    "t4_headline": {"reproduced": "The paper's conclusion holds",
                    "partly": "The paper's conclusion holds in part"}.get(
        judged["ratio"].verdict, f"The paper's conclusion is {judged['ratio'].verdict} here"),
    "t4_rho": f"{judged['adversarial'].detail['rho']:.2f}",
    "t4_within": "{within} of {cells}".format(**judged["adversarial"].detail),
    "t4_verdict": judged["adversarial"].verdict,
    "same_half_verdict": judged["same half"].verdict,
    "cross_half_verdict": judged["disjoint halves"].verdict,
    "ours_same": tables.points(ours_same), "paper_same": tables.points(paper_same),
    "ours_cross": tables.points(ours_cross), "paper_cross": tables.points(paper_cross),
    "noise_first_range": span(noise_first),
    "noise_first_gap": f"{float((noise_first - clean_test).abs().max()):.1f}",
    "p1_forward": pair_text(*forward), "p1_reverse": pair_text(*reverse),
    "cross_excess": span([ours4.loc[paper_adv_label[a], b] - paper_cell(a, b)
                          for a, b in cross_pairs], "{:.0f}").replace("–", " to "),
    "clean_test_range": span(clean_test),
    "amp_uniform": uniform,
    "amp_same": span([amp_cells[p][0] for p in same_pairs], "{:.0f}"),
    "amp_same_paper": span([amp_cells[p][1] for p in same_pairs], "{:.0f}"),
    "amp_same_cmp": compared_to_paper(same_pairs),
    "amp_cross": span([amp_cells[p][0] for p in cross_pairs], "{:.0f}"),
    "amp_cross_paper": span([amp_cells[p][1] for p in cross_pairs], "{:.0f}"),
    "amp_cross_cmp": compared_to_paper(cross_pairs),
    "amp_rho": f"{judged['amplified'].detail['rho']:.2f}",
    "amp_within": "{within} of {cells}".format(**judged["amplified"].detail),
    "amp_verdict": judged["amplified"].verdict,
    "amp_diagonal": span(amp_diagonal, "{:.0f}"),
})

# %% [markdown]
# **{glue:text}`t4_headline`: adversarial examples transfer to a network trained on a disjoint
# training set, "although their effectiveness decreases considerably".** Between the two
# networks trained on the same half P1, our examples fool the other network
# {glue:text}`same_half_range`% of the time; across the halves P1 and P2,
# {glue:text}`cross_half_range`%. The ratio of the two averages is {glue:text}`ratio_ours` in ours
# (95% bootstrap interval over the test images {glue:text}`ratio_interval`) and
# {glue:text}`ratio_paper` in the paper: *{glue:text}`ratio_verdict`*. Noise of the same RMS (0.06)
# leaves each network within {glue:text}`noise_first_gap` points of its clean test error
# ({glue:text}`noise_first_range`%; last row). The same-half pair differs in architecture as well
# as in weights (the paper's design), so the ratio mixes the effect of the training set with that
# of the architecture; separating them needs a same-architecture network of another seed on P1.
#
# **The cells themselves are not reproduced as closely.** The six off-diagonal cells rank like the
# paper's only in part (ρ = {glue:text}`t4_rho`, {glue:text}`t4_within` within tolerance:
# *{glue:text}`t4_verdict`*), and both averages are higher than the paper's: same half
# {glue:text}`ours_same`% against {glue:text}`paper_same`% (*{glue:text}`same_half_verdict`*),
# disjoint halves {glue:text}`ours_cross`% against {glue:text}`paper_cross`%
# (*{glue:text}`cross_half_verdict`*). In detail:
#
# * `FC100-100-10` → `FC123-456-10` reproduces ({glue:text}`p1_forward`), but the reverse
#   direction does not: {glue:text}`p1_reverse`. The paper's strong asymmetry is not in ours.
# * Across the halves our rates are {glue:text}`cross_excess` points higher than the paper's.
#   About {glue:text}`test_gap_range` points of that is our networks' higher clean test error (the
#   "no distortion" row: {glue:text}`clean_test_range`% against 2.0-2.1%). The rest, as in Table
#   2, is plausibly that our three networks were trained with one recipe (`FC100-100-10'` differs
#   from `FC100-100-10` only in its half and its seed), so they are more alike than the paper's;
#   one seed per network cannot tell that from training noise.
# * After amplification to RMS 0.1, our rates are {glue:text}`amp_uniform` than the paper's:
#   {glue:text}`amp_same`% between the two P1 networks, {glue:text}`amp_same_cmp` the paper's
#   {glue:text}`amp_same_paper`%, and {glue:text}`amp_cross`% across the halves,
#   {glue:text}`amp_cross_cmp` the paper's {glue:text}`amp_cross_paper`%. The ranks agree
#   (ρ = {glue:text}`amp_rho`), the cells mostly do not ({glue:text}`amp_within` within tolerance:
#   *{glue:text}`amp_verdict`*). The paper's amplified rows keep the asymmetries of its unamplified
#   ones; ours do not. Our diagonal is {glue:text}`amp_diagonal`% rather than 100%, because exact
#   rescaling shrinks a few perturbations (next section).
#
# ## Amplification, and the paper's "40%"

# %%
literal = {m: transfer.amplified_set(adv_test[m], AMPLIFY_TO, norm="l2") for m in TABLE3_MODELS}
only = {m: transfer.amplified_set(adv_test[m], AMPLIFY_TO, shrink=False, clip=CLIP)
        for m in TABLE3_MODELS}
exact = {m: sets4[CLIP][amp_label[m]] for m in TABLE3_MODELS}
amp_matrices = {name: transfer.transfer_matrix(s, columns4, count=COUNT)
                for name, s in {"exact": exact, "only": only, "literal": literal}.items()}
rows = []
for m in TABLE3_MODELS:
    d = adv_test[m]["distortion"].double()
    mean = float(d.mean())
    row = {"examples made for": m, "av. distortion": tables.sig(mean),
           f"{AMPLIFY_TO:g} ÷ av. distortion": tables.sig(AMPLIFY_TO / mean),
           "mean of per-image factors": tables.sig(float((AMPLIFY_TO / d[d > 0]).mean())),
           f"shrunk (RMS > {AMPLIFY_TO:g}) %": tables.percent(int((d > AMPLIFY_TO).sum()), len(d))}
    for name, label in (("exact", f"own error %: rescaled to {AMPLIFY_TO:g}"),
                        ("only", "own error %: amplify only"),
                        ("literal", "own error %: printed formula")):
        row[label] = tables.percent(*amp_matrices[name].cell(m, m))
    row["printed formula: RMS"] = tables.sig(transfer.mean_distortion(literal[m])[0], 2)
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
    r = amp_matrices[name].rates_frame().rename(index=paper_amp_label)
    amp_rows[label] = {"mean |ours − paper|, 9 cells": tables.points(float(
        gaps(r, paper4, amp_rows4).mean())),
                       **{f"{short_name[src]} → {short_name[dst]}":
                          tables.percent(*amp_matrices[name].cell(src, dst))
                          for src in TABLE3_MODELS for dst in TABLE3_MODELS if src != dst}}
amp_rows["paper"] = {"mean |ours − paper|, 9 cells": "—",
                     **{f"{short_name[src]} → {short_name[dst]}":
                        f"{paper4.loc[paper_amp_label[src], dst]:g}"
                        for src in TABLE3_MODELS for dst in TABLE3_MODELS if src != dst}}
pd.DataFrame(amp_rows).T

# %% tags=["remove-input"]
own_dist = {m: float(adv_test[m]["distortion"].double().mean()) for m in TABLE3_MODELS}
literal_rms = float(np.mean([transfer.mean_distortion(literal[m])[0] for m in TABLE3_MODELS]))
factors = [AMPLIFY_TO / own_dist[m] for m in TABLE3_MODELS]
per_image = [float((AMPLIFY_TO / d[d > 0]).mean())
             for d in (adv_test[m]["distortion"].double() for m in TABLE3_MODELS)]
shrunk = [100 * float((adv_test[m]["distortion"] > AMPLIFY_TO).double().mean())
          for m in TABLE3_MODELS]
r_exact, r_only = (amp_matrices[k].rates_frame() for k in ("exact", "only"))
off_moves = [abs(r_only.loc[a, b] - r_exact.loc[a, b]) for a in TABLE3_MODELS for b in TABLE3_MODELS
             if a != b]
amp_mean_gaps = [float(gaps(amp_matrices[k].rates_frame().rename(index=paper_amp_label), paper4,
                            amp_rows4).mean()) for k in ("exact", "only")]
t4_all = transfer.paired_cells(ours4, paper4, adv_rows4 + amp_rows4 + noise_rows4)
prose.glue_all({
    "literal_factor": f"{np.mean(list(own_dist.values())) / literal_rms:.0f}",
    "literal_own": span([float(tables.percent(*amp_matrices["literal"].cell(m, m)))
                         for m in TABLE3_MODELS]),
    "magnified_share": span([100 - s for s in shrunk], "{:.0f}"),
    "shrunk_share": span(shrunk, "{:.0f}"),
    "only_moves": f"{max(off_moves):.1f}",
    "amp_gap_range": span(amp_mean_gaps),
    "factor_range": span(factors, "{:.2f}"),
    "factor_percent": span([100 * (f - 1) for f in factors], "+{:.0f}%").replace("–", " to "),
    "per_image_range": span(per_image, "{:.1f}"),
    "t2_max_gap": f"{abs(worst2['gap']):.0f}",
    "t4_max_gap": f"{t4_all['gap'].abs().max():.0f}",
})

# %% [markdown]
# The off-diagonal cells of the amplified rows (error %, chosen counting rule) under both
# rescalings, beside the paper's.
#
# **The printed formula cannot be what was run.** With an L2 norm of 0.1 (RMS 0.0036), the
# "amplified" examples no longer fool even the network they were made for: its error falls to its
# clean test error ({glue:text}`literal_own`%), where the paper reports 100%.
#
# **Rescaling to RMS exactly 0.1** is what the row labels say. It magnifies
# {glue:text}`magnified_share`% of the perturbations but *shrinks* the {glue:text}`shrunk_share`%
# that needed more than 0.1, and most of those go back to being classified correctly, so the
# diagonal falls to {glue:text}`amp_diagonal`%. **Amplifying only** (never shrinking) restores the
# paper's 100% diagonal and moves the off-diagonal cells by at most {glue:text}`only_moves`
# points, so the paper's 100% is best explained by "amplify only", or by none of its examples
# needing more than 0.1. Neither rescaling brings the off-diagonal cells close to the paper's
# ({glue:text}`amp_gap_range` points apart on average): that difference lies in the models, not
# in the rescaling.
#
# **The "40%".** The paper says amplification "magnifies the distortion on average by 40%, from
# stddev 0.06 to 0.1". Going from 0.06 to 0.1 is a factor of 1.67, an increase of **67%**. The
# 40% is probably the increase measured against the *final* value, (0.1 − 0.06) / 0.1, which
# gives exactly 40%; the paper does not say, so this is a conjecture, and we report the factor
# without trying to match the 40%. Ours: the ratio of the means is {glue:text}`factor_range`
# ({glue:text}`factor_percent`), as in the paper; that agreement holds by construction (0.1 over
# our own mean distortion, which Table 3 compares with the paper's), so it is no evidence of its
# own. The mean of the per-image factors is larger, {glue:text}`per_image_range`, because most
# perturbations are smaller than the mean and are magnified more (the distribution of distortions
# is skewed to the right; chapter 3). "On average" depends on what is averaged.

# %% mystnb={"image": {"alt": "A grid of MNIST images: four test digits (rows), each shown as the original, its adversarial example for FC100-100-10 trained on P1, that perturbation amplified to RMS 0.1, and with Gaussian noise of standard deviation 0.1, unclipped and clipped. The adversarial images show faint smudges near the strokes, clearer once amplified; the noisy images show fine static over the whole image."}}
gen = torch.Generator().manual_seed(SEED)
shown = torch.randperm(N_TEST, generator=gen)[:4]
src = TABLE3_MODELS[0]
noise_shown = {clip: transfer.gaussian_noise_set(x4, y4, AMPLIFY_TO, seed=SEED,
                                                 clip=clip)["images"][shown]
               for clip in (False, True)}
columns_shown = {"original": x4[shown],
                 f"adversarial for\n{short_name[src]} (P1)": adv_test[src]["images"][shown],
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
#   regularised, our `AE400-10` is weaker, and our P1/P2 networks are {glue:text}`p_gap_range`
#   points less accurate. Transfer rates depend on the particular models, so single cells differ
#   from the paper's by up to {glue:text}`t2_max_gap` points in Table 2 and
#   {glue:text}`t4_max_gap` in Table 4. What the tables share with the paper's is their pattern:
#   which rows transfer, which column resists, and how much a disjoint training set reduces
#   transfer.
# * **The targets.** Random wrong labels, the rule chapter 3 chose because it reproduces the
#   paper's distortions (and Table 3 confirms on the test set). Runner-up targets would give
#   smaller perturbations and {glue:text}`rule_diff` points less transfer on average.
# * **The definitions.** The best-fitting reading counts all images, the column model's own
#   mistakes included, and leaves the noise unclipped: of the four readings, it is the only one
#   close to the paper's noise rows, and each table's noise cells alone choose it. It does not
#   explain the paper's FC10 noise cells below those models' clean errors. The amplification
#   formula, read literally, shrinks the perturbations {glue:text}`literal_factor`-fold; we
#   rescale them to RMS 0.1 and show that the 100% diagonal points to "amplify only".
# * **The sample.** Table 2 uses the first `N_IMAGES` of the 60,000 training images (each cell
#   known to {glue:text}`t2_halfwidth` points or better); Tables 3 and 4 use the whole test set,
#   as the paper does. `N_IMAGES = 60000` runs the paper's full scale (about 20 minutes of attacks
#   on one CPU thread, a minute or two on a GPU).
# * **Not measured: training noise.** One trained network per row and column, as in the paper. A
#   retrained network would move the cells by an amount neither the paper nor this chapter
#   measures, and probably by more than the Wilson intervals, which cover only the choice of
#   images.
#
# ## Summary for the results page
#
# The rows below are what the book's results page shows for this chapter. Each is judged by the
# book's rules, stated once in {doc}`91_how_judged`: a table by its cells and its pattern, never
# by a mean of its cells; a distortion, a rate and a ratio each by the rule of its kind; the most
# resilient model by whether it is the same model. The noise rows
# are *fitted*: they chose the counting and clipping reading, so they are shown but not counted
# (the held-out check above is what supports the reading). The magnification to RMS 0.1 holds *by
# construction*. The Table 3 distortions are evidence: the random-target rule was not chosen on
# them. Every row rests on one trained network per model (one training seed).

# %% tags=["hide-input"]
scale2 = verdicts.scale(images=N_IMAGES, of="training", models=len(TABLE2_MODELS), seeds=1)
scale4 = verdicts.scale(images=N_TEST, of="test", models=len(TABLE3_MODELS), seeds=1)
TABLE = "fooling rate"


def cells_text(values: pd.Series, spec: str = "{:.1f}") -> str:
    """"30 cells, 4.0–95.1%": how many cells and their range."""
    return f"{len(values)} cells, {span(values, spec)}%"


def worst_text(c: pd.DataFrame) -> str:
    w = c.loc[c["gap"].abs().idxmax()]
    return (f"largest gap {short_rows.get(w['row'], w['row'])} → {w['col']}: {w['ours']:.2f}% vs "
            f"{w['paper']:g}%")


ae_ratio = span([ours2.loc[ae, c] / paper2.loc[ae, c] for c in TABLE2_MODELS if c != ae])
cross_gaps = [ours4.loc[paper_adv_label[a], b] - paper_cell(a, b) for a, b in cross_pairs]
judged_resilient = verdicts.judge_same(most_o, most_p)


def counted(words: list[str]) -> str:
    """"reproduced (3 of 3)" or "2 reproduced, 1 partly": verdicts of several rows."""
    kinds = dict.fromkeys(words)
    if len(kinds) == 1:
        return f"{words[0]} ({len(words)} of {len(words)})"
    return ", ".join(f"{words.count(k)} {k}" for k in kinds)
summary = [
    results.row(
        "Table 2", "the 30 off-diagonal cells: adversarial examples of one model fed to another",
        cells_text(cells2["paper"], "{:g}"),
        f"ρ = {judged2.detail['rho']:.2f}; {cells_text(cells2['ours'])}",
        judged2,
        f"{worst_text(cells2)} ({worst2['gap']:+.1f} pts); the AE400-10 row is {ae_ratio}× the "
        f"paper's; {within['all images']['inside'].sum()} cells within tolerance on all "
        f"{N_IMAGES:,} images, {within['first N_COMPARE']['inside'].sum()} on the first "
        f"{N_COMPARE:,} (the same examples; cells near the edge move with the images)",
        scale=scale2),
    results.row(
        "Table 2", "most resilient model (lowest mean error on the others' examples)",
        f"{most_p} ({tables.points(col_p[most_p])}%)",
        f"{most_o} ({tables.points(col_o[most_o])}%)",
        judged_resilient, "“most resilient … but not fully immune”", scale=scale2),
]
for r in noise_rows2:
    c = transfer.paired_cells(ours2, paper2, [r])
    inc = increments[r]
    summary.append(results.row(
        "Table 2, noise", f"{r}: its 6 cells", cells_text(c["paper"], "{:g}"),
        cells_text(c["ours"]),
        verdicts.judge_table(c["ours"], c["paper"], TABLE),
        f"noise raises the clean training errors by {span(inc)} pts (most for {inc.idxmax()}); "
        "fitted: these cells chose the counting and clipping reading", role="fitted", scale=scale2))
summary.append(results.row(
    "Beyond the paper: which reading of Tables 2 and 4 (chosen on one table, tested on the other)",
    "counting and clipping reading chosen on one table's noise cells, held-out error on the "
    "other's",
    "not stated",
    "; ".join(f"on {c.chosen_on}: {reading_name(c.reading)} (held-out {c.tested_on}: mean |Δ| "
              f"{tables.points(c.held_out_gap)} pts)" for c in checks), None,
    ("identified: both tables choose the same reading" if identified
     else "not identified: the tables choose different readings"),
    role="measurement", scale=f"{scale2}; {scale4}"))
for m in TABLE3_MODELS:
    mean, lo, hi = dist3[m]
    summary.append(results.row(
        "Table 3", f"{m}: av. min. distortion on the test set",
        f"{paper.TABLE3[m]['distortion']:g}",
        f"{tables.sig(mean)} [{tables.sig(lo)}, {tables.sig(hi)}]",
        verdicts.judge("distortion", mean, paper.TABLE3[m]["distortion"], interval=(lo, hi)),
        "out-of-sample check of chapter 3's random-target rule (chosen on Table 1's training-set "
        "distortions, not on these); interval: 95% over the test images",
        scale=verdicts.scale(images=N_TEST, of="test", models=1, seeds=1)))
summary += [
    results.row(
        "Table 4", "the 6 off-diagonal cells: adversarial examples of one network fed to another",
        cells_text(cells4["paper"], "{:g}"), f"ρ = {judged['adversarial'].detail['rho']:.2f}; "
        f"{cells_text(cells4['ours'])}", judged["adversarial"],
        f"{worst_text(cells4)}; between the two P1 networks the paper has "
        f"{paper_cell(*forward):g}% and {paper_cell(*reverse):g}%, ours "
        f"{ours4.loc[paper_adv_label[forward[0]], forward[1]]:.1f}% and "
        f"{ours4.loc[paper_adv_label[reverse[0]], reverse[1]]:.1f}%",
        scale=scale4),
    results.row(
        "Table 4", "mean error %, same half P1 (other architecture)", tables.points(paper_same),
        tables.points(ours_same), judged["same half"],
        f"{pair_text(*forward)} and {pair_text(*reverse)}", scale=scale4),
    results.row(
        "Table 4", "mean error %, disjoint halves P1 ↔ P2", tables.points(paper_cross),
        tables.points(ours_cross), judged["disjoint halves"],
        f"our cross-half cells are {span(cross_gaps, '{:+.1f}')} pts from the paper's; our clean "
        f"test errors are {span(test_gaps, '{:.2f}')} pts higher", scale=scale4),
    results.row(
        "Table 4", "“effectiveness decreases considerably”: same-half ÷ disjoint-half error",
        f"×{paper_ratio:.2f}", f"×{ratio:.2f} [{ratio_lo:.2f}, {ratio_hi:.2f}]", judged["ratio"],
        f"interval: {N_BOOTSTRAP:,} bootstrap resamples of the test images (not of training); the "
        "same-half pair also differs in architecture", scale=scale4),
    results.row(
        "Table 4", f"amplified to RMS {AMPLIFY_TO:g}: the 6 off-diagonal cells",
        cells_text(amp4["paper"], "{:g}"), f"ρ = {judged['amplified'].detail['rho']:.2f}; "
        f"{cells_text(amp4['ours'])}", judged["amplified"],
        f"{uniform} than the paper's: {compared_to_paper(same_pairs)} it within P1, "
        f"{compared_to_paper(cross_pairs)} it across the halves; each perturbation rescaled to "
        f"RMS exactly {AMPLIFY_TO:g} (the printed formula gives RMS {tables.sig(literal_rms, 2)})",
        scale=scale4),
    results.row(
        "Table 4", "Gaussian-noise rows (stddev " + " and ".join(f"{s:g}" for s in TABLE4_NOISE)
        + "): their 6 cells", cells_text(noise4["paper"], "{:g}"),
        cells_text(noise4["ours"], "{:.2f}"),
        verdicts.judge_table(noise4["ours"], noise4["paper"], TABLE),
        f"within {noise4['gap'].abs().max():.1f} pts of the paper in every cell; the ranks of "
        f"cells that span {noise4['paper'].max() - noise4['paper'].min():.1f} pts carry little "
        "pattern; "
        "fitted: these cells chose the reading", role="fitted", scale=scale4),
    results.row(
        "Table 4", f"magnification of the distortion to RMS {AMPLIFY_TO:g}",
        "“40%”, from 0.06 to 0.1 (×1.67)",
        f"×{tables.sig(AMPLIFY_TO / float(np.mean([dist3[m][0] for m in TABLE3_MODELS])))}",
        verdicts.judge("ratio", AMPLIFY_TO / float(np.mean([dist3[m][0] for m in TABLE3_MODELS])),
                       0.1 / 0.06),
        "by construction: 0.1 over our own mean distortion; 0.06 → 0.1 is +67%, the paper's 40% "
        "is probably (0.1 − 0.06) / 0.1", role="by construction", scale=scale4),
]
results.record("04_transfer", "Transfer of adversarial examples across models and training sets",
               summary)

prose.first_screen(
    claim=("Adversarial examples made for one MNIST model fool other models (Table 2), and "
           "networks trained on a disjoint half of the training data, less often (Table 4)."),
    result=(f"Table 2: our 30 cross-model cells rank like the paper's (ρ = "
            f"{judged2.detail['rho']:.2f}), {judged2.detail['within']} of 30 lie within "
            f"tolerance, mean |Δ| {tables.points(judged2.detail['mean_abs_gap'])} points, largest "
            f"gap {abs(worst2['gap']):.0f} points ({worst2['row']} → {worst2['col']}). Table 4: "
            f"examples fool a network trained on the other half {ratio:.1f} times less often than "
            f"one trained on the same half (95% interval over images {ratio_lo:.2f}–"
            f"{ratio_hi:.2f}; the paper's {paper_ratio:.1f}), though both rates are higher than "
            f"the paper's; the amplified examples' rates are {uniform} than the paper's."),
    verdict=(f"Table 2: {judged2.verdict}; most resilient model ({most_o}): "
             f"{judged_resilient.verdict}; Table 3 distortions: "
             + counted([r["verdict"] for r in summary if r["claim"] == "Table 3"])
             + f"; Table 4: cells {judged['adversarial'].verdict}, ratio "
             f"{judged['ratio'].verdict}, same half {judged['same half'].verdict}, disjoint "
             f"halves {judged['disjoint halves'].verdict}, amplified "
             f"{judged['amplified'].verdict}. The noise rows chose the counting reading (fitted, "
             "not counted)."),
    caveat=("What a cell counts and whether noise is clipped were chosen on the noise rows ("
            + ("each table's noise cells alone choose the same reading" if identified else
               "the two tables' noise cells alone choose different readings: not identified")
            + "); one trained network per model, so every interval covers the choice of images "
            "only, not training."),
    scale=f"Table 2: {scale2}; Tables 3 and 4: {scale4}.")
pd.DataFrame(summary).set_index("quantity")[["paper", "ours", "verdict", "role"]]
