"""Users (argon2 password hashes, roles) and the bearer tokens they log in for.

Only the SHA-256 of a token is stored, so a copy of the database lets nobody
in. Tokens expire and can be revoked (logout, ``crmdesk-server token revoke``).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, func, select, update

from crmdesk.errors import NotFound, ValidationError
from crmdesk.server import roles, tables
from crmdesk.server.errors import Unauthorized
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.protocol import LoginResponse

DEFAULT_TOKEN_DAYS = 30
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verified when the username is unknown, so both refusals take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    """A server account."""

    id: str
    username: str
    role: str
    disabled: bool
    created_ms: int


@dataclass(frozen=True)
class Principal:
    """Who sent a request: the user behind a valid token, the node it was issued
    to, and what the user's role grants."""

    user: User
    node: str
    token_sha256: str
    permissions: frozenset[str]


def now_ms() -> int:
    """The server's clock in Unix milliseconds."""
    return time.time_ns() // 1_000_000


def iso_utc(ms: int) -> str:
    """Unix milliseconds as ISO 8601 UTC text."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def token_digest(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _user(row: Row[Any]) -> User:
    return User(row.id, row.username, row.role, bool(row.disabled), row.created_ms)


def _check_username(username: str) -> str:
    name = username.strip()
    if not tables.is_key(name) or any(ch.isspace() for ch in name):
        raise ValidationError(
            f"'{username[:80]}' is not a valid username (1 to {tables.KEY} characters, no spaces)."
        )
    return name


def add_user(db: ServerDatabase, username: str, password: str, role: str) -> User:
    """Create an account; ``ValidationError`` for a bad name, role, password or a duplicate."""
    name = _check_username(username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    user = User(str(uuid.uuid4()), name, role, False, now_ms())
    password_hash = _hasher.hash(password)
    with db.writing() as conn:
        if roles.grants(conn, role) is None:
            known = ", ".join(roles.role_names(conn))
            raise ValidationError(f"'{role}' is not a role; choose one of {known}.")
        if _find(conn, name) is not None:
            raise ValidationError(f"A user named '{name}' already exists.")
        conn.execute(
            tables.users.insert().values(
                id=user.id,
                username=user.username,
                password_hash=password_hash,
                role=user.role,
                disabled=False,
                created_ms=user.created_ms,
            )
        )
    return user


def list_users(db: ServerDatabase) -> list[User]:
    """Every account, by username."""
    with db.reading() as conn:
        rows = conn.execute(select(tables.users).order_by(tables.users.c.username))
        return [_user(row) for row in rows]


def set_disabled(db: ServerDatabase, username: str, disabled: bool = True) -> User:
    """Disable (or enable again) an account; disabling also revokes its tokens."""
    with db.writing() as conn:
        row = _find(conn, username)
        if row is None:
            raise NotFound(f"There is no user named '{username}'.")
        conn.execute(
            update(tables.users).where(tables.users.c.id == row.id).values(disabled=disabled)
        )
        if disabled:
            conn.execute(
                update(tables.tokens).where(tables.tokens.c.user_id == row.id).values(revoked=True)
            )
        return User(row.id, row.username, row.role, disabled, row.created_ms)


def revoke_tokens(db: ServerDatabase, username: str | None = None) -> int:
    """Revoke the live tokens of one user (or of everyone); returns how many."""
    with db.writing() as conn:
        query = update(tables.tokens).where(tables.tokens.c.revoked.is_(False))
        if username is not None:
            row = _find(conn, username)
            if row is None:
                raise NotFound(f"There is no user named '{username}'.")
            query = query.where(tables.tokens.c.user_id == row.id)
        return int(conn.execute(query.values(revoked=True)).rowcount)


def login(
    db: ServerDatabase,
    username: str,
    password: str,
    node: str,
    token_days: float = DEFAULT_TOKEN_DAYS,
) -> LoginResponse:
    """Exchange a username and password for a new token issued to ``node``."""
    if not tables.is_key(node):
        raise ValidationError(f"A node id is 1 to {tables.KEY} printable characters.")
    if not tables.is_key(username):
        raise Unauthorized("The username or the password is wrong.")
    with db.reading() as conn:
        row = _find(conn, username)
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None:
        raise Unauthorized("The username or the password is wrong.")
    if row.disabled:
        raise Unauthorized("This account is disabled; ask the shop owner.")
    token = secrets.token_urlsafe(32)
    created = now_ms()
    expires = created + int(token_days * 86_400_000)
    with db.writing() as conn:
        conn.execute(
            tables.tokens.insert().values(
                token_sha256=token_digest(token),
                user_id=row.id,
                node=node,
                created_ms=created,
                expires_ms=expires,
                revoked=False,
            )
        )
    return LoginResponse(token, iso_utc(expires), row.id, row.username, row.role)


def authenticate(db: ServerDatabase, token: str) -> Principal:
    """The principal behind a bearer token; ``Unauthorized`` unless it is valid now."""
    digest = token_digest(token)
    with db.reading() as conn:
        t, u = tables.tokens.c, tables.users.c
        row = conn.execute(
            select(
                t.node, t.revoked, t.expires_ms, u.id, u.username, u.role, u.disabled, u.created_ms
            )
            .join_from(tables.tokens, tables.users, u.id == t.user_id)
            .where(t.token_sha256 == digest)
        ).first()
    if row is None:
        raise Unauthorized("The sign-in token is not known to this server; log in again.")
    if row.revoked:
        raise Unauthorized("The sign-in token was revoked; log in again.")
    if row.expires_ms <= now_ms():
        raise Unauthorized("The sign-in token has expired; log in again.")
    if row.disabled:
        raise Unauthorized("This account is disabled; ask the shop owner.")
    user = User(row.id, row.username, row.role, False, 0)
    with db.reading() as conn:
        granted = roles.grants(conn, row.role) or frozenset()
    return Principal(user, row.node, digest, granted)


def logout(db: ServerDatabase, principal: Principal) -> None:
    """Revoke the token the request came with."""
    with db.writing() as conn:
        conn.execute(
            update(tables.tokens)
            .where(tables.tokens.c.token_sha256 == principal.token_sha256)
            .values(revoked=True)
        )


def _find(conn: Connection, username: str) -> Row[Any] | None:
    return conn.execute(
        select(tables.users).where(func.lower(tables.users.c.username) == username.strip().lower())
    ).first()
