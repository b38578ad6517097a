"""Which column of a CSV file goes into which contact field.

A :class:`Target` names the field, optionally a label (``phone:mobile``) and a
group: the columns of one group build one value (the parts of one address, a
Google "E-mail 1 - Label" with its "E-mail 1 - Value"). Several columns mapped
to the same field add several values (a second e-mail, a second phone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crmdesk.errors import ValidationError
from crmdesk.interchange.columns import ADDRESS_PART_SEPARATOR, LABEL_SEPARATOR
from crmdesk.interchange.import_records import AddressParts, Labelled, RawContact

#: The fields a column can be mapped to (``--map "Column=field"``), with what each holds.
FIELDS: dict[str, str] = {
    "first_name": "first (and middle) name",
    "last_name": "last name",
    "full_name": "whole name, split into first and last ('Virtanen, Matti' or 'Matti Virtanen')",
    "company": "company name (the company is created if new)",
    "title": "job title",
    "email": "e-mail address; several per cell separated by new lines, ';', ',' or ':::'",
    "phone": "phone number (any format; the default region fills in the country)",
    "street": "street address (several street columns are joined)",
    "postal_code": "postal code",
    "city": "city",
    "region": "state or region",
    "country": "country",
    "address": "whole addresses, one per line: 'street | postal code | city | region | country'",
    "website": "web address",
    "birthday": "birthday: 1980-04-05, 5.4.1980, 4/5/1980 (month first) or 19800405",
    "notes": "notes (several notes columns are joined)",
    "tags": "tags, separated by new lines, ';', ',' or ':::'",
    "stage": "lifecycle stage: lead, prospect, customer, repeat_customer, at_risk, lapsed",
    "source": "how we met them",
    "consent_marketing": "consent to marketing: yes or no",
    "kind": "person or company",
    "owner": "user name of the owner",
    "payment_terms_days": "payment terms in days",
    "credit_limit": "credit limit (amount)",
    "discount_percent": "discount in percent",
    "currency": "currency of the terms (EUR, SEK, ...)",
    "created_at": "when the contact was created (ISO date and time)",
    "id": "crmdesk id (an id already in the database marks a duplicate)",
    "display_name": "name shown (used only when there are no name columns)",
    "ignore": "leave the column out",
}
LABELLED = ("email", "phone", "address")
ADDRESS_PARTS = ("street", "postal_code", "city", "region", "country")
INTERNAL = ("label",)  # the label of a group's values (Google's "E-mail 1 - Label")
_SPLIT = re.compile(r"\s*(?::::|;|,)\s*")
_SYSTEM_TAGS = {"mycontacts"}


@dataclass(frozen=True)
class Target:
    """Where one column goes."""

    field: str
    label: str = ""
    group: str = ""

    def describe(self) -> str:
        """``phone:mobile``: the form ``--map`` accepts."""
        return f"{self.field}:{self.label}" if self.label else self.field


def parse_target(text: str) -> Target:
    """``email``, ``phone:mobile`` or ``street:home`` as a :class:`Target`."""
    name, _, label = text.strip().partition(":")
    name = name.strip().lower().replace("-", "_").replace(" ", "_")
    if name not in FIELDS:
        raise ValidationError(
            f"'{name}' is not a field to import into; use one of: {', '.join(FIELDS)}.",
            field="map",
        )
    group = "mapped" if name in ADDRESS_PARTS else ""
    return Target(name, label.strip(), group)


def parse_map_option(text: str) -> tuple[str, Target]:
    """``"Work Email=email:work"`` as (column, target); the last ``=`` separates them."""
    column, sep, target = text.rpartition("=")
    if not sep or not column.strip():
        raise ValidationError(f"'{text}': write a mapping as \"Column=field\".", field="map")
    return column.strip(), parse_target(target)


def header_key(text: str) -> str:
    """Headers compared case- and space-insensitively."""
    return " ".join(text.replace("\ufeff", "").split()).casefold()


class Mapping:
    """The targets of a file's columns, applied row by row."""

    def __init__(self, header: Sequence[str], targets: Sequence[Target | None]) -> None:
        self.header = list(header)
        self.targets = list(targets)
        # Worked out once, not per row: which columns hold labels, which hold values.
        self._labels = [(i, t.group) for i, t in enumerate(targets) if t and t.field == "label"]
        self._values = [
            (i, t) for i, t in enumerate(targets) if t and t.field not in ("ignore", "label")
        ]

    def unmapped(self) -> list[str]:
        """Columns that are not imported."""
        return [
            column
            for column, target in zip(self.header, self.targets, strict=True)
            if target is None or target.field == "ignore"
        ]

    def with_override(self, column: str, target: Target | None) -> Mapping:
        """A copy with ``column`` mapped to ``target`` (None: ignored)."""
        keys = [header_key(h) for h in self.header]
        if header_key(column) not in keys:
            raise ValidationError(
                f"The file has no column '{column}'; its columns are: {', '.join(self.header)}.",
                field="map",
            )
        targets = list(self.targets)
        for i, key in enumerate(keys):
            if key == header_key(column):
                targets[i] = target
        return Mapping(self.header, targets)

    def apply(self, row: int, cells: Sequence[str]) -> RawContact:
        """The contact in one row (cells beyond the header are ignored, missing ones empty)."""
        raw = RawContact(row=row, original=list(cells))
        count = len(cells)
        labels: dict[str, list[str]] = {}
        addresses: dict[str, AddressParts] = {}
        for i, group in self._labels:
            if i < count and cells[i].strip():
                # Google writes one label per value: "* Home ::: * Work".
                labels[group] = [clean_label(p) for p in cells[i].split(":::")]
        for i, target in self._values:
            if i >= count:
                break
            cell = cells[i]
            if not cell or cell.isspace():
                continue
            name = target.field
            group_labels = labels.get(target.group) or [""]
            label = target.label or group_labels[0]
            if name in ("email", "phone"):
                values = raw.emails if name == "email" else raw.phones
                for n, item in enumerate(split_values(cell)):
                    item_label, value = split_label(item)
                    own = group_labels[n] if n < len(group_labels) else label
                    values.append(Labelled(value, item_label or target.label or own))
            elif name == "tags":
                raw.tags.extend(clean_tags(split_values(cell)))
            elif name == "address":
                for line in cell.splitlines():
                    if line.strip():
                        raw.addresses.append(parse_address_line(line, label))
            elif name in ADDRESS_PARTS:
                parts = addresses.setdefault(target.group, AddressParts(label=label))
                old = getattr(parts, name)
                setattr(parts, name, f"{old}, {cell.strip()}" if old else cell.strip())
            else:
                raw.add(name, cell)
        raw.addresses.extend(a for a in addresses.values() if not a.is_empty())
        return raw


