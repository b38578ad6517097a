"""Imports done so far, and undoing one as a whole.

Undo moves the contacts an import created to the trash and puts the contacts
it merged into back as they were. What was changed again since the import is
left alone and named in the result: a created contact that has been edited
or has activities, follow-ups or deals of its own stays; a merged field that
was edited since keeps its new value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from crmdesk.domain.clock import utcnow
from crmdesk.domain.permissions import DELETE
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services import sync_seed
from crmdesk.services.contacts import ContactService
from crmdesk.services.context import Context
from crmdesk.services.import_merge import put_back
from crmdesk.services.permissions import require_rows
from crmdesk.store.models import Contact, ImportBatch, ImportItem, User
from crmdesk.store.types import format_utc


@dataclass(frozen=True)
class ImportView:
    """One import in the history."""

    id: str
    file_name: str
    format: str
    preset: str
    user: str
    started_at: datetime
    finished_at: datetime | None
    created: int
    merged: int
    skipped: int
    rejected: int
    undone_at: datetime | None


@dataclass(frozen=True)
class UndoResult:
    """What undoing an import did, and what it left because it changed since."""

    import_id: str
    trashed: int
    restored: int
    kept: tuple[str, ...]

    def summary(self) -> str:
        text = f"{self.trashed:,} contacts moved to the trash, {self.restored:,} put back as before"
        if self.kept:
            text += f"; kept {len(self.kept)} thing(s) changed since the import"
        return text


class ImportHistory:
    """The list of imports, and undo."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self, limit: int = 100) -> list[ImportView]:
        """The latest imports, newest first."""
        with self.ctx.read() as session:
            rows = session.execute(
                select(ImportBatch, User.username)
                .outerjoin(User, User.id == ImportBatch.user_id)
                .order_by(ImportBatch.started_at.desc())
                .limit(limit)
            ).all()
            return [_view(batch, username or "") for batch, username in rows]

    def get(self, ref: str) -> ImportView:
        """The import with this id (or an unambiguous start of it)."""
        with self.ctx.read() as session:
            return _view(*_find(session, ref))

    def undo(self, ref: str) -> UndoResult:
        """Undo an import: its new contacts to the trash, merged ones back as before."""
        service = ContactService(self.ctx)
        with self.ctx.write() as uow:
            session = uow.session
            batch, _user = _find(session, ref)
            require_rows(session, self.ctx.actor_id, DELETE, batch.created, "contacts to trash")
            if batch.undone_at is not None:
                raise ValidationError(
                    f"The import of {batch.file_name} was already undone "
                    f"({format_utc(batch.undone_at)[:16].replace('T', ' ')} UTC)."
                )
            now = utcnow()
            kept: list[str] = []
            restored = 0
            items = session.execute(
                select(ImportItem).where(
                    ImportItem.import_id == batch.id, ImportItem.action == "merged"
                )
            ).scalars()
            for item in items:
                contact = session.execute(
                    select(Contact).where(Contact.id == item.contact_id)
                ).scalar_one()
                if contact.deleted_at is not None:
                    kept.append(f"{contact.display_name} is in the trash; left as it is.")
                    continue
                changes = put_back(
                    service, uow, contact, _loads(item.before), _loads(item.after), kept
                )
                if changes:
                    restored += 1
                    contact.updated_at = now
                    changes["import"] = batch.id
                    uow.record("update", "contact", contact.id, contact.display_name, changes)
                    uow.touch_contact(contact.id)
            # After the merges are undone, so a company this import created for a
            # merged person is no longer that person's company.
            session.flush()
            trashed = _trash_created(session, batch, now, kept)
            batch.undone_at = now
            result = UndoResult(batch.id, trashed, restored, tuple(kept))
            uow.record(
                "undo",
                "import",
                batch.id,
                f"undid the import of {batch.file_name}: {result.summary()}",
                {"trashed": trashed, "restored": restored, "kept": list(kept)},
            )
            return result


def _find(session: Any, ref: str) -> tuple[ImportBatch, str]:
    ref = ref.strip().lower()
    if len(ref) < 4:
        raise ValidationError("Give at least the first 4 characters of the import's id.")
    rows = session.execute(
        select(ImportBatch, User.username)
        .outerjoin(User, User.id == ImportBatch.user_id)
        .where(ImportBatch.id.startswith(ref, autoescape=True))
        .limit(2)
    ).all()
    if not rows:
        raise NotFound(f"No import with id {ref}; `crmdesk import list` shows them.")
    if len(rows) > 1:
        raise ValidationError(f"Several imports have ids starting with {ref}; give more of it.")
    return rows[0][0], rows[0][1] or ""


def _view(batch: ImportBatch, username: str) -> ImportView:
    return ImportView(
        batch.id, batch.file_name, batch.format, batch.preset, username, batch.started_at,
        batch.finished_at, batch.created, batch.merged, batch.skipped, batch.rejected,
        batch.undone_at,
    )  # fmt: skip


USED_SINCE = (
    "(c.updated_at > :finished"
    " OR EXISTS (SELECT 1 FROM activities a WHERE a.contact_id = c.id)"
    " OR EXISTS (SELECT 1 FROM followups f WHERE f.contact_id = c.id)"
    " OR EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = c.id)"
    " OR EXISTS (SELECT 1 FROM contacts m WHERE m.company_id = c.id AND m.deleted_at IS NULL))"
)
CREATED = (
    "FROM import_items i JOIN contacts c ON c.id = i.contact_id"
    " WHERE i.import_id = :import_id AND i.action = 'created' AND c.deleted_at IS NULL"
    " AND c.kind = :kind"
)


def _trash_created(session: Any, batch: ImportBatch, now: datetime, kept: list[str]) -> int:
    """Created contacts to the trash, unless they have a life of their own since.

    People go first, so a new company is trashed when none of its people stay.
    """
    finished = format_utc(batch.finished_at or batch.started_at)
    trashed = 0
    for kind in ("person", "company"):
        params = {"import_id": batch.id, "finished": finished, "now": format_utc(now), "kind": kind}
        for name in session.execute(
            text(f"SELECT c.display_name {CREATED} AND {USED_SINCE}"), params
        ).scalars():
            kept.append(f"{name} was changed or is in use since the import; not trashed.")
        session.execute(
            text(f"CREATE TEMP TABLE undo_nums AS SELECT c.num {CREATED} AND NOT {USED_SINCE}"),
            params,
        )
        try:
            session.execute(
                text("DELETE FROM contact_fts WHERE rowid IN (SELECT num FROM undo_nums)")
            )
            result = session.execute(
                text(
                    "UPDATE contacts SET deleted_at = :now, updated_at = :now"
                    " WHERE num IN (SELECT num FROM undo_nums)"
                ),
                params,
            )
            trashed += int(result.rowcount)
            ids = session.execute(
                text("SELECT id FROM contacts WHERE num IN (SELECT num FROM undo_nums)")
            ).scalars()
            sync_seed.queue_tombstones(session, "contacts", list(ids))
        finally:
            session.execute(text("DROP TABLE undo_nums"))
    return trashed


def _loads(value: str | None) -> dict[str, Any]:
    return dict(json.loads(value or "{}"))
