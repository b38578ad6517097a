"""What every export kind shares: row types, stored values made typed, SQL pieces."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from crmdesk.domain.money import currency_exponent
from crmdesk.interchange.records import UtcTimestamp

Row = tuple[Any, ...]
Batch = list[Row]

#: The company column: a person's company, or the company itself.
COMPANY = "CASE WHEN c.kind = 'company' THEN c.display_name ELSE coalesce(co.display_name, '') END"
#: Joins giving ``c`` (the contact of table ``{t}``) and ``co`` (its company).
CONTACT_JOINS = (
    "JOIN contacts c ON c.id = {t}.contact_id LEFT JOIN contacts co ON co.id = c.company_id"
)


@cache
def _scale(currency: str | None) -> int:
    return -currency_exponent(currency) if currency else -2


def amount(minor: int | None, currency: str | None) -> Decimal | None:
    """Minor units as a decimal amount of ``currency`` (``1250`` EUR -> ``12.50``)."""
    return None if minor is None else Decimal(minor).scaleb(_scale(currency))


def moment(text: str | None) -> UtcTimestamp | None:
    """A stored UTC timestamp (``...Z``), passed on as it is."""
    return None if text is None else UtcTimestamp(text)
