"""iCalendar follow-ups: read back by the icalendar parser, RFC 5545 shape."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import icalendar

from crmdesk.interchange.ics_writer import IcsWriter
from crmdesk.interchange.records import UtcTimestamp

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def followup(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "f1",
        "due_at": datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
        "contact_id": "c1",
        "contact": "Anna Virtanen",
        "text": "Call back; about tyres, 4 pcs",
        "priority": "high",
        "recurrence": "monthly",
        "owner": "matti",
        "done_at": None,
        "deal_id": None,
    }
    record.update(changes)
    return record


def calendar(*records: dict[str, object]) -> bytes:
    out = io.BytesIO()
    writer = IcsWriter(out, NOW)
    writer.write_rows(list(records))
    writer.close()
    return out.getvalue()


def test_calendar_is_read_back_by_icalendar() -> None:
    done = followup(
        id="f2",
        due_at=UtcTimestamp("2026-11-20T08:00:00.000Z"),  # as the store passes it
        done_at=UtcTimestamp("2026-11-20T09:30:00.000Z"),
        priority="low",
        text="x" * 200,
    )
    data = calendar(followup(), done)
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and "crmdesk" in str(cal["PRODID"])
    first, second = cal.walk("VEVENT")
    assert str(first["UID"]) == "f1@crmdesk"
    assert first.decoded("DTSTART") == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert first.decoded("DTSTAMP") == NOW
    assert str(first["SUMMARY"]) == "Anna Virtanen: Call back; about tyres, 4 pcs"
    assert "Contact: Anna Virtanen" in str(first["DESCRIPTION"])
    assert int(first["PRIORITY"]) == 1
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first["RRULE"]["FREQ"] == ["MONTHLY"]
    assert str(second["STATUS"]) == "CANCELLED"
    assert int(second["PRIORITY"]) == 9
    assert "RRULE" not in second  # its next occurrence is a follow-up of its own
    assert str(second["SUMMARY"]) == "Anna Virtanen: " + "x" * 200
    assert second.decoded("DTSTART") == datetime(2026, 11, 20, 8, tzinfo=UTC)
    assert "Done: 2026-11-20 09:30 UTC" in str(second["DESCRIPTION"])


def test_crlf_and_folding() -> None:
    data = calendar(followup(text="ö" * 100))
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 and b"\n" not in line for line in lines)
    assert sum(line.startswith(b" ") for line in lines) >= 3


def test_text_escaping() -> None:
    data = calendar(followup(text="a,b;c\\d\ne"))
    assert b"SUMMARY:Anna Virtanen: a\\,b\\;c\\\\d\\ne\r\n" in data
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Anna Virtanen: a,b;c\\d\ne"
