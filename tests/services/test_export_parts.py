"""Big CSV exports written by two helper processes: the same bytes as one process writes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmdesk.services import export_parts
from crmdesk.services.app import Crm
from crmdesk.services.export_parts import NOT_SPLIT, Split, write_parts
from crmdesk.services.exports import ExportRequest
from crmdesk.services.inputs import ContactPatch, LineInput

pytestmark = pytest.mark.slow  # each split starts two Python processes


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """An empty folder for export and part files (the database lives beside it)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def shop(crm: Crm) -> Crm:
    """Five customers with purchases (two lines), notes, payments, follow-ups and a deal each."""
    for i in range(5):
        contact = crm.contacts.create(
            "person", ContactPatch(first_name=f"Päivi, {i}", last_name='"Quoted"', company="Oy")
        )
        when = datetime(2026, 1, 10 - i, 12, tzinfo=UTC)
        crm.activities.purchase(
            contact, [LineInput("a", "1", "1.5"), LineInput("b;c", "2", "0.25")], at=when
        )
        crm.activities.log(contact, "note", f"=n{i}\nsecond line", at=when)
        crm.activities.payment(contact, "1", at=when)
        crm.followups.add(contact, when, f"call {i}")
        crm.deals.create(contact, f"deal {i}", value="10")
    return crm


def one_process(crm: Crm, kind: str, out: Path, limit: int | None) -> bytes:
    crm.exports.export(ExportRequest(kind, out, limit=limit, overwrite=True))
    return out.read_bytes()


def split_of(crm: Crm, kind: str, folder: Path, limit: int | None) -> Split:
    db = crm.ctx.db
    return Split(db.path, db.key, folder, kind, "EUR", ExportRequest(kind, folder).csv,
                 limit, 2)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "limit"),
    [("activities", None), ("activities", 7), ("purchases", None), ("payments", 3),
     ("followups", None), ("deals", 4)],
)  # fmt: skip
def test_two_parts_are_the_bytes_of_one_process(
    shop: Crm, outdir: Path, kind: str, limit: int | None
) -> None:
    expected = one_process(shop, kind, outdir / "one.csv", limit)
    out = io.BytesIO()
    seen: list[tuple[int, int]] = []
    conn = shop.ctx.db.engine.raw_connection()
    try:
        rows = write_parts(
            split_of(shop, kind, outdir, limit), conn, 1 << 30, out,
            lambda d, t: seen.append((d, t)), None,
        )  # fmt: skip
    finally:
        conn.close()
    assert rows != NOT_SPLIT
    assert out.getvalue() == expected
    assert rows == len(list(csv.reader(io.StringIO(expected.decode("utf-8-sig"), newline="")))) - 1
    assert seen and seen[-1][0] <= rows
    assert sorted(p.name for p in outdir.iterdir()) == ["one.csv"]  # no part files left


def test_the_service_splits_big_exports(
    shop: Crm, outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = one_process(shop, "activities", outdir / "one.csv", None)
    monkeypatch.setattr(export_parts, "PARALLEL_FROM", 1)
    result = shop.exports.export(ExportRequest("activities", outdir / "two.csv"))
    assert (outdir / "two.csv").read_bytes() == expected
    assert result.rows == 15


def test_a_cancel_before_the_helpers_read_leaves_nothing(shop: Crm, outdir: Path) -> None:
    out = io.BytesIO()
    conn = shop.ctx.db.engine.raw_connection()
    try:
        rows = write_parts(
            split_of(shop, "activities", outdir, None), conn, 1 << 30, out, None, lambda: True
        )
    finally:
        conn.close()
    assert rows is None
    assert out.getvalue() == b""
    assert list(outdir.iterdir()) == []


def test_small_exports_stay_in_one_process(shop: Crm, outdir: Path) -> None:
    conn = shop.ctx.db.engine.raw_connection()
    try:
        split = split_of(shop, "activities", outdir, None)
        assert write_parts(split, conn, 15, io.BytesIO(), None, None) == NOT_SPLIT
        contacts = split_of(shop, "contacts", outdir, None)
        assert write_parts(contacts, conn, 1 << 30, io.BytesIO(), None, None) == NOT_SPLIT
    finally:
        conn.close()
