"""Copying this database's audit chain to the server, part of every sync.

The server keeps each node's chain and accepts only extensions of it, so a
database restored from an older copy (or with its trail edited) is refused:
here already, when the server's last entry is not in this chain, and by the
server again whatever a client claims.
"""

from __future__ import annotations

from collections.abc import Callable

from crmdesk.errors import AuditDiverged, SyncError
from crmdesk.services import audit
from crmdesk.store.database import Database
from crmdesk.sync.audit_wire import DIVERGED_MESSAGE, MAX_AUDIT_ENTRIES, AuditPush
from crmdesk.sync.transport import Transport


def push_audit(
    db: Database, transport: Transport, node: str, check_cancel: Callable[[], None]
) -> int | None:
    """Send the entries after the server's last one; returns how many (None: the
    server keeps no audit chains). ``AuditDiverged`` when this chain does not
    extend the server's copy."""
    held = transport.audit_head()
    if held is None:
        return None
    with db.reading() as session:
        length, head = audit.head(session)
        mine = audit.hash_at(session, held.length) if held.length <= length else None
    if mine != held.head:
        raise AuditDiverged(
            f"{DIVERGED_MESSAGE} (the server holds {held.length} entries, this database {length})."
        )
    after = held.length
    while after < length:
        check_cancel()
        with db.reading() as session:
            batch = list(audit.links(session, after, min(MAX_AUDIT_ENTRIES, length - after)))
        answer = transport.audit_push(AuditPush(node, batch, length, head))
        if answer.length <= after:
            raise SyncError(f"The server at {transport.url} did not keep the audit entries sent.")
        after = answer.length
    return after - held.length
