"""What clients read: pull pages in commit order, snapshot pages by key, the summary.

Each read first takes the change counter, then reads only what is at or below
it: every sequence number up to the counter belongs to a committed push, so a
page never skips a change that commits later (protocol rule 6).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Row, select, tuple_

from crmdesk.server import summaries, tables
from crmdesk.server.accounts import iso_utc
from crmdesk.server.errors import Malformed
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.protocol import (
    MAX_PAGE,
    MAX_SNAPSHOT_ROWS,
    Conflict,
    SnapshotPage,
    Summary,
)

_quote = json.encoder.encode_basestring  # a JSON string, non-ASCII kept (as protocol.dumps)
_fs = tables.field_state.c
_STATE = (_fs.entity, _fs.row_id, _fs.field, _fs.value, _fs.stamp, _fs.username, _fs.seq)


def dumps_text(payload: Any) -> str:
    """JSON text exactly as ``protocol.dumps`` writes it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def current_seq(conn: Connection) -> int:
    """The sequence number of the last committed change."""
    return int(
        conn.execute(
            select(tables.counters.c.value).where(tables.counters.c.name == "change_seq")
        ).scalar_one()
    )


def page_limit(limit: int, most: int = MAX_PAGE) -> int:
    """A requested page size, capped at ``most``; ``Malformed`` below 1."""
    if limit < 1:
        raise Malformed("'limit' must be at least 1.")
    return min(limit, most)


def change_text(
    entity: str, row_id: str, field: str, value: str, stamp: str, user: str | None, seq: int
) -> str:
    """One stored field as the JSON text of ``Change.to_json()`` (as ``protocol.dumps``
    writes it), splicing in the stored JSON value: pages of thousands of fields are
    rendered without building and re-encoding an object per field."""
    who = "" if user is None else f',"user":{_quote(user)}'
    return (
        f'{{"entity":{_quote(entity)},"row_id":{_quote(row_id)},"field":{_quote(field)},'
        f'"value":{value},"stamp":{_quote(stamp)},"seq":{seq}{who}}}'
    )


def _changes_text(rows: Iterable[Row[Any]]) -> str:
    return "[" + ",".join(change_text(*row) for row in rows) + "]"


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


def pull(db: ServerDatabase, cursor: int, limit: int, now_ms: int) -> str:
    """A ``PullResponse`` as JSON text: fields whose winning value changed after
    ``cursor``, oldest first, with the conflicts recorded in the same range. Each
    field comes once, at its latest value."""
    if not 0 <= cursor <= tables.MAX_INT:
        raise Malformed("'cursor' must be a next_cursor this server gave.")
    limit = page_limit(limit)
    fs = tables.field_state
    with db.reading() as conn:
        top = current_seq(conn)
        rows = conn.execute(
            select(fs).where(fs.c.seq > cursor, fs.c.seq <= top).order_by(fs.c.seq).limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = rows[-1][-1] if has_more else top
        found = conn.execute(
            select(tables.conflicts)
            .where(tables.conflicts.c.seq > cursor, tables.conflicts.c.seq <= next_cursor)
            .order_by(tables.conflicts.c.seq, tables.conflicts.c.id)
        ).all()
    return (
        f'{{"changes":{_changes_text(rows)},'
        f'"conflicts":{dumps_text([_conflict(r).to_json() for r in found])},'
        f'"next_cursor":{next_cursor},"has_more":{"true" if has_more else "false"},'
        f'"server_time_ms":{now_ms}}}'
    )


def _after_token(cursor: int, entity: str, row_id: str) -> str:
    return f"{cursor}/{entity}/{row_id}"


def _parse_after(after: str) -> tuple[int, str, str]:
    parts = after.split("/", 2)
    if (
        len(parts) != 3
        or not parts[0].isdigit()
        or int(parts[0]) > tables.MAX_INT
        or not (tables.is_key(parts[1]) and tables.is_key(parts[2]))
    ):
        raise Malformed("'after' must be a 'next_after' value from an earlier snapshot page.")
    return int(parts[0]), parts[1], parts[2]


def snapshot(db: ServerDatabase, after: str | None, limit: int) -> str:
    """A ``SnapshotPage`` as JSON text: up to ``limit`` rows (every field, tombstoned
    rows too) after the ``after`` token.

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
            return dumps_text(SnapshotPage([], cursor, None).to_json())
        first, last = tuple(found[0]), tuple(found[-1])
        rows = conn.execute(
            select(*_STATE)
            .where(
                tuple_(fs.entity, fs.row_id) >= tuple_(*first),
                tuple_(fs.entity, fs.row_id) <= tuple_(*last),
            )
            .order_by(fs.entity, fs.row_id, fs.field)
        ).all()
    next_after = _quote(_after_token(cursor, *last)) if more else "null"
    return f'{{"changes":{_changes_text(rows)},"cursor":{cursor},"next_after":{next_after}}}'


def snapshot_rows(db: ServerDatabase, entity: str, after: str | None, limit: int) -> str:
    """A ``SnapshotRows`` page as JSON text: up to ``limit`` rows of ``entity`` (every
    field, tombstoned rows too) after the ``after`` token, one list per row.

    As :func:`snapshot`, the ``cursor`` is the change sequence when the entity's
    first page was read; the stored JSON values are spliced in unparsed.
    """
    if not tables.is_key(entity):
        raise Malformed("'entity' must be the name of a synced table.")
    limit = page_limit(limit, MAX_SNAPSHOT_ROWS)
    fs = tables.field_state.c
    with db.reading() as conn:
        keys = select(fs.row_id).where(fs.entity == entity).distinct()
        if after is None:
            cursor = current_seq(conn)
        else:
            cursor, after_entity, after_row = _parse_after(after)
            if after_entity != entity:
                raise Malformed("'after' belongs to another entity's snapshot.")
            keys = keys.where(fs.row_id > after_row)
        found = conn.execute(keys.order_by(fs.row_id).limit(limit + 1)).scalars().all()
        more = len(found) > limit
        found = found[:limit]
        rows = []
        if found:
            result = conn.execute(
                select(fs.row_id, fs.field, fs.value, fs.stamp)
                .where(fs.entity == entity, fs.row_id >= found[0], fs.row_id <= found[-1])
                .order_by(fs.row_id, fs.field)
            )
            # Text columns need no conversion: the driver's tuples, without a Row each.
            rows = result.cursor.fetchall()
    next_after = _quote(_after_token(cursor, entity, found[-1])) if more else "null"
    body = ",".join(
        f"[{_quote(row_id)}"
        + "".join(f",{_quote(f)},{value},{_quote(stamp)}" for _, f, value, stamp in fields)
        + "]"
        for row_id, fields in groupby(rows, itemgetter(0))
    )
    return (
        f'{{"entity":{_quote(entity)},"rows":[{body}],"cursor":{cursor},"next_after":{next_after}}}'
    )


def summary(db: ServerDatabase) -> Summary:
    """Per entity: live rows and the XOR of every field's digest (protocol rule 8),
    as of the returned change sequence."""
    with db.reading() as conn:
        return Summary(summaries.read(conn), current_seq(conn))
