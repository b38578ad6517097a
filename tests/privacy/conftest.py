"""Trash and privacy tests: people with a full history, the page scanner, and the
real sync servers of ``tests/server`` (both backends) and ``tests/sync``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from live import LiveServer, postgres_url, sync_server  # noqa: F401  (fixtures)
from synctools import USER_PASSWORD, new_replica

from crmdesk.domain.clock import utcnow
from crmdesk.server import accounts
from crmdesk.services.app import Crm
from crmdesk.services.inputs import (
    AddressInput,
    ContactPatch,
    EmailInput,
    LineInput,
    PhoneInput,
)
from crmdesk.sync.engine import SyncEngine


def add_person(crm: Crm, first: str, last: str, email: str, phone: str) -> str:
    """A person with an address, a purchase, a payment, a note, a deal and a follow-up."""
    cid = crm.contacts.create(
        "person",
        ContactPatch(
            first_name=first,
            last_name=last,
            add_emails=[EmailInput(email)],
            add_phones=[PhoneInput(phone)],
            add_addresses=[AddressInput(f"{last}gatan 7", "00100", "Helsinki", "", "FI", "home")],
            add_tags=["vip"],
            consent_marketing=True,
            consent_source="signed form at the shop",
            notes=f"{first} prefers mornings",
        ),
    )
    crm.activities.log(cid, "call", f"Called {first} about the {last} order")
    crm.activities.purchase(cid, [LineInput("Boots", "1", "120")], text="boots")
    crm.activities.payment(cid, "50")
    crm.deals.create(cid, f"{last} renovation", "900")
    crm.followups.add(cid, utcnow() + timedelta(days=2), f"Ring {first} back")
    return cid


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
) -> Iterator[Callable[[str], Crm]]:
    """Makes laptops that sync with ``sync_server`` (SQLite, then PostgreSQL) as a
    salesperson of that name (created on the server on first use)."""
    made: list[Crm] = []

    def make(user: str) -> Crm:
        if user not in {u.username for u in accounts.list_users(sync_server.db)}:
            sync_server.add_user(user, "salesperson", USER_PASSWORD)
        crm = new_replica(tmp_path, f"{user}-{len(made)}")
        SyncEngine(crm).configure(sync_server.url, user)
        made.append(crm)
        return crm

    yield make
    for crm in made:
        crm.close()
