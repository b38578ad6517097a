"""Fault test: kill a process in the middle of writing; nothing committed is
lost, nothing half-written appears, and the file still opens and verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from crmdesk.services.app import Crm

PASS = "correct horse battery"

WRITER = """
import sys
from pathlib import Path
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, PhoneInput
crm = Crm.open(Path(sys.argv[1]), sys.argv[2], region="FI")
i = 0
while True:
    cid = crm.contacts.create("person", ContactPatch(
        first_name=f"Writer{i}", last_name="Killed", add_phones=[PhoneInput(f"040 {i:07d}")]))
    crm.activities.log(cid, "note", f"note {i}")
    print(i, cid, flush=True)
    i += 1
"""


def test_kill_during_writes_keeps_committed_rows(tmp_path: Path) -> None:
    db_path = tmp_path / "crm.db"
    Crm.create(db_path, PASS, region="FI").close()
    env = dict(os.environ, CRMDESK_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), PASS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    committed: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while len(committed) < 25 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.append(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=10)
    assert len(committed) >= 25, stderr

    crm = Crm.open(db_path, PASS, region="FI")
    try:
        with crm.db.reading() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert session.execute(text("PRAGMA cipher_integrity_check")).all() == []
        found = {s.id for s in crm.queries.summaries(committed)}
        assert found == set(committed)
        # Every contact that exists is whole: its phone, its note and its index entry.
        for summary in crm.queries.page(limit=10_000):
            card = crm.queries.card(summary.id)
            assert len(card.phones) == 1
            assert [a.kind for a in card.recent_activities] in (["note"], [])
        assert crm.verify_audit().ok
        assert len(crm.search.search("killed", limit=10_000)) == crm.queries.count()
    finally:
        crm.close()
