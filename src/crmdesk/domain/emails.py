"""E-mail addresses: validated pragmatically, shown as typed, matched
case-insensitively."""

from __future__ import annotations

import re
import unicodedata

from crmdesk.errors import ValidationError

MAX_LENGTH = 254
MAX_LOCAL = 64
MAX_LABEL = 63
# A domain label: letters (any script) and digits, hyphens only inside.
_LABEL = re.compile(r"[^\W_](?:[^\W_]|-)*(?<!-)")
# The local part: anything visible except the characters that need quoting.
_LOCAL = re.compile(r"[^\s@\"(),:;<>\[\\\]]+")


def _check(address: str) -> bool:
    address = unicodedata.normalize("NFC", address)
    if address.count("@") != 1 or len(address) > MAX_LENGTH:
        return False
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        return False
    if ".." in local or local.startswith(".") or local.endswith("."):
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    if not all(len(label) <= MAX_LABEL and _LABEL.fullmatch(label) for label in labels):
        return False
    top = labels[-1]
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
    return unicodedata.normalize("NFC", address.strip()).casefold()
