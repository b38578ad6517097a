"""Month and week ranges in local time, as stored UTC bounds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.services.periods import Period
from crmdesk.services.reports.buckets import Bucket, bucket_ranges, ranges_sql


@pytest.fixture
def helsinki(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Helsinki's (UTC+2 in winter, +3 in summer) for the test."""
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_months_start_at_local_midnight_on_both_sides_of_daylight_saving(helsinki: None) -> None:
    months = bucket_ranges(Period(date(2026, 3, 15), date(2026, 4, 30)), "month")
    assert months == (
        Bucket("2026-03", "2026-03-14T22:00:00.000Z", "2026-03-31T21:00:00.000Z"),
        Bucket("2026-04", "2026-03-31T21:00:00.000Z", "2026-04-30T21:00:00.000Z"),
    )


def test_weeks_are_iso_weeks_clipped_to_the_period(helsinki: None) -> None:
    weeks = bucket_ranges(Period(date(2025, 12, 31), date(2026, 1, 12)), "week")
    assert [w.label for w in weeks] == ["2026-W01", "2026-W02", "2026-W03"]
    assert weeks[0].start == "2025-12-30T22:00:00.000Z"  # the period's first day, not Monday
    assert weeks[1].start == weeks[0].end == "2026-01-04T22:00:00.000Z"
    assert weeks[2].end == "2026-01-12T22:00:00.000Z"


def test_ranges_sql_numbers_the_buckets() -> None:
    buckets = bucket_ranges(Period(date(2026, 1, 1), date(2026, 2, 28)), "month")
    sql, params = ranges_sql(buckets)
    assert sql == "b(i, lo, hi) AS (VALUES (0, :b_lo0, :b_hi0), (1, :b_lo1, :b_hi1))"
    assert params["b_hi0"] == params["b_lo1"] == buckets[1].start


def test_ten_years_of_weeks_run_in_several_statements(crm: Crm) -> None:
    """SQLite refuses a compound SELECT of over 500 parts; ten years of weeks is 522."""
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    crm.activities.log(anna, "call", "long ago", at=datetime(2017, 3, 1, 12, tzinfo=UTC))
    crm.activities.purchase(
        anna, [LineInput("Widget", "1", "10")], at=datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    decade = Period(date(2016, 12, 31), date(2026, 12, 31))

    activity = crm.reports.run("activity", decade, every="week")
    sales = crm.reports.run("sales", decade, every="week")

    assert len(activity.tables[0].rows) == len(sales.tables[0].rows) == 523
    assert sum(row[-1] for row in activity.tables[0].rows) == 2
    assert sum(row[2] for row in sales.tables[0].rows) == 1
