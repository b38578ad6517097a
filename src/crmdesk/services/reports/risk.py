"""Customers at risk: regular buyers whose silence is far longer than their own rhythm.

For every customer with at least three purchases up to the end of the period:
recency (days since the last purchase), frequency and monetary value (purchases
and spend in the last twelve months), scored 1-5 by quintile (RFM), and their
usual interval (the median gap between their purchases). A customer is at risk
when the days silent are at least twice the usual interval and at least 30.
The gaps come from one window query (LAG over each customer's purchases), so
the report stays fast on millions of activities.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.money import currency_exponent
from crmdesk.services.periods import Period
from crmdesk.services.reports.base import (
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.scope import contacts_clause, main_currency, owner_params, whole_money
from crmdesk.store.types import parse_utc

MIN_PURCHASES = 3
#: At risk: silent this many times the usual interval...
OVERDUE_FACTOR = 2.0
#: ...and at least this many days.
MIN_SILENT_DAYS = 30
#: Overdue bands of the chart: the least factor each starts at, and its label.
OVERDUE_BANDS = (
    (0.0, "under 1x usual"),
    (1.0, "1-2x usual"),
    (2.0, "2-4x usual"),
    (4.0, "4x usual or more"),
)

# Each purchase with the gap since the customer's previous one, then per
# customer: the count, first and last, spend, and the median gap (the middle
# one or two of the gaps, ranked; the first purchase's gap is NULL and ranks first).
_CUSTOMERS = """
WITH bought AS (
    SELECT contact_id AS cid, occurred_at AS at,
           CASE WHEN currency = :currency THEN amount_minor ELSE 0 END AS amount,
           julianday(occurred_at) - julianday(lag(occurred_at)
               OVER (PARTITION BY contact_id ORDER BY occurred_at)) AS gap
    FROM activities
    WHERE kind = 'purchase' AND deleted_at IS NULL AND occurred_at < :end
), ranked AS (
    SELECT cid, at, amount, gap,
           row_number() OVER (PARTITION BY cid ORDER BY gap) AS k,
           count(*) OVER (PARTITION BY cid) AS n
    FROM bought
), customers AS (
    SELECT cid, max(n) AS purchases, min(at) AS first, max(at) AS last,
           coalesce(sum(amount), 0) AS total,
           sum(at >= :year_ago) AS frequency,
           coalesce(sum(CASE WHEN at >= :year_ago THEN amount END), 0) AS spend,
           avg(CASE WHEN k IN (n / 2 + 1, (n + 1) / 2 + 1) THEN gap END) AS usual
    FROM ranked WHERE n >= :min_purchases GROUP BY cid
)
SELECT c.id, c.display_name, p.last,
       julianday(:end) - julianday(p.last), julianday(p.last) - julianday(p.first),
       p.usual, p.frequency, p.spend, p.total
FROM customers p JOIN contacts c ON c.id = p.cid
WHERE {contacts}
"""


@dataclass(frozen=True)
class Customer:
    """One regular customer's rhythm and value, as of the end of the period."""

    contact_id: str
    name: str
    last_purchase: datetime
    days_silent: float
    usual_days: float
    frequency: int
    spend: int
    value_a_year: float
    scores: tuple[int, int, int]  # recency, frequency, monetary: 1-5 by quintile

    @property
    def overdue(self) -> float:
        """Days silent over the usual interval (a day at least)."""
        return self.days_silent / max(self.usual_days, 1.0)

    @property
    def at_risk(self) -> bool:
        """Silent at least twice as long as usual, and at least 30 days."""
        return self.overdue >= OVERDUE_FACTOR and self.days_silent >= MIN_SILENT_DAYS


def regular_customers(session: Session, as_of: date, owner: str | None = None) -> list[Customer]:
    """Every visible customer with three or more purchases up to ``as_of``, scored."""
    period = Period(as_of - timedelta(days=364), as_of)
    year_ago, end = period.bounds()
    params: dict[str, object] = {
        "end": end,
        "year_ago": year_ago,
        "currency": main_currency(session),
        "min_purchases": MIN_PURCHASES,
    }
    params.update(owner_params(owner))
    rows = session.execute(text(_CUSTOMERS.format(contacts=contacts_clause(owner))), params).all()
    recency = _scores([-silent for _, _, _, silent, *_ in rows])
    frequency = _scores([row[6] for row in rows])
    monetary = _scores([row[7] for row in rows])
    return [
        Customer(
            contact_id,
            name,
            parse_utc(last),
            days_silent=silent,
            usual_days=usual,
            frequency=bought,
            spend=spend,
            # Spend over their active span plus one usual gap, a year at least.
            value_a_year=total * 365 / max(365.0, span + usual),
            scores=(r, f, m),
        )
        for (contact_id, name, last, silent, span, usual, bought, spend, total), r, f, m in zip(
            rows, recency, frequency, monetary, strict=True
        )
    ]


