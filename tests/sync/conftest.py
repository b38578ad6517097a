"""A real sync server on 127.0.0.1 (uvicorn in a thread) and replicas that sync with it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from crmdesk.server import accounts
from crmdesk.server.app import create_app
from crmdesk.server.storage import ServerDatabase
from synctools import USER_PASSWORD, LiveServer, Replica, new_replica

from crmdesk.services.app import Crm
from crmdesk.sync.engine import SyncEngine


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh server database with users anna, bo, cai (salespeople) and acc (accountant)."""
    url = f"sqlite+pysqlite:///{tmp_path / 'server.db'}"
    db, _ = ServerDatabase.initialise(url)
    for name in ("anna", "bo", "cai"):
        accounts.add_user(db, name, USER_PASSWORD, "salesperson")
    accounts.add_user(db, "acc", USER_PASSWORD, "accountant")
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(db), log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port, db)
    finally:
        uv.should_exit = True
        thread.join(10)
        sock.close()
        db.close()


@pytest.fixture
def replica(tmp_path: Path, server: LiveServer) -> Iterator[Replica]:
    """Makes laptops (separate encrypted files) set up to sync with ``server`` as a user."""
    made: list[Crm] = []

    def make(user: str) -> Crm:
        crm = new_replica(tmp_path, f"{user}-{len(made)}")
        SyncEngine(crm).configure(server.url, user)
        made.append(crm)
        return crm

    yield make
    for crm in made:
        crm.close()
