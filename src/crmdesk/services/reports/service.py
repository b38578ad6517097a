"""Running reports for the acting user, and saving them as CSV or JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.permissions import EXPORT, VIEW
from crmdesk.errors import NotFound, ValidationError
from crmdesk.interchange.csv_format import CsvOptions
from crmdesk.interchange.csv_writer import CsvWriter
from crmdesk.services.context import Context
from crmdesk.services.periods import Period, last_months
from crmdesk.services.permissions import require
from crmdesk.services.reports import SPECS
from crmdesk.services.reports.base import Cell, ReportQuery, ReportResult, ReportSpec
from crmdesk.services.visibility import owner_scope
from crmdesk.store.files import write_atomically


class ReportService:
    """The reports one user may run, over one database."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def specs(self) -> tuple[ReportSpec, ...]:
        """Every report, in display order."""
        return tuple(SPECS.values())

    def spec(self, name: str) -> ReportSpec:
        """The report called ``name``."""
        try:
            return SPECS[name]
        except KeyError:
            known = ", ".join(SPECS)
            raise NotFound(f"There is no report called {name!r}; choose one of {known}.") from None

    def run(
        self,
        name: str,
        period: Period | None = None,
        *,
        by: str = "",
        every: str = "",
        today: date | None = None,
    ) -> ReportResult:
        """Run one report; an open start means twelve months back from the end."""
        spec = self.spec(name)
        today = today or date.today()
        by = _choice(by, spec.groupings, "by")
        every = _choice(every, spec.intervals, "every")
        with self._ctx.read() as session:
            require(session, self._ctx.actor_id, VIEW)
            owner = owner_scope(session, self._ctx.actor_id)
            query = ReportQuery(
                whole_period(period, today), by=by, every=every, today=today, owner=owner
            )
            with _large_page_cache(session):
                return spec.run(session, query)

    @contextmanager
    def saving(self, result: ReportResult, path: Path, format: str) -> Iterator[None]:
        """Check the export right, let the caller write ``path``, then audit it.

        Every saved report is recorded like any export (who, when, which report
        and period, how many rows, where); a failed write records nothing.
        """
        with self._ctx.read() as session:
            require(session, self._ctx.actor_id, EXPORT)
        yield
        rows = sum(len(t.rows) for t in result.tables)
        with self._ctx.write() as uow:
            uow.record(
                "export",
                "report",
                None,
                f"report {result.name} ({rows:,} rows) to {path.name}",
                {
                    "kind": "report",
                    "report": result.name,
                    "format": format,
                    "rows": rows,
                    "from": result.period.start.isoformat() if result.period.start else None,
                    "to": result.period.end.isoformat() if result.period.end else None,
                    "file": str(path),
                },
            )

    def save_csv(self, result: ReportResult, path: Path, options: CsvOptions | None = None) -> int:
        """Write the main table of ``result`` to ``path``; returns the rows written."""
        table = result.tables[0]
        with self.saving(result, path, "csv"):
            out = io.BytesIO()
            writer = CsvWriter(out, table.columns, options or CsvOptions())
            writer.write_rows([tuple(map(_csv_cell, row)) for row in table.rows])
            write_atomically(path, out.getvalue())
        return len(table.rows)

    def save_json(self, result: ReportResult, path: Path) -> None:
        """Write all of ``result`` as JSON to ``path``."""
        with self.saving(result, path, "json"):
            body = json.dumps(result.as_json(), indent=2, ensure_ascii=False)
            write_atomically(path, body.encode("utf-8"))


#: The page cache (KiB) a report runs with: joins such as purchases to their order
#: lines land on random index pages, and with the usual 2 MB cache each landing
#: decrypts its page again (minutes over a million purchases, against seconds).
REPORT_CACHE_KIB = 256 * 1024


@contextmanager
def _large_page_cache(session: Session) -> Iterator[None]:
    """Let this connection cache up to :data:`REPORT_CACHE_KIB` of pages, then give it back."""
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{REPORT_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before or -2000)}"))


def whole_period(period: Period | None, today: date) -> Period:
    """``period`` with open ends closed: twelve months back, up to today."""
    end = period.end if period and period.end else today
    start = period.start if period and period.start else last_months(end).start
    return Period(start, end)


def _csv_cell(value: Cell) -> object:
    """Floats as plain decimals (CsvWriter formats Decimal in the chosen style)."""
    if isinstance(value, float):
        return Decimal(f"{value:.4f}").normalize() + 0
    return value


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if not allowed:
        return ""
    if not value:
        return allowed[0]
    if value not in allowed:
        raise ValidationError(
            f"--{option} must be one of {', '.join(allowed)}, not {value!r}.", option
        )
    return value
