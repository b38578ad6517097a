"""Pull paging, snapshot paging with its cursor, and the summary checksum."""

from __future__ import annotations

import hashlib
import json

import pytest
from wire import change, pull_all, push, stamp

from crmdesk.sync.protocol import (
    DELETED,
    ProtocolError,
    PullResponse,
    SnapshotPage,
    SnapshotRows,
    Summary,
    field_digest,
    xor_of_digests,
)


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
    "params",
    [{"cursor": -1}, {"cursor": 2**63}, {"cursor": "x"}, {"limit": 0}, {"limit": "many"}],
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
    for after in ("contacts/r1", "1/contacts/r\x00", f"{2**63}/contacts/r1"):
        answer = owner.get("/api/v1/snapshot", params={"after": after})
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


def test_pages_are_byte_identical_to_the_protocol_encoding(owner):
    from crmdesk.sync.protocol import dumps

    tricky = ["Jääskeläinen", 'say "hi"\\ \n\t', "🙂", 1.5, -3, 0, None, True, False, "", "\u2028"]
    at = stamp("desk")
    push(owner, "desk", 1, [change(f"r{i}", "v", v, at) for i, v in enumerate(tricky)])
    pulled = owner.get("/api/v1/pull")
    assert pulled.content == dumps(PullResponse.from_json(pulled.json()).to_json())
    values = {c["row_id"]: c["value"] for c in pulled.json()["changes"]}
    assert [values[f"r{i}"] for i in range(len(tricky))] == tricky
    for params in ({"limit": 3}, {}):
        page = owner.get("/api/v1/snapshot", params=params)
        assert page.content == dumps(SnapshotPage.from_json(page.json()).to_json())


def _rows_all(http, entity: str, limit: int) -> list[SnapshotRows]:
    pages, after = [], None
    while True:
        params = {"entity": entity, "limit": limit} | ({"after": after} if after else {})
        answer = http.get("/api/v1/snapshot/rows", params=params)
        assert answer.status_code == 200, answer.text
        page = SnapshotRows.from_json(answer.json())
        assert page.entity == entity
        pages.append(page)
        after = page.next_after
        if after is None:
            return pages


def test_snapshot_rows_page_one_entity_compactly_with_one_cursor(owner):
    _seed(owner, 10)
    _seed(owner, 3, seq=2, entity="companies")
    push(owner, "desk", 3, [change("c0001", DELETED, True, stamp("desk"), entity="companies")])
    cursor_before = pull_all(owner)[0].next_cursor
    pages = _rows_all(owner, "contacts", limit=4)
    assert [len(p.rows) for p in pages] == [4, 4, 2]
    assert {p.cursor for p in pages} == {cursor_before}
    rows = [row for p in pages for row in p.rows]
    assert [r[0] for r in rows] == [f"c{i:04d}" for i in range(10)]
    at = rows[9][3]
    assert rows[9] == ["c0009", "city", "city-9", at, "name", "name-9", at]
    (companies,) = _rows_all(owner, "companies", limit=10)
    assert companies.rows[1][:3] == ["c0001", DELETED, True]  # tombstoned rows too
    assert [r[0] for r in companies.rows] == ["c0000", "c0001", "c0002"]
    (nothing,) = _rows_all(owner, "deals", limit=10)
    assert (nothing.rows, nothing.next_after) == ([], None)


def test_snapshot_rows_carry_the_same_fields_as_the_full_snapshot(owner):
    tricky = ["Jääskeläinen", 'say "hi"\\ \n\t', "🙂", 1.5, -3, 0, None, True, False, ""]
    at = stamp("desk")
    push(owner, "desk", 1, [change(f"r{i}", "v", v, at) for i, v in enumerate(tricky)])
    full = {
        (c.row_id, c.field, json.dumps(c.value), c.stamp)
        for p in _snapshot_all(owner, limit=3)
        for c in p.changes
    }
    compact = {
        (row[0], name, json.dumps(value), stamp_)
        for p in _rows_all(owner, "contacts", limit=3)
        for row in p.rows
        for name, value, stamp_ in zip(row[1::3], row[2::3], row[3::3], strict=True)
    }
    assert compact == full and len(full) == len(tricky)


@pytest.mark.parametrize(
    "params",
    [
        {},  # no entity
        {"entity": ""},
        {"entity": "contacts", "limit": 0},
        {"entity": "contacts", "after": "contacts/r1"},
        {"entity": "contacts", "after": "1/deals/r1"},  # another entity's token
    ],
)
def test_bad_snapshot_rows_parameters_are_refused(owner, params):
    answer = owner.get("/api/v1/snapshot/rows", params=params)
    assert answer.status_code in (400, 422)
    assert answer.json()["code"] == "malformed"


@pytest.mark.parametrize(
    "rows",
    [
        ["not a row"],
        [["r1", "name"]],  # a field without value and stamp
        [["r1", "name", "x", 5]],  # a stamp that is not text
        [["r1", 7, "x", "s"]],  # a field name that is not text
        [["r1", "name", ["nested"], "s"]],
    ],
)
def test_malformed_snapshot_rows_are_refused_by_the_client(rows):
    with pytest.raises(ProtocolError):
        SnapshotRows.from_json({"entity": "contacts", "rows": rows, "cursor": 1})


def test_the_fast_checksum_is_the_field_digest_xor():
    fields = [("contacts", f"r{i}", "nåme", stamp("n")) for i in range(50)]
    expected = 0
    for field in fields:
        expected ^= field_digest(*field)
    assert xor_of_digests("|".join(f).encode() for f in fields) == expected != 0
    assert xor_of_digests([]) == 0
