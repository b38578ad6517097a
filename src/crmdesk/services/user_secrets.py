"""Hashing the PIN or password a desktop user signs in with.

argon2id when argon2-cffi is installed (it is a dependency of the sync
server), else ``hashlib.scrypt``; each hash says which, so both verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

_SCRYPT = "scrypt$"
_N, _R, _P = 2**14, 8, 1


def argon2_hasher() -> Any | None:
    """argon2-cffi's ``PasswordHasher`` (imported on first use), or None without it."""
    try:
        from argon2 import PasswordHasher
    except ImportError:
        return None
    return PasswordHasher()


def hash_secret(secret: str) -> str:
    """A salted hash of ``secret`` for the ``users.secret_hash`` column."""
    hasher = argon2_hasher()
    if hasher is not None:
        return str(hasher.hash(secret))
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P)
    return _SCRYPT + _b64(salt) + "$" + _b64(digest)


def verify_secret(stored: str, secret: str) -> bool:
    """Whether ``secret`` matches a hash made by :func:`hash_secret`."""
    if stored.startswith(_SCRYPT):
        salt, digest = (base64.b64decode(part) for part in stored[len(_SCRYPT) :].split("$"))
        given = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P)
        return hmac.compare_digest(given, digest)
    hasher = argon2_hasher()
    if hasher is None:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(hasher.verify(stored, secret))
    except (VerificationError, InvalidHashError):
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
