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
# Every claim of the paper, in the paper's order, with the rows of the chapters that test it. Each
# row was written by the chapter that computed it (each chapter ends by saving its rows to
# `results/<chapter>.json`): the numbers, the verdict, the rule that gave it and how far the number
# is from that rule's threshold, and the scale it rests on. The verdicts come from the book's one
# rule set, explained on {doc}`91_how_judged`; only *evidence* rows are counted. Rows that were used
# to choose one of the paper's open definitions (*fitted*) or that hold by construction are shown
# but not counted, and measurements beyond the paper are listed at the end, without a verdict.
#
# On a fresh Colab runtime, where no chapter has run yet, a chapter's results are shown as
# committed at the git commit this notebook's package was installed from (fetched from GitHub, and
# labelled "as committed at ..."); results a chapter computed in the runtime are labelled "computed
# in this runtime".
#
# **Not tested here: the ImageNet half.** The paper's AlexNet results (Figs. 3-5, Table 5 on trained
# weights) need pretrained weights and ImageNet-style images, which this book's machines cannot
# download, and QuocNet (Fig. 6) was never released. Their rows say what each needs; a reader can
# compute Table 5 and a Fig. 5 analogue on a Colab GPU runtime with one command,
# `python -m intriguing.imagenet_route` (README, "The ImageNet half (Colab)").

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
claims, beyond = results.by_claim(recorded)
counts = results.tally(claims)
display(Markdown(f"{len(claims)} claims of the paper, from {len(recorded)} chapters' results; "
                 f"{sum(len(g['rows']) for g in beyond)} measurements beyond the paper."))
display(pd.DataFrame({"rows": counts}).rename_axis("verdict"))

# %% tags=["hide-input"]
COLUMNS = ["quantity", "paper", "ours", "verdict", "distance to threshold", "scale", "why"]
sources = {r["chapter"]: r for r in recorded}


def frame(rows: list[dict]) -> pd.DataFrame:
    lines = []
    for line in rows:
        role = line.get("role", "evidence")
        verdict = line["verdict"] if role in ("evidence", "measurement") else f"{line['verdict']} ({role})"
        lines.append({**line, "verdict": verdict, "distance to threshold": line.get("distance", "")})
    return tables.formatted(pd.DataFrame(lines)[COLUMNS].set_index("quantity"), "{}")


for claim in claims:
    display(Markdown(f"### {claim['claim']}\n\n*{claim['text']}*"))
    for name in dict.fromkeys(line["chapter"] for line in claim["rows"] if line["chapter"]):
        src = sources[name]
        label = f" ({src['shown_from']})" if src["shown_from"] else ""
        display(Markdown(f"From [{src['title']}]({name}.html){label}:"))
    display(frame(claim["rows"]))

display(Markdown("### Beyond the paper"))
for group in beyond:
    display(Markdown(f"*{group['heading']}* ([chapter]({group['rows'][0]['chapter']}.html))"))
    display(frame(group["rows"]).drop(columns=["verdict", "distance to threshold"]))
