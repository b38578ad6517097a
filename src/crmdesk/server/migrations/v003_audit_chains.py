"""Schema 3: each node's audit chain, as copied to the server at every sync."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, Text


def upgrade(conn: Connection) -> None:
    """Create ``audit_chain`` (one row per entry of each node's chain)."""
    md = MetaData()
    Table(
        "audit_chain",
        md,
        Column("node", String(64), primary_key=True),
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("at", Text, nullable=False),
        Column("user_id", Text),
        Column("action", Text, nullable=False),
        Column("entity", Text, nullable=False),
        Column("entity_id", Text),
        Column("summary", Text, nullable=False),
        Column("changes", Text, nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Column("username", String(64), nullable=False),
        Column("received_ms", BigInteger, nullable=False),
    )
    md.create_all(conn)
