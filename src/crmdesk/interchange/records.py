"""Values of multi-value cells, written as ``columns.py`` documents them.

Named tuples: an export makes one per e-mail, phone and address, so they
must be cheap to create.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from crmdesk.interchange.columns import ADDRESS_PART_SEPARATOR, LABEL_SEPARATOR


def _labelled(label: str, value: str) -> str:
    return f"{label}{LABEL_SEPARATOR}{value}" if label else value


class Labelled(NamedTuple):
    """An e-mail address (or any value) with an optional label."""

    label: str
    value: str

    def __str__(self) -> str:
        return _labelled(self.label, self.value)


class PhoneNumber(NamedTuple):
    """A phone number as typed, its E.164 form when known, and its label."""

    label: str
    raw: str
    e164: str | None = None

    def __str__(self) -> str:
        return _labelled(self.label, self.raw)


class PostalAddress(NamedTuple):
    """One address; in a cell its five parts are separated by `` | ``."""

    label: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""

    def __str__(self) -> str:
        parts = (self.street, self.postal_code, self.city, self.region, self.country)
        joined = ADDRESS_PART_SEPARATOR.join(p.replace("\n", ", ") for p in parts)
        return _labelled(self.label, joined)


class UtcTimestamp(str):
    """A UTC instant as fixed-width ISO text, ``2026-11-23T09:15:00.123Z``.

    The form the store keeps: passed along as it is (an export has millions)
    and parsed only by a writer that needs the instant itself.
    """

    __slots__ = ()

    def moment(self) -> datetime:
        """The aware UTC datetime."""
        return datetime.fromisoformat(self)


def as_datetime(value: object) -> datetime | None:
    """A datetime or :class:`UtcTimestamp` as an aware datetime (anything else: None)."""
    if isinstance(value, UtcTimestamp):
        return value.moment()
    return value if isinstance(value, datetime) else None
