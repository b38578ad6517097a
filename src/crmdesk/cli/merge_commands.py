"""``crmdesk duplicates`` (proposals found after sync), ``merge`` and ``unmerge``."""

from __future__ import annotations

import argparse
from typing import Any

from crmdesk.cli import output
from crmdesk.domain.clock import format_local
from crmdesk.services.app import Crm
from crmdesk.services.duplicates import DuplicateSide

REF_HELP = "id, e-mail, phone number or exact name"


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``duplicates``, ``merge`` and ``unmerge`` (``make`` builds a sub-parser)."""
    p = make(sub, "duplicates", help="contacts that look like one customer, found after sync")
    p.add_argument("--limit", type=int, default=200)
    dsub = p.add_subparsers(dest="action", metavar="ACTION")
    make(dsub, "dismiss", help="not duplicates: never propose this pair again").add_argument(
        "id", metavar="ID", help="the proposal id (or its first characters)"
    )
    p = make(sub, "merge", help="merge OTHER into KEEP (OTHER goes to the trash)")
    p.add_argument("keep", metavar="KEEP", help=REF_HELP)
    p.add_argument("other", metavar="OTHER", help=REF_HELP)
    p = make(sub, "unmerge", help="undo the merge that put REF into another contact")
    p.add_argument("ref", metavar="REF", help=f"the merged-away contact: {REF_HELP}")


def _side(side: DuplicateSide) -> str:
    where = f" ({side.company})" if side.company else ""
    details = ", ".join((*side.emails, *side.phones)) or "no e-mail or phone"
    last = f", last {format_local(side.last_activity)}" if side.last_activity else ""
    return f"{side.name}{where} [{side.id}]: {details}; {side.activities} activities{last}"


def duplicates(crm: Crm, args: argparse.Namespace) -> int:
    """The open proposals: both contacts and why they matched."""
    pairs = crm.duplicates.open_pairs(limit=args.limit)
    if args.json:
        output.emit_json(pairs)
        return 0
    if not pairs:
        print("No possible duplicates.")
        return 0
    for pair in pairs:
        print(f"{pair.id}  {pair.reason}")
        print(f"    {_side(pair.left)}")
        print(f"    {_side(pair.right)}")
    print(
        "Merge with: crmdesk merge KEEP OTHER; or: crmdesk duplicates dismiss ID (not duplicates)."
    )
    return 0


def duplicates_dismiss(crm: Crm, args: argparse.Namespace) -> int:
    """Not duplicates: the pair is never proposed again."""
    crm.duplicates.dismiss(args.id)
    return output.say(
        args, {"dismissed": args.id}, "Not duplicates; this pair will not be proposed again."
    )


def merge(crm: Crm, args: argparse.Namespace) -> int:
    """Merge OTHER into KEEP."""
    keep, other = crm.queries.resolve(args.keep), crm.queries.resolve(args.other)
    result = crm.merges.merge(keep, other)
    return output.say(args, result, f"{result.summary()} Undo with: crmdesk unmerge {other}")


def unmerge(crm: Crm, args: argparse.Namespace) -> int:
    """Take a merged-away contact back out of the one it was merged into."""
    other = crm.queries.resolve(args.ref, include_deleted=True)
    result = crm.merges.unmerge(crm.merges.last_merge(other))
    lines = [f"{result.other_name} is back, with {result.moved_back} records moved back."]
    lines += [f"  {k}" for k in result.kept]
    return output.say(args, result, "\n".join(lines))


HANDLERS = {
    "duplicates": duplicates,
    "duplicates dismiss": duplicates_dismiss,
    "merge": merge,
    "unmerge": unmerge,
}
