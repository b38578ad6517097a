"""The key file beside a database: its random data key, wrapped.

A database made by crmdesk is encrypted with a random 256-bit *data key*,
never with the passphrase itself. ``NAME.db.keys`` (JSON, versioned) holds
that key wrapped (AES-256-GCM) by a key derived with Argon2id from the
passphrase and, when one was made, from a recovery code. Changing the
passphrase rewrites this small file only; the database is not re-encrypted.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crmdesk.errors import KeyFileDamaged, KeyFileMissing, WrongPassphrase, WrongRecoveryCode
from crmdesk.store.files import write_atomically

FORMAT = "crmdesk-keys"
VERSION = 1
SUFFIX = ".keys"
DATA_KEY_BYTES = 32
PASSPHRASE_SLOT = "passphrase"
RECOVERY_SLOT = "recovery"

# Argon2id (RFC 9106's second recommended option, at a quarter of its memory so a
# small laptop unlocks in a fraction of a second). Kept in each slot, so it can grow.
TIME_COST = 3
MEMORY_KIB = 64 * 1024
PARALLELISM = 1

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS, GROUP_LENGTH = 8, 5  # 40 symbols = 200 bits


def path_for(database: Path) -> Path:
    """Where the key file of ``database`` lives: ``NAME.db.keys`` beside it."""
    database = Path(database)
    return database.with_name(database.name + SUFFIX)


def new_data_key() -> bytes:
    """A fresh random data key."""
    return secrets.token_bytes(DATA_KEY_BYTES)


def new_recovery_code() -> str:
    """A printable recovery code: 8 groups of 5 Crockford base32 symbols."""
    symbols = "".join(secrets.choice(CROCKFORD) for _ in range(RECOVERY_GROUPS * GROUP_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalise_recovery_code(code: str) -> str:
    """The code as typed, folded to its canonical symbols (case, spaces, I/L/O)."""
    text = "".join(ch for ch in code.upper() if ch not in " -\t\n")
    text = text.translate(str.maketrans("ILO", "110"))
    if len(text) != RECOVERY_GROUPS * GROUP_LENGTH or any(ch not in CROCKFORD for ch in text):
        raise WrongRecoveryCode(
            f"That is not a recovery code: it has {RECOVERY_GROUPS} groups of "
            f"{GROUP_LENGTH} letters and digits, like the one shown when the database was made."
        )
    return text


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def _derive(secret: str, kdf: dict[str, Any]) -> bytes:
    return hash_secret_raw(
        secret.encode("utf-8"),
        _unb64(kdf["salt"]),
        time_cost=int(kdf["time_cost"]),
        memory_cost=int(kdf["memory_kib"]),
        parallelism=int(kdf["parallelism"]),
        hash_len=32,
        type=Type.ID,
    )


def _aad(slot: str) -> bytes:
    # Binds each wrapped copy to its slot: a recovery slot cannot pose as the passphrase's.
    return f"{FORMAT} v{VERSION} {slot}".encode()


@dataclass
class KeyFile:
    """The wrapped copies of one database's data key."""

    slots: dict[str, dict[str, Any]] = field(default_factory=dict)

    def wrap(self, slot: str, secret: str, data_key: bytes) -> None:
        """Keep ``data_key`` in ``slot``, wrapped by a key derived from ``secret``."""
        kdf = {
            "name": "argon2id",
            "time_cost": TIME_COST,
            "memory_kib": MEMORY_KIB,
            "parallelism": PARALLELISM,
            "salt": _b64(secrets.token_bytes(16)),
        }
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(_derive(secret, kdf)).encrypt(nonce, data_key, _aad(slot))
        self.slots[slot] = {
            "kdf": kdf,
            "cipher": "aes-256-gcm",
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }

    def unwrap(self, slot: str, secret: str) -> bytes | None:
        """The data key, or None when ``secret`` does not open ``slot``."""
        entry = self.slots[slot]
        try:
            key = _derive(secret, entry["kdf"])
            nonce, wrapped = _unb64(entry["nonce"]), _unb64(entry["wrapped"])
            data_key = AESGCM(key).decrypt(nonce, wrapped, _aad(slot))
        except InvalidTag:
            return None
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyFileDamaged(f"The {slot} entry of the key file is damaged ({exc}).") from None
        return data_key

    def unwrap_passphrase(self, passphrase: str, database: Path) -> bytes:
        """The data key; :class:`WrongPassphrase` when the passphrase does not open it."""
        data_key = self.unwrap(PASSPHRASE_SLOT, passphrase) if passphrase else None
        if data_key is None:
            raise WrongPassphrase(
                f"The passphrase does not unlock {database.name}."
                if passphrase
                else f"An empty passphrase does not unlock {database.name}."
            )
        return data_key

    def unwrap_recovery(self, code: str, database: Path) -> bytes:
        """The data key from a recovery code; :class:`WrongRecoveryCode` otherwise."""
        if RECOVERY_SLOT not in self.slots:
            raise WrongRecoveryCode(
                f"{database.name} has no recovery key (it was made before crmdesk offered one)."
            )
        data_key = self.unwrap(RECOVERY_SLOT, normalise_recovery_code(code))
        if data_key is None:
            raise WrongRecoveryCode(f"That recovery code does not unlock {database.name}.")
        return data_key

    def to_json(self) -> str:
        """The file's text."""
        return json.dumps({"format": FORMAT, "version": VERSION, "slots": self.slots}, indent=2)


def load(database: Path) -> KeyFile:
    """Read the key file of ``database``; says where it was expected when it is missing."""
    path = path_for(database)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise missing(database) from None
    except (OSError, ValueError) as exc:
        raise KeyFileDamaged(f"The key file {path} cannot be read ({exc}).") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise KeyFileDamaged(f"{path} is not a crmdesk key file.")
    if raw.get("version") != VERSION:
        raise KeyFileDamaged(
            f"The key file {path} is version {raw.get('version')}; this crmdesk reads "
            f"version {VERSION} (update crmdesk)."
        )
    slots = raw.get("slots")
    if not isinstance(slots, dict) or PASSPHRASE_SLOT not in slots:
        raise KeyFileDamaged(f"The key file {path} holds no wrapped key.")
    return KeyFile(slots)


def missing(database: Path) -> KeyFileMissing:
    """The error for a database whose key file is not where it belongs."""
    path = path_for(database)
    return KeyFileMissing(
        f"The key file of {database.name} is missing: it was expected at {path}. "
        "Without it the database cannot be opened; every crmdesk backup holds a copy "
        "(the .keys file beside the backup): copy it back to that place."
    )


def save(database: Path, keys: KeyFile) -> None:
    """Write the key file atomically (temporary file, fsync, rename, fsync folder)."""
    write_atomically(path_for(database), keys.to_json().encode("utf-8"))
