"""Each node's audit chain on the server: accepting extensions, refusing the rest.

A node's chain only ever grows. A push that would shorten it, rewrite an entry
the server holds, or link to anything but its last entry is refused with
``AuditDiverged``: that is what a database restored from an older copy, or one
whose trail was edited, looks like from here. Re-sending entries already held
(a replayed push) changes nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from crmdesk.domain.audit_chain import (
    ERASE,
    GENESIS,
    REDACTED,
    ChainReport,
    Link,
    check_chain,
    link_hash,
    redacted_digest,
    redactions,
)
from crmdesk.server import tables
from crmdesk.server.accounts import Principal
from crmdesk.server.errors import AuditDiverged, Forbidden, Malformed
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.audit_wire import DIVERGED_MESSAGE as DIVERGED
from crmdesk.sync.audit_wire import MAX_AUDIT_ENTRIES, AuditHead, AuditPush

_T = tables.audit_chain
_LINK = (
    _T.c.seq,
    _T.c.at,
    _T.c.user_id,
    _T.c.action,
    _T.c.entity,
    _T.c.entity_id,
    _T.c.summary,
    _T.c.changes,
    _T.c.prev_hash,
    _T.c.hash,
)


def head(conn: Connection, node: str) -> AuditHead:
    """How much of ``node``'s chain the server holds."""
    last = conn.execute(
        select(_T.c.seq, _T.c.hash).where(_T.c.node == node).order_by(_T.c.seq.desc()).limit(1)
    ).one_or_none()
    return AuditHead(int(last[0]), str(last[1])) if last else AuditHead(0, GENESIS)


def read_head(db: ServerDatabase, who: Principal) -> AuditHead:
    """The head of the chain of the node the token was issued to."""
    with db.reading() as conn:
        return head(conn, who.node)


def push(db: ServerDatabase, who: Principal, request: AuditPush, now_ms: int) -> AuditHead:
    """Store the entries that extend the node's chain; refuse anything else."""
    if request.node != who.node:
        raise Forbidden("This token was issued to another node; log in from this database.")
    if len(request.entries) > MAX_AUDIT_ENTRIES:
        raise Malformed(f"An audit push holds at most {MAX_AUDIT_ENTRIES} entries; split it.")
    with db.writing() as conn:
        held = head(conn, request.node)
        known = [e for e in request.entries if e.seq <= held.length]
        new = [e for e in request.entries if e.seq > held.length]
        _check_known(conn, request.node, known)
        if request.length < held.length and not _replayed(request, new):
            raise AuditDiverged(
                f"{DIVERGED} (it has {request.length} entries, the server saw {held.length})."
            )
        erased = redactions([*_erase_links(conn, request.node), *new])
        report = check_chain(new, start_seq=held.length + 1, prev_hash=held.head, redacted=erased)
        if not report.ok:
            raise AuditDiverged(f"{DIVERGED} (entry {report.broken_at}: {report.reason}).")
        if not new and request.length == held.length and request.head != held.head:
            raise AuditDiverged(f"{DIVERGED} (its last entry differs).")
        if new:
            conn.execute(
                _T.insert(),
                [
                    {
                        **e._asdict(),
                        "node": request.node,
                        "username": who.user.username,
                        "received_ms": now_ms,
                    }
                    for e in new
                ],
            )
            _blank(conn, request.node, redactions(new))
        return head(conn, request.node)


def _erase_links(conn: Connection, node: str) -> list[Link]:
    rows = conn.execute(
        select(*_LINK).where(_T.c.node == node, _T.c.action == ERASE).order_by(_T.c.seq)
    )
    return [Link._make(row) for row in rows]


def _blank(conn: Connection, node: str, erased: dict[int, str]) -> None:
    """Blank the copies of the entries an erasure just received blanked on the laptop
    (each only when the erasure's digest matches it blanked), so no personal data
    of an erased person stays in the server's copy either."""
    for seq, digest in erased.items():
        row = conn.execute(select(*_LINK).where(_T.c.node == node, _T.c.seq == seq)).one_or_none()
        if row is None:
            continue
        blanked = Link._make(row)._replace(summary=REDACTED, changes="{}")
        if blanked != Link._make(row) and redacted_digest(blanked) == digest:
            conn.execute(
                update(_T)
                .where(_T.c.node == node, _T.c.seq == seq)
                .values(summary=REDACTED, changes="{}")
            )


def _replayed(request: AuditPush, new: list[Link]) -> bool:
    """A push the server took before, arriving again late: entries it holds (already
    checked) that end at the push's own head."""
    last = request.entries[-1] if request.entries else None
    return not new and last is not None and (last.seq, last.hash) == (request.length, request.head)


def _check_known(conn: Connection, node: str, entries: list[Link]) -> None:
    """Entries the server already holds must be exactly what it holds."""
    if not entries:
        return
    seqs = [e.seq for e in entries]
    stored = {
        int(row[0]): str(row[1])
        for row in conn.execute(
            select(_T.c.seq, _T.c.hash).where(_T.c.node == node, _T.c.seq.in_(seqs))
        )
    }
    for entry in entries:
        if stored.get(entry.seq) != entry.hash or link_hash(entry) != entry.hash:
            raise AuditDiverged(f"{DIVERGED} (entry {entry.seq} differs from the server's copy).")


def nodes(db: ServerDatabase) -> list[tuple[str, int]]:
    """Every node with a chain here, and its length."""
    with db.reading() as conn:
        rows = conn.execute(
            select(_T.c.node, func.max(_T.c.seq)).group_by(_T.c.node).order_by(_T.c.node)
        )
        return [(str(node), int(length)) for node, length in rows]


def verify(db: ServerDatabase, node: str) -> ChainReport:
    """Check the server's copy of ``node``'s chain from its first entry."""
    with db.reading() as conn:
        erased = redactions(_erase_links(conn, node))
        result = conn.execute(
            select(*_LINK).where(_T.c.node == node).order_by(_T.c.seq),
            execution_options={"yield_per": 2000},
        )
        try:
            return check_chain((Link._make(row) for row in result), redacted=erased)
        finally:
            result.close()  # a break found early leaves rows unread
