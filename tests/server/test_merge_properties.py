"""Random interleavings of edits, deletes, pushes and pulls on three laptops with
skewed clocks, applied by the server's own merge code on a real database:
the server keeps the newest value of every field, and no edit disappears
without a trace (a conflict, a later edit made from it, or the same value)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdesk.domain.permissions import BUILTIN_ROLES
from crmdesk.server import accounts, feeds, merge
from crmdesk.server.storage import ServerDatabase, resolve_url
from crmdesk.sync.hlc import Clock
from crmdesk.sync.protocol import (
    DELETED,
    Change,
    EntitySummary,
    PushRequest,
    checksum_hex,
    field_digest,
)

NODES = ("a", "b", "c")
FIELDS = ("name", "city", DELETED)


@dataclass
class Laptop:
    node: str
    clock: Clock
    known: dict[tuple[str, str], str] = field(default_factory=dict)  # (row, field) -> stamp
    outbox: dict[tuple[str, str], Change] = field(default_factory=dict)
    seq: int = 0
    cursor: int = 0


operation = st.one_of(
    st.tuples(
        st.just("edit"),
        st.sampled_from(NODES),
        st.sampled_from(("r1", "r2")),
        st.sampled_from(FIELDS),
        st.sampled_from(("x", "y", "z")),
    ),
    st.tuples(st.sampled_from(("push", "pull")), st.sampled_from(NODES)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offsets=st.tuples(*[st.integers(-3000, 3000) for _ in NODES]),
    operations=st.lists(operation, min_size=1, max_size=40),
)
def test_newest_value_wins_and_no_edit_is_lost_silently(offsets, operations):
    with tempfile.TemporaryDirectory() as folder:
        db, _ = ServerDatabase.initialise(resolve_url(Path(folder)))
        try:
            _check(db, offsets, operations)
        finally:
            db.close()


def _check(db, offsets, operations):
    user = accounts.add_user(db, "seller", "long enough password", "salesperson")
    laptops = {n: Laptop(n, Clock(n)) for n in NODES}
    for laptop, offset in zip(laptops.values(), offsets, strict=True):
        laptop.clock.offset_ms = offset
    pushed: list[Change] = []

    def pull(laptop):
        page = json.loads(feeds.pull(db, laptop.cursor, 5000, accounts.now_ms()))
        for c in page["changes"]:
            laptop.known[(c["row_id"], c["field"])] = c["stamp"]
            laptop.clock.observe(c["stamp"])
        laptop.cursor = page["next_cursor"]

    def push(laptop):
        if not laptop.outbox:
            return
        laptop.seq += 1
        batch = list(laptop.outbox.values())
        who = accounts.Principal(user, laptop.node, "-", BUILTIN_ROLES[user.role])
        request = PushRequest(laptop.node, f"{laptop.node}{laptop.seq}", laptop.seq, batch)
        merge.push(db, who, request, accounts.now_ms())
        pushed.extend(batch)
        for c in batch:
            laptop.known[(c.row_id, c.field)] = c.stamp
        laptop.outbox.clear()

    for op in operations + [("push", n) for n in NODES]:
        laptop = laptops[op[1]]
        if op[0] == "edit":
            _, _, row, name, text = op
            value = text in ("x", "y") if name == DELETED else text
            base = laptop.known.get((row, name))
            earlier = laptop.outbox.get((row, name))
            base = earlier.base if earlier else base
            laptop.outbox[(row, name)] = Change(
                "t", row, name, value, str(laptop.clock.now()), base
            )
        elif op[0] == "push":
            push(laptop)
        else:
            pull(laptop)

    with db.reading() as conn:
        state = {
            (r.row_id, r.field): (json.loads(r.value), r.stamp)
            for r in conn.exec_driver_sql("SELECT row_id, field, value, stamp FROM field_state")
        }
        conflicts = conn.exec_driver_sql(
            "SELECT row_id, field, winner_stamp, loser_stamp FROM conflicts"
        ).all()

    newest: dict[tuple[str, str], Change] = {}
    for c in pushed:
        key = (c.row_id, c.field)
        if key not in newest or c.stamp > newest[key].stamp:
            newest[key] = c
    assert state == {k: (c.value, c.stamp) for k, c in newest.items()}

    summary = feeds.summary(db).entities
    rows = {r for r, _ in newest}
    live = {r for r in rows if newest.get((r, DELETED)) is None or not newest[(r, DELETED)].value}
    checksum = 0
    for (row_id, name), c in newest.items():
        checksum ^= field_digest("t", row_id, name, c.stamp)
    if newest:
        assert summary == {"t": EntitySummary(len(live), checksum_hex(checksum))}

    traced = {s for _, _, w, lo in conflicts for s in (w, lo)}
    for c in pushed:
        key = (c.row_id, c.field)
        if c.stamp == newest[key].stamp or c.stamp in traced:
            continue
        later = [d for d in pushed if (d.row_id, d.field) == key and d.stamp > c.stamp]
        assert any(
            d.stamp.endswith(f"-{c.stamp.rsplit('-', 1)[1]}")  # the same laptop edited again
            or d.base == c.stamp  # someone edited from it
            or d.value == c.value  # the value survives
            for d in later
        ), f"{c} vanished without a conflict"
