"""Duplicate proposals: which pairs are found, why, and that a dismissed pair stays dismissed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.duplicate_finder import MAX_GROUP
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput


def person(crm: Crm, first: str, last: str, **fields: object) -> str:
    return crm.contacts.create("person", ContactPatch(first_name=first, last_name=last, **fields))  # type: ignore[arg-type]


def reasons(crm: Crm) -> dict[frozenset[str], str]:
    return {frozenset((p.left.id, p.right.id)): p.reason for p in crm.duplicates.open_pairs()}


def test_the_importers_rules_find_pairs_with_a_touched_contact(crm: Crm) -> None:
    anna = person(crm, "Anna", "Aho", emails=[EmailInput("Anna@Acme.fi")])
    anna2 = person(crm, "Annie", "Virta", emails=[EmailInput("anna@acme.FI")])
    bo = person(crm, "Bo", "Berg", phones=[PhoneInput("040 123 4567")])
    bo2 = person(crm, "Bob", "Bergman", phones=[PhoneInput("+358 40 1234567")])
    matti = person(crm, "Matti", "Jääskeläinen", company="Acme Oy")
    matti2 = person(crm, "M.", "Jaaskelainen", company="ACME OY")
    typo = person(crm, "Matti", "Jääskelänen", company="Acme Oy")
    other_company = person(crm, "Matti", "Jääskeläinen", company="Bolt Oy")
    acme2 = crm.contacts.create("company", ContactPatch(company_name="acme  oy"))
    company_phone = crm.contacts.create(
        "company", ContactPatch(company_name="Berg Ab", phones=[PhoneInput("0401234567")])
    )
    touched = {anna2, bo2, matti2, typo, acme2, company_phone, other_company}
    crm.duplicates.after_sync(touched)
    acme = crm.queries.card(matti).company_id
    assert acme is not None
    # Not pairs: the Matti at another company; "M." and a last name with a typo (two
    # differences); a person and a company on one number.
    found = reasons(crm)
    assert found == {
        frozenset((anna, anna2)): "same e-mail anna@acme.fi",
        frozenset((bo, bo2)): "same phone +358401234567",
        frozenset((matti, matti2)): "similar name at Acme Oy",
        frozenset((matti, typo)): "similar name at Acme Oy",
        frozenset((acme, acme2)): "same company name",
    }
    assert crm.duplicates.after_sync(touched) == 5  # found again, kept once
    with crm.db.reading() as session:
        everyone = set(session.execute(text("SELECT id FROM contacts")).scalars())
    crm.duplicates.after_sync(everyone)  # a first sync: the pass over all contacts
    assert reasons(crm) == found


def test_a_dismissed_pair_is_never_proposed_again(crm: Crm) -> None:
    a = person(crm, "Anna", "Aho", phones=[PhoneInput("040 123 4567")])
    b = person(crm, "Anna", "Aho", phones=[PhoneInput("0401234567")])
    assert crm.duplicates.after_sync({b}) == 1
    (pair,) = crm.duplicates.open_pairs()
    assert {pair.left.id, pair.right.id} == {a, b}
    assert pair.left.phones == ("040 123 4567",) or pair.right.phones == ("040 123 4567",)
    crm.duplicates.dismiss(pair.id[:8])
    assert crm.duplicates.after_sync({a, b}) == 0
    assert crm.duplicates.open_pairs() == []
    with pytest.raises(ValidationError, match="already dismissed"):
        crm.duplicates.dismiss(pair.id)
    with pytest.raises(NotFound):
        crm.duplicates.dismiss("ffffffff")


def test_pairs_show_what_the_user_compares_and_close_when_merged(crm: Crm) -> None:
    a = person(crm, "Anna", "Aho", company="Acme Oy", emails=[EmailInput("anna@acme.fi")])
    b = person(crm, "Anna", "Aho", emails=[EmailInput("ANNA@acme.fi")])
    crm.activities.log(b, "call", "first call")
    crm.activities.log(b, "visit", "second")
    crm.duplicates.after_sync({b})
    (pair,) = crm.duplicates.open_pairs()
    side = pair.left if pair.left.id == b else pair.right
    assert (side.activities, side.company, side.emails) == (2, "", ("ANNA@acme.fi",))
    assert side.last_activity is not None
    other = pair.right if side is pair.left else pair.left
    assert (other.company, other.activities, other.last_activity) == ("Acme Oy", 0, None)
    crm.merges.merge(a, b)
    assert crm.duplicates.open_count() == 0
    with crm.db.reading() as session:
        status = session.execute(text("SELECT status FROM duplicate_proposals")).scalar_one()
    assert status == "merged"


def test_a_pair_with_a_contact_in_the_trash_is_not_shown(crm: Crm) -> None:
    a = person(crm, "Anna", "Aho", emails=[EmailInput("anna@acme.fi")])
    b = person(crm, "Anna", "Aho", emails=[EmailInput("anna@acme.fi")])
    crm.duplicates.after_sync({b})
    crm.contacts.delete(a)
    assert crm.duplicates.open_count() == 0 and crm.duplicates.open_pairs() == []
    crm.contacts.restore(a)
    assert crm.duplicates.open_count() == 1


def test_contacts_changed_since_the_last_look_are_compared_too(crm: Crm) -> None:
    a = person(crm, "Anna", "Aho")
    assert crm.duplicates.after_sync(set()) == 0  # the first look sets the mark
    b = person(crm, "Bo", "Berg")
    crm.contacts.update(b, ContactPatch(add_emails=[EmailInput("shared@acme.fi")]))
    crm.contacts.update(a, ContactPatch(add_emails=[EmailInput("Shared@acme.fi")]))
    # Nothing touched by this sync, but both changed since the last look.
    assert crm.duplicates.after_sync(set()) == 1


def test_a_number_many_contacts_share_proposes_nothing(crm: Crm) -> None:
    """A switchboard number on nine people is not one customer's; on two it is."""
    staff = [
        person(crm, f"Person{i}", f"Staff{i}", phones=[PhoneInput("09 123 4567")])
        for i in range(MAX_GROUP + 1)
    ]
    assert crm.duplicates.after_sync(set(staff)) == 0
    crm.contacts.update(staff[0], ContactPatch(add_emails=[EmailInput("p0@acme.fi")]))
    crm.contacts.update(staff[1], ContactPatch(add_emails=[EmailInput("P0@acme.fi")]))
    assert crm.duplicates.after_sync({staff[1]}) == 1
    (pair,) = crm.duplicates.open_pairs()
    assert pair.reason == "same e-mail p0@acme.fi"
