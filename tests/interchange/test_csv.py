"""CSV files: encodings, delimiters, quoted line breaks, and the header presets."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from crmdesk.errors import UnreadableFile, ValidationError
from crmdesk.interchange.csv_reader import CsvFile
from crmdesk.interchange.import_records import ContactRecord
from crmdesk.interchange.mapping import parse_map_option
from crmdesk.interchange.presets import detect, mapping_for
from crmdesk.interchange.sniff import sniff

Reader = Callable[..., list[ContactRecord]]

ROWS = (
    "name;email;notes\r\n"
    '"Jääskeläinen, Matti";matti@example.fi;"Line one\r\nline two; ""quoted"""\r\n'
)


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings_are_detected(
    read_records: Reader, tmp_path: Path, encoding: str, prefix: bytes, expected: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(prefix + ROWS.encode(encoding))
    sniffed = sniff(path)
    assert (sniffed.format, sniffed.encoding, sniffed.delimiter) == ("csv", expected, ";")
    (matti,) = read_records(path)
    assert (matti.first_name, matti.last_name) == ("Matti", "Jääskeläinen")
    assert matti.notes == 'Line one\nline two; "quoted"'
    assert matti.row == 2


def test_bytes_undefined_in_windows_1252_fall_back_to_latin_1(
    read_records: Reader, tmp_path: Path
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes("name,notes\nÅsa Öberg,x\x81y\n".encode("latin-1"))
    assert sniff(path).encoding == "latin-1"
    assert read_records(path)[0].display_name == "Åsa Öberg"


def test_utf8_broken_only_at_the_end_of_a_big_file_is_still_caught(
    read_records: Reader, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    body = "".join(f"Person {i},p{i}@example.fi\n" for i in range(60_000))
    path.write_bytes(
        ("name,email\n" + body).encode() + "Åke Ström,ake@example.se\n".encode("cp1252")
    )
    assert path.stat().st_size > 1 << 20
    assert sniff(path).encoding == "cp1252"
    assert read_records(path)[-1].display_name == "Åke Ström"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(read_records: Reader, tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "people.csv"
    lines = [["First name", "Last name", "Phone"], ["Anna", "Virtanen", "040 111 2222"]]
    lines.append(["Pekka", "Lahti, Jr", "050 333 4444"])
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) for row in lines)
    path.write_text(text + "\n")
    assert sniff(path).delimiter == delimiter
    anna, pekka = read_records(path)
    assert anna.phones[0].e164 == "+358401112222"
    assert pekka.last_name == "Lahti, Jr"


def test_excel_sep_line_sets_the_delimiter(read_records: Reader, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nName;Email\nAnna Virtanen;anna@example.fi\n\n;\n")
    (anna,) = read_records(path)  # the empty rows are skipped
    assert (anna.row, anna.emails[0].address) == (3, "anna@example.fi")


def test_google_contacts_export(read_records: Reader, samples: Path) -> None:
    with CsvFile(samples / "google.csv", sniff(samples / "google.csv")) as f:
        assert detect(f.header) == "google"
    matti, giulia, company, liisa = read_records(samples / "google.csv")
    assert (matti.first_name, matti.last_name) == ("Matti Juhani", "Jääskeläinen")
    assert (matti.company, matti.title, matti.birthday) == (
        "Rengas Oy",
        "Myyntipäällikkö",
        date(1975, 3, 14),
    )
    assert [(e.label, e.address) for e in matti.emails] == [
        ("work", "matti.jaaskelainen@rengas.fi"),
        ("work", "matti@example.fi"),
        ("home", "mj@kotiposti.fi"),
    ]
    assert [(p.label, p.e164) for p in matti.phones] == [
        ("mobile", "+358401234567"),
        ("mobile", "+358507654321"),
        ("work", "+35898765432"),
    ]
    assert matti.tags == ["VIP", "Tyres"]
    assert matti.notes == "Prefers calls before noon.\nAsks for the winter price list."
    assert (matti.addresses[0].street, matti.addresses[0].country) == ("Teollisuuskatu 5", "FI")
    assert matti.website == "https://rengas.fi"
    assert (giulia.birthday, giulia.notes) == (None, "Birthday: --06-21")
    assert giulia.phones[0].e164 == "+390212345678"
    assert (company.kind, company.company) == ("company", "Kuljetus Nieminen Oy")
    assert liisa.tags == ["starred"]
    assert liisa.reason == "'liisa.makela@@example.fi' is not a valid e-mail address."
    assert liisa.row == 6  # the empty row 5 was skipped, but rows keep their numbers


def test_outlook_export_in_windows_1252(read_records: Reader, samples: Path) -> None:
    assert sniff(samples / "outlook.csv").encoding == "cp1252"
    soren, ritva = read_records(samples / "outlook.csv")
    with CsvFile(samples / "outlook.csv", sniff(samples / "outlook.csv")) as f:
        assert detect(f.header) == "outlook"
    assert (soren.first_name, soren.last_name, soren.company) == (
        "Sören",
        "Ekström",
        "Däck & Fälg AB",
    )
    assert soren.title == "Inköpare"  # "Title" is Mr./Ms. in Outlook and is left out
    assert [(p.label, p.e164) for p in soren.phones] == [
        ("work", "+46401234567"),
        ("mobile", "+46701234567"),
    ]
    assert [e.address for e in soren.emails] == ["soren.ekstrom@dackfalg.se", "soren@example.se"]
    work = soren.addresses[0]
    assert (work.label, work.street, work.postal_code, work.city, work.country) == (
        "work",
        "Storgatan 12, Box 45",
        "211 34",
        "Malmö",
        "Sweden",
    )
    assert soren.birthday == date(1980, 4, 5)
    assert soren.tags == ["Suppliers", "VIP"]
    assert soren.notes == "Met at the Elmia fair.\nSpeaks Finnish."
    assert (ritva.birthday, ritva.notes) == (None, "")  # Outlook writes 0/0/00 for no birthday
    assert [(a.label, a.city) for a in ritva.addresses] == [("home", "Tampere")]
    assert ritva.phones[0].e164 == "+35831234567"


def test_crmdesk_columns_with_labels_and_multi_value_cells(
    read_records: Reader, tmp_path: Path
) -> None:
    from crmdesk.interchange.columns import CONTACTS

    path = tmp_path / "crmdesk.csv"
    row = {
        "id": "01940000-0000-7000-8000-00000000abcd",
        "kind": "person",
        "display_name": "Matti Jääskeläinen",
        "first_name": "Matti",
        "last_name": "Jääskeläinen",
        "company": "Rengas Oy",
        "stage": "repeat_customer",
        "emails": "work : matti@rengas.fi\nmatti@example.fi",
        "phones": "mobile : 040 123 4567\nwork : +39 06 1234 5678",
        "addresses": "work : Teollisuuskatu 5 | 00510 | Helsinki |  | FI\n"
        "home : Kotikatu 1 |  | Espoo |  | FI",
        "tags": "VIP\nWinter, tyres",
        "consent_marketing": "yes",
        "payment_terms_days": "14",
        "credit_limit": "2000,50",
        "discount_percent": "7.5",
        "currency": "EUR",
        "created_at": "2024-02-03T04:05:06.000Z",
    }
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CONTACTS)
        writer.writerow([row.get(c, "") for c in CONTACTS])
    (matti,) = read_records(path)
    assert matti.id == row["id"]
    assert matti.stage == "repeat_customer"
    assert [(e.label, e.address) for e in matti.emails] == [
        ("work", "matti@rengas.fi"),
        ("", "matti@example.fi"),
    ]
    assert [(p.label, p.raw) for p in matti.phones] == [
        ("mobile", "040 123 4567"),
        ("work", "+39 06 1234 5678"),
    ]
    assert [(a.label, a.street, a.city) for a in matti.addresses] == [
        ("work", "Teollisuuskatu 5", "Helsinki"),
        ("home", "Kotikatu 1", "Espoo"),
    ]
    assert matti.tags == ["VIP", "Winter, tyres"]
    assert (matti.consent_marketing, matti.payment_terms_days) == (True, 14)
    assert (matti.credit_limit_minor, matti.discount_bp) == (200050, 750)
    assert matti.created_at is not None and matti.created_at.year == 2024


def test_map_overrides_and_a_field_mapped_twice(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Who,Mail,Other mail,Cell,Remarks\nAnna Virtanen,a@x.fi,b@y.fi,040 1,hi\n")
    with CsvFile(path, sniff(path)) as f:
        mapping, preset = mapping_for(f.header)
        assert preset == "generic"
        assert mapping.unmapped() == ["Who", "Other mail", "Cell", "Remarks"]
        for option in ("Who=full_name", "Other mail=email:home", "Cell=phone:mobile"):
            mapping = mapping.with_override(*parse_map_option(option))
        raw = mapping.apply(2, next(f.rows()).cells)
    assert [(e.label, e.value) for e in raw.emails] == [("", "a@x.fi"), ("home", "b@y.fi")]
    assert raw.fields["full_name"] == ["Anna Virtanen"]
    assert [(p.label, p.value) for p in raw.phones] == [("mobile", "040 1")]
    with pytest.raises(ValidationError, match="no column 'Nope'"):
        mapping.with_override(*parse_map_option("Nope=email"))
    with pytest.raises(ValidationError, match="'mail' is not a field"):
        parse_map_option("Mail=mail")


def test_empty_and_missing_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(UnreadableFile, match="empty"):
        sniff(empty)
    with pytest.raises(UnreadableFile, match="no file"):
        sniff(tmp_path / "missing.csv")


def test_older_google_export_with_type_columns(read_records: Reader, tmp_path: Path) -> None:
    path = tmp_path / "google-old.csv"
    path.write_text(
        "Name,Given Name,Additional Name,Family Name,Birthday,Notes,Group Membership,"
        "E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,"
        "Organization 1 - Type,Organization 1 - Name,Organization 1 - Title\n"
        "Anna Maria Virtanen,Anna,Maria,Virtanen,1980-04-05,,* myContacts ::: Golf,"
        "* Home ::: * Work,anna@koti.fi ::: anna@acme.fi,Mobile,+358 40 111 2222,,Acme Oy,CEO\n",
        encoding="utf-8",
    )
    with CsvFile(path, sniff(path)) as f:
        assert detect(f.header) == "google"
    (anna,) = read_records(path)
    assert (anna.first_name, anna.last_name, anna.company, anna.title) == (
        "Anna Maria",
        "Virtanen",
        "Acme Oy",
        "CEO",
    )
    assert [(e.label, e.address) for e in anna.emails] == [
        ("home", "anna@koti.fi"),
        ("work", "anna@acme.fi"),
    ]
    assert [(p.label, p.e164) for p in anna.phones] == [("mobile", "+358401112222")]
    assert anna.tags == ["Golf"]
