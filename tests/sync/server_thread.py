"""Starting a real sync server on 127.0.0.1 for a test (uvicorn in a thread)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn
from synctools import USER_PASSWORD, LiveServer

from crmdesk.server import accounts
from crmdesk.server.app import create_app
from crmdesk.server.storage import ServerDatabase

USERS = {"anna": "salesperson", "bo": "salesperson", "cai": "salesperson", "acc": "accountant"}


def start_server(folder: Path) -> tuple[LiveServer, Callable[[], None]]:
    """A fresh SQLite server database with ``USERS``, served until ``stop()``."""
    db, _ = ServerDatabase.initialise(f"sqlite+pysqlite:///{folder / 'server.db'}")
    for name, role in USERS.items():
        accounts.add_user(db, name, USER_PASSWORD, role)
    sock = socket.create_server(("127.0.0.1", 0))
    # Accepted connections inherit it: without, each answer waits ~40 ms for an ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)

    def stop() -> None:
        uv.should_exit = True
        thread.join(10)
        sock.close()
        db.close()

    return LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port, db), stop
