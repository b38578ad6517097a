"""Record visibility: "salespeople see only their own records".

When the ``own_records_only`` setting is on, a user whose role lacks
``see_all`` sees the contacts they own plus the unowned ones (leads from the
web form or an import without an owner column, which someone must pick up);
the list, search, screen pop, card and exports all apply it. Activities,
deals and follow-ups follow their contact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crmdesk.domain.permissions import SEE_ALL
from crmdesk.services.permissions import actor_role, role_permissions
from crmdesk.store.models import Contact, Setting

OWN_RECORDS_KEY = "own_records_only"


def owner_scope(session: Session, actor_id: str | None) -> str | None:
    """The user whose contacts alone the actor sees, or None when they see all."""
    if actor_id is None:
        return None
    setting = session.execute(select(Setting.value).where(Setting.key == OWN_RECORDS_KEY)).scalar()
    if setting != "1":
        return None
    if SEE_ALL in role_permissions(session, actor_role(session, actor_id)):
        return None
    return actor_id


def visible(owner: str) -> Any:
    """SQL condition: contacts ``owner`` may see when restricted to their own."""
    return or_(Contact.owner_id == owner, Contact.owner_id.is_(None))
