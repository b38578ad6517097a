"""The server database: an engine on SQLite or PostgreSQL, transactions, migrations.

Writers are serialised so change sequence numbers follow commit order
(protocol rule 6) even with several server processes: on PostgreSQL every
write transaction starts with a transaction-scoped advisory lock, on SQLite
with ``BEGIN IMMEDIATE``. Nothing is kept in process memory between requests.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import NoSuchModuleError as NoSuchDialect

from crmdesk.config import paths
from crmdesk.errors import DatabaseBusy, DatabaseTooNew
from crmdesk.server import migrations, tables
from crmdesk.server.errors import DatabaseUnavailable, ServerNotInitialised

SQLITE_FILE_NAME = "crmdesk-server.db"
WRITE_LOCK_KEY = 0x43524D44  # "CRMD": the advisory lock every writer takes on PostgreSQL
BUSY_TIMEOUT_S = 30


def resolve_url(data_dir: str | Path | None = None, database_url: str | None = None) -> str:
    """The database URL: ``--database-url``, ``CRMDESK_DATABASE_URL``, else SQLite in
    ``--data``, ``CRMDESK_SERVER_DATA`` or the per-user server data folder."""
    url = database_url or (None if data_dir else os.environ.get("CRMDESK_DATABASE_URL"))
    if url:
        return url
    folder = Path(data_dir).expanduser() if data_dir else paths.server_data_dir()
    return f"sqlite+pysqlite:///{(folder / SQLITE_FILE_NAME).resolve()}"


def describe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


class ServerDatabase:
    """An open server database; safe to share between threads."""

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        try:
            parsed = make_url(url)
            self.is_sqlite = parsed.get_backend_name() == "sqlite"
            if self.is_sqlite:
                self.engine: Engine = create_engine(
                    parsed,
                    pool_size=pool_size,
                    max_overflow=4 * pool_size,
                    connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                )
                event.listen(self.engine, "connect", _sqlite_connect)
                event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = create_engine(
                    parsed, pool_size=pool_size, max_overflow=4 * pool_size, pool_pre_ping=True
                )
        except (ArgumentError, NoSuchDialect, ImportError) as exc:
            raise DatabaseUnavailable(f"'{describe(url)}' is not a usable database URL.") from exc
        self.url = url
        self._sqlite_writer = threading.Lock()

    # -- opening -----------------------------------------------------------

    @classmethod
    def initialise(cls, url: str) -> tuple[ServerDatabase, list[int]]:
        """Create the tables (or upgrade them); returns the database and steps applied."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        db = cls(url)
        try:
            with db.writing() as conn:
                applied = migrations.migrate(conn)
        except BaseException:
            db.close()
            raise
        return db, applied

    @classmethod
    def open(cls, url: str, *, pool_size: int = 8) -> ServerDatabase:
        """Open an initialised database, upgrading an older schema."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            raise ServerNotInitialised(
                f"There is no server database at {parsed.database}; "
                "run 'crmdesk-server init' first."
            )
        db = cls(url, pool_size=pool_size)
        try:
            with db.writing() as conn:
                version = migrations.current_version(conn)
                if version == 0:
                    raise ServerNotInitialised(
                        f"The database {describe(url)} has no crmdesk server tables; "
                        "run 'crmdesk-server init' first."
                    )
                if version > migrations.LATEST_VERSION:
                    raise DatabaseTooNew(
                        f"The server database has schema {version}, newer than this "
                        f"crmdesk-server knows ({migrations.LATEST_VERSION}); please update it."
                    )
                migrations.migrate(conn)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- transactions ------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction, the only writer while it lasts; commits unless it raises."""
        # On SQLite the threads of this process queue here, in order, rather than
        # in SQLite's busy handler, which polls with growing sleeps (seconds of
        # latency under load). Other processes are still kept out by the file lock.
        local = self._sqlite_writer if self.is_sqlite else nullcontext()
        with local, self._failures_explained(), self.engine.connect() as raw:
            conn = raw.execution_options(crmdesk_write=True)
            with conn.begin():
                if not self.is_sqlite:
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction on one consistent snapshot."""
        with self._failures_explained(), self.engine.connect() as raw:
            conn = (
                raw if self.is_sqlite else raw.execution_options(isolation_level="REPEATABLE READ")
            )
            with conn.begin() as transaction:
                yield conn
                transaction.rollback()

    @contextmanager
    def _failures_explained(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            text = str(exc.orig)
            if self.is_sqlite and ("locked" in text or "busy" in text):
                raise DatabaseBusy("The server database stayed busy; try again.") from exc
            raise DatabaseUnavailable(
                f"The server database {describe(self.url)} cannot be used: "
                f"{text.strip().splitlines()[0] if text.strip() else type(exc.orig).__name__}."
            ) from exc

    # -- facts -------------------------------------------------------------

    def server_id(self) -> str:
        """The random id this database was given at ``init``."""
        with self.reading() as conn:
            return str(
                conn.execute(
                    select(tables.server_meta.c.value).where(
                        tables.server_meta.c.name == "server_id"
                    )
                ).scalar_one()
            )


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun explicitly (below)
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")
    dbapi_conn.execute("PRAGMA foreign_keys=ON")
    dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("crmdesk_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
