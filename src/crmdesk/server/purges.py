"""Rows removed for good (protocol rule 9): purged from a trash, or a person erased.

When a push purges a row, the server keeps only its ``DELETED`` and ``PURGED``
fields, blanks its other values wherever its history holds them (change log,
conflicts, stored push answers) and from then on ignores every change of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, select, update

from crmdesk.server import tables
from crmdesk.sync.protocol import DELETED, PURGED

if TYPE_CHECKING:
    from crmdesk.server.merge import Batch

BLANK = "null"
KEEP = (DELETED, PURGED)
Key = tuple[str, str, str]


@dataclass
class Gone:
    """What one push purged: the rows, and the stored fields to remove."""

    rows: set[tuple[str, str]] = field(default_factory=set)
    fields: set[Key] = field(default_factory=set)


def is_gone(state: dict[Key, Any], entity: str, row_id: str) -> bool:
    """Whether the row was purged (its ``PURGED`` field is stored)."""
    return (entity, row_id, PURGED) in state


def drop_purged(batch: Batch, before: dict[Key, tuple[str, str]]) -> Gone:
    """Take the fields of rows this batch purged out of the batch; returns them, and
    the rows, for :func:`scrub`."""
    gone = Gone()
    gone.rows = {
        (e, r)
        for (e, r, f) in batch.inserted | batch.updated
        if f == PURGED and (e, r, f) not in before
    }
    if not gone.rows:
        return gone
    for key in list(batch.state):
        if key[:2] in gone.rows and key[2] not in KEEP:
            del batch.state[key]
            batch.inserted.discard(key)
            batch.updated.discard(key)
            if key in before:
                gone.fields.add(key)
    for entry in batch.log:
        if (entry["entity"], entry["row_id"]) in gone.rows and entry["field"] not in KEEP:
            entry["value"] = BLANK
    batch.conflicts[:] = [
        replace(c, winner_value=None, loser_value=None)
        if (c.entity, c.row_id) in gone.rows and c.field not in KEEP
        else c
        for c in batch.conflicts
    ]
    return gone


def scrub(conn: Connection, gone: Gone) -> None:
    """Remove the purged rows' stored values and blank them in the history."""
    fs, log, cf = tables.field_state, tables.change_log, tables.conflicts
    for entity, row_id in sorted(gone.rows):
        conn.execute(
            delete(fs).where(fs.c.entity == entity, fs.c.row_id == row_id, fs.c.field.not_in(KEEP))
        )
        conn.execute(
            update(log)
            .where(log.c.entity == entity, log.c.row_id == row_id, log.c.field.not_in(KEEP))
            .values(value=BLANK)
        )
        conn.execute(
            update(cf)
            .where(cf.c.entity == entity, cf.c.row_id == row_id, cf.c.field.not_in(KEEP))
            .values(winner_value=BLANK, loser_value=BLANK)
        )
        _scrub_answers(conn, entity, row_id)


def _scrub_answers(conn: Connection, entity: str, row_id: str) -> None:
    """Blank the row's values in stored push answers (their conflicts)."""
    pb = tables.push_batches
    found = conn.execute(
        select(pb.c.node, pb.c.batch_id, pb.c.response).where(
            pb.c.response.contains(json.dumps(row_id))
        )
    ).all()
    for node, batch_id, text in found:
        answer = json.loads(text)
        for c in answer.get("conflicts", []):
            if c.get("entity") == entity and c.get("row_id") == row_id and c["field"] not in KEEP:
                c["winner_value"] = c["loser_value"] = None
        conn.execute(
            update(pb)
            .where(pb.c.node == node, pb.c.batch_id == batch_id)
            .values(response=json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
        )
