"""Contacts, deals and activities written in bulk into a test database.

The deals, risk and complaints reports need hundreds of rows with known
effects planted in them; writing them one by one through the services would
take minutes, so they go in the way ``crmdesk demo`` writes its rows
(services/bulk_rows.py), in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmdesk.domain.ids import new_id
from crmdesk.services.app import Crm
from crmdesk.services.bulk_rows import STATEMENTS, write_rows
from crmdesk.store.types import format_utc

Row = tuple[Any, ...]


@dataclass
class Rows:
    """Rows waiting to be written; one list per table of ``bulk_rows.STATEMENTS``."""

    contacts: list[Row] = field(default_factory=list)
    deals: list[Row] = field(default_factory=list)
    activities: list[Row] = field(default_factory=list)

    def __getattr__(self, table: str) -> list[Row]:
        if table in STATEMENTS:  # tables these reports do not need
            return []
        raise AttributeError(table)

    def contact(
        self, name: str, created: datetime, *, source: str = "", owner: str | None = None
    ) -> str:
        """A person called ``name``; returns the id."""
        contact_id = new_id()
        at = format_utc(created)
        self.contacts.append(
            (None, contact_id, "person", name, "", "", "", None, name, name.lower(),
             "customer", source, owner, "", None, "", 0, at, at, None, None, None, None, 0, "")
        )  # fmt: skip
        return contact_id

    def deal(
        self,
        contact_id: str,
        created: datetime,
        closed: datetime,
        *,
        won: bool,
        value_minor: int = 100_000,
        owner: str | None = None,
        currency: str = "EUR",
    ) -> str:
        """A deal won or lost at ``closed``; returns the id."""
        deal_id = new_id()
        self.deals.append(
            (deal_id, contact_id, "Deal", "won" if won else "lost", value_minor, currency, None,
             owner, "", format_utc(closed), format_utc(created), format_utc(closed), None)
        )  # fmt: skip
        return deal_id

    def activity(
        self,
        contact_id: str,
        kind: str,
        at: datetime,
        *,
        amount_minor: int | None = None,
        status: str | None = None,
        resolved: datetime | None = None,
        deal_id: str | None = None,
    ) -> str:
        """One activity (a purchase when ``amount_minor`` is given); returns the id."""
        activity_id = new_id()
        stamp = format_utc(at)
        self.activities.append(
            (activity_id, contact_id, kind, stamp, kind, None, deal_id, amount_minor,
             "EUR" if amount_minor is not None else None, status, "",
             format_utc(resolved) if resolved else None, stamp, stamp, None)
        )  # fmt: skip
        return activity_id

    def write(self, crm: Crm) -> None:
        """Insert every row in one transaction."""
        with crm.db.engine.connect() as raw:
            conn = raw.execution_options(crmdesk_write=True)
            dbapi = conn.connection.dbapi_connection
            with conn.begin():
                write_rows(dbapi, self)
