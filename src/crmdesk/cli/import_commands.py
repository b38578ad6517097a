"""``crmdesk import``: import a file, list imports, undo one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crmdesk.cli import output
from crmdesk.domain.clock import format_local
from crmdesk.errors import ValidationError
from crmdesk.interchange.mapping import parse_map_option
from crmdesk.services.app import Crm
from crmdesk.services.imports import ImportOptions, ImportPlan, RowOutcome

SHOWN = 50  # rows listed per kind of outcome; the rest are counted


def import_command(crm: Crm, args: argparse.Namespace) -> int:
    """Dispatch ``import FILE``, ``import list`` and ``import undo ID``."""
    if args.file == "list" and args.import_id is None:
        return _list(crm, args)
    if args.file == "undo":
        if not args.import_id:
            raise ValidationError("Say which import to undo: crmdesk import undo ID.")
        return _undo(crm, args)
    if args.import_id is not None:
        raise ValidationError(f"Import one file at a time ('{args.import_id}' is one too many).")
    return _import(crm, args)


def _options(args: argparse.Namespace) -> ImportOptions:
    mapping = []
    for item in args.map:
        column, target = parse_map_option(item)
        mapping.append((column, None if target.field == "ignore" else target))
    return ImportOptions(
        Path(args.file).expanduser(),
        format=args.format,
        preset=args.preset,
        mapping=tuple(mapping),
        on_duplicate=args.on_duplicate,
    )


def _import(crm: Crm, args: argparse.Namespace) -> int:
    options = _options(args)
    show_progress = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int) -> None:
        if show_progress:
            print(f"\r{100 * done // max(1, total):3d} %", end="", file=sys.stderr, flush=True)

    if args.dry_run:
        plan = crm.imports.plan(options, progress)
        if show_progress:
            print(file=sys.stderr)
        counts = plan.counts
        if args.json:
            output.emit_json(_plan_json(plan))
            return 0
        _print_source(plan)
        _print_rows(plan.outcomes)
        print(
            f"Dry run, nothing imported: {counts['create']:,} would be created, "
            f"{counts['merge']:,} merged, {counts['skip']:,} skipped, "
            f"{counts['reject']:,} rejected."
        )
        return 0
    result = crm.imports.run(options, progress)
    if show_progress:
        print(file=sys.stderr)
    if args.json:
        data = _plan_json(result.plan)
        data.update(
            import_id=result.import_id,
            rejects_file=str(result.rejects_path) if result.rejects_path else None,
            seconds=round(result.seconds, 3),
        )
        output.emit_json(data)
        return 0
    _print_source(result.plan)
    _print_rows(result.plan.outcomes)
    print(f"Imported {options.path.name}: {result.summary()}.")
    if result.rejects_path:
        print(f"Rejected rows were written to {result.rejects_path}.")
    print(f"Undo with: crmdesk import undo {result.import_id[:13]}")
    return 0


def _print_source(plan: ImportPlan) -> None:
    s = plan.source
    how = f"{s.format}, {s.encoding}"
    if s.delimiter:
        how += ", delimiter " + ("tab" if s.delimiter == "\t" else repr(s.delimiter))
    print(f"{s.path.name}: {how}, preset {s.preset}.")
    if s.unmapped:
        print(f"Columns not imported: {', '.join(s.unmapped)}.")


def _print_rows(outcomes: list[RowOutcome]) -> None:
    for action, verb in (("reject", "rejected"), ("skip", "skipped"), ("merge", "merged")):
        rows = [o for o in outcomes if o.action == action]
        for o in rows[:SHOWN]:
            name = f" {o.name}" if o.name else ""
            print(f"  row {o.row} {verb}{name}: {o.reason}")
        if len(rows) > SHOWN:
            print(f"  ... and {len(rows) - SHOWN:,} more rows {verb}.")


def _plan_json(plan: ImportPlan) -> dict[str, object]:
    s = plan.source
    return {
        "file": str(s.path),
        "format": s.format,
        "encoding": s.encoding,
        "delimiter": s.delimiter,
        "preset": s.preset,
        "unmapped_columns": s.unmapped,
        "counts": plan.counts,
        "new_companies": plan.new_companies,
        "rows": [
            {"row": o.row, "action": o.action, "name": o.name, "reason": o.reason}
            for o in plan.outcomes
            if o.action != "create" or o.reason
        ],
    }


def _list(crm: Crm, args: argparse.Namespace) -> int:
    imports = crm.import_history.list()
    if args.json:
        output.emit_json(imports)
        return 0
    if not imports:
        print("No imports yet.")
        return 0
    for i in imports:
        undone = f"  UNDONE {format_local(i.undone_at)}" if i.undone_at else ""
        print(
            f"{i.id[:13]}  {format_local(i.started_at)}  {i.file_name}  "
            f"{i.created} created, {i.merged} merged, {i.skipped} skipped, "
            f"{i.rejected} rejected  ({i.user}){undone}"
        )
    return 0


def _undo(crm: Crm, args: argparse.Namespace) -> int:
    result = crm.import_history.undo(args.import_id)
    if args.json:
        output.emit_json(result)
        return 0
    print(f"Import undone: {result.summary()}.")
    for sentence in result.kept:
        print(f"  {sentence}")
    return 0
