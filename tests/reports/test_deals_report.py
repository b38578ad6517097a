"""The deals report: win rate and time to close by group, and only real differences named."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.reports.winloss_rows import Rows

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.services.periods import Period
from crmdesk.services.reports.base import ReportResult

PERIOD = Period(date(2026, 1, 1), date(2026, 10, 31))
TODAY = date(2026, 11, 20)
SOURCES = ("referral", "web form", "phone", "walk-in", "advert", "trade fair", "partner")
KINDS = ("call", "email", "meeting", "visit", "note")
NO_DIFFERENCE = "No breakdown shows a clear difference in win rate or time to close."


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def plant_deals(crm: Crm, seed: int, *, effect: bool, per_source: int = 80) -> None:
    """Closed deals from seven sources with random sizes, activities and response times.

    With ``effect`` referrals win 62 % of the time (the rest 30 %) and partner
    deals close within two weeks (the rest within 5 to 90 days).
    """
    rng = random.Random(seed)
    rows = Rows()
    for source in SOURCES:
        for number in range(per_source):
            created = at(date(2025, 12, 20)) + timedelta(days=rng.uniform(0, 280))
            contact = rows.contact(
                f"{source} {number}", created - timedelta(days=rng.uniform(0, 20)), source=source
            )
            fast = effect and source == "partner"
            closed = created + timedelta(days=rng.uniform(2, 14) if fast else rng.uniform(5, 90))
            win_rate = 0.62 if effect and source == "referral" else 0.30
            deal = rows.deal(
                contact,
                created,
                closed,
                won=rng.random() < win_rate,
                value_minor=rng.randint(1, 200) * 10_000,
            )
            for _ in range(rng.randint(0, 7)):
                when = created + (closed - created) * rng.random()
                rows.activity(contact, rng.choice(KINDS), when, deal_id=deal)
    rows.write(crm)


def deals_report(crm: Crm, by: str = "source") -> ReportResult:
    return crm.reports.run("deals", PERIOD, by=by, today=TODAY)


def test_a_source_that_wins_twice_as_often_is_named(crm: Crm) -> None:
    plant_deals(crm, seed=11, effect=True)

    result = deals_report(crm)

    findings = result.findings
    assert findings[0].startswith("5")  # "5xx deals closed in the period: ..."
    # The two planted differences, strongest first (partner speed has the larger z).
    assert findings[1].startswith("Deals from partner close in a median ")
    assert re.fullmatch(
        r"Deals from referral win 6\d% of the time against [23]\d% for the rest \(n=\d+\)\.",
        findings[2],
    )
    assert len(findings) == 3
    table = result.tables[0]
    assert table.columns == (
        "source", "closed deals", "won", "lost", "win rate %", "median days to close"
    )  # fmt: skip
    rates = {row[0]: row[4] for row in table.rows}
    others = [rate for source, rate in rates.items() if source != "referral"]
    assert rates["referral"] > 50 > max(others)
    assert sum(row[1] for row in table.rows) == int(findings[0].split()[0])
    assert result.chart is not None and result.chart.kind == "bar"
    assert dict(zip(result.chart.categories, result.chart.series[0].values, strict=True)) == rates


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_without_an_effect_no_difference_is_claimed(crm: Crm, seed: int) -> None:
    plant_deals(crm, seed=seed, effect=False)

    for by in ("source", "size", "activities", "response"):
        result = deals_report(crm, by)
        assert result.findings[1:] == (NO_DIFFERENCE,), by
        assert sum(row[1] for row in result.tables[0].rows) > 400


def test_each_deal_lands_in_its_groups(crm: Crm) -> None:
    owner = crm.users.current()
    assert owner is not None
    rows = Rows()
    day = date(2026, 3, 2)
    first = rows.contact("Quick", at(day, 8), source="referral", owner=owner.id)
    rows.activity(first, "call", at(day, 15))  # answered the same day
    won = rows.deal(first, at(day), at(date(2026, 3, 12)), won=True, value_minor=500_00,
                    owner=owner.id)  # fmt: skip
    for kind in ("email", "email", "meeting"):
        rows.activity(first, kind, at(date(2026, 3, 5)), deal_id=won)
    rows.activity(first, "purchase", at(date(2026, 3, 6)), amount_minor=100)  # not sales work
    rows.activity(first, "call", at(date(2026, 3, 20)))  # after the close
    slow = rows.contact("Slow", at(day), source="web form")
    rows.activity(slow, "email", at(date(2026, 3, 4)))  # two days later
    rows.deal(slow, at(day), at(date(2026, 3, 22)), won=False, value_minor=2_000_00)
    silent = rows.contact("Silent", at(day))
    rows.deal(silent, at(day), at(date(2026, 4, 11)), won=False, value_minor=90_000_00)
    rows.deal(silent, at(day), at(date(2026, 4, 1)), won=True, value_minor=10_000_00)
    rows.deal(silent, at(day), at(date(2026, 4, 1)), won=True, currency="USD")
    rows.deal(silent, at(day), at(date(2025, 12, 1)), won=True)  # closed before the period
    rows.write(crm)

    by_size = deals_report(crm, "size").tables[0].rows
    assert [row[:4] for row in by_size] == [
        ("up to 1,625 EUR", 1, 1, 0),
        ("1,625 to 6,000 EUR", 1, 0, 1),
        ("6,000 to 30,000 EUR", 1, 1, 0),
        ("over 30,000 EUR", 1, 0, 1),
        ("other currency", 1, 1, 0),
    ]
    assert deals_report(crm, "source").tables[0].rows == (
        ("(no source)", 3, 2, 1, 66.7, 30.0),
        ("referral", 1, 1, 0, 100.0, 10.0),
        ("web form", 1, 0, 1, 0.0, 20.0),
    )
    assert [row[:2] for row in deals_report(crm, "owner").tables[0].rows] == [
        ("(no owner)", 4),
        (owner.display_name, 1),
    ]
    activities = deals_report(crm, "activities")
    assert [row[:2] for row in activities.tables[0].rows] == [("none", 3), ("1-2", 1), ("3-5", 1)]
    assert [row[:2] for row in activities.tables[1].rows] == [("none", 3), ("email", 2)]
    assert [row[:2] for row in deals_report(crm, "response").tables[0].rows] == [
        ("same day", 1),
        ("1-3 days", 1),
        ("none logged", 3),
    ]


def test_a_salesperson_sees_only_the_deals_of_their_contacts(crm: Crm) -> None:
    sam = crm.users.add("sam", "Sam Berg", "salesperson")
    crm.users.set_policy(own_records_only=True)
    rows = Rows()
    day = date(2026, 5, 4)
    for name, owner in (("Mine", sam.id), ("Nobody's", None), ("Olga's", crm.ctx.actor_id)):
        contact = rows.contact(name, at(day), owner=owner)
        rows.deal(contact, at(day), at(date(2026, 5, 14)), won=True)
    rows.write(crm)
    assert deals_report(crm).tables[0].rows[0][1] == 3

    crm.users.sign_in("sam")

    assert deals_report(crm).tables[0].rows[0][1] == 2


def test_no_closed_deals_says_so(crm: Crm) -> None:
    contact = crm.contacts.create("person", ContactPatch(first_name="Open", last_name="Deal"))
    crm.deals.create(contact, "Still open", "100")

    result = deals_report(crm)

    assert result.findings == ("No deals were won or lost in the period.",)
    assert result.tables[0].rows == ()
    assert result.chart is None
