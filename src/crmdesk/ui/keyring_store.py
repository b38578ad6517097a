"""Remembering a passphrase in the operating system's keyring, when there is one.

Only the operating system's own keyrings count (macOS Keychain, Windows
Credential Locker, Secret Service, KWallet): a backend that keeps secrets in
a plain file (``keyrings.alt``) would undo the encryption, so with none of
those :func:`available` is False and the unlock dialog hides its checkbox.
Finding the backend takes about half a second: call it off the GUI thread. Every
call swallows keyring failures; forgetting is never worse than crashing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SERVICE = "crmdesk"
INSECURE_MODULES = ("keyrings.alt", "keyring.backends.null")


def _keyring() -> Any | None:
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    if type(backend).__module__.startswith(INSECURE_MODULES):
        return None
    return keyring


def available() -> bool:
    """True when a usable keyring backend is installed."""
    return _keyring() is not None


def _account(path: Path) -> str:
    return str(Path(path).expanduser().resolve())


def get(path: Path) -> str | None:
    """The remembered passphrase of the database at ``path``, if any."""
    ring = _keyring()
    if ring is None:
        return None
    try:
        value = ring.get_password(SERVICE, _account(path))
    except Exception as exc:
        log.warning("keyring lookup failed: %s", exc)
        return None
    return value if isinstance(value, str) else None


def remember(path: Path, passphrase: str) -> None:
    """Keep the passphrase of ``path`` in the keyring."""
    ring = _keyring()
    if ring is None:
        return
    try:
        ring.set_password(SERVICE, _account(path), passphrase)
    except Exception as exc:
        log.warning("keyring store failed: %s", exc)


def forget(path: Path) -> None:
    """Remove the passphrase of ``path`` from the keyring."""
    ring = _keyring()
    if ring is None:
        return
    try:
        ring.delete_password(SERVICE, _account(path))
    except Exception as exc:
        log.info("keyring delete: %s", exc)
