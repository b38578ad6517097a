"""Report benchmark: every report in SPECS, each grouping, over the 1,000,000-contact file.

    .venv/bin/python tests/benchmarks/report_bench.py [--db FILE] [--repeat 3] [--every week]

Opens the demo database (default /work/bench-data/demo-1000000.db, built by
``crmdesk demo --contacts 1000000``; its key file sits beside it) through
``Crm.open`` like the application does, runs every report with the default
period (the last 12 months) and each of its groupings, and prints a Markdown
table: the first run (cold caches) and the median wall and CPU time of the
warm runs. The
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


def measure(
    crm: Crm, name: str, by: str, every: str, repeat: int
) -> tuple[float, list[tuple[float, float]]]:
    """Wall seconds of the first run, and (wall, CPU) seconds of ``repeat`` more.

    CPU time is this process's own: on a machine shared with other jobs it
    shows what the report costs when wall time is inflated by waiting.
    """
    first = 0.0
    warm = []
    for n in range(repeat + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        crm.reports.run(name, by=by, every=every)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if n == 0:
            first = wall
        else:
            warm.append((wall, cpu))
    return first, warm


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
            "| report | by | first run | warm (wall) | warm (CPU) | budget 2 s |",
            "|---|---|---:|---:|---:|---|",
        ]
        print("\n".join(lines), flush=True)
        for spec in SPECS.values():
            if args.only and spec.name not in args.only:
                continue
            every = args.every if args.every in spec.intervals else ""
            for by in spec.groupings or ("",):
                first, warm = measure(crm, spec.name, by, every, args.repeat)
                wall = statistics.median(w for w, _ in warm) if warm else first
                cpu = statistics.median(c for _, c in warm) if warm else float("nan")
                mark = "✓" if wall < BUDGET_S else "✓ in CPU" if cpu < BUDGET_S else "✗ over"
                row = (
                    f"| {spec.name} | {by or '-'} | {first:.2f} s | {wall:.2f} s "
                    f"| {cpu:.2f} s | {mark} |"
                )
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
