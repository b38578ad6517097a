"""Importing contacts from CSV and vCard files: look, plan (dry run), run.

An import is one transaction: every row is read, checked and matched against
the database and the rows before it, then the new contacts are written in
bulk and the merges go through :class:`ContactService`'s rules, with the
import's own record (for undo) and its audit entry in the same transaction.
An error or a cancel anywhere leaves the database as it was. Rows that break
a rule go to ``FILE.rejects.csv`` beside the file, with their row number and
the reason.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmdesk.domain.duplicates import company_key
from crmdesk.domain.permissions import EDIT
from crmdesk.errors import Cancelled, ValidationError
from crmdesk.interchange import presets
from crmdesk.interchange.batch import check_raw, check_rows
from crmdesk.interchange.csv_reader import CsvFile
from crmdesk.interchange.import_records import ContactRecord
from crmdesk.interchange.mapping import Mapping, Target
from crmdesk.interchange.sniff import Sniffed, sniff
from crmdesk.interchange.vcard_reader import read_vcards
from crmdesk.services.context import Context
from crmdesk.services.import_dedupe import Existing, Matcher, NewContact
from crmdesk.services.import_dedupe import Target as Dup
from crmdesk.services.import_merge import merge_into_new

POLICIES = ("skip", "merge", "create")
CHUNK = 1_000

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how; ``mapping`` overrides the preset column by column."""

    path: Path
    format: str | None = None
    preset: str = "auto"
    mapping: tuple[tuple[str, Target | None], ...] = ()
    on_duplicate: str = "skip"


@dataclass(frozen=True)
class SourceInfo:
    """What a file looks like and how its columns are mapped."""

    path: Path
    format: str
    encoding: str
    delimiter: str
    preset: str
    columns: tuple[str, ...]
    targets: tuple[Target | None, ...]

    @property
    def unmapped(self) -> list[str]:
        return [
            c
            for c, t in zip(self.columns, self.targets, strict=True)
            if t is None or t.field == "ignore"
        ]


@dataclass(slots=True)
class RowOutcome:
    """What happens (or would happen) to one row."""

    row: int
    action: str  # create | merge | skip | reject
    name: str
    reason: str = ""
    target_id: str | None = None
    record: ContactRecord | None = field(default=None, repr=False)


@dataclass
class ImportPlan:
    """Every row's outcome, and the counts."""

    source: SourceInfo
    outcomes: list[RowOutcome]
    new_companies: int = 0

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "merge", "skip", "reject")}


@dataclass(frozen=True)
class ImportResult:
    """What a finished import did."""

    import_id: str
    created: int
    merged: int
    skipped: int
    rejected: int
    new_companies: int
    rejects_path: Path | None
    seconds: float
    plan: ImportPlan = field(repr=False)

    def summary(self) -> str:
        companies = f" (and {self.new_companies:,} new companies)" if self.new_companies else ""
        return (
            f"{self.created:,} created{companies}, {self.merged:,} merged, "
            f"{self.skipped:,} skipped, {self.rejected:,} rejected"
        )


