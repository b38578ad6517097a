"""The sync clocks: for each synced row, the stamp of the value each field holds here.

One row per synced row in ``sync_row_clocks``; its ``stamps`` is a JSON object,
field name -> stamp. Every field keeps its exact stamp (last writer wins, the
``base`` of an outgoing edit and the summary checksum need it), but a row costs
one clock row however many fields it has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: Insert a row's clocks, or merge them into the clocks it has (named parameters
#: ``e``, ``r`` and ``stamps``: the JSON of the fields' new stamps).
UPSERT = (
    "INSERT INTO sync_row_clocks (entity, row_id, stamps) VALUES (:e, :r, :stamps)"
    " ON CONFLICT (entity, row_id) DO UPDATE SET stamps = json_patch(stamps, excluded.stamps)"
)
#: The stamp of field ``f`` of row ``r`` of entity ``e`` (NULL when it has none).
FIELD_STAMP = (
    "SELECT json_extract(stamps, '$.\"' || :f || '\"') FROM sync_row_clocks"
    " WHERE entity = :e AND row_id = :r"
)


#: Most fields a compact snapshot row may have for SQLite to build its stamps' JSON
#: (a function takes at most 127 arguments in older SQLite builds).
MAX_SQL_FIELDS = 60


def snapshot_upsert(fields: int) -> str:
    """:data:`UPSERT` for a compact snapshot row of ``fields`` fields, bound as the row
    itself: ``[entity, row_id, field, value, stamp, ...]``. SQLite builds the JSON of
    the stamps (the values are bound but unused), without a Python object per row."""
    if not 0 < fields <= MAX_SQL_FIELDS:
        raise ValueError(f"a snapshot row with {fields} fields")
    pairs = ", ".join(f"?{3 + 3 * i}, ?{5 + 3 * i}" for i in range(fields))
    return (
        "INSERT INTO sync_row_clocks (entity, row_id, stamps)"
        f" VALUES (?1, ?2, json_object({pairs}))"
        " ON CONFLICT (entity, row_id) DO UPDATE SET stamps = json_patch(stamps, excluded.stamps)"
    )


def path(field: str) -> str:
    """The JSON path of ``field``'s stamp within ``stamps``."""
    return f'$."{field}"'


def encode(stamps: Mapping[str, str]) -> str:
    """``stamps`` (field -> stamp) as the text kept in ``sync_row_clocks``."""
    return json.dumps(stamps, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, str]:
    """The field -> stamp mapping kept in ``sync_row_clocks``."""
    stamps: Any = json.loads(text)
    return dict(stamps)
