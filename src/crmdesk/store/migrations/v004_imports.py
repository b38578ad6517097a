"""Schema version 4: the record of each import, so a whole import can be undone.

``imports`` holds one row per import (file, format, who, when, counts, and when
it was undone); ``import_items`` one row per contact the import created or
merged into, with the merged contact's values before and after the merge.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE imports (
        id TEXT PRIMARY KEY,
        file_name TEXT NOT NULL,
        format TEXT NOT NULL,
        preset TEXT NOT NULL DEFAULT '',
        user_id TEXT REFERENCES users (id),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        created INTEGER NOT NULL DEFAULT 0,
        merged INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        undone_at TEXT
    )""",
    "CREATE INDEX ix_imports_started ON imports (started_at)",
    """CREATE TABLE import_items (
        import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        action TEXT NOT NULL CHECK (action IN ('created', 'merged')),
        before TEXT,
        after TEXT,
        PRIMARY KEY (import_id, contact_id)
    )""",
    "CREATE INDEX ix_import_items_contact ON import_items (contact_id)",
]
