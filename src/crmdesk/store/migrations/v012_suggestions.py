"""Suggested follow-ups the user accepted or dismissed, and a purchase index for upsell.

- ``suggestion_decisions``: one row per suggestion occasion the user decided on
  (a birthday in a given year, a silence since a given last purchase, a resolved
  complaint), so that occasion is not suggested again. ``outcome`` is
  ``accepted`` (a follow-up was made) or ``dismissed``. The id is derived from
  contact, rule and occasion, so two laptops deciding on the same occasion write
  the same row; the table syncs.
- ``ix_activities_purchases_updated``: the live purchases' last change found
  from an index, so the upsell rules know cheaply when purchases changed.
"""

from __future__ import annotations

STATEMENTS = [
    """CREATE TABLE suggestion_decisions (
        id TEXT PRIMARY KEY,
        contact_id TEXT NOT NULL REFERENCES contacts (id),
        rule TEXT NOT NULL,
        occasion TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'dismissed')),
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    )""",
    "CREATE INDEX ix_suggestion_decisions_contact ON suggestion_decisions (contact_id)",
    "CREATE INDEX ix_activities_purchases_updated ON activities (updated_at)"
    " WHERE kind = 'purchase'",
]
