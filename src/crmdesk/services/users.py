"""Users of this database (the owner is created with it)."""

from __future__ import annotations

import getpass

from sqlalchemy import select

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.services.audit import append
from crmdesk.store.database import Database
from crmdesk.store.models import User

ROLES = ("owner", "salesperson", "accountant")


def create_owner(db: Database, username: str | None = None) -> str:
    """Create the owner user of a new database; returns its id."""
    username = username or _login_name()
    now = utcnow()
    with db.writing() as session:
        user = User(
            id=new_id(),
            username=username,
            display_name=username,
            role="owner",
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        append(session, user.id, "create", "user", user.id, f"owner {username}")
        return user.id


def default_actor(db: Database) -> str | None:
    """The user acting when nobody has signed in: the first owner."""
    with db.reading() as session:
        return session.execute(
            select(User.id)
            .where(User.role == "owner", User.deleted_at.is_(None))
            .order_by(User.created_at)
            .limit(1)
        ).scalar_one_or_none()


def _login_name() -> str:
    try:
        return getpass.getuser() or "owner"
    except (OSError, KeyError):
        return "owner"
