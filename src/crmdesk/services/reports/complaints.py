"""Complaints: how many are open, how fast they are resolved, who complains
again and again, and whether customers buy less after complaining.

The effect on purchases compares, over the complaints of the period that have
90 days behind them (from customers known for half a year or more), the
purchases per 90 days in the 90 days after with those in the year before (or
since the contact's first record). A complaint usually follows the purchase it
is about, which would make the "before" look busier than it was: so the year
before ends at the last purchase before the complaint, itself not counted.
(Going back from the complaint, the purchases before that last one are as
random as any others.) On data without an effect the two rates agree, for
customers who buy like clockwork and for those who buy at random alike.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import mean

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services.periods import Period
from crmdesk.services.reports.base import (
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.buckets import bucket_labels, bucket_sql
from crmdesk.services.reports.differences import MIN_GROUP, median, rate_z
from crmdesk.services.reports.scope import (
    contact_ids_clause,
    contacts_clause,
    display_names,
    owner_params,
)
from crmdesk.store.types import parse_utc

AFTER_DAYS = 90
BEFORE_DAYS = 365
#: A complaint counts for the effect when its contact was known this many days before.
MIN_HISTORY_DAYS = 180
REPEAT_COMPLAINTS = 2
#: The |z| a change in purchases must reach: stricter than the usual 2, as
#: customers drift away on their own too and a report should not blame that on
#: complaints when it is only just out of the noise.
CLEAR_Z = 3.0
#: A stored UTC moment moved by some days, still in the stored text format.
_SHIFTED = "strftime('%Y-%m-%dT%H:%M:%fZ', {column}, '{days:+d} days')"
_COMPLAINTS = (
    "FROM activities a INDEXED BY ix_activities_complaints "
    "WHERE a.kind = 'complaint' AND a.deleted_at IS NULL AND {contacts}"
)
_PURCHASES = (
    "SELECT count(*) FROM activities p WHERE p.contact_id = q.contact_id "
    "AND p.kind = 'purchase' AND p.deleted_at IS NULL AND p.occurred_at {range}"
)
# Per complaint with 90 days behind it, from a contact who had bought before
# and was known for at least MIN_HISTORY_DAYS: the year before it (from the
# contact's first record at most) up to the last purchase before it, and the
# 90 days after it. Neither end's purchase is counted: a purchase that opens
# the contact's history or comes just before the complaint is certain to be
# there, and would make the "before" look busier than it was.
_AROUND = """
WITH q AS (
    SELECT a.contact_id, a.occurred_at AS at,
           max({year_before}, min(c.created_at, (SELECT min(f.occurred_at)
               FROM activities f WHERE f.contact_id = a.contact_id))) AS since,
           (SELECT max(p.occurred_at) FROM activities p WHERE p.contact_id = a.contact_id
            AND p.kind = 'purchase' AND p.deleted_at IS NULL AND p.occurred_at < a.occurred_at)
               AS last_bought
    FROM activities a INDEXED BY ix_activities_complaints JOIN contacts c ON c.id = a.contact_id
    WHERE a.kind = 'complaint' AND a.deleted_at IS NULL AND {contacts}
        AND a.occurred_at >= :start AND a.occurred_at < :end AND a.occurred_at < :observed
), w AS (
    SELECT contact_id, at, since,
           CASE WHEN last_bought > since THEN last_bought ELSE at END AS upto
    FROM q WHERE last_bought IS NOT NULL AND since <= {history_start}
)
SELECT count(*), coalesce(sum(({before})), 0),
       coalesce(sum(julianday(upto) - julianday(since)), 0), coalesce(sum(({after})), 0)
