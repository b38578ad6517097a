"""Capture: service writes become outbox changes in the same transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from synctools import PASSPHRASE, apply, as_changes, fields_of, new_replica, outbox

from crmdesk.domain.hlc import Stamp
from crmdesk.errors import ValidationError
from crmdesk.services import sync_seed
from crmdesk.services.app import Crm
from crmdesk.services.demo import generate
from crmdesk.services.imports import ImportOptions
from crmdesk.services.inputs import ContactPatch, EmailInput, LineInput, PhoneInput
from crmdesk.services.sync_entities import DELETED, spec
from crmdesk.sync.protocol import DELETED as PROTOCOL_DELETED


@pytest.fixture
def crm(tmp_path: Path) -> Crm:
    app = new_replica(tmp_path, "a")
    yield app
    app.close()


def test_tombstone_name_is_the_protocols() -> None:
    assert DELETED == PROTOCOL_DELETED


def test_creating_a_person_queues_every_synced_field(crm: Crm) -> None:
    person = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Virtanen",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567", "mobile")],
            emails=[EmailInput("Anna@Acme.fi")],
            tags=["VIP"],
            consent_marketing=True,
        ),
    )
    rows = outbox(crm)
    fields = fields_of(crm, "contacts", person)
    assert fields["kind"] == "person"
    assert fields["first_name"] == "Anna"
    assert fields["consent_marketing"] is True
    assert fields["created_at"].endswith("Z")
    company = fields["company_id"]
    assert fields_of(crm, "contacts", company)["company_name"] == "Acme Oy"
    # Derived and local-only columns never travel.
    sent = {r["field"] for r in rows}
    assert not sent & {"display_name", "sort_key", "num", "e164", "digits_rev", "address_key"}
    assert not sent & {"updated_at", "deleted_at"}
    phone = next(r for r in rows if r["entity"] == "contact_phones" and r["field"] == "raw")
    assert phone["value"] == "040 123 4567"
    email = next(r for r in rows if r["entity"] == "contact_emails" and r["field"] == "address")
    assert email["value"] == "Anna@Acme.fi"
    tag_row = next(r for r in rows if r["entity"] == "tags")
    links = spec("contact_tags")
    assert links is not None
    link = links.row_id({"contact_id": person, "tag_id": tag_row["row_id"]})
    assert len(link) <= 64
    assert links.key_values(link) == {"contact_id": person, "tag_id": tag_row["row_id"]}
    assert fields_of(crm, "contact_tags", link) == {DELETED: False}
    assert {r["entity"] for r in rows} >= {"stage_history"}
    # One stamp per field, all different, all from this database's node.
    stamps = [Stamp.parse(r["stamp"]) for r in rows]
    assert len(set(stamps)) == len(stamps)
    with crm.db.reading() as session:
        node = session.execute(text("SELECT value FROM sync_state WHERE key='node'")).scalar()
    assert {s.node for s in stamps} == {node}
    assert all(r["base"] is None for r in rows)
    with crm.db.reading() as session:
        clocks = session.execute(
            text("SELECT count(*) FROM sync_row_clocks, json_each(stamps)")
        ).scalar_one()
    assert clocks == len(rows)


def test_edits_coalesce_per_field_and_keep_their_base(crm: Crm) -> None:
    person = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="V"))
    first = fields_of(crm, "contacts", person)
    crm.contacts.update(person, ContactPatch(first_name="Anne"))
    crm.contacts.update(person, ContactPatch(first_name="Annika", notes="likes tea"))
    rows = [r for r in outbox(crm) if r["entity"] == "contacts" and r["field"] == "first_name"]
    assert len(rows) == 1
    assert rows[0]["value"] == "Annika"
    assert rows[0]["base"] is None
    assert fields_of(crm, "contacts", person)["notes"] == "likes tea"
    assert first["last_name"] == "V"


def test_delete_restore_and_child_rows(crm: Crm) -> None:
    person = crm.contacts.create(
        "person",
        ContactPatch(first_name="Anna", phones=[PhoneInput("040 123 4567")], tags=["vip"]),
    )
    old_phone = next(r["row_id"] for r in outbox(crm) if r["entity"] == "contact_phones")
    crm.contacts.update(
        person, ContactPatch(phones=[PhoneInput("050 765 4321")], remove_tags=["vip"])
    )
    assert fields_of(crm, "contact_phones", old_phone)[DELETED] is True
    links = [r for r in outbox(crm) if r["entity"] == "contact_tags"]
    assert [r["value"] for r in links] == [True]
    new_phone = {r["row_id"] for r in outbox(crm) if r["entity"] == "contact_phones"} - {old_phone}
    assert fields_of(crm, "contact_phones", new_phone.pop())["raw"] == "050 765 4321"

    crm.contacts.delete(person)
    assert fields_of(crm, "contacts", person)[DELETED] is True
    crm.contacts.restore(person)
    assert fields_of(crm, "contacts", person)[DELETED] is False


def test_purchase_queues_activity_lines_product_and_stage(crm: Crm) -> None:
    person = crm.contacts.create("person", ContactPatch(first_name="Anna"))
    before = len(outbox(crm))
    activity = crm.activities.purchase(person, [LineInput("Winter tyre", "4", "89,90")])
    entities = {r["entity"] for r in outbox(crm)[before:]}
    assert entities >= {"activities", "order_lines", "products", "stage_history"}
    assert fields_of(crm, "activities", activity)["amount_minor"] == 35960
    line = next(r for r in outbox(crm) if r["entity"] == "order_lines" and r["field"] == "quantity")
    assert line["value"] == "4"
    assert fields_of(crm, "contacts", person)["stage"] == "customer"


def test_a_refused_write_queues_nothing(crm: Crm) -> None:
    person = crm.contacts.create("person", ContactPatch(first_name="Anna"))
    before = outbox(crm)
    with pytest.raises(ValidationError):
        crm.contacts.update(person, ContactPatch(first_name="Bo", emails=[EmailInput("nope")]))
    assert outbox(crm) == before


def test_edit_while_in_flight_stays_with_the_newer_value(crm: Crm) -> None:
    person = crm.contacts.create("person", ContactPatch(first_name="Anna"))
    with crm.db.writing() as session:
        session.execute(text("UPDATE sync_outbox SET batch_id = 'b1'"))
    flying = next(r for r in outbox(crm) if r["field"] == "first_name")
    crm.contacts.update(person, ContactPatch(first_name="Anne"))
    rows = [r for r in outbox(crm) if r["field"] == "first_name"]
    assert [(r["value"], r["batch_id"]) for r in rows] == [("Anna", "b1"), ("Anne", None)]
    assert rows[1]["base"] == flying["stamp"]


def test_applying_remote_changes_does_not_echo(tmp_path: Path) -> None:
    a, b = new_replica(tmp_path, "a"), new_replica(tmp_path, "b")
    a.contacts.create("person", ContactPatch(first_name="Anna", phones=[PhoneInput("040 123")]))
    try:
        before = outbox(b)
        counts = apply(b, as_changes(a))
        assert counts.created >= 2
        assert outbox(b) == before
    finally:
        a.close()
        b.close()


def test_node_and_clock_survive_reopening(tmp_path: Path) -> None:
    crm = new_replica(tmp_path, "a")
    crm.contacts.create("person", ContactPatch(first_name="Anna"))
    last = max(Stamp.parse(r["stamp"]) for r in outbox(crm))
    crm.close()
    crm = Crm.open(tmp_path / "a.db", PASSPHRASE)
    try:
        crm.contacts.create("person", ContactPatch(first_name="Bo"))
        newest = max(Stamp.parse(r["stamp"]) for r in outbox(crm))
        assert newest > last
        assert newest.node == last.node
    finally:
        crm.close()


def test_bulk_demo_rows_are_seeded_once(crm: Crm) -> None:
    generate(crm, 20, seed=3)
    assert outbox(crm) == []
    queued = sync_seed.seed_unsynced(crm.db)
    with crm.db.reading() as session:
        contacts = session.execute(text("SELECT count(*) FROM contacts")).scalar_one()
    assert queued >= contacts >= 20
    assert {r["entity"] for r in outbox(crm)} >= {"contacts", "contact_phones", "activities"}
    assert sync_seed.seed_unsynced(crm.db) == 0


def test_imported_contacts_are_seeded_and_their_undo_travels(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "First Name,Last Name,E-mail Address,Mobile Phone\n"
        "Anna,Virtanen,anna@example.fi,040 123 4567\n"
        "Pekka,Mäkelä,pekka@example.fi,050 765 4321\n",
        encoding="utf-8",
    )
    sync_seed.seed_unsynced(crm.db)  # the database had been synced before the import
    result = crm.imports.run(ImportOptions(path))
    assert result.created == 2
    assert sync_seed.seed_unsynced(crm.db) >= 4  # two contacts, a phone and e-mail each
    people = {r["row_id"] for r in outbox(crm) if r["entity"] == "contacts"}
    assert len(people) == 2
    assert fields_of(crm, "contacts", next(iter(people)))["first_name"] in {"Anna", "Pekka"}

    crm.import_history.undo(result.import_id)
    tombstones = {
        r["row_id"]
        for r in outbox(crm)
        if r["entity"] == "contacts" and r["field"] == DELETED and r["value"] is True
    }
    assert tombstones == people
