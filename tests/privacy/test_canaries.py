"""Canary values planted through the services never appear in the clear in the
database folder, the log files or temporary files, through a day's normal work:
an import, an export, a sync, a command-line search and a crash mid-write."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from privacy_people import add_person
from server_thread import start_server
from synctools import PASSPHRASE, sync

from crmdesk.cli import main
from crmdesk.config import paths
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest
from crmdesk.services.imports import ImportOptions
from crmdesk.services.inputs import ContactPatch
from crmdesk.sync.engine import SyncEngine

pytestmark = pytest.mark.slow
CANARIES = (
    "Quillon",
    "Zarvaxe",
    "quillon.zarvaxe@canary.example",
    "409182736",
    "Vexbrindle",
    "oaklumpe@canary.example",
    "457723419",
)
CHILD = """
import sys
from pathlib import Path
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
crm = Crm.open(Path(sys.argv[1]), sys.argv[2], region="FI")
n = 0
while True:
    crm.contacts.update(sys.argv[3], ContactPatch(notes=f"Zarvaxe visit {n}"))
    print(n, flush=True)
    n += 1
"""


def _files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


def _leaks(files: list[Path]) -> list[tuple[str, str]]:
    found = []
    for path in files:
        data = path.read_bytes()
        for canary in CANARIES:
            for form in {canary, canary.lower(), canary.upper()}:
                if form.encode("utf-8") in data or form.encode("utf-16-le") in data:
                    found.append((path.name, canary))
    return found


def _crash_mid_write(db: Path, contact_id: str, env: dict[str, str]) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), PASSPHRASE, contact_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    for _ in range(5):  # a few committed edits, then killed in the middle of the next
        assert child.stdout.readline(), child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=10)


def test_canaries_stay_encrypted_through_a_days_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, temp, source, out = (tmp_path / n for n in ("data", "tmp", "source", "out"))
    for folder in (data, temp, source, out):
        folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("CRMDESK_PASSPHRASE", PASSPHRASE)
    server, stop = start_server(tmp_path)
    db = data / "crm.db"
    crm = Crm.create(db, PASSPHRASE, region="FI", currency="EUR", owner="anna")
    try:
        SyncEngine(crm).configure(server.url, "anna")
        cid = add_person(
            crm, "Quillon", "Zarvaxe", "quillon.zarvaxe@canary.example", "+358 40 9182736"
        )
        crm.contacts.update(cid, ContactPatch(notes="Quillon Zarvaxe prefers e-mail"))
        with (source / "people.csv").open("w", newline="", encoding="utf-8") as fh:
            rows = csv.writer(fh)
            rows.writerow(["First name", "Last name", "E-mail", "Phone"])
            rows.writerow(["Vexbrindle", "Oaklumpe", "oaklumpe@canary.example", "045 7723419"])
            rows.writerow(["Plain", "Person", "plain@example.com", "040 1000001"])
        assert crm.imports.run(ImportOptions(source / "people.csv")).created == 2
        crm.exports.export(ExportRequest("contacts", out / "contacts.csv"))
        sync(crm)
    finally:
        crm.close()
    try:
        assert main(["--db", str(db), "search", "Zarvaxe"]) == 0
        assert "Quillon Zarvaxe" in capsys.readouterr().out
        env = dict(os.environ)
        _crash_mid_write(db, cid, env)
        after_crash = _files(data, paths.log_dir(), temp)
        assert any(p.name.endswith("-wal") for p in after_crash)
        assert _leaks(after_crash) == []
        crm = Crm.open(db, PASSPHRASE, region="FI")
        try:
            assert crm.queries.card(cid).notes.startswith("Zarvaxe visit")
            assert crm.verify_audit().ok
            sync(crm)
        finally:
            crm.close()
    finally:
        stop()

    exported = _leaks(_files(out))
    assert ("contacts.csv", "Zarvaxe") in exported  # the scan finds what is in the clear
    scanned = _files(data, paths.log_dir(), temp)
    assert any(p.suffix == ".log" for p in scanned)
    assert any(p.name == "crm.db" for p in scanned)
    places = {p.name for p in scanned} | {p.name for p in after_crash}
    print(f"canary scan: {len(places)} files ({', '.join(sorted(places))}), twice")
    assert _leaks(scanned) == []
