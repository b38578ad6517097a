"""Months and ISO weeks in the user's local time, in SQL and as labels.

Two ways to put stored UTC moments into local months or weeks:
:func:`bucket_sql` converts every row (``strftime(..., 'localtime')``), and
:func:`bucket_ranges` turns each bucket into its pair of stored UTC bounds, so
SQL joins a handful of ranges to an index on the time column (no per-row
conversion; about three times faster over a million rows, and
exact across daylight-saving changes since each bound is converted alone).
:func:`per_bucket_rows` reads each range on its own, for totals per bucket
without any sort.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

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


@dataclass(frozen=True)
class Bucket:
    """One month or week of a period: its label and stored UTC bounds (end excluded)."""

    label: str
    start: str
    end: str


def bucket_ranges(period: Period, every: str) -> tuple[Bucket, ...]:
    """Every month or week of a bounded period with its UTC bounds, clipped to the period."""
    assert period.start is not None and period.end is not None  # bucket_labels checks
    buckets = []
    for label in bucket_labels(period, every):
        first, last = _days(label, every)
        start, end = Period(max(first, period.start), min(last, period.end)).bounds()
        assert start is not None and end is not None
        buckets.append(Bucket(label, start, end))
    return tuple(buckets)


def ranges_sql(buckets: tuple[Bucket, ...], name: str = "b") -> tuple[str, dict[str, str | int]]:
    """A ``WITH`` table ``name(i, lo, hi)`` of the buckets, and its bound parameters.

    ``i`` is the bucket's position; join it as
    ``JOIN t ON t.at >= name.lo AND t.at < name.hi``.
    """
    rows = ", ".join(f"({i}, :{name}_lo{i}, :{name}_hi{i})" for i in range(len(buckets)))
    params: dict[str, str | int] = {}
    for i, bucket in enumerate(buckets):
        params[f"{name}_lo{i}"] = bucket.start
        params[f"{name}_hi{i}"] = bucket.end
    return f"{name}(i, lo, hi) AS (VALUES {rows})", params


#: Buckets read by one statement: SQLite refuses a compound SELECT of over 500 parts
#: (two years of weeks for both periods is 210; ten years, 1,044).
MAX_PARTS = 250


def per_bucket_rows(
    session: Session,
    buckets: tuple[Bucket, ...],
    columns: str,
    source: str,
    column: str,
    params: Mapping[str, object],
) -> list[Row[Any]]:
    """One row of aggregates per bucket: ``i, columns`` over ``source`` in its range.

    ``source`` is ``FROM ... WHERE ...``; each bucket is its own indexed range
    read, stacked with UNION ALL. Unlike a join grouped by bucket, nothing is
    sorted: over a million rows that is several times faster.
    """
    rows: list[Row[Any]] = []
    for first in range(0, len(buckets), MAX_PARTS):
        bounds: dict[str, object] = {}
        parts = []
        for i, bucket in enumerate(buckets[first : first + MAX_PARTS], start=first):
            bounds[f"lo{i}"], bounds[f"hi{i}"] = bucket.start, bucket.end
            parts.append(
                f"SELECT {i} AS i, {columns} {source} AND {column} >= :lo{i} AND {column} < :hi{i}"
            )
        rows += session.execute(text(" UNION ALL ".join(parts)), {**params, **bounds}).all()
    return rows


def _days(label: str, every: str) -> tuple[date, date]:
    """The first and last day of the month or ISO week called ``label``."""
    if every == "month":
        first = date(int(label[:4]), int(label[5:7]), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    first = date.fromisocalendar(int(label[:4]), int(label[6:]), 1)
    return first, first + timedelta(days=6)


def _label(day: date, every: str) -> str:
    if every == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
