"""Applying a pushed batch: last writer wins per field, conflicts, delete wins.

One push is one transaction and the only writer while it runs (see
``storage.ServerDatabase.writing``), so the sequence numbers it hands out
follow commit order. Any refusal rolls the whole batch back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from crmdesk.domain.ids import new_id
from crmdesk.errors import ValidationError
from crmdesk.server import purges, rights, summaries, tables
from crmdesk.server.accounts import Principal, iso_utc
from crmdesk.server.errors import ClockAhead, Forbidden, Malformed, OutOfOrder
from crmdesk.server.storage import ServerDatabase
from crmdesk.sync.hlc import Stamp
from crmdesk.sync.protocol import (
    DELETED,
    ERASE,
    MAX_CLOCK_AHEAD_MS,
    PURGED,
    Change,
    Conflict,
    PushRequest,
    PushResponse,
)

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CHUNK = 400  # keys per IN (...) query
TRUE, FALSE = json.dumps(True), json.dumps(False)

Key = tuple[str, str, str]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json_text(value: Any) -> str:
    """A field value as stored: compact JSON (so ``1``, ``1.0`` and ``true`` stay apart)."""
    return _ENCODER.encode(value)


@dataclass
class Stored:
    value: str
    stamp: str
    user: str | None
    seq: int


@dataclass
class Batch:
    """What one push writes, gathered in memory and written in bulk at the end."""

    state: dict[Key, Stored]
    next_seq: int
    fields_of: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    inserted: set[Key] = field(default_factory=set)
    updated: set[Key] = field(default_factory=set)
    accepted: int = 0
    superseded: int = 0

    def take_seq(self) -> int:
        self.next_seq += 1
        return self.next_seq


def push(db: ServerDatabase, who: Principal, request: PushRequest, now_ms: int) -> str:
    """Apply a batch (or return the stored answer to a replay); returns the response JSON."""
    rights.check_push(who, request.changes)
    if request.node != who.node:
        raise Forbidden("This token was issued to another node; log in from this database.")
    _check_ids(request.node, request.batch_id)
    if not 1 <= request.seq <= tables.MAX_INT:
        raise Malformed("A batch's 'seq' starts at 1.")
    changes = _checked(request.changes, now_ms)
    with db.writing() as conn:
        stored = conn.execute(
            select(tables.push_batches.c.response).where(
                tables.push_batches.c.node == request.node,
                tables.push_batches.c.batch_id == request.batch_id,
            )
        ).scalar()
        if stored is not None:
            return str(stored)
        last_seq = conn.execute(
            select(tables.nodes.c.last_seq).where(tables.nodes.c.node == request.node)
        ).scalar()
        expected = (last_seq or 0) + 1
        if request.seq != expected:
            raise OutOfOrder(
                f"Batch number {request.seq} from this node is out of order; "
                f"the server expects batch {expected} next."
            )
        counter = conn.execute(
            select(tables.counters.c.value)
            .where(tables.counters.c.name == "change_seq")
            .with_for_update()
        ).scalar_one()
        batch = Batch(load_state(conn, changes), int(counter))
        before = {k: (f.stamp, f.value) for k, f in batch.state.items()}
        for entity, row_id, name in batch.state:
            batch.fields_of.setdefault((entity, row_id), set()).add(name)
        for change in changes:
            _apply(batch, change, request, who.user.username, now_ms)
        gone = purges.drop_purged(batch, before)
        response = PushResponse(
            request.batch_id, batch.accepted, batch.superseded, batch.conflicts, now_ms
        )
        text = json.dumps(response.to_json(), ensure_ascii=False, separators=(",", ":"))
        write_batch(conn, batch, counter, now_ms)
        purges.scrub(conn, gone)
        after = {k: (f.stamp, f.value) for k, f in batch.state.items()}
        summaries.record_push(conn, before, after, batch.inserted | batch.updated | gone.fields)
        _record_batch(conn, who, request, last_seq is None, text, now_ms)
    return text


def _check_ids(node: str, batch_id: str) -> None:
    if not (tables.is_key(node) and tables.is_key(batch_id)):
        raise Malformed(f"'node' and 'batch_id' are 1 to {tables.KEY} printable characters.")


def _checked(changes: list[Change], now_ms: int) -> list[Change]:
    """Validate every change before anything is written; tombstone changes first."""
    limit = now_ms + MAX_CLOCK_AHEAD_MS
    for change in changes:
        for label, name in (("entity", change.entity), ("field", change.field)):
            if len(name) > tables.KEY or not NAME.fullmatch(name):
                raise Malformed(f"'{name[:80]}' is not a valid {label} name.")
        if not tables.is_key(change.row_id):
            raise Malformed(f"A row id is 1 to {tables.KEY} printable characters.")
        stamp = _stamp(change.stamp)
        if change.base is not None:
            _stamp(change.base)
        if stamp.wall_ms > limit:
            raise ClockAhead(
                f"A change is stamped {(stamp.wall_ms - now_ms) // 1000} s ahead of the "
                "server's clock; correct the computer's clock and sync again."
            )
        if change.field == DELETED and not isinstance(change.value, bool):
            raise Malformed(f"'{DELETED}' must be true or false.")
        if change.field == PURGED and change.value not in (True, ERASE):
            raise Malformed(f"'{PURGED}' must be true or \"{ERASE}\".")
    # Restores and deletes first, so a batch that restores a row and edits it is no
    # conflict; purges last, so the batch's own changes of a purged row are taken first.
    return sorted(changes, key=lambda c: (c.field != DELETED, c.field == PURGED))


def _stamp(text: str) -> Stamp:
    try:
        stamp = Stamp.parse(text)
    except ValidationError as exc:
        raise Malformed(str(exc)) from exc
    if not tables.is_key(stamp.node):
        raise Malformed(f"A clock stamp's node id is 1 to {tables.KEY} printable characters.")
    return stamp


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def load_state(conn: Connection, changes: Iterable[Change]) -> dict[Key, Stored]:
    """The current fields of every row the batch touches."""
    by_entity: dict[str, set[str]] = {}
    for c in changes:
        by_entity.setdefault(c.entity, set()).add(c.row_id)
    fs = tables.field_state.c
    query = select(fs.entity, fs.row_id, fs.field, fs.value, fs.stamp, fs.username, fs.seq)
    state: dict[Key, Stored] = {}
    for entity, row_ids in by_entity.items():
        # One entity per query: SQLite walks the primary key for ``entity = ? AND
        # row_id IN (...)``, not for an IN over (entity, row_id) pairs.
        for part in _chunks(sorted(row_ids)):
            for r in conn.execute(query.where(fs.entity == entity, fs.row_id.in_(part))):
                state[(r.entity, r.row_id, r.field)] = Stored(r.value, r.stamp, r.username, r.seq)
    return state


def _apply(batch: Batch, change: Change, request: PushRequest, user: str, now_ms: int) -> None:
    key = (change.entity, change.row_id, change.field)
    value = to_json_text(change.value)
    current = batch.state.get(key)
    seq = batch.take_seq()
    duplicate = current is not None and current.stamp == change.stamp
    wins = current is None or change.stamp > current.stamp
    batch.log.append(
        {
            "seq": seq,
            "entity": change.entity,
            "row_id": change.row_id,
            "field": change.field,
            "value": value,
            "stamp": change.stamp,
            "base": change.base,
            "node": request.node,
            "username": user,
            "batch_id": request.batch_id,
            "received_ms": now_ms,
            "won": wins,
        }
    )
    if purges.is_gone(batch.state, change.entity, change.row_id):
        batch.log[-1].update(value=purges.BLANK, won=False)
        batch.superseded += 1
        return
    if duplicate:
        batch.superseded += 1
        return
    mine = Stored(value, change.stamp, user, seq)
    if _concurrent(current, mine, change.base, wins):
        assert current is not None
        winner, loser = (mine, current) if wins else (current, mine)
        batch.conflicts.append(_conflict(key, winner, loser, seq, now_ms))
    if change.field == DELETED:
        if wins and value == TRUE:
            _note_edits_lost_to_delete(batch, key, mine, now_ms)
    else:
        _note_edit_of_deleted_row(batch, key, mine, now_ms)
    if wins:
        batch.state[key] = mine
        if current is None:
            batch.inserted.add(key)
            batch.fields_of.setdefault(key[:2], set()).add(key[2])
        elif key not in batch.inserted:
            batch.updated.add(key)
        batch.accepted += 1
    else:
        batch.superseded += 1


def _concurrent(current: Stored | None, mine: Stored, base: str | None, wins: bool) -> bool:
    """Rule 2: another node's value the client did not edit from, and a different one.
    Edits of one node follow each other (its clock orders them), so they never
    conflict; a different value losing although it was edited from the current one
    (a clock far behind) is kept as a conflict too, so no edit disappears silently."""
    if current is None or current.value == mine.value:
        return False
    if _node(current.stamp) == _node(mine.stamp):
        return False
    return base != current.stamp or not wins


def _note_edit_of_deleted_row(batch: Batch, key: Key, edit: Stored, now_ms: int) -> None:
    """Delete wins: an edit reaching a row another node deleted leaves it deleted, with a
    conflict on the tombstone so the user can restore it (one per row and batch)."""
    tombstone = batch.state.get((key[0], key[1], DELETED))
    if tombstone is None or tombstone.value != TRUE:
        return
    if _node(tombstone.stamp) == _node(edit.stamp) or _has_delete_conflict(batch, key):
        return
    lost = Stored(FALSE, edit.stamp, edit.user, edit.seq)
    batch.conflicts.append(_conflict((key[0], key[1], DELETED), tombstone, lost, edit.seq, now_ms))


def _note_edits_lost_to_delete(batch: Batch, key: Key, tombstone: Stored, now_ms: int) -> None:
    """A delete arriving after another node's edit it cannot have seen (stamped later than
    the delete, so not yet observed by the deleting clock): the delete wins, with a conflict."""
    entity, row_id, _ = key
    node = _node(tombstone.stamp)
    names = batch.fields_of.get((entity, row_id), set()) - {DELETED}
    fields = [batch.state[(entity, row_id, name)] for name in names]
    unseen = [f for f in fields if f.stamp > tombstone.stamp and _node(f.stamp) != node]
    if unseen and not _has_delete_conflict(batch, key):
        latest = max(unseen, key=lambda f: f.stamp)
        lost = Stored(FALSE, latest.stamp, latest.user, latest.seq)
        batch.conflicts.append(_conflict(key, tombstone, lost, tombstone.seq, now_ms))


def _has_delete_conflict(batch: Batch, key: Key) -> bool:
    return any(
        c.entity == key[0] and c.row_id == key[1] and c.field == DELETED for c in batch.conflicts
    )


def _node(stamp: str) -> str:
    return stamp.split("-", 2)[2]


def _conflict(key: Key, winner: Stored, loser: Stored, seq: int, now_ms: int) -> Conflict:
    return Conflict(
        id=new_id(),
        entity=key[0],
        row_id=key[1],
        field=key[2],
        winner_value=json.loads(winner.value),
        winner_stamp=winner.stamp,
        winner_user=winner.user,
        loser_value=json.loads(loser.value),
        loser_stamp=loser.stamp,
        loser_user=loser.user,
        detected_at=iso_utc(now_ms),
        seq=seq,
    )


def write_batch(conn: Connection, batch: Batch, counter: int, now_ms: int) -> None:
    fs = tables.field_state
    if batch.log:
        conn.execute(tables.change_log.insert(), batch.log)
    if batch.inserted:
        conn.execute(fs.insert(), [_state_row(k, batch.state[k]) for k in batch.inserted])
    if batch.updated:
        conn.execute(
            update(fs)
            .where(
                fs.c.entity == bindparam("k_entity"),
                fs.c.row_id == bindparam("k_row_id"),
                fs.c.field == bindparam("k_field"),
            )
            .values(
                value=bindparam("k_value"),
                stamp=bindparam("k_stamp"),
                username=bindparam("k_username"),
                seq=bindparam("k_seq"),
            ),
            [
                {f"k_{name}": v for name, v in _state_row(k, batch.state[k]).items()}
                for k in batch.updated
            ],
        )
    if batch.conflicts:
        conn.execute(
            tables.conflicts.insert(),
            [
                {
                    "id": c.id,
                    "seq": c.seq,
                    "entity": c.entity,
                    "row_id": c.row_id,
                    "field": c.field,
                    "winner_value": to_json_text(c.winner_value),
                    "winner_stamp": c.winner_stamp,
                    "winner_user": c.winner_user,
                    "loser_value": to_json_text(c.loser_value),
                    "loser_stamp": c.loser_stamp,
                    "loser_user": c.loser_user,
                    "detected_ms": now_ms,
                }
                for c in batch.conflicts
            ],
        )
    if batch.next_seq != counter:
        conn.execute(
            update(tables.counters)
            .where(tables.counters.c.name == "change_seq")
            .values(value=batch.next_seq)
        )


def _state_row(key: Key, f: Stored) -> dict[str, Any]:
    return {
        "entity": key[0],
        "row_id": key[1],
        "field": key[2],
        "value": f.value,
        "stamp": f.stamp,
        "username": f.user,
        "seq": f.seq,
    }


def _record_batch(
    conn: Connection, who: Principal, request: PushRequest, new_node: bool, text: str, now_ms: int
) -> None:
    conn.execute(
        tables.push_batches.insert().values(
            node=request.node,
            batch_id=request.batch_id,
            seq=request.seq,
            user_id=who.user.id,
            response=text,
            received_ms=now_ms,
        )
    )
    values = {"user_id": who.user.id, "last_seq": request.seq, "last_push_ms": now_ms}
    if new_node:
        conn.execute(tables.nodes.insert().values(node=request.node, **values))
    else:
        conn.execute(update(tables.nodes).where(tables.nodes.c.node == request.node).values(values))
