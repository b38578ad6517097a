"""Per-entity summaries (live rows, checksum; protocol rule 8) kept up to date by
every push, so ``/summary`` costs one small query however big the data grows.

The checksum is an XOR of field digests, so a push moves it by XOR-ing out
each replaced field's old digest and XOR-ing in the new one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, select, update

from crmdesk.server import tables
from crmdesk.sync.protocol import DELETED, EntitySummary, checksum_hex, field_digest

Key = tuple[str, str, str]
TRUE = json.dumps(True)


def _live(fields: Mapping[Key, tuple[str, str]], entity: str, row_id: str, exists: bool) -> int:
    """1 when the row exists and is not tombstoned, else 0."""
    tombstone = fields.get((entity, row_id, DELETED))
    return int(exists and (tombstone is None or tombstone[1] != TRUE))


def record_push(
    conn: Connection,
    before: Mapping[Key, tuple[str, str]],
    after: Mapping[Key, tuple[str, str]],
    changed: Iterable[Key],
) -> None:
    """Move the summaries by the fields a push changed; ``before``/``after`` map every
    field of the touched rows to its (stamp, JSON value) before and after the push
    (a changed field missing from ``after`` was removed)."""
    checksums: dict[str, int] = {}
    rows: dict[str, int] = {}
    touched: set[tuple[str, str]] = set()
    for key in changed:
        entity, row_id, name = key
        digest = field_digest(entity, row_id, name, after[key][0]) if key in after else 0
        if key in before:
            digest ^= field_digest(entity, row_id, name, before[key][0])
        checksums[entity] = checksums.get(entity, 0) ^ digest
        touched.add((entity, row_id))
    existed = {(e, r) for e, r, _ in before}
    for entity, row_id in touched:
        delta = _live(after, entity, row_id, True) - _live(
            before, entity, row_id, (entity, row_id) in existed
        )
        rows[entity] = rows.get(entity, 0) + delta
    if not checksums:
        return
    es = tables.entity_summaries
    current = {
        r.entity: (r.rows, int(r.checksum, 16))
        for r in conn.execute(select(es).where(es.c.entity.in_(sorted(checksums))))
    }
    for entity, digest in checksums.items():
        if entity in current:
            count, checksum = current[entity]
            conn.execute(
                update(es)
                .where(es.c.entity == entity)
                .values(rows=count + rows[entity], checksum=checksum_hex(checksum ^ digest))
            )
        else:
            conn.execute(
                es.insert().values(entity=entity, rows=rows[entity], checksum=checksum_hex(digest))
            )


def read(conn: Connection) -> dict[str, EntitySummary]:
    """Every entity's summary, by entity name."""
    es = tables.entity_summaries
    return {
        r.entity: EntitySummary(int(r.rows), r.checksum)
        for r in conn.execute(select(es).order_by(es.c.entity))
    }
