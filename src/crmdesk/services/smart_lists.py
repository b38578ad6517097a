"""Smart lists: saved searches that stay live, and what to do with their contacts.

A list is a name and a :class:`~crmdesk.domain.smart_query.SmartQuery`. Running
it is the contact list's own query with one more condition (see
``smart_sql``), so counting and keyset pages work as for the plain list and
respect what the acting user may see. Lists are created, renamed, edited and
deleted through the unit of work (audited, and synced like other rows); a
list's contacts can be exported (through :class:`ExportService`, with its
audit entry, watermark and bulk limit) or each given a follow-up, in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.domain.smart_query import SmartQuery, from_json
from crmdesk.errors import BulkRefused, ListNameTaken, UnknownList, ValidationError
from crmdesk.interchange.csv_format import CsvOptions
from crmdesk.services.contact_queries import (
    ContactFilter,
    ContactQueries,
    apply_filter,
    scope_filter,
)
from crmdesk.services.context import Context
from crmdesk.services.followups import schedule
from crmdesk.services.permissions import bulk_limit
from crmdesk.services.uow import UnitOfWork
from crmdesk.services.views import ContactSummary
from crmdesk.services.visibility import owner_scope
from crmdesk.store.models import Contact, SavedList

if TYPE_CHECKING:
    from crmdesk.services.exports import ExportResult

MAX_NAME = 80


@dataclass(frozen=True)
class SavedListView:
    """One saved list."""

    id: str
    name: str
    query: SmartQuery
    created_at: datetime
    updated_at: datetime

    @property
    def description(self) -> str:
        """The conditions in words: ``stage is customer and last purchase ...``."""
        return str(self.query)


class SmartListService:
    """Running, keeping and acting on smart lists."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.queries = ContactQueries(ctx)

    # -- running -----------------------------------------------------------

    def count(self, query: SmartQuery) -> int:
        """How many contacts the acting user may see are on the list now."""
        return self.queries.count(ContactFilter(smart=query))

    def page(
        self, query: SmartQuery, after: tuple[str, int] | None = None, limit: int = 200
    ) -> list[ContactSummary]:
        """A keyset page of the list in name order (see :meth:`ContactQueries.page`)."""
        return self.queries.page(ContactFilter(smart=query), after, limit)

    def contact_ids(self, query: SmartQuery) -> list[str]:
        """The ids of every contact on the list, in name order."""
        with self.ctx.read() as session:
            return self._ids(session, query)

    # -- keeping -------------------------------------------------------------

    def all(self) -> list[SavedListView]:
        """Every saved list, by name."""
        with self.ctx.read() as session:
            rows = session.execute(select(SavedList).where(SavedList.deleted_at.is_(None))).all()
            views = [_view(row) for (row,) in rows]
        return sorted(views, key=lambda v: v.name.casefold())

    def get(self, ref: str) -> SavedListView:
        """The list named ``ref`` (any case) or with id ``ref``."""
        with self.ctx.read() as session:
            return _view(_find(session, ref))

    def create(self, name: str, query: SmartQuery) -> SavedListView:
        """Save a new list."""
        name = _check_name(name)
        now = utcnow()
        with self.ctx.write() as uow:
            uow.require(EDIT)
            _check_free(uow, name)
            row = SavedList(
                id=new_id(), name=name, query=query.to_json(), created_at=now, updated_at=now
            )
            uow.session.add(row)
            uow.session.flush()
            uow.record("create", "saved_list", row.id, name, {"query": [None, str(query)]})
            return _view(row)

    def rename(self, ref: str, name: str) -> SavedListView:
        """Give a list a new name."""
        name = _check_name(name)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            row = _find(uow.session, ref)
            if name != row.name:
                _check_free(uow, name, row.id)
                uow.record("update", "saved_list", row.id, name, {"name": [row.name, name]})
                row.name, row.updated_at = name, utcnow()
            return _view(row)

    def edit(self, ref: str, query: SmartQuery) -> SavedListView:
        """Replace a list's conditions."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            row = _find(uow.session, ref)
            old = str(from_json(row.query))
            row.query, row.updated_at = query.to_json(), utcnow()
            uow.record("update", "saved_list", row.id, row.name, {"query": [old, str(query)]})
            return _view(row)

    def delete(self, ref: str) -> None:
        """Move a list to the trash (its contacts stay as they are)."""
        with self.ctx.write() as uow:
            uow.require(DELETE)
            row = _find(uow.session, ref)
            row.deleted_at = row.updated_at = utcnow()
            uow.record("delete", "saved_list", row.id, row.name)

    # -- acting ----------------------------------------------------------------

    def export(
        self,
        ref: str,
        path: Path,
        *,
        fmt: str = "csv",
        options: CsvOptions | None = None,
        overwrite: bool = False,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> ExportResult:
        """Write the list's contacts to a file."""
        from crmdesk.services.exports import ExportRequest, ExportService

        saved = self.get(ref)
        request = ExportRequest(
            kind="contacts",
            path=path,
            format=fmt,
            csv=options or CsvOptions(),
            overwrite=overwrite,
            contacts=tuple(self.contact_ids(saved.query)),
            selection=f"list '{saved.name}'",
        )
        return ExportService(self.ctx).export(request, progress, cancelled)

    def make_followups(self, query: SmartQuery, text: str, due: datetime, what: str = "") -> int:
        """One follow-up per contact on the list, all in one transaction; how many.

        More than the bulk limit is refused (the owner can raise the limit).
        """
        text = text.strip()
        if not text:
            raise ValidationError("Say what to do, e.g. 'Call about the spring offer'.", "text")
        with self.ctx.write() as uow:
            uow.require(EDIT)
            ids = self._ids(uow.session, query)
            limit = bulk_limit(uow.session)
            if len(ids) > limit:
                raise BulkRefused(
                    f"{len(ids):,} follow-ups is over the bulk limit of {limit:,}; "
                    "narrow the list, or the owner can raise the limit in Settings."
                )
            contacts = uow.session.execute(select(Contact).where(Contact.id.in_(ids))).scalars()
            for contact in contacts:
                schedule(uow, contact, due, text, owner_id=self.ctx.actor_id)
            uow.record(
                "create",
                "followups",
                None,
                f"{len(ids)} follow-ups from {what or 'a smart list'}",
                {"text": text, "due_at": due, "contacts": len(ids)},
            )
            return len(ids)

    def _ids(self, session: Session, query: SmartQuery) -> list[str]:
        scope = owner_scope(session, self.ctx.actor_id)
        flt = scope_filter(ContactFilter(smart=query), scope, self.ctx.currency)
        stmt = apply_filter(select(Contact.id), flt).order_by(Contact.sort_key, Contact.num)
        return list(session.execute(stmt).scalars())


def _view(row: SavedList) -> SavedListView:
    return SavedListView(row.id, row.name, from_json(row.query), row.created_at, row.updated_at)


def _find(session: Session, ref: str) -> SavedList:
    wanted = ref.strip().casefold()
    rows = session.execute(select(SavedList).where(SavedList.deleted_at.is_(None))).scalars()
    for row in rows:
        if row.id == ref.strip() or row.name.casefold() == wanted:
            return row
    raise UnknownList(f"No saved list is called '{ref.strip()}'; 'crmdesk list' shows them.")


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ValidationError(f"Give the list a name of 1 to {MAX_NAME} characters.", "name")
    return name


def _check_free(uow: UnitOfWork, name: str, own_id: str | None = None) -> None:
    try:
        found = _find(uow.session, name)
    except UnknownList:
        return
    if found.id != own_id:
        raise ListNameTaken(f"There is already a list called '{found.name}'; pick another name.")
