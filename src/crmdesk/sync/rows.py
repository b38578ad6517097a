"""Writing the fields that won into the local tables, below the ORM.

Missing rows are created once every required field and every referenced
parent row is there, else they wait in ``sync_pending`` and are written when
the parent arrives. ``DELETED`` sets ``deleted_at`` (to the stamp's time, the
same on every replica) on tables that keep tombstones, and removes child
rows. Derived columns are worked out here; the contacts whose search document
changed are collected in the counts. Nothing goes through the ORM, so nothing
is captured back into the outbox.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.services import sync_clocks
from crmdesk.services.sync_entities import DELETED, WRITE_ORDER, EntitySpec, spec
from crmdesk.services.users import STAND_IN_PREFIX
from crmdesk.sync.derive import depends_on, derived, now_text, stamp_time

CHUNK = 400
PLACEHOLDER_NAME = "Colleague on another computer"
RowKey = tuple[str, str]


@dataclass
class ApplyCounts:
    """What one page did."""

    received: int = 0
    applied: int = 0  # fields that took the remote value
    kept_local: int = 0  # fields whose local value is as new or newer
    created: int = 0
    deleted: int = 0
    waiting: int = 0  # rows waiting in sync_pending after the page
    conflicts: int = 0
    erased: int = 0  # people erased (on another computer)
    touched_contacts: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        """The counts for the audit entry."""
        return {
            "received": self.received,
            "applied": self.applied,
            "kept_local": self.kept_local,
            "created": self.created,
            "deleted": self.deleted,
            "waiting": self.waiting,
            "conflicts": self.conflicts,
        }


def chunks(items: list[Any]) -> Iterable[list[Any]]:
    """``items`` in lists of at most ``CHUNK`` (the parameters of one ``IN``)."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class Raw:
    """The session's own DB-API connection (same transaction), without SQLAlchemy's
    per-statement overhead: a first sync runs hundreds of thousands of statements."""

    def __init__(self, session: Session) -> None:
        dbapi = session.connection().connection.dbapi_connection
        assert dbapi is not None
        self._conn = dbapi

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        if rows:
            self._conn.executemany(sql, rows)


