"""The sales report by product, customer or salesperson: the top groups with
their change on the previous period, and their sales per month or week."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services.reports.base import Cell, Chart, ReportQuery, Series, Table
from crmdesk.services.reports.buckets import ranges_sql
from crmdesk.services.reports.sales_frame import Frame, Sums, from_purchases, pct_cell
from crmdesk.services.reports.trend import (
    SURE_GROUP,
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


def group_view(
    session: Session,
    query: ReportQuery,
    frame: Frame,
    currency: str,
    totals: dict[int, Sums],
) -> tuple[tuple[Table, ...], Chart, list[str]]:
    """The top groups with their change, and their sales per month or week."""
    groups = GROUPS[query.by]
    noun = groups[3]
    picks = _group_sums(session, query, frame, currency, groups)
    top = [k for pick, k, _, _ in picks if pick == "top"]
    names = _names(session, query.by, {k for _, k, _, _ in picks})
    sums = {(pick, k): (cur, prev) for pick, k, cur, prev in picks}
    grand_total = sums["all", ""][0].total
    rows: list[tuple[Cell, ...]] = [
        _group_row(names[k], *sums["top", k], grand_total, currency) for k in top
    ]
    rest_cur, rest_prev = sums["all", ""]
    for k in top:
        rest_cur = rest_cur - sums["top", k][0]
        rest_prev = rest_prev - sums["top", k][1]
    if rest_cur.count:
        rows.append(_group_row(OTHERS, rest_cur, rest_prev, grand_total, currency))
    counted = "lines" if query.by == "product" else "purchases"
    columns = (query.by, f"sales {currency}", "share %", counted, f"before {currency}")
    main = Table(f"Sales by {noun}", (*columns, "change %"), tuple(rows))
    per_bucket = _group_buckets(session, query, frame, currency, top, groups, totals)
    shown = [*top, *([OTHERS] if rest_cur.count else [])]
    labels = tuple(b.label for b in frame.current)
    series = tuple(
        Series(
            names.get(k, k),
            tuple(major(per_bucket.get((i, k), 0), currency) for i in range(len(labels))),
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
        pct_cell(cur.total, prev.total),
    )


def _group_sums(
    session: Session,
    query: ReportQuery,
    frame: Frame,
    currency: str,
    groups: tuple[str, str, str, str],
) -> list[tuple[str, str, Sums, Sums]]:
    """The top groups by sales, the group that grew and fell most surely, and
    all groups together (``all``).

    Every group is summed in SQL; only those few come back.
    """
    key, amount, join, _ = groups
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
        f"{from_purchases(query, join)} AND a.currency = :currency GROUP BY k) "
        f"SELECT * FROM (SELECT 'top', {fields} FROM g WHERE cur_n > 0 "
        f"ORDER BY cur DESC, k LIMIT {TOP}) "
        f"UNION ALL SELECT * FROM (SELECT 'up', {fields} FROM g ORDER BY {z2} DESC LIMIT 1) "
        f"UNION ALL SELECT * FROM (SELECT 'down', {fields} FROM g ORDER BY {z2} ASC LIMIT 1) "
        "UNION ALL SELECT 'all', '', sum(cur_n), sum(cur), sum(cur_sq), sum(prev_n), sum(prev), "
        "sum(prev_sq) FROM g"
    )
    rows = session.execute(text(sql), {**params, **query.params(), "currency": currency}).all()
    return [
        (pick, k, Sums(cn or 0, c or 0, cs or 0.0), Sums(pn or 0, p or 0, ps or 0.0))
        for pick, k, cn, c, cs, pn, p, ps in rows
    ]


def _group_buckets(
    session: Session,
    query: ReportQuery,
    frame: Frame,
    currency: str,
    top: list[str],
    groups: tuple[str, str, str, str],
    totals: dict[int, Sums],
) -> dict[tuple[int, str], int]:
    """Per bucket of the period: each top group's sales, the rest as ``others``.

    Only the top groups' rows are grouped (and sorted); the rest is each
    bucket's total less theirs, as a purchase's amount is its lines' sum.
    """
    key, amount, join, _ = groups
    cte, params = ranges_sql(frame.current)
    marks = ", ".join(f":k{i}" for i in range(len(top))) or "NULL"
    rows = session.execute(
        text(
            f"WITH {cte} SELECT b.i, {key} AS g, sum({amount}) "
            f"{from_purchases(query, join)} AND a.currency = :currency AND g IN ({marks}) "
            "GROUP BY b.i, g"
        ),
        {
            **params,
            **query.params(),
            "currency": currency,
            **{f"k{i}": k for i, k in enumerate(top)},
        },
    ).all()
    out: dict[tuple[int, str], int] = {(i, g): total for i, g, total in rows}
    for i in range(len(frame.current)):
        whole = totals.get(i, Sums()).total
        out[i, OTHERS] = whole - sum(out.get((i, k), 0) for k in top)
    return out


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
