"""The sync server tests run against a real server (see ``live.py``) on both backends."""

from __future__ import annotations

from live import postgres_url, sync_server  # noqa: F401  (fixtures)
