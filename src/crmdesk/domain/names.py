"""Names of people and companies: cleaned, displayed and sorted."""

from __future__ import annotations

import unicodedata

from crmdesk.errors import ValidationError

MAX_PERSON_PART = 200
MAX_COMPANY = 300
# Letters that NFKD does not decompose into a base letter and a mark.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
    }
)
_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`´ʼ′"))


def clean_name_part(text: str | None) -> str:
    """Stripped, inner whitespace collapsed to single spaces, NFC; accents and apostrophes kept."""
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def person_display_name(first: str, last: str) -> str:
    """``Matti Jääskeläinen``; the one part alone when the other is empty."""
    return " ".join(part for part in (clean_name_part(first), clean_name_part(last)) if part)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = text.casefold().translate(_FOLD).translate(_APOSTROPHES)
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def sort_key(*parts: str) -> str:
    """A case- and accent-free key for sorting and prefix matching.

    ``D'Alessandro`` gives ``dalessandro``, ``Kovačič`` ``kovacic``; the
    parts are joined by single spaces. ``sort_key(sort_key(x)) == sort_key(x)``.
    """
    text = " ".join(part for part in parts if part)
    if text.isascii():  # nothing to decompose or fold: one pass, as the loop would end
        return " ".join(text.translate(_APOSTROPHES).lower().split())
    for _ in range(4):  # a fold can expose more to fold ("ẞ" -> "ß" -> "ss"); stop when stable
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def person_sort_key(first: str, last: str) -> str:
    """People sort by last name, then first name: ``jaaskelainen matti``."""
    return sort_key(last, first)


def company_sort_key(name: str) -> str:
    """Companies sort by their name."""
    return sort_key(name)


def validate_person(first: str | None, last: str | None) -> tuple[str, str]:
    """The cleaned ``(first, last)``; at least one must be given, each at most 200 characters."""
    first_clean, last_clean = clean_name_part(first), clean_name_part(last)
    if not first_clean and not last_clean:
        raise ValidationError("A person needs a first or last name.", field="last_name")
    for part, field, what in (
        (first_clean, "first_name", "first"),
        (last_clean, "last_name", "last"),
    ):
        if len(part) > MAX_PERSON_PART:
            raise ValidationError(
                f"The {what} name is longer than {MAX_PERSON_PART} characters.", field=field
            )
    return first_clean, last_clean


def validate_company_name(name: str | None) -> str:
    """The cleaned company name; it must be given and be at most 300 characters."""
    clean = clean_name_part(name)
    if not clean:
        raise ValidationError("A company needs a name.", field="company_name")
    if len(clean) > MAX_COMPANY:
        raise ValidationError(
            f"The company name is longer than {MAX_COMPANY} characters.", field="company_name"
        )
    return clean


def initials(display_name: str) -> str:
    """Capital initials of the first and last word: ``Matti Jääskeläinen`` gives ``MJ``.

    A single word gives its first letter; words without letters or digits are skipped.
    """
    letters = []
    for word in clean_name_part(display_name).split():
        first = next((c for c in word if c.isalnum()), None)
        if first:
            letters.append(first.upper()[0])
    if len(letters) > 2:
        letters = [letters[0], letters[-1]]
    return "".join(letters)
