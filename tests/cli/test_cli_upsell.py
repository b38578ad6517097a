"""``crmdesk upsell`` and ``crmdesk suggest`` on an encrypted file."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput, PhoneInput

PASSPHRASE = "correct horse battery"


def _shop(path: Path) -> str:
    """Six customers bought beans and a grinder, fourteen only cocoa; Olli only beans.
    Olli's birthday is tomorrow. Returns Olli's id."""
    crm = Crm.open(path, PASSPHRASE, region="FI")
    try:
        pair = [LineInput("Espresso beans", "1", "12.00"), LineInput("Grinder", "1", "89.00")]
        for n in range(20):
            who = crm.contacts.create("person", ContactPatch(first_name="Buyer", last_name=f"{n}"))
            crm.activities.purchase(who, pair if n < 6 else [LineInput("Cocoa", "1", "4.00")])
        tomorrow = date.today() + timedelta(days=1)
        olli = crm.contacts.create(
            "person",
            ContactPatch(
                first_name="Olli",
                last_name="Oja",
                birthday=tomorrow.replace(year=1980),
                phones=[PhoneInput("040 111 2222")],
            ),
        )
        crm.activities.purchase(olli, [LineInput("Espresso beans", "1", "12.00")])
        return olli
    finally:
        crm.close()


@pytest.mark.slow
def test_upsell_offers_and_rules(db_cli, tmp_path: Path) -> None:
    olli = _shop(tmp_path / "crm.db")

    offers = db_cli("upsell", "Olli Oja", "--json").json()
    assert [o["product"] for o in offers] == ["Grinder"]
    assert offers[0]["reason"] == (
        "86% of customers who bought Espresso beans also bought Grinder (3.0× the usual rate)"
    )
    assert offers[0]["rule"]["both"] == 6
    text = db_cli("upsell", olli).out
    assert "Offer Olli Oja next:\n  1. Grinder — 86% of customers" in text
    rules = db_cli("upsell").out
    assert "Espresso beans → Grinder: 86% of customers" in rules
    assert "6 of 7 customers who bought Espresso beans also bought Grinder" in rules
    assert "Offer next: Grinder" in db_cli("pop", "0401112222", "--here").out
    lonely = db_cli("upsell", "Buyer 12").out
    assert lonely.startswith("Nothing to offer Buyer 12 yet")


@pytest.mark.slow
def test_suggest_accept_and_dismiss(db_cli, tmp_path: Path) -> None:
    _shop(tmp_path / "crm.db")

    listed = db_cli("suggest", "--json").json()
    assert [(s["contact_name"], s["rule"]) for s in listed] == [("Olli Oja", "birthday")]
    text = db_cli("suggest").out
    assert text.startswith(listed[0]["id"][:8]) and "Birthday" in text

    accepted = db_cli("suggest", "accept", listed[0]["id"][:6])
    assert accepted.code == 0 and accepted.out.startswith("Follow-up for Olli Oja due ")
    assert "send greetings" in db_cli("followup", "list").out
    assert db_cli("suggest").out.strip() == "No suggestions right now."

    again = db_cli("suggest", "dismiss", listed[0]["id"])
    assert again.code == 54 and "already accepted" in again.err
    unknown = db_cli("suggest", "accept", "ffffffff")
    assert unknown.code == 53 and "No current suggestion with id ffffffff" in unknown.err
