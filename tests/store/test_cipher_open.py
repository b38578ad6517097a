"""Opening the encrypted file: what unlocks, what is refused (untouched), what is on disk."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy.exc import IntegrityError

from crmdesk.errors import (
    DatabaseExists,
    DatabaseMissing,
    DatabaseTooNew,
    NotADatabase,
    ValidationError,
    WrongPassphrase,
)
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import cipher, keyfile, migrations
from crmdesk.store.database import APPLICATION_ID, Database, raw_key

PASS = "correct horse battery"


def _state(path: Path) -> tuple[bytes, int, list[str]]:
    """The file's bytes, its mtime and the names beside it (-wal, -shm, .bak...)."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A closed crmdesk database holding one contact."""
    path = tmp_path / "crm.db"
    crm = Crm.create(path, PASS, region="FI", currency="EUR")
    crm.contacts.create("person", ContactPatch(first_name="Matti", last_name="Jääskeläinen"))
    crm.close()
    return path


def _raw(path: Path, passphrase: str = PASS) -> sqlcipher.Connection:
    """The file opened by hand: by its data key when it has one, else by the passphrase."""
    key = raw_key(path, passphrase) if path.exists() else cipher.quote_key(passphrase)
    conn = sqlcipher.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = {key}")
    return conn


# --- round trip ------------------------------------------------------------------


def test_create_then_open_round_trip(db_file: Path) -> None:
    crm = Crm.open(db_file, PASS)
    try:
        assert crm.db.schema_version() == migrations.LATEST_VERSION
        assert crm.ctx.region == "FI"  # kept inside the database, not only in memory
        assert crm.ctx.currency == "EUR"
        [row] = crm.queries.page()
        assert row.display_name == "Matti Jääskeläinen"
        assert crm.verify_audit().ok
    finally:
        crm.close()
    conn = _raw(db_file)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] == str(cipher.PAGE_SIZE)
    finally:
        conn.close()


def test_closed_file_is_not_plain_sqlite(db_file: Path) -> None:
    assert not db_file.read_bytes().startswith(cipher.PLAIN_SQLITE_HEADER)
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(db_file) as plain:
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_passphrase_with_quotes_and_unicode(tmp_path: Path) -> None:
    path = tmp_path / "quoted.db"
    tricky = 'it\'s "Jää"; DROP TABLE contacts; --'
    Database.create(path, tricky).close()
    db = Database.open(path, tricky)
    try:
        assert db.schema_version() == migrations.LATEST_VERSION
    finally:
        db.close()
    with pytest.raises(WrongPassphrase):
        Database.open(path, "it's")


# --- refusals ----------------------------------------------------------------------


def test_wrong_passphrase_is_refused_and_the_file_left_untouched(db_file: Path) -> None:
    before = _state(db_file)
    with pytest.raises(WrongPassphrase) as caught:
        Database.open(db_file, "correct horse battery!")
    assert caught.value.exit_code == 4
    assert "crm.db" in str(caught.value)
    assert PASS not in str(caught.value)
    assert _state(db_file) == before
    with pytest.raises(WrongPassphrase, match="empty"):
        Crm.open(db_file, "")  # Enter pressed at the prompt: explained, not a traceback
    assert _state(db_file) == before


def test_empty_passphrase_cannot_create(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="empty"):
        Database.create(tmp_path / "crm.db", "")
    assert list(tmp_path.iterdir()) == []


def test_plain_sqlite_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as plain:
        plain.execute("CREATE TABLE contacts (name TEXT)")
        plain.execute("INSERT INTO contacts VALUES ('Matti')")
    plain.close()
    before = _state(path)
    with pytest.raises(NotADatabase, match="unencrypted SQLite"):
        Database.open(path, PASS)
    assert _state(path) == before


def test_text_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("name;phone\nMatti;040 123 4567\n" * 20, encoding="utf-8")
    before = _state(path)
    with pytest.raises(NotADatabase):
        Database.open(path, PASS)
    assert _state(path) == before


def test_odd_sized_random_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(os.urandom(1000))
    before = _state(path)
    with pytest.raises(NotADatabase):
        Database.open(path, PASS)
    assert _state(path) == before


def test_page_sized_random_file_is_refused(tmp_path: Path) -> None:
    # Random pages cannot be told from a database encrypted with another key.
    path = tmp_path / "noise.bin"
    path.write_bytes(os.urandom(4096 * 3))
    before = _state(path)
    with pytest.raises((WrongPassphrase, NotADatabase)):
        Database.open(path, PASS)
    assert _state(path) == before


def test_empty_file_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(NotADatabase, match="empty"):
        Database.open(path, PASS)
    assert path.read_bytes() == b""


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing) as caught:
        Database.open(tmp_path / "nowhere" / "crm.db", PASS)
    assert caught.value.exit_code == 3
    assert not (tmp_path / "nowhere").exists()


def test_folder_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "crm.db"
    folder.mkdir()
    with pytest.raises(NotADatabase, match="folder"):
        Database.open(folder, PASS)
    assert list(folder.iterdir()) == []


