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

from dataclasses import dataclass

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
from crmdesk.services.reports.buckets import Bucket, bucket_ranges, ranges_sql
from crmdesk.services.reports.trend import (
    SMALL_CHANGE,
    SURE_GROUP,
    SURE_TOTAL,
    change_pct,
    change_z,
    is_clear,
    major,
    money_text,
    pct_text,
    previous_phrase,
)

TOP = 10
OTHERS = "others"
#: Per grouping: the SQL key, what one row counts, the join it needs, and its noun.
GROUPS = {
    "product": (
        "coalesce(l.product_id, '')",
        "l.line_total_minor",
        "JOIN order_lines l ON l.activity_id = a.id",
        "product",
    ),
    "customer": ("a.contact_id", "a.amount_minor", "", "customer"),
    "salesperson": ("coalesce(a.user_id, '')", "a.amount_minor", "", "salesperson"),
}


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


@dataclass(frozen=True)
class Frame:
    """The period's buckets and the previous period's, joined as one ranges table."""

    current: tuple[Bucket, ...]
    previous: tuple[Bucket, ...]

    def sql(self) -> tuple[str, dict[str, str | int]]:
        """``WITH`` text for both periods' buckets (current first) and its parameters."""
        return ranges_sql(self.current + self.previous)

    def is_current(self, i: int) -> bool:
        return i < len(self.current)


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Sales per month or week, in total or by group, against the previous period."""
    frame = Frame(
        bucket_ranges(query.period, query.every),
        bucket_ranges(query.period.previous(), query.every),
    )
    by_currency = _totals(session, query, frame)
    currency, left_out = _main_currency(by_currency, frame)
    if currency is None:
        return _result(query, (Table("Sales", ("period", "sales"), ()),), None, ("No sales.",))
    totals = by_currency[currency]
    current = _sum(totals, range(len(frame.current)))
    previous = _sum(totals, range(len(frame.current), len(frame.current) + len(frame.previous)))
    findings = [_total_finding(query, current, previous, currency)]
    if left_out:
        findings.append(left_out)
    if query.by == "total":
        tables, chart = _total_view(frame, totals, currency)
    else:
        tables, chart, more = _group_view(session, query, frame, currency, current.total)
        findings.extend(more)
    return _result(query, tables, chart, tuple(findings))


def _result(
    query: ReportQuery, tables: tuple[Table, ...], chart: Chart | None, findings: tuple[str, ...]
) -> ReportResult:
    return ReportResult(SPEC.name, SPEC.title, query.period, tables, chart, findings)


def _from_purchases(query: ReportQuery, join: str = "") -> str:
    """FROM the buckets joined to the live purchases in them (``a``), seen by the user."""
    return (
        "FROM b JOIN activities a INDEXED BY ix_activities_purchases "
        "ON a.kind = 'purchase' AND a.deleted_at IS NULL "
        f"AND a.occurred_at >= b.lo AND a.occurred_at < b.hi {join} "
        f"WHERE a.amount_minor IS NOT NULL{query.visible_sql('a.contact_id')}"
    )


def _totals(session: Session, query: ReportQuery, frame: Frame) -> dict[str, dict[int, Sums]]:
    """Per currency, per bucket: purchases and their sum."""
    cte, params = frame.sql()
    rows = session.execute(
        text(
            f"WITH {cte} SELECT b.i, a.currency, count(*), sum(a.amount_minor), "
            f"sum(a.amount_minor * 1.0 * a.amount_minor) {_from_purchases(query)} "
            "GROUP BY b.i, a.currency"
        ),
        {**params, **query.params()},
    ).all()
    out: dict[str, dict[int, Sums]] = {}
    for i, currency, count, total, squares in rows:
        out.setdefault(currency or "", {})[i] = Sums(count, total, squares)
    return out


def _main_currency(by_currency: dict[str, dict[int, Sums]], frame: Frame) -> tuple[str | None, str]:
    """The currency most purchases were in (this period first), and a note on the rest."""

    def weight(currency: str) -> tuple[int, int]:
        sums = by_currency[currency]
        return (
            sum(s.count for i, s in sums.items() if frame.is_current(i)),
            sum(s.count for s in sums.values()),
        )

    if not by_currency:
        return None, ""
    main = max(sorted(by_currency), key=weight)
    others = sorted(c for c in by_currency if c != main)
    if not others:
        return main, ""
    count = sum(weight(c)[1] for c in others)
    return main, (
        f"{count:,} purchases in {', '.join(c or 'no currency' for c in others)} "
        f"are left out; amounts are in {main}."
    )


def _sum(sums: dict[int, Sums], indexes: range) -> Sums:
    total = Sums()
    for i in indexes:
        total += sums.get(i, Sums())
    return total


def _total_finding(query: ReportQuery, current: Sums, previous: Sums, currency: str) -> str:
    before = previous_phrase(query.period)
    said = f"Sales were {money_text(current.total, currency)} from {current.count:,} purchases"
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
                _pct_cell(now.total, then.total) if then is not None else None,
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


def _pct_cell(current: int, previous: int) -> float | None:
    pct = change_pct(current, previous)
    return None if pct is None else round(pct, 1)


def _group_view(
    session: Session, query: ReportQuery, frame: Frame, currency: str, grand_total: int
) -> tuple[tuple[Table, ...], Chart, list[str]]:
    """The top groups with their change, and their sales per month or week."""
    key, amount, join, noun = GROUPS[query.by]
    picks = _group_sums(session, query, frame, currency, key, amount, join)
    top = [k for pick, k, _, _ in picks if pick == "top"]
    names = _names(session, query.by, {k for _, k, _, _ in picks})
    sums = {k: (cur, prev) for _, k, cur, prev in picks}
    per_bucket = _group_buckets(session, query, frame, currency, top, key, amount, join)
    column_total = "lines" if query.by == "product" else "purchases"
    rows: list[tuple[Cell, ...]] = []
    for k in top:
        cur, prev = sums[k]
        rows.append(_group_row(names[k], cur, prev, grand_total, currency))
    rest = {i: s for (i, k), s in per_bucket.items() if k == OTHERS}
    rest_cur = _sum(rest, range(len(frame.current)))
    if rest_cur.count:
        rest_prev = _sum(rest, range(len(frame.current), len(frame.current) + len(frame.previous)))
        rows.append(_group_row(OTHERS, rest_cur, rest_prev, grand_total, currency))
    columns = (query.by, f"sales {currency}", "share %", column_total, f"before {currency}")
    main = Table(f"Sales by {noun}", (*columns, "change %"), tuple(rows))
    shown = [*top, *([OTHERS] if rest_cur.count else [])]
    labels = tuple(b.label for b in frame.current)
    series = tuple(
        Series(
            names.get(k, k),
            tuple(
                major(per_bucket.get((i, k), Sums()).total, currency) for i in range(len(labels))
            ),
        )
        for k in shown
    )
    over_time = Table(
        f"Sales by {noun} per {query.every}",
        ("period", *(s.name for s in series)),
        tuple((label, *(s.values[i] for s in series)) for i, label in enumerate(labels)),
    )
    chart = Chart("stacked_bar", labels, series, currency)
    findings = _group_findings(picks, names, noun, query, currency, grand_total)
    return (main, over_time), chart, findings


def _group_row(
    name: str, cur: Sums, prev: Sums, grand_total: int, currency: str
) -> tuple[Cell, ...]:
    share = round(cur.total / grand_total * 100, 1) if grand_total else None
    return (
        name,
        major(cur.total, currency),
        share,
        cur.count,
        major(prev.total, currency),
        _pct_cell(cur.total, prev.total),
    )


def _group_sums(
    session: Session,
    query: ReportQuery,
    frame: Frame,
    currency: str,
    key: str,
    amount: str,
    join: str,
) -> list[tuple[str, str, Sums, Sums]]:
    """The top groups by sales, and the group that grew and fell most surely.

    Every group is summed in SQL; only those few come back.
    """
    cte, params = frame.sql()
    n = len(frame.current)
    cur, prev = f"b.i < {n}", f"b.i >= {n}"
    z2 = "(coalesce(cur, 0) - coalesce(prev, 0)) * abs(coalesce(cur, 0) - coalesce(prev, 0)) "
    z2 += "/ (coalesce(cur_sq, 0) + coalesce(prev_sq, 0))"
    fields = "k, cur_n, cur, cur_sq, prev_n, prev, prev_sq"
    sql = (
        f"WITH {cte}, g AS MATERIALIZED (SELECT {key} AS k, "
        f"count(CASE WHEN {cur} THEN 1 END) AS cur_n, "
        f"sum(CASE WHEN {cur} THEN {amount} END) AS cur, "
        f"sum(CASE WHEN {cur} THEN {amount} * 1.0 * {amount} END) AS cur_sq, "
        f"count(CASE WHEN {prev} THEN 1 END) AS prev_n, "
        f"sum(CASE WHEN {prev} THEN {amount} END) AS prev, "
        f"sum(CASE WHEN {prev} THEN {amount} * 1.0 * {amount} END) AS prev_sq "
        f"{_from_purchases(query, join)} AND a.currency = :currency GROUP BY k) "
        f"SELECT * FROM (SELECT 'top', {fields} FROM g WHERE cur_n > 0 "
        f"ORDER BY cur DESC, k LIMIT {TOP}) "
        f"UNION ALL SELECT * FROM (SELECT 'up', {fields} FROM g ORDER BY {z2} DESC LIMIT 1) "
        f"UNION ALL SELECT * FROM (SELECT 'down', {fields} FROM g ORDER BY {z2} ASC LIMIT 1)"
    )
    rows = session.execute(text(sql), {**params, **query.params(), "currency": currency}).all()
    return [
        (pick, k, Sums(cn, c or 0, cs or 0.0), Sums(pn, p or 0, ps or 0.0))
        for pick, k, cn, c, cs, pn, p, ps in rows
    ]


def _group_buckets(
    session: Session,
    query: ReportQuery,
    frame: Frame,
    currency: str,
    top: list[str],
    key: str,
    amount: str,
    join: str,
) -> dict[tuple[int, str], Sums]:
    """Per bucket (both periods): each top group's sales, the rest as ``others``."""
    cte, params = frame.sql()
    marks = ", ".join(f":k{i}" for i in range(len(top))) or "NULL"
    rows = session.execute(
        text(
            f"WITH {cte} SELECT b.i, CASE WHEN {key} IN ({marks}) THEN {key} "
            f"ELSE '{OTHERS}' END AS g, count(*), sum({amount}) "
            f"{_from_purchases(query, join)} AND a.currency = :currency GROUP BY b.i, g"
        ),
        {
            **params,
            **query.params(),
            "currency": currency,
            **{f"k{i}": k for i, k in enumerate(top)},
        },
    ).all()
    return {(i, g): Sums(count, total) for i, g, count, total in rows}


