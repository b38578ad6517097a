"""vCard 3.0 and 4.0: read back by vobject, escaped, folded at 75 octets, CRLF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import vobject

from crmdesk.errors import ValidationError
from crmdesk.interchange.columns import CONTACTS
from crmdesk.interchange.records import Labelled, PhoneNumber, PostalAddress
from crmdesk.interchange.vcard_writer import VCardWriter

NOTE = "Line one; with, commas \\ and a backslash\nLine two " + "ä" * 60


def person(**changes: object) -> dict[str, object]:
    record: dict[str, object] = dict.fromkeys(CONTACTS, "")
    record.update(
        id="01a207c4-9d07-7000-a558-fdcae91754cb",
        kind="person",
        display_name="Matti Jääskeläinen",
        first_name="Matti",
        last_name="Jääskeläinen",
        company="Acme; Oy, Ltd",
        title="CEO",
        emails=[Labelled("work", "matti@acme.fi"), Labelled("", "m@home.fi")],
        phones=[PhoneNumber("mobile", "040 123 4567", "+358401234567"), PhoneNumber("", "12345")],
        addresses=[PostalAddress("home", "Katu 1; B", "00100", "Helsinki", "", "FI")],
        website="https://acme.fi",
        birthday="1980-05-17",
        tags=["vip", "a,b"],
        notes=NOTE,
        updated_at=datetime(2026, 11, 23, 9, 15, tzinfo=UTC),
    )
    record.update(changes)
    return record


def write(version: str, *records: dict[str, object]) -> bytes:
    out = io.BytesIO()
    writer = VCardWriter(out, version)
    assert writer.write_rows(list(records)) == len(records)
    return out.getvalue()


def test_lines_end_in_crlf_and_fold_at_75_octets() -> None:
    data = write("3.0", person())
    assert data.endswith(b"END:VCARD\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long note was folded
    for line in lines:
        line.decode("utf-8")  # never cut inside a UTF-8 sequence


def test_version_3_read_back_by_vobject() -> None:
    card = vobject.readOne(write("3.0", person()).decode("utf-8"))
    assert card.version.value == "3.0"
    assert card.fn.value == "Matti Jääskeläinen"
    assert (card.n.value.family, card.n.value.given) == ("Jääskeläinen", "Matti")
    assert card.org.value == ["Acme; Oy, Ltd"]
    assert card.note.value == NOTE
    assert [t.value for t in card.tel_list] == ["+358401234567", "12345"]
    assert card.tel_list[0].params["TYPE"] == ["CELL"]
    assert [e.value for e in card.email_list] == ["matti@acme.fi", "m@home.fi"]
    assert card.email_list[0].params["TYPE"] == ["INTERNET", "WORK"]
    adr = card.adr.value
    assert (adr.street, adr.code, adr.city, adr.country) == ("Katu 1; B", "00100", "Helsinki", "FI")
    assert card.categories.value == ["vip", "a,b"]
    assert card.bday.value == "1980-05-17"
    assert card.uid.value == "urn:uuid:01a207c4-9d07-7000-a558-fdcae91754cb"


def test_version_4_read_back_by_vobject() -> None:
    company = person(kind="company", display_name="Acme Oy", company="Acme Oy", birthday="")
    cards = list(vobject.readComponents(write("4.0", person(), company).decode("utf-8")))
    assert len(cards) == 2
    first, second = cards
    assert first.version.value == "4.0"
    assert first.kind.value == "individual" and second.kind.value == "org"
    assert first.tel_list[0].value == "tel:+358401234567"
    assert first.tel_list[0].params["VALUE"] == ["uri"]
    assert first.tel_list[1].value == "12345"
    assert first.bday.value == "19800517"
    assert first.rev.value == "20261123T091500Z"
    assert first.note.value == NOTE
    assert second.fn.value == "Acme Oy" and not hasattr(second, "bday")


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"3\.0 or 4\.0"):
        VCardWriter(io.BytesIO(), "2.1")


def test_birthday_may_be_a_date() -> None:
    card = vobject.readOne(write("3.0", person(birthday=date(1999, 12, 31))).decode())
    assert card.bday.value == "1999-12-31"
