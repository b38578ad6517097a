"""The append-only, hash-chained audit trail.

Each entry's hash covers its content and the previous entry's hash, so an
edited, inserted or removed entry breaks the chain at that point (the rules
are in :mod:`crmdesk.domain.audit_chain`, shared with the sync server).

Erasing a person (privacy law) must remove their data from the trail too:
:func:`redact` blanks the entries about them and appends one chained ``erase``
entry that lets :func:`verify` tell the erasure from tampering.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crmdesk.domain.audit_chain import (
    ERASE,
    GENESIS,
    REDACTED,
    ChainReport,
    Link,
    check_chain,
    entry_hash,
    redacted_digest,
    redactions,
)
from crmdesk.domain.clock import utcnow
from crmdesk.store.models import AuditEntry
from crmdesk.store.types import format_utc

__all__ = [
    "ERASE",
    "GENESIS",
    "REDACTED",
    "ChainReport",
    "append",
    "hash_at",
    "head",
    "links",
    "redact",
    "verify",
]

_LINK_COLUMNS = "seq, at, user_id, action, entity, entity_id, summary, changes, prev_hash, hash"


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return format_utc(value)
    return str(value)


def append(
    session: Session,
    user_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain (inside the caller's transaction)."""
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).one_or_none()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    changes_text = json.dumps(
        changes or {}, ensure_ascii=False, sort_keys=True, default=_json_default
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        user_id=user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary,
        changes=changes_text,
        prev_hash=prev_hash,
        hash=entry_hash(
            prev_hash,
            seq,
            format_utc(at),
            user_id,
            action,
            entity,
            entity_id,
            summary,
            changes_text,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


def redact(
    session: Session,
    seqs: Iterable[int],
    user_id: str | None,
    entity: str,
    entity_id: str | None,
) -> int:
    """Blank the summary and changes of entries ``seqs`` and record that as one
    chained ``erase`` entry about ``entity``/``entity_id``; returns entries blanked."""
    wanted = sorted(set(seqs))
    digests: dict[str, str] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        for entry in session.execute(select(AuditEntry).where(AuditEntry.seq.in_(chunk))).scalars():
            entry.summary, entry.changes = REDACTED, "{}"
            digests[str(entry.seq)] = redacted_digest(_link(entry))
    session.flush()
    append(
        session,
        user_id,
        ERASE,
        entity,
        entity_id,
        f"personal data erased from {len(digests)} audit entries",
        {"redacted": digests},
    )
    return len(digests)


def _link(entry: AuditEntry) -> Link:
    return Link(
        entry.seq,
        format_utc(entry.at),
        entry.user_id,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.summary,
        entry.changes,
        entry.prev_hash,
        entry.hash,
    )


def links(
    session: Session, after: int = 0, limit: int | None = None, *, action: str | None = None
) -> Iterator[Link]:
    """The entries after ``seq`` ``after`` (only ``action``'s, when given) as stored
    (raw text, so a tampered timestamp is reported as a break, not a crash)."""
    where = " AND action = :action" if action else ""
    sql = f"SELECT {_LINK_COLUMNS} FROM audit_log WHERE seq > :after{where} ORDER BY seq"
    params: dict[str, Any] = {"after": after}
    if action:
        params["action"] = action
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    for row in session.execute(text(sql), params):
        yield Link(*row)


def head(session: Session) -> tuple[int, str]:
    """The chain's length (its last ``seq``) and the last entry's hash."""
    last = session.execute(
        text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    ).one_or_none()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


def hash_at(session: Session, seq: int) -> str | None:
    """The stored hash of entry ``seq`` (``GENESIS`` for 0, None when absent)."""
    if seq == 0:
        return GENESIS
    value = session.execute(
        text("SELECT hash FROM audit_log WHERE seq = :s"), {"s": seq}
    ).scalar_one_or_none()
    return None if value is None else str(value)


def verify(session: Session) -> ChainReport:
    """Walk the chain from the start and report the first break (entries blanked
    by a recorded erasure pass)."""
    erased = redactions(links(session, action=ERASE))
    return check_chain(links(session), redacted=erased)
