"""Seeding: rows written before sync existed (or by the bulk demo generator,
which bypasses the ORM) are put into the outbox once, on the next sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, text
from sqlalchemy.orm import Session

from crmdesk.services import sync_capture
from crmdesk.services.sync_entities import DELETED, EntitySpec, specs
from crmdesk.store.database import Database

SEEDED_KEY = "seeded"
ROWS_PER_TRANSACTION = 2000


def seed_unsynced(db: Database) -> int:
    """Queue every synced row that has no field clock yet; returns rows queued."""
    with db.reading() as session:
        if session.execute(
            text("SELECT 1 FROM sync_state WHERE key = :k"), {"k": SEEDED_KEY}
        ).first():
            return 0
    queued = 0
    for spec in specs().values():
        if spec.composite:
            queued += _seed_links(db, spec)
            continue
        while True:
            with db.writing() as session:
                rows = (
                    session.execute(
                        text(
                            f"SELECT * FROM {spec.name} t WHERE NOT EXISTS (SELECT 1 FROM"
                            " sync_row_clocks c WHERE c.entity = :e AND c.row_id = t.id)"
                            f" LIMIT {ROWS_PER_TRANSACTION}"
                        ),
                        {"e": spec.name},
                    )
                    .mappings()
                    .all()
                )
                if not rows:
                    break
                _queue(db, session, spec, rows)
                queued += len(rows)
    with db.writing() as session:
        session.execute(
            text("INSERT OR REPLACE INTO sync_state (key, value) VALUES (:k, '1')"),
            {"k": SEEDED_KEY},
        )
    return queued


def _seed_links(db: Database, spec: EntitySpec) -> int:
    """Tables keyed by two ids: their row ids are not plain columns, so compare here."""
    with db.writing() as session:
        known = set(
            session.execute(
                text("SELECT row_id FROM sync_row_clocks WHERE entity = :e"),
                {"e": spec.name},
            ).scalars()
        )
        rows = [
            row
            for row in session.execute(text(f"SELECT * FROM {spec.name}")).mappings()
            if spec.row_id(row) not in known
        ]
        for start in range(0, len(rows), ROWS_PER_TRANSACTION):
            _queue(db, session, spec, rows[start : start + ROWS_PER_TRANSACTION])
    return len(rows)


def _queue(db: Database, session: Session, spec: EntitySpec, rows: Sequence[Any]) -> None:
    conn = session.connection()
    changes = [c for row in rows for c in _row_changes(spec, row)]
    sync_capture.write_changes(conn, sync_capture.load_clock(conn, db), changes)


def _row_changes(spec: EntitySpec, row: Any) -> list[sync_capture.Captured]:
    row_id = spec.row_id(row)
    out: list[sync_capture.Captured] = []
    for name in spec.fields:
        value = row[name]
        if value is None:
            continue
        if isinstance(spec.columns[name].type, Boolean):
            value = bool(value)
        out.append((spec.name, row_id, name, value))
    if spec.composite:
        out.append((spec.name, row_id, DELETED, False))
    elif spec.soft_delete and row["deleted_at"] is not None:
        out.append((spec.name, row_id, DELETED, True))
    return out


def queue_tombstones(session: Session, entity: str, row_ids: Sequence[str]) -> None:
    """After rows were trashed outside the unit of work: the deletion of those the
    server already knows travels as a tombstone; the others are seeded (trashed)."""
    conn = session.connection()
    known = [
        row_id
        for row_id in row_ids
        if conn.execute(
            text("SELECT 1 FROM sync_row_clocks WHERE entity = :e AND row_id = :r"),
            {"e": entity, "r": row_id},
        ).first()
    ]
    if known:
        db = session.info.get("crmdesk.db")
        assert isinstance(db, Database), "needs a unit of work's session"
        clock = sync_capture.load_clock(conn, db)
        sync_capture.write_changes(conn, clock, [(entity, r, DELETED, True) for r in known])
    mark_unseeded(session)


def mark_unseeded(session: Session) -> None:
    """After a bulk write outside the unit of work: seed again on the next sync."""
    session.execute(text("DELETE FROM sync_state WHERE key = :k"), {"k": SEEDED_KEY})
