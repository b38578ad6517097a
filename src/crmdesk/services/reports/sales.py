"""Sales over time: purchases per month or week, in total or by product, customer or
salesperson, against the period of the same length just before.

Amounts are never summed across currencies: the report is in the currency
most purchases of the period were made in, and a finding says how many were
left out. Product figures come from the order lines (lines typed without a
product count as "(no product)"), the rest from the purchase totals. Each
query joins the month or week ranges to the ``activities`` purchase index
(see :func:`buckets.bucket_ranges`).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services.reports.base import (
    Cell,
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.buckets import bucket_ranges, per_bucket_rows
from crmdesk.services.reports.sales_frame import Frame, Sums, pct_cell, purchases, sum_of
from crmdesk.services.reports.sales_groups import group_view
from crmdesk.services.reports.trend import (
    SMALL_CHANGE,
    SURE_TOTAL,
    change_pct,
    change_z,
    is_clear,
    major,
    money_text,
    pct_text,
    plural,
    previous_phrase,
)


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Sales per month or week, in total or by group, against the previous period."""
    frame = Frame(
        bucket_ranges(query.period, query.every),
        bucket_ranges(query.period.previous(), query.every),
    )
    currency, totals, left_out = _sales_in_main_currency(session, query, frame)
    if currency is None:
        return _result(query, (Table("Sales", ("period", "sales"), ()),), None, ("No sales.",))
    current = sum_of(totals, range(len(frame.current)))
    previous = sum_of(totals, range(len(frame.current), len(frame.current) + len(frame.previous)))
    findings = [_total_finding(query, current, previous, currency)]
    if left_out:
        findings.append(left_out)
    if query.by == "total":
        tables, chart = _total_view(frame, totals, currency)
    else:
        tables, chart, more = group_view(session, query, frame, currency, totals)
        findings.extend(more)
    return _result(query, tables, chart, tuple(findings))


def _result(
    query: ReportQuery, tables: tuple[Table, ...], chart: Chart | None, findings: tuple[str, ...]
) -> ReportResult:
    return ReportResult(SPEC.name, SPEC.title, query.period, tables, chart, findings)


def _sales_in_main_currency(
    session: Session, query: ReportQuery, frame: Frame
) -> tuple[str | None, dict[int, Sums], str]:
    """The currency most purchases were in, its sums per bucket, and a note on the rest.

    Nearly every shop sells in one currency: then the one pass over the
    buckets that sums them also shows (least and greatest currency alike)
    that nothing was left out. Only a mix is grouped by currency and read again.
    """
    sums, currencies = _bucket_sums(session, query, frame, None)
    if len(currencies) > 1:
        counts = _currencies(session, query, frame)
        main = max(sorted(counts), key=lambda c: counts[c])
        sums, _ = _bucket_sums(session, query, frame, main)
        return main, sums, _left_out(main, counts)
    return (currencies.pop() if currencies else None), sums, ""


def _bucket_sums(
    session: Session, query: ReportQuery, frame: Frame, currency: str | None
) -> tuple[dict[int, Sums], set[str]]:
    """Purchases and their sum per bucket of both periods (in ``currency``, or in any
    when None), and the currencies seen."""
    rows = per_bucket_rows(
        session,
        frame.current + frame.previous,
        "count(*), sum(a.amount_minor), sum(a.amount_minor * 1.0 * a.amount_minor), "
        "min(a.currency), max(a.currency)",
        purchases(query) + (" AND a.currency = :currency" if currency else ""),
        "a.occurred_at",
        {**query.params(), "currency": currency},
    )
    sums = {i: Sums(n, total or 0, squares or 0.0) for i, n, total, squares, _, _ in rows if n}
    return sums, {c for *_, low, high in rows for c in (low, high) if c is not None}


def _currencies(session: Session, query: ReportQuery, frame: Frame) -> dict[str, tuple[int, int]]:
    """Purchases per currency: (in this period, in both periods)."""
    rows = session.execute(
        text(
            "SELECT a.currency, count(CASE WHEN a.occurred_at >= :split THEN 1 END), count(*) "
            f"{purchases(query)} AND a.occurred_at >= :start AND a.occurred_at < :end "
            "GROUP BY a.currency"
        ),
        {
            "start": frame.previous[0].start,
            "split": frame.current[0].start,
            "end": frame.current[-1].end,
            **query.params(),
        },
    ).all()
    return {c: (n, m) for c, n, m in rows if c is not None}


def _left_out(main: str, counts: dict[str, tuple[int, int]]) -> str:
    """A finding on the purchases in other currencies than ``main``."""
    others = sorted(c for c in counts if c != main)
    count = sum(counts[c][1] for c in others)
    return (
        f"{plural(count, 'purchase')} in {', '.join(others)} "
        f"{'is' if count == 1 else 'are'} left out; amounts are in {main}."
    )


def _total_finding(query: ReportQuery, current: Sums, previous: Sums, currency: str) -> str:
    before = previous_phrase(query.period)
    said = (
        f"Sales were {money_text(current.total, currency)} from {plural(current.count, 'purchase')}"
    )
    if previous.total == 0:
        return f"{said}; there were none in {before}."
    pct = change_pct(current.total, previous.total)
    z = change_z(current.total, current.squares, previous.total, previous.squares)
    if pct is not None and abs(pct) < SMALL_CHANGE:
        return f"{said}, about the same as {before} ({pct_text(pct)})."
    if not is_clear(current.total, previous.total, z, SURE_TOTAL):
        return f"{said}, {pct_text(pct)} on {before}, but so few purchases may differ by chance."
    way = "up" if current.total > previous.total else "down"
    return f"{said}, {way} {abs(pct or 0):.0f}% on {before}."


def _total_view(
    frame: Frame, totals: dict[int, Sums], currency: str
) -> tuple[tuple[Table, ...], Chart]:
    """One row per month or week, beside the same month or week of the previous period."""
    rows: list[tuple[Cell, ...]] = []
    this, before = [], []
    n = len(frame.current)
    for i, bucket in enumerate(frame.current):
        now = totals.get(i, Sums())
        then = totals.get(n + i, Sums()) if i < len(frame.previous) else None
        label = frame.previous[i].label if then is not None else None
        rows.append(
            (
                bucket.label,
                major(now.total, currency),
                now.count,
                label,
                major(then.total, currency) if then is not None else None,
                pct_cell(now.total, then.total) if then is not None else None,
            )
        )
        this.append(major(now.total, currency))
        before.append(major(then.total, currency) if then is not None else 0.0)
    columns = (
        "period",
        f"sales {currency}",
        "purchases",
        "previous",
        f"then {currency}",
        "change %",
    )
    chart = Chart(
        "line",
        tuple(b.label for b in frame.current),
        (Series("this period", tuple(this)), Series("previous period", tuple(before))),
        currency,
    )
    return (Table("Sales", columns, tuple(rows)),), chart


SPEC = ReportSpec(
    name="sales",
    title="Sales over time",
    description="Purchases per month or week, in total or by product, customer or "
    "salesperson, with the change on the previous period.",
    run=run,
    groupings=("total", "product", "customer", "salesperson"),
    intervals=("month", "week"),
)
