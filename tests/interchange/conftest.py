"""Fixtures for the interchange tests: a fixed local time zone, and the sample
files read into validated records as the importer does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crmdesk.interchange.csv_reader import CsvFile
from crmdesk.interchange.import_records import ContactRecord, validate
from crmdesk.interchange.presets import mapping_for
from crmdesk.interchange.sniff import sniff
from crmdesk.interchange.vcard_reader import read_vcards

SAMPLES = Path(__file__).parent.parent / "fixtures" / "interchange"

Reader = Callable[..., list[ContactRecord]]


@pytest.fixture
def helsinki(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Helsinki (UTC+2, summer UTC+3) for the test."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "Europe/Helsinki")
        time.tzset()
        yield
    time.tzset()


def read_records(path: Path, preset: str = "auto", region: str = "FI") -> list[ContactRecord]:
    """Every non-empty row or card of ``path`` as a validated record."""
    sniffed = sniff(path)
    if sniffed.format == "vcard":
        raws = list(read_vcards(path, sniffed.encoding))
    else:
        with CsvFile(path, sniffed) as f:
            mapping, _ = mapping_for(f.header, preset)
            raws = [mapping.apply(r.row, r.cells) for r in f.rows()]
    return [validate(raw, region, "EUR") for raw in raws if not raw.is_empty()]


@pytest.fixture(name="read_records")
def read_records_fixture() -> Reader:
    """:func:`read_records`, for the tests."""
    return read_records


@pytest.fixture
def samples() -> Path:
    return SAMPLES
