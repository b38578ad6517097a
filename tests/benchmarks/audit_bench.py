"""Audit trail benchmark: copying a laptop's chain to the server, verifying it, tracing.

    .venv/bin/python tests/benchmarks/audit_bench.py [--entries 100000]

Starts ``crmdesk-server serve`` in its own process on 127.0.0.1 (SQLite in a
temporary folder); a laptop whose trail holds ``--entries`` entries (written
by the audit service in one transaction: set-up, not measured) then:

1. copies its whole chain to the server (what the first sync after this
   feature costs such a laptop), then 1,000 new entries (a busy day);
2. verifies its own chain, and the server verifies its copy;
3. exports its contacts with a watermark and traces the file.

Prints a Markdown table and writes it to ``tests/benchmarks/audit_latest.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from server_bench import start_server

from crmdesk.server import accounts, audit_chains
from crmdesk.server.storage import ServerDatabase
from crmdesk.services import audit
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest
from crmdesk.services.inputs import ContactPatch
from crmdesk.sync import audit_sync
from crmdesk.sync.engine import SyncEngine
from crmdesk.sync.transport import Transport

PASS = "benchmark passphrase"
PASSWORD = "benchmark password"
OUT = Path(__file__).parent / "audit_latest.md"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def append_entries(crm: Crm, count: int) -> None:
    with crm.db.writing() as session:
        for n in range(count):
            audit.append(
                session,
                crm.ctx.actor_id,
                "update",
                "contact",
                f"id-{n}",
                f"Contact {n}",
                {"first_name": [f"Old {n}", f"New {n}"]},
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crmdesk-audit-bench-"))
    rows: list[tuple[str, str]] = []
    try:
        url = f"sqlite+pysqlite:///{folder / 'server.db'}"
        db, _ = ServerDatabase.initialise(url)
        accounts.add_user(db, "anna", PASSWORD, "salesperson")
        process, base = start_server(url, 1)
        crm = Crm.create(folder / "laptop.db", PASS, region="FI", currency="EUR", owner="anna")
        try:
            append_entries(crm, args.entries)
            for n in range(200):
                crm.contacts.create("person", ContactPatch(first_name=f"P{n}", last_name="Aho"))
            engine = SyncEngine(crm)
            engine.configure(base, "anna")
            node = engine.clock().node
            transport = Transport(base)
            transport.token = accounts.login(db, "anna", PASSWORD, node).token
            with crm.db.reading() as session:
                length, _ = audit.head(session)
            seconds, sent = timed(lambda: audit_sync.push_audit(crm.db, transport, node, _no))
            rows.append(
                (
                    f"copy a chain of {length:,} entries to the server",
                    f"{seconds:.2f} s ({sent / seconds:,.0f} entries/s)",
                )
            )
            append_entries(crm, 1000)
            seconds, sent = timed(lambda: audit_sync.push_audit(crm.db, transport, node, _no))
            rows.append(("copy 1,000 new entries", f"{seconds * 1000:.0f} ms"))
            seconds, _ = timed(lambda: audit_sync.push_audit(crm.db, transport, node, _no))
            rows.append(("nothing new (the check every sync makes)", f"{seconds * 1000:.1f} ms"))
            transport.close()
            seconds, report = timed(crm.verify_audit)
            rows.append((f"verify {report.entries:,} entries on the laptop", f"{seconds:.2f} s"))
            seconds, report = timed(lambda: audit_chains.verify(db, node))
            rows.append((f"verify {report.entries:,} entries on the server", f"{seconds:.2f} s"))
            crm.audit.set_watermarked(crm.ctx.actor_id or "", True)
            target = folder / "contacts.csv"
            crm.exports.export(ExportRequest("contacts", target))
            seconds, matches = timed(lambda: crm.audit.trace(target))
            rows.append(
                (
                    f"trace a 200-row export among {len(matches)} watermarked",
                    f"{seconds * 1000:.0f} ms",
                )
            )
        finally:
            crm.close()
            process.terminate()
            process.wait()
            db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"Audit trail, {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, server on 127.0.0.1 (SQLite, own process); load {load}.",
        "",
        "| measure | result |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.write_text(text, encoding="utf-8")


def _no() -> None:
    """Never cancelled."""


if __name__ == "__main__":
    main()
