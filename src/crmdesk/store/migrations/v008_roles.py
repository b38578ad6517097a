"""Schema step "roles": sign-in secrets, disabled users, custom roles.

- ``users.secret_hash``: the optional PIN or password a user signs in with
  (argon2id, or scrypt where argon2-cffi is missing; never the secret itself).
- ``users.disabled_at``: a disabled user can no longer sign in; their records
  keep pointing at them.
- ``roles``: roles the owner made from the permission list (JSON array of
  permission names). They stay in this file: users and roles do not sync.

The stand-ins sync made for users of other laptops (``remote-...``) become
disabled: nobody signs in as them, so a laptop that synced is not asked
"Who is working?" because of them.

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
    "UPDATE users SET disabled_at = updated_at WHERE username LIKE 'remote-%'",
    "CREATE INDEX ix_contacts_owner_sort ON contacts (owner_id, sort_key, num) "
    "WHERE deleted_at IS NULL",
]
