"""Phone numbers: kept as typed and as E.164 (via ``phonenumbers``), with a
default region for numbers typed without a country code."""

from __future__ import annotations

import contextlib
import locale
import os
import re
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from crmdesk.errors import ValidationError

#: Characters a typed phone number may contain besides digits.
_ALLOWED = re.compile(r"[\d\s+()\-./]+")
_NON_DIGIT = re.compile(r"\D")
MIN_DIGITS = 3
#: E.164 allows 15 digits; an international prefix such as 00 or 011 adds up to 4.
MAX_DIGITS = 20
FALLBACK_REGION = "US"


@dataclass(frozen=True)
class PhoneNumber:
    """A number as typed, its E.164 form when it has one, and all its digits."""

    raw: str
    e164: str | None
    digits: str
    # As dialled inside its own country (``040 1234567``); derived from ``e164``.
    national: str | None = field(default=None, compare=False)


def _digits(text: str) -> str:
    """The ASCII digits 0-9 of ``text`` (other scripts' digits are normalised to them)."""
    digits = _NON_DIGIT.sub("", text)
    return digits if digits.isascii() else "".join(str(int(c)) for c in digits)


def _e164(raw: str, region: str) -> str | None:
    """E.164 of a valid or possible number, else None."""
    return _formats(raw, region)[0]


def _formats(raw: str, region: str) -> tuple[str | None, str | None]:
    """(E.164, national format) of a valid or possible number, else (None, None)."""
    try:
        number = phonenumbers.parse(raw, region.strip().upper() or None)
    except NumberParseException:
        return None, None
    # Possible (a length check) before valid (pattern matching): the same answer, cheaper.
    if not (phonenumbers.is_possible_number(number) or phonenumbers.is_valid_number(number)):
        return None, None
    return (
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL),
    )


def parse_phone(raw: str, region: str) -> PhoneNumber:
    """Parse a number typed by the user, with ``region`` for numbers without a country code.

    Numbers with letters, or with fewer than 3 digits, are refused. Plausible
    numbers that are not possible in any region (an internal extension such as
    ``1234``) are kept with ``e164=None``.
    """
    text = " ".join(raw.split())
    if not text:
        raise ValidationError("A phone number cannot be empty.", field="phone")
    digits = _digits(text)
    if not _ALLOWED.fullmatch(text) or len(digits) < MIN_DIGITS:
        raise ValidationError(f"'{text}' is not a phone number.", field="phone")
    if len(digits) > MAX_DIGITS:
        raise ValidationError(f"'{text}' has too many digits for a phone number.", field="phone")
    e164, national = _formats(text, region)
    return PhoneNumber(text, e164, digits, national)


def normalize_for_lookup(raw: str, region: str) -> tuple[str | None, str]:
    """``(e164 or None, digits)`` of a number to search for.

    Never raises for text that has digits; raises :class:`ValidationError` if it has none.
    """
    digits = _digits(raw)
    if not digits:
        raise ValidationError(f"'{raw.strip()}' contains no digits.", field="phone")
    return _e164(raw.strip(), region), digits


def reversed_digits(digits: str) -> str:
    """The digits reversed, so a suffix match becomes an indexed prefix match."""
    return _digits(digits)[::-1]


def format_phone(e164: str | None, raw: str, region: str) -> str:
    """National format for numbers of ``region``, international for others, ``raw`` if unparsed."""
    if not e164:
        return raw
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return raw
    home = phonenumbers.region_code_for_number(number) == region.strip().upper()
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def _region_of_locale(name: str) -> str | None:
    """``FI`` from ``fi_FI.UTF-8``, ``sl-SI`` or ``sr_RS@latin``; None if there is none."""
    match = re.match(r"[A-Za-z]{2,3}[_-]([A-Za-z]{2})(?![A-Za-z])", name.strip())
    if match and match.group(1).upper() in phonenumbers.SUPPORTED_REGIONS:
        return match.group(1).upper()
    return None


def default_region() -> str:
    """The region of the system locale (``fi_FI.UTF-8`` gives ``FI``), else ``US``."""
    candidates = [os.environ.get(k, "") for k in ("LC_ALL", "LC_TELEPHONE", "LANG")]
    with contextlib.suppress(ValueError):
        candidates.append(locale.getlocale()[0] or "")
    for name in candidates:
        region = _region_of_locale(name)
        if region:
            return region
    return FALLBACK_REGION


def validate_region(code: str) -> str:
    """A region code ``phonenumbers`` supports, in upper case (``fi`` gives ``FI``)."""
    region = code.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            f"'{code.strip()}' is not a phone region; use a two-letter country code like FI or IT.",
            field="region",
        )
    return region
