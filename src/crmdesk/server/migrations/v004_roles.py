"""Schema 4: custom roles, each a named set of permissions from the shared table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, Text


def upgrade(conn: Connection) -> None:
    """Create ``roles`` (built-in roles are not stored: they live in the code)."""
    md = MetaData()
    Table(
        "roles",
        md,
        Column("name", String(16), primary_key=True),
        Column("permissions", Text, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
    )
    md.create_all(conn)
