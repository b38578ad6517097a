"""Schema version 3: indexes that keep the contact card and screen pop fast.

Without them SQLite answered "this contact's purchases, newest first" by
walking every purchase in time order (the kind index), and "this contact's
open follow-ups by due date" by walking every open follow-up: fine at a
thousand contacts, 15-50 ms per card at twenty thousand.
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE INDEX ix_activities_contact_kind_time ON activities (contact_id, kind, occurred_at)",
    "CREATE INDEX ix_followups_contact_due ON followups (contact_id, due_at)",
    "DROP INDEX ix_followups_contact",
]
