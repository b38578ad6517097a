"""A real sync server on 127.0.0.1 and laptops (encrypted files) that sync with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from server_thread import start_server
from synctools import PASSPHRASE, USER_PASSWORD, LiveServer, Replica, new_replica

from crmdesk.services.app import Crm
from crmdesk.sync.engine import SyncEngine


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh server with users anna, bo, cai (salespeople) and acc (accountant)."""
    live, stop = start_server(tmp_path)
    yield live
    stop()


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


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passphrase, region and sync password for ``crmdesk`` run from the tests."""
    monkeypatch.setenv("CRMDESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CRMDESK_REGION", "FI")
    monkeypatch.setenv("CRMDESK_SYNC_PASSWORD", USER_PASSWORD)
