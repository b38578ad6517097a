"""Permission checks in the service layer: who is acting, and may they do this."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.permissions import PERMISSION_LABELS, role_allows
from crmdesk.errors import PermissionDenied
from crmdesk.store.models import User


def actor_role(session: Session, actor_id: str | None) -> str:
    """The acting user's role; nobody signed in on a single-user file acts as owner."""
    if actor_id is None:
        return "owner"
    role = session.execute(
        select(User.role).where(User.id == actor_id, User.deleted_at.is_(None))
    ).scalar_one_or_none()
    return role or ""


def allowed(session: Session, actor_id: str | None, permission: str) -> bool:
    """Whether the acting user may do ``permission``."""
    return role_allows(actor_role(session, actor_id), permission)


def require(session: Session, actor_id: str | None, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless the acting user may do ``permission``."""
    role = actor_role(session, actor_id)
    if not role_allows(role, permission):
        what = PERMISSION_LABELS.get(permission, permission)
        raise PermissionDenied(
            f"Your role ({role or 'none'}) may not {what}; ask the owner of this database."
        )
