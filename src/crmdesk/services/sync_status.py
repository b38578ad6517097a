"""Sync bookkeeping as the user sees it: settings, status and conflicts.

The engine (``crmdesk.sync``) does the talking to the server; this module
reads and writes what it keeps in the database, so the CLI and the GUI can
show it and the user can flip or dismiss a conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, inspect, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from crmdesk.domain import names
from crmdesk.domain.clock import utcnow
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.context import Context
from crmdesk.services.sync_entities import DELETED, spec
from crmdesk.store.models import SyncConflict
from crmdesk.store.types import format_utc


def read_state(session: Session) -> dict[str, str]:
    """Every sync_state key and value."""
    rows = session.execute(text("SELECT key, value FROM sync_state")).all()
    return {str(k): str(v) for k, v in rows}


def write_state(session: Session, **values: str | int | None) -> None:
    """Set (or, with None, remove) sync_state keys inside the caller's transaction."""
    for key, value in values.items():
        if value is None:
            session.execute(text("DELETE FROM sync_state WHERE key = :k"), {"k": key})
        else:
            session.execute(
                text(
                    "INSERT INTO sync_state (key, value) VALUES (:k, :v)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"k": key, "v": str(value)},
            )


@dataclass(frozen=True)
class SyncStatus:
    """What ``crmdesk sync --status`` shows."""

    server_url: str | None
    username: str | None
    node: str | None
    pending_changes: int
    in_flight: int
    cursor: int | None
    last_sync: str | None
    last_error: str | None
    open_conflicts: int
    waiting_rows: int


@dataclass(frozen=True)
class ConflictView:
    """One conflict record, values decoded."""

    id: str
    entity: str
    row_id: str
    field: str
    winner_value: Any
    winner_user: str | None
    loser_value: Any
    loser_user: str | None
    detected_at: str
    status: str


class SyncStatusService:
    """Reading sync state; flipping and dismissing conflicts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def status(self) -> SyncStatus:
        """Pending changes, last sync, cursor, open conflicts."""
        with self.ctx.read() as session:
            state = read_state(session)

            def count(sql: str) -> int:
                return int(session.execute(text(sql)).scalar_one())

            return SyncStatus(
                server_url=state.get("server_url"),
                username=state.get("username"),
                node=state.get("node"),
                pending_changes=count("SELECT count(*) FROM sync_outbox WHERE batch_id IS NULL"),
                in_flight=count("SELECT count(*) FROM sync_outbox WHERE batch_id IS NOT NULL"),
                cursor=int(state["cursor"]) if "cursor" in state else None,
                last_sync=state.get("last_sync"),
                last_error=state.get("last_error"),
                open_conflicts=count("SELECT count(*) FROM sync_conflicts WHERE status = 'open'"),
                waiting_rows=count("SELECT count(*) FROM sync_pending"),
            )

    def conflicts(self, *, include_closed: bool = False, limit: int = 200) -> list[ConflictView]:
        """Conflicts, newest first (open ones only unless ``include_closed``)."""
        stmt = select(SyncConflict).order_by(SyncConflict.detected_at.desc()).limit(limit)
        if not include_closed:
            stmt = stmt.where(SyncConflict.status == "open")
        with self.ctx.read() as session:
            return [_view(c) for c in session.execute(stmt).scalars()]

    def dismiss(self, conflict_id: str) -> None:
        """Accept the winning value; the conflict is closed."""
        with self.ctx.write() as uow:
            conflict = _open_conflict(uow.session, conflict_id)
            conflict.status = "dismissed"
            conflict.resolved_at = format_utc(utcnow())
            uow.record(
                "dismiss", "sync_conflict", conflict.id, f"{conflict.entity}.{conflict.field}"
            )

    def flip(self, conflict_id: str) -> None:
        """Make the losing value win: write it again, as a new edit with a fresh stamp."""
        with self.ctx.write() as uow:
            conflict = _open_conflict(uow.session, conflict_id)
            entity = spec(conflict.entity)
            if entity is None:
                raise ValidationError(f"Conflicts on {conflict.entity} cannot be flipped.")
            obj = uow.session.get(entity.model, _identity(entity, conflict.row_id))
            if obj is None:
                raise NotFound(f"The {conflict.entity} row of that conflict is not here.")
            value = json.loads(conflict.loser_value)
            if conflict.field == DELETED:
                if not entity.soft_delete:
                    raise ValidationError("A removed detail cannot be brought back this way.")
                obj.deleted_at = utcnow() if value else None
            else:
                column = entity.columns[conflict.field]
                setattr(obj, conflict.field, _from_wire(column, value))
            if hasattr(obj, "updated_at"):
                obj.updated_at = utcnow()
            conflict.status = "flipped"
            conflict.resolved_at = format_utc(utcnow())
            uow.record(
                "flip",
                "sync_conflict",
                conflict.id,
                f"{conflict.entity}.{conflict.field}",
                {conflict.field: [json.loads(conflict.winner_value), value]},
            )
            contact_id = conflict.row_id if conflict.entity == "contacts" else None
            contact_id = contact_id or getattr(obj, "contact_id", None)
            if contact_id:
                uow.touch_contact(contact_id)
            if conflict.entity == "contacts" and conflict.field in (
                "first_name",
                "last_name",
                "company_name",
            ):
                _refresh_names(obj)


def _open_conflict(session: Session, conflict_id: str) -> SyncConflict:
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise NotFound(f"No sync conflict with id {conflict_id}.")
    if conflict.status != "open":
        raise ValidationError(f"That conflict is already {conflict.status}.")
    return conflict


def _identity(entity: Any, row_id: str) -> Any:
    keys = entity.key_values(row_id)
    mapper = inspect(entity.model)
    values = tuple(keys[c.name] for c in mapper.primary_key)
    return values[0] if len(values) == 1 else values


def _from_wire(column: Any, value: Any) -> Any:
    """A wire value as the ORM attribute wants it (the store's own conversions)."""
    if value is None:
        return None
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, TypeDecorator):
        return column.type.process_result_value(value, None)
    return value


def _refresh_names(contact: Any) -> None:
    if contact.kind == "company":
        contact.display_name = contact.company_name
        contact.sort_key = names.company_sort_key(contact.company_name)
    else:
        contact.display_name = names.person_display_name(contact.first_name, contact.last_name)
        contact.sort_key = names.person_sort_key(contact.first_name, contact.last_name)


def _view(c: SyncConflict) -> ConflictView:
    return ConflictView(
        id=c.id,
        entity=c.entity,
        row_id=c.row_id,
        field=c.field,
        winner_value=json.loads(c.winner_value),
        winner_user=c.winner_user,
        loser_value=json.loads(c.loser_value),
        loser_user=c.loser_user,
        detected_at=c.detected_at,
        status=c.status,
    )
