"""Names of people and companies: cleaned, displayed and sorted."""

from __future__ import annotations

import unicodedata

from crmdesk.errors import ValidationError

MAX_PERSON_PART = 200
MAX_COMPANY = 300
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "þ": "th", "œ": "oe", "ı": "i"}
)
_APOSTROPHES = "'’`´ʼ"


def clean_name_part(text: str | None) -> str:
    """Stripped, inner spaces collapsed, NFC; diacritics and apostrophes kept."""
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def person_display_name(first: str, last: str) -> str:
    """``Matti Jääskeläinen``; one part alone when the other is empty."""
    return " ".join(p for p in (first, last) if p)


def sort_key(*parts: str) -> str:
    """Case- and accent-free key for sorting and prefix matching."""
    text = " ".join(p for p in parts if p).casefold().translate(_FOLD)
    text = "".join(
        c
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(c) and c not in _APOSTROPHES
    )
    return " ".join(text.split())


def person_sort_key(first: str, last: str) -> str:
    """People sort by last name, then first name."""
    return sort_key(last, first)


def company_sort_key(name: str) -> str:
    """Companies sort by their name."""
    return sort_key(name)


def validate_person(first: str | None, last: str | None) -> tuple[str, str]:
    """Cleaned (first, last); at least one is required."""
    first_clean, last_clean = clean_name_part(first), clean_name_part(last)
    if not first_clean and not last_clean:
        raise ValidationError("A person needs a first or last name.", field="last_name")
    for part in (first_clean, last_clean):
        if len(part) > MAX_PERSON_PART:
            raise ValidationError(
                f"A name is longer than {MAX_PERSON_PART} characters.", field="last_name"
            )
    return first_clean, last_clean


def validate_company_name(name: str | None) -> str:
    """A cleaned, non-empty company name."""
    clean = clean_name_part(name)
    if not clean:
        raise ValidationError("A company needs a name.", field="company_name")
    if len(clean) > MAX_COMPANY:
        raise ValidationError(
            f"A company name is longer than {MAX_COMPANY} characters.", field="company_name"
        )
    return clean


def initials(display_name: str) -> str:
    """Up to two capital initials: ``Matti Jääskeläinen`` -> ``MJ``."""
    words = [w for w in display_name.split() if w[0].isalnum()]
    return "".join(w[0] for w in words[:2]).upper()
