"""Insight: covering indexes for the reports that read every purchase or complaint.

The customers-at-risk report walks each customer's purchases in time order
(the gaps between them), and the complaints report counts a customer's
purchases around each complaint. Through ``ix_activities_kind_time`` every
purchase costs a lookup of its wide activities row (random pages of the file);
these partial indexes hold just the live purchases and complaints with the
columns the reports read, in the order they read them, so the reports never
touch the activities rows themselves. ``ix_contacts_deleted`` (the few contacts
in the trash) lets them leave out a deleted contact's activities without a
lookup of every activity's contact.
"""

from __future__ import annotations

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS ix_activities_purchases ON activities "
    "(contact_id, occurred_at, amount_minor, currency) "
    "WHERE kind = 'purchase' AND deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS ix_contacts_deleted ON contacts (id) WHERE deleted_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_activities_complaints ON activities "
    "(occurred_at, contact_id, status, resolved_at) "
    "WHERE kind = 'complaint' AND deleted_at IS NULL",
]
