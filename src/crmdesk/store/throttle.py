"""Unlock throttling: after a few wrong passphrases, each next try waits longer.

The count is kept per database file in a small JSON file in the config folder,
so restarting crmdesk does not reset it; a right passphrase does. (The real
defence against guessing is Argon2id on the key file; this stops someone at
the keyboard from trying a list of passphrases by hand.)
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from crmdesk.config import paths
from crmdesk.errors import UnlockThrottled
from crmdesk.store.files import write_atomically

FREE_TRIES = 3
FIRST_WAIT_SECONDS = 30
MAX_WAIT_SECONDS = 15 * 60


def state_file() -> Path:
    """The file keeping wrong-passphrase counts."""
    return paths.config_dir() / "unlock-throttle.json"


def wait_after(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong tries in a row: 0, 0, 0, 30, 60, 120... 900."""
    if failures < FREE_TRIES:
        return 0
    return int(min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_TRIES), MAX_WAIT_SECONDS))


def _key(database: Path) -> str:
    return str(Path(database).expanduser().resolve())


def _load() -> dict[str, Any]:
    try:
        raw = json.loads(state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _save(state: dict[str, Any]) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(state, indent=2).encode("utf-8"))


def _entry(state: dict[str, Any], database: Path) -> tuple[int, float]:
    entry = state.get(_key(database))
    if not isinstance(entry, dict):
        return 0, 0.0
    failures, last = entry.get("failures", 0), entry.get("last_failure", 0.0)
    if not isinstance(failures, int) or not isinstance(last, (int, float)):
        return 0, 0.0
    return failures, float(last)


def seconds_left(database: Path, now: float | None = None) -> int:
    """How long until ``database`` may be tried again (0: now)."""
    failures, last = _entry(_load(), database)
    now = time.time() if now is None else now
    return max(0, math.ceil(last + wait_after(failures) - now))


def check(database: Path) -> None:
    """Raise :class:`UnlockThrottled` when ``database`` must not be tried yet."""
    wait = seconds_left(database)
    if wait:
        raise UnlockThrottled(
            f"Too many wrong passphrases for {Path(database).name}: "
            f"wait {describe_wait(wait)} and try again.",
            wait,
        )


def failed(database: Path) -> None:
    """Count one more wrong passphrase (or recovery code) for ``database``."""
    state = _load()
    failures, _last = _entry(state, database)
    state[_key(database)] = {"failures": failures + 1, "last_failure": time.time()}
    _save(state)


def succeeded(database: Path) -> None:
    """Forget the wrong tries of ``database``."""
    state = _load()
    if state.pop(_key(database), None) is not None:
        _save(state)


def describe_wait(seconds: int) -> str:
    """``45`` -> "45 seconds", ``120`` -> "2 minutes"."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"
