"""``crmdesk export KIND --out FILE``: files for the accountant and other programs."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from crmdesk.cli import output
from crmdesk.errors import ValidationError
from crmdesk.interchange.csv_format import resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest, Period

#: Exports at least this big show a progress line on a terminal.
PROGRESS_FROM = 10_000
SUFFIX_FORMATS = {".vcf": "vcard", ".vcard": "vcard", ".ics": "ics"}


def day_option(text: str | None, option: str) -> date | None:
    """The date given to ``option`` (--from, --to), or None when it was left out."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{option} '{text}' is not a date like 2026-10-31.") from None


def export(crm: Crm, args: argparse.Namespace) -> int:
    """Write the export file and say how many rows it holds."""
    out = Path(args.out).expanduser()
    fmt = args.format or SUFFIX_FORMATS.get(out.suffix.lower(), "csv")
    options = resolve_options(
        locale=args.locale,
        delimiter=args.delimiter,
        decimal=args.decimal,
        encoding=args.encoding,
        date_format=args.date_format,
    )
    request = ExportRequest(
        kind=args.kind,
        path=out,
        format=fmt,
        period=Period(day_option(args.start, "--from"), day_option(args.end, "--to")),
        csv=options,
        vcard_version=args.vcard_version,
        overwrite=args.overwrite,
        limit=args.limit,
    )
    show = sys.stderr.isatty() and not args.json
    shown = False

    def progress(done: int, total: int) -> None:
        nonlocal shown
        if show and total >= PROGRESS_FROM:
            shown = True
            print(
                f"\rExporting {args.kind}: {done:,}/{total:,} rows ({100 * done // total} %)",
                end="",
                file=sys.stderr,
                flush=True,
            )

    result = crm.exports.export(request, progress)
    if shown:
        print(file=sys.stderr)
    if args.json:
        output.emit_json(result)
    else:
        print(
            f"Wrote {result.rows:,} {args.kind} to {result.path} ({fmt}, {result.seconds:.1f} s)."
        )
    return 0
