"""``crmdesk trash`` (list, restore, purge) and ``crmdesk privacy`` (export, erase,
review, retention)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crmdesk.cli import output
from crmdesk.domain.clock import format_local
from crmdesk.errors import NotConfirmed, NotInTrash
from crmdesk.services.app import Crm
from crmdesk.services.trash import TrashItem

REF_HELP = "the person: id, e-mail, phone number or exact name"


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``trash`` and ``privacy`` (``make`` builds a sub-parser)."""
    trash = make(sub, "trash", help="deleted records: list, restore, purge for good")
    tsub = trash.add_subparsers(dest="action", metavar="ACTION", required=True)
    make(tsub, "list", help="what is in the trash, newest first, with who deleted it")
    make(tsub, "restore", help="bring a record back").add_argument(
        "id", metavar="ID", help="the id shown by 'trash list' (or its first characters)"
    )
    p = make(tsub, "purge", help="remove for good (owner only; cannot be undone)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("id", metavar="ID", nargs="?", help="the id shown by 'trash list'")
    group.add_argument(
        "--older-than", type=int, metavar="DAYS", help="everything deleted more than DAYS ago"
    )

    privacy = make(sub, "privacy", help="a person's data: export all of it, erase it, review")
    psub = privacy.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = make(psub, "export", help="everything held about a person, as JSON and vCard")
    p.add_argument("ref", metavar="CONTACT", help=REF_HELP)
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write into")
    p = make(
        psub,
        "erase",
        help="erase a person everywhere, history included (owner only; cannot be undone)",
    )
    p.add_argument("ref", metavar="CONTACT", help=REF_HELP)
    p.add_argument(
        "--confirm", metavar="NAME", help="the person's full name, typed to confirm (else asked)"
    )
    p = make(psub, "review", help="leads nobody has touched for the retention period")
    p.add_argument("--months", type=int, help="this many months instead of the setting")
    p = make(psub, "retention", help="show or set the retention period of untouched leads")
    p.add_argument("months", metavar="MONTHS", type=int, nargs="?")


def _item(crm: Crm, ref: str) -> TrashItem:
    ref = ref.strip().lower()
    found = [i for i in crm.trash.items(limit=1_000_000) if i.id.startswith(ref)] if ref else []
    if len(found) != 1:
        what = "nothing" if not found else f"{len(found)} records"
        raise NotInTrash(f"'{ref}' names {what} in the trash; see 'crmdesk trash list'.")
    return found[0]


def trash_list(crm: Crm, args: argparse.Namespace) -> int:
    """What is in the trash."""
    items = crm.trash.items()
    if args.json:
        output.emit_json(items)
        return 0
    if not items:
        print("The trash is empty.")
        return 0
    for i in items:
        whose = f" ({i.contact_name})" if i.kind != "contact" else ""
        by = f" by {i.deleted_by}" if i.deleted_by else ""
        print(f"{i.id}  {i.kind:<9} {i.title}{whose}  deleted {format_local(i.deleted_at)}{by}")
    return 0


def trash_restore(crm: Crm, args: argparse.Namespace) -> int:
    """Bring one record back."""
    item = _item(crm, args.id)
    crm.trash.restore(item.kind, item.id)
    return output.say(args, {"restored": item.id}, f"Restored {item.kind} {item.title}.")


def trash_purge(crm: Crm, args: argparse.Namespace) -> int:
    """Remove records in the trash for good."""
    if args.older_than is not None:
        count = crm.trash.purge_older_than(args.older_than)
        return output.say(
            args,
            {"purged": count},
            f"Purged {count} record{'' if count == 1 else 's'} deleted more than "
            f"{args.older_than} days ago.",
        )
    item = _item(crm, args.id)
    rows = crm.trash.purge(item.kind, item.id)
    return output.say(
        args,
        {"purged": item.id, "rows": rows},
        f"Purged {item.kind} {item.title} for good ({rows} rows); other computers "
        "remove it on their next sync.",
    )


def privacy_export(crm: Crm, args: argparse.Namespace) -> int:
    """Write everything about a person into a folder."""
    contact_id = crm.queries.resolve(args.ref, include_deleted=True)
    files = crm.privacy.export(contact_id, Path(args.out).expanduser())
    return output.say(
        args,
        {"json": str(files.json), "vcard": str(files.vcard)},
        f"Wrote {files.json} and {files.vcard}.",
    )


def privacy_erase(crm: Crm, args: argparse.Namespace) -> int:
    """Erase a person, confirmed by typing their name."""
    contact_id = crm.queries.resolve(args.ref, include_deleted=True)
    name = crm.queries.summaries([contact_id])[0].display_name
    typed = args.confirm
    if typed is None:
        if not sys.stdin.isatty():
            raise NotConfirmed(f"Confirm with --confirm '{name}'; nothing was erased.")
        typed = input(f"This erases {name} and their history everywhere. Type their name: ")
    rows = crm.privacy.erase(contact_id, typed)
    return output.say(
        args,
        {"erased": contact_id, "rows": rows},
        f"Erased {name} ({rows} rows, their search entry and the audit entries about them); "
        "the server and other computers erase them on their next sync.",
    )


def privacy_review(crm: Crm, args: argparse.Namespace) -> int:
    """Leads untouched for the retention period."""
    months = args.months if args.months is not None else crm.privacy.retention_months
    leads = crm.privacy.review(months)
    if args.json:
        output.emit_json(leads)
        return 0
    if not leads:
        print(f"No lead has gone untouched for {months} months.")
        return 0
    print(f"Leads untouched for {months} months (erase or keep them):")
    for lead in leads:
        print(f"{lead.id}  {lead.name}  last touched {format_local(lead.last_touched, False)}")
    return 0


def privacy_retention(crm: Crm, args: argparse.Namespace) -> int:
    """Show or set the retention period."""
    if args.months is not None:
        crm.privacy.set_retention_months(args.months)
    months = crm.privacy.retention_months
    return output.say(
        args, {"months": months}, f"Leads untouched for {months} months are flagged for review."
    )


HANDLERS = {
    "trash list": trash_list,
    "trash restore": trash_restore,
    "trash purge": trash_purge,
    "privacy export": privacy_export,
    "privacy erase": privacy_erase,
    "privacy review": privacy_review,
    "privacy retention": privacy_retention,
}
