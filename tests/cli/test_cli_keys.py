"""``crmdesk init`` (recovery code), ``passwd``, ``recover``, ``backup`` and ``restore``,
including the restore drill: write, back up, damage, restore, everything back."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from crmdesk.cli.passphrase import NoPassphrase
from crmdesk.errors import (
    BackupRejected,
    KeyFileMissing,
    UnlockThrottled,
    WrongPassphrase,
    WrongRecoveryCode,
)
from crmdesk.store import cipher, keyfile

PASS = "correct horse battery"
NEW = "a brand new passphrase"
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _names(cli) -> list[str]:
    return sorted(r["display_name"] for r in cli("contact", "list", "--json").json())


def test_init_shows_a_recovery_code_once(cli, tmp_path: Path) -> None:
    result = cli("init", "--json")
    assert result.code == 0
    data = result.json()
    assert keyfile.normalise_recovery_code(data["recovery_code"])
    assert data["key_file"] == str(tmp_path / "crm.db.keys")
    assert (tmp_path / "crm.db.keys").exists()
    assert data["recovery_code"] not in (tmp_path / "crm.db.keys").read_text()


def test_init_in_words_and_without_a_code(cli, tmp_path: Path, monkeypatch) -> None:
    text = cli("init").out
    assert "Recovery code: " in text and "crmdesk recover" in text
    monkeypatch.setenv("CRMDESK_DB", str(tmp_path / "second.db"))
    result = cli("init", "--no-recovery-code", "--json")
    assert result.json()["recovery_code"] is None


def test_passwd_from_a_script(db_cli, monkeypatch) -> None:
    db_cli("contact", "add", "--first", "Kept")
    _stdin(monkeypatch, NEW + "\n")
    result = db_cli("passwd", "--new-passphrase-stdin")
    assert result.code == 0, result.err
    assert "Changed the passphrase" in result.out
    assert db_cli("contact", "list").code == WrongPassphrase.exit_code
    monkeypatch.setenv("CRMDESK_PASSPHRASE", NEW)
    assert _names(db_cli) == ["Kept"]


def test_passwd_refuses_a_short_or_missing_new_passphrase(db_cli, monkeypatch) -> None:
    _stdin(monkeypatch, "short\n")
    result = db_cli("passwd", "--new-passphrase-stdin")
    assert result.code == 10 and "at least 8 characters" in result.err
    _stdin(monkeypatch, "")
    assert db_cli("passwd").code == NoPassphrase.exit_code  # no terminal to ask on
    assert db_cli("contact", "list").code == 0  # still the old passphrase


def test_passwd_can_make_a_new_recovery_code(db_cli, monkeypatch) -> None:
    _stdin(monkeypatch, NEW + "\n")
    result = db_cli("passwd", "--new-passphrase-stdin", "--new-recovery-code", "--json")
    code = result.json()["recovery_code"]
    _stdin(monkeypatch, code + "\n")
    monkeypatch.setenv("CRMDESK_PASSPHRASE", "third passphrase")
    assert db_cli("recover").code == 0


def test_recover_with_the_code(cli, monkeypatch) -> None:
    code = cli("init", "--json").json()["recovery_code"]
    cli("contact", "add", "--first", "Recovered")
    monkeypatch.setenv("CRMDESK_PASSPHRASE", NEW)  # forgotten: set a new one
    _stdin(monkeypatch, "0000000000000000000000000000000000000000\n")
    wrong = cli("recover")
    assert wrong.code == WrongRecoveryCode.exit_code
    assert "does not unlock" in wrong.err
    _stdin(monkeypatch, code.lower() + "\n")
    result = cli("recover")
    assert result.code == 0, result.err
    assert _names(cli) == ["Recovered"]


def test_missing_key_file_and_throttling(db_cli, tmp_path: Path, monkeypatch) -> None:
    keys = tmp_path / "crm.db.keys"
    keys.rename(tmp_path / "moved.keys")
    result = db_cli("contact", "list")
    assert result.code == KeyFileMissing.exit_code
    assert str(keys) in result.err and "backup" in result.err
    (tmp_path / "moved.keys").rename(keys)
    monkeypatch.setenv("CRMDESK_PASSPHRASE", "three wrong guesses")
    for _ in range(3):
        assert db_cli("contact", "list").code == WrongPassphrase.exit_code
    monkeypatch.setenv("CRMDESK_PASSPHRASE", PASS)
    result = db_cli("contact", "list")
    assert result.code == UnlockThrottled.exit_code
    assert "wait 30 seconds" in result.err


def test_passwd_moves_an_older_file_to_a_data_key(cli, tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / "crm.db"
    shutil.copy(FIXTURES / "schema_v6.db", old)
    monkeypatch.setenv("CRMDESK_PASSPHRASE", "fixture-passphrase")
    _stdin(monkeypatch, NEW + "\n")
    assert cli("passwd", "--new-passphrase-stdin").code == 0
    assert cipher.uses_data_key(old) and keyfile.path_for(old).exists()
    monkeypatch.setenv("CRMDESK_PASSPHRASE", NEW)
    assert len(_names(cli)) == 2


# --- backup and restore --------------------------------------------------------------


def test_restore_drill(db_cli, tmp_path: Path) -> None:
    """Write, back up, lose and damage data, restore: every row back, the chain verifies."""
    for first in ("Aino", "Eino", "Toivo"):
        db_cli("contact", "add", "--first", first, "--phone", "040 123 4567")
    before = db_cli("contact", "list", "--json").json()
    backup = tmp_path / "usb" / "monday.db"
    result = db_cli("backup", str(backup))
    assert result.code == 0 and "monday.db.keys" in result.out
    # After the backup: a delete, a new contact, then the file is damaged.
    db_cli("contact", "delete", before[0]["id"])
    db_cli("contact", "add", "--first", "After")
    db = tmp_path / "crm.db"
    data = bytearray(db.read_bytes())
    data[8192:8200] = b"\x00" * 8
    db.write_bytes(bytes(data))

    result = db_cli("restore", str(backup))
    assert result.code == 0, result.err
    assert "3 contacts" in result.out and "audit trail intact" in result.out
    assert db_cli("contact", "list", "--json").json() == before
    assert db_cli("audit", "verify").code == 0
    [kept] = tmp_path.glob("crm.before-restore-*.db")
    assert kept.read_bytes() == bytes(data)  # the replaced file is set aside, not lost
    assert keyfile.path_for(kept).exists()
    assert backup.exists()  # the backup itself is not changed by restoring it


def test_a_damaged_or_foreign_backup_replaces_nothing(db_cli, tmp_path: Path, monkeypatch) -> None:
    db_cli("contact", "add", "--first", "Current")
    backup = tmp_path / "copy.db"
    assert db_cli("backup", str(backup)).code == 0
    data = bytearray(backup.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    backup.write_bytes(bytes(data))
    db = tmp_path / "crm.db"
    before = db.read_bytes()
    result = db_cli("restore", str(backup))
    assert result.code == BackupRejected.exit_code, result.err
    assert "damaged" in result.err and "Traceback" not in result.err
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*")) and not list(tmp_path.glob("*.restoring*"))
    keyfile.path_for(backup).unlink()
    result = db_cli("restore", str(backup))
    assert result.code == KeyFileMissing.exit_code
    monkeypatch.setenv("CRMDESK_PASSPHRASE", "not the backup's")
    assert db_cli("restore", str(tmp_path / "nothing.db")).code == BackupRejected.exit_code
    monkeypatch.setenv("CRMDESK_PASSPHRASE", PASS)
    assert _names(db_cli) == ["Current"]
