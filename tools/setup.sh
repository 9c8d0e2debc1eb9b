#!/usr/bin/env bash
# Create .venv (if missing) and install the package with the exact pins of constraints.txt.
# Idempotent: a second run only checks that everything is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[book,test]" 2>&1 \
    | { grep -v -E "^WARNING: Location '.*' is ignored" || true; }
.venv/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
