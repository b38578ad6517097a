"""Pushing: round trip, last writer wins, conflicts, delete wins, replays, refusals."""

from __future__ import annotations

import json

import pytest
from wire import change, pull_all, push, push_body, stamp

from crmdesk.sync.protocol import DELETED, MAX_BATCH_CHANGES, MAX_BODY_BYTES, Change


@pytest.fixture
def anna(sync_server):
    """An httpx client logged in as the salesperson anna on node ``laptop-a``."""
    sync_server.add_user("anna")
    with sync_server.client(sync_server.login("anna", node="laptop-a")) as http:
        yield http


@pytest.fixture
def bob(sync_server):
    """The salesperson bob on node ``laptop-b``."""
    sync_server.add_user("bob")
    with sync_server.client(sync_server.login("bob", node="laptop-b")) as http:
        yield http


def _stored(sync_server) -> dict[str, int]:
    """Row counts of the tables a push writes (read straight from the database)."""
    names = ("field_state", "change_log", "conflicts", "push_batches", "nodes")
    with sync_server.db.reading() as conn:
        return {n: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {n}").scalar_one() for n in names}


def _values(changes: list[Change]) -> dict[tuple[str, str], object]:
    return {(c.row_id, c.field): c.value for c in changes}


def test_push_then_pull_round_trip(anna, bob):
    s1, s2 = stamp("laptop-a"), stamp("laptop-a", counter=1)
    answer = push(
        anna,
        "laptop-a",
        1,
        [
            change("r1", "first_name", "Anna", s1),
            change("r1", "balance_cents", 12050, s1),
            change("r1", "vip", True, s2),
            change("r1", "note", None, s2),
        ],
    )
    assert (answer.accepted, answer.superseded, answer.conflicts) == (4, 0, [])
    pulled, _ = pull_all(bob)
    assert _values(pulled.changes) == {
        ("r1", "first_name"): "Anna",
        ("r1", "balance_cents"): 12050,
        ("r1", "vip"): True,
        ("r1", "note"): None,
    }
    assert {c.user for c in pulled.changes} == {"anna"}
    assert [c.seq for c in pulled.changes] == sorted(c.seq for c in pulled.changes)
    assert pulled.next_cursor == max(c.seq for c in pulled.changes)
    again, _ = pull_all(bob, pulled.next_cursor)
    assert again.changes == [] and again.next_cursor == pulled.next_cursor


def test_last_writer_wins_by_stamp_not_by_arrival(anna, bob):
    early, late = stamp("laptop-a", -5000), stamp("laptop-b")
    push(bob, "laptop-b", 1, [change("r1", "city", "Turku", late)])
    answer = push(anna, "laptop-a", 1, [change("r1", "city", "Oulu", early, base=late)])
    assert (answer.accepted, answer.superseded) == (0, 1)
    pulled, _ = pull_all(anna)
    assert _values(pulled.changes) == {("r1", "city"): "Turku"}
    assert pulled.changes[0].stamp == late
    newer = stamp("laptop-a", 1000)
    push(anna, "laptop-a", 2, [change("r1", "city", "Oulu", newer, base=late)])
    pulled, _ = pull_all(bob)
    assert _values(pulled.changes) == {("r1", "city"): "Oulu"}


def test_concurrent_edit_records_a_conflict_with_both_values(anna, bob):
    s0 = stamp("laptop-a", -10_000)
    push(anna, "laptop-a", 1, [change("r1", "phone", "040 111", s0)])
    # Both edit from s0; bob's edit is later, so it wins, and anna's value is kept aside.
    a_edit, b_edit = stamp("laptop-a", -2000), stamp("laptop-b", -1000)
    push(bob, "laptop-b", 1, [change("r1", "phone", "040 222", b_edit, base=s0)])
    answer = push(anna, "laptop-a", 2, [change("r1", "phone", "040 333", a_edit, base=s0)])
    assert (answer.accepted, answer.superseded) == (0, 1)
    [conflict] = answer.conflicts
    assert (conflict.field, conflict.winner_value, conflict.loser_value) == (
        "phone",
        "040 222",
        "040 333",
    )
    assert (conflict.winner_user, conflict.loser_user) == ("bob", "anna")
    assert (conflict.winner_stamp, conflict.loser_stamp) == (b_edit, a_edit)
    for reader in (anna, bob):
        pulled, _ = pull_all(reader)
        assert pulled.conflicts == [conflict]
        assert _values(pulled.changes) == {("r1", "phone"): "040 222"}


def test_edit_from_the_current_value_is_no_conflict(anna, bob):
    s0 = stamp("laptop-a", -1000)
    push(anna, "laptop-a", 1, [change("r1", "phone", "040 111", s0)])
    answer = push(bob, "laptop-b", 1, [change("r1", "phone", "040 222", stamp("laptop-b"), s0)])
    assert (answer.accepted, answer.conflicts) == (1, [])
    # A never-seen field (base None) with the same value is no conflict either.
    same = push(anna, "laptop-a", 2, [change("r1", "phone", "040 222", stamp("laptop-a", 5))])
    assert same.conflicts == []


def test_concurrent_newer_edit_wins_and_still_records_the_conflict(anna, bob):
    s0 = stamp("laptop-a", -10_000)
    push(anna, "laptop-a", 1, [change("r1", "stage", "lead", s0)])
    push(bob, "laptop-b", 1, [change("r1", "stage", "prospect", stamp("laptop-b", -500), s0)])
    answer = push(anna, "laptop-a", 2, [change("r1", "stage", "customer", stamp("laptop-a"), s0)])
    assert answer.accepted == 1
    [conflict] = answer.conflicts
    assert (conflict.winner_value, conflict.loser_value) == ("customer", "prospect")
    assert (conflict.winner_user, conflict.loser_user) == ("anna", "bob")


def test_delete_wins_against_a_concurrent_edit(anna, bob):
    s0 = stamp("laptop-a", -10_000)
    push(anna, "laptop-a", 1, [change("r1", "name", "Acme", s0), change("r1", DELETED, False, s0)])
    deleted_at = stamp("laptop-b", -3000)
    push(bob, "laptop-b", 1, [change("r1", DELETED, True, deleted_at, base=s0)])
    # anna edits offline, later than the delete, without having seen it.
    edit = stamp("laptop-a", -1000)
    answer = push(anna, "laptop-a", 2, [change("r1", "name", "Acme Oy", edit, base=s0)])
    [conflict] = answer.conflicts
    assert (conflict.field, conflict.winner_value, conflict.loser_value) == (DELETED, True, False)
    assert (conflict.winner_user, conflict.loser_user) == ("bob", "anna")
    assert (conflict.winner_stamp, conflict.loser_stamp) == (deleted_at, edit)
    pulled, _ = pull_all(bob)
    values = _values(pulled.changes)
    assert values[("r1", DELETED)] is True  # the row stays deleted
    assert values[("r1", "name")] == "Acme Oy"  # the edit is kept, for a restore
    assert pulled.conflicts == [conflict]


def test_delete_arriving_after_an_unseen_edit_wins_with_a_conflict(anna, bob):
    s0 = stamp("laptop-a", -10_000)
    push(anna, "laptop-a", 1, [change("r1", "name", "Acme", s0), change("r1", DELETED, False, s0)])
    edit = stamp("laptop-a", -1000)
    push(anna, "laptop-a", 2, [change("r1", "name", "Acme Oy", edit, base=s0)])
    deleted_at = stamp("laptop-b", -3000)  # made before the edit, offline
    answer = push(bob, "laptop-b", 1, [change("r1", DELETED, True, deleted_at, base=s0)])
    assert answer.accepted == 1
    [conflict] = answer.conflicts
    assert (conflict.field, conflict.winner_user, conflict.loser_user) == (DELETED, "bob", "anna")
    assert conflict.loser_stamp == edit
    pulled, _ = pull_all(anna)
    assert _values(pulled.changes)[("r1", DELETED)] is True


def test_restore_and_edit_in_one_batch_is_no_conflict(anna, bob):
    s0 = stamp("laptop-b", -10_000)
    push(bob, "laptop-b", 1, [change("r1", "name", "Acme", s0), change("r1", DELETED, True, s0)])
    later = stamp("laptop-a")
    answer = push(
        anna,
        "laptop-a",
        1,
        [change("r1", "name", "Acme Oy", later, s0), change("r1", DELETED, False, later, s0)],
    )
    assert (answer.accepted, answer.conflicts) == (2, [])


def test_replayed_batch_changes_nothing_and_returns_the_same_response(sync_server, anna, bob):
    s0 = stamp("laptop-b", -5000)
    push(bob, "laptop-b", 1, [change("r1", "city", "Turku", s0)])
    body = push_body("laptop-a", 1, [change("r1", "city", "Oulu", stamp("laptop-a"))], "batch-1")
    first = anna.post("/api/v1/push", json=body)
    before = _stored(sync_server)
    pulled_before, _ = pull_all(bob)
    replay = anna.post("/api/v1/push", json=body)
    assert replay.status_code == 200
    assert replay.content == first.content
    assert _stored(sync_server) == before
    assert pull_all(bob)[0].changes == pulled_before.changes
    # The same batch id with other content is still the stored answer.
    body["changes"][0]["value"] = "Vaasa"
    assert anna.post("/api/v1/push", json=body).content == first.content
    assert _stored(sync_server) == before


def test_sequence_gap_is_refused_with_409_and_nothing_stored(sync_server, anna):
    push(anna, "laptop-a", 1, [change("r1", "city", "Turku", stamp("laptop-a"))])
    before = _stored(sync_server)
    for seq in (3, 1):  # a gap, and a new batch reusing a number
        answer = anna.post(
            "/api/v1/push",
            json=push_body("laptop-a", seq, [change("r2", "city", "Oulu", stamp("laptop-a"))]),
        )
        assert answer.status_code == 409
        assert answer.json()["code"] == "out_of_order"
        assert "batch 2" in answer.json()["message"]
    assert _stored(sync_server) == before
    push(anna, "laptop-a", 2, [change("r2", "city", "Oulu", stamp("laptop-a"))])


def test_first_batch_of_a_node_must_be_number_1(sync_server, anna):
    answer = anna.post(
        "/api/v1/push", json=push_body("laptop-a", 2, [change("r1", "a", 1, stamp("laptop-a"))])
    )
    assert answer.status_code == 409
    assert _stored(sync_server)["field_state"] == 0


def test_clock_ahead_refuses_the_whole_batch(sync_server, anna):
    fine = change("r1", "city", "Turku", stamp("laptop-a"))
    ahead = change("r2", "city", "Oulu", stamp("laptop-a", 6 * 60 * 1000))
    answer = anna.post("/api/v1/push", json=push_body("laptop-a", 1, [fine, ahead]))
    assert answer.status_code == 400
    assert answer.json()["code"] == "clock_ahead"
    assert "clock" in answer.json()["message"]
    assert set(_stored(sync_server).values()) == {0}
    # A little ahead (within the allowed skew) is accepted.
    near = change("r2", "city", "Oulu", stamp("laptop-a", 60 * 1000))
    assert push(anna, "laptop-a", 1, [fine, near]).accepted == 2


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b'{"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [NaN]}',
        "\u00e4".encode("latin-1"),
    ],
)
def test_malformed_json_is_400_and_nothing_stored(sync_server, anna, body):
    answer = anna.post("/api/v1/push", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"code": "malformed", "message": "The request body is not valid JSON."}
    assert set(_stored(sync_server).values()) == {0}


