"""Search index: replaced documents are merged away, not securely deleted one by one.

Schema 9 turned on FTS5's ``secure-delete``, which erased a removed
document's tokens at once but made every re-index about five times slower
(a pull of 1,000 edited contacts spent 2 of its 2.3 s there). Erasure and
purge now merge the whole index instead (``fts.scrub``), which drops the
tokens of removed documents and of every old version of a changed one.
"""

from __future__ import annotations

STATEMENTS = [
    "INSERT INTO contact_fts (contact_fts, rank) VALUES ('secure-delete', 0)",
]
