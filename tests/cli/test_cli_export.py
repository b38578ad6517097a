"""``crmdesk export``: kinds, formats, locale presets, periods and exit codes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import icalendar
import pytest
import vobject

from crmdesk.errors import ExportError, ValidationError
from crmdesk.interchange import columns


@pytest.fixture
def shop(db_cli, tmp_path: Path) -> Path:
    """Two customers with purchases, a payment and a follow-up; returns an empty folder."""
    matti = db_cli(
        "contact", "add", "--first", "Matti", "--last", "Virtanen", "--phone", "050 555 1234"
    ).out.strip()
    katja = db_cli("contact", "add", "--first", "Katja", "--last", "Zupančič").out.strip()
    for ref, at in ((matti, "2026-10-15 12:00"), (katja, "2026-11-15 12:00")):
        bought = db_cli("purchase", ref, "--item", "Winter tyre:4:1289,90", "--at", at)
        assert bought.code == 0, bought.err
    assert db_cli("payment", matti, "--amount", "100,50", "--at", "2026-10-20 12:00").code == 0
    assert (
        db_cli("followup", "add", matti, "--due", "2026-12-01 09:00", "--repeat", "weekly").code
        == 0
    )
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def rows(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[list[str]]:
    text = path.read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_locale_preset_for_the_accountant(db_cli, shop: Path) -> None:
    out = shop / "purchases.csv"
    done = db_cli("export", "purchases", "--out", str(out), "--locale", "fi_FI", "--json")
    assert done.code == 0, done.err
    summary = done.json()
    assert (summary["kind"], summary["format"], summary["rows"]) == ("purchases", "csv", 2)
    assert summary["path"] == str(out.absolute())
    table = rows(out, ";")
    assert table[0] == list(columns.PURCHASES)
    got = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert [(r["date"], r["unit_price"], r["line_total"]) for r in got] == [
        ("15.10.2026", "1289,90", "5159,60"),  # no thousands separator
        ("15.11.2026", "1289,90", "5159,60"),
    ]


def test_explicit_options_override_the_preset(db_cli, shop: Path) -> None:
    out = shop / "p.csv"
    done = db_cli(
        "export", "payments", "--out", str(out), "--locale", "de_DE",
        "--delimiter", "tab", "--decimal", ".", "--date-format", "yyyy/mm/dd",
        "--encoding", "utf-8",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "Wrote 1 payments" in done.out
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    header, row = rows(out, "\t", "utf-8")
    record = dict(zip(header, row, strict=True))
    assert (record["date"], record["amount"]) == ("2026/10/20", "100.50")


def test_limit_gives_a_sample(db_cli, shop: Path) -> None:
    out = shop / "sample.csv"
    done = db_cli(
        "export", "contacts", "--out", str(out), "--limit", "1", "--date-format", "%d %b %Y"
    )
    assert done.code == 0, done.err
    table = rows(out)
    assert len(table) == 2
    created = table[1][table[0].index("created_at")]
    assert created[3:6].isalpha() and len(created) == len("23 Nov 2026 10:00:00")
    assert db_cli("export", "contacts", "--out", str(out), "--limit", "0").code == 10


def test_period_from_to(db_cli, shop: Path) -> None:
    out = shop / "october.csv"
    done = db_cli(
        "export", "activities", "--out", str(out), "--from", "2026-10-01", "--to", "2026-10-31"
    )
    assert done.code == 0, done.err
    table = rows(out)
    assert [r[table[0].index("kind")] for r in table[1:]] == ["purchase", "payment"]


def test_format_follows_the_file_name(db_cli, shop: Path) -> None:
    cards = shop / "people.vcf"
    assert db_cli("export", "contacts", "--out", str(cards), "--vcard-version", "4.0").code == 0
    names = sorted(c.fn.value for c in vobject.readComponents(cards.read_text("utf-8")))
    assert names == ["Katja Zupančič", "Matti Virtanen"]
    calendar = shop / "todo.ics"
    assert db_cli("export", "followups", "--out", str(calendar)).code == 0
    (event,) = icalendar.Calendar.from_ical(calendar.read_bytes()).walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]


def test_cp1252_error_names_the_row_and_leaves_no_file(db_cli, shop: Path) -> None:
    out = shop / "contacts.csv"
    done = db_cli("export", "contacts", "--out", str(out), "--encoding", "cp1252")
    assert done.code == ExportError.exit_code
    assert "column display_name" in done.err and "'č' (U+010D" in done.err
    assert "Traceback" not in done.err
    assert list(shop.iterdir()) == []


def test_refusals_and_their_exit_codes(db_cli, shop: Path) -> None:
    out = shop / "deals.csv"
    out.write_text("keep me")
    exists = db_cli("export", "deals", "--out", str(out))
    assert exists.code == ExportError.exit_code and "already exists" in exists.err
    assert out.read_text() == "keep me"
    assert db_cli("export", "deals", "--out", str(out), "--overwrite").code == 0
    for args, words in [
        (("deals", "--out", str(shop / "d.ics")), "cannot be exported as ics"),
        (("payments", "--out", str(shop / "x.csv"), "--from", "1.10.2026"), "--from '1.10.2026'"),
        (("payments", "--out", str(shop / "x.csv"), "--locale", "xx_XX"), "no CSV preset"),
        (("payments", "--out", str(shop / "x.csv"), "--decimal", ";"), "decimal mark"),
    ]:
        refused = db_cli("export", *args)
        assert refused.code == ValidationError.exit_code, args
        assert words in refused.err
    with pytest.raises(SystemExit) as usage:
        db_cli("export", "invoices", "--out", str(shop / "x.csv"))
    assert usage.value.code == 2
    assert sorted(p.name for p in shop.iterdir()) == ["deals.csv"]
