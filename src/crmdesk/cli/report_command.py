"""``crmdesk report NAME``: a report's main table and findings, as text, JSON or CSV."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crmdesk.cli import output
from crmdesk.cli.export_command import day_option
from crmdesk.interchange.csv_format import LOCALE_PRESETS, resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.periods import Period
from crmdesk.services.reports import SPECS
from crmdesk.services.reports.base import Cell, ReportResult, Table


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``report`` (``make`` builds a sub-parser)."""
    reports = "\n".join(
        f"  {spec.name:<10} {spec.description}"
        + (f"\n  {'':<10} --by {' | '.join(spec.groupings)}" if spec.groupings else "")
        for spec in SPECS.values()
    )
    p = make(
        sub,
        "report",
        help="sales, the customer journey and other reports (--list names them)",
        usage="crmdesk report NAME [--from DATE] [--to DATE] [--by GROUP] "
        "[--every month|week] [--json | --csv FILE]\n       crmdesk report --list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a report over the database and print its main table and what it "
        "found.\nWithout --from the period is the twelve months up to --to (default: today); "
        "changes are against the period of the same length just before.",
        epilog="reports:\n" + reports,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="which report (or: list)")
    p.add_argument("--list", action="store_true", help="name every report and what it shows")
    p.add_argument("--from", dest="start", metavar="DATE", help="first day, e.g. 2026-01-01")
    p.add_argument("--to", dest="end", metavar="DATE", help="last day (included), e.g. 2026-12-31")
    p.add_argument("--by", default="", metavar="GROUP", help="how to break it down (see below)")
    p.add_argument("--every", default="", choices=["month", "week"], help="default: month")
    p.add_argument("--csv", metavar="FILE", help="write the main table to FILE instead")
    p.add_argument(
        "--locale",
        metavar="LOCALE",
        help="with --csv: delimiter and decimal mark of " + ", ".join(LOCALE_PRESETS),
    )
    p.add_argument("--delimiter", help="with --csv: ',', ';' or 'tab'")
    p.add_argument("--decimal", help="with --csv: '.' or ','")
    p.add_argument("--encoding", help="with --csv: utf-8-sig (default, with BOM), utf-8 or cp1252")


def report(crm: Crm, args: argparse.Namespace) -> int:
    """Run the report and print it, or save its main table as CSV."""
    if args.list or args.name in (None, "list"):
        return _list(crm, args)
    period = Period(day_option(args.start, "--from"), day_option(args.end, "--to"))
    result = crm.reports.run(args.name, period, by=args.by, every=args.every)
    if args.csv:
        options = resolve_options(
            locale=args.locale,
            delimiter=args.delimiter,
            decimal=args.decimal,
            encoding=args.encoding,
            date_format=None,
        )
        path = Path(args.csv).expanduser()
        rows = crm.reports.save_csv(result, path, options)
        return output.say(
            args,
            {"report": result.name, "path": str(path), "rows": rows},
            f"Wrote {rows:,} rows of '{result.tables[0].title}' to {path}.",
        )
    if args.json:
        output.emit_json(result.as_json())
        return 0
    print(render(result))
    return 0


def _list(crm: Crm, args: argparse.Namespace) -> int:
    specs = crm.reports.specs()
    data = [
        {
            "name": s.name,
            "title": s.title,
            "description": s.description,
            "by": list(s.groupings),
            "every": list(s.intervals),
        }
        for s in specs
    ]
    lines = []
    for s in specs:
        lines.append(f"{s.name:<10} {s.title}: {s.description}")
        if s.groupings:
            lines.append(f"{'':<10} --by {' | '.join(s.groupings)}")
    return output.say(args, data, "\n".join(lines))


def render(result: ReportResult) -> str:
    """Title, period, the main table with aligned columns, then the findings."""
    start, end = result.period.start, result.period.end
    head = f"{result.title}, {start} to {end}"
    lines = [head, "=" * len(head), "", *table_lines(result.tables[0])]
    if result.findings:
        lines += ["", *(f"* {finding}" for finding in result.findings)]
    return "\n".join(lines)


def table_lines(table: Table) -> list[str]:
    """A table as text: text left-aligned, numbers right-aligned (each column with one
    number of decimals), a rule under the header."""
    columns = list(zip(*table.rows, strict=True)) if table.rows else [()] * len(table.columns)
    numeric = [all(v is None or isinstance(v, (int, float)) for v in col) for col in columns]
    places = [max((_places(v) for v in col), default=0) for col in columns]
    cells = [[_cell(v, places[i]) for i, v in enumerate(row)] for row in table.rows]
    widths = [
        max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(table.columns)
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(list(table.columns)), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    if not cells:
        out.append("(nothing in this period)")
    return out


def _places(value: Cell) -> int:
    """Decimals a number needs (at most 2)."""
    if not isinstance(value, float):
        return 0
    return len(f"{value:.2f}".rstrip("0").partition(".")[2])


def _cell(value: Cell, places: int) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return f"{value:,.{places}f}"
    return value


HANDLERS = {"report": report}
