"""Sync client benchmark: first sync of a big shop, small pushes and pulls, metadata size.

    .venv/bin/python tests/benchmarks/sync_bench.py [--contacts 100000] [--changes 1000]

Starts ``crmdesk-server serve`` in its own process on 127.0.0.1 (SQLite in a
temporary folder), then:

1. fills the server with ``--contacts`` people as one laptop would push them
   (each with a phone, an e-mail, a tag and its stage history; pushed through
   the server's own push function, which is set-up, not measured);
2. a new laptop (a fresh encrypted database) does its first sync over HTTP:
   snapshot, pull, summary check (target < 15 s for 100,000 contacts), with
   the wall and CPU time of each phase, of the laptop and of the server;
3. that laptop edits ``--changes`` fields through the services and syncs
   (push), and a second synced laptop syncs (pull): time of each and of both
   (target < 1 s for 1,000);
4. the size of the sync bookkeeping (field clocks) beside the data it covers.

Prints a Markdown table and writes it to ``tests/benchmarks/sync_latest.md``.
Timings are reported, not asserted: shared machines are noisy, so CPU times
and the load average are given beside the wall times.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from server_bench import start_server

from crmdesk.domain.hlc import Clock
from crmdesk.domain.ids import named_id, new_id
from crmdesk.server import accounts, merge
from crmdesk.server.storage import ServerDatabase
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.services.sync_entities import DELETED, spec
from crmdesk.store import cipher, database
from crmdesk.sync.engine import SyncEngine
from crmdesk.sync.protocol import Change, PushRequest

PASS = "benchmark passphrase"
PASSWORD = "benchmark password"
OUT = Path(__file__).parent / "sync_latest.md"
FIRST = ("Anna", "Bo", "Cai", "Dora", "Eino", "Frida", "Gus", "Hilma", "Ilmari", "Jaana")
LAST = ("Aho", "Berg", "Carlsson", "Dahl", "Ek", "Forsman", "Grön", "Heino", "Ivanov", "Järvi")


def fill_server(db: ServerDatabase, contacts: int) -> tuple[int, list[str]]:
    """Push ``contacts`` people as a laptop named 'seed' would; returns changes and ids."""
    who = accounts.authenticate(db, accounts.login(db, "seed", PASSWORD, "seednode").token)
    clock = Clock("seednode")
    owner = new_id()
    tag = named_id("tag", "customer")
    now = "2026-11-23T09:00:00.000Z"
    changes: list[Change] = [
        Change("tags", tag, "name", "customer", str(clock.now())),
        Change("tags", tag, "created_at", now, str(clock.now())),
    ]
    links = spec("contact_tags")
    assert links is not None
    ids = []
    for i in range(contacts):
        cid = new_id()
        ids.append(cid)
        fields = {
            "kind": "person",
            "first_name": FIRST[i % 10],
            "last_name": f"{LAST[(i // 10) % 10]}{i}",
            "company_name": "",
            "title": "",
            "stage": "lead",
            "source": "benchmark",
            "owner_id": owner,
            "website": "",
            "notes": f"customer number {i}",
            "consent_marketing": i % 2 == 0,
            "discount_bp": 0,
            "price_list": "",
            "created_at": now,
        }
        changes += [Change("contacts", cid, k, v, str(clock.now())) for k, v in fields.items()]
        phone, email, history = new_id(), new_id(), new_id()
        for entity, row, values in (
            (
                "contact_phones",
                phone,
                {"contact_id": cid, "label": "mobile", "raw": f"040 {i:07d}", "position": 0},
            ),
            (
                "contact_emails",
                email,
                {"contact_id": cid, "label": "", "address": f"person{i}@example.fi", "position": 0},
            ),
            (
                "stage_history",
                history,
                {"contact_id": cid, "to_stage": "lead", "changed_at": now, "user_id": owner},
            ),
        ):
            changes += [Change(entity, row, k, v, str(clock.now())) for k, v in values.items()]
        link = links.row_id({"contact_id": cid, "tag_id": tag})
        changes.append(Change("contact_tags", link, DELETED, False, str(clock.now())))
    step = 5000
    for seq, start in enumerate(range(0, len(changes), step), start=1):
        batch = PushRequest("seednode", new_id(), seq, changes[start : start + step])
        merge.push(db, who, batch, accounts.now_ms())
    return len(changes), ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Phases:
    """Wall and CPU time (this process and the server's) between progress stages."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.marks: list[tuple[str, float, float, float]] = []
        self.mark("start")

    def mark(self, stage: str) -> None:
        if not self.marks or self.marks[-1][0] != stage:
            now = (time.perf_counter(), time.process_time(), cpu_seconds(self.server_pid))
            self.marks.append((stage, *now))

    def progress(self, stage: str, done: int, total: int | None) -> None:
        self.mark(stage)

    def rows(self) -> list[tuple[str, str]]:
        """One table row per phase (until the mark "end"): wall, laptop CPU, server CPU."""
        out = []
        for (stage, wall, cpu, server), (_, wall2, cpu2, server2) in zip(
            self.marks, self.marks[1:], strict=False
        ):
            if stage not in ("start", "end"):
                out.append(
                    (
                        f"    {stage}",
                        f"{wall2 - wall:.2f} s (laptop CPU {cpu2 - cpu:.2f} s, "
                        f"server CPU {server2 - server:.2f} s)",
                    )
                )
        return out


def laptop(folder: Path, name: str, url: str) -> Crm:
    crm = Crm.create(folder / f"{name}.db", PASS, region="FI", currency="EUR", owner=name)
    SyncEngine(crm).configure(url, name)
    return crm


def sizes(crm: Crm, folder: Path) -> tuple[int, int]:
    """Bytes on disk of the sync bookkeeping, and of everything else (a vacuumed
    copy, measured with and without the sync tables' rows)."""
    copy = folder / "measure.db"
    crm.db.backup_to(copy)
    conn = cipher.connect(copy, database.raw_key(copy, PASS))
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with_sync = copy.stat().st_size
        for table in ("sync_clocks", "sync_outbox", "sync_pending", "sync_conflicts"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        without = copy.stat().st_size
    finally:
        conn.close()
    return with_sync - without, without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crmdesk-sync-bench-"))
    os.environ["CRMDESK_HOME"] = str(folder / "home")
    url = f"sqlite+pysqlite:///{folder / 'server.db'}"
    db, _ = ServerDatabase.initialise(url)
    for name in ("seed", "anna", "bo"):
        accounts.add_user(db, name, PASSWORD, "salesperson")
    started = time.perf_counter()
    total, ids = fill_server(db, args.contacts)
    fill_s = time.perf_counter() - started
    db.close()
    process, base = start_server(url, 1)
    rows = []
    try:
        a = laptop(folder, "anna", base)
        phases = Phases(process.pid)
        started, cpu = time.perf_counter(), time.process_time()
        server_cpu = cpu_seconds(process.pid)
        first = SyncEngine(a, progress=phases.progress).sync(PASSWORD)
        phases.mark("end")
        first_s = time.perf_counter() - started
        first_cpu = time.process_time() - cpu
        first_server = cpu_seconds(process.pid) - server_cpu
        load = os.getloadavg()
        assert first.snapshot and first.created >= args.contacts and not first.resynced, first
        b = laptop(folder, "bo", base)
        SyncEngine(b).sync(PASSWORD)
        n = min(args.changes, len(ids))
        for i, cid in enumerate(ids[:n]):
            a.contacts.update(cid, ContactPatch(notes=f"changed {i}"))
        started = time.perf_counter()
        pushed = SyncEngine(a).sync(PASSWORD)
        push_s = time.perf_counter() - started
        started = time.perf_counter()
        pulled = SyncEngine(b).sync(PASSWORD)
        pull_s = time.perf_counter() - started
        assert b.queries.card(ids[0]).notes == "changed 0"
        sync_bytes, data_bytes = sizes(b, folder)
        rows = [
            ("server filled (set-up, not measured)", f"{total:,} field changes in {fill_s:.1f} s"),
            (
                f"first sync of {args.contacts:,} contacts (snapshot, pull, check)",
                f"{first_s:.2f} s ({first.pulled:,} field values, "
                f"{first.pulled / first_s:,.0f}/s; target < 15 s at 100,000); "
                f"CPU: laptop {first_cpu:.2f} s, server {first_server:.2f} s; "
                f"load average {load[0]:.1f}",
            ),
            *phases.rows(),
            (
                f"push of {pushed.pushed:,} field changes (one laptop's sync)",
                f"{push_s * 1000:.0f} ms",
            ),
            (
                f"pull of them ({pulled.pulled:,} received, another laptop's sync)",
                f"{pull_s * 1000:.0f} ms",
            ),
            ("push + pull", f"{(push_s + pull_s) * 1000:.0f} ms (target < 1,000 ms)"),
            (
                "sync bookkeeping (field clocks) / the rest of the file, vacuumed",
                f"{sync_bytes / 1e6:.1f} MB / {data_bytes / 1e6:.1f} MB "
                f"= {sync_bytes / max(data_bytes, 1):.2f}",
            ),
        ]
        a.close()
        b.close()
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    header = (
        f"Sync client, {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, server on 127.0.0.1 (SQLite, own process).\n\n"
        "| measure | result |\n| --- | --- |\n"
    )
    table = header + "\n".join(f"| {m} | {r} |" for m, r in rows) + "\n"
    print(table)
    OUT.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
