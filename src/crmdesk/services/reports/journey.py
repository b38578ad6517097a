"""The customer journey: contacts at each lifecycle stage now, how many of those
who reached a stage in the period went on to the next, and how long it took;
in total or per source, with the stage entries per month or week.

A contact "moved on" from a stage when their history later shows any stage
further along the funnel (lead, prospect, customer, repeat customer): a lead
who bought at once converted to prospect too. Each contact counts from the
first time they reached a stage.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.stages import Stage
from crmdesk.services.reports.base import (
    Cell,
    Chart,
    ReportQuery,
    ReportResult,
    ReportSpec,
    Series,
    Table,
)
from crmdesk.services.reports.buckets import bucket_ranges, ranges_sql

STAGES = tuple(Stage)
FUNNEL = (Stage.LEAD, Stage.PROSPECT, Stage.CUSTOMER, Stage.REPEAT)
#: Steps measured: (from stage, the stages that count as having moved on, its name).
STEPS = (
    (0, (1, 2, 3), "lead → prospect"),
    (1, (2, 3), "prospect → customer"),
    (2, (3,), "customer → repeat"),
    (0, (2, 3), "lead → customer"),
)
#: Smallest group a per-source finding is drawn from, and the |z| it needs.
MIN_GROUP = 20
SURE = 3.0  # the best of several sources is picked, so a stricter bar than 2


class Step:
    """Who reached a stage in the period, who moved on, and after how many days."""

    def __init__(self) -> None:
        self.entered = 0
        self.moved = 0
        self.days: dict[int, int] = {}  # days taken -> how many contacts took them

    def add(self, days: int | None, count: int) -> None:
        """``count`` contacts who moved on after ``days`` (None: not yet)."""
        self.entered += count
        if days is not None:
            self.moved += count
            self.days[max(days, 0)] = self.days.get(max(days, 0), 0) + count

    def rate(self) -> float | None:
        """Share that moved on, in %."""
        return None if not self.entered else self.moved / self.entered * 100

    def median_days(self) -> float | None:
        """Median days taken by those who moved on."""
        if not self.moved:
            return None
        seen, middle = 0, []
        for days in sorted(self.days):
            before = seen
            seen += self.days[days]
            # the one or two middle positions (0-based) of the sorted list
            middle += [
                days for pos in {(self.moved - 1) // 2, self.moved // 2} if before <= pos < seen
            ]
        return sum(middle) / len(middle)


def run(session: Session, query: ReportQuery) -> ReportResult:
    """Stage counts now, conversion between stages, and entries per month or week."""
    per_source = query.by == "source"
    steps = _steps(session, query, per_source)
    entries_table, entries_chart = _entries(session, query)
    if per_source:
        table = _source_table(steps)
        chart = Chart(
            "bar",
            tuple(str(row[0]) for row in table.rows),
            tuple(
                Series(name, tuple(_num(steps[g][k].rate()) for g in sorted(steps)))
                for k, (_, _, name) in enumerate(STEPS)
            ),
            "% who moved on",
        )
        findings = _source_findings(steps)
        tables = (table, entries_table)
    else:
        total = steps.get("", {})
        table = _stage_table(session, query, total)
        chart = entries_chart
        findings = _total_findings(total)
        tables = (table, entries_table)
    return ReportResult(SPEC.name, SPEC.title, query.period, tables, chart, tuple(findings))


def _num(value: float | None) -> float:
    return 0.0 if value is None else round(value, 1)


def _steps(session: Session, query: ReportQuery, per_source: bool) -> dict[str, dict[int, Step]]:
    """Per source ('' when not split): each step of :data:`STEPS` for the period's entrants."""
    start, end = query.period.bounds()
    firsts = ", ".join(
        f"min(CASE WHEN h.to_stage = '{stage.value}' THEN h.changed_at END) AS t{n}"
        for n, stage in enumerate(FUNNEL)
    )
    parts = []
    for k, (first, later, _) in enumerate(STEPS):
        nxt = ", ".join(f"CASE WHEN t{j} > t{first} THEN t{j} ELSE '~' END" for j in later)
        nxt = f"min({nxt}, '~')"  # min() of one argument would aggregate
        parts.append(
            f"SELECT {k} AS step, g, CAST(julianday(NULLIF({nxt}, '~')) - julianday(t{first}) "
            f"AS INTEGER) AS days FROM p WHERE t{first} >= :start AND t{first} < :end"
        )
    group = "c.source" if per_source else "''"
    # Every contact's history in contact order (no sort), kept when it changed in
    # the period; then the contact, for its source and whether it is live.
    sql = (
        f"WITH p AS MATERIALIZED (SELECT {group} AS g, f.* FROM "
        f"(SELECT h.contact_id AS id, {firsts} "
        "FROM stage_history h INDEXED BY ix_stage_history_contact_stage GROUP BY h.contact_id "
        "HAVING max(h.changed_at >= :start AND h.changed_at < :end)) f "
        "JOIN contacts c INDEXED BY ix_contacts_live_id ON c.id = f.id "
        f"WHERE c.deleted_at IS NULL{query.visible_sql('c.id')}) "
        f"SELECT step, g, days, count(*) FROM ({' UNION ALL '.join(parts)}) "
        "GROUP BY step, g, days"
    )
    rows = session.execute(text(sql), {"start": start, "end": end, **query.params()}).all()
    out: dict[str, dict[int, Step]] = defaultdict(lambda: {k: Step() for k in range(len(STEPS))})
    for k, g, days, count in rows:
        out[g or ""][k].add(days, count)
    return dict(out)


