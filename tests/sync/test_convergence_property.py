"""Property: three laptops, random edits, deletes, restores, merges, offline
periods, clock skew and lost answers; after a final sync every replica holds the same
data, and every edit that lost without its author having seen the winner has
a conflict record."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from lossy_proxy import LossyProxy
from server_thread import start_server
from sqlalchemy import select, text
from synctools import PASSPHRASE, USER_PASSWORD, LiveServer, canonical, new_replica

from crmdesk.errors import NotFound, SyncError, ValidationError
from crmdesk.server import tables
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, PhoneInput
from crmdesk.store import keyfile
from crmdesk.sync.engine import SyncEngine

USERS = ("anna", "bo", "cai")
FIELDS = ("first_name", "notes", "title")
SKEW_MS = 10 * 60 * 1000
clients = st.integers(0, len(USERS) - 1)
people = st.integers(0, 1)


@dataclass
class World:
    """One server for all examples (each example's rows are its own) and a blank
    laptop database to copy, so an example does not pay for key derivations."""

    folder: Path
    server: LiveServer
    blank: Path


WORLD: list[World] = []


@pytest.fixture(autouse=True, scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    folder = tmp_path_factory.mktemp("three-laptops")
    server, stop = start_server(folder)
    new_replica(folder, "blank").close()
    WORLD.append(World(folder, server, folder / "blank.db"))
    yield
    WORLD.clear()
    stop()


class ThreeLaptops(RuleBasedStateMachine):
    """Each rule is something a salesperson's laptop (or the network) does."""

    def __init__(self) -> None:
        super().__init__()
        world = WORLD[0]
        self.folder = Path(tempfile.mkdtemp(prefix="laptops-", dir=world.folder))
        self.server = world.server
        self.proxy = LossyProxy(self.server.host, self.server.port)
        self.laptops: list[Crm] = []
        for user in USERS:
            path = self.folder / f"{user}.db"
            shutil.copy(world.blank, path)
            shutil.copy(keyfile.path_for(world.blank), keyfile.path_for(path))
            crm = Crm.open(path, PASSPHRASE)
            SyncEngine(crm).configure(self.proxy.url, user)
            self.laptops.append(crm)
        first = self.laptops[0]
        self.people = [
            first.contacts.create("person", ContactPatch(first_name=f"init{i}", notes="init"))
            for i in range(2)
        ]
        self.counter = 0
        # value -> the value its author saw in the field when editing (its base)
        self.base_of: dict[str, str] = {}
        for crm in self.laptops:
            self._sync(crm)

    # -- rules -------------------------------------------------------------------

    @rule(who=clients, person=people, name=st.sampled_from(FIELDS))
    def edit(self, who: int, person: int, name: str) -> None:
        crm, pid = self.laptops[who], self.people[person]
        self.counter += 1
        value = f"{USERS[who]}{self.counter}"
        try:
            before = getattr(crm.queries.card(pid), name)
            crm.contacts.update(pid, ContactPatch(**{name: value}))
        except NotFound:
            return  # in this laptop's trash: nothing to edit
        self.base_of[value] = before

    @rule(who=clients, other=clients, person=people, name=st.sampled_from(FIELDS))
    def edit_on_two(self, who: int, other: int, person: int, name: str) -> None:
        """Two laptops edit the same field before either syncs."""
        self.edit(who, person, name)
        self.edit(other, person, name)

    @rule(who=clients, person=people)
    def replace_phone(self, who: int, person: int) -> None:
        self.counter += 1
        with suppress(NotFound):
            self.laptops[who].contacts.update(
                self.people[person], ContactPatch(phones=[PhoneInput(f"040 {self.counter:07d}")])
            )

    @rule(who=clients, person=people)
    def delete(self, who: int, person: int) -> None:
        with suppress(NotFound):
            self.laptops[who].contacts.delete(self.people[person])

    @rule(who=clients, person=people)
    def restore(self, who: int, person: int) -> None:
        with suppress(ValidationError):
            self.laptops[who].contacts.restore(self.people[person])

    @rule(who=clients, person=people)
    def log_visit(self, who: int, person: int) -> None:
        with suppress(NotFound):
            self.laptops[who].activities.log(self.people[person], "visit", f"v{self.counter}")

    @rule(who=clients, keep=people)
    def merge(self, who: int, keep: int) -> None:
        """The two people are one customer: merge one into the other (history moves)."""
        crm = self.laptops[who]
        keep_id, other_id = self.people[keep], self.people[1 - keep]
        before = crm.queries.card(other_id).notes
        try:
            crm.merges.merge(keep_id, other_id)
        except NotFound:
            return  # one of them is in this laptop's trash
        self.base_of[crm.queries.card(other_id).notes] = before  # the note of where it went

    @rule(who=clients, skew=st.sampled_from([-SKEW_MS, 0, SKEW_MS]))
    def skew_clock(self, who: int, skew: int) -> None:
        """The laptop's clock is wrong until its next sync corrects it."""
        with self.laptops[who].db.writing() as session:
            session.execute(
                text("UPDATE sync_state SET value = :v WHERE key = 'clock_offset_ms'"),
                {"v": str(skew)},
            )

    @rule(who=clients)
    def sync(self, who: int) -> None:
        self._sync(self.laptops[who])

    @rule(who=clients, request=st.sampled_from([b"POST /api/v1/push", b"GET /api/v1/pull"]))
    def sync_losing_an_answer(self, who: int, request: bytes) -> None:
        self.proxy.drop_response_to(request)
        self._sync(self.laptops[who])
        self.proxy.drop_response_to(None)

    @precondition(lambda self: self.counter > 0)
    @rule(who=clients)
    def sync_twice(self, who: int) -> None:
        """A duplicated sync: the second one must change nothing."""
        crm = self.laptops[who]
        self._sync(crm)
        before = canonical(crm)
        report = self._sync(crm)
        if report is not None and report.pulled == 0:
            assert canonical(crm) == before

    @invariant()
    def nothing_waits_forever(self) -> None:
        for crm in self.laptops:
            assert crm.sync.status().waiting_rows == 0

    # -- the end -------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self.proxy.drop_response_to(None)
            for _ in range(2):
                for crm in self.laptops:
                    report = self._sync(crm)
                    assert report is not None
            dumps = [canonical(crm) for crm in self.laptops]
            assert dumps[0] == dumps[1] == dumps[2]
            self._every_lost_edit_has_a_conflict()
        finally:
            for crm in self.laptops:
                crm.close()
            self.proxy.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _every_lost_edit_has_a_conflict(self) -> None:
        crm = self.laptops[0]
        conflicts = crm.sync.conflicts(include_closed=True)
        lost_with_record = {(c.row_id, c.field, c.loser_value) for c in conflicts}
        log = tables.change_log.c
        with self.server.db.reading() as conn:
            pushed = {
                (r.row_id, r.field, json.loads(r.value))
                for r in conn.execute(
                    select(log.row_id, log.field, log.value).where(
                        log.entity == "contacts", log.field.in_(FIELDS)
                    )
                )
            }
        for pid in self.people:
            with crm.db.reading() as session:
                row = (
                    session.execute(
                        text(f"SELECT {', '.join(FIELDS)} FROM contacts WHERE id = :i"), {"i": pid}
                    )
                    .mappings()
                    .one()
                )
            for name in FIELDS:
                final = row[name]
                seen = {final}
                value = final
                while value in self.base_of:  # the winner's ancestry
                    value = self.base_of[value]
                    seen.add(value)
                for row_id, field_name, value in pushed:
                    if (row_id, field_name) != (pid, name) or value in seen:
                        continue
                    assert (pid, name, value) in lost_with_record, (
                        f"{name}={value!r} of {pid} lost to {final!r} without a conflict record"
                    )

    # -- helpers ---------------------------------------------------------------------

    def _sync(self, crm: Crm) -> object:
        try:
            return SyncEngine(crm, page=50, snapshot_page=3, push_batch=40).sync(USER_PASSWORD)
        except SyncError:
            return None


ThreeLaptops.TestCase.settings = settings(
    max_examples=int(os.environ.get("CRMDESK_SYNC_EXAMPLES", "20")),
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestThreeLaptops = ThreeLaptops.TestCase
