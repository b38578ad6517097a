"""Roles: the built-in ones and those the owner makes from the permission list.

Custom roles live in this database's ``roles`` table and do not sync: each
laptop's owner makes the roles its users need (the sync server enforces its
own accounts' built-in roles).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from crmdesk.domain.clock import utcnow
from crmdesk.domain.permissions import (
    BUILTIN_ROLES,
    MANAGE_USERS,
    PERMISSIONS,
    check_role_name,
    validate_permissions,
)
from crmdesk.errors import ValidationError
from crmdesk.services.context import Context
from crmdesk.store.models import Role


@dataclass(frozen=True)
class RoleView:
    """A role and what it grants, in the order of the permission list."""

    name: str
    permissions: tuple[str, ...]
    builtin: bool


class RoleService:
    """Listing roles and making new ones."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self) -> list[RoleView]:
        """Built-in roles first, then custom ones by name."""
        result = [RoleView(name, _ordered(grants), True) for name, grants in BUILTIN_ROLES.items()]
        with self.ctx.read() as session:
            for role in session.execute(select(Role).order_by(func.lower(Role.name))).scalars():
                result.append(RoleView(role.name, _ordered(json.loads(role.permissions)), False))
        return result

    def add(self, name: str, permissions: Iterable[str]) -> RoleView:
        """Make a role (owner only) granting ``permissions``."""
        try:
            name = check_role_name(name)
            grants = validate_permissions(p.strip() for p in permissions if p.strip())
        except ValueError as exc:
            raise ValidationError(f"Cannot make that role: {exc}.") from exc
        if not grants:
            raise ValidationError("A role needs at least one permission, such as view.")
        now = utcnow()
        view = RoleView(name, _ordered(grants), False)
        with self.ctx.write() as uow:
            uow.require(MANAGE_USERS)
            if uow.session.get(Role, name) is not None:
                raise ValidationError(f"A role named '{name}' already exists.")
            uow.session.add(
                Role(
                    name=name,
                    permissions=json.dumps(list(view.permissions)),
                    created_at=now,
                    updated_at=now,
                )
            )
            uow.record("create", "role", name, name, {"permissions": list(view.permissions)})
        return view


def _ordered(grants: Iterable[str]) -> tuple[str, ...]:
    given = set(grants)
    return tuple(p for p in PERMISSIONS if p in given)
