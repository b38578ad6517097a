"""Writing a planned import: new contacts in bulk, merges through the contact rules.

New contacts go in with ``executemany`` (the rows :class:`ContactService`
would write: names, sort keys, E.164 numbers, e-mail keys, the lifecycle
entry and the search document). Merges into existing contacts use
``ContactService``'s patch rules, one audit entry each. The import's record
and its audit entry are written in the same transaction.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from crmdesk.domain import names
from crmdesk.domain.clock import utcnow
from crmdesk.domain.duplicates import company_key, person_key
from crmdesk.domain.ids import is_id, new_id
from crmdesk.domain.stages import Stage
from crmdesk.errors import Cancelled, UnreadableFile, ValidationError
from crmdesk.services import sync_seed
from crmdesk.services.bulk_rows import STATEMENTS, uuid7_strings
from crmdesk.services.contacts import ContactService
from crmdesk.services.context import Context
from crmdesk.services.import_dedupe import Existing, NewContact
from crmdesk.services.import_merge import changed, fill_patch, snapshot
from crmdesk.services.uow import UnitOfWork
from crmdesk.store.fts import phones_document
from crmdesk.store.models import Contact, ImportBatch, ImportItem
from crmdesk.store.types import format_utc

if TYPE_CHECKING:
    from crmdesk.services.imports import ImportResult, IsCancelled, Progress, _Work

BATCH = 5_000
MERGE_BATCH = 500
MERGE_WEIGHT = 20  # a merge costs about as much as writing 20 new contacts
ITEM_INSERT = "INSERT INTO import_items (import_id, contact_id, action) VALUES (?,?,'created')"
TAG_INSERT = "INSERT INTO tags (id, name, created_at) VALUES (?,?,?)"


@dataclass
class PendingResult:
    """A written import whose reject file is put in place once the transaction commits."""

    result: ImportResult
    temp_rejects: Path | None

    def finish(self) -> ImportResult:
        if self.temp_rejects is not None and self.result.rejects_path is not None:
            os.replace(self.temp_rejects, self.result.rejects_path)
        return self.result

    def discard(self) -> None:
        if self.temp_rejects is not None:
            self.temp_rejects.unlink(missing_ok=True)


def write_import(
    ctx: Context,
    uow: UnitOfWork,
    work: _Work,
    progress: Progress | None,
    cancelled: IsCancelled | None,
    started: float,
) -> PendingResult:
    """Write everything ``work`` decided, inside ``uow``'s transaction."""
    from crmdesk.services.imports import ImportResult

    session = uow.session
    info = work.source.info
    plan = work.plan
    now = utcnow()
    batch = ImportBatch(
        id=new_id(),
        file_name=info.path.name,
        format=info.format,
        preset=info.preset,
        user_id=ctx.actor_id,
        started_at=now,
    )
    session.add(batch)
    session.flush()
    writer = _BulkWriter(ctx, session, batch.id, now)
    total = work.source.estimated_rows * 2
    half = total // 2

    def step(done: int, of: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("The import was cancelled; nothing was imported.")
        if progress is not None:
            progress(half + (half * done) // max(1, of), total)

    units = len(work.new) + MERGE_WEIGHT * len(work.merges)
    writer.write_new(work.new, lambda done: step(done, units))
    if work.new:
        # Written around the unit of work's capture: the next sync queues these rows.
        sync_seed.mark_unseeded(session)
    _merge(
        ctx,
        uow,
        batch.id,
        work.merges,
        lambda done: step(len(work.new) + MERGE_WEIGHT * done, units),
    )
    counts = plan.counts
    batch.created, batch.merged = counts["create"], counts["merge"]
    batch.skipped, batch.rejected = counts["skip"], counts["reject"]
    batch.finished_at = utcnow()
    uow.record(
        "import",
        "import",
        batch.id,
        f"imported {info.path.name}: {counts['create']} created, {counts['merge']} merged, "
        f"{counts['skip']} skipped, {counts['reject']} rejected",
        {**counts, "file": info.path.name, "format": info.format, "preset": info.preset,
         "new_companies": plan.new_companies, "contacts": len(work.new)},
    )  # fmt: skip
    rejects_path = temp = None
    rejected = [o for o in plan.outcomes if o.action == "reject"]
    if rejected:
        rejects_path = rejects_path_for(info.path)
        temp = rejects_path.with_name(rejects_path.name + ".tmp")
        _write_rejects(temp, info.columns, info.delimiter or ",", rejected)
    if progress is not None:
        progress(total, total)
    result = ImportResult(
        batch.id,
        counts["create"],
        counts["merge"],
        counts["skip"],
        counts["reject"],
        plan.new_companies,
        rejects_path,
        time.perf_counter() - started,
        plan,
    )
    return PendingResult(result, temp)


def rejects_path_for(path: Path) -> Path:
    """``people.csv`` -> ``people.rejects.csv`` beside it."""
    return path.with_name(f"{path.stem}.rejects.csv")


def _write_rejects(
    path: Path, columns: tuple[str, ...], delimiter: str, rejected: list[Any]
) -> None:
    header = [*columns, "row", "reason"] if columns else ["row", "reason", "vcard"]
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            out = csv.writer(f, delimiter=delimiter)
            out.writerow(header)
            for outcome in rejected:
                original = outcome.record.original if outcome.record else []
                if columns:
                    cells = list(original[: len(columns)])
                    cells += [""] * (len(columns) - len(cells))
                    out.writerow([*cells, outcome.row, outcome.reason])
                else:
                    out.writerow([outcome.row, outcome.reason, *original])
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise UnreadableFile(
            f"The rejected rows cannot be written to {path.parent} ({exc.strerror}); "
            "nothing was imported."
        ) from None


class _BulkWriter:
    def __init__(self, ctx: Context, session: Any, import_id: str, now: datetime) -> None:
        self.ctx = ctx
        self.dbapi = session.connection().connection.dbapi_connection
        self.import_id = import_id
        self.now = format_utc(now)
        self.tags = {
            name.casefold(): tag_id
            for tag_id, name in self.dbapi.execute("SELECT id, name FROM tags")
        }
        self.users = {
            name.casefold(): user_id
            for user_id, name in self.dbapi.execute(
                "SELECT id, username FROM users WHERE deleted_at IS NULL"
            )
        }
        self.next_num = (
            self.dbapi.execute("SELECT coalesce(max(num), 0) FROM contacts").fetchone()[0] + 1
        )
        self.used_ids: set[str] = set()
        self.ids = uuid7_strings()

    def write_new(self, new: list[NewContact], step: Callable[[int], None]) -> None:
        # Companies first: people refer to them.
        ordered = [n for n in new if n.record.kind == "company"]
        ordered += [n for n in new if n.record.kind != "company"]
        for contact in ordered:
            contact.id = self._id_for(contact)
        for start in range(0, len(ordered), BATCH):
            rows: dict[str, list[tuple[Any, ...]]] = {
                k: [] for k in (*STATEMENTS, "items", "new_tags")
            }
            for contact in ordered[start : start + BATCH]:
                self._rows(contact, rows)
            self.dbapi.executemany(TAG_INSERT, rows["new_tags"])
            for table, sql in STATEMENTS.items():
                if rows.get(table):
                    self.dbapi.executemany(sql, rows[table])
            self.dbapi.executemany(ITEM_INSERT, rows["items"])
            step(min(start + BATCH, len(ordered)))

    def _id_for(self, contact: NewContact) -> str:
        wanted = contact.record.id
        if wanted and is_id(wanted) and wanted not in self.used_ids:
            exists = self.dbapi.execute("SELECT 1 FROM contacts WHERE id = ?", (wanted,)).fetchone()
            if exists is None:
                self.used_ids.add(wanted)
                return wanted
        return next(self.ids)

    def _rows(self, contact: NewContact, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        rec, cid, num = contact.record, contact.id, self.next_num
        self.next_num += 1
        company_name = company_id = None
        if rec.kind == "company":
            first = last = ""
            display, key = rec.company, company_key(rec.company)
            own_company = rec.company
        else:
            first, last = rec.first_name, rec.last_name
            display = names.person_display_name(first, last)
            key = person_key(first, last)
            own_company = ""
            if contact.company is not None:
                company_id, company_name = contact.company.id, contact.company.name
        created = format_utc(rec.created_at) if rec.created_at else self.now
        stage = rec.stage or Stage.LEAD.value
        owner = (
            self.users.get(rec.owner.casefold(), self.ctx.actor_id)
            if rec.owner
            else self.ctx.actor_id
        )
        has_terms = any(
            v is not None for v in (rec.payment_terms_days, rec.credit_limit_minor, rec.discount_bp)
        )
        rows["contacts"].append((
            num, cid, rec.kind, first, last, own_company, rec.title, company_id, display, key,
            stage, rec.source, owner, rec.website,
            rec.birthday.isoformat() if rec.birthday else None, rec.notes,
            int(bool(rec.consent_marketing)), created, self.now, None,
            rec.payment_terms_days, rec.credit_limit_minor,
            (rec.currency or self.ctx.currency) if has_terms or rec.currency else None,
            rec.discount_bp or 0, "",
        ))  # fmt: skip
        for position, p in enumerate(rec.phones):
            rows["phones"].append(
                (next(self.ids), cid, p.label, p.raw, p.e164, p.digits[::-1], position)
            )
        for position, e in enumerate(rec.emails):
            rows["emails"].append((next(self.ids), cid, e.label, e.address, e.key, position))
        for position, a in enumerate(rec.addresses):
            rows["addresses"].append(
                (
                    next(self.ids),
                    cid,
                    a.label,
                    a.street,
                    a.postal_code,
                    a.city,
                    a.region,
                    a.country,
                    position,
                )
            )
        for tag in rec.tags:
            tag_id = self.tags.get(tag.casefold())
            if tag_id is None:
                tag_id = self.tags[tag.casefold()] = next(self.ids)
                rows["new_tags"].append((tag_id, tag, self.now))
            rows["tags"].append((cid, tag_id))
        rows["history"].append((next(self.ids), cid, None, stage, created, self.ctx.actor_id))
        rows["fts"].append((
            num, display, " ".join(p for p in (company_name or "", rec.title) if p),
            " ".join(e.address for e in rec.emails),
            phones_document((p.raw, p.e164, p.national) for p in rec.phones), rec.notes, "",
        ))  # fmt: skip
        rows["items"].append((self.import_id, cid))


def _merge(
    ctx: Context,
    uow: UnitOfWork,
    import_id: str,
    merges: dict[str, tuple[Existing, list[Any]]],
    step: Callable[[int], None],
) -> None:
    """Merge rows into database contacts, loading the contacts a batch at a time."""
    service = ContactService(ctx)
    session = uow.session
    ids = list(merges)
    for start in range(0, len(ids), MERGE_BATCH):
        chunk = ids[start : start + MERGE_BATCH]
        loaded = session.execute(select(Contact).where(Contact.id.in_(chunk))).scalars()
        contacts = {c.id: c for c in loaded}
        for contact_id in chunk:
            _merge_one(service, uow, import_id, contacts[contact_id], merges[contact_id][1])
        step(start + len(chunk))
    session.flush()


def _merge_one(
    service: ContactService, uow: UnitOfWork, import_id: str, contact: Contact, records: list[Any]
) -> None:
    before = snapshot(contact)
    try:
        # The patch's own lookups (tags, company) need not flush it first: the audit
        # entry flushes once per merge, not once per lookup.
        with uow.session.no_autoflush:
            changes = service._apply(uow, contact, fill_patch(contact, records), creating=False)
    except ValidationError as exc:
        rows = ", ".join(str(r.row) for r in records)
        raise ValidationError(f"Row {rows}: {exc} Nothing was imported.") from None
    if not changes:
        return
    contact.updated_at = utcnow()
    old, new = changed(before, snapshot(contact))
    uow.session.add(
        ImportItem(
            import_id=import_id,
            contact_id=contact.id,
            action="merged",
            before=json.dumps(old, ensure_ascii=False),
            after=json.dumps(new, ensure_ascii=False),
        )
    )
    changes["import"] = import_id
    uow.record("update", "contact", contact.id, contact.display_name, changes)
    uow.touch_contact(contact.id)
