"""Exports through the service: every kind, periods, paging, audit, and nothing half-written."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import vobject
from sqlalchemy import select

from crmdesk.errors import ExportError, ValidationError
from crmdesk.interchange import columns
from crmdesk.interchange.csv_format import CsvOptions, resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.exports import ExportRequest, Period
from crmdesk.services.inputs import (
    AddressInput,
    ContactPatch,
    EmailInput,
    LineInput,
    PhoneInput,
    TermsInput,
)
from crmdesk.store.models import AuditEntry


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)  # midday: the same date everywhere


@pytest.fixture
def outdir(tmp_path: Path) -> Path:
    """An empty folder for export files (the database lives beside it)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def shop(crm: Crm) -> dict[str, str]:
    """A company with a person, purchases, payments, a call, a follow-up and a deal."""
    matti = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Matti",
            last_name="Jääskeläinen",
            company="Acme Oy",
            title="CEO",
            birthday=date(1980, 5, 17),
            notes='=HYPERLINK("http://evil.example")',
            phones=[PhoneInput("040 123 4567", "mobile")],
            emails=[EmailInput("matti@acme.fi", "work")],
            addresses=[AddressInput("Katu 1", "00100", "Helsinki", "", "FI", "home")],
            tags=["vip"],
        ),
    )
    acme = crm.queries.card(matti).company_id
    assert acme is not None
    crm.contacts.update(
        acme,
        ContactPatch(
            terms=TermsInput(payment_terms_days=14, credit_limit="2000", discount_percent="5")
        ),
    )
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Virtanen"))
    purchase = crm.activities.purchase(
        matti,
        [LineInput("Winter tyre", "4", "89.90"), LineInput("Fitting", "1", "40")],
        at=at(10, 15),
    )
    payment = crm.activities.payment(matti, "100,50", at=at(10, 20), text="-cash")
    call = crm.activities.log(anna, "call", "Asked about tyres", at=at(9, 1))
    late = crm.activities.payment(anna, "20", at=at(11, 5))
    followup = crm.followups.add(matti, at(12, 1), "Call back", "high", "monthly")
    deal = crm.deals.create(matti, "Fleet tyres", "12000")
    return {
        "matti": matti,
        "acme": acme,
        "anna": anna,
        "purchase": purchase,
        "payment": payment,
        "call": call,
        "late": late,
        "followup": followup,
        "deal": deal,
    }


