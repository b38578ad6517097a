"""The open, unlocked database: an engine over SQLCipher and sessions on it.

Writers take the lock up front (``BEGIN IMMEDIATE``) so a second process on
the same file waits for the busy timeout instead of failing half-way.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from crmdesk.errors import (
    DatabaseBusy,
    DatabaseExists,
    DatabaseMissing,
    KeyFileDamaged,
    NotADatabase,
    ValidationError,
    WrongPassphrase,
    WrongRecoveryCode,
)
from crmdesk.store import cipher, keyfile, migrations, throttle
from crmdesk.store.files import write_atomically

log = logging.getLogger(__name__)

T = TypeVar("T")
APPLICATION_ID = 0x43524D44  # "CRMD": tells our files from other SQLCipher files


class Database:
    """An unlocked crmdesk database file."""

    def __init__(self, path: Path, key: str, data_key: bytes | None = None) -> None:
        self.path = path
        # Every pooled connection opens with the raw key: no key derivation per connection.
        self._key = key
        self._data_key = data_key  # None only for an older file opened without upgrading
        self.engine: Engine = create_engine(
            "sqlite://",
            # The DB-API really in use: so its errors are wrapped as SQLAlchemy's
            # (a busy file raises OperationalError, turned into DatabaseBusy below).
            module=sqlcipher,
            creator=lambda: cipher.connect(self.path, self._key),
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
        )
        event.listen(self.engine, "begin", _begin)

    @property
    def key(self) -> str:
        """The ``PRAGMA key`` literal every connection opens with (for helper processes)."""
        return self._key

    # -- opening ---------------------------------------------------------

    @classmethod
    def create(cls, path: Path, passphrase: str, *, recovery_code: str | None = None) -> Database:
        """Create a new database at ``path`` with the latest schema, encrypted with a
        random data key kept in its key file, wrapped by ``passphrase`` (and by
        ``recovery_code`` when given)."""
        path = Path(path)
        if not passphrase:
            raise ValidationError("A passphrase cannot be empty.", field="passphrase")
        for existing in (path, keyfile.path_for(path)):
            if existing.exists() and existing.stat().st_size > 0:
                raise DatabaseExists(f"A file already exists at {existing}; not overwriting it.")
        path.parent.mkdir(parents=True, exist_ok=True)
        data_key = keyfile.new_data_key()
        keys = keyfile.KeyFile()
        keys.wrap(keyfile.PASSPHRASE_SLOT, passphrase, data_key)
        if recovery_code is not None:
            code = keyfile.normalise_recovery_code(recovery_code)
            keys.wrap(keyfile.RECOVERY_SLOT, code, data_key)
        new_key = cipher.data_key_literal(data_key, cipher.new_salt())
        conn = cipher.connect(path, new_key, create=True)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrations.migrate(conn)
            keyfile.save(path, keys)
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            keyfile.path_for(path).unlink(missing_ok=True)
            raise
        conn.close()
        return cls(path, cipher.data_key_literal(data_key), data_key)

    @classmethod
    def open(
        cls,
        path: Path,
        passphrase: str,
        *,
        migrate: bool = True,
        notice: Callable[[str], None] | None = None,
    ) -> Database:
        """Unlock an existing database, upgrading its schema if it is older.

        The file is copied aside before an upgrade, so a failed one loses nothing.
        A file still keyed by its passphrase (made before key files) moves to a
        data key here, by one ``PRAGMA rekey``, unless ``migrate`` is False.
        ``notice`` is told, in a sentence, before either of these one-time jobs:
        on a large file they take minutes, and the user should know why.
        """
        tell = notice or (lambda _doing: None)
        path = _existing(path)

        def accept(conn: Any) -> None:
            # Before the first write (the switch to WAL): refuse other files untouched.
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            migrations.check_not_too_new(conn, path.name)
            if app_id != APPLICATION_ID:
                raise NotADatabase(f"{path} is an encrypted database, but not crmdesk's.")

        cipher.check_file_looks_encrypted(path)
        if cipher.uses_data_key(path):
            data_key: bytes | None = _throttled(
                path, lambda: keyfile.load(path).unwrap_passphrase(passphrase, path)
            )
            assert data_key is not None
            key = cipher.data_key_literal(data_key)
            try:
                conn = cipher.connect(path, key, accept=accept)
            except WrongPassphrase:
                raise KeyFileDamaged(
                    f"The key file {keyfile.path_for(path)} does not belong to {path.name}; "
                    "copy back the one saved with it (or with its backup)."
                ) from None
        else:
            conn, key = _throttled(path, lambda: _open_passphrase_keyed(path, passphrase, accept))
            data_key = None
        try:
            version = migrations.current_version(conn)
            if migrate and version < migrations.LATEST_VERSION:
                tell(
                    f"Upgrading {path.name} ({_size(path)}) for this version of crmdesk, "
                    "after keeping a copy of it. This happens once; a large file takes minutes."
                )
                _copy_aside(conn, path, version)
                migrations.migrate(conn)
            if migrate and data_key is None:
                tell(
                    f"Re-encrypting {path.name} ({_size(path)}) under a new key file, so its "
                    "passphrase can change in a moment. This happens once; "
                    "a large file takes minutes."
                )
                data_key = _move_to_data_key(conn, path, passphrase)
                key = cipher.data_key_literal(data_key)
        finally:
            conn.close()
        return cls(path, key, data_key)

    @classmethod
    def recover(cls, path: Path, recovery_code: str, new_passphrase: str) -> Database:
        """Set a new passphrase with the recovery code (the passphrase was forgotten) and open."""
        path = _existing(path)
        if not new_passphrase:
            raise ValidationError("A passphrase cannot be empty.", field="passphrase")
        keys = keyfile.load(path)
        data_key = _throttled(path, lambda: keys.unwrap_recovery(recovery_code, path))
        keys.wrap(keyfile.PASSPHRASE_SLOT, new_passphrase, data_key)
        keyfile.save(path, keys)
        log.info("passphrase of %s reset with its recovery code", path)
        return cls.open(path, new_passphrase)

    # -- the passphrase --------------------------------------------------

    def check_passphrase(self, passphrase: str) -> None:
        """Raise :class:`WrongPassphrase` (or :class:`UnlockThrottled`) unless
        ``passphrase`` is this database's (unlocking after an idle lock)."""

        def attempt() -> bytes:
            data_key = keyfile.load(self.path).unwrap_passphrase(passphrase, self.path)
            if data_key != self._require_data_key():
                raise WrongPassphrase(f"The passphrase does not unlock {self.path.name}.")
            return data_key

        _throttled(self.path, attempt)

    def change_passphrase(self, old: str, new: str) -> None:
        """Wrap the data key with ``new`` instead of ``old``; the file is not re-encrypted."""
        if not new:
            raise ValidationError("A passphrase cannot be empty.", field="passphrase")
        self._require_data_key()
        keys = keyfile.load(self.path)
        data_key = _throttled(self.path, lambda: keys.unwrap_passphrase(old, self.path))
        keys.wrap(keyfile.PASSPHRASE_SLOT, new, data_key)
        keyfile.save(self.path, keys)
        log.info("passphrase of %s changed", self.path)

    def replace_recovery_code(self, passphrase: str, recovery_code: str) -> None:
        """Make ``recovery_code`` the database's recovery code (an old one stops working)."""
        keys = keyfile.load(self.path)
        data_key = _throttled(self.path, lambda: keys.unwrap_passphrase(passphrase, self.path))
        keys.wrap(keyfile.RECOVERY_SLOT, keyfile.normalise_recovery_code(recovery_code), data_key)
        keyfile.save(self.path, keys)

    def _require_data_key(self) -> bytes:
        if self._data_key is None:
            raise ValidationError(
                f"{self.path.name} was opened without upgrading; open it normally first."
            )
        return self._data_key

    def close(self) -> None:
        """Close every pooled connection (checkpointing the WAL)."""
        self.engine.dispose()

    # -- sessions --------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session on one consistent snapshot."""
        with self.engine.connect() as conn, Session(bind=conn) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        try:
            with self.engine.connect() as raw:
                conn = raw.execution_options(crmdesk_write=True)
                with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                    yield session
        except OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseBusy(
                    "The database is busy in another program; try again in a moment."
                ) from exc
            raise

    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self.engine.connect() as conn:
            return int(conn.execute(text("PRAGMA user_version")).scalar_one())

    def flush_wal(self) -> None:
        """Copy the write-ahead log into the file and truncate it, so the log keeps
        no old images of pages (after an erasure)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.commit()

    def backup_to(self, target: Path) -> None:
        """Write a consistent encrypted copy to ``target``, and its key file beside it
        (the copy opens with the same passphrase, or recovery code)."""
        target = Path(target)
        data_key = self._require_data_key()
        for existing in (target, keyfile.path_for(target)):
            if existing.exists():
                raise DatabaseExists(f"{existing} already exists; not overwriting it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        key = cipher.data_key_literal(data_key, cipher.new_salt()).strip('"')
        try:
            with self.engine.connect() as conn:
                dbapi = conn.connection.dbapi_connection
                assert dbapi is not None
                dbapi.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), key))
                try:
                    # One read transaction: a consistent copy while others keep writing.
                    dbapi.execute("SELECT sqlcipher_export('backup')")
                    version = migrations.current_version(dbapi)
                    dbapi.execute(f"PRAGMA backup.user_version = {version}")
                    dbapi.execute(f"PRAGMA backup.application_id = {APPLICATION_ID}")
                finally:
                    dbapi.execute("DETACH DATABASE backup")
            write_atomically(keyfile.path_for(target), keyfile.path_for(self.path).read_bytes())
        except BaseException:
            target.unlink(missing_ok=True)
            raise


def _existing(path: Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise DatabaseMissing(f"There is no database at {path}.")
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder, not a crmdesk database.")
    return path


def _throttled(path: Path, attempt: Callable[[], T]) -> T:
    """Run an unlock attempt, counting wrong passphrases (and recovery codes) for ``path``."""
    throttle.check(path)
    try:
        result = attempt()
    except (WrongPassphrase, WrongRecoveryCode):
        throttle.failed(path)
        raise
    throttle.succeeded(path)
    return result


def _open_passphrase_keyed(
    path: Path, passphrase: str, accept: Callable[[Any], None]
) -> tuple[Any, str]:
    """Open a file keyed by its passphrase; returns the connection and its raw key."""
    if not passphrase:
        raise WrongPassphrase(f"An empty passphrase does not unlock {path.name}.")
    key = _passphrase_key(path, passphrase)
    return cipher.connect(path, key, accept=accept, fallback=cipher.quote_key(passphrase)), key


def _passphrase_key(path: Path, passphrase: str) -> str:
    return cipher.derive_key(path, passphrase) or cipher.quote_key(passphrase)


def raw_key(path: Path, passphrase: str) -> str:
    """The ``PRAGMA key`` literal that opens the file at ``path`` (for tools reading it
    beside crmdesk, such as tests and benchmarks)."""
    path = Path(path)
    if cipher.uses_data_key(path):
        return cipher.data_key_literal(keyfile.load(path).unwrap_passphrase(passphrase, path))
    return _passphrase_key(path, passphrase)


def _size(path: Path) -> str:
    """A file's size for a sentence: ``840 KB``, ``12 MB``, ``5.2 GB``."""
    size = path.stat().st_size
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} KB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.0f} MB"
    return f"{size / 1_000_000_000:.1f} GB"


