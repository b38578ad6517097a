"""Complaints: open ones, time to resolve, repeat complainers, and purchases afterwards."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.reports.winloss_rows import Rows

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.services.periods import Period

FIRST_HALF = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 11, 20)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def complaint(rows: Rows, contact: str, day: date, resolved: date | None = None) -> None:
    status = "resolved" if resolved else "open"
    rows.activity(contact, "complaint", noon(day), status=status,
                  resolved=noon(resolved) if resolved else None)  # fmt: skip


def test_months_open_complaints_and_repeat_complainers(crm: Crm) -> None:
    rows = Rows()
    anna, ben, dan = (rows.contact(name, noon(date(2024, 1, 1))) for name in ("Anna", "Ben", "Dan"))
    complaint(rows, anna, date(2026, 1, 10), date(2026, 1, 14))
    complaint(rows, anna, date(2026, 3, 5), date(2026, 3, 7))
    complaint(rows, anna, date(2026, 5, 20))
    complaint(rows, ben, date(2025, 12, 1), date(2025, 12, 2))  # before the period
    complaint(rows, ben, date(2026, 2, 1), date(2026, 2, 11))
    complaint(rows, dan, date(2025, 3, 1), date(2025, 3, 2))  # over a year before the end
    complaint(rows, dan, date(2026, 6, 1), date(2026, 6, 3))
    rows.write(crm)
    cleo = crm.contacts.create("person", ContactPatch(first_name="Cleo"))
    in_progress = crm.activities.log(cleo, "complaint", "Broken lid", at=noon(date(2026, 4, 15)))
    crm.activities.set_complaint_status(in_progress, "in_progress")

    result = crm.reports.run("complaints", FIRST_HALF, today=TODAY)

    assert result.tables[0].columns == ("month", "opened", "resolved", "median days to resolve")
    assert result.tables[0].rows == (
        ("2026-01", 1, 1, 4.0),
        ("2026-02", 1, 1, 10.0),
        ("2026-03", 1, 1, 2.0),
        ("2026-04", 1, 0, None),
        ("2026-05", 1, 0, None),
        ("2026-06", 1, 1, 2.0),
    )
    glance = dict(result.tables[1].rows)
    assert glance["open now"] == 2
    assert (glance["opened in the period"], glance["resolved in the period"]) == (6, 4)
    assert (glance["average days to resolve"], glance["median days to resolve"]) == (4.5, 3.0)
    assert result.tables[2].rows == (("Anna", 3, 1, "2026-05-20"), ("Ben", 2, 0, "2026-02-01"))
    assert result.chart is not None
    assert [s.name for s in result.chart.series] == ["opened", "resolved"]
    assert result.chart.series[1].values == (1.0, 1.0, 1.0, 0.0, 0.0, 1.0)
    assert re.fullmatch(
        r"2 complaints are open; the oldest has waited \d+ days\. Those resolved in the "
        r"period took a median 3\.0 days \(average 4\.5\)\.",
        result.findings[0],
    )
    assert result.findings[1] == (
        "2 customers complained twice or more in 12 months: Anna (3), Ben (2)."
    )
    assert result.findings[2].startswith("Too few complaints with 90 days behind them (0)")


def plant_complaints(crm: Crm, seed: int, *, effect: bool) -> None:
    """60 customers buying every 20 to 40 days for two years; each complains once in
    the first half of 2026, a few days after a purchase. With ``effect`` they buy
    only three times in ten for four months afterwards."""
    rng = random.Random(seed)
    rows = Rows()
    end = noon(TODAY)
    for number in range(60):
        contact = rows.contact(f"Customer {number}", noon(date(2024, 10, 1)))
        every = rng.uniform(20, 40)
        times = []
        when = noon(date(2024, 11, 1)) + timedelta(days=rng.uniform(0, every))
        while when < end:
            times.append(when)
            when += timedelta(days=every * rng.uniform(0.7, 1.3))
        in_half = [t for t in times if noon(date(2026, 1, 1)) <= t < noon(date(2026, 6, 10))]
        complained = rng.choice(in_half) + timedelta(days=rng.uniform(1, 20))
        complaint(rows, contact, complained.date(), complained.date() + timedelta(days=5))
        for t in times:
            shunned = effect and complained < t < complained + timedelta(days=120)
            if not shunned or rng.random() < 0.3:
                rows.activity(contact, "purchase", t, amount_minor=2_000)
    rows.write(crm)


def test_customers_who_buy_less_after_a_complaint_are_noticed(crm: Crm) -> None:
    plant_complaints(crm, seed=3, effect=True)

    result = crm.reports.run("complaints", FIRST_HALF, today=TODAY)

    finding = result.findings[-1]
    assert re.fullmatch(
        r"In the 90 days after a complaint customers bought [5-9]\d% less often than before "
        r"\(1\.\d\d against 3\.\d\d purchases per 90 days, n=60 complaints\)\.",
        finding,
    ), finding
    before, after = result.tables[3].rows
    assert before[1] == after[1] == 60 and after[3] == 60 * 90
    assert after[4] < before[4] / 2


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_no_change_is_claimed_when_complaints_change_nothing(crm: Crm, seed: int) -> None:
    plant_complaints(crm, seed=seed, effect=False)

    result = crm.reports.run("complaints", FIRST_HALF, today=TODAY)

    assert result.findings[-1] == (
        "Customers bought about as often in the 90 days after a complaint as before it "
        "(no clear change, n=60 complaints)."
    )


def test_a_salesperson_counts_only_complaints_of_their_contacts(crm: Crm) -> None:
    sam = crm.users.add("sam", "Sam Berg", "salesperson")
    crm.users.set_policy(own_records_only=True)
    rows = Rows()
    for name, owner in (("Mine", sam.id), ("Olga's", crm.ctx.actor_id)):
        contact = rows.contact(name, noon(date(2025, 1, 1)), owner=owner)
        complaint(rows, contact, date(2026, 2, 2))
        complaint(rows, contact, date(2026, 3, 3))
    rows.write(crm)

    crm.users.sign_in("sam")
    result = crm.reports.run("complaints", FIRST_HALF, today=TODAY)

    assert dict(result.tables[1].rows)["open now"] == 2
    assert result.tables[2].rows == (("Mine", 2, 2, "2026-03-03"),)