def split_values(cell: str) -> list[str]:
    """The values of a multi-value cell: one per line, else split at ``:::`` ``;`` ``,``."""
    if "\n" not in cell and "," not in cell and ";" not in cell and ":" not in cell:
        value = cell.strip()  # one value: most cells
        return [value] if value else []
    parts = cell.splitlines() if "\n" in cell.strip() else _SPLIT.split(cell)
    return [p.strip() for p in parts if p.strip()]


def split_label(value: str) -> tuple[str, str]:
    """``work : anna@example.fi`` -> ("work", "anna@example.fi")."""
    label, sep, rest = value.partition(LABEL_SEPARATOR)
    return (label.strip(), rest.strip()) if sep else ("", value.strip())


def clean_label(text: str) -> str:
    """Google's ``* Work`` and Outlook's ``Work`` both give ``work``."""
    return text.strip().lstrip("*").strip().lower()


def clean_tags(values: list[str]) -> list[str]:
    """Tags without Google's system group ``* myContacts``; ``* starred`` gives ``starred``."""
    out = []
    for value in values:
        tag = value.lstrip("*").strip()
        if tag and tag.casefold() not in _SYSTEM_TAGS:
            out.append(tag)
    return out


def parse_address_line(line: str, label: str = "") -> AddressParts:
    """``home : Street 1 | 00100 | Helsinki | | FI`` as :class:`AddressParts`."""
    own_label, body = split_label(line)
    parts = [p.strip() for p in body.split(ADDRESS_PART_SEPARATOR.strip())]
    if len(parts) > len(ADDRESS_PARTS):
        parts[len(ADDRESS_PARTS) - 1 :] = [", ".join(parts[len(ADDRESS_PARTS) - 1 :])]
    parts += [""] * (len(ADDRESS_PARTS) - len(parts))
    return AddressParts(*parts, label=own_label or label)
