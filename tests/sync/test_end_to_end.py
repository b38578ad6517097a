"""Clients and a real server on 127.0.0.1: convergence, conflicts, failures."""

from __future__ import annotations

import pytest
from lossy_proxy import lossy_proxy
from sqlalchemy import text
from synctools import USER_PASSWORD, LiveServer, Replica, canonical, sync
from synctools import outbox as outbox_rows

from crmdesk.errors import SyncCancelled, SyncError, SyncLoginRequired
from crmdesk.services.inputs import ContactPatch, EmailInput, LineInput, PhoneInput
from crmdesk.services.sync_entities import DELETED
from crmdesk.sync import outbox
from crmdesk.sync.engine import SyncEngine
from crmdesk.sync.protocol import LoginRequest, PushRequest
from crmdesk.sync.transport import Transport


def test_two_laptops_edit_offline_and_converge(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    anna = a.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            last_name="Aho",
            company="Acme Oy",
            phones=[PhoneInput("040 123 4567")],
            emails=[EmailInput("anna@acme.fi")],
            tags=["vip"],
        ),
    )
    a.activities.purchase(anna, [LineInput("Winter tyre", "4", "89,90")])
    first = sync(a)
    assert first.pushed > 0 and first.snapshot
    second = sync(b)
    assert second.snapshot and second.created > 0
    assert b.queries.card(anna).display_name == "Anna Aho"
    # Both work offline on different things.
    b.contacts.update(anna, ContactPatch(notes="prefers mornings", add_tags=["north"]))
    b.followups.add(anna, b.queries.card(anna).created_at, "call back")
    bo = b.contacts.create("person", ContactPatch(first_name="Bo", last_name="Berg"))
    a.contacts.update(anna, ContactPatch(title="CEO", phones=[PhoneInput("050 765 4321")]))
    a.activities.log(anna, "call", "asked about summer tyres")
    sync(a)
    sync(b)
    sync(a)
    assert canonical(a) == canonical(b)
    card = a.queries.card(anna)
    assert card.title == "CEO" and card.notes == "prefers mornings"
    assert [p.raw for p in card.phones] == ["050 765 4321"]
    assert set(card.tags) == {"vip", "north"}
    assert [r.id for r in a.search.search("berg")] == [bo]
    assert [r.id for r in b.search.search("0507654321")] == [anna]
    assert outbox_rows(a) == outbox_rows(b) == []
    assert a.sync.status().open_conflicts == 0


def test_three_laptops_converge_with_deletes(replica: Replica) -> None:
    a, b, c = replica("anna"), replica("bo"), replica("cai")
    ids = [a.contacts.create("person", ContactPatch(first_name=f"P{i}")) for i in range(5)]
    for crm in (a, b, c):
        sync(crm)
    a.contacts.delete(ids[0])
    b.contacts.update(ids[1], ContactPatch(last_name="Bee", add_emails=[EmailInput("p1@x.fi")]))
    c.contacts.update(ids[2], ContactPatch(add_phones=[PhoneInput("09 123 4567")]))
    c.contacts.delete(ids[3])
    for crm in (a, b, c, a, b):
        sync(crm)
    assert canonical(a) == canonical(b) == canonical(c)
    assert b.search.search("p0") == []
    assert [r.id for r in c.search.search("bee")] == [ids[1]]


