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
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.hlc import Clock
from crmdesk.services.sync_entities import DELETED, WRITE_ORDER, EntitySpec, spec
from crmdesk.store import fts
from crmdesk.sync.derive import depends_on, derived, now_text, stamp_time
from crmdesk.sync.protocol import Change, Conflict

log = logging.getLogger(__name__)

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


def _in_list(prefix: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join(f":{n}" for n in names), dict(zip(names, values, strict=True))


class Applier:
    """Applies pages of remote changes inside one write session."""

    def __init__(self, session: Session, clock: Clock, region: str) -> None:
        self.session = session
        self.clock = clock
        self.region = region
        self.counts = ApplyCounts()

    # -- entry points ------------------------------------------------------

    def apply(self, changes: list[Change]) -> ApplyCounts:
        """Apply ``changes`` (a pull or snapshot page); returns what happened."""
        self.counts.received += len(changes)
        winners = self._winners(changes)
        rows: dict[RowKey, dict[str, Any]] = defaultdict(dict)
        for change in winners:
            rows[(change.entity, change.row_id)][change.field] = change.value
        self._merge_pending(rows)
        self._write_rows(rows)
        self.counts.waiting = int(
            self.session.execute(text("SELECT count(*) FROM sync_pending")).scalar_one()
        )
        if self.counts.touched_contacts:
            fts.reindex_contacts(self.session, self.counts.touched_contacts)
        return self.counts

    def record_conflicts(self, conflicts: list[Conflict]) -> int:
        """Keep conflicts reported by the server (each once); returns how many were new."""
        new = 0
        for c in conflicts:
            result = self.session.execute(
                text(
                    "INSERT OR IGNORE INTO sync_conflicts (id, entity, row_id, field,"
                    " winner_value, winner_stamp, winner_user, loser_value, loser_stamp,"
                    " loser_user, detected_at) VALUES (:id, :entity, :row_id, :field, :wv,"
                    " :ws, :wu, :lv, :ls, :lu, :at)"
                ),
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
            new += result.rowcount  # type: ignore[attr-defined]
        self.counts.conflicts += new
        return new

    # -- step 1: which changes win ------------------------------------------

    def _winners(self, changes: list[Change]) -> list[Change]:
        best: dict[tuple[str, str, str], Change] = {}
        for change in changes:
            self.clock.observe(change.stamp)
            if spec(change.entity) is None:
                log.warning("ignoring a change of unknown entity %r", change.entity)
                continue
            key = (change.entity, change.row_id, change.field)
            if key not in best or change.stamp > best[key].stamp:
                best[key] = change
        local = self._local_stamps(list(best))
        winners = [c for k, c in best.items() if k not in local or c.stamp > local[k]]
        self.counts.applied += len(winners)
        self.counts.kept_local += len(changes) - len(winners)
        if winners:
            self.session.execute(
                text(
                    "INSERT INTO sync_clocks (entity, row_id, field, stamp)"
                    " VALUES (:e, :r, :f, :s) ON CONFLICT (entity, row_id, field)"
                    " DO UPDATE SET stamp = excluded.stamp"
                ),
                [{"e": c.entity, "r": c.row_id, "f": c.field, "s": c.stamp} for c in winners],
            )
        return winners

    def _local_stamps(self, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        by_entity: dict[str, set[str]] = defaultdict(set)
        for entity, row_id, _ in keys:
            by_entity[entity].add(row_id)
        found: dict[tuple[str, str, str], str] = {}
        for entity, row_ids in by_entity.items():
            for chunk in _chunks(sorted(row_ids)):
                marks, params = _in_list("r", chunk)
                for row_id, name, stamp in self.session.execute(
                    text(
                        "SELECT row_id, field, stamp FROM sync_clocks"
                        f" WHERE entity = :e AND row_id IN ({marks})"
                    ),
                    {"e": entity, **params},
                ):
                    found[(entity, row_id, name)] = stamp
        return found

    # -- step 2: rows waiting for more fields or their parent ---------------

    def _merge_pending(self, rows: dict[RowKey, dict[str, Any]]) -> None:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, row_id in rows:
            by_entity[entity].append(row_id)
        for entity, row_ids in by_entity.items():
            for chunk in _chunks(row_ids):
                marks, params = _in_list("r", chunk)
                where = f"entity = :e AND row_id IN ({marks})"
                found = self.session.execute(
                    text(f"SELECT row_id, fields FROM sync_pending WHERE {where}"),
                    {"e": entity, **params},
                ).all()
                if not found:
                    continue
                for row_id, fields in found:
                    row = rows[(entity, row_id)]
                    rows[(entity, row_id)] = {**json.loads(fields), **row}
                self.session.execute(
                    text(f"DELETE FROM sync_pending WHERE {where}"), {"e": entity, **params}
                )

    def _take_waiting(self, parent_ids: list[str]) -> dict[RowKey, dict[str, Any]]:
        rows: dict[RowKey, dict[str, Any]] = {}
        for chunk in _chunks(parent_ids):
            marks, params = _in_list("p", chunk)
            where = f"waits_for IN ({marks})"
            for entity, row_id, fields in self.session.execute(
                text(f"SELECT entity, row_id, fields FROM sync_pending WHERE {where}"), params
            ):
                rows[(entity, row_id)] = json.loads(fields)
            self.session.execute(text(f"DELETE FROM sync_pending WHERE {where}"), params)
        return rows

    def _wait(
        self, entity: str, row_id: str, fields: dict[str, Any], waits_for: str | None
    ) -> None:
        self.session.execute(
            text(
                "INSERT INTO sync_pending (entity, row_id, fields, waits_for)"
                " VALUES (:e, :r, :f, :w) ON CONFLICT (entity, row_id)"
                " DO UPDATE SET fields = excluded.fields, waits_for = excluded.waits_for"
            ),
            {"e": entity, "r": row_id, "f": json.dumps(fields, ensure_ascii=False), "w": waits_for},
        )

    # -- step 3: writing rows --------------------------------------------------

    def _write_rows(self, rows: dict[RowKey, dict[str, Any]]) -> None:
        while rows:
            created: list[str] = []
            for entity in WRITE_ORDER:
                group = {k[1]: v for k, v in rows.items() if k[0] == entity}
                if group:
                    entity_spec = spec(entity)
                    assert entity_spec is not None
                    created += self._write_entity(entity_spec, group)
            rows = self._take_waiting(created) if created else {}

    def _write_entity(self, entity_spec: EntitySpec, group: dict[str, dict[str, Any]]) -> list[str]:
        entity = entity_spec.name
        existing = self._existing(entity_spec, list(group))
        tombstoned = self._tombstoned(entity_spec, [r for r in group if r not in existing])
        order = sorted(group, key=lambda r: 0 if group[r].get("kind") == "company" else 1)
        created: list[str] = []
        for row_id in order:
            fields = group[row_id]
            deleted = fields.get(DELETED)
            if not entity_spec.soft_delete and deleted is True:
                if row_id in existing:
                    self._touch(entity_spec, row_id, fields, existing=True)
                    self._delete_row(entity_spec, row_id)
                    self.counts.deleted += 1
                continue
            if row_id not in existing and row_id in tombstoned and deleted is not False:
                continue  # an edit of a child row that is already gone
            missing = self._missing_parent(entity_spec, row_id, fields)
            if missing is not None:
                self._wait(entity, row_id, fields, missing)
                continue
            if row_id in existing:
                self._update_row(entity_spec, row_id, fields)
            else:
                needed = entity_spec.required - fields.keys()
                if needed:
                    self._wait(entity, row_id, fields, None)
                    continue
                self._insert_row(entity_spec, row_id, fields)
                existing.add(row_id)
                created.append(row_id)
                self.counts.created += 1
            self._touch(entity_spec, row_id, fields, existing=False)
        return created

    def _existing(self, entity_spec: EntitySpec, row_ids: list[str]) -> set[str]:
        found: set[str] = set()
        table = entity_spec.name
        if entity_spec.composite:
            a, b = entity_spec.key
            for row_id in row_ids:
                keys = entity_spec.key_values(row_id)
                hit = self.session.execute(
                    text(f"SELECT 1 FROM {table} WHERE {a} = :a AND {b} = :b"),
                    {"a": keys[a], "b": keys[b]},
                ).first()
                if hit:
                    found.add(row_id)
            return found
        for chunk in _chunks(row_ids):
            marks, params = _in_list("r", chunk)
            found.update(
                self.session.execute(
                    text(f"SELECT id FROM {table} WHERE id IN ({marks})"), params
                ).scalars()
            )
        return found

    def _tombstoned(self, entity_spec: EntitySpec, row_ids: list[str]) -> set[str]:
        """Rows of a child table that have a tombstone clock here (so were removed)."""
        if entity_spec.soft_delete or not row_ids:
            return set()
        found: set[str] = set()
        for chunk in _chunks(row_ids):
            marks, params = _in_list("r", chunk)
            found.update(
                self.session.execute(
                    text(
                        "SELECT row_id FROM sync_clocks WHERE entity = :e AND field = :f"
                        f" AND row_id IN ({marks})"
                    ),
                    {"e": entity_spec.name, "f": DELETED, **params},
                ).scalars()
            )
        return found

    def _missing_parent(
        self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]
    ) -> str | None:
        """The id of a referenced row that is not here yet (users get a stand-in)."""
        values = {**fields, **entity_spec.key_values(row_id)} if entity_spec.composite else fields
        for column, table in entity_spec.references.items():
            value = values.get(column)
            if value is None:
                continue
            if table == "users":
                self._ensure_user(str(value))
                continue
            hit = self.session.execute(
                text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": value}
            ).first()
            if hit is None:
                return str(value)
        return None

    def _ensure_user(self, user_id: str) -> None:
        """Users do not sync: a user of another database gets a local stand-in."""
        now = now_text()
        self.session.execute(
            text(
                "INSERT OR IGNORE INTO users (id, username, display_name, role, created_at,"
                " updated_at) VALUES (:id, :u, :d, 'salesperson', :now, :now)"
            ),
            {"id": user_id, "u": f"remote-{user_id}", "d": PLACEHOLDER_NAME, "now": now},
        )

    def _insert_row(self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]) -> None:
        values = {k: v for k, v in fields.items() if k in entity_spec.columns}
        values.update(entity_spec.key_values(row_id))
        values.update(derived(entity_spec.name, values, self.region))
        if "updated_at" in entity_spec.columns:
            values["updated_at"] = now_text()
        if entity_spec.soft_delete and fields.get(DELETED) is True:
            values["deleted_at"] = self._deleted_at(entity_spec.name, row_id)
        columns = ", ".join(values)
        marks = ", ".join(f":{c}" for c in values)
        self.session.execute(
            text(f"INSERT INTO {entity_spec.name} ({columns}) VALUES ({marks})"), values
        )

    def _update_row(self, entity_spec: EntitySpec, row_id: str, fields: dict[str, Any]) -> None:
        values = {k: v for k, v in fields.items() if k in entity_spec.columns}
        if values.keys() & depends_on(entity_spec.name):
            current = self._current(entity_spec, row_id)
            values.update(derived(entity_spec.name, {**current, **values}, self.region))
        if entity_spec.soft_delete and DELETED in fields:
            deleted = fields[DELETED] is True
            values["deleted_at"] = self._deleted_at(entity_spec.name, row_id) if deleted else None
        if not values:
            return
        if "updated_at" in entity_spec.columns:
            values["updated_at"] = now_text()
        assignments = ", ".join(f"{c} = :{c}" for c in values)
        where, keys = self._where(entity_spec, row_id)
        self.session.execute(
            text(f"UPDATE {entity_spec.name} SET {assignments} WHERE {where}"), {**values, **keys}
        )

    def _deleted_at(self, entity: str, row_id: str) -> str:
        """When a row was deleted: the time of its tombstone's stamp."""
        stamp = self.session.execute(
            text("SELECT stamp FROM sync_clocks WHERE entity = :e AND row_id = :r AND field = :f"),
            {"e": entity, "r": row_id, "f": DELETED},
        ).scalar_one()
        return stamp_time(str(stamp))

    def _delete_row(self, entity_spec: EntitySpec, row_id: str) -> None:
        where, keys = self._where(entity_spec, row_id)
        self.session.execute(text(f"DELETE FROM {entity_spec.name} WHERE {where}"), keys)

    def _current(self, entity_spec: EntitySpec, row_id: str) -> dict[str, Any]:
        where, keys = self._where(entity_spec, row_id)
        row = (
            self.session.execute(text(f"SELECT * FROM {entity_spec.name} WHERE {where}"), keys)
            .mappings()
            .first()
        )
        return dict(row) if row else {}

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
            if "company_name" in fields:
                touched.update(
                    self.session.execute(
                        text("SELECT id FROM contacts WHERE company_id = :id"), {"id": row_id}
                    ).scalars()
                )
            return
        if entity_spec.name not in (
            "contact_phones",
            "contact_emails",
            "activities",
        ):
            return
        contact_id = fields.get("contact_id")
        if contact_id is None or existing:
            contact_id = self._current(entity_spec, row_id).get("contact_id", contact_id)
        if contact_id:
            touched.add(str(contact_id))
