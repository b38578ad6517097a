"""vCard 2.1, 3.0 and 4.0 samples read into contacts, value by value."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from crmdesk.errors import UnreadableFile
from crmdesk.interchange.import_records import ContactRecord
from crmdesk.interchange.vcard_reader import read_vcards, split_escaped

Reader = Callable[..., list[ContactRecord]]


def test_vcard_21_quoted_printable_charsets_and_a_photo(
    read_records: Reader, samples: Path
) -> None:
    matti, giulia = read_records(samples / "contacts-2.1.vcf")
    assert (matti.row, matti.first_name, matti.last_name) == (1, "Matti", "Jääskeläinen")
    assert (matti.company, matti.title) == ("Rengas Oy", "Myyntipäällikkö")
    assert [(p.label, p.raw, p.e164) for p in matti.phones] == [
        ("mobile", "040 123 4567", "+358401234567"),
        ("work", "(09) 876 5432", "+35898765432"),
    ]
    assert [e.address for e in matti.emails] == ["matti.jaaskelainen@rengas.fi"]
    address = matti.addresses[0]
    assert (address.label, address.street, address.postal_code, address.city) == (
        "work",
        "Teollisuuskatu 5",
        "00510",
        "Helsinki",
    )
    assert address.country == "Finland"  # joined across the soft line break
    assert matti.notes == "Department: Myynti\nSoittaa aamupäivisin.\nTalvirenkaat tilattu."
    assert matti.birthday == date(1975, 3, 14)  # read after the photo's data was skipped
    assert not matti.problems
    assert [p.reason for p in giulia.problems] == [
        "'giulia@@gommebianchi.it' is not a valid e-mail address."
    ]


def test_vcard_30_groups_escapes_categories_and_a_huge_folded_photo(
    read_records: Reader, samples: Path
) -> None:
    (soren,) = read_records(samples / "contacts-3.0.vcf")
    assert (soren.first_name, soren.last_name, soren.company) == (
        "Sören",
        "Ekström",
        "Däck & Fälg AB",
    )
    assert [(e.label, e.address) for e in soren.emails] == [
        ("work", "soren.ekstrom@dackfalg.se"),
        ("home", "soren@example.se"),
    ]
    assert [(p.label, p.e164) for p in soren.phones] == [
        ("mobile", "+46701234567"),
        ("växel", "+46401234567"),
    ]
    assert (
        soren.notes
        == "Met at the Elmia fair, booth 4:12.\nSpeaks Finnish; prefers e-mail. Path C:\\orders"
    )
    assert soren.tags == ["Suppliers", "VIP", "Dealer, Nordic"]
    assert soren.addresses[0].street == "Storgatan 12, Box 45"
    assert (soren.website, soren.birthday) == ("https://dackfalg.se", date(1980, 4, 5))
    assert len(soren.original[0]) < 2_000  # the 400 kB photo is not kept


def test_vcard_40_organisation_uri_phone_and_birthday_without_year(
    read_records: Reader, samples: Path
) -> None:
    company, ritva = read_records(samples / "contacts-4.0.vcf")
    assert (company.kind, company.company) == ("company", "Kuljetus Nieminen Oy")
    assert [(p.label, p.e164) for p in company.phones] == [("work", "+35832345678")]
    assert company.addresses[0].city == "Tampere"
    assert (ritva.kind, ritva.display_name, ritva.birthday) == ("person", "Ritva Öhman", None)
    assert ritva.notes == "Birthday: --0621"  # no year: kept in the notes, not lost
    assert ritva.tags == ["newsletter"]


def test_a_file_without_cards_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.vcf"
    path.write_text("hello\nworld\n")
    with pytest.raises(UnreadableFile, match="holds no vCard"):
        list(read_vcards(path, "utf-8"))


def test_a_card_cut_off_without_end_keeps_what_it_had(read_records: Reader, tmp_path: Path) -> None:
    path = tmp_path / "cut.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nN:Lahti;Pekka\nEMAIL:pekka@example.fi\n")
    (pekka,) = read_records(path)
    assert (pekka.display_name, pekka.emails[0].address) == ("Pekka Lahti", "pekka@example.fi")


def test_escapes_are_undone_only_where_escaped() -> None:
    assert split_escaped(r"a\,b,c\;d\\e\nf", ",") == ["a,b", "c;d\\e\nf"]
