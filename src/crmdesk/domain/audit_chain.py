"""The audit trail's hash chain: how an entry is hashed and how a chain is checked.

Shared by the desktop (its own ``audit_log``) and the sync server (its copy of
each node's chain), so both find the same break in the same place. An entry is
a :class:`Link`: its fields as stored, times as the fixed-width UTC text the
store writes.

Erasing a person (privacy law) blanks the summary and changes of the entries
about them (``REDACTED``) and appends one chained ``erase`` entry listing each
blanked entry with :func:`redacted_digest` of what it now holds. A blanked
entry passes the check only when that digest matches: the erasure is itself
tamper-evident, and the trail keeps that it happened, not the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

GENESIS = "0" * 64
ERASE = "erase"
REDACTED = "(erased)"


class Link(NamedTuple):
    """One audit entry as hashed: ``at`` is the stored UTC text."""

    seq: int
    at: str
    user_id: str | None
    action: str
    entity: str
    entity_id: str | None
    summary: str
    changes: str
    prev_hash: str
    hash: str


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


def link_hash(link: Link) -> str:
    """What ``link.hash`` must be, given its content and ``prev_hash``."""
    return entry_hash(
        link.prev_hash,
        link.seq,
        link.at,
        link.user_id,
        link.action,
        link.entity,
        link.entity_id,
        link.summary,
        link.changes,
    )


def redacted_digest(link: Link) -> str:
    """What an ``erase`` entry records for an entry it blanked (content and old hash)."""
    payload = json.dumps(
        [link.prev_hash, *link[:8], link.hash], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def redactions(erase_entries: Iterable[Link]) -> dict[int, str]:
    """Blanked entry seq -> digest, from the ``erase`` entries (each lists earlier ones)."""
    out: dict[int, str] = {}
    for entry in erase_entries:
        if entry.action != ERASE:
            continue
        try:
            listed = json.loads(entry.changes).get("redacted", {})
        except (ValueError, AttributeError):
            continue
        for seq, digest in listed.items() if isinstance(listed, dict) else ():
            if str(seq).isdigit() and int(seq) < entry.seq:
                out[int(seq)] = str(digest)
    return out


@dataclass(frozen=True)
class ChainReport:
    """Result of checking a chain: ``ok``, entries checked, first broken seq, why."""

    ok: bool
    entries: int
    broken_at: int | None
    reason: str
    head: str = GENESIS

    def describe(self) -> str:
        """One sentence for the user."""
        if self.ok:
            return f"Audit trail intact: {self.entries} entries."
        return f"Audit trail BROKEN at entry {self.broken_at}: {self.reason}."


def check_chain(
    links: Iterable[Link],
    *,
    start_seq: int = 1,
    prev_hash: str = GENESIS,
    redacted: Mapping[int, str] | None = None,
) -> ChainReport:
    """Walk ``links`` (in ``seq`` order) and report the first break.

    ``start_seq``/``prev_hash`` let a caller check a continuation of a chain
    whose earlier part it already trusts; ``redacted`` (from :func:`redactions`)
    names the entries an erasure blanked.
    """
    redacted = redacted or {}
    expected = start_seq
    count = 0
    for link in links:
        count += 1
        if link.seq != expected:
            if link.seq < expected:
                return ChainReport(False, count, link.seq, f"entry {link.seq} appears twice")
            return ChainReport(False, count, expected, f"entry {expected} is missing")
        if link.prev_hash != prev_hash:
            return ChainReport(False, count, link.seq, "link to the previous entry is broken")
        if link_hash(link) != link.hash and not (
            link.summary == REDACTED and redacted.get(link.seq) == redacted_digest(link)
        ):
            return ChainReport(False, count, link.seq, "entry was altered")
        prev_hash = link.hash
        expected += 1
    return ChainReport(True, count, None, "", prev_hash)
