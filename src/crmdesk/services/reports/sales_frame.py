"""What the sales report reads: live purchases through their covering index,
summed per month or week of a period and of the period before it."""

from __future__ import annotations

from dataclasses import dataclass

from crmdesk.services.reports.base import ReportQuery
from crmdesk.services.reports.buckets import Bucket, ranges_sql
from crmdesk.services.reports.trend import change_pct


@dataclass(frozen=True)
class Sums:
    """Purchases counted and summed (with the sum of squares, for the noise test)."""

    count: int = 0
    total: int = 0
    squares: float = 0.0

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.count + other.count, self.total + other.total, self.squares + other.squares
        )

    def __sub__(self, other: Sums) -> Sums:
        return Sums(
            self.count - other.count, self.total - other.total, self.squares - other.squares
        )


@dataclass(frozen=True)
class Frame:
    """The period's buckets and the previous period's, joined as one ranges table."""

    current: tuple[Bucket, ...]
    previous: tuple[Bucket, ...]

    def sql(self) -> tuple[str, dict[str, str | int]]:
        """``WITH`` text for both periods' buckets (current first) and its parameters."""
        return ranges_sql(self.current + self.previous)


def purchases(query: ReportQuery) -> str:
    """FROM and WHERE for the live purchases with an amount (``a``) the user may see.

    Through the narrow totals index, unless only some contacts are visible
    (the wide index also holds the contact).
    """
    index = (
        "ix_activities_purchase_totals" if query.owner is None else "ix_activities_purchase_time"
    )
    return (
        f"FROM activities a INDEXED BY {index} WHERE a.kind = 'purchase' "
        f"AND a.deleted_at IS NULL AND a.amount_minor IS NOT NULL"
        f"{query.visible_sql('a.contact_id')}"
    )


def from_purchases(query: ReportQuery, join: str = "") -> str:
    """FROM the buckets joined to the live purchases in them (``a``), seen by the user."""
    return (
        "FROM b JOIN activities a INDEXED BY ix_activities_purchase_time "
        "ON a.kind = 'purchase' AND a.deleted_at IS NULL "
        f"AND a.occurred_at >= b.lo AND a.occurred_at < b.hi {join} "
        f"WHERE a.amount_minor IS NOT NULL{query.visible_sql('a.contact_id')}"
    )


def pct_cell(current: int, previous: int) -> float | None:
    pct = change_pct(current, previous)
    return None if pct is None else round(pct, 1)


def sum_of(sums: dict[int, Sums], indexes: range) -> Sums:
    """The sums of the buckets numbered ``indexes``."""
    total = Sums()
    for i in indexes:
        total += sums.get(i, Sums())
    return total
