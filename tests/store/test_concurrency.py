"""Two writers on one file: the second waits for the first (busy timeout), both land."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.errors import DatabaseBusy
from crmdesk.store import cipher
from crmdesk.store.database import Database

PASS = "correct horse battery"
HOLD_SECONDS = 1.0


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db = Database.create(tmp_path / "crm.db", PASS)
    db.close()
    return db.path


@pytest.fixture
def two(path: Path) -> Iterator[tuple[Database, Database]]:
    """Two independent Database objects (two engines, two pools) on the same file."""
    first, second = Database.open(path, PASS), Database.open(path, PASS)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _put(db: Database, key: str, value: str = "") -> None:
    with db.writing() as session:
        session.execute(
            text("INSERT INTO settings (key, value) VALUES (:k, :v)"), {"k": key, "v": value}
        )


def _settings(db: Database) -> dict[str, str]:
    with db.reading() as session:
        rows = session.execute(text("SELECT key, value FROM settings")).all()
    return {key: value for key, value in rows}


def _hold_write_lock(db: Database, held: threading.Event, seconds: float) -> None:
    with db.writing() as session:
        # The first statement begins the transaction with BEGIN IMMEDIATE: the lock is ours.
        session.execute(text("INSERT INTO settings (key, value) VALUES ('first', 'held')"))
        held.set()
        time.sleep(seconds)


def test_second_writer_waits_for_the_first_then_both_land(
    two: tuple[Database, Database],
) -> None:
    first, second = two
    held = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _hold_write_lock(first, held, HOLD_SECONDS)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        _put(second, "second", "waited")
        waited = time.monotonic() - started
    finally:
        thread.join()
    assert errors == []
    assert waited >= HOLD_SECONDS / 2  # it really had to wait for the lock
    assert _settings(first) == {"first": "held", "second": "waited"}
    assert _settings(second) == {"first": "held", "second": "waited"}


def test_readers_are_not_blocked_by_a_writer(two: tuple[Database, Database]) -> None:
    first, second = two
    _put(first, "before")
    assert _settings(second) == {"before": ""}  # its pool has a connection ready
    held = threading.Event()
    thread = threading.Thread(target=_hold_write_lock, args=(first, held, HOLD_SECONDS))
    thread.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        seen = _settings(second)
        took = time.monotonic() - started
    finally:
        thread.join()
    assert seen == {"before": ""}  # the last committed snapshot, without the open write
    assert took < HOLD_SECONDS / 2
    assert _settings(second) == {"before": "", "first": "held"}


def test_a_lock_held_past_the_busy_timeout_is_reported_as_busy(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cipher, "BUSY_TIMEOUT_MS", 200)
    first, second = Database.open(path, PASS), Database.open(path, PASS)
    held = threading.Event()
    thread = threading.Thread(target=_hold_write_lock, args=(first, held, HOLD_SECONDS))
    try:
        thread.start()
        assert held.wait(10)
        with pytest.raises(DatabaseBusy, match="busy"):
            _put(second, "second")
        thread.join()
        # Nothing half-written; once the lock is free the write goes through.
        assert _settings(second) == {"first": "held"}
        _put(second, "second", "later")
        assert _settings(first) == {"first": "held", "second": "later"}
    finally:
        thread.join()
        first.close()
        second.close()


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sqlalchemy import text
    from crmdesk.store.database import Database

    db = Database.open(Path(sys.argv[1]), sys.argv[2])
    try:
        with db.writing() as session:
            session.execute(text("INSERT INTO settings VALUES ('child-0', 'locked')"))
            print("locked", flush=True)
            time.sleep(float(sys.argv[3]))
        for i in range(1, 20):
            with db.writing() as session:
                session.execute(
                    text("INSERT INTO settings VALUES (:k, 'child')"), {"k": f"child-{i}"}
                )
                time.sleep(0.005)
    finally:
        db.close()
    print("done", flush=True)
    """
)


def test_another_process_and_this_one_both_write(path: Path) -> None:
    db = Database.open(path, PASS)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), PASS, str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        started = time.monotonic()
        _put(db, "parent-0")  # waits for the child's transaction
        waited = time.monotonic() - started
        for i in range(1, 20):
            _put(db, f"parent-{i}")
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.strip() == "done"
        assert waited >= HOLD_SECONDS / 2
        rows = _settings(db)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        db.close()
    assert {k for k in rows if k.startswith("child-")} == {f"child-{i}" for i in range(20)}
    assert {k for k in rows if k.startswith("parent-")} == {f"parent-{i}" for i in range(20)}
    reopened = Database.open(path, PASS)
    try:
        assert len(_settings(reopened)) == 40
    finally:
        reopened.close()
