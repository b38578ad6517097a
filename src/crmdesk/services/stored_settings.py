"""Settings kept inside the database (shared by everyone using the file)."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.services.context import Context
from crmdesk.store.database import Database
from crmdesk.store.models import Setting


def read_all(db: Database) -> dict[str, str]:
    """Every stored setting."""
    with db.reading() as session:
        return {s.key: s.value for s in session.execute(select(Setting)).scalars()}


def save(ctx: Context, key: str, value: str) -> None:
    """Keep one setting, with its audit entry (nothing is written when unchanged)."""
    with ctx.write() as uow:
        uow.set_setting(key, value)
