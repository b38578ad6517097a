"""Trash and privacy tests: people with a full history, the page scanner, and the
real sync servers of ``tests/server`` (both backends) and ``tests/sync``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from live import LiveServer, postgres_url, sync_server  # noqa: F401  (fixtures)
from privacy_people import add_person
from synctools import USER_PASSWORD, new_replica

from crmdesk.server import accounts
from crmdesk.services.app import Crm
from crmdesk.sync.engine import SyncEngine


@pytest.fixture
def person(crm: Crm) -> str:
    """A canary person in ``crm`` with a full history."""
    return add_person(
        crm, "Quillon", "Zarvaxe", "quillon.zarvaxe@canary.example", "+358 40 9182736"
    )


@pytest.fixture
def laptops(
    tmp_path: Path,
    sync_server: LiveServer,  # noqa: F811  (the fixture imported above)
) -> Iterator[Callable[..., Crm]]:
    """Makes laptops that sync with ``sync_server`` (SQLite, then PostgreSQL) as a
    user of that name with ``role`` (created on the server on first use)."""
    made: list[Crm] = []

    def make(user: str, role: str = "salesperson") -> Crm:
        if user not in {u.username for u in accounts.list_users(sync_server.db)}:
            sync_server.add_user(user, role, USER_PASSWORD)
        crm = new_replica(tmp_path, f"{user}-{len(made)}")
        SyncEngine(crm).configure(sync_server.url, user)
        made.append(crm)
        return crm

    yield make
    for crm in made:
        crm.close()
