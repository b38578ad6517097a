"""Time: stored as aware UTC, typed and shown in the user's local time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

from crmdesk.errors import ValidationError

#: The local hour a follow-up given only a date (or "tomorrow") is due at.
DEFAULT_HOUR = 9

ACCEPTED = (
    "a date like 2026-11-30, a date and time like 2026-11-30 14:00, "
    "'now', 'today', 'tomorrow', 'next week', 'in 3 days', 'in 2 hours', "
    "'in 30 minutes', '+3d', '+2h' or '+1w'"
)

_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[ t](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"\s*(?P<offset>z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_UNITS = {
    "minutes": ("m", "min", "mins", "minute", "minutes"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "days": ("d", "day", "days"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
}
_UNIT_OF = {word: unit for unit, words in _UNITS.items() for word in words}
_RELATIVE = re.compile(r"(?:in\s*|\+\s*)(?P<amount>\d{1,5})\s*(?P<unit>[a-z]+)")


def utcnow() -> datetime:
    """Now as an aware UTC datetime, truncated to the millisecond (what the store keeps)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_utc(dt: datetime) -> datetime:
    """``dt`` as an aware UTC datetime; a naive ``dt`` is taken as local time."""
    if dt.tzinfo is None:
        dt = dt.astimezone()  # interprets a naive datetime as local time
    return dt.astimezone(UTC)


def _local_wall(dt: datetime) -> datetime:
    """The naive local wall-clock time of an aware datetime."""
    return dt.astimezone().replace(tzinfo=None)


def _at_local(day: date, hour: int = DEFAULT_HOUR) -> datetime:
    """``hour``:00 local time on ``day``, in UTC."""
    return to_utc(datetime.combine(day, time(hour)))


def _invalid(text: str) -> ValidationError:
    return ValidationError(f"'{text.strip()}' is not a date or time; use {ACCEPTED}.", field="when")


def _parse_iso(raw: str, text: str) -> datetime:
    match = _ISO.fullmatch(raw)
    if not match:
        raise _invalid(text)
    try:
        day = date.fromisoformat(match["date"])
        if match["hour"] is None:
            return _at_local(day)
        microsecond = int((match["fraction"] or "").ljust(6, "0"))
        clock = time(
            int(match["hour"]), int(match["minute"]), int(match["second"] or 0), microsecond
        )
        offset = match["offset"]
        if offset is None:
            return to_utc(datetime.combine(day, clock))
        zone = UTC if offset == "z" else _zone(offset)
        return datetime.combine(day, clock, zone).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid(text) from None


def _zone(offset: str) -> timezone:
    """``+02``, ``+0200`` or ``-02:00`` as a fixed-offset zone."""
    digits = offset[1:].replace(":", "").ljust(4, "0")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(offset)
    sign = -1 if offset[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """Parse a date or time typed by the user into aware UTC.

    Accepts ISO dates and date-times (``2026-11-30``, ``2026-11-30 14:00``,
    ``2026-11-30T14:00Z``, ``...+02:00``) and ``now``, ``today``, ``tomorrow``,
    ``next week``, ``in 3 days``, ``in 2 hours``, ``in 30 minutes``, ``+3d``,
    ``+2h``, ``+1w``. A date alone, ``tomorrow`` and ``next week`` (Monday) mean
    09:00 local time; ``today`` means now, to the minute. Times without an
    offset are local. ``now`` defaults to :func:`utcnow`.
    """
    now = utcnow() if now is None else to_utc(now)
    raw = " ".join(text.strip().lower().split())
    if raw == "now":
        return now
    if raw == "today":
        return now.replace(second=0, microsecond=0)
    local_today = _local_wall(now).date()
    if raw == "tomorrow":
        return _at_local(local_today + timedelta(days=1))
    if raw == "next week":
        return _at_local(local_today + timedelta(days=7 - local_today.weekday()))
    match = _RELATIVE.fullmatch(raw)
    if match:
        unit = _UNIT_OF.get(match["unit"])
        if unit is None:
            raise _invalid(text)
        amount = timedelta(**{unit: int(match["amount"])})
        if unit in ("days", "weeks"):
            # Whole days keep the local time of day, also across a DST change.
            try:
                return to_utc(_local_wall(now) + amount)
            except (ValueError, OverflowError):
                raise _invalid(text) from None
        try:
            return now + amount
        except OverflowError:
            raise _invalid(text) from None
    return _parse_iso(raw, text)


def format_local(dt: datetime, with_time: bool = True) -> str:
    """``2026-11-30 14:00`` (or ``2026-11-30`` without the time) in local time."""
    local = to_utc(dt).astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
