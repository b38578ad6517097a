"""Permission checks in the service layer: who is acting, and may they do this.

Built-in roles come from :mod:`crmdesk.domain.permissions`; roles the owner
made are looked up in this database's ``roles`` table.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.permissions import (
    BUILTIN_ROLES,
    BULK_DELETE,
    BULK_EXPORT,
    DELETE,
    EXPORT,
    PERMISSION_LABELS,
    PERMISSIONS,
)
from crmdesk.errors import BulkRefused, PermissionDenied
from crmdesk.store.models import Role, Setting, User


def actor_role(session: Session, actor_id: str | None) -> str:
    """The acting user's role; nobody signed in on a single-user file acts as owner.

    A removed or disabled user has no role (and so may do nothing).
    """
    if actor_id is None:
        return "owner"
    role = session.execute(
        select(User.role).where(
            User.id == actor_id, User.deleted_at.is_(None), User.disabled_at.is_(None)
        )
    ).scalar_one_or_none()
    return role or ""


def role_permissions(session: Session, role: str) -> frozenset[str]:
    """What ``role`` grants: a built-in role's set, or a custom role's from the database."""
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role]
    stored = session.execute(select(Role.permissions).where(Role.name == role)).scalar()
    if stored is None:
        return frozenset()
    return frozenset(json.loads(stored)) & frozenset(PERMISSIONS)


def allowed(session: Session, actor_id: str | None, permission: str) -> bool:
    """Whether the acting user may do ``permission``."""
    return permission in role_permissions(session, actor_role(session, actor_id))


def require(session: Session, actor_id: str | None, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless the acting user may do ``permission``."""
    role = actor_role(session, actor_id)
    if permission not in role_permissions(session, role):
        what = PERMISSION_LABELS.get(permission, permission)
        raise PermissionDenied(
            f"Your role ({role or 'none'}) may not {what}; ask the owner of this database."
        )


BULK_LIMIT_KEY = "bulk_limit"
DEFAULT_BULK_LIMIT = 500
_BULK = {DELETE: BULK_DELETE, EXPORT: BULK_EXPORT}


def bulk_limit(session: Session) -> int:
    """Rows above which a delete or export is *bulk* (the ``bulk_limit`` setting)."""
    stored = session.execute(select(Setting.value).where(Setting.key == BULK_LIMIT_KEY)).scalar()
    return int(stored) if stored and stored.isdigit() else DEFAULT_BULK_LIMIT


def require_rows(
    session: Session, actor_id: str | None, permission: str, rows: int, what: str
) -> bool:
    """Check ``permission`` (delete or export) for ``rows`` rows; True when it is bulk.

    Over the bulk limit the role also needs ``bulk_delete``/``bulk_export``,
    else :class:`BulkRefused` says so.
    """
    require(session, actor_id, permission)
    limit = bulk_limit(session)
    if rows <= limit:
        return False
    role = actor_role(session, actor_id)
    bulk = _BULK[permission]
    if bulk not in role_permissions(session, role):
        raise BulkRefused(
            f"{rows:,} {what} is over the bulk limit of {limit:,} rows, and your role "
            f"({role}) may not {PERMISSION_LABELS[bulk]}; choose fewer or ask the owner."
        )
    return True
