"""What clients read: pull pages in commit order, snapshot pages by key, the summary.

Each read first takes the change counter, then reads only what is at or below
it: every sequence number up to the counter belongs to a committed push, so a
page never skips a change that commits later (protocol rule 6).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, distinct, func, select, tuple_

from crmdesk.server import tables
from crmdesk.server.accounts import iso_utc
from crmdesk.server.errors import Malformed
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.protocol import (
    DELETED,
    MAX_PAGE,
    Change,
    Conflict,
    EntitySummary,
    PullResponse,
    SnapshotPage,
    Summary,
    checksum_hex,
    field_digest,
)

TRUE = json.dumps(True)


def current_seq(conn: Connection) -> int:
    """The sequence number of the last committed change."""
    return int(
        conn.execute(
            select(tables.counters.c.value).where(tables.counters.c.name == "change_seq")
        ).scalar_one()
    )


def page_limit(limit: int) -> int:
    """A requested page size, capped at ``MAX_PAGE``; ``Malformed`` below 1."""
    if limit < 1:
        raise Malformed("'limit' must be at least 1.")
    return min(limit, MAX_PAGE)


def _change(row: Row[Any]) -> Change:
    return Change(
        entity=row.entity,
        row_id=row.row_id,
        field=row.field,
        value=json.loads(row.value),
        stamp=row.stamp,
        seq=row.seq,
        user=row.username,
    )


def _conflict(row: Row[Any]) -> Conflict:
    return Conflict(
        id=row.id,
        entity=row.entity,
        row_id=row.row_id,
        field=row.field,
        winner_value=json.loads(row.winner_value),
        winner_stamp=row.winner_stamp,
        winner_user=row.winner_user,
        loser_value=json.loads(row.loser_value),
        loser_stamp=row.loser_stamp,
        loser_user=row.loser_user,
        detected_at=iso_utc(row.detected_ms),
        seq=row.seq,
    )


def pull(db: ServerDatabase, cursor: int, limit: int, now_ms: int) -> PullResponse:
    """Fields whose winning value changed after ``cursor``, oldest first, with the
    conflicts recorded in the same range. Each field comes once, at its latest value."""
    if cursor < 0:
        raise Malformed("'cursor' must not be negative.")
    limit = page_limit(limit)
    fs = tables.field_state
    with db.reading() as conn:
        top = current_seq(conn)
        rows = conn.execute(
            select(fs).where(fs.c.seq > cursor, fs.c.seq <= top).order_by(fs.c.seq).limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1].seq if has_more else top
        found = conn.execute(
            select(tables.conflicts)
            .where(tables.conflicts.c.seq > cursor, tables.conflicts.c.seq <= next_cursor)
            .order_by(tables.conflicts.c.seq, tables.conflicts.c.id)
        ).all()
    return PullResponse(
        [_change(r) for r in rows], [_conflict(r) for r in found], next_cursor, has_more, now_ms
    )


def _after_token(cursor: int, entity: str, row_id: str) -> str:
    return f"{cursor}/{entity}/{row_id}"


def _parse_after(after: str) -> tuple[int, str, str]:
    parts = after.split("/", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2]:
        raise Malformed("'after' must be a 'next_after' value from an earlier snapshot page.")
    return int(parts[0]), parts[1], parts[2]


def snapshot(db: ServerDatabase, after: str | None, limit: int) -> SnapshotPage:
    """Up to ``limit`` rows (every field, tombstoned rows too) after the ``after`` token.

    The page's ``cursor`` is the change sequence when the first page was read, on
    every page: pulling from it after the last page catches everything changed
    while the snapshot was being read.
    """
    limit = page_limit(limit)
    fs = tables.field_state.c
    with db.reading() as conn:
        if after is None:
            cursor, start = current_seq(conn), None
        else:
            cursor, entity, row_id = _parse_after(after)
            start = (entity, row_id)
        keys = select(fs.entity, fs.row_id).distinct()
        if start is not None:
            keys = keys.where(tuple_(fs.entity, fs.row_id) > tuple_(*start))
        found = conn.execute(keys.order_by(fs.entity, fs.row_id).limit(limit + 1)).all()
        more = len(found) > limit
        found = found[:limit]
        if not found:
            return SnapshotPage([], cursor, None)
        first, last = tuple(found[0]), tuple(found[-1])
        rows = conn.execute(
            select(tables.field_state)
            .where(
                tuple_(fs.entity, fs.row_id) >= tuple_(*first),
                tuple_(fs.entity, fs.row_id) <= tuple_(*last),
            )
            .order_by(fs.entity, fs.row_id, fs.field)
        ).all()
    next_after = _after_token(cursor, *last) if more else None
    return SnapshotPage([_change(r) for r in rows], cursor, next_after)


def summary(db: ServerDatabase) -> Summary:
    """Per entity: live rows and the XOR of every field's digest (protocol rule 8)."""
    fs = tables.field_state.c
    checksums: dict[str, int] = {}
    rows: dict[str, int] = {}
    with db.reading() as conn:
        cursor = current_seq(conn)
        result = conn.execution_options(yield_per=5000).execute(
            select(fs.entity, fs.row_id, fs.field, fs.stamp)
        )
        for entity, row_id, name, stamp in result:
            checksums[entity] = checksums.get(entity, 0) ^ field_digest(entity, row_id, name, stamp)
        for entity, count in conn.execute(
            select(fs.entity, func.count(distinct(fs.row_id))).group_by(fs.entity)
        ):
            rows[entity] = int(count)
        for entity, count in conn.execute(
            select(fs.entity, func.count())
            .where(fs.field == DELETED, fs.value == TRUE)
            .group_by(fs.entity)
        ):
            rows[entity] -= int(count)
    return Summary(
        {e: EntitySummary(rows[e], checksum_hex(checksums[e])) for e in sorted(checksums)}, cursor
    )
