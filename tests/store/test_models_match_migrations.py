"""The SQLAlchemy models and the tables the migrations build agree, column for column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from crmdesk.store.database import Database
from crmdesk.store.models import Base

# The full-text index is kept by raw SQL (store/fts.py) and has no model.
FTS_TABLE = "contact_fts"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    path: Path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    db = Database.create(path, "a long enough passphrase")
    try:
        with db.engine.connect() as conn:
            yield conn
    finally:
        db.close()


def _table_info(conn: Connection, table: str) -> dict[str, tuple[bool, bool]]:
    """{column: (not null, part of the primary key)} of a table in the file."""
    rows = conn.exec_driver_sql(f"PRAGMA table_info({table})").all()
    return {row[1]: (bool(row[3]), bool(row[5])) for row in rows}


@pytest.mark.parametrize("table", sorted(Base.metadata.tables))
def test_model_columns_equal_the_table_columns(fresh: Connection, table: str) -> None:
    in_file = _table_info(fresh, table)
    assert in_file, f"{table} is a model but no migration creates it"
    model = Base.metadata.tables[table]
    assert {c.name for c in model.columns} == set(in_file)


@pytest.mark.parametrize("table", sorted(Base.metadata.tables))
def test_model_nullability_matches_not_null(fresh: Connection, table: str) -> None:
    """A column the model may leave empty must not be NOT NULL in the file, and back."""
    in_file = _table_info(fresh, table)
    for column in Base.metadata.tables[table].columns:
        not_null, primary = in_file[column.name]
        if primary or column.primary_key:
            continue  # SQLite does not mark a TEXT PRIMARY KEY NOT NULL
        assert column.nullable != not_null, f"{table}.{column.name}"


def test_every_table_in_the_file_has_a_model(fresh: Connection) -> None:
    names = {
        row[0]
        for row in fresh.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    fts_shadow = {n for n in names if n == FTS_TABLE or n.startswith(FTS_TABLE + "_")}
    assert FTS_TABLE in fts_shadow
    assert names - fts_shadow == set(Base.metadata.tables)
