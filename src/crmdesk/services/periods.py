"""Ranges of calendar days for exports and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from crmdesk.domain.clock import to_utc
from crmdesk.errors import ValidationError
from crmdesk.store.types import format_utc


@dataclass(frozen=True)
class Period:
    """A range of local calendar days, both ends included; None is open-ended."""

    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise ValidationError(
                f"The period starts ({self.start}) after it ends ({self.end}).", field="period"
            )

    def bounds(self) -> tuple[str | None, str | None]:
        """Stored-format UTC bounds: local midnight of ``start``, of the day after ``end``."""

        def midnight(day: date) -> str:
            return format_utc(to_utc(datetime.combine(day, time())))

        return (
            midnight(self.start) if self.start else None,
            midnight(self.end + timedelta(days=1)) if self.end else None,
        )

    def days(self) -> int | None:
        """How many days the period covers, or None when an end is open."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for trends)."""
        length = self.days()
        if length is None or self.start is None:
            raise ValidationError("A period needs both ends to have a previous one.", "period")
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=length - 1), end)


def last_months(today: date, months: int = 12) -> Period:
    """The ``months`` whole calendar months up to and including today's month."""
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today)
