"""Make, check or list the book's long runs (intriguing.longrun): results too big for CI, committed.

    .venv/bin/python tools/longrun.py list
    .venv/bin/python tools/longrun.py run table1_paper_scale --workers 2   # writes results/longrun/<name>.json
    .venv/bin/python tools/longrun.py verify table1_paper_scale            # recompute its slice, compare bits

Commit the code first, then make the run (its file records the commit), then commit the file.
"""

from __future__ import annotations

import argparse
import sys

import intriguing  # noqa: F401  (pins the CPU code path and one thread before torch loads)
from intriguing import longrun


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the registered long runs")
    r = sub.add_parser("run", help="compute a long run and write its file")
    r.add_argument("name")
    r.add_argument("--workers", type=int, default=1, help="worker processes, one thread each (default 1)")
    v = sub.add_parser("verify", help="recompute the declared slice and compare it bit for bit")
    v.add_argument("name")
    v.add_argument("--chunks", nargs="+", help="chunk labels to recompute instead of the slice")
    args = ap.parse_args(argv)
    try:
        if args.command == "list":
            for name, spec in longrun.LONG_RUNS.items():
                print(f"{name}: {spec.description}")
        elif args.command == "run":
            if args.workers < 1:
                ap.error("--workers must be at least 1")
            longrun.run(args.name, workers=args.workers)
        else:
            bad = longrun.verify(args.name, args.chunks)
            if bad:
                print(f"longrun: {args.name}: chunks {bad} differ from the committed digests: the code's results "
                      f"moved; remake the run (tools/longrun.py run {args.name}) and commit it", file=sys.stderr)
                return 1
            print(f"longrun: {args.name}: the slice matches the committed digests bit for bit")
    except longrun.LongRunError as exc:
        print(f"longrun: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
