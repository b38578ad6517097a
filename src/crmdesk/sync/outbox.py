"""The outbox on its way to the server: the batch in flight, and stamping again.

A batch is given its id and sequence number, and that is committed before it
is sent, so a retry re-sends the very same batch.
"""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text

from crmdesk.services import sync_capture, sync_clocks
from crmdesk.services.sync_status import read_state, write_state
from crmdesk.store.database import Database
from crmdesk.sync.protocol import Change


def next_batch(db: Database, size: int) -> tuple[str, int, list[Change]]:
    """The batch in flight, or a new one of the ``size`` oldest outbox rows: its id,
    its sequence number and its changes (none when the outbox is empty)."""
    with db.writing() as session:
        state = read_state(session)
        seq = int(state.get("push_seq", "0")) + 1
        batch_id = state.get("push_batch")
        if batch_id is None:
            ids = list(
                session.execute(
                    text("SELECT id FROM sync_outbox WHERE batch_id IS NULL ORDER BY id LIMIT :n"),
                    {"n": size},
                ).scalars()
            )
            if not ids:
                return "", seq, []
            batch_id = str(uuid.uuid4())
            session.execute(
                text("UPDATE sync_outbox SET batch_id = :b WHERE batch_id IS NULL AND id <= :last"),
                {"b": batch_id, "last": ids[-1]},
            )
            write_state(session, push_batch=batch_id)
        rows = session.execute(
            text(
                "SELECT entity, row_id, field, value, stamp, base FROM sync_outbox"
                " WHERE batch_id = :b ORDER BY id"
            ),
            {"b": batch_id},
        ).all()
    changes = [
        Change(entity=e, row_id=r, field=f, value=json.loads(v), stamp=s, base=b)
        for e, r, f, v, s, b in rows
    ]
    return batch_id, seq, changes


def restamp(db: Database) -> None:
    """The server refused stamps of a clock that ran ahead (and stored nothing):
    stamp every change still in the outbox again, now on the server's time."""
    with db.writing() as session:
        conn = session.connection()
        clk = sync_capture.load_clock(conn, db)
        clk.rewind()
        rows = session.execute(
            text("SELECT id, entity, row_id, field FROM sync_outbox ORDER BY id")
        ).all()
        for outbox_id, entity, row_id, name in rows:
            stamp = str(clk.now())
            session.execute(
                text("UPDATE sync_outbox SET stamp = :s WHERE id = :i"),
                {"s": stamp, "i": outbox_id},
            )
            session.execute(
                text(
                    "UPDATE sync_row_clocks SET stamps = json_set(stamps, :p, :s)"
                    " WHERE entity = :e AND row_id = :r AND json_extract(stamps, :p) > :s"
                ),
                {"s": stamp, "e": entity, "r": row_id, "p": sync_clocks.path(name)},
            )
        write_state(session, clock=str(clk.last()))
