"""The trash: deleted contacts, activities, deals and follow-ups, with who
deleted them and when; restore them, or (the owner) purge them for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crmdesk.domain import permissions
from crmdesk.domain.clock import utcnow
from crmdesk.errors import NotInTrash, ValidationError
from crmdesk.services import purge
from crmdesk.services.context import Context
from crmdesk.services.permissions import allowed, require
from crmdesk.store.models import Activity, AuditEntry, Contact, Deal, FollowUp, User
from crmdesk.store.types import parse_utc

#: Trash kind -> (table, audit entity name, label)
KINDS: dict[str, tuple[type[Contact | Activity | Deal | FollowUp], str, str]] = {
    "contact": (Contact, "contact", "Contact"),
    "activity": (Activity, "activity", "Activity"),
    "deal": (Deal, "deal", "Deal"),
    "followup": (FollowUp, "followup", "Follow-up"),
}


@dataclass(frozen=True)
class TrashItem:
    """One deleted record: what it is, whose it was, when and by whom it was deleted."""

    kind: str
    id: str
    title: str
    contact_name: str
    deleted_at: datetime
    deleted_by: str


_TITLE = {
    "contact": "t.display_name",
    "activity": "t.kind || CASE WHEN t.text != '' THEN ': ' || substr(t.text, 1, 60) ELSE '' END",
    "deal": "t.title",
    "followup": "substr(t.text, 1, 60)",
}


class TrashService:
    """List, restore and purge what is in the trash."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def items(self, limit: int = 1000) -> list[TrashItem]:
        """What is in the trash, most recently deleted first."""
        found: list[TrashItem] = []
        with self.ctx.read() as session:
            for kind, (model, _, _) in KINDS.items():
                table = model.__tablename__
                contact = "t" if kind == "contact" else "c"
                join = "" if kind == "contact" else " JOIN contacts c ON c.id = t.contact_id"
                rows = session.execute(
                    text(
                        f"SELECT t.id, {_TITLE[kind]}, {contact}.display_name, t.deleted_at"
                        f" FROM {table} t{join} WHERE t.deleted_at IS NOT NULL"
                        " ORDER BY t.deleted_at DESC LIMIT :n"
                    ),
                    {"n": limit},
                ).all()
                who = _deleters(session, kind, [r[0] for r in rows])
                found += [
                    TrashItem(kind, r[0], r[1] or "", r[2], parse_utc(r[3]), who.get(r[0], ""))
                    for r in rows
                ]
        found.sort(key=lambda item: item.deleted_at, reverse=True)
        return found[:limit]

    def may_purge(self) -> bool:
        """Whether the acting user may purge (the owner)."""
        with self.ctx.read() as session:
            return allowed(session, self.ctx.actor_id, permissions.PURGE)

    def restore(self, kind: str, item_id: str) -> None:
        """Bring one record back from the trash."""
        model, entity, label = _kind(kind)
        with self.ctx.write() as uow:
            row = _trashed(uow.session, model, item_id, label)
            if kind != "contact":
                parent = uow.session.get(Contact, row.contact_id)  # type: ignore[union-attr]
                if parent is not None and parent.deleted_at is not None:
                    raise ValidationError(
                        f"{label} belongs to {parent.display_name}, who is in the trash too; "
                        "restore the contact first."
                    )
            row.deleted_at = None
            row.updated_at = utcnow()
            uow.record("restore", entity, item_id, _summary(row))
            uow.touch_contact(item_id if kind == "contact" else row.contact_id)  # type: ignore[union-attr]

    def purge(self, kind: str, item_id: str) -> int:
        """Remove one record in the trash for good (the owner only); returns rows removed."""
        model, entity, label = _kind(kind)
        with self.ctx.write() as uow:
            require(uow.session, self.ctx.actor_id, permissions.PURGE)
            row = _trashed(uow.session, model, item_id, label)
            summary = _summary(row)
            if kind == "contact":
                rows = purge.contact_rows(uow.session, [item_id])
            else:
                rows = purge.record_rows(uow.session, model.__tablename__, [item_id])
            uow.session.expunge_all()  # the rows go by SQL: no stale ORM copy may flush
            removed = purge.remove(uow.session, rows, send=True)
            uow.record("purge", entity, item_id, summary, {"rows": removed})
            return removed

    def purge_older_than(self, days: int) -> int:
        """Purge everything deleted more than ``days`` days ago; returns records purged."""
        if days < 0:
            raise ValidationError("--older-than takes a number of days, 0 or more.")
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, permissions.PURGE)
        cutoff = utcnow() - timedelta(days=days)
        old = [i for i in self.items(limit=1_000_000) if i.deleted_at <= cutoff]
        # Contacts first: purging one takes its activities, deals and follow-ups along.
        gone: set[str] = set()
        purged = 0
        for item in sorted(old, key=lambda i: i.kind != "contact"):
            if item.id in gone:
                continue
            with self.ctx.read() as session:
                model = KINDS[item.kind][0]
                if session.get(model, item.id) is None:
                    continue
            self.purge(item.kind, item.id)
            gone.add(item.id)
            purged += 1
        return purged


def _kind(kind: str) -> tuple[type[Contact | Activity | Deal | FollowUp], str, str]:
    if kind not in KINDS:
        raise ValidationError(f"'{kind}' is not something in the trash; use {', '.join(KINDS)}.")
    return KINDS[kind]


def _trashed(
    session: Session, model: type[Contact | Activity | Deal | FollowUp], item_id: str, label: str
) -> Contact | Activity | Deal | FollowUp:
    row = session.execute(select(model).where(model.id == item_id)).scalar_one_or_none()
    if row is None or row.deleted_at is None:
        raise NotInTrash(f"{label} {item_id} is not in the trash.")
    return row


def _summary(row: Contact | Activity | Deal | FollowUp) -> str:
    if isinstance(row, Contact):
        return row.display_name
    if isinstance(row, Deal):
        return row.title
    if isinstance(row, Activity):
        return row.kind
    return row.text


def _deleters(session: Session, kind: str, ids: list[str]) -> dict[str, str]:
    """Who made the latest ``delete`` audit entry of each record."""
    entity = KINDS[kind][1]
    out: dict[str, str] = {}
    for start in range(0, len(ids), purge.CHUNK):
        chunk = ids[start : start + purge.CHUNK]
        rows = session.execute(
            select(AuditEntry.entity_id, User.display_name, User.username)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .where(
                AuditEntry.entity == entity,
                AuditEntry.action == "delete",
                AuditEntry.entity_id.in_(chunk),
            )
            .order_by(AuditEntry.seq)
        )
        for entity_id, display, username in rows:
            out[entity_id] = display or username or ""
    return out
