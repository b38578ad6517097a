"""Versioned migrations of the server database, for SQLite and PostgreSQL alike.

Each step is a module ``vNNN_name.py`` with ``upgrade(conn)`` written in
SQLAlchemy Core DDL. The version lives in the one-row ``schema_version``
table. Steps are frozen once released: change the schema by adding a step.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, select, update

from crmdesk.server import tables

STEP_MODULES = ["v001_initial", "v002_entity_summaries", "v003_audit_chains", "v004_roles"]
LATEST_VERSION = len(STEP_MODULES)


@dataclass(frozen=True)
class Step:
    """One schema step: from ``version - 1`` to ``version``."""

    version: int
    name: str
    upgrade: Callable[[Connection], None]


def steps() -> list[Step]:
    """All steps in order."""
    result = []
    for number, module_name in enumerate(STEP_MODULES, start=1):
        module = importlib.import_module(f"{__name__}.{module_name}")
        result.append(Step(number, module_name, module.upgrade))
    return result


def current_version(conn: Connection) -> int:
    """The schema version of the database (0 when it has no server tables yet)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    version = conn.execute(select(tables.schema_version.c.version)).scalar()
    return int(version or 0)


def migrate(conn: Connection, target: int = LATEST_VERSION) -> list[int]:
    """Apply the missing steps up to ``target`` inside the caller's transaction."""
    applied = []
    version = current_version(conn)
    for step in steps():
        if step.version <= version or step.version > target:
            continue
        step.upgrade(conn)
        if step.version == 1:
            conn.execute(tables.schema_version.insert().values(version=1))
        else:
            conn.execute(update(tables.schema_version).values(version=step.version))
        applied.append(step.version)
    return applied
