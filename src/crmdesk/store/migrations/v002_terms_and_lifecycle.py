"""Schema version 2: commercial terms per customer and the lifecycle history.

The sales desk needs payment terms, credit limit and price list on the screen
pop; reports need to know when each contact moved between stages.
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE contacts ADD COLUMN payment_terms_days INTEGER",
    "ALTER TABLE contacts ADD COLUMN credit_limit_minor INTEGER",
    "ALTER TABLE contacts ADD COLUMN terms_currency TEXT",
    "ALTER TABLE contacts ADD COLUMN discount_bp INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE contacts ADD COLUMN price_list TEXT NOT NULL DEFAULT ''",
    """CREATE TABLE stage_history (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        from_stage TEXT,
        to_stage TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        user_id TEXT REFERENCES users (id)
    )""",
    "CREATE INDEX ix_stage_history_contact ON stage_history (contact_id, changed_at)",
    "CREATE INDEX ix_stage_history_time ON stage_history (changed_at)",
    # Every contact that existed before this version entered its current
    # stage no later than its creation as far as we know.
    """INSERT INTO stage_history (id, contact_id, from_stage, to_stage, changed_at, user_id)
       SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3)
                    || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
              id, NULL, stage, created_at, owner_id
       FROM (SELECT hex(randomblob(16)) AS h, * FROM contacts)""",
]
