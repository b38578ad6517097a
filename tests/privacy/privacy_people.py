"""People with a full history for the trash and privacy tests (a module of its own:
every test folder has a ``conftest``, so helpers imported by name live here)."""

from __future__ import annotations

from datetime import timedelta

from crmdesk.domain.clock import utcnow
from crmdesk.services.app import Crm
from crmdesk.services.inputs import (
    AddressInput,
    ContactPatch,
    EmailInput,
    LineInput,
    PhoneInput,
)


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
