"""Month and week ranges in local time, as stored UTC bounds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest

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
