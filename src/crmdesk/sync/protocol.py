"""The sync wire protocol (version 1): the contract between client and server.

JSON over HTTP. Every request carries the header ``X-Crmdesk-Protocol: 1``;
a server that cannot speak it (or finds no header) answers ``426`` with an
``ErrorBody`` whose ``code`` is ``client_too_old`` or ``client_too_new``. Only
``/api/v1/health`` is exempt, for load balancers. Every endpoint but
``/api/v1/hello``, ``/api/v1/health`` and ``/api/v1/login`` needs
``Authorization: Bearer TOKEN``; a token is issued to one node, and a push must
come from that node (else ``403 forbidden``).

Endpoints (all JSON; errors are ``ErrorBody`` with a 4xx/5xx status):

- ``GET  /api/v1/health``  -> ``{"status": "ok"}``
- ``GET  /api/v1/hello``   -> ``Hello``  (protocol range, server time, server id)
- ``POST /api/v1/login``   ``LoginRequest`` -> ``LoginResponse``
- ``POST /api/v1/logout``  revokes the token in use -> ``{"status": "ok"}``
- ``POST /api/v1/push``    ``PushRequest`` -> ``PushResponse``
- ``GET  /api/v1/pull?cursor=N&limit=L`` -> ``PullResponse``
- ``GET  /api/v1/snapshot?after=KEY&limit=L`` -> ``SnapshotPage``
- ``GET  /api/v1/snapshot/rows?entity=E&after=KEY&limit=L`` -> ``SnapshotRows``
- ``GET  /api/v1/summary`` -> ``Summary``
- ``GET  /api/v1/audit/head``, ``POST /api/v1/audit``: each node's audit chain
  (``crmdesk.sync.audit_wire``)

The data model the server sees is generic: *rows* of named *entities* (the
client's table names, e.g. ``contacts``, ``contact_phones``) made of
*fields*, each field with its own clock stamp (``crmdesk.sync.hlc``). The
server does not know the CRM schema; it keeps, per (entity, row_id, field),
the winning value and stamp, plus the full history of accepted changes.

Rules the server applies to a pushed change:

1. Last writer wins per field: the change with the greater stamp is the value.
2. ``base`` is the stamp of the value the client edited from (``None`` for a
   field it never saw). When the server's current stamp for that field is not
   ``base`` and both values differ, the edits were concurrent: the winner is
   chosen by rule 1 and a ``Conflict`` is recorded with both values, who made
   them and when. Conflicts are delivered to every client by ``pull``. Two
   edits stamped by the same node never conflict (its clock orders them); a
   change that loses although it was edited from the current value (its
   node's clock far behind) is recorded as a conflict too, so no edit
   disappears silently.
3. The pseudo-field ``DELETED`` (value ``true``/``false``) is the row's
   tombstone. Delete wins against a concurrent edit of another field (the row
   stays deleted; a ``Conflict`` with field ``DELETED`` lets the user restore).
4. A push is idempotent per ``(node, batch_id)``: a replay returns the stored
   ``PushResponse`` and changes nothing. ``seq`` starts at 1 and increases by
   one per batch and node; the server refuses a gap, or a new batch reusing a
   number (``409 out_of_order``, the message names the number it expects), so
   the client re-sends the missing batch first.
5. A stamp more than ``MAX_CLOCK_AHEAD_MS`` ahead of the server's clock is
   refused (``400 clock_ahead``) with nothing of the batch stored.
6. Every accepted change gets the next server sequence number, assigned in
   commit order (one writer at a time), so a pull cursor never skips a
   change that commits late. ``pull`` returns, in ``seq`` order, each field
   whose winning value changed after ``cursor``, once, at its latest value
   (a field overwritten again later comes with the later value and ``seq``);
   superseded changes stay in the server's history only. The client applies
   a page and its ``next_cursor`` in one local transaction.
7. ``snapshot`` pages the current field values of every row, tombstoned rows
   included (so the ``summary`` matches afterwards), ordered by
   ``(entity, row_id, field)``; ``limit`` counts rows and a row is never split
   across pages. ``next_after`` is an opaque token to pass back as ``after``;
   it carries the first page's ``cursor``, so every page of one snapshot has
   the same ``cursor``: the change sequence to pull from afterwards.
   ``snapshot/rows`` is the same read for one entity in a compact form (what a
   first sync uses: about a third of the bytes, and no object per field): each
   row is one list ``[row_id, field, value, stamp, field, value, stamp, ...]``,
   fields in name order; ``limit`` (up to ``MAX_SNAPSHOT_ROWS``) counts rows.
   A client reads entity after entity in the order it can write them (parents
   before children) and pulls from the ``cursor`` of its first page: entities
   read later may already hold newer values, which the pull then re-sends and
   last-writer-wins leaves unchanged.
8. ``summary`` gives, per entity, the number of live rows and a checksum:
   hex of the XOR of ``sha256(entity|row_id|field|stamp)`` over every field
   of every row (tombstoned rows included, so deletes count). The client
   computes the same over its field clocks; a mismatch means resync.
9. The pseudo-field ``PURGED`` (``true``: purged from the trash; ``"erase"``:
   a person erased) removes a row for good. The server keeps only the row's
   ``DELETED`` and ``PURGED`` fields, blanks its other values in its history
   (change log, conflicts, stored push answers) and ignores every later change
   of the row; a client deletes the row (and, for ``"erase"``, every trace of
   the person it holds) and keeps only those two field clocks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import reduce
from itertools import repeat
from operator import methodcaller, xor
from typing import Any

PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Crmdesk-Protocol"
DELETED = "_deleted"
PURGED = "_purged"
ERASE = "erase"
MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000
MAX_BATCH_CHANGES = 5000
MAX_PAGE = 5000
MAX_SNAPSHOT_ROWS = 20000
MAX_BODY_BYTES = 8 * 1024 * 1024

#: Error codes of ``ErrorBody.code``.
ERROR_CODES = (
    "client_too_old",
    "client_too_new",
    "unauthorized",  # 401: missing, unknown, expired or revoked token; bad password
    "forbidden",  # 403: the user's role may not do this
    "malformed",  # 400/422: not JSON or not the shape this protocol says
    "too_large",  # 413: body or batch over the limits
    "clock_ahead",  # 400
    "out_of_order",  # 409: push seq leaves a gap
    "audit_diverged",  # 409: an audit chain that does not extend the server's copy
    "not_found",
    "server_error",
)


class ProtocolError(ValueError):
    """A message does not have the shape the protocol says."""


def _require(data: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(data, dict) or name not in data:
        raise ProtocolError(f"missing '{name}'")
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"'{name}' has the wrong type")
    return value


def _optional(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    if value is not None and not isinstance(value, kind):
        raise ProtocolError(f"'{name}' has the wrong type")
    return value


JsonScalar = str | int | float | bool | None


@dataclass(frozen=True)
class Change:
    """One field of one row set to a value at a clock stamp.

    ``value`` is a JSON scalar (dates and times as ISO text, money as
    integer minor units, decimals as text). ``base`` is the stamp the client
    edited from. ``seq``, ``user`` and ``node`` are filled by the server in
    pulls (``node`` is the stamp's node; ``user`` the username who pushed).
    """

    entity: str
    row_id: str
    field: str
    value: JsonScalar
    stamp: str
    base: str | None = None
    seq: int | None = None
    user: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Built by hand: ``asdict`` (a deep copy) made large pulls 20x slower.
        out: dict[str, Any] = {
            "entity": self.entity,
            "row_id": self.row_id,
            "field": self.field,
            "value": self.value,
            "stamp": self.stamp,
        }
        if self.base is not None:
            out["base"] = self.base
        if self.seq is not None:
            out["seq"] = self.seq
        if self.user is not None:
            out["user"] = self.user
        return out

    @classmethod
    def from_json(cls, data: Any) -> Change:
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(value, (list, dict)):
            raise ProtocolError("'value' must be a JSON scalar")
        return cls(
            entity=_require(data, "entity", str),
            row_id=_require(data, "row_id", str),
            field=_require(data, "field", str),
            value=value,
            stamp=_require(data, "stamp", str),
            base=_optional(data, "base", str),
            seq=_optional(data, "seq", int),
            user=_optional(data, "user", str),
        )


@dataclass(frozen=True)
class Conflict:
    """Two concurrent edits of one field: the value kept and the value that lost."""

    id: str
    entity: str
    row_id: str
    field: str
    winner_value: JsonScalar
    winner_stamp: str
    winner_user: str | None
    loser_value: JsonScalar
    loser_stamp: str
    loser_user: str | None
    detected_at: str  # ISO UTC, server time
    seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Conflict:
        return cls(
            id=_require(data, "id", str),
            entity=_require(data, "entity", str),
            row_id=_require(data, "row_id", str),
            field=_require(data, "field", str),
            winner_value=data.get("winner_value"),
            winner_stamp=_require(data, "winner_stamp", str),
            winner_user=_optional(data, "winner_user", str),
            loser_value=data.get("loser_value"),
            loser_stamp=_require(data, "loser_stamp", str),
            loser_user=_optional(data, "loser_user", str),
            detected_at=_require(data, "detected_at", str),
            seq=_optional(data, "seq", int),
        )


@dataclass(frozen=True)
class Hello:
    protocol_min: int
    protocol_max: int
    server_time_ms: int
    server_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Hello:
        return cls(
            _require(data, "protocol_min", int),
            _require(data, "protocol_max", int),
            _require(data, "server_time_ms", int),
            _require(data, "server_id", str),
        )


@dataclass(frozen=True)
class LoginRequest:
    username: str
    password: str
    node: str  # the client's node id (stable per database file)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> LoginRequest:
        return cls(
            _require(data, "username", str),
            _require(data, "password", str),
            _require(data, "node", str),
        )


@dataclass(frozen=True)
class LoginResponse:
    token: str
    expires_at: str  # ISO UTC
    user_id: str
    username: str
    role: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> LoginResponse:
        return cls(
            _require(data, "token", str),
            _require(data, "expires_at", str),
            _require(data, "user_id", str),
            _require(data, "username", str),
            _require(data, "role", str),
        )


@dataclass(frozen=True)
class PushRequest:
    node: str
    batch_id: str
    seq: int
    changes: list[Change]

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "batch_id": self.batch_id,
            "seq": self.seq,
            "changes": [c.to_json() for c in self.changes],
        }

    @classmethod
    def from_json(cls, data: Any) -> PushRequest:
        changes = _require(data, "changes", list)
        if len(changes) > MAX_BATCH_CHANGES:
            raise ProtocolError(f"a batch holds at most {MAX_BATCH_CHANGES} changes")
        return cls(
            _require(data, "node", str),
            _require(data, "batch_id", str),
            _require(data, "seq", int),
            [Change.from_json(c) for c in changes],
        )


@dataclass(frozen=True)
class PushResponse:
    batch_id: str
    accepted: int  # changes that became the field's value
    superseded: int  # changes older than the server's value (kept in history only)
    conflicts: list[Conflict] = field(default_factory=list)
    server_time_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "accepted": self.accepted,
            "superseded": self.superseded,
            "conflicts": [c.to_json() for c in self.conflicts],
            "server_time_ms": self.server_time_ms,
        }

    @classmethod
    def from_json(cls, data: Any) -> PushResponse:
        return cls(
            _require(data, "batch_id", str),
            _require(data, "accepted", int),
            _require(data, "superseded", int),
            [Conflict.from_json(c) for c in _require(data, "conflicts", list)],
            _require(data, "server_time_ms", int),
        )


@dataclass(frozen=True)
class PullResponse:
    changes: list[Change]  # winning changes with seq > cursor, in seq order
    conflicts: list[Conflict]  # conflicts recorded in the same seq range
    next_cursor: int
    has_more: bool
    server_time_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "conflicts": [c.to_json() for c in self.conflicts],
            "next_cursor": self.next_cursor,
            "has_more": self.has_more,
            "server_time_ms": self.server_time_ms,
        }

    @classmethod
    def from_json(cls, data: Any) -> PullResponse:
        return cls(
            [Change.from_json(c) for c in _require(data, "changes", list)],
            [Conflict.from_json(c) for c in _require(data, "conflicts", list)],
            _require(data, "next_cursor", int),
            _require(data, "has_more", bool),
            _require(data, "server_time_ms", int),
        )


@dataclass(frozen=True)
class SnapshotPage:
    changes: list[Change]  # current field values, ordered by (entity, row_id, field)
    cursor: int  # pull from here once the snapshot is complete (same on every page)
    next_after: str | None  # opaque: pass as ``after`` for the next page; None when done

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "cursor": self.cursor,
            "next_after": self.next_after,
        }

    @classmethod
    def from_json(cls, data: Any) -> SnapshotPage:
        return cls(
            [Change.from_json(c) for c in _require(data, "changes", list)],
            _require(data, "cursor", int),
            _optional(data, "next_after", str),
        )


@dataclass(frozen=True)
class SnapshotRows:
    """One entity's rows in the compact snapshot form (protocol rule 7)."""

    entity: str
    rows: list[list[JsonScalar]]  # [row_id, field, value, stamp, field, value, stamp, ...]
    cursor: int  # pull from here once the snapshot is complete (same on every page)
    next_after: str | None  # pass as ``after`` for this entity's next page; None when done

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> SnapshotRows:
        rows = _require(data, "rows", list)
        for row in rows:  # map() keeps the checks in C: millions of fields per second
            if (
                not isinstance(row, list)
                or len(row) % 3 != 1
                or not all(map(isinstance, row[::3], repeat(str)))  # row id and stamps
                or not all(map(isinstance, row[1::3], repeat(str)))  # field names
                or any(map(isinstance, row[2::3], repeat((list, dict))))  # values: scalars
            ):
                raise ProtocolError("a snapshot row must be [row_id, field, value, stamp, ...]")
        return cls(
            _require(data, "entity", str),
            rows,
            _require(data, "cursor", int),
            _optional(data, "next_after", str),
        )


@dataclass(frozen=True)
class EntitySummary:
    rows: int
    checksum: str


@dataclass(frozen=True)
class Summary:
    entities: dict[str, EntitySummary]
    cursor: int  # the summary is as of this change sequence

    def to_json(self) -> dict[str, Any]:
        return {
            "entities": {k: asdict(v) for k, v in self.entities.items()},
            "cursor": self.cursor,
        }

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        entities = _require(data, "entities", dict)
        return cls(
            {
                k: EntitySummary(_require(v, "rows", int), _require(v, "checksum", str))
                for k, v in entities.items()
            },
            _require(data, "cursor", int),
        )


@dataclass(frozen=True)
class ErrorBody:
    code: str
    message: str  # one sentence a user can read

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def field_digest(entity: str, row_id: str, field_name: str, stamp: str) -> int:
    """One field's contribution to a ``Summary`` checksum (XOR-combined)."""
    raw = f"{entity}|{row_id}|{field_name}|{stamp}".encode()
    return int.from_bytes(hashlib.sha256(raw).digest(), "big")


def xor_of_digests(keys: Iterable[bytes]) -> int:
    """The XOR of ``field_digest`` over keys already joined and UTF-8 encoded as
    ``entity|row_id|field|stamp`` (C-level iteration: millions of fields a second)."""
    digests = map(methodcaller("digest"), map(hashlib.sha256, keys))
    return reduce(xor, map(int.from_bytes, digests), 0)


def checksum_hex(value: int) -> str:
    """The XOR of field digests as 64 hex digits."""
    return f"{value:064x}"


def dumps(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as sent on the wire."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
