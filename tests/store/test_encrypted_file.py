"""The encrypted file: what opens, what is refused, and what is on disk."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import text

from crmdesk.errors import DatabaseExists, DatabaseMissing, NotADatabase, WrongPassphrase
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store.database import Database

PASS = "correct horse battery"


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.db"
    Crm.create(path, PASS, region="FI").close()
    return path


def _snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_refusals_leave_the_file_untouched(db_file: Path, tmp_path: Path) -> None:
    before = _snapshot(db_file)
    with pytest.raises(WrongPassphrase):
        Database.open(db_file, "not the passphrase")
    assert _snapshot(db_file) == before
    with pytest.raises(DatabaseExists):
        Database.create(db_file, PASS)
    assert _snapshot(db_file) == before
    with pytest.raises(DatabaseMissing):
        Database.open(tmp_path / "missing.db", PASS)
    with pytest.raises(NotADatabase):
        Database.open(tmp_path, PASS)
    odd = tmp_path / "odd.bin"
    odd.write_bytes(os.urandom(1000))
    with pytest.raises(NotADatabase):
        Database.open(odd, PASS)


def test_other_sqlcipher_database_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    conn = sqlcipher.connect(str(path))
    conn.execute(f"PRAGMA key = '{PASS}'")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotADatabase, match="not crmdesk's"):
        Database.open(path, PASS)


def test_no_plaintext_on_disk_wal_included(db_file: Path) -> None:
    marker = "Zyxwv-secret-customer-note-4711"
    crm = Crm.open(db_file, PASS, region="FI")
    try:
        crm.contacts.create("person", ContactPatch(first_name="Plain", notes=marker))
        wal = Path(str(db_file) + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        for path in (db_file, wal):
            data = path.read_bytes()
            assert marker.encode() not in data
            assert marker.encode("utf-16-le") not in data
            assert b"SQLite format 3" not in data[:100]
    finally:
        crm.close()


def test_connection_pragmas(db_file: Path) -> None:
    db = Database.open(db_file, PASS)
    try:
        with db.engine.connect() as conn:

            def pragma(name: str) -> str:
                return str(conn.exec_driver_sql(f"PRAGMA {name}").scalar())

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == "2"
            assert pragma("temp_store") == "2"
            assert pragma("foreign_keys") == "1"
            assert int(pragma("busy_timeout")) >= 5000
            assert int(pragma("kdf_iter")) >= 256_000
            assert pragma("cipher_hmac_algorithm") == "HMAC_SHA512"
    finally:
        db.close()


def test_second_writer_waits_instead_of_failing(db_file: Path) -> None:
    first, second = Crm.open(db_file, PASS, region="FI"), Crm.open(db_file, PASS, region="FI")
    held = threading.Event()

    def hold_lock() -> None:
        with first.ctx.write() as uow:
            # The first statement starts the transaction with BEGIN IMMEDIATE,
            # which takes the write lock.
            uow.session.execute(text("SELECT 1"))
            held.set()
            time.sleep(1.0)

    try:
        thread = threading.Thread(target=hold_lock)
        thread.start()
        assert held.wait(10)
        started = time.monotonic()
        contact = second.contacts.create("person", ContactPatch(first_name="Waited"))
        waited = time.monotonic() - started
        thread.join()
        assert waited > 0.5
        assert first.queries.summaries([contact])[0].display_name == "Waited"
    finally:
        first.close()
        second.close()
