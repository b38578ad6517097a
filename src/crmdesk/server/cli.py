"""``crmdesk-server``: set up the server database, manage users and tokens, serve.

Every command takes ``--data DIR`` (SQLite in that folder) or ``--database-url
URL`` (e.g. ``postgresql+psycopg://user:pw@host/db``); without either, the
environment (``CRMDESK_DATABASE_URL``, ``CRMDESK_SERVER_DATA``) or the per-user
server data folder decides.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path

from crmdesk.config import paths
from crmdesk.domain.clock import format_local, parse_when
from crmdesk.domain.permissions import PERMISSIONS
from crmdesk.errors import AuditChainBroken, CrmdeskError, ValidationError
from crmdesk.server import accounts, audit_chains, restore, roles
from crmdesk.server.accounts import DEFAULT_TOKEN_DAYS
from crmdesk.server.storage import ServerDatabase, describe, resolve_url

PROG = "crmdesk-server"
EXIT_USAGE = 2
EXIT_BUG = 70
EXIT_INTERRUPTED = 130
DEFAULT_PORT = 8750
APP_FACTORY = "crmdesk.server.app:app_from_environment"

log = logging.getLogger("crmdesk.server")


class UsageError(CrmdeskError):
    """Options that do not go together."""

    exit_code = EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``crmdesk-server``."""
    where = argparse.ArgumentParser(add_help=False)
    group = where.add_mutually_exclusive_group()
    group.add_argument("--data", metavar="DIR", help="folder of the SQLite database")
    group.add_argument(
        "--database-url", metavar="URL", help="e.g. postgresql+psycopg://user:pw@host/dbname"
    )
    parser = argparse.ArgumentParser(
        prog=PROG, description="The crmdesk sync server and its administration."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("init", parents=[where], help="create the server database (or upgrade it)")
    serve = commands.add_parser("serve", parents=[where], help="run the sync server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port")
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--ssl-certfile", metavar="FILE", help="TLS certificate (PEM)")
    serve.add_argument("--ssl-keyfile", metavar="FILE", help="TLS private key (PEM)")
    serve.add_argument(
        "--token-days", type=float, default=DEFAULT_TOKEN_DAYS, help="sign-in token lifetime"
    )

    user = commands.add_parser("user", help="manage accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = user.add_parser("add", parents=[where], help="create an account")
    add.add_argument("name")
    add.add_argument(
        "--role",
        required=True,
        help="owner, salesperson, accountant, or a custom role ('role add')",
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user.add_parser("list", parents=[where], help="list accounts")
    for action, text in (("disable", "disable an account"), ("enable", "enable it again")):
        user.add_parser(action, parents=[where], help=text).add_argument("name")

    role = commands.add_parser("role", help="custom roles").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    role_add = role.add_parser(
        "add", parents=[where], help="make a role granting chosen permissions"
    )
    role_add.add_argument("name", help="1 to 16 characters, no spaces")
    role_add.add_argument(
        "--allow",
        action="append",
        required=True,
        metavar="PERMISSION",
        help=f"one of: {', '.join(PERMISSIONS)} (repeat for several)",
    )
    role.add_parser("list", parents=[where], help="list roles and what they grant")
    role.add_parser("remove", parents=[where], help="remove a custom role nobody has").add_argument(
        "name"
    )

    restore = commands.add_parser(
        "restore",
        parents=[where],
        help="bring back what a user deleted or overwrote (every computer gets it on its "
        "next sync)",
    )
    restore.add_argument("--user", required=True, metavar="NAME", help="whose changes to undo")
    restore.add_argument(
        "--since",
        required=True,
        metavar="WHEN",
        help="from this moment on, e.g. 2026-11-20 or '2026-11-20 14:00' (local time)",
    )
    restore.add_argument(
        "--dry-run", action="store_true", help="only list what would come back; change nothing"
    )

    token = commands.add_parser("token", help="manage sign-in tokens").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    revoke = token.add_parser("revoke", parents=[where], help="revoke sign-in tokens")
    who = revoke.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="NAME", help="every token of this user")
    who.add_argument("--all", action="store_true", help="every token of every user")

    audit = commands.add_parser("audit", help="the laptops' audit trails kept here").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    check = audit.add_parser(
        "verify",
        parents=[where],
        help="check each laptop's audit trail for edited, inserted or removed entries "
        f"(exit code {AuditChainBroken.exit_code} when one is broken)",
    )
    check.add_argument("--node", metavar="N", help="only this laptop (its node id)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    args = build_parser().parse_args(argv)
    log_file = _setup_logging()
    try:
        return _run(args)
    except CrmdeskError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        log.exception("unexpected error running %s", args.command)
        print(
            f"{PROG}: something went wrong that should not have; details are in {log_file}.",
            file=sys.stderr,
        )
        return EXIT_BUG


def _setup_logging() -> Path:
    log_file = paths.log_dir() / "crmdesk-server.log"
    handler: logging.Handler
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log_file


def _run(args: argparse.Namespace) -> int:
    url = resolve_url(args.data, args.database_url)
    if args.command == "init":
        db, applied = ServerDatabase.initialise(url)
        db.close()
        done = f"created (schema {applied[-1]})" if applied else "already up to date"
        print(f"Server database {describe(url)}: {done}.")
        return 0
    if args.command == "serve":
        return _serve(args, url)
    db = ServerDatabase.open(url)
    try:
        return _administer(args, db)
    finally:
        db.close()


def _restore(args: argparse.Namespace, db: ServerDatabase) -> int:
    since = parse_when(args.since)
    report = restore.restore(
        db, args.user, int(since.timestamp() * 1000), accounts.now_ms(), dry_run=args.dry_run
    )
    for f in report.fields:
        print(f"{f.entity} {f.row_id} {f.field}: {f.replaced} -> {f.value}")
    verb = "Would restore" if report.dry_run else "Restored"
    print(
        f"{verb} {len(report.fields)} field values of {report.rows} rows "
        f"({report.undeleted} deleted rows back) changed by '{args.user}' since "
        f"{format_local(since)}."
    )
    return 0


def _administer(args: argparse.Namespace, db: ServerDatabase) -> int:
    if args.command == "restore":
        return _restore(args, db)
    key = f"{args.command} {args.action}"
    if key == "user add":
        user = accounts.add_user(db, args.name, _password(args.password_stdin), args.role)
        print(f"Added {user.role} '{user.username}'.")
    elif key == "user list":
        users = accounts.list_users(db)
        if not users:
            print("No users yet; add one with 'crmdesk-server user add NAME --role owner'.")
        for user in users:
            state = "disabled" if user.disabled else "active"
            since = accounts.iso_utc(user.created_ms)
            print(f"{user.username:<24} {user.role:<12} {state:<9} {since}")
    elif key in ("user disable", "user enable"):
        user = accounts.set_disabled(db, args.name, args.action == "disable")
        print(f"'{user.username}' is now {'disabled' if user.disabled else 'enabled'}.")
    elif key == "role add":
        made = roles.add_role(db, args.name, args.allow, accounts.now_ms())
        print(f"Added role '{made.name}': {', '.join(made.permissions)}.")
    elif key == "role list":
        for info in roles.list_roles(db):
            kind = "built-in" if info.builtin else "custom"
            print(f"{info.name:<16} {kind:<9} {', '.join(info.permissions)}")
    elif key == "role remove":
        roles.remove_role(db, args.name)
        print(f"Removed role '{args.name}'.")
    elif key == "audit verify":
        return _audit_verify(db, args.node)
    else:
        count = accounts.revoke_tokens(db, None if args.all else args.user)
        print(f"Revoked {count} sign-in token{'' if count == 1 else 's'}.")
    return 0


def _audit_verify(db: ServerDatabase, only: str | None) -> int:
    held = dict(audit_chains.nodes(db))
    if only is not None and only not in held:
        raise ValidationError(f"The server holds no audit trail of node '{only}'.")
    if not held:
        print("No laptop has sent its audit trail yet.")
    broken = 0
    for node in [only] if only else sorted(held):
        report = audit_chains.verify(db, node)
        broken += not report.ok
        print(f"{node}: {report.describe()}")
    return AuditChainBroken.exit_code if broken else 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ValidationError("The two passwords differ; nothing was changed.")
    return first


def _serve(args: argparse.Namespace, url: str) -> int:
    import uvicorn

    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise UsageError("--ssl-certfile and --ssl-keyfile go together.")
    for name in (args.ssl_certfile, args.ssl_keyfile):
        if name and not Path(name).is_file():
            raise UsageError(f"There is no file at {name}.")
    if args.workers < 1 or args.token_days <= 0:
        raise UsageError("--workers and --token-days must be positive.")
    ServerDatabase.open(url).close()  # refuse now, in one clear line, if it cannot be used
    os.environ["CRMDESK_DATABASE_URL"] = url
    os.environ["CRMDESK_TOKEN_DAYS"] = str(args.token_days)
    scheme = "https" if args.ssl_certfile else "http"
    print(f"crmdesk sync server on {scheme}://{args.host}:{args.port} ({describe(url)})")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
