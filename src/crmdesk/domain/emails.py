"""E-mail addresses: validated pragmatically, shown as typed, matched
case-insensitively."""

from __future__ import annotations

import re
import unicodedata

from crmdesk.errors import ValidationError

MAX_LENGTH = 254
MAX_LOCAL = 64
# A domain of two or more labels: letters (any script) and digits, hyphens only
# inside a label, each label 1-63 characters. One pattern for the whole domain.
_DOMAIN = re.compile(r"(?:[^\W_](?:[^\W_]|-){0,62}(?<!-)\.)+[^\W_](?:[^\W_]|-){0,62}(?<!-)")
# The local part: anything visible except the characters that need quoting.
_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]]+")


def _check(address: str) -> bool:
    if not address.isascii():  # NFC leaves ASCII text as it is
        address = unicodedata.normalize("NFC", address)
    if address.count("@") != 1 or len(address) > MAX_LENGTH:
        return False
    local, _, domain = address.partition("@")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        return False
    if ".." in local or local[0] == "." or local[-1] == ".":
        return False
    if not _DOMAIN.fullmatch(domain):
        return False
    top = domain.rpartition(".")[2]
    return len(top) >= 2 and not top.isdigit()


def normalize_email(raw: str) -> str:
    """The address stripped of surrounding space, as typed; an invalid one raises."""
    address = raw.strip()
    if not address:
        raise ValidationError("An e-mail address cannot be empty.", field="email")
    if not _check(address):
        raise ValidationError(f"'{address}' is not a valid e-mail address.", field="email")
    return address


def looks_like_email(text: str) -> bool:
    """True when ``text`` (stripped) is a valid e-mail address."""
    return bool(text) and _check(text.strip())


def email_key(address: str) -> str:
    """The form addresses are compared in: stripped, NFC, case-folded."""
    address = address.strip()
    if address.isascii():  # NFC leaves ASCII as it is; casefold() is lower() there
        return address.lower()
    return unicodedata.normalize("NFC", address).casefold()