class RowWriter:
    """Writes winning fields, row by row, inside the caller's transaction."""

    def __init__(
        self, sql: Raw, counts: ApplyCounts, region: str, nationals: dict[str, str]
    ) -> None:
        self.sql = sql
        self.counts = counts
        self.region = region
        self.nationals = nationals
        self._users: set[str] = set()
        self._now = now_text()

    # -- rows waiting for more fields or their parent ------------------------

    def merge_pending(self, rows: dict[RowKey, dict[str, Any]]) -> None:
        if not int(self.sql.execute("SELECT count(*) FROM sync_pending").fetchone()[0]):
            return
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, row_id in rows:
            by_entity[entity].append(row_id)
        for entity, row_ids in by_entity.items():
            for chunk in chunks(row_ids):
                where = f"entity = ? AND row_id IN ({', '.join('?' * len(chunk))})"
                params = (entity, *chunk)
                found = self.sql.execute(
                    f"SELECT row_id, fields FROM sync_pending WHERE {where}", params
                ).fetchall()
                if not found:
                    continue
                for row_id, fields in found:
                    rows[(entity, row_id)] = {**json.loads(fields), **rows[(entity, row_id)]}
                self.sql.execute(f"DELETE FROM sync_pending WHERE {where}", params)

    def _take_waiting(self, parent_ids: list[str]) -> dict[RowKey, dict[str, Any]]:
        rows: dict[RowKey, dict[str, Any]] = {}
        if not int(self.sql.execute("SELECT count(*) FROM sync_pending").fetchone()[0]):
            return rows
        for chunk in chunks(parent_ids):
            where = f"waits_for IN ({', '.join('?' * len(chunk))})"
            for entity, row_id, fields in self.sql.execute(
                f"SELECT entity, row_id, fields FROM sync_pending WHERE {where}", chunk
            ).fetchall():
                rows[(entity, row_id)] = json.loads(fields)
            self.sql.execute(f"DELETE FROM sync_pending WHERE {where}", chunk)
        return rows

    def _wait(
        self, entity: str, row_id: str, fields: dict[str, Any], waits_for: str | None
    ) -> None:
        self.sql.execute(
            "INSERT INTO sync_pending (entity, row_id, fields, waits_for) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (entity, row_id)"
            " DO UPDATE SET fields = excluded.fields, waits_for = excluded.waits_for",
            (entity, row_id, json.dumps(fields, ensure_ascii=False), waits_for),
        )

    # -- writing rows ------------------------------------------------------------

    def write(self, rows: dict[RowKey, dict[str, Any]]) -> None:
        while rows:
            created: list[str] = []
            for entity in WRITE_ORDER:
                group = {k[1]: v for k, v in rows.items() if k[0] == entity}
                if not group:
                    continue
                entity_spec = spec(entity)
                assert entity_spec is not None
                if entity == "contacts":
                    # Companies first: people refer to them.
                    companies = {r: f for r, f in group.items() if f.get("kind") == "company"}
                    created += self._write_entity(entity_spec, companies)
                    group = {r: f for r, f in group.items() if r not in companies}
                created += self._write_entity(entity_spec, group)
            rows = self._take_waiting(created) if created else {}

    def _write_entity(self, entity_spec: EntitySpec, group: dict[str, dict[str, Any]]) -> list[str]:
        if not group:
            return []
        entity = entity_spec.name
        existing = self._existing(entity_spec, list(group))
        tombstoned = self._tombstoned(entity_spec, [r for r in group if r not in existing])
        present = self._parents_present(entity_spec, group)
        inserts: list[dict[str, Any]] = []
        created: list[str] = []
        for row_id, fields in group.items():
            deleted = fields.get(DELETED)
            if not entity_spec.soft_delete and deleted is True:
                if row_id in existing:
                    self._touch(entity_spec, row_id, fields, existing=True)
                    self._delete_row(entity_spec, row_id)
                    self.counts.deleted += 1
                continue
            if row_id not in existing and row_id in tombstoned and deleted is not False:
                continue  # an edit of a child row that is already gone
            missing = self._missing_parent(entity_spec, row_id, fields, present)
            if missing is not None:
                self._wait(entity, row_id, fields, missing)
                continue
            if row_id in existing:
                self._update_row(entity_spec, row_id, fields)
                self._touch(entity_spec, row_id, fields, existing=True)
                continue
            if entity_spec.required - fields.keys():
                self._wait(entity, row_id, fields, None)
                continue
            inserts.append(self._insert_values(entity_spec, row_id, fields))
            created.append(row_id)
            self._touch(entity_spec, row_id, fields, existing=False)
        self._insert(entity_spec, inserts)
        self.counts.created += len(created)
        return created

    def _existing(self, entity_spec: EntitySpec, row_ids: list[str]) -> set[str]:
        found: set[str] = set()
        table = entity_spec.name
        if entity_spec.composite:
            a, b = entity_spec.key
            wanted = {row_id: entity_spec.key_values(row_id) for row_id in row_ids}
            by_pair = {(keys[a], keys[b]): row_id for row_id, keys in wanted.items()}
            firsts = sorted({keys[a] for keys in wanted.values()})
            for chunk in chunks(firsts):
                marks = ", ".join("?" * len(chunk))
                for pair in self.sql.execute(
                    f"SELECT {a}, {b} FROM {table} WHERE {a} IN ({marks})", chunk
                ):
                    if tuple(pair) in by_pair:
                        found.add(by_pair[tuple(pair)])
            return found
        for chunk in chunks(row_ids):
            marks = ", ".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.sql.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
            )
        return found

    def _tombstoned(self, entity_spec: EntitySpec, row_ids: list[str]) -> set[str]:
        """Rows of a child table that have a tombstone clock here (so were removed)."""
        if entity_spec.soft_delete or not row_ids:
            return set()
        found: set[str] = set()
        for chunk in chunks(row_ids):
            marks = ", ".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.sql.execute(
                    "SELECT row_id FROM sync_row_clocks WHERE entity = ?"
                    f" AND row_id IN ({marks}) AND json_extract(stamps, ?) IS NOT NULL",
                    (entity_spec.name, *chunk, sync_clocks.path(DELETED)),
                )
            )
        return found

    def _parents_present(
        self, entity_spec: EntitySpec, group: dict[str, dict[str, Any]]
    ) -> dict[str, set[str]]:
        """Per referenced table, which of the ids the group refers to exist here."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for row_id, fields in group.items():
            values = self._with_keys(entity_spec, row_id, fields)
            for column, table in entity_spec.references.items():
                value = values.get(column)
                if value is not None:
                    wanted[table].add(str(value))
        present: dict[str, set[str]] = {}
        for table, ids in wanted.items():
            if table == "users":
                self._ensure_users(ids)
                present[table] = ids
                continue
            present[table] = set()
            for chunk in chunks(sorted(ids)):
                marks = ", ".join("?" * len(chunk))
                present[table].update(
                    r[0]
                    for r in self.sql.execute(
                        f"SELECT id FROM {table} WHERE id IN ({marks})", chunk
                    )
                )
        return present

    @staticmethod
    def _with_keys(entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        if entity_spec.composite:
            return {**fields, **entity_spec.key_values(row_id)}
        return fields

    def _missing_parent(
        self,
        entity_spec: EntitySpec,
        row_id: str,
        fields: dict[str, Any],
        present: dict[str, set[str]],
    ) -> str | None:
        """The id of a referenced row that is not here yet."""
        values = self._with_keys(entity_spec, row_id, fields)
        for column, table in entity_spec.references.items():
            value = values.get(column)
            if value is not None and str(value) not in present.get(table, set()):
                return str(value)
        return None

    def _ensure_users(self, user_ids: set[str]) -> None:
        """Users do not sync: a user of another database gets a local stand-in,
        disabled (nobody signs in as it) and left out of the user list."""
        new = user_ids - self._users
        if not new:
            return
        now = now_text()
        self.sql.executemany(
            "INSERT OR IGNORE INTO users (id, username, display_name, role, created_at,"
            " updated_at, disabled_at) VALUES (?, ?, ?, 'salesperson', ?, ?, ?)",
            [(u, f"{STAND_IN_PREFIX}{u}", PLACEHOLDER_NAME, now, now, now) for u in sorted(new)],
        )
        self._users |= new

    def _insert_values(
        self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        values = {k: v for k, v in fields.items() if k in entity_spec.columns}
        values.update(entity_spec.key_values(row_id))
        values.update(derived(entity_spec.name, values, self.region, self.nationals))
        if "updated_at" in entity_spec.columns:
            values["updated_at"] = self._now
        if entity_spec.soft_delete and fields.get(DELETED) is True:
            values["deleted_at"] = self._deleted_at(entity_spec.name, row_id)
        return values

    def _insert(self, entity_spec: EntitySpec, rows: list[dict[str, Any]]) -> None:
        """Insert rows, grouped by the columns they carry (one executemany each)."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for values in rows:
            by_columns[tuple(sorted(values))].append(values)
        for columns, group in by_columns.items():
            marks = ", ".join(f":{c}" for c in columns)
            self.sql.executemany(
                f"INSERT INTO {entity_spec.name} ({', '.join(columns)}) VALUES ({marks})", group
            )

    def _update_row(self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]) -> None:
        values = {k: v for k, v in fields.items() if k in entity_spec.columns}
        if values.keys() & depends_on(entity_spec.name):
            current = self._current(entity_spec, row_id)
            values.update(
                derived(entity_spec.name, {**current, **values}, self.region, self.nationals)
            )
        if entity_spec.soft_delete and DELETED in fields:
            deleted = fields[DELETED] is True
            values["deleted_at"] = self._deleted_at(entity_spec.name, row_id) if deleted else None
        if not values:
            return
        if "updated_at" in entity_spec.columns:
            values["updated_at"] = self._now
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        where, keys = self._where(entity_spec, row_id)
        self.sql.execute(
            f"UPDATE {entity_spec.name} SET {assignments} WHERE {where}", {**values, **keys}
        )

    def _deleted_at(self, entity: str, row_id: str) -> str:
        """When a row was deleted: the time of its tombstone's stamp."""
        stamp = self.sql.execute(
            "SELECT json_extract(stamps, ?) FROM sync_row_clocks WHERE entity = ? AND row_id = ?",
            (sync_clocks.path(DELETED), entity, row_id),
        ).fetchone()[0]
        return stamp_time(str(stamp))

    def _delete_row(self, entity_spec: EntitySpec, row_id: str) -> None:
        where, keys = self._where(entity_spec, row_id)
        self.sql.execute(f"DELETE FROM {entity_spec.name} WHERE {where}", keys)

    def _current(self, entity_spec: EntitySpec, row_id: str) -> dict[str, Any]:
        where, keys = self._where(entity_spec, row_id)
        cursor = self.sql.execute(f"SELECT * FROM {entity_spec.name} WHERE {where}", keys)
        row = cursor.fetchone()
        if row is None:
            return {}
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    @staticmethod
    def _where(entity_spec: EntitySpec, row_id: str) -> tuple[str, dict[str, str]]:
        keys = entity_spec.key_values(row_id)
        where = " AND ".join(f"{c} = :k_{c}" for c in keys)
        return where, {f"k_{c}": v for c, v in keys.items()}

    def _touch(
        self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any], *, existing: bool
    ) -> None:
        """Note the contacts whose search document this row is part of."""
        touched = self.counts.touched_contacts
        if entity_spec.name == "contacts":
            touched.add(row_id)
            if existing and "company_name" in fields:
                touched.update(
                    r[0]
                    for r in self.sql.execute(
                        "SELECT id FROM contacts WHERE company_id = ?", (row_id,)
                    )
                )
            return
        if entity_spec.name not in ("contact_phones", "contact_emails", "activities"):
            return
        contact_id = fields.get("contact_id")
        if contact_id is None or existing:
            contact_id = self._current(entity_spec, row_id).get("contact_id", contact_id)
        if contact_id:
            touched.add(str(contact_id))
