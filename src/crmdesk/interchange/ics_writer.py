"""iCalendar (RFC 5545) export of follow-ups: one VEVENT each, times in UTC.

Records are mappings with the follow-ups columns of ``columns.py`` (times
as datetimes or :class:`~crmdesk.interchange.records.UtcTimestamp`). An open
follow-up is ``STATUS:CONFIRMED`` and carries its ``RRULE`` when it repeats;
a done one is ``STATUS:CANCELLED`` (calendars show it struck through), without
a rule, since crmdesk scheduled its next occurrence as a follow-up of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import BinaryIO

from crmdesk.interchange.content_lines import content_line, escape
from crmdesk.interchange.records import as_datetime

PRODID = "-//crmdesk//crmdesk follow-ups//EN"
DURATION = "PT30M"
#: crmdesk priority -> iCalendar PRIORITY (1 highest, 9 lowest).
PRIORITIES = {"high": "1", "normal": "5", "low": "9"}
RULES = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}


def utc_stamp(moment: datetime) -> str:
    """``20261123T091500Z``."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class IcsWriter:
    """Writes a VCALENDAR of follow-ups to a binary file (UTF-8, CRLF)."""

    def __init__(self, out: BinaryIO, now: datetime, name: str = "crmdesk follow-ups") -> None:
        self.out = out
        self.stamp = utc_stamp(now)
        self.rows_written = 0
        head = (
            content_line("BEGIN", "VCALENDAR")
            + content_line("VERSION", "2.0")
            + content_line("PRODID", escape(PRODID))
            + content_line("CALSCALE", "GREGORIAN")
            + content_line("X-WR-CALNAME", escape(name))
        )
        self.out.write(head.encode("utf-8"))

    def write_rows(self, records: Iterable[Mapping[str, object]]) -> int:
        """Write a batch of follow-ups; returns how many."""
        events = [self.event(r) for r in records]
        self.out.write("".join(events).encode("utf-8"))
        self.rows_written += len(events)
        return len(events)

    def close(self) -> None:
        """End the calendar (the file stays open for its owner to close)."""
        self.out.write(content_line("END", "VCALENDAR").encode("utf-8"))

    def event(self, r: Mapping[str, object]) -> str:
        """One follow-up as a VEVENT."""
        due = as_datetime(r["due_at"])
        if due is None:
            raise ValueError(f"follow-up {r['id']} has no due time")
        contact, text = str(r.get("contact") or ""), str(r.get("text") or "")
        done_at = as_datetime(r.get("done_at"))
        done = done_at is not None
        summary = f"{contact}: {text}" if text else f"Follow up with {contact}"
        details = [text] if text else []
        details.append(f"Contact: {contact}")
        if r.get("owner"):
            details.append(f"Owner: {r['owner']}")
        if done_at is not None:
            details.append(f"Done: {done_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
        lines = [
            content_line("BEGIN", "VEVENT"),
            content_line("UID", f"{r['id']}@crmdesk"),
            content_line("DTSTAMP", self.stamp),
            content_line("DTSTART", utc_stamp(due)),
            content_line("DURATION", DURATION),
            content_line("SUMMARY", escape(summary)),
            content_line("DESCRIPTION", escape("\n".join(details))),
            content_line("PRIORITY", PRIORITIES.get(str(r.get("priority")), "5")),
            content_line("STATUS", "CANCELLED" if done else "CONFIRMED"),
        ]
        rule = RULES.get(str(r.get("recurrence")))
        if rule and not done:
            lines.append(content_line("RRULE", f"FREQ={rule}"))
        lines.append(content_line("END", "VEVENT"))
        return "".join(lines)
