"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) export of contacts, streamed.

Records are mappings with the contacts (or companies) columns of
``columns.py``; the multi-value columns hold :mod:`~crmdesk.interchange.records`
values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date
from typing import BinaryIO, TypeVar

from crmdesk.errors import ValidationError
from crmdesk.interchange.content_lines import content_line, escape, structured
from crmdesk.interchange.records import Labelled, PhoneNumber, PostalAddress, as_datetime

VERSIONS = ("3.0", "4.0")
PRODID = "-//crmdesk//crmdesk export//EN"
T = TypeVar("T")
# crmdesk labels (as people type them) and the vCard TYPE they mean.
_PHONE_TYPES = {"mobile": "cell", "cell": "cell", "work": "work", "home": "home", "fax": "fax"}
_TYPES = {"work": "work", "home": "home", "office": "work", "private": "home"}


def _type(label: str, table: Mapping[str, str], version: str) -> str:
    kind = table.get(label.strip().lower(), "")
    return kind.upper() if version == "3.0" else kind


class VCardWriter:
    """Writes one vCard per contact record to a binary file (UTF-8, CRLF)."""

    def __init__(self, out: BinaryIO, version: str = "3.0") -> None:
        if version not in VERSIONS:
            raise ValidationError(f"'{version}' is not a vCard version; use 3.0 or 4.0.")
        self.out = out
        self.version = version
        self.rows_written = 0

    def write_rows(self, records: Iterable[Mapping[str, object]]) -> int:
        """Write a batch of contacts; returns how many."""
        cards = [self.card(r) for r in records]
        self.out.write("".join(cards).encode("utf-8"))
        self.rows_written += len(cards)
        return len(cards)

    def card(self, r: Mapping[str, object]) -> str:
        """One contact as a vCard (a record of the companies layout is a company)."""
        v4 = self.version == "4.0"
        company = r.get("kind", "company") == "company"
        name = str(r.get("display_name") or r.get("name") or "")
        org = str(r.get("company") or (name if company else ""))
        lines = [content_line("BEGIN", "VCARD"), content_line("VERSION", self.version)]
        lines.append(content_line("PRODID", escape(PRODID)))
        lines.append(content_line("UID", f"urn:uuid:{r['id']}"))
        if v4:
            lines.append(content_line("KIND", "org" if company else "individual"))
        lines.append(content_line("FN", escape(name)))
        if company:
            lines.append(content_line("N", structured(["", "", "", "", ""])))
        else:
            names = [str(r.get("last_name") or ""), str(r.get("first_name") or ""), "", "", ""]
            lines.append(content_line("N", structured(names)))
        if org:
            lines.append(content_line("ORG", escape(org)))
        if r.get("title"):
            lines.append(content_line("TITLE", escape(str(r["title"]))))
        lines.extend(self._phone(p) for p in _items(r.get("phones"), PhoneNumber))
        for email in _items(r.get("emails"), Labelled):
            kind = _type(email.label, _TYPES, self.version)
            if not v4:
                kind = ",".join(t for t in ("INTERNET", kind) if t)
            lines.append(content_line("EMAIL", escape(email.value), type=kind))
        for a in _items(r.get("addresses"), PostalAddress):
            parts = ["", "", a.street, a.city, a.region, a.postal_code, a.country]
            kind = _type(a.label, _TYPES, self.version)
            lines.append(content_line("ADR", structured(parts), type=kind))
        if r.get("website"):
            lines.append(content_line("URL", escape(str(r["website"]))))
        birthday = r.get("birthday")
        if birthday:
            day = birthday if isinstance(birthday, date) else date.fromisoformat(str(birthday))
            lines.append(content_line("BDAY", day.strftime("%Y%m%d") if v4 else day.isoformat()))
        tags = [str(t) for t in _items(r.get("tags"), object)]
        if tags:
            lines.append(content_line("CATEGORIES", ",".join(escape(t) for t in tags)))
        if r.get("notes"):
            lines.append(content_line("NOTE", escape(str(r["notes"]))))
        updated = as_datetime(r.get("updated_at"))
        if updated is not None:
            stamp = updated.astimezone(UTC)
            lines.append(
                content_line(
                    "REV",
                    stamp.strftime("%Y%m%dT%H%M%SZ" if v4 else "%Y-%m-%dT%H:%M:%SZ"),
                )
            )
        lines.append(content_line("END", "VCARD"))
        return "".join(lines)

    def _phone(self, phone: PhoneNumber) -> str:
        kind = _type(phone.label, _PHONE_TYPES, self.version)
        if self.version == "3.0":
            return content_line("TEL", escape(phone.e164 or phone.raw), type=kind or "VOICE")
        if phone.e164:
            return content_line("TEL", f"tel:{phone.e164}", value="uri", type=kind)
        return content_line("TEL", escape(phone.raw), value="text", type=kind)


def _items(value: object, kind: type[T]) -> Sequence[T]:
    if not value:
        return ()
    assert isinstance(value, (list, tuple))
    return [v for v in value if isinstance(v, kind)]
