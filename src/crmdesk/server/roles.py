"""Server roles: the three built-in ones, and custom roles an owner makes.

A custom role is a name and a set of permissions from the table the desktop
uses (``domain/permissions.py``), so "may export but not delete" means the
same on a laptop and on the server. Built-in roles live in the code only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, select

from crmdesk.domain.permissions import (
    BUILTIN_ROLES,
    PERMISSIONS,
    check_role_name,
    validate_permissions,
)
from crmdesk.errors import NotFound, ValidationError
from crmdesk.server import tables
from crmdesk.server.storage import ServerDatabase

MAX_NAME = 16


@dataclass(frozen=True)
class RoleInfo:
    """A role, what it grants (in the table's order), and whether it is built in."""

    name: str
    permissions: tuple[str, ...]
    builtin: bool


def _ordered(grants: frozenset[str]) -> tuple[str, ...]:
    return tuple(p for p in PERMISSIONS if p in grants)


def grants(conn: Connection, role: str) -> frozenset[str] | None:
    """What ``role`` grants, or None when no such role exists."""
    if role in BUILTIN_ROLES:
        return BUILTIN_ROLES[role]
    stored = conn.execute(
        select(tables.roles.c.permissions).where(tables.roles.c.name == role)
    ).scalar()
    return None if stored is None else frozenset(stored.split())


def role_names(conn: Connection) -> list[str]:
    """Every role an account may be given: built-in, then custom by name."""
    custom = conn.execute(select(tables.roles.c.name).order_by(tables.roles.c.name)).scalars()
    return [*BUILTIN_ROLES, *custom]


def add_role(db: ServerDatabase, name: str, permissions: list[str], now_ms: int) -> RoleInfo:
    """Make a custom role; ``ValidationError`` for a bad or taken name or permission."""
    try:
        name = check_role_name(name)
        granted = validate_permissions(p.strip() for p in permissions if p.strip())
    except ValueError as exc:
        raise ValidationError(f"Cannot make that role: {exc}.") from exc
    if len(name) > MAX_NAME or " " in name:
        raise ValidationError(f"A server role name is 1 to {MAX_NAME} characters, no spaces.")
    if not granted:
        raise ValidationError("A role needs at least one permission, such as view.")
    role = RoleInfo(name, _ordered(granted), False)
    with db.writing() as conn:
        if grants(conn, name) is not None:
            raise ValidationError(f"A role named '{name}' already exists.")
        conn.execute(
            tables.roles.insert().values(
                name=name, permissions=" ".join(role.permissions), created_ms=now_ms
            )
        )
    return role


def list_roles(db: ServerDatabase) -> list[RoleInfo]:
    """The built-in roles, then the custom ones by name."""
    with db.reading() as conn:
        rows = conn.execute(select(tables.roles).order_by(tables.roles.c.name)).all()
    return [RoleInfo(n, _ordered(g), True) for n, g in BUILTIN_ROLES.items()] + [
        RoleInfo(row.name, _ordered(frozenset(row.permissions.split())), False) for row in rows
    ]


def remove_role(db: ServerDatabase, name: str) -> None:
    """Delete a custom role nobody has any longer."""
    if name in BUILTIN_ROLES:
        raise ValidationError(f"'{name}' is a built-in role; it cannot be removed.")
    with db.writing() as conn:
        if grants(conn, name) is None:
            raise NotFound(f"There is no role named '{name}'.")
        users = conn.execute(
            select(func.count()).select_from(tables.users).where(tables.users.c.role == name)
        ).scalar_one()
        if users:
            raise ValidationError(
                f"{users} account(s) still have the role '{name}'; give them another role first."
            )
        conn.execute(delete(tables.roles).where(tables.roles.c.name == name))
