"""Schema version 6: duplicate proposals found after a sync, and merges that can be undone.

- ``duplicate_proposals``: a pair of contacts (``contact_a`` < ``contact_b``, so a
  pair is kept once) that look like the same customer, why, and what became of
  it: ``open``, ``dismissed`` ("not duplicates", never proposed again) or
  ``merged``.
- ``contact_merges``: one row per merge of ``other_id`` into ``keep_id``, with
  what moved and what was filled in (JSON), so the merge can be undone.

``ix_contacts_updated`` finds the contacts changed since the last look for
duplicates without reading the whole table. Neither table syncs: proposals
are found on each laptop, and a merge travels as the field changes it made.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE duplicate_proposals (
        id TEXT PRIMARY KEY,
        contact_a TEXT NOT NULL REFERENCES contacts (id),
        contact_b TEXT NOT NULL REFERENCES contacts (id),
        reason TEXT NOT NULL,
        found_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'merged')),
        resolved_at TEXT,
        CHECK (contact_a < contact_b),
        UNIQUE (contact_a, contact_b)
    )""",
    "CREATE INDEX ix_duplicate_proposals_status ON duplicate_proposals (status, found_at, id)",
    "CREATE INDEX ix_duplicate_proposals_b ON duplicate_proposals (contact_b)",
    """CREATE TABLE contact_merges (
        id TEXT PRIMARY KEY,
        keep_id TEXT NOT NULL REFERENCES contacts (id),
        other_id TEXT NOT NULL REFERENCES contacts (id),
        user_id TEXT REFERENCES users (id),
        merged_at TEXT NOT NULL,
        moved TEXT NOT NULL,
        filled TEXT NOT NULL,
        undone_at TEXT
    )""",
    "CREATE INDEX ix_contact_merges_other ON contact_merges (other_id, merged_at)",
    "CREATE INDEX ix_contacts_updated ON contacts (updated_at)",
]
