"""Automatic daily backups: written when due, kept N deep, each with its key file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crmdesk.services import backups
from crmdesk.services.app import Crm
from crmdesk.store import keyfile

PASS = "correct horse battery"
T0 = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_daily_backups_rotate(crm: Crm, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    first = backups.automatic_backup(crm, folder, keep=2, now=T0)
    assert first == folder / "crm-20261120-083000.db"
    assert keyfile.path_for(first).exists()
    assert backups.automatic_backup(crm, folder, keep=2, now=T0 + timedelta(hours=23)) is None
    made = [first]
    for day in (1, 2, 3):
        made.append(backups.automatic_backup(crm, folder, keep=2, now=T0 + timedelta(days=day)))
    assert backups.automatic_backups(folder, crm.db.path) == made[-2:]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        name for p in made[-2:] for name in (p.name, p.name + ".keys")
    )
    copy = Crm.open(made[-1], PASS)  # each one is a database that opens on its own
    try:
        assert copy.verify_audit().ok
    finally:
        copy.close()


def test_no_automatic_backups_when_keep_is_zero(crm: Crm, tmp_path: Path) -> None:
    assert backups.automatic_backup(crm, tmp_path, keep=0, now=T0) is None
    assert list(tmp_path.glob("crm-*.db")) == []


def test_other_files_in_the_folder_are_left_alone(crm: Crm, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    mine = folder / "crm-before-the-move.db"
    other = folder / "shop-20200101-000000.db"
    mine.write_bytes(b"x")
    other.write_bytes(b"y")
    for day in range(3):
        backups.automatic_backup(crm, folder, keep=1, now=T0 + timedelta(days=day))
    assert mine.exists() and other.exists()
    assert len(backups.automatic_backups(folder, crm.db.path)) == 1
