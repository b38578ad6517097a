"""What every report returns, and how one is asked for.

A report is a pure function of a read session and a :class:`ReportQuery`
that returns a :class:`ReportResult`: one or more tables, an optional chart
description and plain-language findings. The CLI prints or saves it, the GUI
draws the chart with Qt; neither knows how a particular report is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from crmdesk.services.periods import Period

Cell = str | int | float | None

#: Chart kinds the GUI knows how to draw.
CHART_KINDS = ("line", "bar", "stacked_bar")


@dataclass(frozen=True)
class Table:
    """A titled table; ``columns`` name the cells of each row, in order."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: a value per category of its chart."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """What to draw: categories along the x axis, one or more series over them."""

    kind: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        for one in self.series:
            if len(one.values) != len(self.categories):
                raise ValueError(f"series {one.name!r} does not match the categories")


@dataclass(frozen=True)
class ReportQuery:
    """The period and the choices a report is run with.

    ``owner`` is the user whose contacts alone the report may count (the
    acting user under "own records only", see services/visibility.py), or
    None when every contact counts.
    :meth:`visible_sql` is the SQL condition for it.
    """

    period: Period
    by: str = ""
    every: str = ""
    today: date = field(default_factory=date.today)
    owner: str | None = None

    def visible_sql(self, contact_column: str) -> str:
        """`` AND ...`` keeping rows whose contact the user may see ('' when all);
        binds ``:owner``, so pass :meth:`params` too."""
        if self.owner is None:
            return ""
        return (
            f" AND {contact_column} IN (SELECT id FROM contacts "
            "WHERE owner_id = :owner OR owner_id IS NULL)"
        )

    def params(self) -> dict[str, str]:
        """Bound parameters :meth:`visible_sql` needs."""
        return {} if self.owner is None else {"owner": self.owner}


@dataclass(frozen=True)
class ReportResult:
    """A finished report: tables (the first is the main one), chart, findings."""

    name: str
    title: str
    period: Period
    tables: tuple[Table, ...]
    chart: Chart | None = None
    findings: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--json``."""
        return {
            "report": self.name,
            "title": self.title,
            "from": self.period.start.isoformat() if self.period.start else None,
            "to": self.period.end.isoformat() if self.period.end else None,
            "findings": list(self.findings),
            "tables": [
                {"title": t.title, "columns": list(t.columns), "rows": [list(r) for r in t.rows]}
                for t in self.tables
            ],
            "chart": None
            if self.chart is None
            else {
                "kind": self.chart.kind,
                "categories": list(self.chart.categories),
                "series": {s.name: list(s.values) for s in self.chart.series},
                "y_label": self.chart.y_label,
            },
        }


@dataclass(frozen=True)
class ReportSpec:
    """A report's name, what it shows, the choices it offers, and how it runs.

    ``groupings`` and ``intervals`` list the accepted values of
    :attr:`ReportQuery.by` and :attr:`ReportQuery.every`; the first of each is
    the default. An empty tuple means the report has no such choice.
    """

    name: str
    title: str
    description: str
    run: Callable[[Session, ReportQuery], ReportResult]
    groupings: tuple[str, ...] = ()
    intervals: tuple[str, ...] = ()
