"""A real sync server for tests: uvicorn on 127.0.0.1 in a thread, over a fresh
SQLite file or a fresh database in a real PostgreSQL cluster (pytest-postgresql).

Other test folders reuse it from their ``conftest.py``::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
    from live import postgres_url, sync_server  # noqa: E402, F401  (fixtures)

``sync_server`` is parametrised over both backends; ``LiveServer`` has ``.url``,
``.add_user(name, role)``, ``.login(name)`` and ``.client(token)``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from crmdesk.server import accounts
from crmdesk.server.app import create_app
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

PASSWORD = "correct horse battery staple"
PG_USER = "postgres"


@dataclass
class LiveServer:
    """A running server and the database behind it."""

    url: str
    db: ServerDatabase
    backend: str
    database_url: str
    _nodes: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add_user(
        self, name: str, role: str = "salesperson", password: str = PASSWORD
    ) -> accounts.User:
        """Create an account with the server's own user functions."""
        return accounts.add_user(self.db, name, password, role)

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        """An HTTP client speaking the current protocol (with ``token`` as bearer)."""
        preset = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        if token is not None:
            preset["Authorization"] = f"Bearer {token}"
        preset.update(headers)
        return httpx.Client(base_url=self.url, headers=preset, timeout=30)

    def login(self, name: str, password: str = PASSWORD, node: str | None = None) -> str:
        """Log in over HTTP; returns the bearer token."""
        node = node or f"node{next(self._nodes)}"
        with self.client() as http:
            answer = http.post(
                "/api/v1/login", json={"username": name, "password": password, "node": node}
            )
        answer.raise_for_status()
        return str(answer.json()["token"])


@contextmanager
def serve_in_thread(db: ServerDatabase, **options: float) -> Iterator[str]:
    """Run the app over ``db`` with uvicorn in a thread on a free port; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(db, **options), log_level="warning", lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not server.started:
            raise RuntimeError("the test server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


# -- PostgreSQL ---------------------------------------------------------------


def find_pg_ctl() -> str | None:
    """Debian's pg_ctl (the newest installed PostgreSQL), else one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    return found[-1] if found else shutil.which("pg_ctl")


def _version_key(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def postgres_missing_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None. With ``CI=true`` never a reason:
    a CI machine without PostgreSQL must fail, not skip."""
    if find_pg_ctl() is None and os.environ.get("CI", "").lower() != "true":
        return "PostgreSQL is not installed (apt-get install postgresql); CI runs these"
    return None


class PostgresCluster:
    """A throw-away PostgreSQL cluster started with pytest-postgresql's executor.

    PostgreSQL refuses to run as root, so when the tests run as root pg_ctl is
    called through a two-line wrapper that runs it as the ``postgres`` user, with
    the cluster in a private folder that user owns.
    """

    def __init__(self) -> None:
        from pytest_postgresql.executors import PostgreSQLExecutor

        pg_ctl = find_pg_ctl()
        if pg_ctl is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
        self.base = Path(tempfile.mkdtemp(prefix="crmdesk-pg-"))
        executable = pg_ctl
        if os.geteuid() == 0:
            account = pwd.getpwnam(PG_USER)
            os.chown(self.base, account.pw_uid, account.pw_gid)
            executable = str(self.base / "pg_ctl_as_postgres")
            Path(executable).write_text(
                f'#!/bin/sh\nexec runuser -u {PG_USER} -- "{pg_ctl}" "$@"\n', encoding="utf-8"
            )
            os.chmod(executable, stat.S_IRWXU)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.executor = PostgreSQLExecutor(
            executable=executable,
            host="127.0.0.1",
            port=port,
            datadir=str(self.base / "data"),
            unixsocketdir=str(self.base),
            logfile=str(self.base / "postgresql.log"),
            startparams="-w",
            dbname="crmdesk_tests",
            user=PG_USER,
            postgres_options="-c fsync=off -c full_page_writes=off -c max_connections=300",
        )
        self.executor.start()
        self._names = itertools.count(1)

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL of one database in this cluster."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.executor.port}/{dbname}"

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A new empty database (dropped afterwards); yields its URL."""
        from pytest_postgresql.janitor import DatabaseJanitor

        name = f"crmdesk_{os.getpid()}_{next(self._names)}"
        janitor = DatabaseJanitor(
            user=PG_USER,
            host="127.0.0.1",
            port=self.executor.port,
            dbname=name,
        )
        janitor.init()
        try:
            yield self.url(name)
        finally:
            janitor.drop()

    def stop(self) -> None:
        """Stop the cluster and remove its folder."""
        try:
            self.executor.stop()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


_cluster: PostgresCluster | None = None


def shared_cluster(config: pytest.Config) -> PostgresCluster:
    """One cluster per test session, however many folders use it."""
    global _cluster
    if _cluster is None:
        _cluster = PostgresCluster()
        cluster = _cluster

        def stop() -> None:
            global _cluster
            cluster.stop()
            _cluster = None

        config.add_cleanup(stop)
    return _cluster


# -- fixtures -----------------------------------------------------------------


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database (skipped only where PostgreSQL is
    not installed and CI is not set)."""
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    with shared_cluster(request.config).fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sync_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A running sync server on a fresh database, once per backend."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite+pysqlite:///{tmp_path / 'server' / 'crmdesk-server.db'}"
    db, _ = ServerDatabase.initialise(url)
    try:
        with serve_in_thread(db) as base:
            yield LiveServer(base, db, request.param, url)
    finally:
        db.close()