def read_csv(path: Path, options: CsvOptions | None = None) -> list[dict[str, str]]:
    options = options or CsvOptions()
    text = path.read_bytes().decode(options.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def header(path: Path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def audit_entries(crm: Crm) -> list[tuple[str, str, str | None, str]]:
    """(action, entity, user_id, changes) of every audit entry, oldest first."""
    with crm.db.reading() as session:
        rows = session.execute(
            select(
                AuditEntry.action, AuditEntry.entity, AuditEntry.user_id, AuditEntry.changes
            ).order_by(AuditEntry.seq)
        ).all()
    return [(a, e, u, c) for a, e, u, c in rows]


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("contacts", 3),
        ("companies", 1),
        ("activities", 4),
        ("purchases", 2),
        ("payments", 2),
        ("followups", 1),
        ("deals", 1),
    ],
)
def test_every_kind_has_its_documented_header(
    crm: Crm, shop: dict[str, str], outdir: Path, kind: str, rows: int
) -> None:
    out = outdir / f"{kind}.csv"
    result = crm.exports.export(ExportRequest(kind, out))
    assert header(out) == list(columns.BY_KIND[kind])
    assert len(read_csv(out)) == rows == result.rows == crm.exports.count(kind)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_contacts_rows(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    out = outdir / "contacts.csv"
    crm.exports.export(ExportRequest("contacts", out))
    rows = {r["id"]: r for r in read_csv(out)}
    matti, acme = rows[shop["matti"]], rows[shop["acme"]]
    assert matti["kind"] == "person" and matti["display_name"] == "Matti Jääskeläinen"
    assert (matti["first_name"], matti["last_name"]) == ("Matti", "Jääskeläinen")
    assert (matti["company"], matti["title"]) == ("Acme Oy", "CEO")
    assert matti["phones"] == "mobile : 040 123 4567"
    assert matti["emails"] == "work : matti@acme.fi"
    assert matti["addresses"] == "home : Katu 1 | 00100 | Helsinki |  | FI"
    assert matti["tags"] == "vip"
    assert matti["birthday"] == "1980-05-17"
    assert matti["notes"] == '\'=HYPERLINK("http://evil.example")'  # neutralized
    assert matti["balance"] == "299.10"  # 4 x 89.90 + 40 - 100.50
    assert matti["currency"] == "EUR"
    assert matti["consent_marketing"] == "no"
    assert matti["owner"]  # the acting owner's user name
    assert acme["kind"] == "company" and acme["company"] == "Acme Oy"
    assert acme["balance"] == "299.10"  # the account includes its people
    assert (acme["payment_terms_days"], acme["credit_limit"], acme["discount_percent"]) == (
        "14",
        "2000.00",
        "5",
    )
    assert rows[shop["anna"]]["balance"] == "-20.00"  # paid ahead: a negative number, no quote
    out = outdir / "companies.csv"
    crm.exports.export(ExportRequest("companies", out))
    (company,) = read_csv(out)
    assert (company["id"], company["name"], company["balance"]) == (
        shop["acme"],
        "Acme Oy",
        "299.10",
    )


def test_purchases_one_row_per_line_in_the_locale_style(
    crm: Crm, shop: dict[str, str], outdir: Path
) -> None:
    out = outdir / "purchases.csv"
    options = resolve_options(locale="fi_FI")
    crm.exports.export(ExportRequest("purchases", out, csv=options))
    assert out.read_text("utf-8-sig").splitlines()[1].count(";") == len(columns.PURCHASES) - 1
    lines = read_csv(out, options)
    assert [(r["line"], r["description"], r["quantity"]) for r in lines] == [
        ("1", "Winter tyre", "4"),
        ("2", "Fitting", "1"),
    ]
    assert [(r["unit_price"], r["line_total"], r["currency"]) for r in lines] == [
        ("89,90", "359,60", "EUR"),
        ("40,00", "40,00", "EUR"),
    ]
    assert {r["date"] for r in lines} == {"15.10.2026"}
    assert {r["activity_id"] for r in lines} == {shop["purchase"]}
    assert {r["company"] for r in lines} == {"Acme Oy"}


def test_payments_and_activities(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    out = outdir / "payments.csv"
    crm.exports.export(ExportRequest("payments", out))
    paid = {r["activity_id"]: r for r in read_csv(out)}
    assert paid[shop["payment"]]["amount"] == "100.50"
    assert paid[shop["payment"]]["text"] == "'-cash"
    assert paid[shop["late"]]["date"] == "2026-11-05"
    out = outdir / "activities.csv"
    crm.exports.export(ExportRequest("activities", out))
    acts = {r["id"]: r for r in read_csv(out)}
    assert acts[shop["call"]]["kind"] == "call" and acts[shop["call"]]["amount"] == ""
    assert acts[shop["purchase"]]["amount"] == "399.60"


def test_followups_and_deals(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    out = outdir / "f.csv"
    crm.exports.export(ExportRequest("followups", out))
    (row,) = read_csv(out)
    assert (row["id"], row["contact"], row["text"]) == (
        shop["followup"],
        "Matti Jääskeläinen",
        "Call back",
    )
    assert (row["priority"], row["recurrence"], row["done_at"]) == ("high", "monthly", "")
    out = outdir / "d.csv"
    crm.exports.export(ExportRequest("deals", out, csv=CsvOptions(decimal=",")))
    (deal,) = read_csv(out)
    assert (deal["title"], deal["value"], deal["currency"]) == ("Fleet tyres", "12000,00", "EUR")


def test_a_period_keeps_its_days_in_date_order(
    crm: Crm, shop: dict[str, str], outdir: Path
) -> None:
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    out = outdir / "october.csv"
    result = crm.exports.export(ExportRequest("activities", out, period=october))
    assert [r["id"] for r in read_csv(out)] == [shop["purchase"], shop["payment"]]
    assert result.rows == crm.exports.count("activities", october) == 2
    autumn = Period(date(2026, 9, 1), date(2026, 11, 5))  # the last day is included
    assert crm.exports.count("payments", autumn) == 2
    assert crm.exports.count("payments", Period(end=date(2026, 11, 4))) == 1
    assert crm.exports.count("followups", Period(start=date(2026, 12, 2))) == 0
    with pytest.raises(ValidationError, match="starts"):
        Period(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize("period", [Period(), Period(date(2020, 1, 1), date(2030, 1, 1))])
def test_small_pages_give_every_row_once(crm: Crm, outdir: Path, period: Period) -> None:
    ids = [
        crm.contacts.create("person", ContactPatch(first_name=f"P{i}", last_name="Page"))
        for i in range(5)
    ]
    for i, contact in enumerate(ids):
        crm.activities.purchase(
            contact, [LineInput("a", "1", "1"), LineInput("b", "2", "1")], at=at(1, 10 - i)
        )
        crm.activities.log(contact, "note", f"n{i}", at=at(1, 10 - i))  # same time: rowid decides
        crm.activities.payment(contact, "1", at=at(2, i + 1))
    wide: dict[str, list[dict[str, str]]] = {}
    for size in (1000, 2, 1):
        crm.exports.batch_size = size
        for kind in ("contacts", "activities", "purchases", "payments"):
            out = outdir / f"{kind}-{size}.csv"
            crm.exports.export(ExportRequest(kind, out, period=period))
            rows = read_csv(out)
            if size == 1000:
                wide[kind] = rows
            assert rows == wide[kind], (kind, size)
    assert len(wide["purchases"]) == 10 and len(wide["activities"]) == 15
    assert len({r["id"] for r in wide["activities"]}) == 15
    if period.start:  # with a period, activities come in date order
        times = [datetime.fromisoformat(r["occurred_at"]) for r in wide["activities"]]
        assert times == sorted(times)


def test_export_is_audited_with_who_what_period_rows_and_file(
    crm: Crm, shop: dict[str, str], outdir: Path
) -> None:
    out = outdir / "payments.csv"
    period = Period(date(2026, 10, 1), date(2026, 11, 30))
    crm.exports.export(ExportRequest("payments", out, period=period))
    action, entity, user_id, changes = audit_entries(crm)[-1]
    assert (action, entity, user_id) == ("export", "payments", crm.ctx.actor_id)
    assert json.loads(changes) == {
        "kind": "payments",
        "format": "csv",
        "rows": 2,
        "file": str(out),
        "from": "2026-10-01",
        "to": "2026-11-30",
        "limit": None,
        "bulk": False,
        "watermark": None,  # the owner's exports are not watermarked by default
    }
    assert crm.verify_audit().ok


def test_cancel_leaves_no_file_and_no_entry(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    crm.exports.batch_size = 1
    before = len(audit_entries(crm))
    seen: list[tuple[int, int]] = []
    out = outdir / "contacts.csv"
    result = crm.exports.export(
        ExportRequest("contacts", out), lambda d, t: seen.append((d, t)), lambda: len(seen) > 1
    )
    assert not result.completed and result.rows == 0
    assert list(outdir.iterdir()) == []
    assert len(audit_entries(crm)) == before
    assert seen == [(0, 3), (1, 3)]


def test_progress_reaches_the_total(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    crm.exports.batch_size = 1
    seen: list[tuple[int, int]] = []
    crm.exports.export(
        ExportRequest("activities", outdir / "a.csv"), lambda d, t: seen.append((d, t))
    )
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_unencodable_character_leaves_nothing(crm: Crm, outdir: Path) -> None:
    crm.contacts.create("person", ContactPatch(first_name="Katja", last_name="Zupančič"))
    before = len(audit_entries(crm))
    out = outdir / "contacts.csv"
    with pytest.raises(ExportError, match=r"Row 2, column display_name, .*'č' \(U\+010D"):
        crm.exports.export(ExportRequest("contacts", out, csv=CsvOptions(encoding="cp1252")))
    assert list(outdir.iterdir()) == []
    assert len(audit_entries(crm)) == before


def test_a_full_disk_leaves_nothing(
    crm: Crm, shop: dict[str, str], outdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operating system refusing the data (here: at fsync) is a sentence, not a bug."""

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = len(audit_entries(crm))
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ExportError, match="No space left on device"):
        crm.exports.export(ExportRequest("contacts", outdir / "contacts.csv"))
    assert list(outdir.iterdir()) == []
    assert len(audit_entries(crm)) == before


def test_an_existing_file_is_kept_unless_overwriting(
    crm: Crm, shop: dict[str, str], outdir: Path
) -> None:
    out = outdir / "deals.csv"
    out.write_text("mine")
    with pytest.raises(ExportError, match="already exists"):
        crm.exports.export(ExportRequest("deals", out))
    assert out.read_text() == "mine"
    crm.exports.export(ExportRequest("deals", out, overwrite=True))
    assert header(out) == list(columns.DEALS)
    assert sorted(p.name for p in outdir.iterdir()) == ["deals.csv"]
    with pytest.raises(ExportError, match="does not exist"):
        crm.exports.export(ExportRequest("deals", outdir / "no" / "deals.csv"))


def test_kind_and_format_must_fit(crm: Crm, outdir: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be exported as ics"):
        crm.exports.export(ExportRequest("deals", outdir / "x.ics", format="ics"))
    with pytest.raises(ValidationError, match="not something to export"):
        crm.exports.count("invoices")
    assert list(outdir.iterdir()) == []


def test_vcard_and_ics_files(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    cards = outdir / "contacts.vcf"
    crm.exports.export(ExportRequest("contacts", cards, format="vcard", vcard_version="4.0"))
    parsed = list(vobject.readComponents(cards.read_text("utf-8")))
    assert sorted(c.fn.value for c in parsed) == ["Acme Oy", "Anna Virtanen", "Matti Jääskeläinen"]
    matti = next(c for c in parsed if c.fn.value == "Matti Jääskeläinen")
    assert matti.tel.value == "tel:+358401234567" and matti.org.value == ["Acme Oy"]
    companies = outdir / "companies.vcf"
    crm.exports.export(ExportRequest("companies", companies, format="vcard"))
    (acme,) = vobject.readComponents(companies.read_text("utf-8"))
    assert (acme.fn.value, acme.org.value) == ("Acme Oy", ["Acme Oy"])
    assert acme.uid.value == f"urn:uuid:{shop['acme']}"
    cal = outdir / "followups.ics"
    crm.exports.export(ExportRequest("followups", cal, format="ics"))
    (event,) = icalendar.Calendar.from_ical(cal.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == at(12, 1)
    assert str(event["UID"]) == f"{shop['followup']}@crmdesk"
    assert [e[0] for e in audit_entries(crm)[-3:]] == ["export", "export", "export"]


def test_trashed_rows_are_left_out(crm: Crm, shop: dict[str, str], outdir: Path) -> None:
    crm.contacts.delete(shop["anna"])
    crm.activities.delete(shop["payment"])
    assert crm.exports.count("contacts") == 2
    assert crm.exports.count("payments") == 1  # Anna's stays: it was paid


def test_preview_shows_the_first_rows_as_cells(crm: Crm, shop: dict[str, str]) -> None:
    preview = crm.exports.preview("purchases", options=CsvOptions(decimal=","), limit=1)
    assert preview.columns == columns.PURCHASES
    assert len(preview.rows) == 1
    row = dict(zip(preview.columns, preview.rows[0], strict=True))
    assert (row["description"], row["line_total"], row["sku"]) == ("Winter tyre", "359,60", "")


@pytest.fixture
def helsinki(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Helsinki (UTC+2, summer UTC+3) for the test."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "Europe/Helsinki")
        time.tzset()
        yield
    time.tzset()


def test_periods_and_dates_are_local_days(crm: Crm, outdir: Path, helsinki: None) -> None:
    """Half past midnight on 1 November in Helsinki is 31 October in UTC: November's."""
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    crm.activities.payment(anna, "10", at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC))
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert crm.exports.count("payments", october) == 0
    assert crm.exports.count("payments", november) == 1
    out = outdir / "november.csv"
    crm.exports.export(ExportRequest("payments", out, period=november))
    (row,) = read_csv(out)
    assert row["date"] == "2026-11-01"
