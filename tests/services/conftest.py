"""Helpers for the service tests: row counts read straight from the tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from crmdesk.services.app import Crm

Counts = Callable[[], dict[str, int]]

TABLES = (
    "contacts",
    "contact_phones",
    "contact_emails",
    "contact_tags",
    "tags",
    "activities",
    "order_lines",
    "products",
    "followups",
    "deals",
    "stage_history",
    "audit_log",
    "contact_fts",
)


@pytest.fixture
def counts(crm: Crm) -> Counts:
    """A function giving the number of rows in every table that services write."""

    def read() -> dict[str, int]:
        with crm.db.reading() as session:
            return {
                table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in TABLES
            }

    return read
