"""Erasing a person: their rows, search document, local sync history and the
data in the audit entries about them, in one transaction.

Used by :class:`crmdesk.services.privacy.PrivacyService` (the owner's "Erase
this person", which also tells the server) and by the sync client when an
erasure made on another laptop arrives (which tells nobody).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services import audit, purge

MIN_NEEDLE = 4  # shorter strings (a first name alone) would blank unrelated entries


def identifying_strings(session: Session, contact_ids: Iterable[str]) -> set[str]:
    """Names, e-mails, phone numbers and street lines that identify these people."""
    ids = sorted(set(contact_ids))
    out: set[str] = set()
    for contact_id in ids:
        params = {"id": contact_id}
        for row in session.execute(
            text("SELECT display_name, first_name, last_name FROM contacts WHERE id = :id"), params
        ):
            out.add(row[0])
            out.add(f"{row[1]} {row[2]}".strip())
        for sql in (
            "SELECT address FROM contact_emails WHERE contact_id = :id",
            "SELECT raw FROM contact_phones WHERE contact_id = :id",
            "SELECT e164 FROM contact_phones WHERE contact_id = :id AND e164 IS NOT NULL",
            "SELECT street FROM contact_addresses WHERE contact_id = :id",
        ):
            out.update(str(r[0]) for r in session.execute(text(sql), params))
    digits = {re.sub(r"\D", "", s) for s in out if re.fullmatch(r"[\d\s+()\-./]+", s)}
    return {s.strip() for s in out | digits if len(s.strip()) >= MIN_NEEDLE}


def audit_entries_about(session: Session, rows: purge.RowSet, needles: set[str]) -> set[int]:
    """Seqs of audit entries about these rows or mentioning any of ``needles``."""
    seqs: set[int] = set()
    ids = sorted(set().union(*rows.values())) if rows else []
    for start in range(0, len(ids), purge.CHUNK):
        chunk = ids[start : start + purge.CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        seqs.update(
            int(r[0])
            for r in session.execute(
                text(
                    f"SELECT seq FROM audit_log WHERE entity_id IN ({marks})"
                    f" AND action != '{audit.ERASE}'"
                ),
                {f"i{n}": v for n, v in enumerate(chunk)},
            )
        )
    for needle in sorted(needles):
        seqs.update(
            int(r[0])
            for r in session.execute(
                text(
                    "SELECT seq FROM audit_log WHERE action != :erase"
                    " AND (instr(summary, :n) > 0 OR instr(changes, :n) > 0)"
                ),
                {"n": needle, "erase": audit.ERASE},
            )
        )
    return seqs


def erase_people(
    session: Session, contact_ids: Iterable[str], actor_id: str | None, *, send: bool
) -> int:
    """Remove these people and every trace of their data here; returns rows removed.

    ``send`` queues the erasure for the server (an erasure made here).
    """
    ids = sorted(set(contact_ids))
    needles = identifying_strings(session, ids)
    rows = purge.contact_rows(session, ids)
    seqs = audit_entries_about(session, rows, needles)
    removed = purge.remove(session, rows, send=purge.ERASE if send else None)
    audit.redact(session, seqs, actor_id, "contact", ids[0] if len(ids) == 1 else None)
    return removed
