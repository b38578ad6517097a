"""Bringing back what one user deleted or overwrote since a moment, from the
server's history (``crmdesk-server restore``).

For each field the user's pushes changed since then, and that still holds the
user's value, the value it had just before the user's first change is written
again as a new change (stamped by the server, so it wins everywhere): every
laptop gets it on its next sync. Fields someone else changed afterwards are
left alone, as are rows the user created and rows purged for good.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from crmdesk.errors import RestoreRefused
from crmdesk.server import merge, summaries, tables
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.hlc import Stamp
from crmdesk.sync.protocol import DELETED, PURGED

NODE = "server-restore"
USERNAME = "restore"
FALSE = "false"


@dataclass(frozen=True)
class RestoredField:
    """One field put back: which, the value it gets, and the user's value it replaces."""

    entity: str
    row_id: str
    field: str
    value: str
    replaced: str


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did (or, on a dry run, would do)."""

    fields: tuple[RestoredField, ...]
    rows: int
    undeleted: int
    dry_run: bool


def restore(
    db: ServerDatabase, username: str, since_ms: int, now_ms: int, *, dry_run: bool = False
) -> RestoreReport:
    """Put back what ``username`` deleted or overwrote at or after ``since_ms``."""
    if since_ms > now_ms:
        raise RestoreRefused("The moment to restore from is in the future.")
    with db.writing() as conn:
        users = tables.users.c
        if conn.execute(select(users.id).where(users.username == username)).first() is None:
            raise RestoreRefused(f"There is no user '{username}' on this server.")
        found = _plan(conn, username, since_ms)
        if found and not dry_run:
            _write(conn, found, now_ms)
    return RestoreReport(
        tuple(found),
        len({(f.entity, f.row_id) for f in found}),
        sum(1 for f in found if f.field == DELETED and f.value == FALSE),
        dry_run,
    )


def _plan(conn: Connection, username: str, since_ms: int) -> list[RestoredField]:
    log, fs = tables.change_log.c, tables.field_state.c
    firsts = conn.execute(
        select(log.entity, log.row_id, log.field, func.min(log.seq))
        .where(log.username == username, log.received_ms >= since_ms, log.won.is_(True))
        .group_by(log.entity, log.row_id, log.field)
        .order_by(log.entity, log.row_id, log.field)
    ).all()
    out: list[RestoredField] = []
    for entity, row_id, name, first in firsts:
        current = conn.execute(
            select(fs.value, fs.username).where(
                fs.entity == entity, fs.row_id == row_id, fs.field == name
            )
        ).first()
        if current is None or current.username != username or name == PURGED:
            continue  # purged, or changed by someone else since
        if _purged(conn, entity, row_id):
            continue
        earlier = conn.execute(
            select(log.value)
            .where(
                log.entity == entity,
                log.row_id == row_id,
                log.field == name,
                log.seq < first,
                log.won.is_(True),
            )
            .order_by(log.seq.desc())
            .limit(1)
        ).scalar()
        if earlier is None:
            if name != DELETED:
                continue  # the user created this value: nothing was overwritten
            earlier = FALSE  # a row that never had a tombstone before the delete
        if earlier != current.value:
            out.append(RestoredField(entity, row_id, name, str(earlier), current.value))
    return out


def _purged(conn: Connection, entity: str, row_id: str) -> bool:
    fs = tables.field_state.c
    found = conn.execute(
        select(fs.seq).where(fs.entity == entity, fs.row_id == row_id, fs.field == PURGED)
    ).first()
    return found is not None


def _write(conn: Connection, fields: list[RestoredField], now_ms: int) -> None:
    """Store the restored values as new winning changes, as a push would."""
    counter = conn.execute(
        select(tables.counters.c.value)
        .where(tables.counters.c.name == "change_seq")
        .with_for_update()
    ).scalar_one()
    batch = merge.Batch(merge.load_state(conn, fields), int(counter))
    before = {k: (f.stamp, f.value) for k, f in batch.state.items()}
    batch_id = f"restore-{now_ms}"
    for n, f in enumerate(fields):
        key = (f.entity, f.row_id, f.field)
        held = Stamp.parse(batch.state[key].stamp)
        stamp = str(Stamp(max(now_ms, held.wall_ms + 1), n % 10_000, NODE))
        seq = batch.take_seq()
        batch.state[key] = merge.Stored(f.value, stamp, USERNAME, seq)
        batch.updated.add(key)
        batch.log.append(
            {
                "seq": seq,
                "entity": f.entity,
                "row_id": f.row_id,
                "field": f.field,
                "value": f.value,
                "stamp": stamp,
                "base": str(held),
                "node": NODE,
                "username": USERNAME,
                "batch_id": batch_id,
                "received_ms": now_ms,
                "won": True,
            }
        )
    merge.write_batch(conn, batch, int(counter), now_ms)
    after = {k: (f.stamp, f.value) for k, f in batch.state.items()}
    summaries.record_push(conn, before, after, batch.updated)
