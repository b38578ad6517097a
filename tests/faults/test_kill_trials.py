"""Fault test: a writer killed (SIGKILL) again and again in the middle of write loops
(create, trash and purge, erase) and of imports. After every kill the file opens,
passes both integrity checks, the audit chain verifies, every row the child
reported as committed is there and every purged or erased one is gone."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.services.app import Crm

PASS = "correct horse battery"
TRIALS = 8
pytestmark = pytest.mark.slow

CHILD = """
import csv, sys
from pathlib import Path
from crmdesk.services.app import Crm
from crmdesk.services.imports import ImportOptions
from crmdesk.services.inputs import ContactPatch, PhoneInput
db, passphrase, mode, trial = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
crm = Crm.open(db, passphrase, region="FI")
n = 0
while True:
    tag = f"t{trial}n{n}"
    if mode == "import":
        path = db.parent / f"import-{tag}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["First name", "Last name", "Phone"])
            for i in range(120):
                out.writerow([f"Imp{tag}x{i}", "Killed", f"040 {trial}{n:03d}{i:03d}"])
        result = crm.imports.run(ImportOptions(path))
        print("import", result.import_id, result.created, flush=True)
    else:
        cid = crm.contacts.create("person", ContactPatch(
            first_name=f"Wri{tag}", last_name="Killed", add_phones=[PhoneInput(f"050 {n:07d}")]))
        crm.activities.log(cid, "note", f"note {tag}")
        if n % 3 == 1:
            crm.contacts.delete(cid)
            crm.trash.purge("contact", cid)
            print("gone", cid, flush=True)
        elif n % 5 == 2:
            crm.privacy.erase(cid, f"Wri{tag} Killed")
            print("gone", cid, flush=True)
        else:
            print("live", cid, flush=True)
    n += 1
"""


def _trial(db: Path, mode: str, trial: int, after: int, env: dict[str, str]) -> list[str]:
    """Run the child until it has reported ``after`` commits, kill it; every report."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), PASS, mode, str(trial)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    lines = []
    while len(lines) < after:
        line = child.stdout.readline()
        assert line, child.stderr.read() if child.stderr else "child ended"
        lines.append(line)
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return lines + rest.splitlines()


def _lost(crm: Crm, reports: list[str]) -> int:
    """Committed rows missing (or purged rows still there) after a kill."""
    lost = 0
    with crm.db.reading() as session:
        for report in reports:
            kind, row_id, *rest = report.split()
            if kind == "import":
                held = session.execute(
                    text("SELECT count(*) FROM import_items WHERE import_id = :i"), {"i": row_id}
                ).scalar_one()
                lost += int(rest[0]) - int(held)
                continue
            there = session.execute(
                text("SELECT count(*) FROM contacts WHERE id = :i"), {"i": row_id}
            ).scalar_one()
            lost += (kind == "live") != bool(there)
    return lost


def test_repeated_kills_lose_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    Crm.create(db, PASS, region="FI").close()
    env = dict(os.environ, CRMDESK_HOME=str(tmp_path / "home"))
    rng = random.Random(6)
    reports: list[str] = []
    lost = 0
    for trial in range(TRIALS):
        mode = "import" if trial % 2 else "write"
        reports += _trial(db, mode, trial, rng.randint(2, 6), env)
        crm = Crm.open(db, PASS, region="FI")
        try:
            with crm.db.reading() as session:
                assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
                assert session.execute(text("PRAGMA cipher_integrity_check")).all() == []
            assert crm.verify_audit().ok
            lost += _lost(crm, reports)
        finally:
            crm.close()
    print(f"kill trials: {TRIALS}, commits reported: {len(reports)}, rows lost: {lost}")
    assert lost == 0
    assert sum(r.startswith("gone") for r in reports) >= 2
