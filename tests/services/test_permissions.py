"""Built-in roles and the service-layer check, on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdesk.domain import permissions as p
from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.errors import PermissionDenied
from crmdesk.services.app import Crm
from crmdesk.services.permissions import actor_role, allowed, require
from crmdesk.store.models import User


def test_builtin_roles() -> None:
    assert p.role_allows("owner", p.PURGE)
    assert not p.role_allows("salesperson", p.PURGE)
    assert not p.role_allows("salesperson", p.BULK_EXPORT)
    assert p.role_allows("accountant", p.EXPORT)
    assert not p.role_allows("accountant", p.EDIT)
    assert not p.role_allows("nobody", p.VIEW)
    with pytest.raises(ValueError, match="teleport"):
        p.validate_permissions([p.VIEW, "teleport"])


def test_require_reads_the_actor_role(tmp_path: Path) -> None:
    crm = Crm.create(tmp_path / "c.db", "a long passphrase here", owner="olga")
    try:
        now = utcnow()
        with crm.db.writing() as session:
            session.add(
                User(
                    id=(sales := new_id()),
                    username="sam",
                    display_name="Sam",
                    role="salesperson",
                    created_at=now,
                    updated_at=now,
                )
            )
        with crm.db.reading() as session:
            assert actor_role(session, crm.ctx.actor_id) == "owner"
            assert actor_role(session, None) == "owner"
            require(session, crm.ctx.actor_id, p.PURGE)
            assert allowed(session, sales, p.EDIT)
            with pytest.raises(PermissionDenied, match="salesperson"):
                require(session, sales, p.PURGE)
            assert not allowed(session, new_id(), p.VIEW)
    finally:
        crm.close()
