"""``crmdesk passwd``, ``recover``, ``backup`` and ``restore``: the passphrase, the
recovery code and copies of the database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crmdesk import instance
from crmdesk.cli import output
from crmdesk.cli.passphrase import read_new_passphrase, read_passphrase, read_recovery_code
from crmdesk.errors import DatabaseBusy
from crmdesk.services import backups
from crmdesk.services.app import Crm
from crmdesk.store import keyfile
from crmdesk.store.database import Database


def add_parsers(sub: Any, make: Any) -> None:
    """Add the commands of this module (``make`` builds a sub-parser)."""
    p = make(
        sub,
        "passwd",
        help="change the passphrase (quick: only the key file is rewritten)",
        description="Change the passphrase. Asks the current one (or takes $CRMDESK_PASSPHRASE), "
        "then the new one twice. The database is not re-encrypted: its key file is rewritten.",
    )
    p.add_argument(
        "--new-passphrase-stdin",
        action="store_true",
        help="read the new passphrase from the first line of standard input (for scripts)",
    )
    p.add_argument(
        "--new-recovery-code",
        action="store_true",
        help="also make a new recovery code (the old one stops working); shown once",
    )
    make(
        sub,
        "recover",
        help="forgot the passphrase? set a new one with the recovery code",
        description="Set a new passphrase with the recovery code shown when the database was "
        "made. Asks the code (or reads it from standard input), then the new passphrase "
        "twice (or takes $CRMDESK_PASSPHRASE).",
    )
    p = make(
        sub,
        "backup",
        help="write an encrypted copy of the database (and its key file) while it is in use",
    )
    p.add_argument("out", metavar="OUT", help="the copy to write, e.g. /media/usb/crm-monday.db")
    p = make(
        sub,
        "restore",
        help="put a backup back in place of the database, after checking the backup",
        description="Check a backup (it opens with its passphrase, SQLite finds no damage, the "
        "audit trail verifies), then put it in place of the database. The database it "
        "replaces is kept beside it as NAME.before-restore-DATE.db. Close crmdesk first.",
    )
    p.add_argument("backup", metavar="IN", help="the backup file (its .keys file beside it)")


def passwd(args: argparse.Namespace, db_path: Path) -> int:
    """Change the passphrase; updates the keyring when it remembered the old one."""
    old = read_passphrase(confirm=False, prompt="Current passphrase: ")
    crm = Crm.open(db_path, old)
    try:
        new = read_new_passphrase(from_stdin=args.new_passphrase_stdin)
        crm.db.change_passphrase(old, new)
        code = None
        if args.new_recovery_code:
            code = keyfile.new_recovery_code()
            crm.db.replace_recovery_code(new, code)
    finally:
        crm.close()
    _update_keyring(db_path, new)
    text = f"Changed the passphrase of {db_path.name} (its key file {keyfile.path_for(db_path)})."
    if code:
        text += "\n" + recovery_code_text(code)
    output.say(args, {"database": str(db_path), "changed": True, "recovery_code": code}, text)
    return 0


def recover(args: argparse.Namespace, db_path: Path) -> int:
    """Set a new passphrase with the recovery code."""
    code = read_recovery_code()
    new = read_passphrase(confirm=True, prompt="New passphrase: ")
    Database.recover(db_path, code, new).close()
    _update_keyring(db_path, new)
    output.say(
        args,
        {"database": str(db_path), "recovered": True},
        f"{db_path.name} has a new passphrase; the recovery code still works.",
    )
    return 0


def backup(crm: Crm, args: argparse.Namespace) -> int:
    """Write a consistent encrypted copy while the database may be in use."""
    target = Path(args.out).expanduser()
    crm.db.backup_to(target)
    keys = keyfile.path_for(target)
    output.say(
        args,
        {"backup": str(target), "key_file": str(keys)},
        f"Wrote an encrypted copy to {target} and its key file to {keys}.\n"
        "Keep the two together; the copy opens with the current passphrase.",
    )
    return 0


def restore(args: argparse.Namespace, db_path: Path) -> int:
    """Check a backup, then put it in place of the database."""
    if instance.send_to_running({"cmd": "raise"}):
        raise DatabaseBusy("crmdesk is open on this computer; close it, then restore.")
    source = Path(args.backup).expanduser()
    report = backups.restore(
        source, db_path, read_passphrase(confirm=False, prompt="Passphrase of the backup: ")
    )
    kept = (
        f"\nThe database it replaced is kept at {report.replaced_kept_at}."
        if report.replaced_kept_at
        else ""
    )
    output.say(
        args,
        report,
        f"Restored {db_path} from {source}: {report.contacts:,} contacts, audit trail "
        f"intact ({report.audit_entries:,} entries).{kept}",
    )
    return 0


def recovery_code_text(code: str) -> str:
    """How the CLI shows a new recovery code, once."""
    return (
        f"Recovery code: {code}\n"
        "Write it down and keep it apart from the computer: with it you can set a new "
        "passphrase if you forget yours (crmdesk recover). It is not shown again."
    )


def _update_keyring(db_path: Path, passphrase: str) -> None:
    # Qt-free: the keyring helper lives with the unlock dialog that offers it.
    from crmdesk.ui import keyring_store

    if keyring_store.get(db_path) is not None:
        keyring_store.remember(db_path, passphrase)


PRE_OPEN = {"passwd": passwd, "recover": recover, "restore": restore}
HANDLERS = {"backup": backup}
