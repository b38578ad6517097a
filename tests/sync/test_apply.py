"""Applying remote changes: last writer wins per field, rows, tombstones, order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from synctools import apply, as_changes, canonical, new_replica, outbox

from crmdesk.domain.hlc import Clock, Stamp
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, EmailInput, LineInput, PhoneInput
from crmdesk.services.sync_entities import DELETED
from crmdesk.sync.apply import Applier
from crmdesk.sync.protocol import Change, Conflict


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Crm, Crm]]:
    a, b = new_replica(tmp_path, "a"), new_replica(tmp_path, "b")
    yield a, b
    a.close()
    b.close()


def later(stamp: str, ms: int = 1000, node: str = "zz") -> str:
    s = Stamp.parse(stamp)
    return str(Stamp(s.wall_ms + ms, 0, node))


def earlier(stamp: str) -> str:
    s = Stamp.parse(stamp)
    return str(Stamp(s.wall_ms - 1000, 0, "zz"))


def test_a_new_contact_arrives_with_derived_columns_and_search(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create(
        "person",
        ContactPatch(
            first_name="Äijä",
            last_name="Virtanen",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567")],
            emails=[EmailInput("Anna@Acme.FI")],
            tags=["vip"],
        ),
    )
    a.activities.purchase(person, [LineInput("Winter tyre", "4", "89,90")])
    counts = apply(b, as_changes(a))
    assert counts.waiting == 0
    card = b.queries.card(person)
    assert card.display_name == "Äijä Virtanen"
    assert card.company_name == "Acme Oy"
    assert [p.e164 for p in card.phones] == ["+358401234567"]
    assert card.tags == ("vip",)
    assert card.balances[0].purchased_minor == 35960
    assert [r.id for r in b.search.search("aij")] == [person]
    assert b.screenpop.pop("0401234567").card is not None
    assert canonical(a) == canonical(b)
    # The owner of the row is a user of the other database: a stand-in here.
    with b.db.reading() as session:
        role = session.execute(
            text("SELECT role FROM users WHERE id = (SELECT owner_id FROM contacts WHERE id=:i)"),
            {"i": person},
        ).scalar_one()
    assert role == "salesperson"


def test_newer_stamp_wins_older_is_ignored(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="V"))
    apply(b, as_changes(a))
    stamp = next(c.stamp for c in as_changes(a) if c.field == "first_name")
    counts = apply(b, [Change("contacts", person, "first_name", "Old", earlier(stamp))])
    assert counts.applied == 0
    assert b.queries.card(person).display_name == "Anna V"
    apply(b, [Change("contacts", person, "first_name", "New", later(stamp))])
    assert b.queries.card(person).display_name == "New V"
    assert [r.id for r in b.search.search("new")] == [person]


def test_pending_local_edit_keeps_its_value_only_when_newer(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create("person", ContactPatch(first_name="Anna"))
    apply(b, as_changes(a))
    b.contacts.update(person, ContactPatch(first_name="Local"))
    local = next(r for r in outbox(b) if r["field"] == "first_name")
    apply(b, [Change("contacts", person, "first_name", "Remote", earlier(local["stamp"]))])
    assert b.queries.card(person).first_name == "Local"
    apply(b, [Change("contacts", person, "first_name", "Remote", later(local["stamp"]))])
    assert b.queries.card(person).first_name == "Remote"
    # The losing local edit is still pushed, so the server records the conflict.
    assert any(r["field"] == "first_name" for r in outbox(b))


def test_delete_wins_and_child_rows_are_removed(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create(
        "person", ContactPatch(first_name="Anna", phones=[PhoneInput("040 123 4567")])
    )
    apply(b, as_changes(a))
    phone = next(c.row_id for c in as_changes(a) if c.entity == "contact_phones")
    stamp = str(Stamp(Stamp.parse(as_changes(a)[-1].stamp).wall_ms + 5000, 0, "zz"))
    apply(
        b,
        [
            Change("contact_phones", phone, DELETED, True, stamp),
            Change("contacts", person, DELETED, True, stamp),
        ],
    )
    with b.db.reading() as session:
        phones = session.execute(text("SELECT count(*) FROM contact_phones")).scalar_one()
        deleted_at = session.execute(
            text("SELECT deleted_at FROM contacts WHERE id = :i"), {"i": person}
        ).scalar_one()
    assert phones == 0
    assert deleted_at is not None
    assert b.search.search("anna") == []
    # A late edit of the removed phone does not bring it back.
    apply(b, [Change("contact_phones", phone, "label", "work", later(stamp))])
    with b.db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM contact_phones")).scalar_one() == 0


def test_children_before_parents_wait_and_then_land(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create(
        "person",
        ContactPatch(first_name="Anna", phones=[PhoneInput("040 123 4567")], tags=["vip"]),
    )
    changes = as_changes(a)
    # A snapshot sends rows ordered by entity name: children first, split in pages.
    ordered = sorted(changes, key=lambda c: (c.entity, c.row_id, c.field))
    pages = [ordered[i : i + 3] for i in range(0, len(ordered), 3)]
    waited = 0
    for page in pages:
        waited = max(waited, apply(b, page).waiting)
    assert waited > 0
    with b.db.reading() as session:
        assert session.execute(text("SELECT count(*) FROM sync_pending")).scalar_one() == 0
    assert canonical(a) == canonical(b)
    assert [p.raw for p in b.queries.card(person).phones] == ["040 123 4567"]


def test_conflicts_are_kept_once(pair: tuple[Crm, Crm]) -> None:
    _, b = pair
    conflict = Conflict(
        "c1", "contacts", "x", "first_name", "A", "s1", "anna", "B", "s0", "bo", "2026-11-23T10:00Z"
    )
    with b.db.writing() as session:
        applier = Applier(session, Clock("n"), "FI")
        assert applier.record_conflicts([conflict, conflict]) == 1
        assert applier.record_conflicts([conflict]) == 0
    assert [c.loser_value for c in b.sync.conflicts()] == ["B"]


def test_a_colleague_from_another_laptop_is_a_disabled_stand_in(pair: tuple[Crm, Crm]) -> None:
    a, b = pair
    person = a.contacts.create("person", ContactPatch(first_name="Owned", last_name="Elsewhere"))
    apply(b, as_changes(a))
    assert b.queries.card(person).owner_name == "Colleague on another computer"
    assert [u.username for u in b.users.list()] == [b.users.current().username]
    assert not b.users.needs_sign_in()  # a shop of one is still never asked who is working
