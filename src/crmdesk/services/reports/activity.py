"""Activity volume: how many calls, meetings, e-mails... were logged, per month or week."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.stages import ActivityKind
from crmdesk.services.reports.base import (
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.buckets import bucket_ranges, per_bucket_sql


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Activities counted per kind and per month (or week) of the period."""
    buckets = bucket_ranges(query.period, query.every)
    every_kind = sorted(kind.value for kind in ActivityKind)
    sql, params = per_bucket_sql(
        buckets,
        ", ".join(f"count(CASE WHEN a.kind = '{kind}' THEN 1 END)" for kind in every_kind),
        "FROM activities a INDEXED BY ix_activities_live_time WHERE a.deleted_at IS NULL"
        f"{query.visible_sql('a.contact_id')}",
        "a.occurred_at",
    )
    found = session.execute(text(sql), {**params, **query.params()}).all()
    labels = tuple(b.label for b in buckets)
    rows = [
        (labels[i], kind, n)
        for i, *counted in found
        for kind, n in zip(every_kind, counted, strict=True)
        if n
    ]
    kinds = sorted({kind for _, kind, _ in rows})
    counts = {(bucket, kind): n for bucket, kind, n in rows}
    table_rows = tuple(
        (
            label,
            *(counts.get((label, kind), 0) for kind in kinds),
            sum(counts.get((label, k), 0) for k in kinds),
        )
        for label in labels
    )
    series = tuple(
        Series(kind, tuple(float(counts.get((label, kind), 0)) for label in labels))
        for kind in kinds
    )
    total = sum(n for *_, n in rows)
    return ReportResult(
        name=SPEC.name,
        title=SPEC.title,
        period=query.period,
        tables=(Table("Activities logged", ("period", *kinds, "total"), table_rows),),
        chart=Chart("stacked_bar", labels, series, "activities") if kinds else None,
        findings=(f"{total:,} activities logged in the period.",),
    )


SPEC = ReportSpec(
    name="activity",
    title="Activity volume",
    description="How many calls, meetings, e-mails and other activities were logged.",
    run=run,
    intervals=("month", "week"),
)
