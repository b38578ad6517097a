"""Phone numbers: kept as typed and as E.164 (``phonenumbers``), with a
default region for numbers typed without a country code."""

from __future__ import annotations

import contextlib
import locale
import os
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from crmdesk.errors import ValidationError

_ALLOWED = re.compile(r"^[\d\s+()\-./]+$")
MIN_DIGITS = 3


@dataclass(frozen=True)
class PhoneNumber:
    """A number as typed, its E.164 form when it has one, and its digits."""

    raw: str
    e164: str | None
    digits: str


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def parse_phone(raw: str, region: str) -> PhoneNumber:
    """Parse a number typed by a user; unparseable but plausible ones keep ``e164=None``."""
    raw = " ".join(raw.strip().split())
    if not raw:
        raise ValidationError("A phone number cannot be empty.", field="phone")
    if not _ALLOWED.match(raw) or len(_digits(raw)) < MIN_DIGITS:
        raise ValidationError(f"'{raw}' is not a phone number.", field="phone")
    if len(_digits(raw)) > 17:
        raise ValidationError(f"'{raw}' has too many digits for a phone number.", field="phone")
    return PhoneNumber(raw, _e164(raw, region), _digits(raw))


def _e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalize_for_lookup(raw: str, region: str) -> tuple[str | None, str]:
    """(E.164 or None, digits) of a number to look up; raises only without digits."""
    digits = _digits(raw)
    if not digits:
        raise ValidationError(f"'{raw.strip()}' contains no digits.", field="phone")
    return _e164(raw.strip(), region), digits


def reversed_digits(digits: str) -> str:
    """Digits reversed, so a suffix match becomes an indexed prefix match."""
    return _digits(digits)[::-1]


def format_phone(e164: str | None, raw: str, region: str) -> str:
    """National format at home, international abroad, as typed when unparsed."""
    if not e164:
        return raw
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return raw
    home = phonenumbers.region_code_for_number(number) == region.upper()
    fmt = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def default_region() -> str:
    """The region of the system locale (``fi_FI.UTF-8`` gives ``FI``), else ``US``."""
    candidates = [os.environ.get(k, "") for k in ("LC_ALL", "LC_TELEPHONE", "LANG")]
    with contextlib.suppress(ValueError):
        candidates.append(locale.getlocale()[0] or "")
    for name in candidates:
        match = re.match(r"^[a-z]{2,3}[_-]([A-Z]{2})", name)
        if match and match.group(1) in phonenumbers.SUPPORTED_REGIONS:
            return match.group(1)
    return "US"


def validate_region(code: str) -> str:
    """A supported two-letter region code, upper case."""
    region = code.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            f"'{code}' is not a phone region; use a two-letter country code like FI or IT.",
            field="region",
        )
    return region