FROM w q
"""


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Complaints opened and resolved per month (or week), open ones, repeat complainers."""
    start, end = query.period.bounds()
    params: dict[str, object] = {"start": start, "end": end, **owner_params(query.owner)}
    complaints = _COMPLAINTS.format(contacts=contact_ids_clause(query.owner, "a.contact_id"))
    labels = bucket_labels(query.period, query.every)
    opened, resolved = _per_bucket(session, query, complaints, params)
    rows = tuple(
        (
            label,
            opened.get(label, 0),
            len(resolved[label]),
            _rounded(median(resolved[label])),
        )
        for label in labels
    )
    all_days = [d for days in resolved.values() for d in days]
    open_now = _open_now(session, complaints, params)
    repeat = _repeat_complainers(session, query, complaints, params)
    effect, effect_findings = _effect_on_purchases(session, query, params)
    summary = (
        ("open now", open_now[0]),
        ("oldest open (days)", open_now[1]),
        ("opened in the period", sum(opened.values())),
        ("resolved in the period", len(all_days)),
        ("average days to resolve", _rounded(mean(all_days)) if all_days else None),
        ("median days to resolve", _rounded(median(all_days))),
        ("repeat complainers (12 months)", len(repeat.rows)),
    )
    return ReportResult(
        name=SPEC.name,
        title=SPEC.title,
        period=query.period,
        tables=(
            Table(
                "Complaints opened and resolved",
                (query.every, "opened", "resolved", "median days to resolve"),
                rows,
            ),
            Table("Complaints at a glance", ("measure", "value"), summary),
            repeat,
            effect,
        ),
        chart=Chart(
            "bar",
            labels,
            (
                Series("opened", tuple(float(opened.get(label, 0)) for label in labels)),
                Series("resolved", tuple(float(len(resolved[label])) for label in labels)),
            ),
            "complaints",
        ),
        findings=(
            _resolution_finding(open_now, all_days),
            *_repeat_finding(repeat),
            *effect_findings,
        ),
    )


def _per_bucket(
    session: Session, query: ReportQuery, complaints: str, params: dict[str, object]
) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Complaints opened per month (or week), and the days each one resolved then took."""
    opened: dict[str, int] = {
        bucket: count
        for bucket, count in session.execute(
            text(
                f"SELECT {bucket_sql(query.every, 'a.occurred_at')} AS bucket, count(*) "
                f"{complaints} AND a.occurred_at >= :start AND a.occurred_at < :end "
                "GROUP BY bucket"
            ),
            params,
        )
    }
    resolved: dict[str, list[float]] = defaultdict(list)
    for bucket, days in session.execute(
        text(
            f"SELECT {bucket_sql(query.every, 'a.resolved_at')}, "
            f"julianday(a.resolved_at) - julianday(a.occurred_at) {complaints} "
            "AND a.status = 'resolved' AND a.resolved_at >= :start AND a.resolved_at < :end"
        ),
        params,
    ):
        resolved[bucket].append(max(0.0, days))
    return opened, resolved


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _open_now(session: Session, complaints: str, params: dict[str, object]) -> tuple[int, int]:
    """How many complaints are open or in progress, and how many days the oldest has waited."""
    count, oldest = session.execute(
        text(
            "SELECT count(*), julianday('now') - julianday(min(a.occurred_at)) "
            f"{complaints} AND a.status IN ('open', 'in_progress')"
        ),
        params,
    ).one()
    return count, int(oldest or 0)


def _repeat_complainers(
    session: Session, query: ReportQuery, complaints: str, params: dict[str, object]
) -> Table:
    """Contacts with two or more complaints in the twelve months up to the period's end."""
    end_day = query.period.end or query.today
    year_ago, _ = Period(end_day - timedelta(days=364), end_day).bounds()
    found = session.execute(
        text(
            "SELECT a.contact_id, count(*), sum(a.status IN ('open', 'in_progress')), "
            "max(a.occurred_at) "
            f"{complaints} AND a.occurred_at >= :year_ago AND a.occurred_at < :end "
            "GROUP BY a.contact_id HAVING count(*) >= :repeat"
        ),
        {**params, "year_ago": year_ago, "repeat": REPEAT_COMPLAINTS},
    ).all()
    names = display_names(session, [row[0] for row in found])
    rows = sorted(found, key=lambda row: names[row[0]])
    rows.sort(key=lambda row: (row[1], row[3]), reverse=True)  # most, then latest first
    return Table(
        "Repeat complainers (12 months)",
        ("customer", "complaints", "still open", "last complaint"),
        tuple(
            (names[contact_id], count, still_open, parse_utc(last).astimezone().date().isoformat())
            for contact_id, count, still_open, last in rows
        ),
    )


