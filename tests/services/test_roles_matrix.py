"""Every role against every guarded service action, on one real encrypted file.

Each case signs in as a user of the role and tries the action; a refusal must
raise ``PermissionDenied`` and leave the audit trail (so every table) as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.domain import permissions as p
from crmdesk.domain.clock import utcnow
from crmdesk.errors import PermissionDenied
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest
from crmdesk.services.imports import ImportOptions
from crmdesk.services.inputs import ContactPatch
from crmdesk.store.models import AuditEntry

PASSPHRASE = "correct horse battery"
CLERK = frozenset({p.VIEW, p.EDIT, p.EXPORT})
USERS = {"olga": "owner", "sam": "salesperson", "alma": "accountant", "cleo": "clerk"}


def _patch(name: str) -> ContactPatch:
    return ContactPatch(first_name=name, last_name="Case")


@dataclass(frozen=True)
class Case:
    """What one case works on: a fresh contact, its look-alike, and a folder."""

    contact: str
    twin: str
    folder: Path


Action = Callable[[Crm, Case], object]

#: action -> (the permission it needs, what it does)
ACTIONS: dict[str, tuple[str, Action]] = {
    "create contact": (p.EDIT, lambda crm, k: crm.contacts.create("person", _patch("New"))),
    "edit contact": (p.EDIT, lambda crm, k: crm.contacts.update(k.contact, _patch("Renamed"))),
    "delete contact": (p.DELETE, lambda crm, k: crm.contacts.delete(k.contact)),
    "log a call": (p.EDIT, lambda crm, k: crm.activities.log(k.contact, "call", "called")),
    "add follow-up": (
        p.EDIT,
        lambda crm, k: crm.followups.add(k.contact, utcnow() + timedelta(days=1), "ring"),
    ),
    "add deal": (p.EDIT, lambda crm, k: crm.deals.create(k.contact, "Tyres", "100")),
    "add custom field": (
        p.EDIT,
        lambda crm, k: crm.custom_fields.add(f"Field {k.contact[-6:]}"),
    ),
    "merge contacts": (
        p.DELETE,
        lambda crm, k: crm.merges.merge(k.contact, k.twin),
    ),
    "export contacts": (
        p.EXPORT,
        lambda crm, k: crm.exports.export(ExportRequest("contacts", k.folder / f"{k.contact}.csv")),
    ),
    "import a file": (
        p.EDIT,
        lambda crm, k: crm.imports.run(ImportOptions(k.folder / "in.csv")),
    ),
    "add a user": (p.MANAGE_USERS, lambda crm, k: crm.users.add(f"u{k.contact[-8:]}")),
    "change the policy": (
        p.MANAGE_USERS,
        lambda crm, k: crm.users.set_policy(own_records_only=True),
    ),
    "make a role": (
        p.MANAGE_USERS,
        lambda crm, k: crm.roles.add(f"r{k.contact[-8:]}", [p.VIEW]),
    ),
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crm, Path]]:
    folder = tmp_path_factory.mktemp("roles")
    crm = Crm.create(folder / "crm.db", PASSPHRASE, region="FI", currency="EUR", owner="olga")
    crm.roles.add("clerk", sorted(CLERK))
    for name, role in USERS.items():
        if name != "olga":
            crm.users.add(name, name.title(), role)
    (folder / "in.csv").write_text("First Name,Last Name\nImported,Person\n", encoding="utf-8")
    try:
        yield crm, folder
    finally:
        crm.close()


def _audit_rows(crm: Crm) -> int:
    with crm.db.reading() as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def _grants(role: str) -> frozenset[str]:
    return CLERK if role == "clerk" else p.BUILTIN_ROLES[role]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("user", list(USERS))
def test_role_may_or_may_not(shop: tuple[Crm, Path], user: str, action: str) -> None:
    crm, folder = shop
    crm.users.sign_in("olga")
    crm.users.set_policy(own_records_only=False)
    contact = crm.contacts.create("person", _patch("Target"))
    case = Case(contact, crm.contacts.create("person", _patch("Twin")), folder)
    crm.users.sign_in(user)
    needed, run = ACTIONS[action]
    before = _audit_rows(crm)
    try:
        if needed in _grants(USERS[user]):
            run(crm, case)
            assert _audit_rows(crm) > before
        else:
            with pytest.raises(PermissionDenied, match=USERS[user]):
                run(crm, case)
            assert _audit_rows(crm) == before
    finally:
        crm.users.sign_in("olga")


def test_the_matrix_covers_both_outcomes_for_every_role() -> None:
    for user, role in USERS.items():
        outcomes = {needed in _grants(role) for needed, _ in ACTIONS.values()}
        assert outcomes == ({True} if role == "owner" else {True, False}), user