def _move_to_data_key(conn: Any, path: Path, passphrase: str) -> bytes:
    """Re-encrypt a passphrase-keyed file with a new data key (one ``PRAGMA rekey``).

    The key file is written first: a crash before the rekey leaves the file
    keyed by its passphrase, and the next unlock finishes the move with the
    data key already saved.
    """
    data_key = None
    if keyfile.path_for(path).exists():
        with contextlib.suppress(KeyFileDamaged):
            data_key = keyfile.load(path).unwrap(keyfile.PASSPHRASE_SLOT, passphrase)
    if data_key is None:
        data_key = keyfile.new_data_key()
        keys = keyfile.KeyFile()
        keys.wrap(keyfile.PASSPHRASE_SLOT, passphrase, data_key)
        keyfile.save(path, keys)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cipher.rekey(conn, cipher.data_key_literal(data_key, cipher.new_salt()))
    log.info("moved %s from its passphrase to a data key in %s", path, keyfile.path_for(path))
    return data_key


def _begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("crmdesk_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _copy_aside(conn: Any, path: Path, version: int) -> Path:
    """Copy the file before migrating it; returns the copy's path."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = path.with_name(f"{path.name}.schema{version}.bak")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.schema{version}.{counter}.bak")
    shutil.copy2(path, target)
    if keyfile.path_for(path).exists():
        shutil.copy2(keyfile.path_for(path), keyfile.path_for(target))
    log.info("copied %s to %s before upgrading its schema", path, target)
    return target
