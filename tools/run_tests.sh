#!/usr/bin/env bash
# The README's test command and CI's (.ci/run): set up .venv, make sure the browser for the page
# checks is there, then ONE pytest run over tests/ and every committed chapter notebook (nbval
# re-executes each notebook and compares every cell's outputs with the committed ones).
# Usage: bash tools/run_tests.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh

# MNIST lives outside the repository: use ../shared/data (CI's layout) unless the caller chose.
if [ -z "${INTRIGUING_DATA:-}" ] && [ -d ../shared/data ]; then
    INTRIGUING_DATA="$(cd ../shared/data && pwd)"
    export INTRIGUING_DATA
    echo "run_tests: INTRIGUING_DATA unset; using $INTRIGUING_DATA"
fi

# Headless Debian Chromium for tests/test_book.py (never a browser download of a test tool's own).
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "run_tests: installing Debian chromium with apt-get (log: /tmp/intriguing-apt.log)"
        {
            apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                chromium fonts-dejavu-core
        } >/tmp/intriguing-apt.log 2>&1 || { tail -n 30 /tmp/intriguing-apt.log; exit 1; }
    elif [ -n "${CI:-}" ]; then
        echo "run_tests: $CHROMIUM is missing and this CI job is not root: cannot install it" >&2
        exit 1
    else
        echo "run_tests: $CHROMIUM is missing (not root, so not installing it): the browser" \
             "checks will be SKIPPED; install it with 'sudo apt-get install chromium'"
    fi
fi

# As when the notebooks were executed (tools/execute_chapters.py): no progress bars, whose timings
# on stderr would differ from the committed outputs at every run.
export TQDM_DISABLE=1

shopt -s nullglob
notebooks=(chapters/*.ipynb)
# Both cores: two pytest-xdist worker processes, one thread each (`import intriguing` pins it), so
# every result is the same bits as in one process. --dist loadscope keeps each notebook's cells,
# and each test module, on one worker (nbval needs a notebook's cells in order, in one kernel).
# Notebooks go first: they are the long scopes, the unit tests fill the gaps. Two chapters that
# need the same trained model or attack set compute it once: the cache locks each entry while it
# is computed (intriguing.cache.load_or_compute). INTRIGUING_TEST_WORKERS=0 runs in this process.
workers=${INTRIGUING_TEST_WORKERS:-2}
# The last command: its output ends with pytest's summary line and its exit code is the script's.
exec .venv/bin/python -m pytest "${notebooks[@]}" tests -n "$workers" --dist loadscope \
    --nbval --nbval-current-env --nbval-sanitize-with tools/nbval_sanitize.cfg "$@"
