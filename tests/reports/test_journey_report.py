"""The customer-journey report: stage counts, conversion and time between stages,
and a source planted to convert twice as often."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import uuid7_strings
from crmdesk.services.periods import Period
from crmdesk.store.types import format_utc

YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2026, 12, 31)
SOURCES = ("referral", "web form", "trade fair", "advert")

#: (source, [(stage, days after 2026-01-01 00:00 UTC)]) for hand-made contacts.
History = list[tuple[str, list[tuple[str, float]]]]


def add_contacts(crm: Crm, people: History) -> None:
    """Contacts with the given source and stage history; their stage is the last one."""
    ids = uuid7_strings()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    contacts, history = [], []
    for n, (source, steps) in enumerate(people):
        contact_id = next(ids)
        created = format_utc(start + timedelta(days=steps[0][1]))
        contacts.append(
            {
                "id": contact_id,
                "name": f"Person {n}",
                "stage": steps[-1][0],
                "source": source,
                "at": created,
            }
        )
        before = None
        for stage, days in steps:
            history.append(
                {
                    "id": next(ids),
                    "c": contact_id,
                    "f": before,
                    "t": stage,
                    "at": format_utc(start + timedelta(days=days)),
                }
            )
            before = stage
    with crm.db.writing() as session:
        session.execute(
            text(
                "INSERT INTO contacts (id, kind, display_name, sort_key, stage, source, "
                "created_at, updated_at) VALUES (:id, 'person', :name, :name, :stage, :source, "
                ":at, :at)"
            ),
            contacts,
        )
        session.execute(
            text(
                "INSERT INTO stage_history (id, contact_id, from_stage, to_stage, changed_at) "
                "VALUES (:id, :c, :f, :t, :at)"
            ),
            history,
        )


def planted(best: str | None, seed: int = 11, per_source: int = 250) -> History:
    """Leads over the first ten months of 2026; a fifth become customers, ``best``'s two fifths.

    About half of the rest become prospects and stop there.
    """
    rng = random.Random(seed)
    people: History = []
    for source in SOURCES:
        rate = 0.4 if source == best else 0.2
        for _ in range(per_source):
            t0 = rng.uniform(0, 300)
            steps = [("lead", t0)]
            if rng.random() < rate:
                t1 = t0 + rng.uniform(5, 30)
                steps += [("prospect", t1), ("customer", t1 + rng.uniform(10, 40))]
            elif rng.random() < 0.5:
                steps.append(("prospect", t0 + rng.uniform(5, 30)))
            people.append((source, steps))
    return people


def test_a_source_that_converts_twice_as_often_is_named(crm: Crm) -> None:
    add_contacts(crm, planted(best="referral"))

    result = crm.reports.run("journey", YEAR, by="source", today=TODAY)

    table = result.tables[0]
    assert table.columns[:2] == ("source", "leads")
    rows = {row[0]: row for row in table.rows}
    won = table.columns.index("lead → customer %")
    assert 33 <= rows["referral"][won] <= 47
    assert all(15 <= rows[s][won] <= 26 for s in SOURCES if s != "referral")
    (finding,) = result.findings
    assert finding.startswith("Leads from referral become customers ")
    assert "as often as the rest" in finding and "n=250" in finding
    assert result.chart is not None and result.chart.kind == "bar"
    assert result.chart.categories == tuple(sorted(SOURCES))


def test_sources_that_convert_alike_show_no_difference(crm: Crm) -> None:
    add_contacts(crm, planted(best=None))

    result = crm.reports.run("journey", YEAR, by="source", today=TODAY)

    assert result.findings == (
        "No source's leads become customers clearly more or less often than the rest.",
    )


def test_stage_counts_conversion_and_median_days(crm: Crm) -> None:
    add_contacts(
        crm,
        [
            ("web", [("lead", 10), ("prospect", 20), ("customer", 50)]),
            ("web", [("lead", 40), ("prospect", 44)]),
            ("web", [("lead", 60), ("customer", 66), ("repeat_customer", 96)]),
            ("web", [("lead", 70)]),
            # entered before the period: counted now, not among the period's leads
            ("fair", [("lead", -100), ("prospect", -90), ("customer", 5)]),
        ],
    )

    result = crm.reports.run("journey", YEAR, today=TODAY)

    rows = {row[0]: row[1:] for row in result.tables[0].rows}
    # now, reached in period, moved on, moved on %, median days
    assert rows["Lead"] == (1, 4, 3, 75.0, 6.0)  # 10, 4 and 6 days to a later stage
    assert rows["Prospect"] == (1, 2, 1, 50.0, 30.0)
    assert rows["Customer"] == (2, 3, 1, 33.3, 30.0)
    assert rows["Repeat customer"][0] == 1
    assert rows["At risk"] == (0, None, None, None, None)
    assert result.findings[0] == (
        "Of 4 new leads, 75% became prospects and 50% customers "
        "(median 23 days from lead to customer)."
    )
    entries = result.tables[1]
    assert entries.columns[:4] == ("period", "Lead", "Prospect", "Customer")
    assert entries.rows[0][:4] == ("2026-01", 1, 1, 1)  # lead 11th, prospect 21st, fair 6th
    assert sum(sum(row[1:]) for row in entries.rows) == 10
    assert result.chart is not None and result.chart.kind == "stacked_bar"


def test_no_leads_in_the_period(crm: Crm) -> None:
    result = crm.reports.run("journey", Period(date(2020, 1, 1), date(2020, 3, 31)), today=TODAY)
    assert result.findings == ("No new leads in the period.",)
    assert [row[2] for row in result.tables[0].rows[:3]] == [0, 0, 0]
