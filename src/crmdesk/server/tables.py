"""The server's tables as SQLAlchemy Core objects (the schema of the latest migration).

Times are Unix milliseconds (``BigInteger``), values are JSON text, so the same
queries run on SQLite and PostgreSQL. A test checks these agree with what the
migrations create.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

KEY = 64  # entity, row id, field name, node id, batch id: at most this many characters
STAMP = 100  # a clock stamp: 16 + 1 + 4 + 1 + node
MAX_INT = 2**63 - 1  # BigInteger's range: sequence numbers and cursors


def is_key(text: str) -> bool:
    """Whether ``text`` fits a key column: 1 to ``KEY`` printable characters."""
    return 0 < len(text) <= KEY and text.isprintable()


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

server_meta = Table(
    "server_meta",
    metadata,
    Column("name", String(KEY), primary_key=True),
    Column("value", Text, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(KEY), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(KEY), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

#: Custom roles (schema 4): ``permissions`` is a space-separated list.
roles = Table(
    "roles",
    metadata,
    Column("name", String(16), primary_key=True),
    Column("permissions", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False, index=True),
    Column("node", String(KEY), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("revoked", Boolean, nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    Column("node", String(KEY), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_push_ms", BigInteger, nullable=False),
)

push_batches = Table(
    "push_batches",
    metadata,
    Column("node", String(KEY), primary_key=True),
    Column("batch_id", String(KEY), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("response", Text, nullable=False),
    Column("received_ms", BigInteger, nullable=False),
)

field_state = Table(
    "field_state",
    metadata,
    Column("entity", String(KEY), primary_key=True),
    Column("row_id", String(KEY), primary_key=True),
    Column("field", String(KEY), primary_key=True),
    Column("value", Text, nullable=False),
    Column("stamp", String(STAMP), nullable=False),
    Column("username", String(KEY)),
    Column("seq", BigInteger, nullable=False),
    Index("ix_field_state_seq", "seq", unique=True),
)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entity", String(KEY), nullable=False),
    Column("row_id", String(KEY), nullable=False),
    Column("field", String(KEY), nullable=False),
    Column("value", Text, nullable=False),
    Column("stamp", String(STAMP), nullable=False),
    Column("base", String(STAMP)),
    Column("node", String(KEY), nullable=False),
    Column("username", String(KEY), nullable=False),
    Column("batch_id", String(KEY), nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("won", Boolean, nullable=False),
    Index("ix_change_log_row", "entity", "row_id", "field"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False, index=True),
    Column("entity", String(KEY), nullable=False),
    Column("row_id", String(KEY), nullable=False),
    Column("field", String(KEY), nullable=False),
    Column("winner_value", Text, nullable=False),
    Column("winner_stamp", String(STAMP), nullable=False),
    Column("winner_user", String(KEY)),
    Column("loser_value", Text, nullable=False),
    Column("loser_stamp", String(STAMP), nullable=False),
    Column("loser_user", String(KEY)),
    Column("detected_ms", BigInteger, nullable=False),
)

entity_summaries = Table(
    "entity_summaries",
    metadata,
    Column("entity", String(KEY), primary_key=True),
    Column("rows", BigInteger, nullable=False),
    Column("checksum", String(64), nullable=False),
)

audit_chain = Table(
    "audit_chain",
    metadata,
    Column("node", String(KEY), primary_key=True),
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
    Column("username", String(KEY), nullable=False),
    Column("received_ms", BigInteger, nullable=False),
)
