"""``crmdesk sync``: sync with the office server, its status and conflicts."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import asdict
from typing import Any

from crmdesk.cli import output
from crmdesk.errors import SyncLoginRequired, ValidationError
from crmdesk.services.app import Crm

PASSWORD_ENV = "CRMDESK_SYNC_PASSWORD"


def _password(required: bool) -> str | None:
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if not required:
        return None
    if not sys.stdin.isatty():
        raise SyncLoginRequired(
            f"A sync password is needed: run in a terminal, or set {PASSWORD_ENV} for scripts."
        )
    return getpass.getpass("Sync server password: ")


def sync(crm: Crm, args: argparse.Namespace) -> int:
    """Sync now (remembering --server/--user), or show the status with --status."""
    from crmdesk.sync.engine import SyncEngine
    from crmdesk.sync.report import describe

    if args.status:
        return sync_status(crm, args)
    show = sys.stderr.isatty() and not args.json

    def progress(stage: str, done: int, total: int | None) -> None:
        if show:
            of = f"/{total:,}" if total else ""
            print(f"\rSync: {stage} {done:,}{of}   ", end="", file=sys.stderr, flush=True)

    engine = SyncEngine(crm, progress=progress)
    if args.server or args.user:
        state = engine.state()
        server = args.server or state.get("server_url")
        user = args.user or state.get("username")
        if not server or not user:
            raise ValidationError("Give both --server URL and --user NAME the first time.")
        engine.configure(server, user)
    first_login = "token" not in engine.state()
    try:
        report = engine.sync(_password(required=first_login))
    except SyncLoginRequired:
        if os.environ.get(PASSWORD_ENV) or not sys.stdin.isatty():
            raise
        report = engine.sync(_password(required=True))
    finally:
        if show:
            print(file=sys.stderr)
    for warning in report.warnings:
        print(f"crmdesk: {warning}", file=sys.stderr)
    duplicates = (
        f"\n{report.duplicates} possible duplicates to look at: crmdesk duplicates"
        if report.duplicates
        else ""
    )
    output.say(
        args,
        describe(report),
        f"Synced: sent {report.pushed:,} changes, received {report.pulled:,} "
        f"({report.applied:,} applied), {report.conflicts} new conflicts.{duplicates}",
    )
    return 0


def sync_status(crm: Crm, args: argparse.Namespace) -> int:
    """Pending changes, last sync, cursor, open conflicts."""
    status = crm.sync.status()
    duplicates = crm.duplicates.open_count()
    lines = [
        f"Server:            {status.server_url or '(not set)'} as {status.username or '-'}",
        f"Changes to send:   {status.pending_changes + status.in_flight:,}",
        f"Last sync:         {status.last_sync or 'never'}",
        f"Cursor:            {status.cursor if status.cursor is not None else '-'}",
        f"Open conflicts:    {status.open_conflicts}",
        f"Duplicates:        {duplicates} (crmdesk duplicates)",
    ]
    if status.waiting_rows:
        lines.append(f"Rows waiting:      {status.waiting_rows} (their parent has not arrived)")
    if status.last_error:
        lines.append(f"Last error:        {status.last_error}")
    output.say(args, {**asdict(status), "open_duplicates": duplicates}, "\n".join(lines))
    return 0


def _value(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def sync_conflicts(crm: Crm, args: argparse.Namespace) -> int:
    """The open conflicts (or all with --all)."""
    rows = crm.sync.conflicts(include_closed=args.all)
    if args.json:
        output.emit_json(rows)
    elif not rows:
        print("No conflicts.")
    else:
        for c in rows:
            print(
                f"{c.id}  {c.entity}.{c.field} of {c.row_id}: kept {_value(c.winner_value)}"
                f" ({c.winner_user or '?'}), lost {_value(c.loser_value)}"
                f" ({c.loser_user or '?'}) [{c.status}]"
            )
    return 0


def sync_flip(crm: Crm, args: argparse.Namespace) -> int:
    """Make the losing value of a conflict win (synced on the next sync)."""
    crm.sync.flip(args.id)
    output.say(args, {"flipped": args.id}, "The other value is back; it is sent on the next sync.")
    return 0


def sync_dismiss(crm: Crm, args: argparse.Namespace) -> int:
    """Accept the kept value of a conflict."""
    crm.sync.dismiss(args.id)
    output.say(args, {"dismissed": args.id}, "Conflict dismissed; the kept value stays.")
    return 0


HANDLERS = {
    "sync": sync,
    "sync conflicts": sync_conflicts,
    "sync flip": sync_flip,
    "sync dismiss": sync_dismiss,
}