def _names(session: Session, by: str, keys: set[str]) -> dict[str, str]:
    """What to call each group key in the table."""
    names = {"": "(not recorded)" if by == "salesperson" else "(no product)"}
    table, column = {
        "product": ("products", "name"),
        "customer": ("contacts", "display_name"),
        "salesperson": ("users", "display_name"),
    }[by]
    ids = sorted(k for k in keys if k and k not in names)
    if ids:
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        found = session.execute(
            text(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})"),
            {f"i{n}": k for n, k in enumerate(ids)},
        ).all()
        names.update({k: name for k, name in found})
    return {k: names.get(k, k) for k in keys}


def _group_findings(
    picks: list[tuple[str, str, Sums, Sums]],
    names: dict[str, str],
    noun: str,
    query: ReportQuery,
    currency: str,
    grand_total: int,
) -> list[str]:
    """Who brought the most, and which group grew or fell clearly (if any did)."""
    findings = []
    tops = [p for p in picks if p[0] == "top"]
    if tops and grand_total:
        _, k, cur, _ = tops[0]
        findings.append(
            f"{names[k]} brought the most: {money_text(cur.total, currency)} "
            f"({cur.total / grand_total:.0%} of sales)."
        )
    clear = []
    for pick, k, cur, prev in picks:
        if pick not in ("up", "down"):
            continue
        z = change_z(cur.total, cur.squares, prev.total, prev.squares)
        if (z > 0) == (pick == "up") and is_clear(cur.total, prev.total, z, SURE_GROUP):
            verb = "grew" if pick == "up" else "fell"
            clear.append(f"{names[k]} {verb} most ({pct_text(change_pct(cur.total, prev.total))}).")
    if clear:
        findings.extend(clear)
    else:
        findings.append(f"No {noun} clearly grew or fell against {previous_phrase(query.period)}.")
    return findings


SPEC = ReportSpec(
    name="sales",
    title="Sales over time",
    description="Purchases per month or week, in total or by product, customer or "
    "salesperson, with the change on the previous period.",
    run=run,
    groupings=("total", "product", "customer", "salesperson"),
    intervals=("month", "week"),
)
