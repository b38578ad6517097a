"""Privacy: when and how a contact's marketing consent was given or withdrawn.

``consent_marketing`` (schema 1) says yes or no; a data subject request also
asks *when* and *from where* (a web form, a signed paper, a phone call).
``ix_contacts_stage_updated`` finds leads untouched for months (retention review)
without reading every contact. The search index's ``secure-delete`` option makes a
removed document leave no tokens behind in the index (an erased person must
not be findable in the file's pages).
"""

from __future__ import annotations

STATEMENTS = [
    "ALTER TABLE contacts ADD COLUMN consent_marketing_at TEXT",
    "ALTER TABLE contacts ADD COLUMN consent_source TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX ix_contacts_stage_updated ON contacts (stage, updated_at)",
    "INSERT INTO contact_fts (contact_fts, rank) VALUES ('secure-delete', 1)",
]
