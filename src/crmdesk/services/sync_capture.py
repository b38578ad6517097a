"""Capture: every ORM write to a synced table becomes outbox changes.

Mapper events collect the changed fields of each inserted, updated or
deleted row (and the contact/tag links written through ``Contact.tags``)
into the session; when the unit of work's session flushes, the collected
changes are stamped by this database's hybrid logical clock and written to
``sync_outbox`` (coalesced per field) and the row clocks, in the same
transaction as the data. Remote changes are applied with plain SQL, not the
ORM, so they never come back here.
"""

from __future__ import annotations

import json
import uuid
import weakref
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session, object_session

from crmdesk.domain.hlc import Clock, Stamp
from crmdesk.services import sync_clocks
from crmdesk.services.sync_entities import (
    DELETED,
    SYNCED_MODELS,
    EntitySpec,
    spec,
    spec_of_model,
)
from crmdesk.store.database import Database
from crmdesk.store.models import Contact

PENDING = "crmdesk.sync.pending"
Captured = tuple[str, str, str, Any]  # entity, row id, field, wire value

_clocks: weakref.WeakKeyDictionary[Database, Clock] = weakref.WeakKeyDictionary()

_OUTBOX_UPSERT = text(
    "INSERT INTO sync_outbox (entity, row_id, field, value, stamp, base)"
    f" VALUES (:e, :r, :f, :v, :s, ({sync_clocks.FIELD_STAMP}))"
    " ON CONFLICT (entity, row_id, field) WHERE batch_id IS NULL"
    " DO UPDATE SET value = excluded.value, stamp = excluded.stamp"
)
_CLOCK_UPSERT = text(sync_clocks.UPSERT)


def attach(session: Session) -> None:
    """Make ``session`` (a unit of work's) capture its synced writes."""
    session.info[PENDING] = []
    event.listen(session, "after_flush", _write_pending)


def load_clock(conn: Connection, db: Database) -> Clock:
    """The clock of ``db``, brought up to what the file has persisted.

    The node id is made once per database file, the first time it is needed.
    """
    state = dict(
        conn.execute(
            text(
                "SELECT key, value FROM sync_state"
                " WHERE key IN ('node', 'clock', 'clock_offset_ms')"
            )
        ).all()
    )
    node = state.get("node")
    cached = _clocks.get(db)
    if node is None:
        node = cached.node if cached is not None else uuid.uuid4().hex[:16]
    if cached is None or cached.node != node:
        cached = Clock(node)
        _clocks[db] = cached
    cached.offset_ms = int(state.get("clock_offset_ms", "0"))
    if "clock" in state:
        cached.observe(Stamp.parse(state["clock"]))
    return cached


def save_clock(conn: Connection, clk: Clock) -> None:
    """Persist the node id and the clock's latest stamp (inside a write)."""
    conn.execute(
        text("INSERT OR IGNORE INTO sync_state (key, value) VALUES ('node', :n)"), {"n": clk.node}
    )
    conn.execute(
        text(
            "INSERT INTO sync_state (key, value) VALUES ('clock', :v)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        {"v": str(clk.last())},
    )


def write_changes(conn: Connection, clk: Clock, changes: list[Captured]) -> None:
    """Stamp ``changes`` and put them into the outbox and the field clocks."""
    if not changes:
        return
    params = []
    for entity, row_id, field, value in changes:
        stamp = str(clk.now())
        params.append(
            {
                "e": entity,
                "r": row_id,
                "f": field,
                "v": json.dumps(value, ensure_ascii=False),
                "s": stamp,
                "stamps": sync_clocks.encode({field: stamp}),
            }
        )
    conn.execute(_OUTBOX_UPSERT, params)
    conn.execute(_CLOCK_UPSERT, params)
    save_clock(conn, clk)


def _write_pending(session: Session, flush_context: Any) -> None:
    pending: list[Captured] = session.info.get(PENDING, [])
    if not pending:
        return
    session.info[PENDING] = []
    conn = session.connection()
    db = session.info.get("crmdesk.db")
    assert isinstance(db, Database), "attach() needs session.info['crmdesk.db']"
    write_changes(conn, load_clock(conn, db), pending)


# -- mapper events ---------------------------------------------------------


def _collector(target: Any) -> list[Captured] | None:
    session = object_session(target)
    return None if session is None else session.info.get(PENDING)


def _spec(mapper: Mapper[Any]) -> EntitySpec:
    found = spec_of_model(mapper.class_)
    assert found is not None
    return found


def _after_insert(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    out = _collector(target)
    if out is None:
        return
    entity = _spec(mapper)
    row_id = entity.row_id(target)
    for name in entity.fields:
        value = getattr(target, name)
        if value is not None:
            out.append((entity.name, row_id, name, entity.to_wire(name, value)))
    if entity.composite:
        out.append((entity.name, row_id, DELETED, False))
    if isinstance(target, Contact):
        _tag_links(target, out)


def _after_update(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    out = _collector(target)
    if out is None:
        return
    entity = _spec(mapper)
    row_id = entity.row_id(target)
    state = inspect(target)
    for name in entity.fields:
        history = state.attrs[name].history
        if not history.added:
            continue
        new = entity.to_wire(name, history.added[0])
        if history.deleted and entity.to_wire(name, history.deleted[0]) == new:
            continue
        out.append((entity.name, row_id, name, new))
    if entity.soft_delete:
        history = state.attrs["deleted_at"].history
        if history.added:
            was_deleted = bool(history.deleted) and history.deleted[0] is not None
            is_deleted = history.added[0] is not None
            if was_deleted != is_deleted:
                out.append((entity.name, row_id, DELETED, is_deleted))
    if isinstance(target, Contact):
        _tag_links(target, out)


def _after_delete(mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    out = _collector(target)
    if out is not None:
        entity = _spec(mapper)
        out.append((entity.name, entity.row_id(target), DELETED, True))


def _tag_links(contact: Contact, out: list[Captured]) -> None:
    """Links written through ``Contact.tags`` (the secondary table has no objects)."""
    links = spec("contact_tags")
    assert links is not None
    history = inspect(contact).attrs["tags"].history
    for tag, deleted in [(t, False) for t in history.added] + [(t, True) for t in history.deleted]:
        row_id = links.row_id({"contact_id": contact.id, "tag_id": tag.id})
        out.append(("contact_tags", row_id, DELETED, deleted))


for _model in SYNCED_MODELS:
    event.listen(_model, "after_insert", _after_insert)
    event.listen(_model, "after_update", _after_update)
    event.listen(_model, "after_delete", _after_delete)
