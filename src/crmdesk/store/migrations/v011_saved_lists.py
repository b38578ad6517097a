"""Saved searches ("smart lists"): a name and a query kept as JSON.

``query`` holds :meth:`crmdesk.domain.smart_query.SmartQuery.to_json` (with
its own version number); relative dates stay relative in it, so a list is
re-run live. Names are unique among live lists in the service, not by an
index: two laptops that name a list alike offline must still sync.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE saved_lists (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_saved_lists_name ON saved_lists (name COLLATE NOCASE)",
]
