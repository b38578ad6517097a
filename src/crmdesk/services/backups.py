"""Backups: daily automatic copies kept N deep, and restoring a copy only after
it has proved sound (it opens, passes SQLite's integrity check, and its audit
chain verifies). Every copy carries its key file beside it."""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.errors import BackupRejected, CrmdeskError, UnlockThrottled, WrongPassphrase
from crmdesk.services.app import Crm
from crmdesk.store import keyfile

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
STAMP = "%Y%m%d-%H%M%S"
SIDE_FILES = (keyfile.SUFFIX, "-wal", "-shm")  # what belongs with a database file


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    database: Path
    restored_from: Path
    replaced_kept_at: Path | None
    contacts: int
    audit_entries: int


def automatic_backups(folder: Path, database: Path) -> list[Path]:
    """The automatic backups of ``database`` in ``folder``, oldest first."""
    pattern = re.compile(re.escape(database.stem) + r"-(\d{8}-\d{6})\.db")
    found = [p for p in Path(folder).glob(f"{database.stem}-*.db") if pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: p.name)


def _taken_at(backup: Path) -> datetime:
    return datetime.strptime(backup.stem[-15:], STAMP)  # NAME-YYYYmmdd-HHMMSS


def backup_due(folder: Path, database: Path, now: datetime | None = None) -> bool:
    """True when the newest automatic backup is a day old, or there is none."""
    existing = automatic_backups(folder, database)
    if not existing:
        return True
    now = (now or utcnow()).astimezone(UTC).replace(tzinfo=None)
    return now - _taken_at(existing[-1]) >= EVERY


def automatic_backup(crm: Crm, folder: Path, keep: int, now: datetime | None = None) -> Path | None:
    """Back up when due, then keep only the newest ``keep``; returns the new copy, if any.

    Takes as long as copying the file: run it off the GUI thread.
    """
    if keep <= 0 or not backup_due(folder, crm.db.path, now):
        return None
    stamp = (now or utcnow()).astimezone(UTC).strftime(STAMP)
    target = Path(folder) / f"{crm.db.path.stem}-{stamp}.db"
    crm.db.backup_to(target)
    for old in automatic_backups(folder, crm.db.path)[:-keep]:
        _remove_with_side_files(old)
    log.info("automatic backup written to %s", target)
    return target


def _remove_with_side_files(path: Path) -> None:
    path.unlink(missing_ok=True)
    for suffix in SIDE_FILES:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _move_with_side_files(source: Path, target: Path) -> None:
    for suffix in SIDE_FILES:
        side = source.with_name(source.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    os.replace(source, target)


def restore(backup: Path, database: Path, passphrase: str) -> RestoreReport:
    """Replace ``database`` by ``backup`` once a copy of the backup has passed every check.

    The replaced file (with its key file) is kept beside it, renamed
    ``NAME.before-restore-STAMP.db``. Nothing is replaced when a check fails.
    ``passphrase`` is the backup's (the one in use when it was made).
    """
    backup, database = Path(backup), Path(database)
    if not backup.is_file():
        raise BackupRejected(f"There is no backup at {backup}.")
    if not keyfile.path_for(backup).exists():
        raise keyfile.missing(backup)
    staging = database.with_name(database.name + ".restoring")
    _remove_with_side_files(staging)
    database.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(backup, staging)
    shutil.copy2(keyfile.path_for(backup), keyfile.path_for(staging))
    try:
        contacts, entries = _check(staging, passphrase, backup)
    except BaseException:
        _remove_with_side_files(staging)
        raise
    kept = None
    if database.exists():
        stamp = utcnow().strftime(STAMP)
        kept = database.with_name(f"{database.stem}.before-restore-{stamp}{database.suffix}")
        _move_with_side_files(database, kept)
    _move_with_side_files(staging, database)
    log.info("restored %s from %s (replaced file kept at %s)", database, backup, kept)
    return RestoreReport(database, backup, kept, contacts, entries)


def _check(copy: Path, passphrase: str, backup: Path) -> tuple[int, int]:
    """Open ``copy`` (upgrading it if older), run the checks; (contacts, audit entries)."""
    try:
        crm = Crm.open(copy, passphrase)
    except (WrongPassphrase, UnlockThrottled):
        raise
    except CrmdeskError as exc:
        raise BackupRejected(f"{backup} cannot be restored: {exc}") from None
    except Exception as exc:  # a damaged page surfaces as a driver error
        log.warning("backup %s does not open: %s", backup, exc)
        raise BackupRejected(f"{backup} is damaged and cannot be restored.") from None
    try:
        try:
            with crm.db.reading() as session:
                problems = session.execute(text("PRAGMA integrity_check")).scalars().all()
        except Exception as exc:
            log.warning("integrity check of %s failed: %s", backup, exc)
            problems = [str(exc)]
        if problems != ["ok"]:
            raise BackupRejected(f"{backup} is damaged ({problems[0]}); nothing was replaced.")
        chain = crm.verify_audit()
        if not chain.ok:
            raise BackupRejected(
                f"The audit trail in {backup} is broken at entry {chain.broken_at} "
                f"({chain.reason}); nothing was replaced."
            )
        return crm.queries.count(), chain.entries
    finally:
        crm.close()
