"""The trash: list what was deleted (when, by whom), restore it, purge it for good."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.errors import NotInTrash, PermissionDenied
from crmdesk.services.app import Crm
from crmdesk.services.purge import PURGED
from crmdesk.store.models import User


def _count(crm: Crm, sql: str, **params: object) -> int:
    with crm.db.reading() as session:
        return int(session.execute(text(sql), params).scalar_one())


def test_trash_lists_deleted_records_with_when_and_who(crm: Crm, person: str) -> None:
    note = crm.activities.log(person, "note", "to be binned")
    crm.activities.delete(note)
    crm.contacts.delete(person)
    items = crm.trash.items()
    assert [(i.kind, i.id) for i in items] == [("contact", person), ("activity", note)]
    assert items[0].title == "Quillon Zarvaxe"
    assert items[1].title == "note: to be binned"
    assert items[1].contact_name == "Quillon Zarvaxe"
    assert all(i.deleted_by for i in items)
    assert items[0].deleted_at >= items[1].deleted_at


def test_restore_brings_a_contact_back_and_searchable(crm: Crm, person: str) -> None:
    crm.contacts.delete(person)
    assert crm.search.search("Zarvaxe") == []
    crm.trash.restore("contact", person)
    assert [r.id for r in crm.search.search("Zarvaxe")] == [person]
    assert crm.trash.items() == []
    with pytest.raises(NotInTrash):
        crm.trash.restore("contact", person)


def test_an_activity_of_a_trashed_contact_waits_for_its_contact(crm: Crm, person: str) -> None:
    note = crm.activities.log(person, "note", "x")
    crm.activities.delete(note)
    crm.contacts.delete(person)
    with pytest.raises(Exception, match="restore the contact first"):
        crm.trash.restore("activity", note)
    crm.trash.restore("contact", person)
    crm.trash.restore("activity", note)
    assert crm.trash.items() == []


def test_purge_removes_every_row_and_queues_a_lasting_tombstone(crm: Crm, person: str) -> None:
    crm.contacts.delete(person)
    removed = crm.trash.purge("contact", person)
    assert removed >= 10  # contact, phone, e-mail, address, tag link, 3 activities, ...
    for table in ("contacts", "contact_phones", "activities", "deals", "followups"):
        column = "id" if table == "contacts" else "contact_id"
        assert _count(crm, f"SELECT count(*) FROM {table} WHERE {column} = :c", c=person) == 0
    assert _count(crm, "SELECT count(*) FROM contact_fts") == 0
    pending = _count(
        crm,
        "SELECT count(*) FROM sync_outbox WHERE row_id = :c AND field = :f AND value = 'true'",
        c=person,
        f=PURGED,
    )
    assert pending == 1
    assert crm.verify_audit().ok
    with pytest.raises(NotInTrash):
        crm.trash.purge("contact", person)


def test_purge_is_for_the_owner_only(tmp_path: Path, crm: Crm, person: str) -> None:
    crm.contacts.delete(person)
    now = utcnow()
    with crm.db.writing() as session:
        session.add(
            User(
                id=(sam := new_id()),
                username="sam",
                display_name="Sam",
                role="salesperson",
                created_at=now,
                updated_at=now,
            )
        )
    crm.ctx.actor_id = sam
    with pytest.raises(PermissionDenied, match="salesperson"):
        crm.trash.purge("contact", person)
    with pytest.raises(PermissionDenied):
        crm.trash.purge_older_than(0)
    assert [i.id for i in crm.trash.items()] == [person]


def test_purge_older_than_keeps_recent_deletes(crm: Crm, person: str) -> None:
    other = crm.activities.log(person, "note", "recent")
    old = crm.activities.log(person, "note", "old")
    crm.activities.delete(other)
    crm.activities.delete(old)
    with crm.db.writing() as session:
        session.execute(
            text("UPDATE activities SET deleted_at = :t WHERE id = :i"),
            {"t": (utcnow() - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "i": old},
        )
    assert crm.trash.purge_older_than(30) == 1
    assert [i.id for i in crm.trash.items()] == [other]
