"""Customers at risk: regular buyers whose silence is far longer than their own rhythm.

For every customer with at least three purchases up to the end of the period:
recency (days since the last purchase), frequency and monetary value (purchases
and spend in the last twelve months), scored 1-5 by quintile (RFM), and their
usual interval (the median gap between their purchases). A customer is at risk
when the days silent are at least twice the usual interval and at least 30.
One pass over a covering index of the purchases gathers each customer's
purchase times, so the report stays fast on millions of activities.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from statistics import median

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
from crmdesk.services.reports.scope import (
    contact_ids_clause,
    display_names,
    main_currency,
    owner_params,
    whole_money,
)

MIN_PURCHASES = 3
DAY = 86_400.0
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

# Per customer with three purchases or more: when they bought, and their spend
# (all of it, and the last twelve months'), in the database's currency. The
# covering index hands over the purchases customer by customer, so the GROUP BY
# needs no sort and no activities or contacts row is read; the gaps and their
# median are worked out in Python for these customers only. (A LAG window over
# every purchase, then a sort by customer and gap for the median, took twice
# the CPU of this whole report on a million activities.)
_CUSTOMERS = """
SELECT contact_id, group_concat(occurred_at),
       sum(CASE WHEN currency = :currency THEN amount_minor ELSE 0 END),
       sum(CASE WHEN currency = :currency AND occurred_at >= :year_ago
           THEN amount_minor ELSE 0 END)
FROM activities INDEXED BY ix_activities_purchases
WHERE kind = 'purchase' AND deleted_at IS NULL AND occurred_at < :end AND {contacts}
GROUP BY contact_id HAVING count(*) >= :min_purchases
"""


@dataclass(frozen=True, slots=True)
class Customer:
    """One regular customer's rhythm and value, as of the end of the period."""

    contact_id: str
    last_purchase: datetime
    days_silent: float
    usual_days: float
    overdue: float  # days silent over the usual interval (a day at least)
    frequency: int
    spend: int
    value_a_year: float
    scores: tuple[int, int, int]  # recency, frequency, monetary: 1-5 by quintile

    @property
    def at_risk(self) -> bool:
        """Silent at least twice as long as usual, and at least 30 days."""
        return self.overdue >= OVERDUE_FACTOR and self.days_silent >= MIN_SILENT_DAYS


def regular_customers(session: Session, as_of: date, owner: str | None = None) -> list[Customer]:
    """Every visible customer with three or more purchases up to ``as_of``, scored."""
    year_ago, end = Period(as_of - timedelta(days=364), as_of).bounds()
    assert year_ago is not None and end is not None
    params: dict[str, object] = {
        "end": end,
        "year_ago": year_ago,
        "currency": main_currency(session),
        "min_purchases": MIN_PURCHASES,
        **owner_params(owner),
    }
    contacts = contact_ids_clause(owner, "contact_id")
    raw = session.connection().connection.dbapi_connection  # no per-row wrapping
    assert raw is not None
    rows = raw.execute(_CUSTOMERS.format(contacts=contacts), params)
    end_at = datetime.fromisoformat(end).timestamp()
    found = [(row, _rhythm(row[1].split(","), end_at, year_ago)) for row in rows]
    recency = _scores([-rhythm[0] for _, rhythm in found])
    frequency = _scores([rhythm[3] for _, rhythm in found])
    monetary = _scores([row[3] for row, _ in found])
    customers = []
    for ((contact_id, _, total, spend), rhythm), r, f, m in zip(
        found, recency, frequency, monetary, strict=True
    ):
        silent, span, usual, recent, last = rhythm
        customers.append(
            Customer(
                contact_id,
                datetime.fromtimestamp(last, UTC),
                days_silent=silent,
                usual_days=usual,
                overdue=silent / max(usual, 1.0),
                frequency=recent,
                spend=spend,
                # Spend over their active span plus one usual gap, a year at least.
                value_a_year=total * 365 / max(365.0, span + usual),
                scores=(r, f, m),
            )
        )
    return customers


def _rhythm(
    times: list[str], end_at: float, year_ago: str
) -> tuple[float, float, float, int, float]:
    """Days silent, days from first to last purchase, median gap in days,
    purchases since ``year_ago`` and the last purchase (epoch seconds), from
    purchase times (stored UTC text, any order)."""
    times.sort()
    moments = [datetime.fromisoformat(t).timestamp() for t in times]
    gaps = [(later - earlier) / DAY for earlier, later in pairwise(moments)]
    return (
        (end_at - moments[-1]) / DAY,
        (moments[-1] - moments[0]) / DAY,
        median(gaps),
        len(times) - bisect_left(times, year_ago),
        moments[-1],
    )


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
    return sorted(customers, key=lambda c: (-c.value_a_year, c.contact_id))


def run(session: Session, query: ReportQuery) -> ReportResult:
    """The customers at risk as of the end of the period, the most valuable first."""
    currency = main_currency(session)
    customers = regular_customers(session, query.period.end or query.today, query.owner)
    at_risk = _by_value([c for c in customers if c.at_risk])
    names = display_names(session, [c.contact_id for c in at_risk])
    unit = 10 ** currency_exponent(currency)
    rows = tuple(
        (
            names[c.contact_id],
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
        findings=_findings(customers, at_risk, names, currency),
    )


def _overdue_bands(
    customers: Sequence[Customer], unit: int
) -> tuple[tuple[str, int, int, float], ...]:
    """Customers, those at risk, and their value a year, per overdue band."""
    starts = [least for least, _ in OVERDUE_BANDS]
    counts = [0] * len(OVERDUE_BANDS)
    at_risk = [0] * len(OVERDUE_BANDS)
    values = [0.0] * len(OVERDUE_BANDS)
    for c in customers:
        band = bisect_right(starts, c.overdue) - 1
        counts[band] += 1
        at_risk[band] += c.at_risk
        values[band] += c.value_a_year
    return tuple(
        (label, counts[i], at_risk[i], round(values[i] / unit, 2))
        for i, (_, label) in enumerate(OVERDUE_BANDS)
    )


def _findings(
    customers: Sequence[Customer],
    at_risk: Sequence[Customer],
    names: dict[str, str],
    currency: str,
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
        f"The most valuable is {names[top.contact_id]} "
        f"({whole_money(top.value_a_year, currency)} a year), "
        f"silent {int(top.days_silent)} days against a usual {round(top.usual_days)}.",
    )


SPEC = ReportSpec(
    name="risk",
    title="Customers at risk",
    description="Regular customers (three or more purchases) who, on the last day of the "
    "period, have been silent at least twice as long as usual, with recency, frequency and "
    "spend scored 1-5 (RFM).",
    run=run,
)