class ImportService:
    """Imports of contacts from files."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def inspect(self, path: Path, format: str | None = None, preset: str = "auto") -> SourceInfo:
        """Detect format, encoding, delimiter and preset, and the columns' mapping."""
        return _Source(Path(path), format, preset, ()).info

    def preview(self, options: ImportOptions, limit: int = 20) -> ImportPlan:
        """The outcome of the first ``limit`` rows (nothing is written)."""
        with _settled_objects_frozen(), self.ctx.db.reading() as session:
            return self._plan(session, options, limit=limit).plan

    def plan(self, options: ImportOptions, progress: Progress | None = None) -> ImportPlan:
        """A dry run: what would happen to every row (nothing is written)."""
        with _settled_objects_frozen(), self.ctx.db.reading() as session:
            return self._plan(session, options, progress=progress).plan

    def run(
        self,
        options: ImportOptions,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
    ) -> ImportResult:
        """Import the file in one transaction; a cancel or an error keeps nothing."""
        from crmdesk.services.import_write import PendingResult, write_import

        started = time.perf_counter()
        pending: PendingResult | None = None
        try:
            with _settled_objects_frozen(), self.ctx.write() as uow:
                uow.require(EDIT)
                work = self._plan(uow.session, options, progress=progress, cancelled=cancelled)
                pending = write_import(self.ctx, uow, work, progress, cancelled, started)
        except BaseException:
            if pending is not None:
                pending.discard()
            raise
        return pending.finish()

    def _plan(
        self,
        session: Any,
        options: ImportOptions,
        *,
        limit: int | None = None,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
    ) -> _Work:
        if options.on_duplicate not in POLICIES:
            raise ValidationError(
                f"'{options.on_duplicate}' is not a duplicate policy; use skip, merge or create.",
                field="on_duplicate",
            )
        source = _Source(Path(options.path), options.format, options.preset, options.mapping)
        dbapi = session.connection().connection.dbapi_connection
        work = _Work(source, Matcher(dbapi), options.on_duplicate, keep_records=limit is not None)
        total = source.estimated_rows * 2
        done = 0
        for chunk in source.chunks(CHUNK, limit, self.ctx.region, self.ctx.currency):
            if cancelled is not None and cancelled():
                raise Cancelled("The import was cancelled; nothing was imported.")
            work.matcher.prefetch(r for r in chunk if not r.problems)
            for rec in chunk:
                work.decide(rec)
            gc.freeze()  # the records kept so far: no need to walk them again
            done += len(chunk)
            if progress is not None:
                progress(min(done, total // 2), total)
        return work


@contextmanager
def _settled_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector off the records an import has already built.

    Its full passes walk every object alive, and an import keeps a record per
    row until it is written: at 100,000 rows that was a third of the CPU time.
    Objects frozen after each chunk (:func:`gc.freeze`) are skipped until the
    import ends; garbage among them is collected then.
    """
    try:
        yield
    finally:
        gc.unfreeze()


class _Source:
    """The opened file: its sniffed form, mapping and records."""

    def __init__(
        self,
        path: Path,
        format: str | None,
        preset: str,
        overrides: tuple[tuple[str, Target | None], ...],
    ) -> None:
        self.path = path
        self.sniffed: Sniffed = sniff(path, format)
        self.estimated_rows = max(1, self.sniffed.lines)
        columns: tuple[str, ...] = ()
        targets: tuple[Target | None, ...] = ()
        self.mapping: Mapping | None = None
        if self.sniffed.format == "csv":
            with CsvFile(path, self.sniffed) as f:
                mapping, preset = presets.mapping_for(f.header, preset)
                delimiter = f.delimiter
            for column, target in overrides:
                mapping = mapping.with_override(column, target)
            self.mapping = mapping
            columns, targets = tuple(mapping.header), tuple(mapping.targets)
        else:
            preset, delimiter = "vcard", ""
        self.info = SourceInfo(
            path, self.sniffed.format, self.sniffed.encoding, delimiter, preset, columns, targets
        )

    def _batches(self, size: int, limit: int | None) -> Iterator[tuple[Any, list[Any]]]:
        """(checking function, its items) per batch of ``size`` rows or cards."""
        batch: list[Any] = []
        items: Iterator[Any]
        if self.mapping is None:
            items = read_vcards(self.path, self.sniffed.encoding)
            check: Any = check_raw
        else:
            items = self._csv_rows()
            check = functools.partial(check_rows, self.mapping)
        for count, item in enumerate(items, start=1):
            batch.append(item)
            if len(batch) >= size or count == limit:
                yield check, batch
                batch = []
            if count == limit:
                return
        if batch:
            yield check, batch

    def _csv_rows(self) -> Iterator[tuple[int, list[str]]]:
        with CsvFile(self.path, self.sniffed) as f:
            yield from f.rows()

    def chunks(
        self, size: int, limit: int | None, region: str, currency: str
    ) -> Iterator[list[ContactRecord]]:
        """Checked records, a batch at a time, in file order."""
        for check, batch in self._batches(size, limit):
            yield check(batch, region, currency)


class _Work:
    """The decisions of one import, row by row."""

    def __init__(self, source: _Source, matcher: Matcher, policy: str, keep_records: bool) -> None:
        self.source = source
        self.keep_records = keep_records  # for a preview: every row's values are shown
        self.matcher = matcher
        self.policy = policy
        self.outcomes: list[RowOutcome] = []
        self.new: list[NewContact] = []
        self.merges: dict[str, tuple[Existing, list[ContactRecord]]] = {}

    @property
    def plan(self) -> ImportPlan:
        implicit = sum(1 for n in self.new if n.implicit)
        return ImportPlan(self.source.info, self.outcomes, implicit)

    def decide(self, rec: ContactRecord) -> None:
        name = rec.display_name
        if rec.problems:
            self.outcomes.append(RowOutcome(rec.row, "reject", name, rec.reason, record=rec))
            return
        if not self.keep_records:
            rec.original = []  # only rejected rows go back to a file
        self._decide(rec, name)

    def _decide(self, rec: ContactRecord, name: str) -> None:
        found = self.matcher.match(rec)
        if found is not None and isinstance(found.target, NewContact) and found.target.implicit:
            # A company row for a company an earlier person named: it is that company.
            target = found.target
            merge_into_new(target.record, rec)
            target.record.id = target.record.id or rec.id
            target.implicit = False
            target.rows.append(rec.row)
            self.matcher.remember(rec, target)
            self._outcome(rec, "create", name)
            return
        if found is None or self.policy == "create":
            reason = f"{found.reason} as {found.target.name}, created anyway" if found else ""
            self._create(rec)
            self._outcome(rec, "create", name, reason)
            return
        target = found.target
        where = f"row {target.rows[0]}" if isinstance(target, NewContact) else "the database"
        reason = f"{found.reason} as {target.name} ({where})"
        target_id = target.id if isinstance(target, Existing) else None
        if self.policy == "skip":
            self._outcome(rec, "skip", name, reason, target_id)
            return
        if isinstance(target, NewContact):
            merge_into_new(target.record, rec)
            target.rows.append(rec.row)
            if target.company is None and target.record.kind == "person" and target.record.company:
                target.company = self._company(target.record)
        else:
            self.merges.setdefault(target.id, (target, []))[1].append(rec)
            if rec.kind == "person" and rec.company:
                self._company(rec)  # created with the import, so undo removes it too
        self.matcher.remember(rec, target)
        self._outcome(rec, "merge", name, reason, target_id)

    def _outcome(
        self, rec: ContactRecord, action: str, name: str, reason: str = "", to: str | None = None
    ) -> None:
        kept = rec if self.keep_records else None
        self.outcomes.append(RowOutcome(rec.row, action, name, reason, to, kept))

    def _create(self, rec: ContactRecord) -> None:
        new = NewContact(rec, rows=[rec.row])
        if rec.kind == "person" and rec.company:
            new.company = self._company(rec)
        self.new.append(new)
        self.matcher.remember(rec, new)

    def _company(self, rec: ContactRecord) -> Dup:
        company = self.matcher.companies.get(company_key(rec.company))
        if company is None:
            record = ContactRecord(row=rec.row, original=[], kind="company", company=rec.company)
            company = NewContact(record, implicit=True, rows=[rec.row])
            self.new.append(company)
            self.matcher.remember(record, company)
        return company