def _stage_table(session: Session, query: ReportQuery, steps: dict[int, Step]) -> Table:
    """One row per lifecycle stage: contacts there now, and the step on from it."""
    now = dict(
        session.execute(
            text(
                "SELECT stage, count(*) FROM contacts WHERE deleted_at IS NULL"
                f"{query.visible_sql('id')} GROUP BY stage"
            ),
            query.params(),
        ).all()
    )
    by_first = {first: steps.get(k, Step()) for k, (first, _, _) in enumerate(STEPS[:3])}
    rows: list[tuple[Cell, ...]] = []
    for stage in STAGES:
        step = by_first.get(FUNNEL.index(stage)) if stage in FUNNEL else None
        rows.append(
            (
                stage.label,
                now.get(stage.value, 0),
                step.entered if step else None,
                step.moved if step else None,
                _round(step.rate()) if step else None,
                step.median_days() if step else None,
            )
        )
    columns = ("stage", "now", "reached in period", "moved on", "moved on %", "median days")
    return Table("Customer journey", columns, tuple(rows))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _source_table(steps: dict[str, dict[int, Step]]) -> Table:
    """One row per source: leads, and each step's conversion."""
    rows: list[tuple[Cell, ...]] = []
    for source in sorted(steps):
        s = steps[source]
        rows.append(
            (
                source or "(no source)",
                s[0].entered,
                *(_round(s[k].rate()) for k in range(len(STEPS))),
                s[3].median_days(),
            )
        )
    columns = ("source", "leads", *(f"{name} %" for _, _, name in STEPS), "median days to customer")
    return Table("Customer journey by source", columns, tuple(rows))


def _entries(session: Session, query: ReportQuery) -> tuple[Table, Chart]:
    """How many contacts reached each stage, per month or week of the period."""
    buckets = bucket_ranges(query.period, query.every)
    cte, params = ranges_sql(buckets)
    rows = session.execute(
        text(
            f"WITH {cte} SELECT b.i, h.to_stage, count(*) FROM b JOIN stage_history h "
            f"ON h.changed_at >= b.lo AND h.changed_at < b.hi{query.visible_sql('h.contact_id')} "
            "GROUP BY b.i, h.to_stage"
        ),
        {**params, **query.params()},
    ).all()
    counts = {(i, stage): n for i, stage, n in rows}
    labels = tuple(b.label for b in buckets)
    table_rows = tuple(
        (label, *(counts.get((i, s.value), 0) for s in STAGES)) for i, label in enumerate(labels)
    )
    series = tuple(
        Series(s.label, tuple(float(counts.get((i, s.value), 0)) for i in range(len(labels))))
        for s in STAGES
    )
    table = Table(
        f"Stage reached per {query.every}", ("period", *(s.label for s in STAGES)), table_rows
    )
    return table, Chart("stacked_bar", labels, series, "contacts")


def _total_findings(steps: dict[int, Step]) -> list[str]:
    if not steps or not steps[0].entered:
        return ["No new leads in the period."]
    leads, won = steps[0], steps[3]
    findings = [
        f"Of {leads.entered:,} new leads, {leads.rate():.0f}% became prospects and "
        f"{won.rate():.0f}% customers"
        + (f" (median {won.median_days():.0f} days from lead to customer)." if won.moved else ".")
    ]
    measured = [(steps[k].rate(), name) for k, (_, _, name) in enumerate(STEPS[:3])]
    known = [(rate, name) for rate, name in measured if rate is not None and steps[0].entered]
    if known:
        rate, name = min(known)
        findings.append(f"The weakest step is {name}: {rate:.0f}% move on.")
    return findings


def _source_findings(steps: dict[str, dict[int, Step]]) -> list[str]:
    """The source whose leads become customers most differently from the rest, if clear."""
    won = {g: s[3] for g, s in steps.items()}
    entered = sum(s.entered for s in won.values())
    moved = sum(s.moved for s in won.values())
    best: tuple[float, str] | None = None
    for source, step in won.items():
        rest_n, rest_moved = entered - step.entered, moved - step.moved
        if step.entered < MIN_GROUP or rest_n < MIN_GROUP:
            continue
        z = _two_proportions(step.moved, step.entered, rest_moved, rest_n)
        if abs(z) >= SURE and (best is None or abs(z) > abs(best[0])):
            best = (z, source)
    if best is None:
        return ["No source's leads become customers clearly more or less often than the rest."]
    source = best[1]
    step = won[source]
    rest_rate = (moved - step.moved) / (entered - step.entered) * 100
    rate = step.rate() or 0.0
    ratio = f"{rate / rest_rate:.1f}× as often as" if rest_rate else "more often than"
    if best[0] < 0:
        ratio = "less often than"
    return [
        f"Leads from {source or '(no source)'} become customers {ratio} the rest "
        f"({rate:.0f}% against {rest_rate:.0f}%, n={step.entered:,})."
    ]


def _two_proportions(x1: int, n1: int, x2: int, n2: int) -> float:
    """z of the difference between x1/n1 and x2/n2 (pooled standard error)."""
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 0.0 if spread == 0 else (x1 / n1 - x2 / n2) / spread


SPEC = ReportSpec(
    name="journey",
    title="Customer journey",
    description="Contacts at each lifecycle stage, how many move on to the next stage "
    "and how long it takes, in total or per source.",
    run=run,
    groupings=("total", "source"),
    intervals=("month", "week"),
)
