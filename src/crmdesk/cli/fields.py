"""``crmdesk field ...``: define the custom fields every contact can carry."""

from __future__ import annotations

import argparse
from typing import Any

from crmdesk.cli import output
from crmdesk.services.app import Crm
from crmdesk.services.custom_fields import TYPES


def add_parsers(sub: Any, make: Any) -> None:
    """Add the ``field`` command and its actions (``make`` builds a sub-parser)."""
    field = make(sub, "field", help="custom fields: add, list, rename, move, delete")
    fsub = field.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = make(fsub, "add", help="define a new custom field; prints its key")
    p.add_argument("label", metavar="LABEL", help="what the contact dialog calls it")
    p.add_argument("--type", dest="field_type", default="text", choices=list(TYPES))
    make(fsub, "list", help="the custom fields in dialog order")
    p = make(fsub, "rename", help="change a field's label (its key stays)")
    p.add_argument("key", metavar="KEY")
    p.add_argument("label", metavar="LABEL")
    p = make(fsub, "move", help="move a field up or down in the dialog")
    p.add_argument("key", metavar="KEY")
    p.add_argument("offset", metavar="OFFSET", type=int, help="-1 up one place, 1 down one")
    p = make(fsub, "delete", help="remove a field from the dialog")
    p.add_argument("key", metavar="KEY")


def field_add(crm: Crm, args: argparse.Namespace) -> int:
    key = crm.custom_fields.add(args.label, args.field_type)
    return output.say(args, {"key": key}, key)


def field_list(crm: Crm, args: argparse.Namespace) -> int:
    fields = crm.custom_fields.list()
    lines = [
        f"{f.key:<20} {f.label:<30} {TYPES[f.field_type]:<9} used by {f.used_by}" for f in fields
    ]
    return output.say(args, fields, "\n".join(lines) or "No custom fields yet (crmdesk field add).")


def field_rename(crm: Crm, args: argparse.Namespace) -> int:
    crm.custom_fields.rename(args.key, args.label)
    return output.say(args, {"key": args.key, "label": args.label}, f"Renamed {args.key}.")


def field_move(crm: Crm, args: argparse.Namespace) -> int:
    crm.custom_fields.move(args.key, args.offset)
    return output.say(args, {"key": args.key}, f"Moved {args.key}.")


def field_delete(crm: Crm, args: argparse.Namespace) -> int:
    crm.custom_fields.delete(args.key)
    return output.say(args, {"key": args.key}, f"Removed {args.key} from the contact dialog.")


HANDLERS = {
    "field add": field_add,
    "field list": field_list,
    "field rename": field_rename,
    "field move": field_move,
    "field delete": field_delete,
}
