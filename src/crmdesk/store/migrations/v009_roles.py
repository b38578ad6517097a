"""Schema step "roles": sign-in secrets, disabled users, custom roles.

- ``users.secret_hash``: the optional PIN or password a user signs in with
  (argon2id, or scrypt where argon2-cffi is missing; never the secret itself).
- ``users.disabled_at``: a disabled user can no longer sign in; their records
  keep pointing at them.
- ``roles``: roles the owner made from the permission list (JSON array of
  permission names). They stay in this file: users and roles do not sync.

``ix_contacts_owner_sort`` serves the "salespeople see only their own records"
list and search.
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE users ADD COLUMN secret_hash TEXT",
    "ALTER TABLE users ADD COLUMN disabled_at TEXT",
    """CREATE TABLE roles (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        permissions TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX ix_contacts_owner_sort ON contacts (owner_id, sort_key, num) "
    "WHERE deleted_at IS NULL",
]
