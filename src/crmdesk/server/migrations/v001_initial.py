"""Schema 1: users and tokens, per-field state, the change history, conflicts."""

from __future__ import annotations

import secrets

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)


def upgrade(conn: Connection) -> None:
    """Create every table of schema 1, the change counter and the server's id."""
    md = MetaData()
    Table("schema_version", md, Column("version", Integer, nullable=False))
    meta = Table(
        "server_meta",
        md,
        Column("name", String(64), primary_key=True),
        Column("value", Text, nullable=False),
    )
    counters = Table(
        "counters",
        md,
        Column("name", String(64), primary_key=True),
        Column("value", BigInteger, nullable=False),
    )
    Table(
        "users",
        md,
        Column("id", String(36), primary_key=True),
        Column("username", String(64), nullable=False, unique=True),
        Column("password_hash", Text, nullable=False),
        Column("role", String(16), nullable=False),
        Column("disabled", Boolean, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
    )
    Table(
        "tokens",
        md,
        Column("token_sha256", String(64), primary_key=True),
        Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
        Column("node", String(64), nullable=False),
        Column("created_ms", BigInteger, nullable=False),
        Column("expires_ms", BigInteger, nullable=False),
        Column("revoked", Boolean, nullable=False),
    )
    Table(
        "nodes",
        md,
        Column("node", String(64), primary_key=True),
        Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
        Column("last_seq", BigInteger, nullable=False),
        Column("last_push_ms", BigInteger, nullable=False),
    )
    Table(
        "push_batches",
        md,
        Column("node", String(64), primary_key=True),
        Column("batch_id", String(64), primary_key=True),
        Column("seq", BigInteger, nullable=False),
        Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
        Column("response", Text, nullable=False),
        Column("received_ms", BigInteger, nullable=False),
    )
    Table(
        "field_state",
        md,
        Column("entity", String(64), primary_key=True),
        Column("row_id", String(64), primary_key=True),
        Column("field", String(64), primary_key=True),
        Column("value", Text, nullable=False),
        Column("stamp", String(100), nullable=False),
        Column("username", String(64)),
        Column("seq", BigInteger, nullable=False),
        Index("ix_field_state_seq", "seq", unique=True),
    )
    Table(
        "change_log",
        md,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("entity", String(64), nullable=False),
        Column("row_id", String(64), nullable=False),
        Column("field", String(64), nullable=False),
        Column("value", Text, nullable=False),
        Column("stamp", String(100), nullable=False),
        Column("base", String(100)),
        Column("node", String(64), nullable=False),
        Column("username", String(64), nullable=False),
        Column("batch_id", String(64), nullable=False),
        Column("received_ms", BigInteger, nullable=False),
        Column("won", Boolean, nullable=False),
        Index("ix_change_log_row", "entity", "row_id", "field"),
    )
    Table(
        "conflicts",
        md,
        Column("id", String(36), primary_key=True),
        Column("seq", BigInteger, nullable=False, index=True),
        Column("entity", String(64), nullable=False),
        Column("row_id", String(64), nullable=False),
        Column("field", String(64), nullable=False),
        Column("winner_value", Text, nullable=False),
        Column("winner_stamp", String(100), nullable=False),
        Column("winner_user", String(64)),
        Column("loser_value", Text, nullable=False),
        Column("loser_stamp", String(100), nullable=False),
        Column("loser_user", String(64)),
        Column("detected_ms", BigInteger, nullable=False),
    )
    md.create_all(conn)
    conn.execute(counters.insert().values(name="change_seq", value=0))
    conn.execute(meta.insert().values(name="server_id", value=secrets.token_hex(8)))
