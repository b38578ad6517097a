"""Columns that do not travel, recomputed from the fields that do.

The same domain rules the services use: display name and sort key of a
contact, E.164 and reversed digits of a phone (in this database's default
region), the comparison key of an e-mail, and the local ``updated_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crmdesk.domain import emails, names, phones
from crmdesk.domain.clock import utcnow
from crmdesk.domain.hlc import Stamp
from crmdesk.errors import ValidationError
from crmdesk.store.types import format_utc

NAME_FIELDS = frozenset({"kind", "first_name", "last_name", "company_name"})


def derived(
    entity: str, row: dict[str, Any], region: str, nationals: dict[str, str] | None = None
) -> dict[str, Any]:
    """Derived column values of a row whose synced fields are ``row``; a phone's
    national format is added to ``nationals`` (by E.164) for its search document."""
    if entity == "contacts":
        if row.get("kind") == "company":
            name = str(row.get("company_name") or "")
            return {"display_name": name, "sort_key": names.company_sort_key(name)}
        first, last = str(row.get("first_name") or ""), str(row.get("last_name") or "")
        return {
            "display_name": names.person_display_name(first, last),
            "sort_key": names.person_sort_key(first, last),
        }
    if entity == "contact_phones":
        raw = str(row.get("raw") or "")
        try:
            parsed = phones.parse_phone(raw, region)
        except ValidationError:
            return {"e164": None, "digits_rev": phones.reversed_digits(raw)}
        if nationals is not None and parsed.e164 and parsed.national:
            nationals[parsed.e164] = parsed.national
        return {"e164": parsed.e164, "digits_rev": phones.reversed_digits(parsed.digits)}
    if entity == "contact_emails":
        return {"address_key": emails.email_key(str(row.get("address") or ""))}
    return {}


def depends_on(entity: str) -> frozenset[str]:
    """The synced fields the derived columns of ``entity`` are computed from."""
    return {
        "contacts": NAME_FIELDS,
        "contact_phones": frozenset({"raw"}),
        "contact_emails": frozenset({"address"}),
    }.get(entity, frozenset())


def now_text() -> str:
    """Now, as the store keeps times."""
    return format_utc(utcnow())


def stamp_time(stamp: str) -> str:
    """The wall time of a clock stamp, as the store keeps times (same on every replica)."""
    wall = Stamp.parse(stamp).wall_ms
    return format_utc(datetime.fromtimestamp(wall / 1000, UTC))
