"""Checking rows in batches: the unit of work handed to helper processes.

Functions here take and return plain picklable values, so a big import can
check its rows on every core while the main process matches and writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from crmdesk.interchange.mapping import Mapping
from crmdesk.interchange.records import ContactRecord, RawContact, validate

Row = tuple[int, list[str]]


def check_rows(
    mapping: Mapping, rows: Sequence[Row], region: str, currency: str
) -> list[ContactRecord]:
    """Map and validate CSV rows; rows with nothing mapped in them are left out."""
    return check_raw([mapping.apply(row, cells) for row, cells in rows], region, currency)


def check_raw(raws: Sequence[RawContact], region: str, currency: str) -> list[ContactRecord]:
    """Validate raw contacts (from a vCard file, or mapped rows); empty ones are left out."""
    return [validate(raw, region, currency) for raw in raws if not raw.is_empty()]
