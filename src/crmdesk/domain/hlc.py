"""Hybrid logical clock: wall milliseconds, a counter, and the node id.

Stamps are fixed-width strings, so comparing two stamps as strings orders
them as clocks: ``"0001763900000000-0000-<node>"``. Ties on wall time and
counter are broken by the node id, which makes every stamp unique.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from crmdesk.errors import ValidationError

WALL_DIGITS = 16
COUNTER_DIGITS = 4
MAX_COUNTER = 10**COUNTER_DIGITS - 1


@dataclass(frozen=True, order=True)
class Stamp:
    """One clock reading; orders by (wall_ms, counter, node)."""

    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:0{WALL_DIGITS}d}-{self.counter:0{COUNTER_DIGITS}d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        """Read a stamp written by ``str()``; ``ValidationError`` when malformed."""
        parts = text.split("-", 2)
        if (
            len(parts) != 3
            or len(parts[0]) != WALL_DIGITS
            or len(parts[1]) != COUNTER_DIGITS
            or not parts[0].isdigit()
            or not parts[1].isdigit()
            or not parts[2]
        ):
            raise ValidationError(f"'{text[:80]}' is not a clock stamp.")
        return cls(int(parts[0]), int(parts[1]), parts[2])


class Clock:
    """A node's hybrid logical clock (thread-safe)."""

    def __init__(self, node: str, wall_ms: int = 0, counter: int = 0) -> None:
        if not node or len(node) > 64:
            raise ValidationError("A clock needs a short node id.")
        self.node = node
        self._wall = wall_ms
        self._counter = counter
        self._lock = threading.Lock()
        self.offset_ms = 0  # added to the physical clock (set from the server's time)

    def _physical(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    def now(self) -> Stamp:
        """A stamp later than every stamp this clock has made or seen."""
        with self._lock:
            physical = self._physical()
            if physical > self._wall:
                self._wall, self._counter = physical, 0
            else:
                self._counter += 1
                if self._counter > MAX_COUNTER:
                    self._wall, self._counter = self._wall + 1, 0
            return Stamp(self._wall, self._counter, self.node)

    def observe(self, stamp: Stamp | str) -> None:
        """Move past a stamp received from another node."""
        seen = Stamp.parse(stamp) if isinstance(stamp, str) else stamp
        with self._lock:
            if (seen.wall_ms, seen.counter) > (self._wall, self._counter):
                self._wall, self._counter = seen.wall_ms, seen.counter

    def rewind(self) -> None:
        """Drop back to the physical clock after the server refused stamps from a
        clock that ran ahead (only for re-stamping changes the server never stored)."""
        with self._lock:
            self._wall, self._counter = min(self._wall, self._physical()), 0

    def last(self) -> Stamp:
        """The latest stamp made or seen (for persisting the clock)."""
        with self._lock:
            return Stamp(self._wall, self._counter, self.node)
