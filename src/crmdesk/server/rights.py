"""What a signed-in account may do on the server: the desktop's permission table,
enforced here authoritatively (a modified client cannot talk its way past it).

- push: ``edit``; a tombstone (``_deleted`` true) also needs ``delete``; a
  purge or an erasure (``_purged``, protocol rule 9) needs ``purge``; rows of
  users or roles need ``manage_users`` (desktop users and roles do not sync
  today; a push of them from anyone but an owner is refused all the same);
- ``/users``: ``manage_users``; ``/export/rows``: ``bulk_export``; purging
  history: ``purge``.
- pull and snapshot: ``view``. A laptop's replica is the data its user works
  with offline, so the server cannot tell a first sync from a copy; what it can
  refuse is the bulk export for roles without ``bulk_export``.
"""

from __future__ import annotations

from collections.abc import Iterable

from crmdesk.domain.permissions import (
    DELETE,
    EDIT,
    MANAGE_USERS,
    PERMISSION_LABELS,
    PURGE,
)
from crmdesk.server.accounts import Principal
from crmdesk.server.errors import Forbidden
from crmdesk.sync.protocol import DELETED, PURGED, Change

#: Tables whose rows only an account that manages users may push.
ACCOUNT_ENTITIES = frozenset({"users", "roles"})


def require(who: Principal, permission: str) -> None:
    """Raise :class:`Forbidden` unless the account's role grants ``permission``."""
    if permission not in who.permissions:
        what = PERMISSION_LABELS.get(permission, permission)
        raise Forbidden(f"The {who.user.role} role may not {what}.")


def check_may_push(who: Principal) -> None:
    """Refuse an account whose role may read but not change data."""
    if EDIT not in who.permissions:
        raise Forbidden(f"The {who.user.role} role may read but not change data.")


def check_push(who: Principal, changes: Iterable[Change]) -> None:
    """Refuse a batch holding a change the account's role may not make."""
    check_may_push(who)
    for change in changes:
        if change.entity in ACCOUNT_ENTITIES:
            require(who, MANAGE_USERS)
        if change.field == DELETED and change.value is True:
            require(who, DELETE)
        if change.field == PURGED:
            require(who, PURGE)
