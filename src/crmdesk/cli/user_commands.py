"""``crmdesk user ...`` and ``crmdesk role ...``: who works in this file and what they may do."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from crmdesk.cli import output
from crmdesk.domain.permissions import PERMISSION_LABELS, PERMISSIONS
from crmdesk.errors import CrmdeskError, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.users import ROLES

ENV_USER = "CRMDESK_USER"
ENV_PIN = "CRMDESK_PIN"


class WhoIsWorking(CrmdeskError):
    """A file with several users was opened without saying which one is working."""

    exit_code = 43


def add_parsers(sub: Any, make: Any) -> None:
    """Add ``user`` and ``role`` with their actions (``make`` builds a sub-parser)."""
    user = make(sub, "user", help="people who use this file: add, list, disable, role, pin")
    usub = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = make(usub, "add", help="add a user (owner only)")
    p.add_argument("name", metavar="NAME", help="the name they sign in with (no spaces)")
    p.add_argument("--display-name", default="", help="how the app shows them, e.g. 'Sam Berg'")
    p.add_argument("--role", default="salesperson", help=f"{', '.join(ROLES)} or a role you made")
    p.add_argument(
        "--pin",
        action="store_true",
        help=f"ask for a PIN or password they must sign in with (or read ${ENV_PIN})",
    )
    make(usub, "list", help="every user, their role, and whether they are disabled")
    p = make(usub, "disable", help="stop a user from signing in (their records stay)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--enable", action="store_true", help="let them sign in again")
    p = make(usub, "role", help="give a user another role")
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", metavar="ROLE")
    p = make(usub, "pin", help="set or clear a PIN (yours, or anyone's as owner)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--clear", action="store_true", help="remove the PIN")
    p = make(usub, "policy", help="who sees what, and the bulk limit (no options: show them)")
    p.add_argument(
        "--own-records-only",
        choices=["on", "off"],
        help="salespeople see only the customers they own (and unowned ones)",
    )
    p.add_argument(
        "--bulk-limit",
        type=int,
        metavar="ROWS",
        help="deletes and exports above this many rows need the bulk permission",
    )

    role = make(sub, "role", help="roles: list them, or make one from the permission list")
    rsub = role.add_subparsers(dest="action", metavar="ACTION", required=True)
    make(rsub, "list", help="every role and what it allows")
    p = make(rsub, "add", help="make a role (owner only); it stays in this file")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--allow",
        required=True,
        metavar="PERMISSIONS",
        help="comma-separated, from: " + ", ".join(PERMISSIONS),
    )


def sign_in(crm: Crm, username: str | None) -> None:
    """Act as ``--user``/``$CRMDESK_USER``; a file with several users needs one."""
    username = username or os.environ.get(ENV_USER) or None
    if username is None:
        if crm.users.needs_sign_in():
            raise WhoIsWorking(
                "This file has several users; say who is working with --user NAME "
                f"(before the command) or ${ENV_USER}."
            )
        return
    crm.users.sign_in(username, os.environ.get(ENV_PIN) or _ask_pin(crm, username))


def _ask_pin(crm: Crm, username: str) -> str:
    wanted = any(u.has_secret for u in crm.users.active() if u.username == username)
    if not wanted or not sys.stdin.isatty():
        return ""
    return getpass.getpass(f"PIN or password of {username}: ")


def _new_pin() -> str:
    env = os.environ.get(ENV_PIN)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise ValidationError(f"No PIN given: run in a terminal or set ${ENV_PIN}.")
    first = getpass.getpass("New PIN or password: ")
    if getpass.getpass("Again: ") != first:
        raise ValidationError("The two entries differ; nothing was changed.")
    return first


def user_add(crm: Crm, args: argparse.Namespace) -> int:
    user = crm.users.add(args.name, args.display_name, args.role, _new_pin() if args.pin else "")
    return output.say(args, user, f"Added {user.role} '{user.username}'.")


def user_list(crm: Crm, args: argparse.Namespace) -> int:
    users = crm.users.list()
    lines = [
        f"{u.username:<20} {u.display_name:<24} {u.role:<14} "
        f"{'disabled' if u.disabled else 'active':<9} {'PIN' if u.has_secret else ''}"
        for u in users
    ]
    return output.say(args, users, "\n".join(lines))


def user_disable(crm: Crm, args: argparse.Namespace) -> int:
    user = crm.users.set_disabled(args.name, not args.enable)
    state = "disabled" if user.disabled else "enabled"
    return output.say(args, user, f"{user.username} is {state}.")


def user_role(crm: Crm, args: argparse.Namespace) -> int:
    user = crm.users.set_role(args.name, args.role)
    return output.say(args, user, f"{user.username} is now {user.role}.")


def user_pin(crm: Crm, args: argparse.Namespace) -> int:
    crm.users.set_secret(args.name, "" if args.clear else _new_pin())
    done = "cleared" if args.clear else "set"
    return output.say(args, {"username": args.name, "pin": done}, f"PIN of {args.name} {done}.")


def user_policy(crm: Crm, args: argparse.Namespace) -> int:
    own = None if args.own_records_only is None else args.own_records_only == "on"
    if own is None and args.bulk_limit is None:
        policy = crm.users.policy()
    else:
        policy = crm.users.set_policy(own_records_only=own, bulk_rows=args.bulk_limit)
    seen = "only their own (and unowned) records" if policy.own_records_only else "every record"
    return output.say(
        args,
        policy,
        f"Salespeople see {seen}.\nBulk limit: {policy.bulk_limit:,} rows.",
    )


def role_list(crm: Crm, args: argparse.Namespace) -> int:
    roles = crm.roles.list()
    lines = [
        f"{r.name:<16} {'built-in' if r.builtin else 'custom':<9} {', '.join(r.permissions)}"
        for r in roles
    ]
    return output.say(args, roles, "\n".join(lines))


def role_add(crm: Crm, args: argparse.Namespace) -> int:
    role = crm.roles.add(args.name, args.allow.split(","))
    allowed = "; ".join(PERMISSION_LABELS[p] for p in role.permissions)
    return output.say(args, role, f"Made role '{role.name}': may {allowed}. It stays in this file.")


HANDLERS = {
    "user add": user_add,
    "user list": user_list,
    "user disable": user_disable,
    "user role": user_role,
    "user pin": user_pin,
    "user policy": user_policy,
    "role list": role_list,
    "role add": role_add,
}
