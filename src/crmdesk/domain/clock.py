"""Time: stored in UTC, typed and shown in the user's local time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from crmdesk.errors import ValidationError

DEFAULT_HOUR = 9
_RELATIVE = re.compile(
    r"^(?:in\s+(\d+)\s*(minutes?|mins?|hours?|h|days?|d|weeks?|w)|\+(\d+)\s*([mhdw]))$"
)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
ACCEPTED = (
    "a date like 2026-11-30, a date and time like 2026-11-30 14:00, 'today', 'tomorrow', "
    "'next week', 'in 3 days', 'in 2 hours', '+3d' or '+2h'"
)


def utcnow() -> datetime:
    """Now, aware UTC, to the millisecond (what the store keeps)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_utc(dt: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as local time."""
    if dt.tzinfo is None:
        dt = dt.astimezone()
    return dt.astimezone(UTC)


def _local_at(day: datetime, hour: int = DEFAULT_HOUR) -> datetime:
    local = datetime.combine(day.date(), time(hour, 0))
    return to_utc(local)


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """Parse a user's date/time (absolute or relative) into aware UTC.

    A date alone means 09:00 local time on that day.
    """
    now = to_utc(now) if now else utcnow()
    raw = " ".join(text.strip().lower().split())
    local_now = now.astimezone()
    if raw == "now":
        return now
    if raw == "today":
        return now.replace(second=0, microsecond=0)
    if raw == "tomorrow":
        return _local_at(local_now + timedelta(days=1))
    if raw == "next week":
        days = 7 - local_now.weekday()
        return _local_at(local_now + timedelta(days=days))
    match = _RELATIVE.match(raw)
    if match:
        amount = int(match.group(1) or match.group(3))
        unit = (match.group(2) or match.group(4))[0]
        return now + timedelta(**{_UNIT[unit]: amount})
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return _local_at(datetime.fromisoformat(raw))
        parsed = datetime.fromisoformat(raw.replace(" ", "T", 1).upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"'{text}' is not a date or time; use {ACCEPTED}.") from None
    return to_utc(parsed)


def format_local(dt: datetime, with_time: bool = True) -> str:
    """``2026-11-30 14:00`` (or just the date) in the local time zone."""
    local = to_utc(dt).astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
