"""The append-only, hash-chained audit trail.

Each entry's hash covers its content and the previous entry's hash, so an
edited, inserted or removed entry breaks the chain at that point.

Erasing a person (privacy law) must remove their data from the trail too.
:func:`redact` blanks the summary and changes of the entries about them and
appends one chained ``erase`` entry that lists each blanked entry with a
digest of what it now holds (and of its original hash). :func:`verify`
accepts a blanked entry only when that digest matches: the erasure is itself
tamper-evident, and the trail keeps that it happened, not the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.store.models import AuditEntry
from crmdesk.store.types import format_utc

GENESIS = "0" * 64
ERASE = "erase"
REDACTED = "(erased)"


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return format_utc(value)
    return str(value)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: str,
    user_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    summary: str,
    changes: str,
) -> str:
    """SHA-256 over the canonical form of one entry and its predecessor's hash."""
    payload = json.dumps(
        [prev_hash, seq, at, user_id, action, entity, entity_id, summary, changes],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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


def _redacted_digest(entry: AuditEntry) -> str:
    payload = json.dumps(
        [
            entry.prev_hash,
            entry.seq,
            format_utc(entry.at),
            entry.user_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.summary,
            entry.changes,
            entry.hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
            digests[str(entry.seq)] = _redacted_digest(entry)
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


def _redactions(session: Session) -> dict[int, tuple[int, str]]:
    """Blanked entry seq -> (seq of the erase entry that blanked it, digest)."""
    out: dict[int, tuple[int, str]] = {}
    rows = session.execute(
        select(AuditEntry.seq, AuditEntry.changes)
        .where(AuditEntry.action == ERASE)
        .order_by(AuditEntry.seq)
    )
    for erase_seq, changes in rows:
        try:
            redacted = json.loads(changes).get("redacted", {})
        except (ValueError, AttributeError):
            continue
        for seq, digest in redacted.items():
            if str(seq).isdigit() and int(seq) < erase_seq:
                out[int(seq)] = (erase_seq, str(digest))
    return out


@dataclass(frozen=True)
class ChainReport:
    """Result of checking the chain: ``ok``, entries checked, first broken seq."""

    ok: bool
    entries: int
    broken_at: int | None
    reason: str


def verify(session: Session) -> ChainReport:
    """Walk the chain from the start and report the first break."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    redactions = _redactions(session)
    for entry in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(False, count, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, count, entry.seq, "link to the previous entry is broken")
        digest = entry_hash(
            entry.prev_hash,
            entry.seq,
            format_utc(entry.at),
            entry.user_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.summary,
            entry.changes,
        )
        blanked = redactions.get(entry.seq)
        if digest != entry.hash and (
            blanked is None or entry.summary != REDACTED or _redacted_digest(entry) != blanked[1]
        ):
            return ChainReport(False, count, entry.seq, "entry was altered")
        prev_hash = entry.hash
        expected_seq += 1
    return ChainReport(True, count, None, "")
