"""The summary of this database's clocks, compared with the server's (protocol rule 8)."""

from __future__ import annotations

from operator import itemgetter

from crmdesk.services.sync_entities import specs
from crmdesk.store.database import Database
from crmdesk.sync.protocol import checksum_hex, xor_of_digests


def local_summary(db: Database) -> dict[str, tuple[int, str]]:
    """Per entity: rows with a clock here and the checksum of their field clocks."""
    out: dict[str, tuple[int, str]] = {}
    with db.reading() as session:
        conn = session.connection().connection.dbapi_connection
        assert conn is not None
        for entity in specs():
            rows = conn.execute(
                "SELECT count(*) FROM sync_row_clocks WHERE entity = ?", (entity,)
            ).fetchone()[0]
            if rows:
                keys = conn.execute(  # one per field, as UTF-8 bytes ready to hash
                    "SELECT CAST(c.entity || '|' || c.row_id || '|' || f.key || '|' || f.value"
                    " AS BLOB) FROM sync_row_clocks c, json_each(c.stamps) f"
                    " WHERE c.entity = ?",
                    (entity,),
                )
                value = xor_of_digests(map(itemgetter(0), keys))
                out[entity] = (int(rows), checksum_hex(value))
    return out
