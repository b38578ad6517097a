"""E-mail addresses: validated pragmatically, shown as typed, matched
case-insensitively."""

from __future__ import annotations

import re

from crmdesk.errors import ValidationError

_LABEL = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$", re.UNICODE)
_LOCAL = re.compile(r"^[^\s@\"(),:;<>\[\\\]]+$")


def looks_like_email(text: str) -> bool:
    """True when ``text`` is a valid e-mail address."""
    try:
        normalize_email(text)
    except ValidationError:
        return False
    return True


def normalize_email(raw: str) -> str:
    """The address stripped of surrounding space; invalid ones raise."""
    address = raw.strip()
    error = ValidationError(f"'{address}' is not a valid e-mail address.", field="email")
    if address.count("@") != 1 or len(address) > 254:
        raise error
    local, domain = address.split("@")
    if (
        not local
        or not _LOCAL.match(local)
        or ".." in local
        or local.startswith(".")
        or local.endswith(".")
    ):
        raise error
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise error
    return address


def email_key(address: str) -> str:
    """The form addresses are compared in (case-insensitive)."""
    return address.strip().casefold()
