"""The audit chain copied to the server at each sync, on SQLite and PostgreSQL:
extensions are kept, replays change nothing, an older copy of the file is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from live import PASSWORD, LiveServer
from sqlalchemy import select, update

from crmdesk.errors import AuditDiverged
from crmdesk.server import audit_chains, tables
from crmdesk.server.cli import main as server_cli
from crmdesk.services import audit
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import keyfile
from crmdesk.sync.audit_wire import AuditPush
from crmdesk.sync.engine import SyncEngine

PASSPHRASE = "correct horse battery"


@pytest.fixture
def laptop(sync_server: LiveServer, tmp_path: Path) -> Crm:
    """Anna's laptop, set up to sync with the server."""
    sync_server.add_user("anna", "owner")  # an owner: the erasure test purges
    crm = Crm.create(tmp_path / "anna.db", PASSPHRASE, region="FI", currency="EUR", owner="anna")
    SyncEngine(crm).configure(sync_server.url, "anna")
    yield crm
    crm.close()


def sync(crm: Crm) -> SyncEngine:
    engine = SyncEngine(crm)
    engine.sync(PASSWORD)
    return engine


def local_chain(crm: Crm) -> list[audit.Link]:
    with crm.db.reading() as session:
        return list(audit.links(session))


def node_of(crm: Crm) -> str:
    return SyncEngine(crm).clock().node


def test_each_sync_copies_the_new_entries(sync_server: LiveServer, laptop: Crm) -> None:
    laptop.contacts.create("person", ContactPatch(first_name="Matti"))
    first = sync(laptop)
    node = node_of(laptop)
    sent = first.report.audit_sent
    # The second push of the sync carries the sync's own entries too.
    assert sent == len(local_chain(laptop))
    laptop.contacts.create("person", ContactPatch(first_name="Liisa"))
    second = sync(laptop)
    chain = local_chain(laptop)
    assert second.report.audit_sent == len(chain) - sent
    with sync_server.db.reading() as conn:
        held = audit_chains.head(conn, node)
    assert (held.length, held.head) == (chain[-1].seq, chain[-1].hash)
    report = audit_chains.verify(sync_server.db, node)
    assert (report.ok, report.entries) == (True, len(chain))
    assert audit_chains.nodes(sync_server.db) == [(node, len(chain))]


def test_a_replayed_audit_push_changes_nothing(sync_server: LiveServer, laptop: Crm) -> None:
    sync(laptop)
    chain = local_chain(laptop)
    token = SyncEngine(laptop).state()["token"]
    body = AuditPush(node_of(laptop), chain, chain[-1].seq, chain[-1].hash).to_json()
    with sync_server.client(token) as http:
        for _ in range(2):
            answer = http.post("/api/v1/audit", json=body)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"length": chain[-1].seq, "head": chain[-1].hash}
    assert audit_chains.nodes(sync_server.db) == [(node_of(laptop), len(chain))]
    # Arriving late, after the next sync extended the chain, it is still a replay.
    laptop.contacts.create("person", ContactPatch(first_name="Liisa"))
    sync(laptop)
    longer = local_chain(laptop)
    with sync_server.client(token) as http:
        answer = http.post("/api/v1/audit", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"length": longer[-1].seq, "head": longer[-1].hash}
    assert audit_chains.nodes(sync_server.db) == [(node_of(laptop), len(longer))]


def test_the_server_refuses_what_does_not_extend_its_copy(
    sync_server: LiveServer, laptop: Crm
) -> None:
    sync(laptop)
    chain = local_chain(laptop)
    node = node_of(laptop)
    token = SyncEngine(laptop).state()["token"]
    last = chain[-1]
    edited = chain[2]._replace(summary="nothing to see")
    forged = [
        AuditPush(node, [], last.seq - 1, chain[-2].hash),  # shorter than the server's
        AuditPush(node, [edited], last.seq, last.hash),  # rewrites a held entry
        AuditPush(node, [], last.seq, "f" * 64),  # same length, another head
        AuditPush(  # a new entry that does not link to the server's last
            node,
            [last._replace(seq=last.seq + 1, prev_hash="e" * 64)],
            last.seq + 1,
            last.hash,
        ),
    ]
    with sync_server.client(token) as http:
        for request in forged:
            answer = http.post("/api/v1/audit", json=request.to_json())
            assert answer.status_code == 409, request
            assert answer.json()["code"] == "audit_diverged"
            assert "restored from an older copy or tampered with" in answer.json()["message"]
        other = AuditPush("someone-else", [], 0, audit.GENESIS).to_json()
        assert http.post("/api/v1/audit", json=other).status_code == 403
        assert http.post("/api/v1/audit", json={"node": node}).status_code == 400
    assert audit_chains.verify(sync_server.db, node).entries == len(chain)


