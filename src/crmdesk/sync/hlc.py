"""Hybrid logical clock of the sync protocol (see :mod:`crmdesk.domain.hlc`).

The clock lives in the domain layer so the unit of work (services) can stamp
every captured field change; this module keeps the protocol's import path.
"""

from __future__ import annotations

from crmdesk.domain.hlc import COUNTER_DIGITS, MAX_COUNTER, WALL_DIGITS, Clock, Stamp

__all__ = ["COUNTER_DIGITS", "MAX_COUNTER", "WALL_DIGITS", "Clock", "Stamp"]
