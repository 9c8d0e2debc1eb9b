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
# # Results at a glance
#
# Every number on this page was written by the chapter that computed it (each chapter ends by
# saving its paper-vs-ours rows to `results/<chapter>.json`); nothing here is typed in. The
# verdicts follow the rule each chapter states: *reproduced* where our number agrees with the
# paper's within that rule, *partly* where the claim holds but the number differs, *not
# reproduced* where the claim does not hold for our models, and *beyond the paper* for
# measurements the paper did not make. Follow a chapter's link for the method and the caveats.
#
# On a fresh Colab runtime, where no chapter has run yet, a chapter's results are shown as
# committed at the git commit this notebook's package was installed from (fetched from GitHub, and
# labelled "as committed at ..."); results a chapter computed in the runtime are labelled "computed
# in this runtime".
#
# **Not tested here: the ImageNet half.** The paper's AlexNet results, Table 5's frame bounds on
# trained weights and the average distortion of Fig. 5's examples pushed to "ostrich", need
# pretrained weights and ImageNet-style images, which this book's machines cannot download; the
# rows of chapter 5 that compute Table 5 here use untrained stand-in weights and say nothing about
# the paper's numbers. A reader can compute both on a Colab GPU runtime with one
# command, `python -m intriguing.imagenet_route` (README, "The ImageNet half (Colab)"): it writes
# the numbers with their provenance. The unit and random-direction figures on AlexNet (Figs. 3-4,
# `IMAGENET_DIR` in chapter 2) and QuocNet (Fig. 6, a network that was never released) are not
# tested either.

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
CHAPTERS = []  # names like "00_zoo" to show only some chapters; empty: all
PERSIST = ""  # "drive": read the results the chapters kept on Google Drive (Colab; their PERSIST = "drive")

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (pins the CPU code path before torch loads)
import pandas as pd
from IPython.display import Markdown, display
from intriguing import results, storage, tables

storage.persist(PERSIST)
recorded, notes = results.for_page(CHAPTERS)
for note in notes:
    print(note)
counts = pd.Series([row["verdict"] for r in recorded for row in r["rows"]]).value_counts()
print(f"{sum(len(r['rows']) for r in recorded)} results from {len(recorded)} chapters: "
      + ", ".join(f"{counts.get(v, 0)} {v}" for v in results.VERDICTS))

# %% tags=["hide-input"]
for r in recorded:
    display(Markdown(f"### [{r['title']}]({r['chapter']}.html)"))
    if r["shown_from"]:
        display(Markdown(f"*{r['shown_from']}*"))
    for claim, rows in pd.DataFrame(r["rows"]).groupby("claim", sort=False):
        display(Markdown(f"*{claim}*"))
        display(tables.formatted(rows[["quantity", "paper", "ours", "verdict", "why"]].set_index("quantity"), "{}"))
