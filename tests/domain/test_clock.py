"""Time: UTC storage, local input and display, relative words."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crmdesk.domain.clock import format_local, parse_when, to_utc, utcnow
from crmdesk.errors import ValidationError

# Wednesday 2026-11-25 12:34:56.789 UTC = 14:34 in Helsinki (EET, UTC+2).
NOW = datetime(2026, 11, 25, 12, 34, 56, 789_000, tzinfo=UTC)


@pytest.fixture
def set_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Switch this process's local time zone; the original is restored afterwards."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset() is needed to change the local time zone")

    def apply(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield apply
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def helsinki(set_tz: Callable[[str], None]) -> None:
    set_tz("Europe/Helsinki")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- utcnow / to_utc -------------------------------------------------------


def test_utcnow_is_aware_utc_truncated_to_milliseconds() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert now.microsecond % 1000 == 0
    assert before - timedelta(milliseconds=1) <= now <= after


def test_to_utc_converts_aware_datetimes() -> None:
    plus_two = datetime(2026, 11, 30, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    result = to_utc(plus_two)
    assert result == utc(2026, 11, 30, 12, 0)
    assert result.utcoffset() == timedelta(0)


def test_to_utc_takes_naive_datetimes_as_local_time(helsinki: None) -> None:
    assert to_utc(datetime(2026, 11, 30, 14, 0)) == utc(2026, 11, 30, 12, 0)  # EET
    assert to_utc(datetime(2026, 7, 1, 14, 0)) == utc(2026, 7, 1, 11, 0)  # EEST


def test_to_utc_naive_in_another_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("America/New_York")
    assert to_utc(datetime(2026, 11, 30, 9, 0)) == utc(2026, 11, 30, 14, 0)


# --- parse_when: words -----------------------------------------------------


def test_now_is_now(helsinki: None) -> None:
    assert parse_when("now", NOW) == NOW
    assert parse_when("  NOW ", NOW) == NOW


def test_today_is_now_to_the_minute(helsinki: None) -> None:
    assert parse_when("today", NOW) == utc(2026, 11, 25, 12, 34)
    assert parse_when("Today", NOW).tzinfo is not None


def test_tomorrow_is_nine_local(helsinki: None) -> None:
    assert parse_when("tomorrow", NOW) == utc(2026, 11, 26, 7, 0)


def test_tomorrow_counts_from_the_local_date_not_the_utc_date(helsinki: None) -> None:
    late = utc(2026, 11, 25, 22, 30)  # already 00:30 on the 26th in Helsinki
    assert parse_when("tomorrow", late) == utc(2026, 11, 27, 7, 0)


def test_tomorrow_in_another_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("America/New_York")
    assert parse_when("tomorrow", NOW) == utc(2026, 11, 26, 14, 0)  # 09:00 EST


@pytest.mark.parametrize(
    ("now", "monday"),
    [
        (NOW, utc(2026, 11, 30, 7, 0)),  # Wednesday -> the coming Monday
        (utc(2026, 11, 30, 10, 0), utc(2026, 12, 7, 7, 0)),  # Monday -> a week later
        (utc(2026, 11, 29, 10, 0), utc(2026, 11, 30, 7, 0)),  # Sunday -> tomorrow
    ],
)
def test_next_week_is_monday_nine_local(helsinki: None, now: datetime, monday: datetime) -> None:
    result = parse_when("next week", now)
    assert result == monday
    assert result.astimezone().weekday() == 0


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("in 3 days", timedelta(days=3)),
        ("in 1 day", timedelta(days=1)),
        ("in 2 hours", timedelta(hours=2)),
        ("in 1 hour", timedelta(hours=1)),
        ("in 30 minutes", timedelta(minutes=30)),
        ("in 5 mins", timedelta(minutes=5)),
        ("in 2 weeks", timedelta(weeks=2)),
        ("+3d", timedelta(days=3)),
        ("+2h", timedelta(hours=2)),
        ("+1w", timedelta(weeks=1)),
        ("+45m", timedelta(minutes=45)),
        ("+ 3 d", timedelta(days=3)),
        ("IN  3   DAYS", timedelta(days=3)),
    ],
)
def test_relative_times(helsinki: None, text: str, delta: timedelta) -> None:
    assert parse_when(text, NOW) == NOW + delta


def test_days_keep_the_local_time_across_a_dst_change(helsinki: None) -> None:
    # Helsinki moves to summer time on Sunday 2026-03-29.
    friday_noon = utc(2026, 3, 27, 10, 0)  # 12:00 EET
    assert parse_when("in 3 days", friday_noon) == utc(2026, 3, 30, 9, 0)  # 12:00 EEST
    assert parse_when("+72h", friday_noon) == utc(2026, 3, 30, 10, 0)  # exactly 72 hours


def test_without_now_relative_times_count_from_the_clock() -> None:
    before = utcnow()
    result = parse_when("in 2 hours")
    after = utcnow()
    assert before + timedelta(hours=2) <= result <= after + timedelta(hours=2)


def test_naive_now_is_taken_as_local(helsinki: None) -> None:
    assert parse_when("+1h", datetime(2026, 11, 25, 14, 0)) == utc(2026, 11, 25, 13, 0)


# --- parse_when: ISO dates and times --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30", utc(2026, 11, 30, 7, 0)),  # a date alone: 09:00 local (EET)
        ("2026-07-01", utc(2026, 7, 1, 6, 0)),  # 09:00 local in summer (EEST)
        ("2026-11-30 14:00", utc(2026, 11, 30, 12, 0)),
        ("2026-11-30T14:00", utc(2026, 11, 30, 12, 0)),
        ("2026-11-30t14:00", utc(2026, 11, 30, 12, 0)),
        ("2026-11-30 9:05", utc(2026, 11, 30, 7, 5)),
        ("2026-11-30 14:00:30", utc(2026, 11, 30, 12, 0, 30)),
        ("2026-11-30T14:00Z", utc(2026, 11, 30, 14, 0)),
        ("2026-11-30 14:00 Z", utc(2026, 11, 30, 14, 0)),
        ("2026-11-30T14:00+01:00", utc(2026, 11, 30, 13, 0)),
        ("2026-11-30 14:00 +0100", utc(2026, 11, 30, 13, 0)),
        ("2026-11-30T14:00-05:00", utc(2026, 11, 30, 19, 0)),
        ("2026-11-30T14:00:00.250+00:00", datetime(2026, 11, 30, 14, 0, 0, 250_000, UTC)),
        ("  2026-11-30   14:00 ", utc(2026, 11, 30, 12, 0)),
    ],
)
def test_iso_dates_and_times(helsinki: None, text: str, expected: datetime) -> None:
    result = parse_when(text, NOW)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_a_date_alone_is_nine_local_in_any_zone(set_tz: Callable[[str], None]) -> None:
    set_tz("America/New_York")
    assert parse_when("2026-11-30", NOW) == utc(2026, 11, 30, 14, 0)
    set_tz("UTC")
    assert parse_when("2026-11-30", NOW) == utc(2026, 11, 30, 9, 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "soon",
        "2026-13-01",
        "2026-02-30",
        "2026-11-30 25:00",
        "2026-11-30 14:60",
        "2026-11-30 14",
        "30.11.2026",
        "11/30/2026",
        "20261130",
        "2026-11-30T14:00+25:00",
        "in 3 fortnights",
        "in days",
        "+3x",
        "3d",
        "next month",
    ],
)
def test_invalid_input_names_the_text_and_the_accepted_forms(helsinki: None, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when(text, NOW)
    message = str(caught.value)
    assert f"'{text.strip()}'" in message
    assert "2026-11-30 14:00" in message
    assert "tomorrow" in message
    assert "+2h" in message


# --- format_local ----------------------------------------------------------------


def test_format_local_shows_local_time(helsinki: None) -> None:
    assert format_local(utc(2026, 11, 30, 12, 0)) == "2026-11-30 14:00"
    assert format_local(utc(2026, 7, 1, 12, 0)) == "2026-07-01 15:00"
    assert format_local(utc(2026, 11, 30, 12, 0), with_time=False) == "2026-11-30"


def test_format_local_can_change_the_date(helsinki: None) -> None:
    assert format_local(utc(2026, 11, 30, 22, 30)) == "2026-12-01 00:30"
    assert format_local(utc(2026, 11, 30, 22, 30), with_time=False) == "2026-12-01"


def test_format_local_takes_naive_as_local(helsinki: None) -> None:
    assert format_local(datetime(2026, 11, 30, 14, 0)) == "2026-11-30 14:00"


@pytest.mark.parametrize("zone", ["Europe/Helsinki", "Europe/Rome", "America/Los_Angeles", "UTC"])
def test_typed_times_come_back_as_typed(set_tz: Callable[[str], None], zone: str) -> None:
    set_tz(zone)
    for text in ("2026-11-30 14:00", "2026-03-29 12:15", "2026-10-25 23:59"):
        assert format_local(parse_when(text, NOW)) == text
    assert format_local(parse_when("2026-11-30", NOW)) == "2026-11-30 09:00"
