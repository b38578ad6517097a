"""``crmdesk audit verify`` on files tampered with outside crmdesk: the decrypted
SQLCipher file edited with raw sqlcipher3, as someone holding the passphrase could."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.domain.audit_chain import entry_hash
from crmdesk.errors import AuditChainBroken, NotTraced
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import database, keyfile

PASSPHRASE = "correct horse battery"  # what the ``cli`` fixture unlocks with
Runner = Callable[..., Any]


@contextmanager
def raw(path: Path) -> Iterator[sqlcipher.Connection]:
    """The decrypted file on a plain sqlcipher3 connection; commits on leaving."""
    conn = sqlcipher.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = {database.raw_key(path, PASSPHRASE)}")
        yield conn
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose trail holds eight entries (made once for the module)."""
    path = tmp_path_factory.mktemp("trail") / "crm.db"
    crm = Crm.create(path, PASSPHRASE, region="FI", currency="EUR")
    try:
        for name in ("Anna", "Bertta", "Cecilia", "Daniel", "Eero"):
            crm.contacts.create("person", ContactPatch(first_name=name))
    finally:
        crm.close()
    return path


@pytest.fixture
def trail(cli: Runner, pristine: Path, tmp_path: Path) -> Path:
    """A copy of ``pristine`` where ``cli`` looks, checked intact."""
    path = tmp_path / "crm.db"
    shutil.copyfile(pristine, path)
    shutil.copyfile(keyfile.path_for(pristine), keyfile.path_for(path))
    result = cli("audit", "verify")
    assert (result.code, result.out.strip()) == (0, "Audit trail intact: 8 entries.")
    return path


def broken(cli: Runner, at: int) -> str:
    result = cli("audit", "verify")
    assert result.code == AuditChainBroken.exit_code == 35
    assert result.out.startswith(f"Audit trail BROKEN at entry {at}: ")
    report = json.loads(cli("--json", "audit", "verify").out)
    assert (report["ok"], report["broken_at"]) == (False, at)
    return result.out


def test_a_single_changed_byte_is_caught(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        (changes,) = conn.execute("SELECT changes FROM audit_log WHERE seq = 6").fetchone()
        flipped = changes.replace("Cecilia", "Cecilie", 1)
        assert len(flipped) == len(changes) and flipped != changes
        conn.execute("UPDATE audit_log SET changes = ? WHERE seq = 6", (flipped,))
    assert "entry was altered" in broken(cli, 6)


def test_a_deleted_entry_is_caught(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 5")
    assert "entry 5 is missing" in broken(cli, 5)


def test_a_deleted_entry_with_the_rest_renumbered_is_caught(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 5")
        conn.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 5")
    broken(cli, 5)


def test_a_reordered_pair_is_caught(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = 5")
        conn.execute("UPDATE audit_log SET seq = 5 WHERE seq = 6")
        conn.execute("UPDATE audit_log SET seq = 6 WHERE seq = -1")
    assert "link to the previous entry is broken" in broken(cli, 5)


def test_an_inserted_entry_is_caught_even_with_a_correct_hash(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        prev_hash, at, user_id = conn.execute(
            "SELECT hash, at, user_id FROM audit_log WHERE seq = 4"
        ).fetchone()
        conn.execute("UPDATE audit_log SET seq = -seq WHERE seq > 4")
        conn.execute("UPDATE audit_log SET seq = 1 - seq WHERE seq < 0")
        fields = (5, at, user_id, "delete", "contact", None, "Anna", "{}")
        conn.execute(
            "INSERT INTO audit_log (seq, at, user_id, action, entity, entity_id, summary,"
            " changes, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev_hash, entry_hash(prev_hash, *fields)),
        )
    # The forged entry links well; the genuine one after it no longer does.
    assert "link to the previous entry is broken" in broken(cli, 6)


def test_a_tampered_timestamp_is_reported_not_a_crash(cli: Runner, trail: Path) -> None:
    with raw(trail) as conn:
        conn.execute("UPDATE audit_log SET at = 'yesterday' WHERE seq = 3")
    assert "entry was altered" in broken(cli, 3)


def test_trace_names_the_export_a_file_came_from(cli: Runner, tmp_path: Path) -> None:
    assert cli("init", "--owner", "boss").code == 0
    assert cli("contact", "add", "--first", "Anna", "--last", "Real").code == 0
    assert cli("audit", "watermark", "boss").out.strip() == (
        "Exports by boss do not carry a watermark."
    )
    assert cli("audit", "watermark", "boss", "on").code == 0
    out = tmp_path / "people.csv"
    assert cli("export", "contacts", "--out", str(out), "--delimiter", ";").code == 0
    result = cli("audit", "trace", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith("Export of 1 contacts as csv by boss at ")
    assert f"to {out}; audit entry " in result.out and "matched by row id" in result.out
    (match,) = json.loads(cli("--json", "audit", "trace", str(out)).out)
    assert (match["user"], match["kind"], match["rows"]) == ("boss", "contacts", 1)
    stranger = tmp_path / "stranger.csv"
    stranger.write_text("name\nSomeone\n", encoding="utf-8")
    refused = cli("audit", "trace", str(stranger))
    assert refused.code == NotTraced.exit_code == 37
    assert "stranger.csv matches no recorded export's watermark" in refused.err
    assert cli("audit", "watermark", "nobody").code == 11
