#!/usr/bin/env bash
# The README's main command: set up .venv, execute every chapter (chapters/NN_name.py ->
# chapters/NN_name.ipynb), fetch MathJax for offline pages, and build the HTML book strictly
# (any Sphinx warning fails the build). Output: _build/html/index.html
# Usage: bash tools/build_book.sh [--no-execute]   (--no-execute renders the committed notebooks)
set -euo pipefail
cd "$(dirname "$0")/.."

execute=1
for arg in "$@"; do
    case "$arg" in
        --no-execute) execute=0 ;;
        *) echo "usage: bash tools/build_book.sh [--no-execute]" >&2; exit 2 ;;
    esac
done

bash tools/setup.sh
if [ -z "${INTRIGUING_DATA:-}" ] && [ -d ../shared/data ]; then
    INTRIGUING_DATA="$(cd ../shared/data && pwd)"
    export INTRIGUING_DATA
    echo "build_book: INTRIGUING_DATA unset; using $INTRIGUING_DATA"
fi
if [ "$execute" = 1 ]; then
    .venv/bin/python tools/execute_chapters.py
    # the landing page's findings, from the results the chapters just wrote
    .venv/bin/python tools/intro_findings.py
fi
bash tools/fetch_mathjax.sh
# A fresh build, so that warnings of pages unchanged since the last build are reported again.
rm -rf _build/html _build/.doctrees _build/jupyter_execute
.venv/bin/jupyter-book build . --warningiserror --nitpick --keep-going --all
