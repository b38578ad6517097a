"""Activity volume: how many calls, meetings, e-mails... were logged, per month or week."""

from __future__ import annotations

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
from crmdesk.services.reports.buckets import bucket_ranges, per_bucket_rows


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Activities counted per kind and per month (or week) of the period."""
    buckets = bucket_ranges(query.period, query.every)
    labels = tuple(b.label for b in buckets)
    rows = [
        (labels[i], kind.value, n)
        for kind in sorted(ActivityKind)
        for i, n in per_bucket_rows(
            session,
            buckets,
            "count(*)",
            "FROM activities a INDEXED BY ix_activities_live_kind_time "
            f"WHERE a.kind = '{kind.value}' AND a.deleted_at IS NULL"
            f"{query.visible_sql('a.contact_id')}",
            "a.occurred_at",
            query.params(),
        )
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
