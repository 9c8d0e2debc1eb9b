#!/usr/bin/env bash
# Every chapter, run the way a Colab user runs it: a fresh virtual environment that already has
# torch and torchvision (as a Colab runtime does; without a preinstalled torchvision, pip would
# replace the CPU torch by a multi-GB CUDA build), the package installed as the install cell does
# it but from this checkout and WITHOUT constraints.txt (every other dependency resolves to its
# newest release that pyproject.toml allows), then each chapter executed at small parameters.
# It checks that each chapter runs without error and writes its results; outputs are not compared
# (tools/run_tests.sh does that, with the exact pins). It catches the dependency drift that
# pyproject.toml's lower bounds allow. Notebooks, results and the cache go to a temporary folder,
# never into chapters/, results/ or data/cache/. Run by .ci/run before tools/run_tests.sh.
# Usage: bash tools/colab_smoke.sh     (KEEP=1 keeps the temporary folder and says where it is)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# Colab's torch and torchvision (the versions constraints.txt pins for the book's own runs).
TORCH="torch==2.13.0 torchvision==0.28.0"

if [ -z "${INTRIGUING_DATA:-}" ] && [ -d ../shared/data ]; then
    INTRIGUING_DATA="$(cd ../shared/data && pwd)"
fi
if [ -n "${INTRIGUING_DATA:-}" ]; then
    export INTRIGUING_DATA
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/intriguing-colab.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "colab_smoke: keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
export INTRIGUING_CACHE="$work/cache" INTRIGUING_RESULTS="$work/results" TQDM_DISABLE=1
log="$work/pip.log"
fail() {
    echo "colab_smoke: FAILED: $*" >&2
    echo "colab_smoke: this is the Colab-style run (fresh venv, newest dependencies, no" \
         "constraints.txt); rerun it with: bash tools/colab_smoke.sh" >&2
    exit 1
}

start=$SECONDS
"$PY" -m venv "$work/venv" || fail "could not create a virtual environment with $PY"
venv_py="$work/venv/bin/python"
pip_install() {
    "$venv_py" -m pip install -q --disable-pip-version-check "$@" >>"$log" 2>&1 ||
        { tail -n 30 "$log" >&2; fail "pip install $*"; }
}
pip_install $TORCH
# As the install cell: `pip install "intriguing @ git+<repository>@<ref>"`, here from a copy of this
# checkout's package (a build in the checkout would leave build/ behind); plus what executes a
# notebook (Colab has its own Jupyter).
mkdir "$work/package"
cp -R pyproject.toml README.md src "$work/package/"
rm -rf "$work"/package/src/*.egg-info
pip_install "intriguing @ file://$work/package" jupytext papermill ipykernel
"$venv_py" -m ipykernel install --sys-prefix --name python3 >/dev/null
"$venv_py" - <<'EOF' || fail "the venv does not have the torch and torchvision it started with"
import importlib.metadata as m
print("colab_smoke: " + ", ".join(f"{p} {m.version(p)}" for p in
      ("torch", "torchvision", "numpy", "scipy", "pandas", "matplotlib", "seaborn")))
assert m.version("torch").split("+")[0] == "2.13.0" and m.version("torchvision").split("+")[0] == "0.28.0"
EOF
echo "colab_smoke: environment ready in $((SECONDS - start)) s"

# Small parameters: two small Table 1 models at their own epochs (so the chapters share the cache),
# the three Table 3 models (chapter 4 needs all three; chapter 0 needs at least one of them), a few
# images per attack, few directions and permutations, two epochs of adversarial training.
T1='["FC10(1e-4)", "FC100-100-10"]'
run_chapter() {
    local chapter=$1
    shift
    local t0=$SECONDS
    "$venv_py" tools/execute_chapters.py "chapters/$chapter.py" "$@" -o "$work/$chapter.ipynb" \
        >"$work/$chapter.log" 2>&1 || { tail -n 40 "$work/$chapter.log" >&2; fail "chapter $chapter"; }
    echo "colab_smoke: $chapter ran in $((SECONDS - t0)) s"
}
run_chapter 00_zoo -p MODELS '["FC10(1e-4)", "FC100-100-10", "FC100-100-10/P1"]'
run_chapter 01_units -p PANELS '[["FC100-100-10", "fc2"]]' -p N_ROWS 2 -p N_CHANCE 20
run_chapter 02_random_directions -p LAYERS '[["FC100-100-10", "fc1"]]' -p CHANNEL_LAYERS '[]' \
    -p FIGURE_LAYER '["FC100-100-10", "fc1"]' -p N_DIRECTIONS 20 -p N_BASELINE 20 \
    -p N_PERMUTATIONS 200 -p N_BOOTSTRAP 50 -p N_ROWS 2
run_chapter 03_lbfgs -p MODELS "$T1" -p FIG7_MODELS '["FC10(1e-4)"]' -p N_IMAGES 30 \
    -p N_COMPARE 6 -p N_NEAREST 3 -p N_SHOWN 3 -p N_TRIPLETS 1
# Chapter 4's analysis reads the cells of the whole Table 2, so it runs on all six models (the four
# not trained by chapter 0 here are trained on demand: FC10s in seconds, FC200-200-10 and AE400-10
# in a few minutes), at a few images.
run_chapter 04_transfer -p N_IMAGES 30 -p N_COMPARE 6 -p N_TEST 30
run_chapter 05_lipschitz -p ALEXNET_WEIGHTS '"standin"' -p LANCZOS_RTOL 1e-3 -p MODELS "$T1" \
    -p N_JACOBIAN 10 -p N_PREFIX 5 -p N_IMAGES 30
run_chapter 06_adversarial_training -p EPOCHS 2 -p POOL_SIZE 50 -p N_EVAL 20 -p POOL_SEARCH_STEPS 1
run_chapter 07_later_attacks -p MODELS "$T1" -p N_IMAGES 5 -p N_LBFGS_SET 30 \
    -p CURVE_MODELS '["FC100-100-10"]'
run_chapter 90_results
run_chapter 91_how_judged

# Every chapter that records results wrote them (to the temporary folder).
missing=$("$venv_py" - <<'EOF'
import os
from pathlib import Path
from intriguing import results
folder = Path(os.environ["INTRIGUING_RESULTS"])
print(" ".join(c for c in results.RECORDED if not (folder / f"{c}.json").is_file()))
EOF
)
[ -z "$missing" ] || fail "no results written by: $missing"
echo "colab_smoke: every chapter ran and wrote its results, $((SECONDS - start)) s in all"
