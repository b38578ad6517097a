"""Reading vCard 2.1, 3.0 and 4.0 files (``.vcf``), card by card, streamed.

Handles line folding, quoted-printable values with their soft line breaks,
``CHARSET`` parameters, grouped properties (``item1.EMAIL`` with Apple's
``item1.X-ABLabel``), ``TYPE`` parameters in all three styles, and text
escapes. Pictures and other binary data (PHOTO, LOGO, SOUND, KEY) are skipped
as they stream past, so a card with a huge photo costs no memory.
Cards are numbered from 1 in the order of the file.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crmdesk.errors import UnreadableFile
from crmdesk.interchange.import_records import AddressParts, Labelled, RawContact
from crmdesk.interchange.mapping import clean_tags

BINARY = {"PHOTO", "LOGO", "SOUND", "KEY"}
_PROPERTY_START = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)?[;:]")
_BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}
_IGNORED_TYPES = {"internet", "pref", "voice", "x400", "msg", "text", "uri"}
_TYPE_LABELS = {"cell": "mobile", "work": "work", "home": "home", "fax": "fax"}
MAX_CARD_LINES = 10_000


@dataclass
class Property:
    """One property line: group, name (upper case), parameters and raw value."""

    group: str
    name: str
    params: dict[str, list[str]] = field(default_factory=dict)
    value: str = ""

    @property
    def types(self) -> list[str]:
        return [t.lower() for t in self.params.get("TYPE", [])]

    def encoding(self) -> str:
        return (self.params.get("ENCODING") or [""])[0].upper()


def read_vcards(path: Path, encoding: str) -> Iterator[RawContact]:
    """The cards of a vCard file, as raw contacts."""
    found = False
    with path.open(encoding=encoding, errors="replace") as f:
        for number, props in enumerate(_cards(f), start=1):
            found = True
            yield _contact(number, props)
    if not found:
        raise UnreadableFile(f"{path.name} holds no vCard (no BEGIN:VCARD line).")


def _cards(lines: Iterable[str]) -> Iterator[list[Property]]:
    card: list[Property] | None = None
    for line in _logical_lines(lines):
        prop = parse_property(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            if card:
                yield card  # a card without END: keep what it had
            card = []
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
            if card is not None:
                yield card
            card = None
        elif card is not None and len(card) < MAX_CARD_LINES:
            card.append(prop)
    if card:
        yield card


def _logical_lines(lines: Iterable[str]) -> Iterator[str]:
    """Unfolded property lines; binary data is dropped as it streams past."""
    current: list[str] = []
    skipping = False
    soft_break = False
    for physical in lines:
        physical = physical.rstrip("\r\n")
        if skipping:
            if not physical.strip():
                skipping = False
                continue
            if physical[0] in " \t" or not _PROPERTY_START.match(physical):
                continue  # more picture data (folded, or vCard 2.1 style)
            skipping = False
        if current and (soft_break or (physical[:1] in (" ", "\t"))):
            if soft_break:
                current[-1] = current[-1][:-1]  # the "=" of a quoted-printable soft break
                current.append(physical)
            else:
                current.append(physical[1:])
            soft_break = _is_qp(current[0]) and physical.endswith("=")
            continue
        if current:
            yield "".join(current)
        current = []
        soft_break = False
        if not physical.strip():
            continue
        name = _name_of(physical)
        if name in BINARY:
            skipping = True
            continue
        current = [physical]
        soft_break = _is_qp(physical) and physical.endswith("=")
    if current:
        yield "".join(current)


def _name_of(line: str) -> str:
    head = re.split(r"[;:]", line, maxsplit=1)[0]
    return head.rpartition(".")[2].strip().upper()


def _is_qp(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def parse_property(line: str) -> Property | None:
    """One unfolded line as a :class:`Property`; None when it is not one."""
    in_quotes = False
    for i, c in enumerate(line):
        if c == '"':
            in_quotes = not in_quotes
        elif c == ":" and not in_quotes:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        return None
    parts = _split_params(head)
    group, _, name = parts[0].strip().rpartition(".")
    prop = Property(group.lower(), name.upper(), value=value)
    for param in parts[1:]:
        key, sep, val = param.partition("=")
        key = key.strip().upper()
        if not sep:
            key, val = ("ENCODING", key) if key in _BARE_ENCODINGS else ("TYPE", key)
        values = [v.strip().strip('"') for v in val.strip('"').split(",")]
        prop.params.setdefault(key, []).extend(v for v in values if v)
    return prop


def _split_params(head: str) -> list[str]:
    out, current, in_quotes = [], [], False
    for c in head:
        if c == '"':
            in_quotes = not in_quotes
        if c == ";" and not in_quotes:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    return out


def decoded(prop: Property) -> str:
    """The value with its transfer encoding and character set undone (escapes kept)."""
    charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    encoding = prop.encoding()
    if encoding == "QUOTED-PRINTABLE":
        data = quopri.decodestring(prop.value.encode(charset, errors="replace"))
        return data.decode(charset, errors="replace")
    if encoding in ("B", "BASE64"):
        try:
            return base64.b64decode(prop.value, validate=False).decode(charset, errors="replace")
        except (binascii.Error, ValueError):
            return prop.value
    return prop.value


def split_escaped(text: str, separator: str) -> list[str]:
    """Split at separators not escaped by a backslash, then undo the escapes."""
    parts, current, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            current.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        if c == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    """``\\n`` ``\\,`` ``\\;`` ``\\\\`` undone."""
    return split_escaped(text, "\0")[0] if "\\" in text else text


def _label(prop: Property, labels: dict[str, str]) -> str:
    if prop.group and prop.group in labels:
        return labels[prop.group]
    for t in prop.types:
        if t in _TYPE_LABELS:
            return _TYPE_LABELS[t]
    others = [t for t in prop.types if t not in _IGNORED_TYPES and not t.startswith("x-")]
    return others[0] if others else ""


def _contact(number: int, props: list[Property]) -> RawContact:
    original = [_line_text(p) for p in props]
    raw = RawContact(row=number, original=["\n".join(original)])
    labels = {
        p.group: unescape(decoded(p)).strip("_$!<>").lower()
        for p in props
        if p.name == "X-ABLABEL" and p.group
    }
    full_name = ""
    for prop in props:
        name, text = prop.name, decoded(prop)
        if name == "N":
            parts = split_escaped(text, ";") + [""] * 5
            raw.add("last_name", parts[0].replace(",", " "))
            raw.add("first_name", " ".join(p for p in (parts[1], parts[2].replace(",", " ")) if p))
        elif name == "FN":
            full_name = unescape(text)
        elif name == "ORG":
            org = split_escaped(text, ";")
            raw.add("company", org[0])
            if len(org) > 1 and any(o.strip() for o in org[1:]):
                raw.add("notes", "Department: " + ", ".join(o for o in org[1:] if o.strip()))
        elif name in ("TITLE", "NOTE", "URL", "BDAY"):
            field = {"TITLE": "title", "NOTE": "notes", "URL": "website", "BDAY": "birthday"}[name]
            raw.add(field, unescape(text))
        elif name == "EMAIL":
            raw.emails.append(Labelled(unescape(text).strip(), _label(prop, labels)))
        elif name == "TEL":
            value = unescape(text).strip()
            value = value[4:] if value.lower().startswith("tel:") else value
            raw.phones.append(Labelled(value.split(";")[0], _label(prop, labels)))
        elif name == "ADR":
            parts = [p.strip() for p in split_escaped(text, ";")] + [""] * 7
            street = ", ".join(p for p in (parts[2], parts[1], parts[0]) if p)
            raw.addresses.append(
                AddressParts(street, parts[5], parts[3], parts[4], parts[6], _label(prop, labels))
            )
        elif name == "CATEGORIES":
            raw.tags.extend(clean_tags([t.strip() for t in split_escaped(text, ",")]))
        elif name in ("KIND", "X-ABSHOWAS") and text.strip().lower() in ("org", "company"):
            raw.add("kind", "company")
    if full_name and not (raw.fields.get("first_name") or raw.fields.get("last_name")):
        raw.add("full_name", full_name)
    if full_name and raw.fields.get("kind") and not raw.fields.get("company"):
        raw.add("company", full_name)
    return raw


def _line_text(prop: Property) -> str:
    params = "".join(f";{k}={','.join(v)}" for k, v in prop.params.items())
    group = f"{prop.group}." if prop.group else ""
    return f"{group}{prop.name}{params}:{prop.value}"
