"""Pull paging, snapshot paging with its cursor, and the summary checksum."""

from __future__ import annotations

import hashlib

import pytest
from wire import change, pull_all, push, stamp

from crmdesk.sync.protocol import DELETED, PullResponse, SnapshotPage, Summary


@pytest.fixture
def owner(sync_server):
    sync_server.add_user("olga", "owner")
    with sync_server.client(sync_server.login("olga", node="desk")) as http:
        yield http


def _seed(http, rows: int, seq: int = 1, entity: str = "contacts") -> None:
    at = stamp("desk", -60_000)
    push(
        http,
        "desk",
        seq,
        [
            change(f"{entity[:1]}{i:04d}", f, f"{f}-{i}", at, entity=entity)
            for i in range(rows)
            for f in ("name", "city")
        ],
    )


def _snapshot_all(http, limit: int) -> list[SnapshotPage]:
    pages, after = [], None
    while True:
        params = {"limit": limit} | ({"after": after} if after else {})
        answer = http.get("/api/v1/snapshot", params=params)
        assert answer.status_code == 200, answer.text
        page = SnapshotPage.from_json(answer.json())
        pages.append(page)
        after = page.next_after
        if after is None:
            return pages


def test_pull_pages_in_order_without_gaps_or_repeats(owner):
    _seed(owner, 25)
    pages, cursor = [], 0
    while True:
        page = PullResponse.from_json(
            owner.get("/api/v1/pull", params={"cursor": cursor, "limit": 7}).json()
        )
        pages.append(page)
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert [len(p.changes) for p in pages] == [7] * 7 + [1]
    seqs = [c.seq for p in pages for c in p.changes]
    assert seqs == sorted(set(seqs)) and len(seqs) == 50
    assert pages[-1].next_cursor == seqs[-1]


def test_pull_sends_an_overwritten_field_once_at_its_latest_value(owner):
    push(owner, "desk", 1, [change("r1", "city", "Turku", stamp("desk", -2000))])
    push(owner, "desk", 2, [change("r1", "city", "Oulu", stamp("desk", -1000))])
    pulled, _ = pull_all(owner)
    assert [(c.field, c.value) for c in pulled.changes] == [("city", "Oulu")]


@pytest.mark.parametrize(
    "params", [{"cursor": -1}, {"cursor": "x"}, {"limit": 0}, {"limit": "many"}]
)
def test_bad_pull_parameters_are_refused(owner, params):
    answer = owner.get("/api/v1/pull", params=params)
    assert answer.status_code in (400, 422)
    assert answer.json()["code"] == "malformed"


def test_snapshot_pages_every_row_whole_with_one_cursor(owner):
    _seed(owner, 10)
    _seed(owner, 3, seq=2, entity="companies")
    push(owner, "desk", 3, [change("c0001", DELETED, True, stamp("desk"), entity="companies")])
    cursor_before = pull_all(owner)[0].next_cursor
    pages = _snapshot_all(owner, limit=4)
    assert len(pages) == 4
    assert {p.cursor for p in pages} == {cursor_before}
    keys = [(c.entity, c.row_id, c.field) for p in pages for c in p.changes]
    assert keys == sorted(keys) and len(keys) == len(set(keys)) == 10 * 2 + 3 * 2 + 1
    for page in pages:  # a page holds whole rows: at most 4 of them
        assert len({(c.entity, c.row_id) for c in page.changes}) <= 4
    values = {(c.entity, c.row_id, c.field): c.value for p in pages for c in p.changes}
    assert values[("companies", "c0001", DELETED)] is True
    assert values[("contacts", "c0009", "city")] == "city-9"


def test_changes_made_during_a_snapshot_are_pulled_afterwards(owner):
    _seed(owner, 6)
    first = SnapshotPage.from_json(owner.get("/api/v1/snapshot", params={"limit": 3}).json())
    # Someone edits a row the first page already sent, then the snapshot goes on.
    push(owner, "desk", 2, [change("c0000", "city", "Moved", stamp("desk"))])
    rest = SnapshotPage.from_json(
        owner.get("/api/v1/snapshot", params={"limit": 3, "after": first.next_after}).json()
    )
    assert rest.cursor == first.cursor and rest.next_after is None
    pulled, _ = pull_all(owner, first.cursor)
    assert [(c.row_id, c.value) for c in pulled.changes] == [("c0000", "Moved")]


def test_snapshot_of_an_empty_server_and_a_bad_token(owner):
    page = SnapshotPage.from_json(owner.get("/api/v1/snapshot").json())
    assert (page.changes, page.cursor, page.next_after) == ([], 0, None)
    answer = owner.get("/api/v1/snapshot", params={"after": "contacts/r1"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"


def _independent_checksum(fields: list[tuple[str, str, str, str]]) -> str:
    total = 0
    for entity, row_id, name, at in fields:
        digest = hashlib.sha256("|".join((entity, row_id, name, at)).encode()).digest()
        total ^= int.from_bytes(digest, "big")
    return format(total, "064x")


def test_summary_matches_an_independent_computation(owner):
    _seed(owner, 5)
    _seed(owner, 2, seq=2, entity="deals")
    at = stamp("desk")
    push(
        owner, "desk", 3, [change("c0003", DELETED, True, at), change("c0004", DELETED, False, at)]
    )
    summary = Summary.from_json(owner.get("/api/v1/summary").json())
    pulled, _ = pull_all(owner)
    assert summary.cursor == pulled.next_cursor
    by_entity: dict[str, list[tuple[str, str, str, str]]] = {}
    for c in pulled.changes:
        by_entity.setdefault(c.entity, []).append((c.entity, c.row_id, c.field, c.stamp))
    assert set(summary.entities) == {"contacts", "deals"}
    assert summary.entities["contacts"].rows == 4  # five rows, one tombstoned
    assert summary.entities["deals"].rows == 2
    for entity, fields in by_entity.items():
        assert summary.entities[entity].checksum == _independent_checksum(fields)
    # Any change of a stamp changes the checksum.
    push(owner, "desk", 4, [change("c0001", "city", "Oulu", stamp("desk", 1))])
    after = Summary.from_json(owner.get("/api/v1/summary").json())
    assert after.entities["contacts"].checksum != summary.entities["contacts"].checksum
    assert after.entities["deals"] == summary.entities["deals"]
