"""Time-ordered UUIDv7 keys made on the client (RFC 9562), so rows created
offline on two laptops never collide and sort by creation time."""

from __future__ import annotations

import os
import re
import threading
import time
import uuid

_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MAX_COUNTER = 0xFFF  # rand_a is 12 bits wide
_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_stamp() -> tuple[int, int]:
    """(unix ms, 12-bit counter), strictly increasing as a pair within this process."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            # A fresh millisecond: start the counter at a random point in its lower
            # half, so ids stay unpredictable yet leave room for 2048+ more.
            _counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
        else:
            # Same millisecond, or the clock stepped back: keep counting from the
            # last stamp; on overflow borrow the next millisecond.
            ms = _last_ms
            _counter += 1
            if _counter > _MAX_COUNTER:
                ms += 1
                _counter = 0
        _last_ms = ms
        return ms, _counter


def new_id() -> str:
    """A new UUIDv7 as a canonical 36-character lowercase string.

    Ids made one after another in this process sort ascending, as strings too.
    """
    ms, counter = _next_stamp()
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    return _compose(ms, counter, rand_b)


def uuid7_at(ms: int, bits: int) -> str:
    """A UUIDv7 of the Unix millisecond ``ms`` from 74 given random ``bits``
    (for ids that must look made at another time, e.g. export watermarks)."""
    return _compose(ms, (bits >> 62) & _MAX_COUNTER, bits & ((1 << 62) - 1))


def _compose(ms: int, counter: int, rand_b: int) -> str:
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80  # unix_ts_ms, 48 bits
        | 0x7 << 76  # version
        | counter << 64  # rand_a, 12 bits, used as a counter
        | 0b10 << 62  # variant
        | rand_b  # 62 random bits
    )
    return str(uuid.UUID(int=value))


def is_id(text: str) -> bool:
    """True for a canonical UUID string (36 characters, lowercase hex, any version)."""
    return isinstance(text, str) and _CANONICAL.fullmatch(text) is not None


_NAMED = uuid.UUID("6f1c2a9e-3b7d-5c40-9e1a-2d8b7c6e5f40")


def named_id(kind: str, name: str) -> str:
    """A UUIDv5 that is the same on every computer for the same kind and name.

    Tags use it, so two laptops creating tag "VIP" offline make the same row
    (the tag name is unique) instead of two rows that cannot both sync.
    """
    return str(uuid.uuid5(_NAMED, f"{kind}:{name.casefold()}"))
