"""Column types: aware UTC datetimes and exact decimals stored as sortable text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"


def format_utc(value: datetime) -> str:
    """``2026-11-23T09:15:00.123Z``: fixed width, so text order is time order."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; convert to UTC first")
    value = value.astimezone(UTC)
    return value.strftime(ISO_FORMAT) + f".{value.microsecond // 1000:03d}Z"


def parse_utc(text: str) -> datetime:
    """Inverse of :func:`format_utc`."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, always stored in UTC as ISO text."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else format_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else parse_utc(value)


class ISODate(TypeDecorator[date]):
    """A calendar date (birthday, expected close) as ``YYYY-MM-DD``."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(value)


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal (quantities) stored as text, never as a float."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
