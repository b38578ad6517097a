"""What a report counts: the contacts the user may see, in the database's currency."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.money import currency_exponent


def contacts_clause(owner: str | None, alias: str = "c") -> str:
    """SQL condition on the contacts table ``alias``: live, and visible to ``owner``.

    Mirrors :func:`crmdesk.services.visibility.visible`; the statement must bind
    ``:owner`` (see :func:`owner_params`).
    """
    clause = f"{alias}.deleted_at IS NULL"
    if owner is not None:
        clause += f" AND ({alias}.owner_id = :owner OR {alias}.owner_id IS NULL)"
    return clause


def contact_ids_clause(owner: str | None, column: str) -> str:
    """SQL condition on a contact id ``column``: the contact is live and visible to ``owner``.

    For statements over many activities: the few deleted contacts come from
    ``ix_contacts_deleted`` instead of a lookup of every activity's contact.
    """
    clause = f"{column} NOT IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)"
    if owner is not None:
        clause += (
            f" AND {column} IN (SELECT id FROM contacts"
            " WHERE owner_id = :owner OR owner_id IS NULL)"
        )
    return clause


def display_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """The display name of each contact id."""
    rows = session.execute(
        text(
            "SELECT id, display_name FROM contacts WHERE id IN (SELECT value FROM json_each(:ids))"
        ),
        {"ids": json.dumps(list(ids))},
    )
    return {contact_id: name for contact_id, name in rows}


def owner_params(owner: str | None) -> dict[str, str]:
    """The parameters :func:`contacts_clause` needs."""
    return {} if owner is None else {"owner": owner}


def main_currency(session: Session) -> str:
    """The currency the database was set up with (sums in others are left out)."""
    value = session.execute(text("SELECT value FROM settings WHERE key = 'currency'")).scalar()
    return str(value or "EUR")


def whole_units(minor: float, currency: str) -> str:
    """``48,000``: an amount in minor units, rounded to whole units of ``currency``."""
    return f"{minor / 10 ** currency_exponent(currency):,.0f}"


def whole_money(minor: float, currency: str) -> str:
    """``48,000 EUR``: an amount for findings and labels."""
    return f"{whole_units(minor, currency)} {currency}"
