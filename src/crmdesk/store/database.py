"""The open, unlocked database: an engine over SQLCipher and sessions on it.

Writers take the lock up front (``BEGIN IMMEDIATE``) so a second process on
the same file waits for the busy timeout instead of failing half-way.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    NotADatabase,
)
from crmdesk.store import cipher, migrations

log = logging.getLogger(__name__)

APPLICATION_ID = 0x43524D44  # "CRMD": tells our files from other SQLCipher files


class Database:
    """An unlocked crmdesk database file."""

    def __init__(self, path: Path, passphrase: str, raw_key: str | None = None) -> None:
        self.path = path
        self._passphrase = passphrase
        self._raw_key = raw_key or cipher.derive_key(path, passphrase)
        self.engine: Engine = create_engine(
            "sqlite://",
            # The DB-API really in use: so its errors are wrapped as SQLAlchemy's
            # (a busy file raises OperationalError, turned into DatabaseBusy below).
            module=sqlcipher,
            creator=lambda: cipher.connect(self.path, self._passphrase, raw_key=self._raw_key),
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
        )
        event.listen(self.engine, "begin", _begin)

    @property
    def raw_key(self) -> str | None:
        """The derived key (a ``PRAGMA key`` literal) for a helper process opening the file."""
        return self._raw_key

    # -- opening ---------------------------------------------------------

    @classmethod
    def create(cls, path: Path, passphrase: str) -> Database:
        """Create a new encrypted database at ``path`` with the latest schema."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise DatabaseExists(f"A file already exists at {path}; not overwriting it.")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = cipher.connect(path, passphrase, create=True)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrations.migrate(conn)
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        conn.close()
        return cls(path, passphrase)

    @classmethod
    def open(cls, path: Path, passphrase: str, *, migrate: bool = True) -> Database:
        """Unlock an existing database, upgrading its schema if it is older.

        The file is copied aside before an upgrade, so a failed one loses nothing.
        """
        path = Path(path)
        if not path.exists():
            raise DatabaseMissing(f"There is no database at {path}.")
        if path.is_dir():
            raise NotADatabase(f"{path} is a folder, not a crmdesk database.")

        def accept(conn: Any) -> None:
            # Before the first write (the switch to WAL): refuse other files untouched.
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            migrations.check_not_too_new(conn, path.name)
            if app_id != APPLICATION_ID:
                raise NotADatabase(f"{path} is an encrypted database, but not crmdesk's.")

        raw_key = cipher.derive_key(path, passphrase)
        conn = cipher.connect(path, passphrase, accept=accept, raw_key=raw_key)
        try:
            version = migrations.current_version(conn)
            if migrate and version < migrations.LATEST_VERSION:
                _copy_aside(conn, path, version)
                migrations.migrate(conn)
        finally:
            conn.close()
        return cls(path, passphrase, raw_key)

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

    def rekey(self, new_passphrase: str) -> None:
        """Change the passphrase (re-encrypts the file in place)."""
        self.engine.dispose()
        conn = cipher.connect(self.path, self._passphrase, raw_key=self._raw_key)
        try:
            cipher.rekey(conn, new_passphrase)
        finally:
            conn.close()
        self._passphrase = new_passphrase
        self._raw_key = cipher.derive_key(self.path, new_passphrase)
        self.engine.dispose()

    def backup_to(self, target: Path) -> None:
        """Write a consistent encrypted copy (same passphrase) to ``target``."""
        target = Path(target)
        if target.exists():
            raise DatabaseExists(f"{target} already exists; not overwriting it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with self.engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            dbapi.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), self._passphrase))
            try:
                dbapi.execute("SELECT sqlcipher_export('backup')")
                version = migrations.current_version(dbapi)
                dbapi.execute(f"PRAGMA backup.user_version = {version}")
                dbapi.execute(f"PRAGMA backup.application_id = {APPLICATION_ID}")
            finally:
                dbapi.execute("DETACH DATABASE backup")


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
    log.info("copied %s to %s before upgrading its schema", path, target)
    return target