def _good_change(**overrides):
    base = {"entity": "contacts", "row_id": "r1", "field": "city", "value": "Turku"}
    base["stamp"] = stamp("laptop-a")
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"node": "laptop-a", "batch_id": "b", "seq": 1},
        {"node": "laptop-a", "batch_id": "b", "seq": "1", "changes": []},
        {"node": "laptop-a", "batch_id": "b", "seq": True, "changes": []},
        {"node": "laptop-a", "batch_id": "b", "seq": 0, "changes": []},
        {"node": "laptop-a", "batch_id": "", "seq": 1, "changes": []},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(value=[1])]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(stamp="now")]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(base="x")]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(entity="a b")]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(row_id="")]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(field=DELETED)]},
        {"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": [_good_change(), "x"]},
    ],
)
def test_wrong_shape_is_400_and_nothing_stored(sync_server, anna, body):
    answer = anna.post("/api/v1/push", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "malformed"
    assert set(_stored(sync_server).values()) == {0}


def test_oversized_body_is_413_before_it_is_read(sync_server, anna):
    filler = "x" * (MAX_BODY_BYTES + 1024)
    body = push_body("laptop-a", 1, [change("r1", "note", filler, stamp("laptop-a"))])
    answer = anna.post("/api/v1/push", content=json.dumps(body).encode())
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert set(_stored(sync_server).values()) == {0}


def test_oversized_body_without_length_is_413(sync_server, anna):
    chunk = b" " * 65536

    def stream():
        yield b'{"node": "laptop-a", "batch_id": "b", "seq": 1, "changes": []'
        for _ in range(MAX_BODY_BYTES // len(chunk) + 2):
            yield chunk
        yield b"}"

    answer = anna.post("/api/v1/push", content=stream())
    assert answer.status_code == 413
    assert set(_stored(sync_server).values()) == {0}


def test_oversized_batch_is_413_and_nothing_stored(sync_server, anna):
    at = stamp("laptop-a")
    changes = [change(f"r{i}", "n", i, at) for i in range(MAX_BATCH_CHANGES + 1)]
    answer = anna.post("/api/v1/push", json=push_body("laptop-a", 1, changes))
    assert answer.status_code == 413
    assert "at most" in answer.json()["message"]
    assert set(_stored(sync_server).values()) == {0}
    assert push(anna, "laptop-a", 1, changes[:MAX_BATCH_CHANGES]).accepted == MAX_BATCH_CHANGES


def test_history_keeps_every_accepted_and_superseded_change(sync_server, anna, bob):
    late = stamp("laptop-b")
    push(bob, "laptop-b", 1, [change("r1", "city", "Turku", late)])
    push(anna, "laptop-a", 1, [change("r1", "city", "Oulu", stamp("laptop-a", -9000), late)])
    with sync_server.db.reading() as conn:
        rows = conn.exec_driver_sql(
            "SELECT value, username, node, won FROM change_log ORDER BY seq"
        ).all()
    assert [(json.loads(r[0]), r[1], r[2], bool(r[3])) for r in rows] == [
        ("Turku", "bob", "laptop-b", True),
        ("Oulu", "anna", "laptop-a", False),
    ]
