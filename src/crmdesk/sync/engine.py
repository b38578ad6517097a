"""The sync client: hello, login, push the outbox, pull (or snapshot), check.

Every step that changes the database is one local transaction, so a sync
stopped at any point (network gone, cancel, crash) resumes where it was:

- *push*: a batch is given its ``batch_id`` and sequence number and that is
  committed before it is sent, so a retry re-sends the very same batch (the
  server answers a replay from its record). Rows leave the outbox only when
  the server acknowledged their batch; a field edited again meanwhile has a
  second, newer outbox row that stays.
- *pull*: each page is applied together with its ``next_cursor``.
- *snapshot* (first sync): entity after entity, parents first, each page is
  applied together with the entity and key to continue after; the pull cursor
  is taken from the first page.
- *summary*: with nothing left to push, per-entity checksums of the field
  clocks are compared with the server's; an entity that differs is logged
  and fetched again from a snapshot.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.hlc import Clock
from crmdesk.errors import CrmdeskError, SyncCancelled, SyncError, SyncLoginRequired
from crmdesk.services import audit, sync_capture, sync_seed
from crmdesk.services.app import Crm
from crmdesk.services.sync_entities import WRITE_ORDER, specs
from crmdesk.services.sync_status import read_state, write_state
from crmdesk.store import fts
from crmdesk.store.types import format_utc
from crmdesk.sync import audit_sync
from crmdesk.sync.apply import Applier, ApplyCounts
from crmdesk.sync.protocol import (
    MAX_PAGE,
    MAX_SNAPSHOT_ROWS,
    PROTOCOL_VERSION,
    Change,
    LoginRequest,
    PullResponse,
    PushRequest,
    SnapshotRows,
    checksum_hex,
    xor_of_digests,
)
from crmdesk.sync.transport import ServerRefused, Transport

log = logging.getLogger(__name__)

SKEW_WARNING_MS = 60_000
CHECK_EVERY_S = 3600  # the summary check reads every field clock: not on every sync
PUSH_BATCH = 1000
PAGE = 2000
SNAPSHOT_PAGE = 10_000  # rows (of one entity) per snapshot page
Progress = Callable[[str, int, int | None], None]


@dataclass
class SyncReport:
    """What one sync did."""

    pushed: int = 0
    batches: int = 0
    pulled: int = 0
    applied: int = 0
    created: int = 0
    deleted: int = 0
    conflicts: int = 0
    snapshot: bool = False
    resynced: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clock_offset_ms: int = 0
    cursor: int = 0
    duplicates: int = 0  # open duplicate proposals after the sync
    audit_sent: int = 0  # audit entries copied to the server
    erased: int = 0  # people erased on another computer, erased here too
    touched_contacts: set[str] = field(default_factory=set)


class SyncEngine:
    """Syncs one open database with one server."""

    def __init__(
        self,
        crm: Crm,
        transport: Transport | None = None,
        *,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        push_batch: int = PUSH_BATCH,
        page: int = PAGE,
        snapshot_page: int = SNAPSHOT_PAGE,
        check_every_s: float = CHECK_EVERY_S,
    ) -> None:
        self.crm = crm
        self.db = crm.db
        self._transport = transport
        self.progress = progress or (lambda stage, done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.push_batch = min(push_batch, 5000)
        self.page = min(page, MAX_PAGE)
        self.snapshot_page = min(snapshot_page, MAX_SNAPSHOT_ROWS)
        self.check_every_s = check_every_s
        self.report = SyncReport()
        self._nationals: dict[str, str] = {}  # E.164 -> national format, during a snapshot

    # -- settings ----------------------------------------------------------------

    def configure(self, server_url: str, username: str) -> None:
        """Remember the server and user (a new server starts from a snapshot)."""
        server_url = server_url.rstrip("/")
        with self.db.writing() as session:
            state = read_state(session)
            changes: dict[str, str | None] = {"server_url": server_url, "username": username}
            if state.get("server_url") != server_url or state.get("username") != username:
                changes.update(token=None)
            if state.get("server_url") not in (None, server_url):
                changes.update(
                    cursor=None, snapshot_entity=None, snapshot_after=None, snapshot_cursor=None
                )
            write_state(session, **changes)

    def state(self) -> dict[str, str]:
        """The sync_state table."""
        with self.db.reading() as session:
            return read_state(session)

    # -- the whole sync ----------------------------------------------------------

    def sync(self, password: str | None = None) -> SyncReport:
        """Hello, login if needed, push, pull, check; every failure is a SyncError."""
        state = self.state()
        url = state.get("server_url")
        if not url:
            raise SyncError("No sync server is set; run: crmdesk sync --server URL --user NAME.")
        own_transport = self._transport is None
        transport = self._transport or Transport(url)
        try:
            self._run(transport, state, password)
        except CrmdeskError as exc:
            self._remember_error(str(exc))
            raise
        finally:
            if own_transport:
                transport.close()
        return self.report

    def _run(self, transport: Transport, state: dict[str, str], password: str | None) -> None:
        self._hello(transport)
        transport.token = state.get("token")
        if transport.token is None:
            self._login(transport, state, password)
        try:
            self._exchange(transport)
        except SyncLoginRequired:
            if password is None:
                raise
            self._login(transport, state, password)
            self._exchange(transport)
        with self.db.writing() as session:
            write_state(session, last_sync=format_utc(utcnow()), last_error=None)
        if self.report.erased:
            self.db.flush_wal()  # no old image of an erased person's pages stays in the log
        self.report.duplicates = self.crm.duplicates.after_sync(self.report.touched_contacts)

    def _exchange(self, transport: Transport) -> None:
        self.progress("seed", 0, None)
        sync_seed.seed_unsynced(self.db)
        self.push_audit(transport)  # a restored or edited file stops here, before pushing
        self.push(transport)
        state = self.state()
        if "cursor" not in state:
            self.snapshot(transport)
        self.pull(transport)
        self.check(transport)
        self.push_audit(transport)  # with this sync's own entries

    # -- hello and login -----------------------------------------------------------

    def _hello(self, transport: Transport) -> None:
        self.progress("hello", 0, None)
        sent = time.time() * 1000
        hello = transport.hello()
        received = time.time() * 1000
        if hello.protocol_min > PROTOCOL_VERSION:
            raise SyncError(
                f"This crmdesk is too old for the server at {transport.url}; please update crmdesk."
            )
        if hello.protocol_max < PROTOCOL_VERSION:
            raise SyncError(
                f"The server at {transport.url} is older than this crmdesk; "
                "ask for the server to be updated."
            )
        offset = int(hello.server_time_ms - (sent + received) / 2)
        if abs(offset) > SKEW_WARNING_MS:
            self.report.warnings.append(
                f"This computer's clock is {abs(offset) // 1000} s "
                f"{'behind' if offset > 0 else 'ahead of'} the server's; "
                "sync uses the server's time."
            )
        self.report.clock_offset_ms = offset
        with self.db.writing() as session:
            write_state(session, clock_offset_ms=offset)

    def _login(self, transport: Transport, state: dict[str, str], password: str | None) -> None:
        username = state.get("username")
        if not username:
            raise SyncError("No sync user is set; run: crmdesk sync --server URL --user NAME.")
        if password is None:
            raise SyncLoginRequired(
                f"Log in to {transport.url} as {username}: a password is needed."
            )
        self.progress("login", 0, None)
        response = transport.login(LoginRequest(username, password, self.clock().node))
        with self.db.writing() as session:
            write_state(session, token=response.token, role=response.role)

    def clock(self) -> Clock:
        """This database's clock (node id made on first use)."""
        with self.db.writing() as session:
            conn = session.connection()
            clk = sync_capture.load_clock(conn, self.db)
            sync_capture.save_clock(conn, clk)
            return clk

    # -- audit trail ----------------------------------------------------------------

    def push_audit(self, transport: Transport) -> None:
        """Copy the audit entries the server lacks (see :mod:`crmdesk.sync.audit_sync`)."""
        self.progress("audit", 0, None)
        sent = audit_sync.push_audit(self.db, transport, self.clock().node, self._check_cancel)
        if sent is None:
            warning = "The server keeps no copy of the audit trail; ask for it to be updated."
            if warning not in self.report.warnings:
                self.report.warnings.append(warning)
        else:
            self.report.audit_sent += sent

    # -- push --------------------------------------------------------------------

    def push(self, transport: Transport) -> None:
        """Send the outbox in batches until it is empty."""
        total = self._count("SELECT count(*) FROM sync_outbox")
        done = 0
        restamped = False
        while True:
            self._check_cancel()
            batch_id, seq, changes = self._next_batch()
            if not changes:
                return
            self.progress("push", done, total)
            request = PushRequest(self.clock().node, batch_id, seq, changes)
            try:
                response = transport.push(request)
            except ServerRefused as exc:
                if exc.code != "clock_ahead" or restamped:
                    raise
                self._restamp()
                restamped = True
                continue
            with self.db.writing() as session:
                session.execute(
                    text("DELETE FROM sync_outbox WHERE batch_id = :b"), {"b": batch_id}
                )
                write_state(session, push_seq=seq, push_batch=None)
                applier = self._applier(session)
                self.report.conflicts += applier.record_conflicts(response.conflicts)
            done += len(changes)
            self.report.pushed += len(changes)
            self.report.batches += 1

    def _next_batch(self) -> tuple[str, int, list[Change]]:
        """The batch in flight, or a new one made of the oldest outbox rows."""
        with self.db.writing() as session:
            state = read_state(session)
            seq = int(state.get("push_seq", "0")) + 1
            batch_id = state.get("push_batch")
            if batch_id is None:
                ids = list(
                    session.execute(
                        text(
                            "SELECT id FROM sync_outbox WHERE batch_id IS NULL ORDER BY id LIMIT :n"
                        ),
                        {"n": self.push_batch},
                    ).scalars()
                )
                if not ids:
                    return "", seq, []
                batch_id = str(uuid.uuid4())
                session.execute(
                    text(
                        "UPDATE sync_outbox SET batch_id = :b WHERE batch_id IS NULL"
                        " AND id <= :last"
                    ),
                    {"b": batch_id, "last": ids[-1]},
                )
                write_state(session, push_batch=batch_id)
            rows = session.execute(
                text(
                    "SELECT entity, row_id, field, value, stamp, base FROM sync_outbox"
                    " WHERE batch_id = :b ORDER BY id"
                ),
                {"b": batch_id},
            ).all()
        changes = [
            Change(entity=e, row_id=r, field=f, value=json.loads(v), stamp=s, base=b)
            for e, r, f, v, s, b in rows
        ]
        return batch_id, seq, changes

    def _restamp(self) -> None:
        """The server refused stamps of a clock that ran ahead (and stored nothing):
        stamp every change still in the outbox again, now on the server's time."""
        with self.db.writing() as session:
            conn = session.connection()
            clk = sync_capture.load_clock(conn, self.db)
            clk.rewind()
            rows = session.execute(
                text("SELECT id, entity, row_id, field FROM sync_outbox ORDER BY id")
            ).all()
            for outbox_id, entity, row_id, name in rows:
                stamp = str(clk.now())
                session.execute(
                    text("UPDATE sync_outbox SET stamp = :s WHERE id = :i"),
                    {"s": stamp, "i": outbox_id},
                )
                session.execute(
                    text(
                        "UPDATE sync_clocks SET stamp = :s WHERE entity = :e AND row_id = :r"
                        " AND field = :f AND stamp > :s"
                    ),
                    {"s": stamp, "e": entity, "r": row_id, "f": name},
                )
            write_state(session, clock=str(clk.last()))

    # -- pull and snapshot ----------------------------------------------------------

    def pull(self, transport: Transport) -> None:
        """Apply pages of changes until the server has no more (the next page is
        fetched while this one is applied)."""
        cursor = int(self.state().get("cursor", "0"))
        with ThreadPoolExecutor(1) as fetcher:
            coming = fetcher.submit(transport.pull, cursor, self.page)
            while True:
                self._check_cancel()
                self.progress("pull", self.report.pulled, None)
                page = coming.result()
                if page.has_more:
                    coming = fetcher.submit(transport.pull, page.next_cursor, self.page)
                self._apply_pull(page)
                if not page.has_more:
                    return

    def _apply_pull(self, page: PullResponse) -> None:
        with self.db.writing() as session:
            applier = self._applier(session)
            counts = applier.apply(page.changes)
            applier.record_conflicts(page.conflicts)
            write_state(session, cursor=page.next_cursor)
            self._audit_page(session, applier, "pull", page.next_cursor)
        self._count_page(counts)
        self.report.cursor = page.next_cursor

    def snapshot(self, transport: Transport, only: set[str] | None = None) -> None:
        """Fetch the live values page by page, entity by entity in the order rows
        can be written (parents first): all of them (first sync, resumable), or
        again for the entities in ``only`` (after a failed check). The next page is
        fetched while this one is applied; the search index is rebuilt once, with
        the last page."""
        self.report.snapshot = True
        keys = ("resync_entity", "resync_after") if only else ("snapshot_entity", "snapshot_after")
        order = [e for e in WRITE_ORDER if only is None or e in only]
        if not order:
            return
        state = self.state()
        at: tuple[int, str | None] = (0, None)
        if state.get(keys[0]) in order:
            at = (order.index(state[keys[0]]), state.get(keys[1]))
        self._nationals = {}
        size = self.snapshot_page
        with ThreadPoolExecutor(1) as fetcher:
            coming = fetcher.submit(transport.snapshot_rows, order[at[0]], at[1], size)
            while True:
                self._check_cancel()
                self.progress("snapshot", self.report.pulled, None)
                page = coming.result()
                following: tuple[int, str | None] | None = (at[0], page.next_after)
                if page.next_after is None:
                    following = (at[0] + 1, None) if at[0] + 1 < len(order) else None
                if following is not None:
                    coming = fetcher.submit(
                        transport.snapshot_rows, order[following[0]], following[1], size
                    )
                place = None if following is None else (order[following[0]], following[1])
                self._apply_snapshot(page, keys, place, only)
                if following is None:
                    return
                at = following

    def _apply_snapshot(
        self,
        page: SnapshotRows,
        keys: tuple[str, str],
        place: tuple[str, str | None] | None,
        only: set[str] | None,
    ) -> None:
        """Apply one page with the place to continue from (None: the snapshot is done)."""
        with self.db.writing() as session:
            applier = self._applier(session, index=False)
            applier.apply_rows(page.entity, page.rows)
            write_state(session, **dict(zip(keys, place or (None, None), strict=True)))
            if not only:
                state = read_state(session)
                if "snapshot_cursor" not in state:
                    write_state(session, snapshot_cursor=page.cursor)
                if place is None:
                    cursor = int(read_state(session)["snapshot_cursor"])
                    write_state(session, cursor=cursor, snapshot_cursor=None)
                    self.report.cursor = cursor
            if place is None:
                contacts = session.execute(text("SELECT id FROM contacts")).scalars()
                fts.reindex_contacts(session, contacts, self._nationals)
            self._audit_page(session, applier, "snapshot", page.cursor)
        self._count_page(applier.counts)

    # -- summary check -----------------------------------------------------------

    def check(self, transport: Transport) -> list[str]:
        """Compare checksums with the server's; re-snapshot the entities that differ.

        Runs after a snapshot and otherwise once per ``check_every_s``; skipped
        while changes wait to be sent."""
        state = self.state()
        due = time.time() - float(state.get("last_check", "0")) >= self.check_every_s
        if not (due or self.report.snapshot) or self._count("SELECT count(*) FROM sync_outbox"):
            return []
        self.progress("check", 0, None)
        summary = transport.summary()
        if summary.cursor != int(state.get("cursor", "-1")):
            return []  # someone pushed meanwhile: the next sync compares
        local = self.local_summary()
        differing = []
        for entity, theirs in summary.entities.items():
            mine = local.get(entity, (0, checksum_hex(0)))
            if mine[1] != theirs.checksum:
                log.warning(
                    "sync check: %s differs (here %d rows, server %d); fetching it again",
                    entity,
                    mine[0],
                    theirs.rows,
                )
                differing.append(entity)
        if differing:
            self.snapshot(transport, set(differing))
        with self.db.writing() as session:
            write_state(session, last_check=f"{time.time():.3f}")
        self.report.resynced = differing
        return differing

    def local_summary(self) -> dict[str, tuple[int, str]]:
        """Per entity: rows with a field clock here and the checksum of the clocks."""
        out: dict[str, tuple[int, str]] = {}
        with self.db.reading() as session:
            conn = session.connection().connection.dbapi_connection
            assert conn is not None
            for entity in specs():
                rows = conn.execute(
                    "SELECT count(DISTINCT row_id) FROM sync_clocks WHERE entity = ?", (entity,)
                ).fetchone()[0]
                if rows:
                    keys = conn.execute(  # as UTF-8 bytes, ready to hash
                        "SELECT CAST(entity || '|' || row_id || '|' || field || '|' || stamp"
                        " AS BLOB) FROM sync_clocks WHERE entity = ?",
                        (entity,),
                    )
                    value = xor_of_digests(map(itemgetter(0), keys))
                    out[entity] = (int(rows), checksum_hex(value))
        return out

    # -- helpers -------------------------------------------------------------------

    def _applier(self, session: Session, *, index: bool = True) -> Applier:
        clk = sync_capture.load_clock(session.connection(), self.db)
        if index:
            return Applier(session, clk, self.crm.region)
        return Applier(session, clk, self.crm.region, index=False, nationals=self._nationals)

    def _audit_page(self, session: Session, applier: Applier, kind: str, cursor: int) -> None:
        sync_capture.save_clock(session.connection(), applier.clock)
        counts = applier.counts
        audit.append(
            session,
            self.crm.ctx.actor_id,
            "sync",
            "sync",
            None,
            f"{kind} page: {counts.applied} fields applied",
            {**counts.as_dict(), "cursor": cursor},
        )

    def _count_page(self, counts: ApplyCounts) -> None:
        self.report.pulled += counts.received
        self.report.applied += counts.applied
        self.report.created += counts.created
        self.report.deleted += counts.deleted
        self.report.erased += counts.erased
        self.report.conflicts += counts.conflicts
        self.report.touched_contacts |= counts.touched_contacts

    def _count(self, sql: str) -> int:
        with self.db.reading() as session:
            return int(session.execute(text(sql)).scalar_one())

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise SyncCancelled("Sync cancelled; what was received so far is kept.")

    def _remember_error(self, message: str) -> None:
        try:
            with self.db.writing() as session:
                write_state(session, last_error=message)
        except CrmdeskError:
            log.exception("could not record the sync error")


def describe(report: SyncReport) -> dict[str, Any]:
    """The report as plain data (CLI JSON output)."""
    return {
        "pushed": report.pushed,
        "batches": report.batches,
        "pulled": report.pulled,
        "applied": report.applied,
        "created": report.created,
        "deleted": report.deleted,
        "conflicts": report.conflicts,
        "snapshot": report.snapshot,
        "resynced": report.resynced,
        "warnings": report.warnings,
        "cursor": report.cursor,
        "duplicates": report.duplicates,
        "audit_sent": report.audit_sent,
    }
