"""Customers at risk: silence measured against each customer's own rhythm."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from tests.reports.winloss_rows import Rows

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.services.periods import Period
from crmdesk.services.reports.risk import at_risk_contacts

TODAY = date(2026, 11, 20)
NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)
COFFEE = [LineInput("Coffee beans", "1", "50.00")]


def buyer(crm: Crm, name: str, every: int, count: int, silent: int) -> str:
    """A customer who bought ``count`` times, ``every`` days apart, the last ``silent`` days ago."""
    contact = crm.contacts.create("person", ContactPatch(first_name=name))
    for k in reversed(range(count)):
        crm.activities.purchase(contact, COFFEE, at=NOON - timedelta(days=silent + every * k))
    return contact


def test_a_monthly_buyer_silent_four_months_is_at_risk_and_steady_ones_are_not(crm: Crm) -> None:
    mia = buyer(crm, "Mia", every=30, count=14, silent=122)
    buyer(crm, "Quinn", every=91, count=5, silent=100)  # long silence, but her rhythm
    buyer(crm, "Stella", every=30, count=12, silent=15)
    buyer(crm, "Wes", every=7, count=8, silent=25)  # 3.6 weeks overdue, but under 30 days
    tom = buyer(crm, "Tom", every=20, count=3, silent=200)
    with crm.db.reading() as session:
        assert at_risk_contacts(session, TODAY) == [mia, tom]
    crm.activities.delete(crm.activities.timeline(tom)[0].id)  # two purchases left: no rhythm

    result = crm.reports.run("risk", today=TODAY)

    assert len(result.tables[0].rows) == 1
    name, last, silent, usual, overdue, bought, spend, value, *scores = result.tables[0].rows[0]
    assert name == "Mia"
    assert last == (NOON - timedelta(days=122)).astimezone().date().isoformat()
    assert 121 <= silent <= 123 and usual == 30 and overdue == 4.1
    # Nine purchases in the last 12 months; 14 x 50 EUR over 13 gaps + one usual gap.
    assert (bought, spend, value) == (9, 450.0, round(700 * 365 / 420, 2))
    assert scores == [1, 3, 3]  # least recent; frequency and spend third of four
    bands = {row[0]: row[1:3] for row in result.tables[1].rows}
    assert bands == {
        "under 1x usual": (1, 0),
        "1-2x usual": (1, 0),
        "2-4x usual": (1, 0),
        "4x usual or more": (1, 1),
    }
    assert result.chart is not None
    assert result.chart.series[0].values == (1.0, 1.0, 1.0, 1.0)
    assert result.findings[0].startswith("1 of 4 regular customers (three or more purchases)")
    assert "worth 608 EUR a year" in result.findings[0]
    assert result.findings[1].startswith("The most valuable is Mia (608 EUR a year), silent 12")


def test_an_earlier_end_sees_the_customer_before_they_went_quiet(crm: Crm) -> None:
    buyer(crm, "Mia", every=30, count=14, silent=122)

    before = crm.reports.run("risk", Period(None, TODAY - timedelta(days=110)), today=TODAY)

    assert before.tables[0].rows == ()
    assert before.findings == (
        "No regular customer (three or more purchases; 1 in all) has gone quiet "
        "for twice their usual interval.",
    )


def plant_rhythms(crm: Crm, seed: int, quiet: int) -> set[str]:
    """200 customers buying every 7 to 90 days (give or take a fifth), on rhythm;
    the first ``quiet`` of them silent three times their interval. Returns those."""
    rng = random.Random(seed)
    rows = Rows()
    planted = set()
    for number in range(200):
        every = rng.randint(7, 90)
        contact = rows.contact(f"Customer {number:03d}", NOON - timedelta(days=800))
        silent = every * (3.0 if number < quiet else rng.uniform(0.0, 0.9))
        when = NOON - timedelta(days=max(silent, 31.0) if number < quiet else silent)
        for _ in range(rng.randint(3, 12)):
            rows.activity(contact, "purchase", when, amount_minor=rng.randint(10, 500) * 100)
            when -= timedelta(days=every * rng.uniform(0.8, 1.2))
        if number < quiet:
            planted.add(contact)
    rows.write(crm)
    return planted


def test_planted_quiet_customers_are_found_and_no_one_else(crm: Crm) -> None:
    planted = plant_rhythms(crm, seed=5, quiet=15)

    with crm.db.reading() as session:
        found = at_risk_contacts(session, TODAY)

    assert set(found) == planted
    result = crm.reports.run("risk", today=TODAY)
    values = [row[7] for row in result.tables[0].rows]
    assert len(values) == 15 and values == sorted(values, reverse=True)
    assert result.findings[0].startswith("15 of 200 regular customers")


def test_customers_on_rhythm_are_not_at_risk(crm: Crm) -> None:
    plant_rhythms(crm, seed=6, quiet=0)

    result = crm.reports.run("risk", today=TODAY)

    assert result.tables[0].rows == ()
    assert result.findings[0].startswith("No regular customer (three or more purchases; 200 in")
    assert sum(row[1] for row in result.tables[1].rows) == 200


def test_a_salesperson_sees_only_their_customers_at_risk(crm: Crm) -> None:
    sam = crm.users.add("sam", "Sam Berg", "salesperson")
    crm.users.set_policy(own_records_only=True)
    rows = Rows()
    owners = {"Mine": sam.id, "Olga's": crm.ctx.actor_id}
    for name, owner in owners.items():
        contact = rows.contact(name, NOON - timedelta(days=400), owner=owner)
        for k in range(5):
            rows.activity(contact, "purchase", NOON - timedelta(days=100 + 10 * k), amount_minor=1)
    rows.write(crm)
    assert len(crm.reports.run("risk", today=TODAY).tables[0].rows) == 2

    crm.users.sign_in("sam")

    assert [row[0] for row in crm.reports.run("risk", today=TODAY).tables[0].rows] == ["Mine"]
    with crm.db.reading() as session:
        assert len(at_risk_contacts(session, TODAY, owner=sam.id)) == 1


def test_a_schema_6_database_gets_the_report_indexes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "schema_v6.db", path)
    crm = Crm.open(path, "fixture-passphrase", region="FI")
    try:
        with crm.db.reading() as session:
            indexes = set(
                session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
                .scalars()
                .all()
            )
        assert {"ix_activities_purchases", "ix_activities_complaints", "ix_contacts_deleted"} <= (
            indexes
        )
        # The fixture's one customer bought once (a snow tyre): no rhythm yet.
        assert crm.reports.run("risk", today=TODAY).findings[0].startswith("No customer has")
        assert crm.reports.run("complaints", today=TODAY).tables[0].rows
    finally:
        crm.close()
