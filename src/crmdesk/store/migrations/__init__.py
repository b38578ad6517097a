"""Versioned schema migrations; the version lives in ``PRAGMA user_version``.

Each step is a module ``vNNN_name.py`` with a ``STATEMENTS`` list. Steps are
frozen once released: change the schema by adding a step, never by editing one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from crmdesk.errors import DatabaseTooNew

STEP_MODULES = [
    "v001_initial",
    "v002_terms_and_lifecycle",
    "v003_contact_indexes",
    "v004_imports",
    "v005_sync",
    "v006_duplicates",
    "v007_row_clocks",
    "v008_roles",
    "v009_privacy",
    "v010_search_merge",
    "v011_saved_lists",
    "v012_suggestions",
    "v013_insight_indexes",
    "v014_report_indexes",
]


@dataclass(frozen=True)
class Step:
    """One schema step: from ``version - 1`` to ``version``."""

    version: int
    name: str
    statements: tuple[str, ...]


def steps() -> list[Step]:
    """All steps in order."""
    result = []
    for number, module_name in enumerate(STEP_MODULES, start=1):
        module = importlib.import_module(f"{__name__}.{module_name}")
        result.append(Step(number, module_name, tuple(module.STATEMENTS)))
    return result


LATEST_VERSION = len(STEP_MODULES)


def current_version(conn: Any) -> int:
    """The schema version of an open DB-API connection."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_not_too_new(conn: Any, name: str) -> int:
    """Return the file's version; refuse files written by a newer crmdesk."""
    version = current_version(conn)
    if version > LATEST_VERSION:
        raise DatabaseTooNew(
            f"{name} was written by a newer version of crmdesk (schema {version}, "
            f"this program knows up to {LATEST_VERSION}); please update crmdesk."
        )
    return version


def migrate(conn: Any, target: int = LATEST_VERSION) -> list[int]:
    """Apply the missing steps up to ``target``, each in its own transaction.

    ``conn`` is a raw DB-API connection in autocommit mode. Returns the
    versions applied.
    """
    applied = []
    version = current_version(conn)
    for step in steps():
        if step.version <= version or step.version > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in step.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step.version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(step.version)
    return applied
