"""The timeline: calls, purchases with lines, payments, balances, complaints, terms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput, TermsInput

Counts = Callable[[], dict[str, int]]


@pytest.fixture
def matti(crm: Crm) -> str:
    return crm.contacts.create("person", ContactPatch(first_name="Matti", last_name="Virtanen"))


def stages(crm: Crm, contact_id: str) -> list[tuple[str | None, str]]:
    with crm.db.reading() as session:
        rows = session.execute(
            text(
                "SELECT from_stage, to_stage FROM stage_history WHERE contact_id = :id"
                " ORDER BY changed_at, from_stage IS NOT NULL"
            ),
            {"id": contact_id},
        ).all()
    return [(a, b) for a, b in rows]


def test_log_a_call_and_read_the_timeline(crm: Crm, matti: str) -> None:
    earlier = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    note = crm.activities.log(matti, "note", "Met at the fair", at=earlier)
    call = crm.activities.log(matti, "Call", "  Asked about winter tyres  ")
    timeline = crm.activities.timeline(matti)
    assert [(a.id, a.kind, a.text) for a in timeline] == [
        (call, "call", "Asked about winter tyres"),
        (note, "note", "Met at the fair"),
    ]
    assert timeline[1].occurred_at == earlier
    assert timeline[0].user_name  # the acting owner
    assert timeline[0].amount_minor is None
    assert [a.id for a in crm.activities.timeline(matti, kind="note")] == [note]
    assert [a.id for a in crm.activities.timeline(matti, limit=1, offset=1)] == [note]
    assert crm.queries.card(matti).stage == "lead"  # a call does not make a customer


def test_log_refuses_bad_input_and_writes_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    before = counts()
    for kind, words, match in [
        ("call", "   ", "cannot be empty"),
        ("fax", "hello", "not an activity type"),
        ("purchase", "bought", "purchase or payment"),
        ("payment", "paid", "purchase or payment"),
    ]:
        with pytest.raises(ValidationError, match=match):
            crm.activities.log(matti, kind, words)
        assert counts() == before, kind


def test_log_on_a_missing_or_deleted_contact(crm: Crm, matti: str) -> None:
    with pytest.raises(NotFound):
        crm.activities.log("01940000-0000-7000-8000-0000000000ff", "call", "hello")
    crm.contacts.delete(matti)
    with pytest.raises(NotFound):
        crm.activities.log(matti, "call", "hello")


def test_purchase_total_is_the_sum_of_its_lines(crm: Crm, matti: str) -> None:
    purchase = crm.activities.purchase(
        matti,
        [
            LineInput("Winter tyre", "4", "89,90"),
            LineInput("Washer fluid", "2,5", "3.99"),  # 9.975 rounds half up to 9.98
            LineInput("Fitting", "1", "1 234,50"),
        ],
        text="Winter service",
    )
    [view] = crm.activities.timeline(matti)
    assert view.id == purchase
    assert (view.kind, view.text, view.currency) == ("purchase", "Winter service", "EUR")
    lines = [
        (ln.description, ln.quantity, ln.unit_price_minor, ln.line_total_minor) for ln in view.lines
    ]
    assert lines == [
        ("Winter tyre", Decimal(4), 8990, 35960),
        ("Washer fluid", Decimal("2.5"), 399, 998),
        ("Fitting", Decimal(1), 123450, 123450),
    ]
    assert view.amount_minor == 35960 + 998 + 123450 == sum(line[3] for line in lines)
    card = crm.queries.card(matti)
    assert [p.id for p in card.last_purchases] == [purchase]
    assert card.balances[0].purchased_minor == view.amount_minor


def test_purchase_without_text_is_described_by_its_lines(crm: Crm, matti: str) -> None:
    crm.activities.purchase(matti, [LineInput("Tyre", "2", "50"), LineInput("Valve", "2", "2")])
    assert crm.activities.timeline(matti)[0].text == "Tyre, Valve"
    assert [s.id for s in crm.search.search("valve")] == [matti]


def test_purchase_in_another_currency_has_its_own_balance(crm: Crm, matti: str) -> None:
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    crm.activities.purchase(matti, [LineInput("Ski pass", "1", "1 234")], currency="sek")
    crm.activities.purchase(matti, [LineInput("Sake", "3", "1,500")], currency="JPY")
    balances = {b.currency: b.owed_minor for b in crm.queries.card(matti).balances}
    assert balances == {"EUR": 10000, "JPY": 4500, "SEK": 123400}


BAD_PURCHASES = [
    [],
    [LineInput("", "1", "10")],
    [LineInput("Tyre", "0", "10")],
    [LineInput("Tyre", "-1", "10")],
    [LineInput("Tyre", "two", "10")],
    [LineInput("Tyre", "NaN", "10")],
    [LineInput("Tyre", "1", "-10")],
    [LineInput("Tyre", "1", "10,999")],
    [LineInput("Tyre", "1", "ten")],
    # A good first line does not survive a bad second one.
    [LineInput("Tyre", "1", "10"), LineInput("Rim", "1", "abc")],
]


def test_bad_purchase_writes_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    before = counts()
    for lines in BAD_PURCHASES:
        with pytest.raises(ValidationError):
            crm.activities.purchase(matti, lines)
        assert counts() == before, lines
    assert crm.queries.card(matti).stage == "lead"


def test_payments_reduce_what_is_owed(crm: Crm, matti: str) -> None:
    crm.activities.purchase(matti, [LineInput("Tyre", "4", "100")])
    crm.activities.payment(matti, "150,50", text="cash")
    crm.activities.payment(matti, "€49.50")
    [balance] = crm.queries.card(matti).balances
    assert (balance.currency, balance.purchased_minor, balance.paid_minor) == ("EUR", 40000, 20000)
    assert balance.owed_minor == 20000
    for bad in ("0", "-5", "abc", "1,001"):
        with pytest.raises(ValidationError):
            crm.activities.payment(matti, bad)
    assert crm.queries.card(matti).balances[0].paid_minor == 20000


def test_deleted_activities_leave_the_balance_and_restore_brings_them_back(
    crm: Crm, matti: str
) -> None:
    crm.activities.purchase(matti, [LineInput("Tyre", "4", "100")])
    payment = crm.activities.payment(matti, "100")
    crm.activities.delete(payment)
    assert crm.queries.card(matti).balances[0].owed_minor == 40000
    assert [a.kind for a in crm.activities.timeline(matti)] == ["purchase"]
    with pytest.raises(NotFound):
        crm.activities.delete(payment)
    crm.activities.restore(payment)
    assert crm.queries.card(matti).balances[0].owed_minor == 30000
    with pytest.raises(NotFound):
        crm.activities.restore(payment)


def test_purchases_move_the_lifecycle_stage(crm: Crm, matti: str) -> None:
    crm.contacts.update(matti, ContactPatch(stage="prospect"))
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    assert crm.queries.card(matti).stage == "customer"
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    assert crm.queries.card(matti).stage == "repeat_customer"
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    assert crm.queries.card(matti).stage == "repeat_customer"
    assert stages(crm, matti) == [
        (None, "lead"),
        ("lead", "prospect"),
        ("prospect", "customer"),
        ("customer", "repeat_customer"),
    ]


def test_a_lapsed_customer_buying_again_is_a_repeat_customer(crm: Crm, matti: str) -> None:
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    crm.contacts.update(matti, ContactPatch(stage="lapsed"))
    crm.activities.purchase(matti, [LineInput("Tyre", "1", "100")])
    assert crm.queries.card(matti).stage == "repeat_customer"


def test_complaint_resolution(crm: Crm, matti: str) -> None:
    complaint = crm.activities.log(matti, "complaint", "Tyre lost pressure")
    card = crm.queries.card(matti)
    assert [(c.id, c.status, c.resolved_at) for c in card.open_complaints] == [
        (complaint, "open", None)
    ]
    crm.activities.set_complaint_status(complaint, "in_progress")
    assert crm.queries.card(matti).open_complaints[0].status == "in_progress"
    before = utcnow()
    crm.activities.set_complaint_status(complaint, "resolved", "  Replaced the valve ")
    after = utcnow()
    card = crm.queries.card(matti)
    assert card.open_complaints == ()
    [view] = [a for a in card.recent_activities if a.id == complaint]
    assert (view.status, view.resolution) == ("resolved", "Replaced the valve")
    assert view.resolved_at is not None and before <= view.resolved_at <= after
    # Reopening clears the resolved date and brings it back to the open list.
    crm.activities.set_complaint_status(complaint, "open")
    card = crm.queries.card(matti)
    assert [(c.id, c.resolved_at) for c in card.open_complaints] == [(complaint, None)]
    assert card.open_complaints[0].resolution == "Replaced the valve"


def test_complaint_status_refusals(crm: Crm, matti: str) -> None:
    call = crm.activities.log(matti, "call", "hello")
    complaint = crm.activities.log(matti, "complaint", "broken")
    with pytest.raises(ValidationError, match="Only a complaint"):
        crm.activities.set_complaint_status(call, "resolved")
    with pytest.raises(ValidationError, match="not a complaint status"):
        crm.activities.set_complaint_status(complaint, "fixed")
    with pytest.raises(NotFound):
        crm.activities.set_complaint_status("01940000-0000-7000-8000-0000000000ff", "resolved")


# --- terms and credit ------------------------------------------------------------------------


def test_terms_and_credit_left(crm: Crm, matti: str) -> None:
    assert crm.queries.card(matti).terms is None
    crm.contacts.update(
        matti,
        ContactPatch(
            terms=TermsInput(
                payment_terms_days=30,
                credit_limit="1 000",
                discount_percent="7,5",
                price_list="Retail",
            )
        ),
    )
    crm.activities.purchase(matti, [LineInput("Tyre", "4", "100")])
    crm.activities.payment(matti, "50")
    terms = crm.queries.card(matti).terms
    assert terms is not None
    assert (terms.holder_id, terms.payment_terms_days, terms.currency) == (matti, 30, "EUR")
    assert (terms.credit_limit_minor, terms.discount_bp) == (100000, 750)
    assert terms.price_list == "Retail"
    assert terms.owed_minor == 35000
    assert terms.credit_left_minor == 65000


BAD_TERMS = [
    TermsInput(payment_terms_days=-1),
    TermsInput(payment_terms_days=366),
    TermsInput(credit_limit="-100"),
    TermsInput(credit_limit="lots"),
    TermsInput(discount_percent="101"),
    TermsInput(discount_percent="ten"),
    TermsInput(currency="XYZ", payment_terms_days=10),
]


def test_bad_terms_write_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    before = counts()
    for terms in BAD_TERMS:
        with pytest.raises(ValidationError):
            crm.contacts.update(matti, ContactPatch(terms=terms))
        assert counts() == before, terms
    assert crm.queries.card(matti).terms is None


def test_a_person_uses_the_company_terms_and_the_company_balance(crm: Crm) -> None:
    acme = crm.contacts.create(
        "company",
        ContactPatch(
            company_name="Acme Oy",
            terms=TermsInput(payment_terms_days=14, credit_limit="5 000"),
        ),
    )
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", company=acme))
    pekka = crm.contacts.create("person", ContactPatch(first_name="Pekka", company=acme))
    crm.activities.purchase(anna, [LineInput("Tyre", "10", "100")])
    crm.activities.purchase(pekka, [LineInput("Rim", "5", "200")])
    crm.activities.purchase(acme, [LineInput("Fleet service", "1", "500")])
    crm.activities.payment(acme, "300")

    company = crm.queries.card(acme)
    [balance] = company.balances
    assert (balance.purchased_minor, balance.paid_minor) == (250000, 30000)
    assert company.terms is not None
    assert company.terms.owed_minor == 220000
    assert company.terms.credit_left_minor == 500000 - 220000

    anna_card = crm.queries.card(anna)
    assert anna_card.balances[0].owed_minor == 100000  # her own purchases
    assert anna_card.terms is not None
    assert (anna_card.terms.holder_id, anna_card.terms.holder_name) == (acme, "Acme Oy")
    assert anna_card.terms.payment_terms_days == 14
    assert anna_card.terms.credit_left_minor == 280000  # the company account's credit

    # Her own terms take over from the company's.
    crm.contacts.update(anna, ContactPatch(terms=TermsInput(credit_limit="2 000")))
    own = crm.queries.card(anna).terms
    assert own is not None and own.holder_id == anna
    assert own.credit_left_minor == 200000 - 100000
    assert own.payment_terms_days is None


def test_overdrawn_credit_goes_negative(crm: Crm, matti: str) -> None:
    crm.contacts.update(matti, ContactPatch(terms=TermsInput(credit_limit="100")))
    crm.activities.purchase(matti, [LineInput("Tyre", "3", "50")])
    terms = crm.queries.card(matti).terms
    assert terms is not None and terms.credit_left_minor == -5000


def test_timeline_is_newest_first_by_when_it_happened(crm: Crm, matti: str) -> None:
    base = datetime(2026, 1, 1, 12, tzinfo=UTC)
    made = [
        crm.activities.log(matti, "note", f"note {i}", at=base + timedelta(days=offset))
        for i, offset in enumerate((3, 1, 2))
    ]
    assert [a.id for a in crm.activities.timeline(matti)] == [made[0], made[2], made[1]]
