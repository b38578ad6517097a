"""Exports for the accountant and other programs: CSV, vCard and iCalendar files.

An export reads one snapshot in keyset-paged batches (memory stays flat),
writes a temporary file beside the target and renames it into place only
when it is complete, in the same transaction as its audit entry. A
cancelled or failed export leaves no file, no half-file and no entry.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time as clock
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from crmdesk.domain.clock import utcnow
from crmdesk.domain.permissions import EXPORT
from crmdesk.errors import ExportError, ValidationError
from crmdesk.interchange import columns
from crmdesk.interchange.csv_format import CellFormatter, CsvOptions
from crmdesk.interchange.csv_writer import CsvWriter
from crmdesk.interchange.ics_writer import IcsWriter
from crmdesk.interchange.vcard_writer import VERSIONS, VCardWriter
from crmdesk.services import watermark
from crmdesk.services.context import Context
from crmdesk.services.export_parts import (
    NOT_SPLIT,
    PARALLEL_FROM,
    SPLIT_KINDS,
    Split,
    write_parts,
)
from crmdesk.services.export_queries import BATCH, ExportQueries
from crmdesk.services.periods import Period
from crmdesk.services.permissions import bulk_limit, require_rows
from crmdesk.services.visibility import owner_scope
from crmdesk.store.types import parse_utc

KINDS = tuple(columns.BY_KIND)
#: Which kinds each file format can hold.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": KINDS,
    "vcard": ("contacts", "companies"),
    "ics": ("followups",),
}
#: The date each kind's period applies to.
PERIOD_COLUMN = {
    "contacts": "created_at",
    "companies": "created_at",
    "activities": "occurred_at",
    "purchases": "date",
    "payments": "date",
    "followups": "due_at",
    "deals": "created_at",
}
PREVIEW_ROWS = 20

Report = Callable[[int, int], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ExportRequest:
    """What to export, where to, and how the file looks."""

    kind: str
    path: Path
    format: str = "csv"
    period: Period = field(default_factory=Period)
    csv: CsvOptions = field(default_factory=CsvOptions)
    vcard_version: str = "3.0"
    overwrite: bool = False
    limit: int | None = None  # at most this many rows: a sample
    contacts: tuple[str, ...] | None = None  # only these contacts and their rows
    selection: str = ""  # what ``contacts`` are, for the audit trail ("list 'VIP'")


@dataclass(frozen=True)
class ExportResult:
    """What was written (nothing when ``completed`` is False: it was cancelled)."""

    kind: str
    format: str
    path: str
    rows: int
    seconds: float
    completed: bool = True


@dataclass(frozen=True)
class Preview:
    """The first rows as their CSV cells would read (:meth:`ExportService.count` tells the rest)."""

    columns: tuple[str, ...]
    rows: list[list[str]]


class _Writer(Protocol):
    def write_rows(self, rows: Any) -> int: ...


def check_kind(kind: str, fmt: str = "csv") -> None:
    """Refuse an unknown kind or a format that cannot hold it."""
    if kind not in KINDS:
        raise ValidationError(f"'{kind}' is not something to export; use {', '.join(KINDS)}.")
    if fmt not in FORMATS:
        raise ValidationError(f"'{fmt}' is not an export format; use csv, vcard or ics.")
    if kind not in FORMATS[fmt]:
        raise ValidationError(
            f"{kind.capitalize()} cannot be exported as {fmt}; "
            f"{fmt} holds {' or '.join(FORMATS[fmt])}."
        )


class ExportService:
    """Writes export files and previews their first rows."""

    def __init__(self, ctx: Context, batch_size: int = BATCH) -> None:
        self.ctx = ctx
        self.batch_size = batch_size  # rows per query and per write

    def count(self, kind: str, period: Period | None = None) -> int:
        """How many rows an export of ``kind`` over ``period`` holds."""
        check_kind(kind)
        with self._queries(period or Period()) as queries:
            return queries.count(kind)

    def preview(
        self,
        kind: str,
        period: Period | None = None,
        options: CsvOptions | None = None,
        limit: int = PREVIEW_ROWS,
    ) -> Preview:
        """The first ``limit`` rows as CSV cells."""
        check_kind(kind)
        formatter = CellFormatter(options or CsvOptions())
        with self._queries(period or Period()) as queries:
            rows = [
                ["" if cell is None else str(cell) for cell in formatter.row(values)]
                for batch in queries.batches(kind, limit=limit, size=limit)
                for values in batch
            ]
        return Preview(columns.BY_KIND[kind], rows)

    def export(
        self,
        request: ExportRequest,
        progress: Report | None = None,
        cancelled: Cancelled | None = None,
    ) -> ExportResult:
        """Write the file; ``progress(done, total)`` after each batch.

        When ``cancelled()`` turns true the export stops after its current
        batch, removes its temporary file and returns ``completed=False``.
        """
        check_kind(request.kind, request.format)
        if request.limit is not None and request.limit < 1:
            raise ValidationError("Give a row limit above zero.", field="limit")
        if request.format == "vcard" and request.vcard_version not in VERSIONS:
            raise ValidationError(
                f"'{request.vcard_version}' is not a vCard version; use 3.0 or 4.0."
            )
        target = Path(request.path).expanduser().absolute()
        _check_target(target, request.overwrite)
        with self.ctx.read() as session:
            marked = watermark.enabled(session, self.ctx.actor_id)
        marker = (
            watermark.make_marker(self.ctx.region, _moment_in(request.period)) if marked else None
        )
        began = clock.perf_counter()
        try:
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
        except OSError as exc:
            raise ExportError(
                f"Could not write in {target.parent}: {exc.strerror or exc}."
            ) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as out:
                written = self._write(request, out, progress, cancelled, marker)
                if written is not None:
                    out.flush()
                    os.fsync(out.fileno())
            if written is None:
                tmp.unlink()
                return ExportResult(
                    request.kind, request.format, str(target), 0, _since(began), completed=False
                )
            rows, marked = written
            self._place(request, tmp, target, rows, marker if marked else None)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ExportError(f"Could not write {target}: {exc.strerror or exc}.") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ExportResult(request.kind, request.format, str(target), rows, _since(began))

    # -- internals -------------------------------------------------------

    @contextmanager
    def _queries(
        self, period: Period, contacts: tuple[str, ...] | None = None
    ) -> Iterator[ExportQueries]:
        """One read snapshot, queried through its raw connection (rows stay plain tuples)."""
        with self.ctx.read() as session:
            raw = session.connection().connection.dbapi_connection
            start, end = period.bounds()
            owner = owner_scope(session, self.ctx.actor_id)
            ids = None if contacts is None else json.dumps(contacts)
            yield ExportQueries(raw, self.ctx.currency, start, end, owner, contacts=ids)

    def _write(
        self,
        request: ExportRequest,
        out: BinaryIO,
        progress: Report | None,
        cancelled: Cancelled | None,
        marker: watermark.Marker | None,
    ) -> tuple[int, bool] | None:
        """Stream every batch into ``out`` (with ``marker``'s row among them unless
        the export is empty); the real rows written and whether the marker's row
        is in, None when cancelled."""
        if marker is None:  # a watermarked export places its marker row: one process
            rows = self._write_split(request, out, progress, cancelled)
            if rows != NOT_SPLIT:
                return None if rows is None else (rows, False)
        names = columns.BY_KIND[request.kind]
        with self._queries(request.period, request.contacts) as queries:
            total = queries.estimate(request.kind)
            if request.limit is not None:
                total = min(total, request.limit)
            with self.ctx.read() as session:
                require_rows(session, self.ctx.actor_id, EXPORT, total, request.kind)
            if progress is not None:
                progress(0, total)
            writer: _Writer
            as_records = request.format != "csv"
            if request.format == "vcard":
                writer = VCardWriter(out, request.vcard_version)
            elif request.format == "ics":
                writer = IcsWriter(out, utcnow())
            else:
                writer = CsvWriter(out, names, request.csv)
            done = 0
            batches = queries.batches(request.kind, limit=request.limit, size=self.batch_size)
            if total == 0:
                marker = None  # an empty file holds nothing to leak
            if marker is not None:
                row = watermark.canary_row(request.kind, marker, self.ctx.currency, self.ctx.region)
                batches = watermark.insert(batches, row, secrets.randbelow(max(total - 1, 1)) + 1)
            for batch in batches:
                if cancelled is not None and cancelled():
                    return None
                done += writer.write_rows(_records(names, batch) if as_records else batch)
                if progress is not None:
                    progress(done, max(total, done))
            if cancelled is not None and cancelled():
                return None
            if isinstance(writer, IcsWriter):
                writer.close()
        return done - (marker is not None), marker is not None

    def _write_split(
        self,
        request: ExportRequest,
        out: BinaryIO,
        progress: Report | None,
        cancelled: Cancelled | None,
    ) -> int | None:
        """A big undated CSV export written by two processes (see ``export_parts``).

        Returns the rows written, None when cancelled, NOT_SPLIT when the
        export is to be written here instead.
        """
        if (
            request.format != "csv"
            or request.period != Period()
            or request.kind not in SPLIT_KINDS
            or request.contacts is not None
        ):
            return NOT_SPLIT
        with self.ctx.read() as session:
            if owner_scope(session, self.ctx.actor_id) is not None:
                return NOT_SPLIT  # a user who sees only their own contacts: the scoped pages here
        db = self.ctx.db
        folder = Path(request.path).expanduser().absolute().parent
        split = Split(db.path, db.key, folder, request.kind, self.ctx.currency, request.csv,
                      request.limit, self.batch_size)  # fmt: skip
        conn = db.engine.raw_connection()  # outside a transaction: it locks while helpers start
        try:
            total = ExportQueries(conn, self.ctx.currency, None, None).estimate(request.kind)
            if request.limit is not None:
                total = min(total, request.limit)
            if total >= PARALLEL_FROM:
                with self.ctx.read() as session:
                    require_rows(session, self.ctx.actor_id, EXPORT, total, request.kind)
            return write_parts(split, conn, total, out, progress, cancelled)
        finally:
            conn.close()

    def _place(
        self,
        request: ExportRequest,
        tmp: Path,
        target: Path,
        rows: int,
        marker: watermark.Marker | None,
    ) -> None:
        """Rename the finished file into place and record the export (what, which
        filters, how many rows, its watermark), atomically together."""
        start, end = request.period.start, request.period.end
        placed = False
        try:
            with self.ctx.write() as uow:
                bulk = rows > bulk_limit(uow.session)
                changes = {
                    "kind": request.kind,
                    "format": request.format,
                    "rows": rows,
                    "file": str(target),
                    "from": start.isoformat() if start else None,
                    "to": end.isoformat() if end else None,
                    "limit": request.limit,
                    "bulk": bulk,
                    "watermark": marker.as_dict() if marker else None,
                }
                of = ""
                if request.selection:  # only some contacts: which ones
                    changes["selection"] = request.selection
                    of = f" of {request.selection}"
                summary = f"{rows:,} {request.kind}{of} to {target.name}"
                uow.record("export", request.kind, None, summary, changes)
                if not request.overwrite and target.exists():
                    raise ExportError(f"{target} appeared while exporting; not overwriting it.")
                os.replace(tmp, target)
                placed = True
        except BaseException:
            if placed:  # the audit entry did not commit: take the file back
                with suppress(OSError):
                    target.unlink()
            raise


def _records(names: Sequence[str], batch: Iterable[Sequence[object]]) -> list[Mapping[str, object]]:
    return [dict(zip(names, row, strict=True)) for row in batch]


def _check_target(target: Path, overwrite: bool) -> None:
    if not target.parent.is_dir():
        raise ExportError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name to export to.")
    if target.exists() and not overwrite:
        raise ExportError(f"{target} already exists; choose another name or allow overwriting.")


def _moment_in(period: Period) -> datetime | None:
    """A random moment inside a bounded period (None when it has no bounds)."""
    start, end = period.bounds()
    if start is None and end is None:
        return None
    now = utcnow()
    high = min(parse_utc(end), now) if end else now
    low = parse_utc(start) if start else high - timedelta(days=365)
    if high <= low:  # a period wholly in the future
        high = parse_utc(end) if end else low
    return low + (high - low) * (secrets.randbelow(1000) / 1000)


def _since(began: float) -> float:
    return round(clock.perf_counter() - began, 3)
