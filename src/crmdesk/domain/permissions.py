"""What each built-in role may do: the one table the desktop and the server share.

The desktop checks these in the service layer for convenience; the server
checks them again, authoritatively, on every request.
"""

from __future__ import annotations

from collections.abc import Iterable

VIEW = "view"
EDIT = "edit"
DELETE = "delete"
PURGE = "purge"
EXPORT = "export"
BULK_EXPORT = "bulk_export"
BULK_DELETE = "bulk_delete"
MANAGE_USERS = "manage_users"
VIEW_AUDIT = "view_audit"
SEE_ALL = "see_all"

PERMISSIONS: tuple[str, ...] = (
    VIEW,
    EDIT,
    DELETE,
    PURGE,
    EXPORT,
    BULK_EXPORT,
    BULK_DELETE,
    MANAGE_USERS,
    VIEW_AUDIT,
    SEE_ALL,
)

BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "owner": frozenset(PERMISSIONS),
    "salesperson": frozenset({VIEW, EDIT, DELETE, EXPORT}),
    "accountant": frozenset({VIEW, EXPORT, BULK_EXPORT, SEE_ALL}),
}

PERMISSION_LABELS: dict[str, str] = {
    VIEW: "view records",
    EDIT: "add and change records",
    DELETE: "move records to the trash",
    PURGE: "empty the trash for good",
    EXPORT: "export",
    BULK_EXPORT: "export many records at once",
    BULK_DELETE: "delete many records at once",
    MANAGE_USERS: "manage users and roles",
    VIEW_AUDIT: "read the audit trail",
    SEE_ALL: "see everyone's records when salespeople see only their own",
}


def validate_permissions(names: Iterable[str]) -> frozenset[str]:
    """The given permission names as a set; ``ValueError`` names an unknown one."""
    result = frozenset(names)
    unknown = sorted(result - set(PERMISSIONS))
    if unknown:
        raise ValueError(f"unknown permission {unknown[0]!r}")
    return result


def check_role_name(name: str) -> str:
    """A new role's name, trimmed; ``ValueError`` for an empty, long or built-in one."""
    name = name.strip()
    if not name or len(name) > 40 or not all(ch.isalnum() or ch in "-_ " for ch in name):
        raise ValueError("a role name is 1 to 40 letters, digits, spaces, '-' or '_'")
    if name.casefold() in BUILTIN_ROLES:
        raise ValueError(f"{name!r} is a built-in role")
    return name


def role_allows(role: str, permission: str) -> bool:
    """Whether a built-in role grants ``permission`` (unknown roles grant nothing)."""
    return permission in BUILTIN_ROLES.get(role, frozenset())