@pytest.mark.slow
def test_a_restored_older_copy_cannot_sync(
    sync_server: LiveServer, laptop: Crm, tmp_path: Path
) -> None:
    laptop.contacts.create("person", ContactPatch(first_name="Matti"))
    sync(laptop)
    path = laptop.db.path
    older = tmp_path / "older.db"
    laptop.db.backup_to(older)
    laptop.contacts.create("person", ContactPatch(first_name="Liisa"))
    sync(laptop)
    laptop.close()
    shutil.copyfile(older, path)  # the file restored from yesterday's copy
    shutil.copyfile(keyfile.path_for(older), keyfile.path_for(path))
    restored = Crm.open(path, PASSPHRASE)
    try:
        with pytest.raises(AuditDiverged) as caught:
            sync(restored)
        assert str(caught.value).startswith(
            "This database's audit trail does not extend what the server saw: "
            "the file may have been restored from an older copy or tampered with"
        )
        assert caught.value.exit_code == 36
        # New work in the restored file does not make it acceptable either.
        restored.contacts.create("person", ContactPatch(first_name="Pekka"))
        with pytest.raises(AuditDiverged):
            sync(restored)
        assert SyncEngine(restored).state()["last_error"].startswith("This database's audit")
    finally:
        restored.close()


def test_server_verify_finds_a_tampered_copy(
    sync_server: LiveServer, laptop: Crm, capsys: pytest.CaptureFixture[str]
) -> None:
    sync(laptop)
    node = node_of(laptop)
    where = ["--database-url", sync_server.database_url]
    assert server_cli(["audit", "verify", *where]) == 0
    assert capsys.readouterr().out.startswith(f"{node}: Audit trail intact: ")
    table = tables.audit_chain
    with sync_server.db.writing() as conn:
        conn.execute(
            update(table)
            .where(table.c.node == node, table.c.seq == 2)
            .values(summary=table.c.summary + "!")
        )
    assert server_cli(["audit", "verify", "--node", node, *where]) == 35
    assert capsys.readouterr().out == f"{node}: Audit trail BROKEN at entry 2: entry was altered.\n"
    assert server_cli(["audit", "verify", "--node", "nobody", *where]) == 10
    assert "no audit trail of node 'nobody'" in capsys.readouterr().err


def test_an_erasure_reaches_the_servers_copy(sync_server: LiveServer, laptop: Crm) -> None:
    pekka = laptop.contacts.create("person", ContactPatch(first_name="Pekka", last_name="Zyx"))
    sync(laptop)  # the entries naming him are on the server now
    laptop.contacts.create("person", ContactPatch(first_name="Unsynced", last_name="Qwv"))
    unsynced = laptop.queries.resolve("Unsynced Qwv")
    laptop.privacy.erase(pekka, "Pekka Zyx")
    laptop.privacy.erase(unsynced, "Unsynced Qwv")  # blanked before it was ever sent
    assert laptop.verify_audit().ok
    sync(laptop)
    node = node_of(laptop)
    assert audit_chains.verify(sync_server.db, node).ok
    with sync_server.db.reading() as conn:
        text = " ".join(
            f"{summary} {changes}"
            for summary, changes in conn.execute(
                select(tables.audit_chain.c.summary, tables.audit_chain.c.changes)
            )
        )
    assert "Zyx" not in text and "Qwv" not in text and "(erased)" in text
