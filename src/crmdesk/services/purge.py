"""Removing rows for good: emptying the trash, and erasing a person.

A purge deletes rows with plain SQL, children before parents, together with
what this database keeps about them locally (field clocks, unsent outbox
changes, conflicts, rows waiting for a parent, the search document). When the
purge starts here it is sent to the server as the row's tombstone plus the
pseudo-field :data:`PURGED`: the server then drops the row's stored values and
never lets it come back. A purge arriving from the server runs the same
removal without sending anything back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.services import sync_capture
from crmdesk.services.sync_entities import DELETED, WRITE_ORDER, spec
from crmdesk.store import fts
from crmdesk.store.database import Database

#: The pseudo-field of a row removed for good: ``true`` (purged from the trash) or
#: ``"erase"`` (a person's data erased: every laptop also scrubs its history).
PURGED = "_purged"
ERASE = "erase"

RowSet = dict[str, set[str]]  # entity -> row ids
CHUNK = 400


def _ids(session: Session, sql: str, ids: Iterable[str]) -> set[str]:
    """Run ``sql`` (with ``{marks}`` for the id list) over ``ids`` in chunks."""
    found: set[str] = set()
    values = sorted(set(ids))
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        params = {f"i{n}": v for n, v in enumerate(chunk)}
        found.update(str(r[0]) for r in session.execute(text(sql.format(marks=marks)), params))
    return found


def _links(session: Session, entity: str, left: str, right: str, contact_ids: set[str]) -> set[str]:
    entity_spec = spec(entity)
    assert entity_spec is not None
    out: set[str] = set()
    for start in range(0, len(sorted(contact_ids)), CHUNK):
        chunk = sorted(contact_ids)[start : start + CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        rows = session.execute(
            text(f"SELECT {left}, {right} FROM {entity} WHERE {left} IN ({marks})"),
            {f"i{n}": v for n, v in enumerate(chunk)},
        )
        out.update(entity_spec.row_id({left: a, right: b}) for a, b in rows)
    return out


def contact_rows(session: Session, contact_ids: Iterable[str]) -> RowSet:
    """Every synced row that belongs to these contacts (their details and history)."""
    ids = set(contact_ids)
    rows: RowSet = defaultdict(set)
    rows["contacts"] = set(ids)
    for table in (
        "contact_phones",
        "contact_emails",
        "contact_addresses",
        "stage_history",
        "suggestion_decisions",
    ):
        rows[table] = _ids(session, f"SELECT id FROM {table} WHERE contact_id IN ({{marks}})", ids)
    for table in ("activities", "followups", "deals"):
        rows[table] = _ids(session, f"SELECT id FROM {table} WHERE contact_id IN ({{marks}})", ids)
    rows["contact_tags"] = _links(session, "contact_tags", "contact_id", "tag_id", ids)
    rows["custom_values"] = _links(session, "custom_values", "contact_id", "field_id", ids)
    _add_activity_lines(session, rows)
    return rows


def record_rows(session: Session, entity: str, row_ids: Iterable[str]) -> RowSet:
    """The rows of one trashed activity, follow-up or deal, with their order lines."""
    rows: RowSet = defaultdict(set)
    rows[entity] = set(row_ids)
    _add_activity_lines(session, rows)
    return rows


def _add_activity_lines(session: Session, rows: RowSet) -> None:
    if rows.get("activities"):
        rows["order_lines"] |= _ids(
            session, "SELECT id FROM order_lines WHERE activity_id IN ({marks})", rows["activities"]
        )


def remove(session: Session, rows: RowSet, *, send: str | bool | None = None) -> int:
    """Delete ``rows`` and everything kept locally about them; returns rows removed.

    ``send`` (``True`` or :data:`ERASE`) queues the purge for the server; leave it
    ``None`` when applying a purge that came from the server.
    """
    rows = {entity: ids for entity, ids in rows.items() if ids}
    contacts = rows.get("contacts", set())
    unlinked = _unlink(session, rows)
    _forget_local(session, contacts)
    if contacts:
        nums = _ids(session, "SELECT num FROM contacts WHERE id IN ({marks})", contacts)
        if nums:
            session.execute(text(f"DELETE FROM contact_fts WHERE rowid IN ({', '.join(nums)})"))
        fts.scrub(session)
    removed = 0
    for entity in reversed(WRITE_ORDER):
        for row_id in sorted(rows.get(entity, ())):
            removed += _delete(session, entity, row_id)
    _forget_sync(session, rows)
    if send is not None:
        db = session.info["crmdesk.db"]
        assert isinstance(db, Database)
        conn = session.connection()
        changes: list[sync_capture.Captured] = list(unlinked)
        for entity, ids in rows.items():
            for row_id in sorted(ids):
                changes += [(entity, row_id, DELETED, True), (entity, row_id, PURGED, send)]
        sync_capture.write_changes(conn, sync_capture.load_clock(conn, db), changes)
    return removed


def _unlink(session: Session, rows: RowSet) -> list[sync_capture.Captured]:
    """Clear references from rows that stay to rows that go; returns them as changes."""
    out: list[sync_capture.Captured] = []
    for entity, column, target in (
        ("contacts", "company_id", "contacts"),
        ("activities", "deal_id", "deals"),
        ("followups", "deal_id", "deals"),
    ):
        going = rows.get(target, set())
        if not going:
            continue
        staying = _ids(
            session, f"SELECT id FROM {entity} WHERE {column} IN ({{marks}})", going
        ) - rows.get(entity, set())
        for row_id in sorted(staying):
            session.execute(
                text(f"UPDATE {entity} SET {column} = NULL WHERE id = :id"), {"id": row_id}
            )
            out.append((entity, row_id, column, None))
    return out


def _forget_local(session: Session, contacts: set[str]) -> None:
    """Local-only tables that refer to the contacts (imports, duplicates, merges)."""
    if not contacts:
        return
    for sql in (
        "DELETE FROM import_items WHERE contact_id IN ({marks}) RETURNING contact_id",
        "DELETE FROM duplicate_proposals WHERE contact_a IN ({marks})"
        " OR contact_b IN ({marks}) RETURNING id",
        "DELETE FROM contact_merges WHERE keep_id IN ({marks})"
        " OR other_id IN ({marks}) RETURNING id",
    ):
        _ids(session, sql, contacts)


def _delete(session: Session, entity: str, row_id: str) -> int:
    entity_spec = spec(entity)
    assert entity_spec is not None
    keys = entity_spec.key_values(row_id)
    where = " AND ".join(f"{c} = :{c}" for c in keys)
    result = session.execute(text(f"DELETE FROM {entity} WHERE {where}"), keys)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _forget_sync(session: Session, rows: RowSet) -> None:
    """Field clocks (but the tombstone and purge marks), unsent changes, conflicts and
    waiting rows of the removed rows."""
    kept = f"'{DELETED}', '{PURGED}'"
    for entity, ids in rows.items():
        where = f"WHERE entity = '{entity}' AND row_id IN ({{marks}})"
        for sql in (
            "UPDATE sync_row_clocks SET stamps = (SELECT json_group_object(key, value)"
            f" FROM json_each(stamps) WHERE key IN ({kept})) {where} RETURNING row_id",
            f"DELETE FROM sync_row_clocks {where} AND stamps = '{{{{}}}}' RETURNING row_id",
            f"DELETE FROM sync_outbox {where} AND batch_id IS NULL RETURNING row_id",
            f"DELETE FROM sync_conflicts {where} RETURNING row_id",
            f"DELETE FROM sync_pending {where} RETURNING row_id",
        ):
            _ids(session, sql, ids)
