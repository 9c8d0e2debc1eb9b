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
# # How a claim is judged
#
# Every verdict in this book comes from one rule set, in the package (`intriguing.verdicts`), and
# every chapter calls it: no chapter keeps a tolerance of its own, and a quantity of one kind (a
# distortion, an error rate) is judged the same way in every chapter. The rules are printed below
# from the code that applies them, so this page cannot disagree with the verdicts.
#
# **When the rules were written.** They replaced the chapters' own tolerances after an outside
# review had read the book's first verdicts, so they were not written before anyone had seen the
# numbers. What guards against fitting them is that they were fixed per *kind* of quantity, from
# the precision the paper prints and the images a cell rests on, and applied to every row of that
# kind at once, whichever way each verdict then moved.
#
# ## Five verdicts
#
# * **reproduced**: our number is within the rule's tolerance of the paper's, or the stated test
#   decides for the claim;
# * **partly**: outside the tolerance but within twice it (the effect is there, its size differs),
#   or the claim holds in part;
# * **not reproduced**: beyond twice the tolerance, or the test decides against the claim (for a
#   paired test: significant the other way, or able to detect the paper's effect with 80% power and
#   not finding it);
# * **inconclusive**: the experiment ran but could not decide: its interval spans both "within the
#   tolerance" and "beyond twice it", or a test is not significant and could not have detected the
#   paper's effect. The row says what effect it could have detected;
# * **not tested**: the weights, data or compute are not available here. The row says what it
#   needs and the exact command, or Colab route, that would test it.
#
# A non-significant difference is never read as "equal": a claim that two things are *as good as*
# each other needs an equivalence test with a margin stated in advance. Overlapping intervals are
# never read as "no difference": two classifiers on the same images are compared with a paired
# test, and the tests of one chapter are corrected together (Holm).
#
# ## Roles: which rows count
#
# Only *evidence* rows are counted on {doc}`90_results`. A row whose number was used to choose
# one of the paper's open definitions (the target class of the attack, what a cell of Tables 2 and
# 4 counts, whether noise is clipped, the weight-decay normaliser) is *fitted*: it is shown and
# judged, so a reader sees how well the chosen definition fits, but it is not a confirmation of
# the paper, and the chapter validates the definition on cells it was not fitted on. A row that
# holds whatever the networks do (an unbounded attack always succeeds) is *by construction*. A
# measurement the paper did not make is *beyond the paper* and has no verdict.
#
# Every row also says its **scale**: how many images, models and training runs (seeds) it rests on,
# and what its interval covers. Until the book trains several seeds per model, intervals cover the
# choice of images only, not the variation between training runs.

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
# This page has nothing to compute; the parameters cell is the book's convention.
ROLES_SHOWN = True  # False: print the rules table only

# %% [markdown]
# ## The rules
#
# A tolerance rule accepts our number when $|\text{ours} - \text{paper}| \le
# \max(a, r \cdot |\text{paper}|)$, with the absolute part $a$ and the relative part $r$ of its row.

# %% tags=["hide-input"]
import intriguing  # noqa: F401  (pins the CPU code path before torch loads)
from IPython.display import Markdown, display
from intriguing import tables, verdicts

display(tables.formatted(verdicts.rules_table(), "{}"))
if ROLES_SHOWN:
    display(Markdown("\n".join(f"* **{role}**: {text}" for role, text in verdicts.ROLES.items())))
