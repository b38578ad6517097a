"""Screen pop: an incoming number in any format to the caller's card."""

from __future__ import annotations

import pytest

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput, PhoneInput, TermsInput


@pytest.fixture
def matti(crm: Crm) -> str:
    matti = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Matti",
            last_name="Jääskeläinen",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567", "mobile")],
            terms=TermsInput(payment_terms_days=14, credit_limit="500"),
        ),
    )
    crm.activities.purchase(matti, [LineInput("Tyre", "2", "100")])
    return matti


@pytest.mark.parametrize(
    "number",
    [
        "+358401234567",
        "+358 40 123 4567",
        "00358 40 1234567",
        "040 123 4567",
        "0401234567",
        "tel:+358-40-123-4567",
        "TEL:+358401234567;ext=12",
        "  +358 (0)40 123 4567 ",
    ],
)
def test_pop_finds_the_card_from_any_format(crm: Crm, matti: str, number: str) -> None:
    pop = crm.screenpop.pop(number)
    assert pop.e164 == "+358401234567"
    assert pop.card is not None
    assert pop.card.id == matti
    assert pop.candidates == ()
    # What the desk needs at a glance: who, where, what they owe, how much credit is left.
    assert (pop.card.display_name, pop.card.company_name) == ("Matti Jääskeläinen", "Acme Oy")
    assert pop.card.balances[0].owed_minor == 20000
    assert pop.card.terms is not None and pop.card.terms.credit_left_minor == 30000
    assert pop.card.last_purchases[0].amount_minor == 20000


def test_tel_uri_keeps_the_number_without_parameters(crm: Crm, matti: str) -> None:
    pop = crm.screenpop.pop("tel:+358-40-123-4567;phone-context=example.com")
    assert pop.number == "+358-40-123-4567"
    assert pop.card is not None and pop.card.id == matti


def test_number_stored_without_a_country_code_is_found_by_its_suffix(crm: Crm) -> None:
    # Typed at a desk whose region did not know this number: kept without E.164.
    us_desk = Crm(crm.db, region="US")
    anna = us_desk.contacts.create(
        "person", ContactPatch(first_name="Anna", phones=[PhoneInput("40 765 4321")])
    )
    [stored] = crm.queries.card(anna).phones
    assert stored.e164 is None
    pop = crm.screenpop.pop("+358 40 765 4321")
    assert pop.card is not None and pop.card.id == anna
    assert crm.screenpop.pop("040 765 4321").card is not None


def test_suffix_match_ignores_numbers_with_another_country_code(crm: Crm) -> None:
    crm.contacts.create(
        "person", ContactPatch(first_name="Ana", phones=[PhoneInput("+386 41 765 432")])
    )
    # Same national digits, another country: a different number.
    assert crm.screenpop.pop("+358 41 765 432").card is None
    assert crm.screenpop.pop("041 765 432").card is None  # in FI, that is +358 41...
    assert crm.screenpop.pop("00386 41 765 432").card is not None


def test_unknown_and_short_numbers_give_no_card(crm: Crm, matti: str) -> None:
    extension = crm.contacts.create(
        "person", ContactPatch(first_name="Reception", phones=[PhoneInput("4567")])
    )
    for number in ("+358 50 999 8888", "4567", "123 4567", "tel:112"):
        pop = crm.screenpop.pop(number)
        assert pop.card is None, number
        assert pop.candidates == ()
    assert crm.queries.card(extension).phones[0].e164 is None


def test_shared_number_gives_the_candidates(crm: Crm) -> None:
    first = crm.contacts.create(
        "person",
        ContactPatch(first_name="Matti", last_name="Virtanen", phones=[PhoneInput("09 123 4567")]),
    )
    second = crm.contacts.create(
        "person",
        ContactPatch(first_name="Maija", last_name="Virtanen", phones=[PhoneInput("+35891234567")]),
    )
    pop = crm.screenpop.pop("+358 9 123 4567")
    assert pop.card is None
    assert {c.id for c in pop.candidates} == {first, second}
    assert {c.phone for c in pop.candidates} == {"09 123 4567", "+35891234567"}


def test_deleted_contacts_do_not_pop(crm: Crm, matti: str) -> None:
    crm.contacts.delete(matti)
    assert crm.screenpop.pop("+358401234567").card is None
    crm.contacts.restore(matti)
    pop = crm.screenpop.pop("+358401234567")
    assert pop.card is not None and pop.card.id == matti