def test_same_field_edited_on_two_laptops_is_a_conflict_on_both(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    pid = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    sync(a)
    sync(b)
    a.contacts.update(pid, ContactPatch(title="Buyer"))
    b.contacts.update(pid, ContactPatch(title="Owner"))  # later stamp: wins
    sync(a)
    sync(b)
    sync(a)
    assert a.queries.card(pid).title == b.queries.card(pid).title == "Owner"
    for crm in (a, b):
        [conflict] = crm.sync.conflicts()
        assert (conflict.field, conflict.winner_value, conflict.loser_value) == (
            "title",
            "Owner",
            "Buyer",
        )
        assert (conflict.winner_user, conflict.loser_user) == ("bo", "anna")
    assert a.sync.conflicts()[0].id == b.sync.conflicts()[0].id
    # Anna flips it: her value comes back everywhere, with a fresh stamp.
    a.sync.flip(a.sync.conflicts()[0].id)
    sync(a)
    sync(b)
    assert a.queries.card(pid).title == b.queries.card(pid).title == "Buyer"
    assert a.sync.conflicts() == []
    assert canonical(a) == canonical(b)


def test_delete_wins_over_an_edit_and_can_be_restored(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    pid = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    sync(a)
    sync(b)
    a.contacts.delete(pid)
    b.contacts.update(pid, ContactPatch(notes="new notes"))  # after the delete, unseen
    sync(b)
    sync(a)
    sync(b)
    for crm in (a, b):
        assert crm.search.search("aho") == []
        conflicts = crm.sync.conflicts()
        assert [c.field for c in conflicts] == [DELETED]
    assert canonical(a) == canonical(b)
    b.sync.flip(b.sync.conflicts()[0].id)  # restore
    sync(b)
    sync(a)
    assert [r.id for r in a.search.search("aho")] == [pid]
    assert a.queries.card(pid).notes == "new notes"
    assert canonical(a) == canonical(b)


def test_a_replayed_push_changes_nothing(replica: Replica, server: LiveServer) -> None:
    a, b = replica("anna"), replica("bo")
    pid = a.contacts.create("person", ContactPatch(first_name="Anna"))
    engine = SyncEngine(a)
    batch_id, seq, changes = outbox.next_batch(a.db, 1000)
    sync(a)
    sync(b)
    before = canonical(b)
    transport = Transport(server.url)
    try:
        transport.login(LoginRequest("anna", USER_PASSWORD, engine.clock().node))
        replay = transport.push(PushRequest(engine.clock().node, batch_id, seq, changes))
        summary = transport.summary()
    finally:
        transport.close()
    assert replay.batch_id == batch_id
    again = sync(b)
    assert again.applied == 0
    assert canonical(b) == before
    assert summary.entities["contacts"].rows == 1
    assert b.queries.card(pid).first_name == "Anna"


def test_answer_lost_after_the_server_committed_then_retry(
    replica: Replica, server: LiveServer
) -> None:
    a, b = replica("anna"), replica("bo")
    with lossy_proxy(server.host, server.port) as proxy:
        SyncEngine(a).configure(proxy.url, "anna")
        sync(a)
        pid = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
        proxy.drop_response_to(b"POST /api/v1/push")
        with pytest.raises(SyncError, match="Cannot reach the server"):
            sync(a)
        assert proxy.dropped == 1
        in_flight = [r for r in outbox_rows(a) if r["batch_id"]]
        assert in_flight, "the batch stays until acknowledged"
        a.contacts.update(pid, ContactPatch(first_name="Annika"))  # edited while in flight
        report = sync(a)
        assert report.batches == 2  # the same batch again (a replay), then the new edit
    assert outbox_rows(a) == []
    sync(b)
    assert b.queries.card(pid).first_name == "Annika"
    assert canonical(a) == canonical(b)
    assert a.sync.conflicts() == []


def test_an_interrupted_pull_resumes_where_it_stopped(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    sync(a)
    sync(b)
    for i in range(30):
        a.contacts.create("person", ContactPatch(first_name=f"Person{i}"))
    sync(a)
    pages = 0

    def cancel_after_two() -> bool:
        return pages >= 2

    def progress(stage: str, done: int, total: int | None) -> None:
        nonlocal pages
        if stage == "pull":
            pages += 1

    with pytest.raises(SyncCancelled):
        SyncEngine(b, page=20, progress=progress, cancelled=cancel_after_two).sync(USER_PASSWORD)
    cursor = int(SyncEngine(b).state()["cursor"])
    assert cursor > 0
    with b.db.reading() as session:
        halfway = session.execute(text("SELECT count(*) FROM contacts")).scalar_one()
    assert 0 < halfway < 30 + 2
    report = SyncEngine(b, page=20).sync(USER_PASSWORD)
    assert not report.snapshot
    assert canonical(a) == canonical(b)


def test_failures_are_one_clear_sentence(replica: Replica, server: LiveServer) -> None:
    a = replica("anna")
    with pytest.raises(
        SyncLoginRequired, match="refused the login of anna: The username or the password is wrong"
    ):
        SyncEngine(a).sync("wrong password")
    SyncEngine(a).configure("http://127.0.0.1:9", "anna")
    with pytest.raises(SyncError, match=r"Cannot reach the server at http://127.0.0.1:9\."):
        SyncEngine(a).sync(USER_PASSWORD)
    assert a.sync.status().last_error == "Cannot reach the server at http://127.0.0.1:9."
    acc = replica("acc")
    acc.contacts.create("person", ContactPatch(first_name="Nope"))
    with pytest.raises(SyncError, match="The server says: The accountant role may read"):
        sync(acc)
    assert len(outbox_rows(acc)) > 0  # nothing lost


def test_the_check_finds_and_repairs_a_divergent_entity(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    pid = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    sync(a)
    sync(b)
    with b.db.writing() as session:  # damage: a field's clock and value lost here
        session.execute(
            text(
                "UPDATE sync_row_clocks SET stamps = json_remove(stamps, '$.last_name')"
                " WHERE entity = 'contacts' AND row_id = :r"
            ),
            {"r": pid},
        )
        session.execute(text("UPDATE contacts SET last_name='' WHERE id=:r"), {"r": pid})
    assert sync(b).resynced == []  # checked at the first sync: not again within the hour
    report = sync(b, check_every_s=0)
    assert report.resynced == ["contacts"]
    assert b.queries.card(pid).last_name == "Aho"
    assert canonical(a) == canonical(b)
    assert sync(b, check_every_s=0).resynced == []


def test_an_interrupted_first_sync_resumes_its_snapshot(replica: Replica) -> None:
    a = replica("anna")
    people = [
        a.contacts.create(
            "person",
            ContactPatch(
                first_name=f"Person{i}",
                phones=[PhoneInput(f"040 555 {i:04d}")],
                emails=[EmailInput(f"p{i}@example.fi")],
            ),
        )
        for i in range(12)
    ]
    sync(a)
    b = replica("bo")
    pages = 0

    def cancel_after_two() -> bool:
        return pages >= 2

    def progress(stage: str, done: int, total: int | None) -> None:
        nonlocal pages
        if stage == "snapshot":
            pages += 1

    with pytest.raises(SyncCancelled):
        SyncEngine(b, snapshot_page=5, progress=progress, cancelled=cancel_after_two).sync(
            USER_PASSWORD
        )
    state = SyncEngine(b).state()
    assert "cursor" not in state and state["snapshot_entity"] == "contacts"
    with b.db.reading() as session:
        halfway = session.execute(text("SELECT count(*) FROM contacts")).scalar_one()
    assert 0 < halfway < 12
    report = SyncEngine(b, snapshot_page=5).sync(USER_PASSWORD)
    assert report.snapshot and report.resynced == []
    assert canonical(a) == canonical(b)
    state = SyncEngine(b).state()
    assert not {"snapshot_entity", "snapshot_after", "snapshot_cursor"} & state.keys()
    # The search index, left aside page by page, was rebuilt for every contact.
    assert [r.id for r in b.search.search("0405550007")] == [people[7]]
    assert [r.id for r in b.search.search("p11@example")] == [people[11]]
    assert len(b.search.search("person")) == 12
