"""Schema step: one sync clock row per synced row instead of one per field.

``sync_row_clocks.stamps`` is a JSON object, field name -> the clock stamp of
the value that field holds here (the same stamps ``sync_clocks`` held, one row
each). A first sync of 100,000 contacts wrote 2.7 million clock rows, more
bytes than the data they describe; it now writes one row per synced row.
Every field keeps its own exact stamp: last writer wins, the ``base`` of an
outgoing edit and the summary checksum all need it.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE sync_row_clocks (
        entity TEXT NOT NULL,
        row_id TEXT NOT NULL,
        stamps TEXT NOT NULL,
        PRIMARY KEY (entity, row_id)
    ) WITHOUT ROWID""",
    "INSERT INTO sync_row_clocks (entity, row_id, stamps)"
    " SELECT entity, row_id, json_group_object(field, stamp) FROM sync_clocks"
    " GROUP BY entity, row_id",
    "DROP TABLE sync_clocks",
]
