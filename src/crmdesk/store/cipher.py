"""Opening one SQLCipher connection: key, checks, and the pragmas we rely on."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from crmdesk.errors import InsecureCipher, NotADatabase, WrongPassphrase

BUSY_TIMEOUT_MS = 15_000
PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 4096

# The SQLCipher 4 defaults; a database opened with anything weaker is refused.
MIN_KDF_ITER = 256_000
STRONG_HMAC = {"HMAC_SHA512"}
STRONG_KDF = {"PBKDF2_HMAC_SHA512"}
SALT_BYTES = 16
KEY_BYTES = 32
DATA_KEY_MARKER = b"CRMDESK\x01"


def quote_key(passphrase: str) -> str:
    """The passphrase as an SQL string literal for ``PRAGMA key``."""
    return "'" + passphrase.replace("'", "''") + "'"


def derive_key(path: Path, passphrase: str) -> str | None:
    """The raw key that ``passphrase`` derives for the file at ``path``, as a
    ``PRAGMA key`` literal (``"x'key salt'"``), or None when the file has no salt yet.

    SQLCipher 4 derives the page key with PBKDF2-HMAC-SHA512 (256,000
    iterations) over the salt in the file's first 16 bytes; that costs a
    quarter of a second on every new connection. Deriving it once here lets
    every pooled connection open with the key itself.
    """
    try:
        with Path(path).open("rb") as fh:
            salt = fh.read(SALT_BYTES)
    except OSError:
        return None
    if len(salt) < SALT_BYTES or salt == PLAIN_SQLITE_HEADER:
        return None
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, MIN_KDF_ITER, KEY_BYTES)
    return f"\"x'{key.hex()}{salt.hex()}'\""


def new_salt() -> bytes:
    """The salt of a file keyed by a data key: :data:`DATA_KEY_MARKER` and 8 random bytes.

    With a random 256-bit key the salt only varies the page HMAC key, so half
    of it can say that the file needs its key file (the salt is public anyway).
    """
    return DATA_KEY_MARKER + secrets.token_bytes(SALT_BYTES - len(DATA_KEY_MARKER))


def data_key_literal(data_key: bytes, salt: bytes | None = None) -> str:
    """``PRAGMA key`` literal for a raw data key (with ``salt``, to create or rekey a file)."""
    return f"\"x'{data_key.hex()}{salt.hex() if salt else ''}'\""


def uses_data_key(path: Path) -> bool:
    """True when the file at ``path`` is keyed by a data key (it needs its key file)."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(len(DATA_KEY_MARKER)) == DATA_KEY_MARKER
    except OSError:
        return False


def check_file_looks_encrypted(path: Path) -> None:
    """Refuse files that cannot be a SQLCipher database before keying them.

    An encrypted file is a whole number of pages with a random salt at the
    start; a plain SQLite file starts with a readable header.
    """
    size = path.stat().st_size
    if size == 0:
        raise NotADatabase(f"{path} is empty, not a crmdesk database.")
    with path.open("rb") as fh:
        head = fh.read(len(PLAIN_SQLITE_HEADER))
    if head == PLAIN_SQLITE_HEADER:
        raise NotADatabase(f"{path} is an unencrypted SQLite file, not a crmdesk database.")
    if size % 512 != 0:
        raise NotADatabase(f"{path} is not a crmdesk database (or it is damaged).")


def _pragma(conn: Any, name: str) -> str:
    row = conn.execute(f"PRAGMA {name}").fetchone()
    return "" if row is None else str(row[0])


def connect(
    path: Path,
    key: str,
    *,
    create: bool = False,
    accept: Callable[[Any], None] | None = None,
    fallback: str | None = None,
) -> Any:
    """Open and key one connection, verify it, and set the working pragmas.

    ``key`` is a ``PRAGMA key`` literal (:func:`data_key_literal`, or for an
    older file keyed by its passphrase :func:`derive_key`); ``fallback`` is
    tried when it does not unlock (the passphrase itself, which tells a wrong
    passphrase from a file with weaker cipher settings).
    Raises :class:`WrongPassphrase`, :class:`NotADatabase` or
    :class:`InsecureCipher`; the file is not written to unless it unlocks.
    ``accept`` is called on the unlocked connection before anything is written
    (switching to WAL is a write); it raises to refuse the file untouched.
    """
    if not create:
        check_file_looks_encrypted(path)
    for candidate in (key, fallback):
        if candidate is None:
            continue
        conn = sqlcipher.connect(
            str(path),
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
            isolation_level=None,
        )
        try:
            # SQLCipher would print decryption failures on stderr; we report them.
            conn.execute("PRAGMA cipher_log_level = NONE")
            if _unlocks(conn, candidate):
                _set_up(conn, accept)
                return conn
        except BaseException:
            conn.close()
            raise
        conn.close()
    raise WrongPassphrase(f"The passphrase does not unlock {path.name} (or the file is damaged).")


def _set_up(conn: Any, accept: Callable[[Any], None] | None) -> None:
    _verify_cipher(conn)
    if accept is not None:
        accept(conn)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA temp_store = MEMORY")
    if _pragma(conn, "temp_store") != "2":
        raise InsecureCipher("Temporary storage could not be kept in memory.")
    conn.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten, not left in free space: a purged or
    # erased record must not be recoverable from the file's pages.
    conn.execute("PRAGMA secure_delete = ON")
    if _pragma(conn, "journal_mode").lower() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")


def _unlocks(conn: Any, key: str) -> bool:
    conn.execute(f"PRAGMA key = {key}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        return False
    return True


def _verify_cipher(conn: Any) -> None:
    kdf_iter = int(_pragma(conn, "kdf_iter") or 0)
    hmac = _pragma(conn, "cipher_hmac_algorithm")
    kdf = _pragma(conn, "cipher_kdf_algorithm")
    page = int(_pragma(conn, "cipher_page_size") or 0)
    if kdf_iter < MIN_KDF_ITER or hmac not in STRONG_HMAC or kdf not in STRONG_KDF:
        raise InsecureCipher(
            f"The database cipher settings are weaker than SQLCipher 4's "
            f"(kdf_iter={kdf_iter}, hmac={hmac}, kdf={kdf}); refusing to use it."
        )
    if page < PAGE_SIZE:
        raise InsecureCipher(f"Unexpected cipher page size {page}.")


def rekey(conn: Any, key: str) -> None:
    """Re-encrypt every page of an open database with ``key`` (a ``PRAGMA key`` literal)."""
    conn.execute(f"PRAGMA rekey = {key}")