def _effect_on_purchases(
    session: Session, query: ReportQuery, params: dict[str, object]
) -> tuple[Table, tuple[str, ...]]:
    """Purchases per 90 days in the 90 days after a complaint and in those before it."""
    _, observed = Period(None, query.today - timedelta(days=AFTER_DAYS)).bounds()
    statement = _AROUND.format(
        contacts=contacts_clause(query.owner),
        year_before=_SHIFTED.format(column="a.occurred_at", days=-BEFORE_DAYS),
        history_start=_SHIFTED.format(column="at", days=-MIN_HISTORY_DAYS),
        before=_PURCHASES.format(range="> q.since AND p.occurred_at < q.upto"),
        after=_PURCHASES.format(
            range=f"> q.at AND p.occurred_at <= {_SHIFTED.format(column='q.at', days=AFTER_DAYS)}"
        ),
    )
    count, before, before_days, after = session.execute(
        text(statement), {**params, "observed": observed}
    ).one()
    after_days = count * AFTER_DAYS
    before_rate = before / before_days * AFTER_DAYS if before_days else None
    after_rate = after / count if count else None
    table = Table(
        "Purchases around complaints",
        ("window", "complaints", "purchases", "days observed", f"purchases per {AFTER_DAYS} days"),
        (
            (
                f"up to {BEFORE_DAYS} days before (to the last purchase)",
                count,
                before,
                round(before_days),
                _rounded(before_rate),
            ),
            (f"{AFTER_DAYS} days after", count, after, after_days, _rounded(after_rate)),
        ),
    )
    if count < MIN_GROUP or before_rate is None or after_rate is None:
        return table, (
            f"Too few complaints with {AFTER_DAYS} days behind them ({count}) to tell "
            f"whether customers buy less afterwards; {MIN_GROUP} are needed.",
        )
    z = rate_z(after, after_days, before, before_days)
    if abs(z) < CLEAR_Z:
        return table, (
            f"Customers bought about as often in the {AFTER_DAYS} days after a complaint "
            f"as before it (no clear change, n={count:,} complaints).",
        )
    change = (after_rate - before_rate) / before_rate if before_rate else 1.0
    direction = "less" if change < 0 else "more"
    return table, (
        f"In the {AFTER_DAYS} days after a complaint customers bought {abs(change):.0%} "
        f"{direction} often than before ({after_rate:.2f} against {before_rate:.2f} purchases "
        f"per {AFTER_DAYS} days, n={count:,} complaints).",
    )


def _resolution_finding(open_now: tuple[int, int], days: list[float]) -> str:
    if not open_now[0]:
        waiting = "No complaint is open."
    elif open_now[0] == 1:
        waiting = f"1 complaint is open; it has waited {open_now[1]} days."
    else:
        waiting = f"{open_now[0]:,} complaints are open; the oldest has waited {open_now[1]} days."
    if not days:
        return f"{waiting} None was resolved in the period."
    return (
        f"{waiting} Those resolved in the period took a median {median(days):.1f} days "
        f"(average {mean(days):.1f})."
    )


def _repeat_finding(repeat: Table) -> tuple[str, ...]:
    if not repeat.rows:
        return ()
    names = ", ".join(f"{row[0]} ({row[1]})" for row in repeat.rows[:3])
    more = f" and {len(repeat.rows) - 3:,} more" if len(repeat.rows) > 3 else ""
    who = "1 customer" if len(repeat.rows) == 1 else f"{len(repeat.rows):,} customers"
    return (f"{who} complained twice or more in 12 months: {names}{more}.",)


SPEC = ReportSpec(
    name="complaints",
    title="Complaints",
    description="Complaints opened and resolved, days to resolve, repeat complainers, "
    "and whether customers buy less after complaining.",
    run=run,
    intervals=("month", "week"),
)
