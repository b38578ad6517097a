"""Reading the audit trail: filtered, newest first, a page at a time; verifying it;
tracing a leaked file; the per-user export watermark setting.

A viewer asks :meth:`AuditTrail.seqs` for the matching entry numbers (one
integer per entry, however long the trail) and :meth:`AuditTrail.rows` for the
page it shows, so a million entries cost a million integers, never a million
objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from crmdesk.domain.clock import to_utc
from crmdesk.domain.permissions import VIEW_AUDIT
from crmdesk.services import audit, export_trace, watermark
from crmdesk.services.context import Context
from crmdesk.services.permissions import require
from crmdesk.store.types import format_utc, parse_utc

ACTIONS = ("create", "update", "delete", "restore", "log", "reopen", "merge", "export", "sync")


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; every part is optional."""

    user_id: str | None = None
    action: str | None = None
    entity: str | None = None
    record: str = ""  # a record id, or part of its name as the entry's summary gives it
    start: date | None = None  # local calendar days, both included
    end: date | None = None


@dataclass(frozen=True)
class AuditRow:
    """One entry as shown: ``changes`` is field -> [before, after] for edits."""

    seq: int
    at: datetime
    user: str
    action: str
    entity: str
    entity_id: str | None
    summary: str
    changes: dict[str, Any]


def _where(f: AuditFilter) -> tuple[str, dict[str, Any]]:
    parts, params = ["1 = 1"], {}
    if f.user_id:
        parts.append("a.user_id = :user_id")
        params["user_id"] = f.user_id
    if f.action:
        parts.append("a.action = :action")
        params["action"] = f.action
    if f.entity:
        parts.append("a.entity = :entity")
        params["entity"] = f.entity
    if f.record.strip():
        parts.append("(a.entity_id = :record OR a.summary LIKE :like ESCAPE '\\')")
        needle = f.record.strip()
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.update(record=needle, like=f"%{escaped}%")
    if f.start:
        parts.append("a.at >= :start")
        params["start"] = format_utc(to_utc(datetime.combine(f.start, time())))
    if f.end:
        parts.append("a.at < :end")
        params["end"] = format_utc(to_utc(datetime.combine(f.end + timedelta(days=1), time())))
    return " AND ".join(parts), params


class AuditTrail:
    """The audit trail of one database, for people allowed to read it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def verify(self) -> audit.ChainReport:
        """Check the hash chain from the first entry (anyone may)."""
        with self.ctx.read() as session:
            return audit.verify(session)

    def users(self) -> list[tuple[str, str]]:
        """(id, username) of everyone who may appear in the trail."""
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW_AUDIT)
            rows = session.execute(text("SELECT id, username FROM users ORDER BY username"))
            return [(str(i), str(n)) for i, n in rows]

    def entities(self) -> list[str]:
        """The kinds of record the trail mentions."""
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW_AUDIT)
            rows = session.execute(text("SELECT DISTINCT entity FROM audit_log ORDER BY entity"))
            return [str(e) for (e,) in rows]

    def seqs(self, f: AuditFilter | None = None) -> list[int]:
        """The numbers of the matching entries, newest first."""
        where, params = _where(f or AuditFilter())
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW_AUDIT)
            rows = session.execute(
                text(f"SELECT a.seq FROM audit_log a WHERE {where} ORDER BY a.seq DESC"), params
            )
            return [int(s) for (s,) in rows]

    def rows(self, seqs: list[int]) -> list[AuditRow]:
        """The entries numbered ``seqs``, in that order."""
        if not seqs:
            return []
        marks = ",".join(str(int(s)) for s in seqs)
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW_AUDIT)
            found = {
                int(r[0]): r
                for r in session.execute(
                    text(
                        "SELECT a.seq, a.at, coalesce(u.username, a.user_id, ''), a.action,"
                        " a.entity, a.entity_id, a.summary, a.changes FROM audit_log a"
                        f" LEFT JOIN users u ON u.id = a.user_id WHERE a.seq IN ({marks})"
                    )
                )
            }
        return [_row(found[s]) for s in seqs if s in found]

    def trace(self, path: Path) -> list[export_trace.TraceMatch]:
        """The exports a (leaked) file came from; ``NotTraced`` when none."""
        return export_trace.trace(self.ctx, path)

    def watermarked(self, user_id: str | None = None) -> bool:
        """Whether a user's exports carry a watermark (default: the acting user)."""
        with self.ctx.read() as session:
            return watermark.enabled(session, user_id or self.ctx.actor_id)

    def set_watermarked(self, user_id: str, on: bool) -> None:
        """Turn a user's export watermark on or off (owners and user managers)."""
        with self.ctx.write() as uow:
            watermark.set_enabled(uow, user_id, on)


def _row(r: Any) -> AuditRow:
    try:  # a damaged entry is still listed
        at = parse_utc(r[1])
    except (ValueError, TypeError):
        at = datetime(1970, 1, 1, tzinfo=UTC)
    try:
        changes = json.loads(r[7])
    except (ValueError, TypeError):
        changes = {}
    if not isinstance(changes, dict):
        changes = {"": changes}
    return AuditRow(int(r[0]), at, str(r[2]), r[3], r[4], r[5], r[6], changes)
