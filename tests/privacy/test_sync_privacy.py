"""Trash and privacy across laptops and the server (SQLite and PostgreSQL): a mass
delete restored centrally, an erasure scrubbed from the server's history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from live import LiveServer
from privacy_people import add_person
from sqlalchemy import select, text
from sqlcipher_pages import decrypted_pages
from synctools import PASSPHRASE, sync

from crmdesk.domain.clock import utcnow
from crmdesk.server import feeds, restore, tables
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.sync.engine import SyncEngine
from crmdesk.sync.protocol import checksum_hex

pytestmark = pytest.mark.slow
Laptops = Callable[..., Crm]
CANARIES = ("Quillon", "Zarvaxe", "quillon.zarvaxe@canary.example", "409182736")


def _people(crm: Crm) -> dict[str, tuple[str, str, bool]]:
    with crm.db.reading() as session:
        rows = session.execute(
            text("SELECT id, display_name, notes, deleted_at IS NOT NULL FROM contacts")
        ).all()
    return {r[0]: (r[1], r[2], bool(r[3])) for r in rows}


def _server_text(server: LiveServer) -> str:
    """Every value the server keeps, in its tables, as one text."""
    parts: list[str] = []
    with server.db.reading() as conn:
        for table in (tables.field_state, tables.change_log, tables.conflicts):
            parts += [str(tuple(r)) for r in conn.execute(select(table))]
        parts += [r[0] for r in conn.execute(select(tables.push_batches.c.response))]
    return "\n".join(parts)


def _same_checksums(server: LiveServer, *laptops: Crm) -> None:
    """Every laptop's field clocks agree with the server's summary (protocol rule 8)."""
    theirs = {e: s.checksum for e, s in feeds.summary(server.db).entities.items()}
    for crm in laptops:
        mine = SyncEngine(crm).local_summary()
        assert {e: mine.get(e, (0, checksum_hex(0)))[1] for e in theirs} == theirs


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_a_mass_delete_is_restored_from_the_server(
    laptops: Laptops, sync_server: LiveServer
) -> None:
    anna, bo = laptops("anna"), laptops("bo")
    ids = [
        add_person(anna, f"Person{n}", f"Shop{n}", f"p{n}@example.com", f"040 55500{n}")
        for n in range(4)
    ]
    anna.contacts.update(ids[0], ContactPatch(notes="the original note"))
    sync(anna)
    sync(bo)
    before = _people(bo)
    since = utcnow()
    bo.contacts.update(ids[0], ContactPatch(notes="overwritten by bo"))
    for cid in ids[1:]:
        bo.contacts.delete(cid)
    sync(bo)
    sync(anna)
    assert sum(deleted for _, _, deleted in _people(anna).values()) == 3

    db = sync_server.db
    preview = restore.restore(db, "bo", _ms(since), _ms(utcnow()), dry_run=True)
    assert preview.undeleted == 3 and len(preview.fields) == 4
    assert _people(anna)[ids[0]][1] == "overwritten by bo"  # a dry run changes nothing
    done = restore.restore(db, "bo", _ms(since), _ms(utcnow()))
    assert done.undeleted == 3

    sync(anna)
    assert _people(anna) == before
    fresh = laptops("cai")
    sync(fresh)
    assert _people(fresh) == before
    sync(bo)
    assert _people(bo) == before
    _same_checksums(sync_server, anna, bo, fresh)


def test_an_erasure_reaches_the_server_and_every_laptop(
    laptops: Laptops, sync_server: LiveServer, tmp_path: Path
) -> None:
    # Erasure is the owner's: the server refuses a purge from any other account.
    anna, bo = laptops("anna", "owner"), laptops("bo")
    canary = add_person(
        anna, "Quillon", "Zarvaxe", "quillon.zarvaxe@canary.example", "+358 40 9182736"
    )
    keep = add_person(anna, "Keeper", "Staysalot", "keeper@example.com", "040 5556667")
    anna.contacts.update(canary, ContactPatch(notes="Quillon Zarvaxe, second note"))
    sync(anna)
    sync(bo)
    assert canary in _people(bo)
    # bo edits the person offline while anna erases them: the edit must not bring them back.
    bo.contacts.update(canary, ContactPatch(notes="Quillon called again"))

    anna.privacy.erase(canary, "Quillon Zarvaxe")
    sync(anna)
    server_text = _server_text(sync_server)
    assert "Staysalot" in server_text
    for value in CANARIES:
        assert value not in server_text, value

    sync(bo)
    sync(anna)
    assert canary not in _people(bo) and canary not in _people(anna)
    assert _people(bo)[keep][0] == "Keeper Staysalot"
    assert bo.verify_audit().ok and anna.verify_audit().ok
    server_text = _server_text(sync_server)
    for value in (*CANARIES, "called again"):
        assert value not in server_text, value
    assert bo.search.search("Zarvaxe") == []

    fresh = laptops("cai")
    sync(fresh)
    assert canary not in _people(fresh) and keep in _people(fresh)
    _same_checksums(sync_server, anna, bo, fresh)
    for crm in (anna, bo):  # open: the file and its write-ahead log as they are now
        pages = decrypted_pages(Path(crm.db.path), PASSPHRASE)
        for value in (*CANARIES, "called again"):
            assert value.encode() not in pages, (crm.db.path, value)
    if sync_server.backend == "sqlite":
        raw = Path(sync_server.database_url.split("///", 1)[1]).read_bytes()
        assert b"Zarvaxe" not in raw and b"canary.example" not in raw