def test_create_never_overwrites(db_file: Path) -> None:
    before = _state(db_file)
    with pytest.raises(DatabaseExists):
        Database.create(db_file, PASS)
    with pytest.raises(DatabaseExists):
        Crm.create(db_file, "another passphrase")
    assert _state(db_file) == before
    crm = Crm.open(db_file, PASS)
    try:
        assert crm.queries.count() == 1
    finally:
        crm.close()


def test_database_from_a_newer_crmdesk_is_refused_untouched(db_file: Path) -> None:
    conn = _raw(db_file)
    try:
        conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    finally:
        conn.close()
    before = _state(db_file)
    with pytest.raises(DatabaseTooNew, match="newer version") as caught:
        Database.open(db_file, PASS)
    assert caught.value.exit_code == 6
    assert _state(db_file) == before
    with pytest.raises(DatabaseTooNew):
        Database.open(db_file, PASS, migrate=False)
    assert _state(db_file) == before


def test_other_programs_sqlcipher_database_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    conn = _raw(path)
    try:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('not a CRM')")
    finally:
        conn.close()
    before = _state(path)
    with pytest.raises(NotADatabase, match="not crmdesk's"):
        Database.open(path, PASS)
    assert _state(path) == before


# --- on disk -------------------------------------------------------------------------


def _plaintext_in(data: bytes, marker: str) -> bool:
    return any(marker.encode(enc) in data for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def test_marker_check_finds_plaintext_in_an_unencrypted_file(tmp_path: Path) -> None:
    """The check used below does see text that is stored in the clear."""
    path = tmp_path / "plain.db"
    marker = "Qx-plain-marker-Ääkkönen-4711"
    with sqlite3.connect(path) as plain:
        plain.execute("CREATE TABLE t (x TEXT)")
        plain.execute("INSERT INTO t VALUES (?)", (marker,))
    plain.close()
    assert _plaintext_in(path.read_bytes(), marker)


def test_no_plaintext_in_the_file_or_its_wal(crm: Crm) -> None:
    marker = "Qx-secret-note-Ääkkönen-4711"
    contact = crm.contacts.create(
        "person", ContactPatch(first_name="Salainen", last_name="Asiakas", notes=marker)
    )
    assert crm.queries.card(contact).notes == marker  # it was written, and reads back
    path = crm.db.path
    wal = path.with_name(path.name + "-wal")
    # Still open: the write sits in the write-ahead log, not yet checkpointed.
    assert wal.exists() and wal.stat().st_size > 0
    for part in (path, wal):
        data = part.read_bytes()
        assert not _plaintext_in(data, marker), part.name
        assert not _plaintext_in(data, "Salainen"), part.name
        assert b"SQLite format 3" not in data
        assert b"CREATE TABLE" not in data


def test_engine_connections_have_the_pragmas_we_rely_on(crm: Crm) -> None:
    # Two connections at once: each one the pool makes is set up the same way.
    with crm.db.engine.connect() as first, crm.db.engine.connect() as second:
        for conn in (first, second):

            def pragma(name: str, conn: object = conn) -> str:
                return str(conn.exec_driver_sql(f"PRAGMA {name}").scalar())  # type: ignore[attr-defined]

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == "2"  # FULL
            assert pragma("temp_store") == "2"  # MEMORY
            assert pragma("foreign_keys") == "1"
            assert pragma("secure_delete") == "1"  # deleted content is overwritten
            assert int(pragma("busy_timeout")) == cipher.BUSY_TIMEOUT_MS
            assert int(pragma("kdf_iter")) >= 256_000
            assert pragma("cipher_hmac_algorithm") == "HMAC_SHA512"
            assert pragma("cipher_kdf_algorithm") == "PBKDF2_HMAC_SHA512"
            assert pragma("application_id") == str(APPLICATION_ID)


def test_foreign_keys_are_enforced(crm: Crm) -> None:
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), crm.db.writing() as session:
        session.connection().exec_driver_sql(
            "INSERT INTO contact_phones (id, contact_id, raw, digits_rev)"
            " VALUES ('p', 'no-such-contact', '1', '1')"
        )


# --- backup ------------------------------------------------------------------


def test_backup_is_an_encrypted_copy_that_opens(crm: Crm, tmp_path: Path) -> None:
    crm.contacts.create("person", ContactPatch(first_name="Tõnis", last_name="Tõnisson"))
    target = tmp_path / "backups" / "copy.db"
    crm.db.backup_to(target)
    with pytest.raises(DatabaseExists):
        crm.db.backup_to(target)
    assert not _plaintext_in(target.read_bytes(), "Tõnisson")
    assert keyfile.path_for(target).read_bytes() == keyfile.path_for(crm.db.path).read_bytes()
    with pytest.raises(WrongPassphrase):
        Database.open(target, "wrong")
    copy = Crm.open(target, PASS)
    try:
        assert copy.db.schema_version() == migrations.LATEST_VERSION
        assert [r.display_name for r in copy.queries.page()] == ["Tõnis Tõnisson"]
        assert copy.verify_audit().ok
    finally:
        copy.close()