def at_risk_contacts(session: Session, today: date, owner: str | None = None) -> list[str]:
    """Ids of the customers at risk today, the most valuable first."""
    customers = regular_customers(session, today, owner)
    return [c.contact_id for c in _by_value([c for c in customers if c.at_risk])]


def _scores(values: Sequence[float]) -> list[int]:
    """1-5 by quintile: the share of customers below a value decides its score
    (equal values share a score; the lowest get 1)."""
    ordered = sorted(values)
    count = len(ordered)
    return [1 + 5 * bisect_left(ordered, value) // count for value in values]


def _by_value(customers: Sequence[Customer]) -> list[Customer]:
    return sorted(customers, key=lambda c: (-c.value_a_year, c.name, c.contact_id))


def run(session: Session, query: ReportQuery) -> ReportResult:
    """The customers at risk as of the end of the period, the most valuable first."""
    currency = main_currency(session)
    customers = regular_customers(session, query.period.end or query.today, query.owner)
    at_risk = _by_value([c for c in customers if c.at_risk])
    unit = 10 ** currency_exponent(currency)
    rows = tuple(
        (
            c.name,
            c.last_purchase.astimezone().date().isoformat(),
            int(c.days_silent),
            round(c.usual_days),
            round(c.overdue, 1),
            c.frequency,
            round(c.spend / unit, 2),
            round(c.value_a_year / unit, 2),
            *c.scores,
        )
        for c in at_risk
    )
    columns = (
        "customer",
        "last purchase",
        "days silent",
        "usual interval (days)",
        "overdue factor",
        "purchases (12 months)",
        f"spend (12 months, {currency})",
        f"value a year ({currency})",
        "R",
        "F",
        "M",
    )
    bands = _overdue_bands(customers, unit)
    return ReportResult(
        name=SPEC.name,
        title=SPEC.title,
        period=query.period,
        tables=(
            Table("Customers at risk", columns, rows),
            Table(
                "Regular customers by how overdue they are",
                ("silent for", "customers", "at risk", f"value a year ({currency})"),
                bands,
            ),
        ),
        chart=Chart(
            "bar",
            tuple(str(band[0]) for band in bands),
            (Series("customers", tuple(float(band[1]) for band in bands)),),
            "customers",
        )
        if customers
        else None,
        findings=_findings(customers, at_risk, currency),
    )


def _overdue_bands(
    customers: Sequence[Customer], unit: int
) -> tuple[tuple[str, int, int, float], ...]:
    """Customers, those at risk, and their value a year, per overdue band."""
    rows = []
    for index, (least, label) in enumerate(OVERDUE_BANDS):
        upper = OVERDUE_BANDS[index + 1][0] if index + 1 < len(OVERDUE_BANDS) else float("inf")
        inside = [c for c in customers if least <= c.overdue < upper]
        rows.append(
            (
                label,
                len(inside),
                sum(c.at_risk for c in inside),
                round(sum(c.value_a_year for c in inside) / unit, 2),
            )
        )
    return tuple(rows)


def _findings(
    customers: Sequence[Customer], at_risk: Sequence[Customer], currency: str
) -> tuple[str, ...]:
    if not customers:
        return ("No customer has made three purchases yet, so there is no rhythm to compare.",)
    if not at_risk:
        return (
            f"No regular customer (three or more purchases; {len(customers):,} in all) "
            "has gone quiet for twice their usual interval.",
        )
    worth = whole_money(sum(c.value_a_year for c in at_risk), currency)
    verb = "has" if len(at_risk) == 1 else "have"
    top = at_risk[0]
    return (
        f"{len(at_risk):,} of {len(customers):,} regular customers (three or more purchases) "
        f"{verb} gone quiet: worth {worth} a year, silent at least twice their usual "
        "interval between purchases.",
        f"The most valuable is {top.name} ({whole_money(top.value_a_year, currency)} a year), "
        f"silent {int(top.days_silent)} days against a usual {round(top.usual_days)}.",
    )


SPEC = ReportSpec(
    name="risk",
    title="Customers at risk",
    description="Regular customers (three or more purchases) who have been silent at least "
    "twice as long as usual, with recency, frequency and spend scored 1-5 (RFM).",
    run=run,
)
