"""``crmdesk list``: saved searches ("smart lists") that stay up to date."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crmdesk.cli import output
from crmdesk.domain.clock import parse_when
from crmdesk.domain.smart_query import FIELDS, parse_query
from crmdesk.interchange.csv_format import LOCALE_PRESETS, resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.smart_lists import SavedListView

WHERE_HELP = (
    "one condition: FIELD OPERATOR VALUE (repeatable; all must hold unless --any). "
    "Operators: is, is not, contains, is one of A, B, >, <, between A and B, is empty, "
    "is not empty; for dates also before DATE, after DATE, in the last N days|weeks|months, "
    "more than N days|weeks|months ago (dates as YYYY-MM-DD). Examples: 'stage is customer', "
    "'last purchase more than 90 days ago', 'tag is one of vip, gold', "
    "'total purchases > 500', 'bought Coffee beans'"
)
FIELDS_HELP = "Fields: " + ", ".join(FIELDS) + "."


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``list`` and its actions (``make`` builds a sub-parser)."""
    p = make(
        sub,
        "list",
        help="saved searches (smart lists): add, show, run, export, make follow-ups",
        description="A smart list is a saved search over contacts that stays up to date: "
        "'bought in the last 90 days' means the last 90 days whenever it runs. "
        "Without an action, shows every saved list. " + FIELDS_HELP,
    )
    lsub = p.add_subparsers(dest="action", metavar="ACTION")
    for name, helptext in (
        ("add", "save a new list"),
        ("edit", "replace a list's conditions"),
    ):
        q = make(lsub, name, help=helptext, description=f"{helptext.capitalize()}. {FIELDS_HELP}")
        q.add_argument("name", metavar="NAME", help="the list's name")
        q.add_argument("--where", action="append", required=True, metavar="CONDITION",
                       help=WHERE_HELP)  # fmt: skip
        q.add_argument("--any", action="store_true", help="any condition is enough (not all)")
    q = make(lsub, "rename", help="give a list a new name")
    q.add_argument("name", metavar="NAME")
    q.add_argument("new_name", metavar="NEW_NAME")
    for name, helptext in (
        ("show", "a list's conditions and how many contacts are on it now"),
        ("delete", "remove a saved list (its contacts stay as they are)"),
    ):
        make(lsub, name, help=helptext).add_argument("name", metavar="NAME")
    q = make(lsub, "run", help="the contacts on a list now, in name order")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--limit", type=int, default=200, help="show at most this many (default 200)")
    q = make(lsub, "export", help="write a list's contacts to a CSV or vCard file")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    q.add_argument("--format", choices=["csv", "vcard"], help="default: from the file name")
    q.add_argument("--locale", help="spreadsheet preset: " + ", ".join(LOCALE_PRESETS))
    q.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    q = make(lsub, "followups", help="schedule a follow-up for everyone on a list")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--text", required=True, help="what to do, e.g. 'Call about spring offer'")
    q.add_argument("--due", required=True, help="e.g. tomorrow, 2026-12-01 14:00, +3d")


def _lines(saved: SavedListView) -> list[str]:
    joiner = "all of" if saved.query.match == "all" else "any of"
    conditions = [f"  {c}" for c in saved.query.conditions] or ["  (no conditions: everyone)"]
    return [f"{saved.name}: {joiner}", *conditions]


def list_all(crm: Crm, args: argparse.Namespace) -> int:
    """Every saved list with its conditions."""
    saved = crm.smart_lists.all()
    if args.json:
        output.emit_json([_json(s) for s in saved])
        return 0
    if not saved:
        print("No saved lists yet. Add one with: crmdesk list add NAME --where 'stage is lead'")
    for s in saved:
        print(f"{s.name}  ({s.description})")
    return 0


def _json(saved: SavedListView, count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": saved.id,
        "name": saved.name,
        "match": saved.query.match,
        "conditions": [str(c) for c in saved.query.conditions],
    }
    if count is not None:
        data["count"] = count
    return data


def add(crm: Crm, args: argparse.Namespace) -> int:
    """Save a new list and say how many contacts are on it."""
    saved = crm.smart_lists.create(args.name, parse_query(args.where, _match(args)))
    return _shown(crm, args, saved, "Saved")


def edit(crm: Crm, args: argparse.Namespace) -> int:
    """Replace a list's conditions."""
    saved = crm.smart_lists.edit(args.name, parse_query(args.where, _match(args)))
    return _shown(crm, args, saved, "Changed")


def rename(crm: Crm, args: argparse.Namespace) -> int:
    """Give a list a new name."""
    saved = crm.smart_lists.rename(args.name, args.new_name)
    return output.say(args, _json(saved), f"Renamed to {saved.name}.")


def show(crm: Crm, args: argparse.Namespace) -> int:
    """A list's conditions and its count now."""
    return _shown(crm, args, crm.smart_lists.get(args.name))


def _shown(crm: Crm, args: argparse.Namespace, saved: SavedListView, verb: str = "") -> int:
    count = crm.smart_lists.count(saved.query)
    lines = _lines(saved)
    if verb:
        lines[0] = f"{verb} {lines[0]}"
    lines.append(f"{count:,} contact{'s' if count != 1 else ''} on it now.")
    return output.say(args, _json(saved, count), "\n".join(lines))


def run(crm: Crm, args: argparse.Namespace) -> int:
    """The contacts on a list now."""
    saved = crm.smart_lists.get(args.name)
    rows = crm.smart_lists.page(saved.query, limit=max(1, args.limit))
    if args.json:
        output.emit_json(rows)
        return 0
    for row in rows:
        print(output.summary_line(row))
    total = crm.smart_lists.count(saved.query)
    more = f" (first {len(rows):,} shown)" if total > len(rows) else ""
    print(f"{total:,} contact{'s' if total != 1 else ''} on {saved.name}{more}.")
    return 0


def delete(crm: Crm, args: argparse.Namespace) -> int:
    """Remove a saved list."""
    saved = crm.smart_lists.get(args.name)
    crm.smart_lists.delete(saved.id)
    return output.say(args, {"deleted": saved.id}, f"Deleted the list {saved.name}.")


def export(crm: Crm, args: argparse.Namespace) -> int:
    """Write a list's contacts to a file."""
    out = Path(args.out).expanduser()
    fmt = args.format or ("vcard" if out.suffix.lower() in (".vcf", ".vcard") else "csv")
    result = crm.smart_lists.export(
        args.name,
        out,
        fmt=fmt,
        options=resolve_options(locale=args.locale),
        overwrite=args.overwrite,
    )
    text = f"Wrote {result.rows:,} contacts of {args.name} to {result.path} ({fmt})."
    return output.say(args, result, text)


def followups(crm: Crm, args: argparse.Namespace) -> int:
    """One follow-up for each contact on a list."""
    saved = crm.smart_lists.get(args.name)
    due = parse_when(args.due)
    made = crm.smart_lists.make_followups(saved.query, args.text, due, f"list '{saved.name}'")
    text = f"Scheduled {made:,} follow-up{'s' if made != 1 else ''} for {saved.name}."
    return output.say(args, {"list": saved.name, "created": made, "due_at": due}, text)


def _match(args: argparse.Namespace) -> str:
    return "any" if args.any else "all"


HANDLERS = {
    "list": list_all,
    "list add": add,
    "list edit": edit,
    "list rename": rename,
    "list show": show,
    "list run": run,
    "list delete": delete,
    "list export": export,
    "list followups": followups,
}
