"""The data key and its key file: wrapping, recovery, passphrase change, throttling,
and files made before key files."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.errors import (
    KeyFileDamaged,
    KeyFileMissing,
    UnlockThrottled,
    WrongPassphrase,
    WrongRecoveryCode,
)
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import cipher, keyfile, migrations, throttle
from crmdesk.store.database import Database, raw_key

PASS = "correct horse battery"
NEW = "a brand new passphrase"
FIXTURES = Path(__file__).parent.parent / "fixtures"
FIXTURE_PASS = "fixture-passphrase"


@pytest.fixture
def code() -> str:
    return keyfile.new_recovery_code()


@pytest.fixture
def db_file(tmp_path: Path, code: str) -> Path:
    """A closed database with one contact and a recovery code."""
    path = tmp_path / "crm.db"
    crm = Crm.create(path, PASS, region="FI", recovery_code=code)
    crm.contacts.create("person", ContactPatch(first_name="Matti", last_name="Meikäläinen"))
    crm.close()
    return path


def _names(path: Path, passphrase: str) -> list[str]:
    crm = Crm.open(path, passphrase)
    try:
        return [r.display_name for r in crm.queries.page()]
    finally:
        crm.close()


def _forget_waiting(path: Path) -> None:
    """Move the last wrong try an hour back (what waiting does), keeping the count."""
    state = json.loads(throttle.state_file().read_text())
    state[str(path.resolve())]["last_failure"] = time.time() - 3600
    throttle.state_file().write_text(json.dumps(state))


def test_new_database_is_keyed_by_a_random_data_key(db_file: Path) -> None:
    keys = json.loads(keyfile.path_for(db_file).read_text())
    assert keys["format"] == "crmdesk-keys" and keys["version"] == 1
    assert set(keys["slots"]) == {"passphrase", "recovery"}
    assert keys["slots"]["passphrase"]["kdf"]["name"] == "argon2id"
    assert PASS not in keyfile.path_for(db_file).read_text()
    assert cipher.uses_data_key(db_file)
    # The passphrase itself no longer opens the file; the unwrapped data key does.
    conn = sqlcipher.connect(str(db_file))
    conn.execute(f"PRAGMA key = {cipher.quote_key(PASS)}")
    with pytest.raises(sqlcipher.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    data_key = keyfile.load(db_file).unwrap_passphrase(PASS, db_file)
    assert len(data_key) == 32
    conn = cipher.connect(db_file, cipher.data_key_literal(data_key))
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    conn.close()


def test_two_databases_get_different_data_keys(tmp_path: Path) -> None:
    for name in ("a.db", "b.db"):
        Database.create(tmp_path / name, PASS).close()
    a, b = (raw_key(tmp_path / n, PASS) for n in ("a.db", "b.db"))
    assert a != b


def test_wrong_passphrase_is_still_exit_4_and_touches_nothing(db_file: Path) -> None:
    before = db_file.read_bytes(), keyfile.path_for(db_file).read_bytes()
    with pytest.raises(WrongPassphrase, match=r"does not unlock crm\.db") as caught:
        Database.open(db_file, "not the passphrase")
    assert caught.value.exit_code == 4
    with pytest.raises(WrongPassphrase, match="empty"):
        Database.open(db_file, "")
    assert (db_file.read_bytes(), keyfile.path_for(db_file).read_bytes()) == before


def test_change_passphrase_rewraps_without_reencrypting(db_file: Path) -> None:
    before = db_file.read_bytes()
    db = Database.open(db_file, PASS)
    with pytest.raises(WrongPassphrase):
        db.change_passphrase("not the old one", NEW)
    db.change_passphrase(PASS, NEW)
    with db.reading() as session:  # open connections keep working
        assert session.connection().exec_driver_sql("SELECT count(*) FROM contacts").scalar() == 1
    db.close()
    assert db_file.read_bytes() == before  # not one page re-encrypted
    assert not keyfile.path_for(db_file).with_suffix(".keys.tmp").exists()
    with pytest.raises(WrongPassphrase):
        Database.open(db_file, PASS)
    assert _names(db_file, NEW) == ["Matti Meikäläinen"]


def test_recovery_code_sets_a_new_passphrase(db_file: Path, code: str) -> None:
    typed = code.lower().replace("-", " ").replace("1", "l").replace("0", "o")  # as read aloud
    with pytest.raises(WrongRecoveryCode, match="not a recovery code"):
        Database.recover(db_file, "12345", NEW)
    with pytest.raises(WrongRecoveryCode, match="does not unlock"):
        Database.recover(db_file, keyfile.new_recovery_code(), NEW)
    Database.recover(db_file, typed, NEW).close()
    with pytest.raises(WrongPassphrase):
        Database.open(db_file, PASS)
    assert _names(db_file, NEW) == ["Matti Meikäläinen"]
    Database.recover(db_file, code, "and once more").close()  # the code keeps working


def test_a_new_recovery_code_replaces_the_old(db_file: Path, code: str) -> None:
    db = Database.open(db_file, PASS)
    fresh = keyfile.new_recovery_code()
    db.replace_recovery_code(PASS, fresh)
    db.close()
    with pytest.raises(WrongRecoveryCode):
        Database.recover(db_file, code, NEW)
    Database.recover(db_file, fresh, NEW).close()


def test_missing_key_file_names_it_and_the_backup(db_file: Path) -> None:
    keys = keyfile.path_for(db_file)
    keys.rename(db_file.with_name("elsewhere"))
    with pytest.raises(KeyFileMissing) as caught:
        Database.open(db_file, PASS)
    message = str(caught.value)
    assert caught.value.exit_code == 30
    assert str(keys) in message and "backup" in message
    with pytest.raises(KeyFileMissing):
        Database.recover(db_file, keyfile.new_recovery_code(), NEW)


def test_key_file_of_another_database_is_refused(db_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    Database.create(other, PASS).close()
    shutil.copy(keyfile.path_for(other), keyfile.path_for(db_file))
    with pytest.raises(KeyFileDamaged, match="does not belong"):
        Database.open(db_file, PASS)


@pytest.mark.parametrize(
    "content", ["", "{not json", '{"format": "crmdesk-keys", "version": 99, "slots": {}}']
)
def test_damaged_key_file_is_explained(db_file: Path, content: str) -> None:
    keyfile.path_for(db_file).write_text(content)
    with pytest.raises(KeyFileDamaged) as caught:
        Database.open(db_file, PASS)
    assert caught.value.exit_code == 31
    assert str(keyfile.path_for(db_file)) in str(caught.value)


def test_creating_never_overwrites_a_key_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    keyfile.path_for(path).write_text("a key file of a database moved away")
    with pytest.raises(Exception, match="not overwriting"):
        Database.create(path, PASS)
    assert keyfile.path_for(path).read_text() == "a key file of a database moved away"
    assert not path.exists()


# --- throttling --------------------------------------------------------------------


def test_after_three_wrong_passphrases_the_next_try_waits(db_file: Path) -> None:
    for _ in range(throttle.FREE_TRIES):
        with pytest.raises(WrongPassphrase):
            Database.open(db_file, "guess")
    with pytest.raises(UnlockThrottled, match=r"wait \d+ seconds") as caught:
        Database.open(db_file, PASS)  # even the right one, until the wait is over
    # 30 s from the last wrong try, which itself took a second or two of Argon2id
    assert caught.value.exit_code == 32 and 20 <= caught.value.wait_seconds <= 30
    _forget_waiting(db_file)
    with pytest.raises(WrongPassphrase):
        Database.open(db_file, "fourth guess")
    with pytest.raises(UnlockThrottled) as caught:
        Database.open(db_file, PASS)
    assert caught.value.wait_seconds == 60  # each wrong try doubles the wait
    _forget_waiting(db_file)
    Database.open(db_file, PASS).close()  # the right one resets the count
    assert throttle.seconds_left(db_file) == 0
    with pytest.raises(WrongPassphrase):
        Database.open(db_file, "guess")
    Database.open(db_file, PASS).close()


def test_wrong_recovery_codes_count_too(db_file: Path) -> None:
    for _ in range(throttle.FREE_TRIES):
        with pytest.raises(WrongRecoveryCode):
            Database.recover(db_file, keyfile.new_recovery_code(), NEW)
    with pytest.raises(UnlockThrottled):
        Database.open(db_file, PASS)


def test_wait_grows_and_is_capped() -> None:
    assert [throttle.wait_after(n) for n in range(7)] == [0, 0, 0, 30, 60, 120, 240]
    assert throttle.wait_after(40) == throttle.MAX_WAIT_SECONDS
    assert throttle.describe_wait(1) == "1 second"
    assert throttle.describe_wait(240) == "4 minutes"


# --- files keyed by their passphrase (before key files) ----------------------------


@pytest.fixture
def passphrase_keyed(tmp_path: Path) -> Path:
    """The schema-6 fixture: made before key files, keyed by its passphrase."""
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v6.db", path)
    assert not cipher.uses_data_key(path)
    return path


def test_passphrase_keyed_file_moves_to_a_data_key_on_unlock(passphrase_keyed: Path) -> None:
    path = passphrase_keyed
    with pytest.raises(WrongPassphrase):
        Database.open(path, "not it")
    assert not keyfile.path_for(path).exists()
    crm = Crm.open(path, FIXTURE_PASS)
    crm.close()
    assert cipher.uses_data_key(path)
    assert keyfile.path_for(path).exists()
    # Now a key file matters: the passphrase alone does not open it, and it can change.
    db = Database.open(path, FIXTURE_PASS)
    assert db.schema_version() == migrations.LATEST_VERSION
    db.change_passphrase(FIXTURE_PASS, NEW)
    db.close()
    assert len(_names(path, NEW)) == 2
    keyfile.path_for(path).unlink()
    with pytest.raises(KeyFileMissing):
        Database.open(path, NEW)


def test_opening_without_upgrading_leaves_the_old_file_alone(passphrase_keyed: Path) -> None:
    before = passphrase_keyed.read_bytes()
    Database.open(passphrase_keyed, FIXTURE_PASS, migrate=False).close()
    assert passphrase_keyed.read_bytes()[:16] == before[:16]
    assert not keyfile.path_for(passphrase_keyed).exists()


def test_a_move_interrupted_before_its_rekey_is_finished(passphrase_keyed: Path) -> None:
    """The key file is written before the rekey; a crash between the two loses nothing."""
    path = passphrase_keyed
    Crm.open(path, FIXTURE_PASS).close()  # upgrade the schema and move to a data key
    moved_keys = keyfile.path_for(path).read_bytes()
    data_key = keyfile.load(path).unwrap_passphrase(FIXTURE_PASS, path)
    # Put the file back under its passphrase, as if the rekey had not happened yet.
    conn = cipher.connect(path, cipher.data_key_literal(data_key))
    old_salt = bytes.fromhex("00112233445566778899aabbccddeeff")
    cipher.rekey(conn, f"\"x'{_pbkdf2(FIXTURE_PASS, old_salt)}{old_salt.hex()}'\"")
    conn.close()
    assert not cipher.uses_data_key(path)
    assert len(_names(path, FIXTURE_PASS)) == 2
    assert cipher.uses_data_key(path)
    assert keyfile.path_for(path).read_bytes() == moved_keys  # the saved data key was used


def _pbkdf2(passphrase: str, salt: bytes) -> str:
    """The key SQLCipher 4 derives from ``passphrase`` for a file with ``salt``."""
    return hashlib.pbkdf2_hmac(
        "sha512", passphrase.encode(), salt, cipher.MIN_KDF_ITER, cipher.KEY_BYTES
    ).hex()
