"""Header maps of the CSV files people bring: Google Contacts, Outlook, crmdesk's own.

``auto`` picks the preset that recognises most of a file's columns; a file
that none recognises well is matched column by column against common names
(``E-mail``, ``Phone``, ``Company``, ... in English and Finnish).
"""

from __future__ import annotations

from collections.abc import Sequence

from crmdesk.errors import ValidationError
from crmdesk.interchange import columns
from crmdesk.interchange.mapping import Mapping, Target, header_key

PRESETS = ("auto", "google", "outlook", "crmdesk", "generic")
MAX_NUMBERED = 10  # Google numbers repeated columns: "E-mail 1 - Value", "E-mail 2 - Value"...


def _google() -> dict[str, Target]:
    t: dict[str, Target] = {
        "first name": Target("first_name"),
        "given name": Target("first_name"),
        "middle name": Target("first_name"),
        "additional name": Target("first_name"),
        "last name": Target("last_name"),
        "family name": Target("last_name"),
        "name": Target("full_name"),
        "organization name": Target("company"),
        "organization title": Target("title"),
        "birthday": Target("birthday"),
        "notes": Target("notes"),
        "labels": Target("tags"),
        "group membership": Target("tags"),
    }
    for n in range(1, MAX_NUMBERED + 1):
        for kind, field in (("e-mail", "email"), ("phone", "phone"), ("website", "website")):
            group = f"{kind} {n}"
            t[f"{group} - value"] = Target(field, group=group)
            t[f"{group} - label"] = Target("label", group=group)
            t[f"{group} - type"] = Target("label", group=group)
        group = f"address {n}"
        t[f"{group} - label"] = Target("label", group=group)
        t[f"{group} - type"] = Target("label", group=group)
        for part, field in (
            ("street", "street"),
            ("extended address", "street"),
            ("po box", "street"),
            ("city", "city"),
            ("region", "region"),
            ("postal code", "postal_code"),
            ("country", "country"),
        ):
            t[f"{group} - {part}"] = Target(field, group=group)
        t[f"organization {n} - name"] = Target("company")
        t[f"organization {n} - title"] = Target("title")
    return t


def _outlook() -> dict[str, Target]:
    t: dict[str, Target] = {
        "first name": Target("first_name"),
        "middle name": Target("first_name"),
        "last name": Target("last_name"),
        "company": Target("company"),
        "job title": Target("title"),
        "birthday": Target("birthday"),
        "notes": Target("notes"),
        "categories": Target("tags"),
        "web page": Target("website"),
        "e-mail address": Target("email"),
        "e-mail 2 address": Target("email"),
        "e-mail 3 address": Target("email"),
    }
    for column, label in (
        ("business phone", "work"),
        ("business phone 2", "work"),
        ("company main phone", "main"),
        ("home phone", "home"),
        ("home phone 2", "home"),
        ("mobile phone", "mobile"),
        ("car phone", "car"),
        ("other phone", "other"),
        ("primary phone", ""),
        ("assistant's phone", "assistant"),
        ("business fax", "fax"),
        ("home fax", "fax"),
    ):
        t[column] = Target("phone", label=label)
    for prefix, label in (("business", "work"), ("home", "home"), ("other", "other")):
        for part, field in (
            ("street", "street"),
            ("street 2", "street"),
            ("street 3", "street"),
            ("city", "city"),
            ("state", "region"),
            ("postal code", "postal_code"),
            ("country/region", "country"),
            ("country", "country"),
        ):
            t[f"{prefix} {part}"] = Target(field, label=label, group=prefix)
    return t


def _crmdesk() -> dict[str, Target]:
    t = {
        name: Target(name)
        for name in columns.CONTACTS
        if name not in ("emails", "phones", "addresses", "balance", "updated_at")
    }
    t["emails"] = Target("email")
    t["phones"] = Target("phone")
    t["addresses"] = Target("address")
    t["balance"] = Target("ignore")  # purchases minus payments: follows from the activities
    t["updated_at"] = Target("ignore")  # an import is itself an update
    return t


GENERIC_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "first", "given name", "etunimi", "forename"),
    "last_name": ("last name", "lastname", "last", "surname", "family name", "sukunimi"),
    "full_name": ("name", "full name", "contact", "contact name", "nimi"),
    "company": ("company", "organization", "organisation", "yritys", "firma", "account"),
    "title": ("title", "job title", "position", "titteli", "tehtävä"),
    "email": ("email", "e-mail", "mail", "email address", "e-mail address", "sähköposti"),
    "phone": ("phone", "telephone", "tel", "phone number", "mobile", "puhelin", "gsm"),
    "street": ("street", "address", "street address", "katuosoite", "osoite"),
    "postal_code": ("postal code", "postcode", "zip", "zip code", "postinumero"),
    "city": ("city", "town", "postitoimipaikka", "kaupunki"),
    "region": ("state", "region", "province", "county"),
    "country": ("country", "maa"),
    "website": ("website", "web", "url", "homepage", "www"),
    "birthday": ("birthday", "date of birth", "birth date", "syntymäpäivä"),
    "notes": ("notes", "note", "comments", "comment", "lisätiedot", "huomiot"),
    "tags": ("tags", "tag", "categories", "groups", "labels", "tunnisteet"),
    "stage": ("stage", "status", "lifecycle stage"),
    "source": ("source", "lähde", "lead source"),
}


def _generic() -> dict[str, Target]:
    out = {}
    for field, aliases in GENERIC_ALIASES.items():
        for alias in aliases:
            group = (
                "generic" if field in ("street", "postal_code", "city", "region", "country") else ""
            )
            out[alias] = Target(field, group=group)
    return out


TABLES: dict[str, dict[str, Target]] = {
    "google": _google(),
    "outlook": _outlook(),
    "crmdesk": _crmdesk(),
    "generic": _generic(),
}
# Columns that only this preset's files have: they decide "auto".
SIGNATURES: dict[str, tuple[str, ...]] = {
    "google": ("e-mail 1 - value", "phone 1 - value", "organization name", "labels",
               "group membership", "given name", "organization 1 - name"),
    "outlook": ("e-mail address", "business phone", "mobile phone", "job title",
                "business street", "home street", "categories", "e-mail display name"),
    "crmdesk": ("display_name", "emails", "phones", "addresses", "consent_marketing", "kind"),
}  # fmt: skip


def detect(header: Sequence[str]) -> str:
    """The preset whose own columns the header has most of (``generic`` if none)."""
    keys = {header_key(h) for h in header}
    best, best_hits = "generic", 1
    for name, signature in SIGNATURES.items():
        hits = sum(1 for column in signature if column in keys)
        if hits > best_hits:
            best, best_hits = name, hits
    return best


def mapping_for(header: Sequence[str], preset: str = "auto") -> tuple[Mapping, str]:
    """The mapping of ``header`` under ``preset`` (``auto``: detected) and the preset used."""
    if preset not in PRESETS:
        raise ValidationError(
            f"'{preset}' is not a preset; use one of: {', '.join(PRESETS)}.", field="preset"
        )
    if preset == "auto":
        preset = detect(header)
    table = TABLES[preset]
    generic = TABLES["generic"]
    targets = []
    for column in header:
        key = header_key(column)
        target = table.get(key)
        if target is None and preset == "generic":
            target = generic.get(key.replace("_", " "))
        targets.append(target)
    return Mapping(header, targets), preset
