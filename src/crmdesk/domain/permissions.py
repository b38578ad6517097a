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
)

BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "owner": frozenset(PERMISSIONS),
    "salesperson": frozenset({VIEW, EDIT, DELETE, EXPORT}),
    "accountant": frozenset({VIEW, EXPORT, BULK_EXPORT}),
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
}


def validate_permissions(names: Iterable[str]) -> frozenset[str]:
    """The given permission names as a set; ``ValueError`` names an unknown one."""
    result = frozenset(names)
    unknown = sorted(result - set(PERMISSIONS))
    if unknown:
        raise ValueError(f"unknown permission {unknown[0]!r}")
    return result


def role_allows(role: str, permission: str) -> bool:
    """Whether a built-in role grants ``permission`` (unknown roles grant nothing)."""
    return permission in BUILTIN_ROLES.get(role, frozenset())
