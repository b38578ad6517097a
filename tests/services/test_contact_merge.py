"""Merging two contacts into one, and undoing it: children, fields, audit, outbox, trash."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import (
    AddressInput,
    ContactPatch,
    EmailInput,
    LineInput,
    PhoneInput,
    TermsInput,
)


def scalar(crm: Crm, sql: str, **params: object) -> object:
    with crm.db.reading() as session:
        return session.execute(text(sql), params).scalar_one()


def outbox_fields(crm: Crm, entity: str, row_id: str) -> dict[str, object]:
    with crm.db.reading() as session:
        rows = session.execute(
            text("SELECT field, value FROM sync_outbox WHERE entity = :e AND row_id = :r"),
            {"e": entity, "r": row_id},
        ).all()
    return {f: json.loads(v) for f, v in rows}


@pytest.fixture
def pair(crm: Crm) -> tuple[str, str]:
    """Two records of one customer, each with history of its own."""
    crm.custom_fields.add("Shoe size", "number")
    keep = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Aho",
            phones=[PhoneInput("040 123 4567", "mobile")],
            emails=[EmailInput("anna@acme.fi")],
            tags=["vip"],
        ),
    )
    other = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Aho",
            company="Acme Oy",
            title="Buyer",
            notes="prefers mornings",
            phones=[PhoneInput("+358 40 1234567"), PhoneInput("09 765 4321", "work")],
            emails=[EmailInput("ANNA@acme.fi"), EmailInput("anna.aho@home.fi", "home")],
            addresses=[AddressInput("Kauppatie 1", "00100", "Helsinki")],
            tags=["VIP", "north"],
            custom={"shoe_size": "38"},
            terms=TermsInput(payment_terms_days=14, credit_limit="500"),
        ),
    )
    crm.activities.log(keep, "call", "asked for a quote")
    crm.activities.purchase(other, [LineInput("Winter tyre", "4", "89,90")])
    crm.activities.log(other, "visit", "showed the summer range")
    crm.followups.add(other, utcnow() + timedelta(days=1), "call back")
    crm.deals.create(other, "Fleet tyres", "1200")
    return keep, other


def test_merge_moves_everything_and_fills_what_is_empty(crm: Crm, pair: tuple[str, str]) -> None:
    keep, other = pair
    stages = scalar(crm, "SELECT count(*) FROM stage_history WHERE contact_id = :c", c=other)
    assert stages == 2  # created as a lead, then a customer by the purchase
    result = crm.merges.merge(keep, other)
    assert result.moved == {
        "activities": 2,
        "followups": 1,
        "deals": 1,
        "stage_history": 2,
        "members": 0,
    }
    card = crm.queries.card(keep)
    assert card.title == "Buyer" and card.notes == "prefers mornings"
    assert card.company_name == "Acme Oy"
    # The same e-mail in another case and the same number in another format are not doubled.
    assert [e.address for e in card.emails] == ["anna@acme.fi", "anna.aho@home.fi"]
    assert [p.e164 for p in card.phones] == ["+358401234567", "+35897654321"]
    assert [a.city for a in card.addresses] == ["Helsinki"]
    assert sorted(card.tags) == ["north", "vip"]
    assert dict(card.custom) == {"Shoe size": "38"}
    assert card.terms is not None and card.terms.payment_terms_days == 14
    assert [f.text for f in card.open_followups] == ["call back"]
    assert [d.title for d in card.open_deals] == ["Fleet tyres"]
    assert len(card.recent_activities) == 3
    assert card.last_purchases[0].lines[0].description == "Winter tyre"
    assert (
        scalar(crm, "SELECT count(*) FROM stage_history WHERE contact_id = :c", c=keep) == 4
    )  # and the change the merge made
    # The other record is in the trash, saying where it went.
    assert card.stage == "customer"  # the latest stage of the two
    with pytest.raises(NotFound, match="No contact"):
        crm.queries.resolve(other)
    gone = crm.queries.card(other)
    assert f"Merged into Anna Aho ({keep})" in gone.notes
    assert [r.id for r in crm.search.search("aho")] == [keep]


def test_merge_is_audited_and_captured_for_sync(crm: Crm, pair: tuple[str, str]) -> None:
    keep, other = pair
    crm.merges.merge(keep, other)
    with crm.db.reading() as session:
        action, summary, changes = session.execute(
            text("SELECT action, summary, changes FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).one()
        activity_ids = session.execute(
            text("SELECT id FROM activities WHERE contact_id = :c"), {"c": keep}
        ).scalars()
        moved = [a for a in activity_ids if outbox_fields(crm, "activities", a)]
    assert action == "merge" and summary == "merged Anna Aho into Anna Aho"
    recorded = json.loads(changes)
    assert recorded["keep"] == [keep, "Anna Aho"] and recorded["other"] == [other, "Anna Aho"]
    assert recorded["moved"]["activities"] == 2
    assert len(moved) == 3
    for activity in moved:
        assert outbox_fields(crm, "activities", activity)["contact_id"] == keep
    assert outbox_fields(crm, "contacts", other)["_deleted"] is True
    assert outbox_fields(crm, "contacts", keep)["title"] == "Buyer"
    assert crm.verify_audit().ok


def test_unmerge_puts_it_back(crm: Crm, pair: tuple[str, str]) -> None:
    keep, other = pair
    result = crm.merges.merge(keep, other)
    assert crm.merges.last_merge(other) == result.merge_id
    undone = crm.merges.unmerge(result.merge_id)
    assert undone.moved_back == 6 and undone.kept == ()
    card = crm.queries.card(keep)
    assert card.title == "" and card.company_name == "" and card.notes == ""
    assert card.stage == "lead"
    assert [e.address for e in card.emails] == ["anna@acme.fi"]
    assert [p.raw for p in card.phones] == ["040 123 4567"]
    assert card.tags == ("vip",) and card.custom == () and card.addresses == ()
    assert len(card.recent_activities) == 1 and card.open_followups == ()
    back = crm.queries.card(other)
    assert back.notes == "prefers mornings"
    assert crm.queries.resolve(other) == other
    assert len(back.recent_activities) == 2 and [d.title for d in back.open_deals] == [
        "Fleet tyres"
    ]
    assert outbox_fields(crm, "contacts", other)["_deleted"] is False
    with pytest.raises(ValidationError, match="already undone"):
        crm.merges.unmerge(result.merge_id)
    with pytest.raises(NotFound):
        crm.merges.last_merge(other)


def test_unmerge_keeps_what_changed_since(crm: Crm, pair: tuple[str, str]) -> None:
    keep, other = pair
    result = crm.merges.merge(keep, other)
    crm.contacts.update(keep, ContactPatch(title="Head buyer"))
    later = crm.activities.log(keep, "note", "after the merge")
    undone = crm.merges.unmerge(result.merge_id)
    assert any("title was edited since" in k for k in undone.kept)
    card = crm.queries.card(keep)
    assert card.title == "Head buyer"
    assert later in {a.id for a in card.recent_activities}


def test_a_company_merge_moves_its_people(crm: Crm) -> None:
    first = crm.contacts.create("company", ContactPatch(company_name="Acme Oy"))
    second = crm.contacts.create("company", ContactPatch(company_name="ACME oy"))
    worker = crm.contacts.create(
        "person", ContactPatch(first_name="Bo", last_name="Berg", company=second)
    )
    result = crm.merges.merge(first, second)
    assert result.moved["members"] == 1
    assert crm.queries.card(worker).company_id == first
    crm.merges.unmerge(result.merge_id)
    assert crm.queries.card(worker).company_id == second


def test_merge_refuses_nonsense_and_changes_nothing(crm: Crm, pair: tuple[str, str]) -> None:
    keep, other = pair
    company = crm.contacts.create("company", ContactPatch(company_name="Bolt Oy"))
    audit_before = scalar(crm, "SELECT count(*) FROM audit_log")
    with pytest.raises(ValidationError, match="into itself"):
        crm.merges.merge(keep, keep)
    with pytest.raises(ValidationError, match="only two people or two companies"):
        crm.merges.merge(keep, company)
    crm.contacts.delete(other)
    audit_before = scalar(crm, "SELECT count(*) FROM audit_log")
    with pytest.raises(NotFound, match="trash"):
        crm.merges.merge(keep, other)
    assert scalar(crm, "SELECT count(*) FROM audit_log") == audit_before
    assert scalar(crm, "SELECT count(*) FROM contact_merges") == 0
