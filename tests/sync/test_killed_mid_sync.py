"""A laptop killed (SIGKILL) in the middle of its first sync and of a later pull:
the file opens, the next sync resumes where the last applied page left it, and
the laptop ends up holding exactly what the other laptop holds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text
from synctools import PASSPHRASE, USER_PASSWORD, LiveServer, canonical, new_replica, sync

from crmdesk.services.app import Crm
from crmdesk.services.demo import generate
from crmdesk.store import cipher, database
from crmdesk.sync.engine import SyncEngine


def _state(path: Path, raw_key: str) -> dict[str, str]:
    """The sync_state table of the file, read beside the running sync (WAL)."""
    conn = cipher.connect(path, raw_key)
    try:
        return dict(conn.execute("SELECT key, value FROM sync_state").fetchall())
    finally:
        conn.close()


def _rows(crm: Crm) -> int:
    """Synced rows held, of every entity."""
    return sum(len(rows) for rows in canonical(crm).values())


def _fields(crm: Crm) -> int:
    """Synced field values held (one clock each)."""
    with crm.db.reading() as session:
        return int(session.execute(text("SELECT count(*) FROM sync_clocks")).scalar_one())


def _sync_and_kill(path: Path, tmp_path: Path, applied: object) -> None:
    """Sync the laptop at ``path`` in its own process; SIGKILL it once ``applied(state)``."""
    env = {
        **os.environ,
        "CRMDESK_HOME": str(tmp_path / "home"),
        "CRMDESK_PASSPHRASE": PASSPHRASE,
        "CRMDESK_SYNC_PASSWORD": USER_PASSWORD,
        "CRMDESK_REGION": "FI",
    }
    raw_key = database.raw_key(path, PASSPHRASE)
    # The laptop's sync engine in its own process, with small pages so that there
    # are many pages to be killed between.
    code = (
        "import sys; from crmdesk.services.app import Crm;"
        " from crmdesk.sync.engine import SyncEngine;"
        " crm = Crm.open(sys.argv[1], sys.argv[2], region='FI');"
        " SyncEngine(crm, page=200, snapshot_page=200).sync(sys.argv[3])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path), PASSPHRASE, USER_PASSWORD],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while not applied(_state(path, raw_key)):  # type: ignore[operator]
            assert process.poll() is None, (
                "the sync ended before a page was applied: " + process.stderr.read().decode()  # type: ignore[union-attr]
            )
            assert time.monotonic() < deadline, "no page was applied in two minutes"
            time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()  # type: ignore[union-attr]


def test_killed_mid_snapshot_and_mid_pull_resumes_and_converges(
    tmp_path: Path, server: LiveServer
) -> None:
    anna = new_replica(tmp_path, "anna")
    SyncEngine(anna).configure(server.url, "anna")
    generate(anna, 800, seed=7)
    sync(anna)
    path = tmp_path / "bo.db"
    bo = new_replica(tmp_path, "bo")
    SyncEngine(bo).configure(server.url, "bo")
    bo.close()

    # First sync: killed after its first snapshot page, before the last.
    _sync_and_kill(path, tmp_path, lambda state: state.get("snapshot_after") is not None)
    bo = Crm.open(path, PASSPHRASE, region="FI")
    assert bo.db.schema_version() > 0  # the file opens after the kill
    assert 0 < _rows(bo) < _rows(anna)
    resumed = sync(bo)
    assert resumed.snapshot and 0 < resumed.pulled < _fields(anna)  # not started over
    assert canonical(bo) == canonical(anna)
    cursor = SyncEngine(bo).state()["cursor"]
    bo.close()

    # A later pull of many changes: killed after its first page.
    generate(anna, 800, seed=8)
    sync(anna)
    _sync_and_kill(path, tmp_path, lambda state: state.get("cursor") != cursor)
    bo = Crm.open(path, PASSPHRASE, region="FI")
    try:
        assert _rows(bo) < _rows(anna)
        sync(bo)
        assert canonical(bo) == canonical(anna)
    finally:
        bo.close()
        anna.close()
