"""Unit of work: one write transaction, with the audit entry recorded in it.

Every change the services make passes through :meth:`UnitOfWork.record`, the
single hook where the audit trail is written in the same transaction as the
data; the session also captures every write to a synced table into the sync
outbox (:mod:`crmdesk.services.sync_capture`), in that same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.domain.permissions import MANAGE_USERS
from crmdesk.services import audit, sync_capture
from crmdesk.services.permissions import require
from crmdesk.store import fts
from crmdesk.store.database import Database
from crmdesk.store.models import Setting


@dataclass
class UnitOfWork:
    """A write session, who is acting, and what has changed so far."""

    session: Session
    actor_id: str | None
    touched_contacts: set[str] = field(default_factory=set)

    def record(
        self,
        action: str,
        entity: str,
        entity_id: str | None,
        summary: str = "",
        changes: dict[str, Any] | None = None,
    ) -> None:
        """Append the audit entry for one change."""
        audit.append(self.session, self.actor_id, action, entity, entity_id, summary, changes)

    def require(self, permission: str) -> None:
        """Raise ``PermissionDenied`` unless the acting user may do ``permission``."""
        require(self.session, self.actor_id, permission)

    def set_setting(self, key: str, value: str) -> None:
        """Keep a setting inside the database (audited when it changes).

        The file's settings are shared by everyone using it, so changing one
        needs the owner's right to manage users.
        """
        row = self.session.get(Setting, key)
        old = row.value if row else None
        if old == value:
            return
        self.require(MANAGE_USERS)
        if row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value
        self.record("update", "setting", key, key, {key: [old, value]})

    def touch_contact(self, contact_id: str) -> None:
        """Mark a contact whose search document must be rebuilt at commit."""
        self.touched_contacts.add(contact_id)


@contextmanager
def unit_of_work(db: Database, actor_id: str | None) -> Iterator[UnitOfWork]:
    """Run a block as one transaction; the search index follows in it."""
    with db.writing() as session:
        session.info["crmdesk.db"] = db
        sync_capture.attach(session)
        uow = UnitOfWork(session, actor_id)
        yield uow
        session.flush()
        if uow.touched_contacts:
            fts.reindex_contacts(session, uow.touched_contacts)
