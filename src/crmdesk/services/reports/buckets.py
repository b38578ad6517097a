"""Months and ISO weeks in the user's local time, in SQL and as labels."""

from __future__ import annotations

from datetime import date, timedelta

from crmdesk.errors import ValidationError
from crmdesk.services.periods import Period

#: strftime patterns: a stored UTC moment to its local month or ISO week.
PATTERNS = {"month": "%Y-%m", "week": "%G-W%V"}


def bucket_sql(every: str, column: str) -> str:
    """SQL that turns a stored UTC ``column`` into its local month or week label."""
    if every not in PATTERNS:
        raise ValidationError(f"Choose month or week, not {every!r}.", "every")
    return f"strftime('{PATTERNS[every]}', {column}, 'localtime')"


def bucket_labels(period: Period, every: str) -> tuple[str, ...]:
    """Every month or week label of a bounded period, in order."""
    if period.start is None or period.end is None:
        raise ValidationError("A report needs a period with a first and last day.", "period")
    if every not in PATTERNS:
        raise ValidationError(f"Choose month or week, not {every!r}.", "every")
    labels: list[str] = []
    day = period.start
    step = timedelta(days=1 if every == "month" else 7)
    while day <= period.end:
        label = _label(day, every)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += step
    last = _label(period.end, every)
    if labels[-1] != last:
        labels.append(last)
    return tuple(labels)


def _label(day: date, every: str) -> str:
    if every == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
