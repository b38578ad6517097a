"""What a report counts: the contacts the user may see, in the database's currency."""

from __future__ import annotations

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
