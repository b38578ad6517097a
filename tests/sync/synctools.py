"""Helpers for the sync tests: replicas, shipping outboxes, canonical dumps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from crmdesk.cli import main
from crmdesk.services import sync_capture
from crmdesk.services.app import Crm
from crmdesk.services.sync_entities import DELETED, specs
from crmdesk.sync.apply import Applier, ApplyCounts
from crmdesk.sync.engine import SyncEngine, SyncReport
from crmdesk.sync.protocol import Change

PASSPHRASE = "correct horse battery"
USER_PASSWORD = "a sync password"
Replica = Callable[[str], Crm]


@dataclass
class LiveServer:
    """A server running on 127.0.0.1 for one test."""

    url: str
    host: str
    port: int
    db: Any


def sync(crm: Crm, **options: Any) -> SyncReport:
    """One sync with the remembered server, logging in when needed."""
    return SyncEngine(crm, **options).sync(USER_PASSWORD)


def run_cli(capsys: Any, db: Path, *args: str) -> tuple[int, str, str]:
    """``crmdesk --db DB ARGS`` in this process: exit code, output and errors."""
    capsys.readouterr()
    code = main(["--db", str(db), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def new_replica(folder: Path, name: str) -> Crm:
    """A fresh encrypted database (region FI, currency EUR) with its own owner."""
    return Crm.create(folder / f"{name}.db", PASSPHRASE, region="FI", currency="EUR", owner=name)


def outbox(crm: Crm, *, unsent_only: bool = False) -> list[dict[str, Any]]:
    """The outbox rows, oldest first, values decoded."""
    where = " WHERE batch_id IS NULL" if unsent_only else ""
    with crm.db.reading() as session:
        rows = session.execute(
            text(
                "SELECT entity, row_id, field, value, stamp, base, batch_id FROM sync_outbox"
                f"{where} ORDER BY id"
            )
        ).mappings()
        return [{**r, "value": json.loads(r["value"])} for r in rows]


def fields_of(crm: Crm, entity: str, row_id: str) -> dict[str, Any]:
    """field -> value of the unsent outbox rows of one row."""
    return {
        r["field"]: r["value"]
        for r in outbox(crm, unsent_only=True)
        if r["entity"] == entity and r["row_id"] == row_id
    }


def as_changes(crm: Crm) -> list[Change]:
    """The outbox as the changes a push would carry."""
    return [
        Change(r["entity"], r["row_id"], r["field"], r["value"], r["stamp"], r["base"])
        for r in outbox(crm)
    ]


def apply(crm: Crm, changes: list[Change]) -> ApplyCounts:
    """Apply remote changes to ``crm`` as one pull page would be."""
    with crm.db.writing() as session:
        clock = sync_capture.load_clock(session.connection(), crm.db)
        counts = Applier(session, clock, crm.region).apply(changes)
        sync_capture.save_clock(session.connection(), clock)
        return counts


def canonical(crm: Crm) -> dict[str, dict[str, dict[str, Any]]]:
    """Every synced row's synced fields and its tombstone, as stored here."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with crm.db.reading() as session:
        for entity, spec in specs().items():
            rows: dict[str, dict[str, Any]] = {}
            for row in session.execute(text(f"SELECT * FROM {entity}")).mappings():
                row_id = spec.row_id(row)
                values = {f: row[f] for f in spec.fields}
                for name, column in spec.columns.items():
                    if name in values and values[name] is not None and "BOOL" in str(column.type):
                        values[name] = bool(values[name])
                if spec.soft_delete:
                    values[DELETED] = row["deleted_at"] is not None
                rows[row_id] = values
            out[entity] = rows
    return out
