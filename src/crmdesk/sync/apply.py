"""Applying remote changes to the local tables: per-field last writer wins.

A page of changes is applied inside the caller's write transaction:

1. Each change is compared with the stamp of the local value (the row's
   clocks, ``sync_row_clocks``); only a newer stamp wins. A local edit still
   in the outbox has its own (local) stamp there, so it keeps its value when
   it is the newer one, and is pushed later.
2. The winning fields are written by :class:`crmdesk.sync.rows.RowWriter`
   (rows created, updated, waiting for a parent, tombstoned; derived columns).
3. The search index of every touched contact is rebuilt.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from crmdesk.domain.hlc import Clock
from crmdesk.services import erasure, purge, sync_clocks
from crmdesk.services.purge import ERASE, PURGED
from crmdesk.services.sync_entities import spec
from crmdesk.store import fts
from crmdesk.sync.protocol import Change, Conflict
from crmdesk.sync.rows import ApplyCounts, Raw, RowKey, RowWriter, chunks

log = logging.getLogger(__name__)

Incoming = dict[RowKey, dict[str, tuple[Any, str]]]  # field -> (value, stamp)
Clocks = list[dict[str, str]]  # sync_clocks.UPSERT parameters: one row's new stamps each

__all__ = ["Applier", "ApplyCounts"]


def _row_fields(row: list[Any]) -> dict[str, tuple[Any, str]]:
    """``[row_id, field, value, stamp, ...]`` as field -> (value, stamp)."""
    return dict(zip(row[1::3], zip(row[2::3], row[3::3], strict=True), strict=True))


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
        self.sql = Raw(session)
        self.clock = clock
        self.index = index
        self.nationals = {} if nationals is None else nationals
        self.counts = ApplyCounts()
        self.rows = RowWriter(self.sql, self.counts, region, self.nationals)

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
        rows, clocks, applied = self._winners(incoming)
        return self._apply(rows, clocks, applied, len(changes), latest)

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
        clocks: Clocks = []
        new: dict[int, list[list[Any]]] = defaultdict(list)  # by number of fields
        applied = 0
        for row in rows:
            key = (entity, row[0])
            fields = len(row) // 3
            if key in local or not 0 < fields <= sync_clocks.MAX_SQL_FIELDS:
                # Fields held here too: per field, the newer stamp wins.
                held, stamps, count = self._winners({key: _row_fields(row)}, local)
                winners.update(held)
                clocks += stamps
                applied += count
                continue
            # A row new here (every row of a first sync): all its fields win.
            winners[key] = dict(zip(row[1::3], row[2::3], strict=True))
            new[fields].append([entity, *row])
            applied += fields
        for fields, params in new.items():
            self.sql.executemany(sync_clocks.snapshot_upsert(fields), params)
        latest = max((max(row[3::3], default="") for row in rows), default="")
        return self._apply(winners, clocks, applied, received, str(latest))

    def _apply(
        self,
        rows: dict[RowKey, dict[str, Any]],
        clocks: Clocks,
        applied: int,
        received: int,
        latest: str,
    ) -> ApplyCounts:
        """Write the winning fields (``rows``, ``applied`` of them) and their stamps
        (``clocks``)."""
        self.counts.received += received
        self.counts.applied += applied
        self.counts.kept_local += received - applied
        if latest:
            self.clock.observe(latest)
        self.sql.executemany(sync_clocks.UPSERT, clocks)
        rows = self._purge(rows)
        self.rows.merge_pending(rows)
        self.rows.write(rows)
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
    ) -> tuple[dict[RowKey, dict[str, Any]], Clocks, int]:
        """The fields newer than the local value (``local``: the clocks here, read
        when not given) by row, their rows' new stamps, and how many fields won."""
        if local is None:
            local = self._local_stamps(list(incoming))
        rows: dict[RowKey, dict[str, Any]] = {}
        clocks: Clocks = []
        applied = 0
        for key, fields in incoming.items():
            mine = local.get(key)
            if mine:
                fields = {f: vs for f, vs in fields.items() if f not in mine or vs[1] > mine[f]}
                if not fields:
                    continue
            entity, row_id = key
            rows[key] = {f: v for f, (v, _) in fields.items()}
            stamps = {f: stamp for f, (_, stamp) in fields.items()}
            clocks.append({"e": entity, "r": row_id, "stamps": sync_clocks.encode(stamps)})
            applied += len(stamps)
        return rows, clocks, applied

    def _local_stamps(self, keys: list[RowKey]) -> dict[RowKey, dict[str, str]]:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for entity, row_id in keys:
            by_entity[entity].append(row_id)
        found: dict[RowKey, dict[str, str]] = {}
        for entity, row_ids in by_entity.items():
            for chunk in chunks(sorted(row_ids)):
                marks = ", ".join("?" * len(chunk))
                for row_id, stamps in self.sql.execute(
                    "SELECT row_id, stamps FROM sync_row_clocks"
                    f" WHERE entity = ? AND row_id IN ({marks})",
                    (entity, *chunk),
                ):
                    found[(entity, row_id)] = sync_clocks.decode(stamps)
        return found

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
