"""Small helpers that build protocol messages for the server tests."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from crmdesk.sync.hlc import Stamp
from crmdesk.sync.protocol import Change, PullResponse, PushRequest, PushResponse


def stamp(node: str, offset_ms: int = 0, counter: int = 0) -> str:
    """A clock stamp ``offset_ms`` from now on ``node``."""
    return str(Stamp(time.time_ns() // 1_000_000 + offset_ms, counter, node))


def change(
    row_id: str,
    field: str,
    value: Any,
    at: str,
    base: str | None = None,
    entity: str = "contacts",
) -> Change:
    """One field change."""
    return Change(entity, row_id, field, value, at, base)


def push_body(node: str, seq: int, changes: list[Change], batch_id: str | None = None) -> dict:
    """A push request as JSON."""
    return PushRequest(node, batch_id or uuid.uuid4().hex, seq, changes).to_json()


def push(
    http: httpx.Client, node: str, seq: int, changes: list[Change], batch_id: str | None = None
) -> PushResponse:
    """Push one batch; fails the test unless the server accepts it."""
    answer = http.post("/api/v1/push", json=push_body(node, seq, changes, batch_id))
    assert answer.status_code == 200, answer.text
    return PushResponse.from_json(answer.json())


def pull_all(http: httpx.Client, cursor: int = 0, limit: int = 1000) -> tuple[PullResponse, int]:
    """Every page from ``cursor``, merged into one response; also returns the page count."""
    changes, conflicts, pages = [], [], 0
    while True:
        answer = http.get("/api/v1/pull", params={"cursor": cursor, "limit": limit})
        assert answer.status_code == 200, answer.text
        page = PullResponse.from_json(answer.json())
        pages += 1
        changes += page.changes
        conflicts += page.conflicts
        cursor = page.next_cursor
        if not page.has_more:
            return PullResponse(changes, conflicts, cursor, False, page.server_time_ms), pages
