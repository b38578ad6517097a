"""What every service needs: the database, who is acting, and the defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from crmdesk.services.uow import UnitOfWork, unit_of_work
from crmdesk.store.database import Database


@dataclass
class Context:
    """Database, acting user, default phone region and currency."""

    db: Database
    actor_id: str | None
    region: str
    currency: str

    def write(self) -> AbstractContextManager[UnitOfWork]:
        """One write transaction with its audit entries."""
        return unit_of_work(self.db, self.actor_id)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only snapshot."""
        with self.db.reading() as session:
            yield session
