"""Covering indexes that let reports read an index, not the tables.

Reports walk a year or two of activities by time. Through the old
``(kind, occurred_at)`` index each row still had to be fetched from the
table for its amount or ``deleted_at``: a random page read and decryption per
row, minutes over a million purchases. These indexes hold what the reports
read, for live rows only, in time order:

- live purchases with currency and amount only (sales totals: a third of
  the pages of the wide one below, and reading pages is what costs);
- live purchases with currency, amount, contact, salesperson and id (sales by
  customer, salesperson or product, and for users who see only their own);
- every live activity by kind and time (activity volume: each kind's month is
  one range of the index, counted without reading a row);
- order lines by purchase with product and line total (sales by product),
  replacing the plain ``activity_id`` index;
- stage changes by time with stage and contact, and by contact with time and
  stage (the customer journey), replacing the two narrower ones;
- live contacts by id with source and owner (the journey per source, and
  "only my contacts"), read in id order beside the stage history.

Statements are IF (NOT) EXISTS: while the lead orders the steps of parallel
branches, a file opened with another numbering must not fail on them. The
sales queries name their index (``INDEXED BY``): without statistics the
planner prefers ``(kind, occurred_at)`` for its two constraints, and then reads
the table row of every purchase. ``kind`` and ``deleted_at`` are repeated as
trailing columns although the WHERE fixes them: SQLite counts an index as
covering only when every column the query names is in it.
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS ix_activities_purchase_totals ON activities "
    "(occurred_at, currency, amount_minor, kind, deleted_at) "
    "WHERE kind = 'purchase' AND deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_activities_purchase_time ON activities "
    "(occurred_at, currency, amount_minor, contact_id, user_id, id, kind, deleted_at) "
    "WHERE kind = 'purchase' AND deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_activities_live_kind_time ON activities "
    "(kind, occurred_at, deleted_at) WHERE deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_order_lines_activity_product ON order_lines "
    "(activity_id, product_id, line_total_minor)",
    "DROP INDEX IF EXISTS ix_order_lines_activity",
    "CREATE INDEX IF NOT EXISTS ix_stage_history_time_stage ON stage_history "
    "(changed_at, to_stage, contact_id)",
    "DROP INDEX IF EXISTS ix_stage_history_time",
    "CREATE INDEX IF NOT EXISTS ix_stage_history_contact_stage ON stage_history "
    "(contact_id, changed_at, to_stage)",
    "DROP INDEX IF EXISTS ix_stage_history_contact",
    "CREATE INDEX IF NOT EXISTS ix_contacts_live_id ON contacts "
    "(id, source, owner_id, deleted_at) WHERE deleted_at IS NULL",
]
