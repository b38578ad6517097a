"""Schema step: the sync client's bookkeeping.

- ``sync_state``: key/value (node id, clock, cursor, server url, username,
  token, push sequence, last sync, last error).
- ``sync_clocks``: the clock stamp of the value each synced field holds here.
- ``sync_outbox``: field changes not yet acknowledged by the server, at most
  one unsent change per field (coalesced); ``batch_id`` is set while a batch
  carrying the change is in flight.
- ``sync_conflicts``: concurrent edits reported by the server, open until the
  user flips or dismisses them.
- ``sync_pending``: remote field values of rows that cannot be written yet
  (a required field or the parent row has not arrived).
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE sync_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE sync_clocks (
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        field TEXT NOT NULL,
        stamp TEXT NOT NULL,
        PRIMARY KEY (entity, row_id, field)
    ) WITHOUT ROWID""",
    """CREATE TABLE sync_outbox (
        id INTEGER PRIMARY KEY,
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        stamp TEXT NOT NULL,
        base TEXT,
        batch_id TEXT
    )""",
    "CREATE UNIQUE INDEX ux_sync_outbox_unsent ON sync_outbox (entity, row_id, field) "
    "WHERE batch_id IS NULL",
    "CREATE INDEX ix_sync_outbox_batch ON sync_outbox (batch_id)",
    """CREATE TABLE sync_conflicts (
        id TEXT PRIMARY KEY,
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        field TEXT NOT NULL,
        winner_value TEXT NOT NULL,
        winner_stamp TEXT NOT NULL,
        winner_user TEXT,
        loser_value TEXT NOT NULL,
        loser_stamp TEXT NOT NULL,
        loser_user TEXT,
        detected_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        resolved_at TEXT
    )""",
    "CREATE INDEX ix_sync_conflicts_status ON sync_conflicts (status, detected_at)",
    """CREATE TABLE sync_pending (
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        fields TEXT NOT NULL,
        waits_for TEXT,
        PRIMARY KEY (entity, row_id)
    )""",
    "CREATE INDEX ix_sync_pending_waits ON sync_pending (waits_for)",
]
