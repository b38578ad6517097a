"""Deals: open one, move it through the pipeline, win or lose it with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch

Counts = Callable[[], dict[str, int]]


@pytest.fixture
def acme(crm: Crm) -> str:
    return crm.contacts.create("company", ContactPatch(company_name="Acme Oy"))


def test_create_and_win_a_deal(crm: Crm, acme: str) -> None:
    deal = crm.deals.create(
        acme, "  Fleet   tyres 2027 ", "12 500,00", expected_close=date(2027, 1, 31)
    )
    [view] = crm.deals.list_for(acme)
    assert (view.id, view.title, view.stage, view.value_minor, view.currency) == (
        deal,
        "Fleet tyres 2027",
        "new",
        1250000,
        "EUR",
    )
    assert (view.expected_close, view.closed_at, view.reason) == (date(2027, 1, 31), None, "")
    assert (view.contact_name, bool(view.owner_name)) == ("Acme Oy", True)
    assert [d.id for d in crm.queries.card(acme).open_deals] == [deal]

    crm.deals.move(deal, "Negotiation")
    assert crm.deals.list_for(acme)[0].stage == "negotiation"
    before = utcnow()
    crm.deals.move(deal, "won", "  Best price and fitting included ")
    [won] = crm.deals.list_for(acme)
    assert (won.stage, won.reason) == ("won", "Best price and fitting included")
    assert won.closed_at is not None and won.closed_at >= before
    assert crm.queries.card(acme).open_deals == ()
    assert crm.deals.list_for(acme, include_closed=False) == []
    with crm.db.reading() as session:
        changes = session.execute(
            text(
                "SELECT changes FROM audit_log WHERE entity = 'deal' AND entity_id = :id"
                " ORDER BY seq DESC LIMIT 1"
            ),
            {"id": deal},
        ).scalar_one()
    assert json.loads(changes)["stage"] == ["negotiation", "won"]


def test_reopening_a_lost_deal_clears_the_close_date_and_keeps_the_reason(
    crm: Crm, acme: str
) -> None:
    deal = crm.deals.create(acme, "Rims", "800", currency="usd")
    assert crm.deals.list_for(acme)[0].currency == "USD"
    crm.deals.move(deal, "lost", "Too expensive")
    assert crm.deals.list_for(acme)[0].closed_at is not None
    crm.deals.move(deal, "proposal")
    [view] = crm.deals.list_for(acme)
    assert (view.stage, view.closed_at, view.reason) == ("proposal", None, "Too expensive")


def test_a_deal_created_won_is_closed(crm: Crm, acme: str) -> None:
    crm.deals.create(acme, "Walk-in sale", "99", stage="won")
    [view] = crm.deals.list_for(acme)
    assert view.closed_at is not None
    assert crm.queries.card(acme).open_deals == ()


def test_bad_deal_writes_nothing(crm: Crm, acme: str, counts: Counts) -> None:
    before = counts()
    for title, value, stage, currency in [
        ("   ", "100", "new", None),
        ("Tyres", "-100", "new", None),
        ("Tyres", "lots", "new", None),
        ("Tyres", "100", "customer", None),
        ("Tyres", "100", "new", "EURO"),
    ]:
        with pytest.raises(ValidationError):
            crm.deals.create(acme, title, value, currency=currency, stage=stage)
        assert counts() == before, (title, value, stage, currency)


def test_moving_refusals(crm: Crm, acme: str) -> None:
    deal = crm.deals.create(acme, "Tyres")
    with pytest.raises(ValidationError, match="not a deal stage"):
        crm.deals.move(deal, "finished")
    with pytest.raises(NotFound):
        crm.deals.move("01940000-0000-7000-8000-0000000000ff", "won")
    assert crm.deals.list_for(acme)[0].stage == "new"
    crm.contacts.delete(acme)
    with pytest.raises(NotFound):
        crm.deals.create(acme, "Another")
