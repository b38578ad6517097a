"""Checking rows in batches: mapping and validating, before any matching."""

from __future__ import annotations

from collections.abc import Sequence

from crmdesk.interchange.import_records import ContactRecord, RawContact, validate
from crmdesk.interchange.mapping import Mapping

Row = tuple[int, list[str]]


def check_rows(
    mapping: Mapping, rows: Sequence[Row], region: str, currency: str
) -> list[ContactRecord]:
    """Map and validate CSV rows; rows with nothing mapped in them are left out."""
    return check_raw([mapping.apply(row, cells) for row, cells in rows], region, currency)


def check_raw(raws: Sequence[RawContact], region: str, currency: str) -> list[ContactRecord]:
    """Validate raw contacts (from a vCard file, or mapped rows); empty ones are left out."""
    return [validate(raw, region, currency) for raw in raws if not raw.is_empty()]
