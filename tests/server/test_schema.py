"""The server's migrations build exactly the tables ``tables.py`` describes, on
both backends, and a database from a newer server is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, update

from crmdesk.errors import DatabaseTooNew
from crmdesk.server import migrations, tables
from crmdesk.server.errors import ServerNotInitialised
from crmdesk.server.storage import ServerDatabase


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite+pysqlite:///{tmp_path / 'srv' / 'crmdesk-server.db'}"


def _shape(inspector, name):
    columns = {c["name"]: c["nullable"] for c in inspector.get_columns(name)}
    indexes = {(tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)}
    uniques = {(tuple(u["column_names"]), True) for u in inspector.get_unique_constraints(name)}
    return (
        columns,
        tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
        indexes | uniques,
    )


def _expected(table):
    columns = {c.name: c.nullable for c in table.columns}
    indexes = {(tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes}
    indexes |= {((c.name,), True) for c in table.columns if c.unique}
    return columns, tuple(c.name for c in table.primary_key.columns), indexes


def test_migrations_build_what_tables_py_describes(database_url):
    db, applied = ServerDatabase.initialise(database_url)
    try:
        assert applied == list(range(1, migrations.LATEST_VERSION + 1))
        with db.reading() as conn:
            inspector = inspect(conn)
            assert set(inspector.get_table_names()) == set(tables.metadata.tables)
            for name, table in tables.metadata.tables.items():
                columns, pk, indexes = _shape(inspector, name)
                want_columns, want_pk, want_indexes = _expected(table)
                assert columns == want_columns, name
                assert pk == want_pk, name
                assert indexes == want_indexes, name
            assert migrations.current_version(conn) == migrations.LATEST_VERSION
    finally:
        db.close()


def test_initialising_twice_changes_nothing(database_url):
    db, _ = ServerDatabase.initialise(database_url)
    first_id = db.server_id()
    db.close()
    again, applied = ServerDatabase.initialise(database_url)
    try:
        assert applied == []
        assert again.server_id() == first_id
    finally:
        again.close()


def test_open_refuses_empty_and_newer_databases(database_url):
    with pytest.raises(ServerNotInitialised):
        ServerDatabase.open(database_url)
    db, _ = ServerDatabase.initialise(database_url)
    with db.writing() as conn:
        conn.execute(update(tables.schema_version).values(version=migrations.LATEST_VERSION + 1))
    db.close()
    with pytest.raises(DatabaseTooNew, match="newer"):
        ServerDatabase.open(database_url)


def test_postgres_tests_skip_only_outside_ci(monkeypatch):
    import live

    monkeypatch.setattr(live, "find_pg_ctl", lambda: None)
    monkeypatch.setenv("CI", "true")
    assert live.postgres_missing_reason() is None  # so the fixture fails instead
    monkeypatch.delenv("CI")
    assert "not installed" in (live.postgres_missing_reason() or "")
