"""A person's privacy requests: consent with date and source, export of everything
held, erasure everywhere in the file (pages, index, history, audit), retention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from privacy_people import add_person
from sqlalchemy import text
from sqlcipher_pages import decrypted_pages

from crmdesk.errors import NotConfirmed, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch

PASS = "correct horse battery"
CANARIES = ("Quillon", "Zarvaxe", "quillon.zarvaxe@canary.example", "409182736")


def test_consent_change_keeps_when_and_where(crm: Crm, person: str) -> None:
    card = crm.queries.card(person)
    assert card.consent_marketing
    assert card.consent_source == "signed form at the shop"
    first = card.consent_marketing_at
    assert first is not None
    crm.contacts.update(person, ContactPatch(consent_marketing=False, consent_source="phone call"))
    card = crm.queries.card(person)
    assert not card.consent_marketing
    assert card.consent_source == "phone call"
    assert card.consent_marketing_at is not None and card.consent_marketing_at >= first


def test_export_holds_everything_about_the_person(crm: Crm, person: str, tmp_path: Path) -> None:
    add_person(crm, "Other", "Person", "other@example.com", "040 1112223")
    files = crm.privacy.export(person, tmp_path)
    data = json.loads(files.json.read_text("utf-8"))
    assert data["contact"]["id"] == person
    assert [e["address"] for e in data["emails"]] == ["quillon.zarvaxe@canary.example"]
    assert data["phones"][0]["e164"] == "+358409182736"
    assert data["addresses"][0]["city"] == "Helsinki"
    assert sorted(a["kind"] for a in data["activities"]) == ["call", "payment", "purchase"]
    assert data["order_lines"][0]["description"] == "Boots"
    assert len(data["deals"]) == 1 and len(data["followups"]) == 1
    assert data["tags"] == ["vip"]
    assert data["consent"]["marketing"] is True
    assert data["consent"]["source"] == "signed form at the shop"
    assert {e["action"] for e in data["audit"]} >= {"create"}
    assert all("Other Person" not in json.dumps(e) for e in data["audit"])
    card = files.vcard.read_text("utf-8")
    assert "FN:Quillon Zarvaxe" in card and "quillon.zarvaxe@canary.example" in card


def test_erase_needs_the_name_typed(crm: Crm, person: str) -> None:
    with pytest.raises(NotConfirmed):
        crm.privacy.erase(person, "Quillon")
    assert crm.queries.card(person).display_name == "Quillon Zarvaxe"


def test_erase_leaves_no_trace_in_the_file(crm: Crm, person: str, tmp_path: Path) -> None:
    keep = add_person(crm, "Keeper", "Staysalot", "keeper@example.com", "040 5556667")
    crm.contacts.update(person, ContactPatch(notes="Quillon moved"))
    crm.contacts.delete(person)
    crm.contacts.restore(person)
    db_path = tmp_path / "crm.db"
    before = decrypted_pages(db_path, PASS)
    assert all(c.encode() in before for c in CANARIES)  # the scanner does see them

    removed = crm.privacy.erase(person, "  quillon   zarvaxe ")
    assert removed >= 10
    assert crm.verify_audit().ok
    with crm.db.reading() as session:
        erase = session.execute(
            text("SELECT summary, changes FROM audit_log WHERE action = 'erase'")
        ).one()
        fts = session.execute(text("SELECT count(*) FROM contact_fts")).scalar_one()
    assert "erased" in erase[0] and fts == 1
    assert crm.search.search("Zarvaxe") == [] and crm.search.search("409182736") == []
    assert [r.id for r in crm.search.search("Staysalot")] == [keep]
    crm.close()

    pages = decrypted_pages(db_path, PASS)
    for canary in CANARIES:
        assert canary.encode() not in pages, canary
    assert b"Staysalot" in pages
    reopened = Crm.open(db_path, PASS)
    try:
        assert reopened.verify_audit().ok
        assert reopened.queries.card(keep).display_name == "Keeper Staysalot"
    finally:
        reopened.close()


def test_a_tampered_erasure_breaks_the_chain(crm: Crm, person: str) -> None:
    crm.privacy.erase(person, "Quillon Zarvaxe")
    with crm.db.writing() as session:
        session.execute(
            text("UPDATE audit_log SET action = 'update' WHERE summary = '(erased)' AND seq = 1")
        )
    with crm.db.writing() as session:
        session.execute(
            text(
                "UPDATE audit_log SET user_id = 'someone' WHERE seq ="
                " (SELECT min(seq) FROM audit_log WHERE summary = '(erased)')"
            )
        )
    assert not crm.verify_audit().ok


def test_retention_review_flags_leads_untouched_for_months(crm: Crm, person: str) -> None:
    old = crm.contacts.create("person", ContactPatch(first_name="Olden", last_name="Lead"))
    crm.activities.log(old, "call", "no answer")
    with crm.db.writing() as session:
        session.execute(
            text("UPDATE contacts SET updated_at = '2020-01-01T00:00:00.000000Z' WHERE id = :i"),
            {"i": old},
        )
        session.execute(
            text(
                "UPDATE activities SET occurred_at = '2020-01-02T00:00:00.000000Z'"
                " WHERE contact_id = :i"
            ),
            {"i": old},
        )
    crm.privacy.set_retention_months(12)
    assert crm.privacy.retention_months == 12
    assert [lead.id for lead in crm.privacy.review()] == [old]
    crm.activities.log(old, "note", "answered at last")
    assert crm.privacy.review() == []


def test_a_company_is_not_a_privacy_request(crm: Crm, tmp_path: Path) -> None:
    shop = crm.contacts.create("company", ContactPatch(company_name="Boots Oy"))
    with pytest.raises(ValidationError, match="is a company"):
        crm.privacy.export(shop, tmp_path)
    with pytest.raises(ValidationError, match="is a company"):
        crm.privacy.erase(shop, "Boots Oy")
