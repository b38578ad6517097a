"""Schema 2: per-entity summaries kept by every push (filled here from field_state)."""

from __future__ import annotations

import json

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, text

from crmdesk.sync.protocol import DELETED, checksum_hex, field_digest


def upgrade(conn: Connection) -> None:
    """Create ``entity_summaries`` and compute it for the fields already stored."""
    md = MetaData()
    summaries = Table(
        "entity_summaries",
        md,
        Column("entity", String(64), primary_key=True),
        Column("rows", BigInteger, nullable=False),
        Column("checksum", String(64), nullable=False),
    )
    md.create_all(conn)
    checksums: dict[str, int] = {}
    rows: dict[str, set[str]] = {}
    deleted: dict[str, set[str]] = {}
    result = conn.execute(
        text("SELECT entity, row_id, field, stamp, value FROM field_state"),
        execution_options={"yield_per": 5000},
    )
    for entity, row_id, name, stamp, value in result:
        checksums[entity] = checksums.get(entity, 0) ^ field_digest(entity, row_id, name, stamp)
        rows.setdefault(entity, set()).add(row_id)
        if name == DELETED and value == json.dumps(True):
            deleted.setdefault(entity, set()).add(row_id)
    for entity, digest in checksums.items():
        conn.execute(
            summaries.insert().values(
                entity=entity,
                rows=len(rows[entity]) - len(deleted.get(entity, ())),
                checksum=checksum_hex(digest),
            )
        )
