"""Fixtures for the interchange tests: a fixed local time zone."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture
def helsinki(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Helsinki (UTC+2, summer UTC+3) for the test."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "Europe/Helsinki")
        time.tzset()
        yield
    time.tzset()
