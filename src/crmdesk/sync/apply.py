"""Applying remote changes to the local tables: per-field last writer wins.

A page of changes is applied inside the caller's write transaction:

1. Each change is compared with the stamp of the local value
   (``sync_clocks``); only a newer stamp wins. A local edit still in the
   outbox has its own (local) stamp there, so it keeps its value when it is
   the newer one, and is pushed later.
2. Winning fields are grouped into rows. Existing rows are updated; missing
   rows are created once every required field and every referenced parent
   row is there, else they wait in ``sync_pending`` and are written when the
   parent arrives (a snapshot sends children before parents).
3. ``DELETED`` sets ``deleted_at`` (to the stamp's time, the same on every
   replica) on tables that keep tombstones, and removes child rows.
4. Derived columns and the search index of every touched contact are
   rebuilt. Nothing here goes through the ORM, so nothing is captured back
   into the outbox.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.domain.hlc import Clock
from crmdesk.services import erasure, purge
from crmdesk.services.purge import ERASE, PURGED
from crmdesk.services.sync_entities import DELETED, WRITE_ORDER, EntitySpec, spec
from crmdesk.services.users import STAND_IN_PREFIX
from crmdesk.store import fts
from crmdesk.sync.derive import depends_on, derived, now_text, stamp_time
from crmdesk.sync.protocol import Change, Conflict

log = logging.getLogger(__name__)

CHUNK = 400
PLACEHOLDER_NAME = "Colleague on another computer"
RowKey = tuple[str, str]
Incoming = dict[RowKey, dict[str, tuple[Any, str]]]  # field -> (value, stamp)


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


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _row_fields(row: list[Any]) -> dict[str, tuple[Any, str]]:
    """``[row_id, field, value, stamp, ...]`` as field -> (value, stamp)."""
    return dict(zip(row[1::3], zip(row[2::3], row[3::3], strict=True), strict=True))


class _Raw:
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


class Applier:
    """Applies pages of remote changes inside one write session."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        region: str,
        *,
        index: bool = True,
        nationals: dict[str, str] | None = None,
    ) -> None:
        """``index=False`` leaves the search documents to the caller (a snapshot
        rebuilds them once at its end); ``nationals`` collects the national format
        of each E.164 number parsed, for that rebuild."""
        self.session = session
        self.sql = _Raw(session)
        self.clock = clock
        self.region = region
        self.index = index
        self.nationals = {} if nationals is None else nationals
        self.counts = ApplyCounts()
        self._users: set[str] = set()
        self._now = now_text()

    # -- entry points ------------------------------------------------------

    def apply(self, changes: list[Change]) -> ApplyCounts:
        """Apply ``changes`` (a pull page); returns what happened."""
        incoming: Incoming = defaultdict(dict)
        for change in changes:
            if spec(change.entity) is None:
                log.warning("ignoring a change of unknown entity %r", change.entity)
                continue
            fields = incoming[(change.entity, change.row_id)]
            held = fields.get(change.field)
            if held is None or change.stamp > held[1]:
                fields[change.field] = (change.value, change.stamp)
        latest = max((c.stamp for c in changes), default="")
        rows, clocks = self._winners(incoming)
        return self._apply(rows, clocks, len(changes), latest)

    def apply_rows(self, entity: str, rows: list[list[Any]]) -> ApplyCounts:
        """Apply one entity's compact snapshot rows (``[row_id, field, value, stamp, ...]``)."""
        received = sum(len(row) // 3 for row in rows)
        if spec(entity) is None:
            log.warning("ignoring rows of unknown entity %r", entity)
            self.counts.received += received
            self.counts.kept_local += received
            return self.counts
        local = self._local_stamps([(entity, row[0]) for row in rows])
        winners: dict[RowKey, dict[str, Any]] = {}
        clocks: list[tuple[str, str, str, str]] = []
        for row in rows:
            key = (entity, row[0])
            if key in local:  # fields held here too: per field, the newer stamp wins
                held, stamps = self._winners({key: _row_fields(row)}, local)
                winners.update(held)
                clocks += stamps
                continue
            # A row new here (every row of a first sync): all its fields win.
            winners[key] = dict(zip(row[1::3], row[2::3], strict=True))
            clocks += zip(repeat(entity), repeat(row[0]), row[1::3], row[3::3], strict=False)
        latest = max((max(row[3::3], default="") for row in rows), default="")
        return self._apply(winners, clocks, received, str(latest))

    def _apply(
        self,
        rows: dict[RowKey, dict[str, Any]],
        clocks: list[tuple[str, str, str, str]],
        received: int,
        latest: str,
    ) -> ApplyCounts:
        """Write the winning fields (``rows``) and their stamps (``clocks``)."""
        self.counts.received += received
        self.counts.applied += len(clocks)
        self.counts.kept_local += received - len(clocks)
        if latest:
            self.clock.observe(latest)
        self.sql.executemany(
            "INSERT INTO sync_clocks (entity, row_id, field, stamp) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (entity, row_id, field) DO UPDATE SET stamp = excluded.stamp",
            clocks,
        )
        rows = self._purge(rows)
        self._merge_pending(rows)
        self._write_rows(rows)
        self.counts.waiting = int(
            self.sql.execute("SELECT count(*) FROM sync_pending").fetchone()[0]
        )
        if self.index and self.counts.touched_contacts:
            fts.reindex_contacts(self.session, self.counts.touched_contacts, self.nationals)
        return self.counts

    def record_conflicts(self, conflicts: list[Conflict]) -> int:
        """Keep conflicts reported by the server (each once); returns how many were new."""
        new = 0
        for c in conflicts:
            cursor = self.sql.execute(
                "INSERT OR IGNORE INTO sync_conflicts (id, entity, row_id, field,"
                " winner_value, winner_stamp, winner_user, loser_value, loser_stamp,"
                " loser_user, detected_at) VALUES (:id, :entity, :row_id, :field, :wv,"
                " :ws, :wu, :lv, :ls, :lu, :at)",
                {
                    "id": c.id,
                    "entity": c.entity,
                    "row_id": c.row_id,
                    "field": c.field,
                    "wv": json.dumps(c.winner_value, ensure_ascii=False),
                    "ws": c.winner_stamp,
                    "wu": c.winner_user,
                    "lv": json.dumps(c.loser_value, ensure_ascii=False),
                    "ls": c.loser_stamp,
                    "lu": c.loser_user,
                    "at": c.detected_at,
                },
            )
            new += cursor.rowcount
        self.counts.conflicts += new
        return new

    # -- step 1: which changes win ------------------------------------------

    def _winners(
        self, incoming: Incoming, local: dict[RowKey, dict[str, str]] | None = None
    ) -> tuple[dict[RowKey, dict[str, Any]], list[tuple[str, str, str, str]]]:
        """The fields newer than the local value (``local``: the field clocks here,
        read when not given), by row, and their stamps for the field clocks."""
        if local is None:
            local = self._local_stamps(list(incoming))
        rows: dict[RowKey, dict[str, Any]] = {}
        clocks: list[tuple[str, str, str, str]] = []
        for key, fields in incoming.items():
            mine = local.get(key)
            if mine:
                fields = {f: vs for f, vs in fields.items() if f not in mine or vs[1] > mine[f]}
                if not fields:
                    continue
            entity, row_id = key
            rows[key] = {f: v for f, (v, _) in fields.items()}
            clocks += [(entity, row_id, f, stamp) for f, (_, stamp) in fields.items()]
        return rows, clocks

    def _local_stamps(self, keys: list[RowKey]) -> dict[RowKey, dict[str, str]]:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, row_id in keys:
            by_entity[entity].append(row_id)
        found: dict[RowKey, dict[str, str]] = defaultdict(dict)
        for entity, row_ids in by_entity.items():
            for chunk in _chunks(sorted(row_ids)):
                marks = ", ".join("?" * len(chunk))
                for row_id, name, stamp in self.sql.execute(
                    "SELECT row_id, field, stamp FROM sync_clocks"
                    f" WHERE entity = ? AND row_id IN ({marks})",
                    (entity, *chunk),
                ):
                    found[(entity, row_id)][name] = stamp
        return found

    # -- step 2: rows waiting for more fields or their parent ---------------

    def _merge_pending(self, rows: dict[RowKey, dict[str, Any]]) -> None:
        if not int(self.sql.execute("SELECT count(*) FROM sync_pending").fetchone()[0]):
            return
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, row_id in rows:
            by_entity[entity].append(row_id)
        for entity, row_ids in by_entity.items():
            for chunk in _chunks(row_ids):
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
        for chunk in _chunks(parent_ids):
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

    def _purge(self, rows: dict[RowKey, dict[str, Any]]) -> dict[RowKey, dict[str, Any]]:
        """Remove the rows another node purged or erased; returns the other rows."""
        gone = {k: f[PURGED] for k, f in rows.items() if f.get(PURGED) not in (None, False)}
        if not gone:
            return rows
        erased = sorted(r for (e, r), how in gone.items() if e == "contacts" and how == ERASE)
        if erased:  # also blanks this laptop's audit entries about them
            erasure.erase_people(self.session, erased, None, send=False)
            self.counts.erased += len(erased)
        others: purge.RowSet = defaultdict(set)
        for (entity, row_id), _ in gone.items():
            others[entity].add(row_id)
        contacts = sorted(others.pop("contacts", set()) - set(erased))
        removed = purge.remove(self.session, purge.contact_rows(self.session, contacts))
        removed += purge.remove(self.session, others)
        self.counts.deleted += removed
        return {k: f for k, f in rows.items() if k not in gone}

    # -- step 3: writing rows --------------------------------------------------

    def _write_rows(self, rows: dict[RowKey, dict[str, Any]]) -> None:
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
            for row_id in row_ids:
                keys = entity_spec.key_values(row_id)
                if self.sql.execute(
                    f"SELECT 1 FROM {table} WHERE {a} = ? AND {b} = ?", (keys[a], keys[b])
                ).fetchone():
                    found.add(row_id)
            return found
        for chunk in _chunks(row_ids):
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
        for chunk in _chunks(row_ids):
            marks = ", ".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.sql.execute(
                    "SELECT row_id FROM sync_clocks WHERE entity = ? AND field = ?"
                    f" AND row_id IN ({marks})",
                    (entity_spec.name, DELETED, *chunk),
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
            for chunk in _chunks(sorted(ids)):
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
            "SELECT stamp FROM sync_clocks WHERE entity = ? AND row_id = ? AND field = ?",
            (entity, row_id, DELETED),
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
