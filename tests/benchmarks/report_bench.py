"""Report benchmark: every report in SPECS, each grouping, over the 1,000,000-contact file.

    .venv/bin/python tests/benchmarks/report_bench.py [--db FILE] [--repeat 3] [--every week]

Opens the demo database (default /work/bench-data/demo-1000000.db, built by
``crmdesk demo --contacts 1000000``; its key file sits beside it) through
``Crm.open`` like the application does, runs every report with the default
period (the last 12 months) and each of its groupings, and prints a Markdown
table: the first run (cold caches) and the median of the warm runs. The
budget is 2 s per report. Writes the table to
``tests/benchmarks/report_latest.md``. Not part of the test run: timings on
shared machines are noisy, so they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.reports import SPECS

PASS = "benchmark passphrase"
DEFAULT_DB = Path("/work/bench-data/demo-1000000.db")
BUDGET_S = 2.0
OUT = Path(__file__).with_name("report_latest.md")


def measure(crm: Crm, name: str, by: str, every: str, repeat: int) -> tuple[float, list[float]]:
    """Seconds of the first run and of ``repeat`` more."""
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        crm.reports.run(name, by=by, every=every)
        times.append(time.perf_counter() - start)
    return times[0], times[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per report")
    parser.add_argument("--every", default="", help="month (default) or week")
    parser.add_argument("--only", nargs="*", default=[], help="report names (default: all)")
    parser.add_argument("--note", default="", help="a line to print under the table")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    opened = time.perf_counter()
    crm = Crm.open(args.db, PASS)
    opened = time.perf_counter() - opened
    lines = []
    try:
        with crm.ctx.read() as session:
            version = session.execute(text("PRAGMA user_version")).scalar()
            activities, purchases = session.execute(
                text(
                    "SELECT count(*), count(CASE WHEN kind = 'purchase' THEN 1 END) FROM activities"
                )
            ).one()
        lines += [
            f"Report benchmark, {date.today()}: {args.db.name}, schema {version}, "
            f"{activities:,} activities ({purchases:,} purchases); "
            f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
            f"opened in {opened:.1f} s. Default period (last 12 months), every "
            f"{args.every or 'month'}; warm = median of {args.repeat} runs after the first.",
            "",
            "| report | by | first run | warm | budget 2 s |",
            "|---|---|---:|---:|---|",
        ]
        print("\n".join(lines), flush=True)
        for spec in SPECS.values():
            if args.only and spec.name not in args.only:
                continue
            every = args.every if args.every in spec.intervals else ""
            for by in spec.groupings or ("",):
                first, warm = measure(crm, spec.name, by, every, args.repeat)
                typical = statistics.median(warm) if warm else first
                mark = "✓" if typical < BUDGET_S else "✗ over"
                row = f"| {spec.name} | {by or '-'} | {first:.2f} s | {typical:.2f} s | {mark} |"
                lines.append(row)
                print(row, flush=True)
    finally:
        crm.close()
    if args.note:
        lines += ["", args.note]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
