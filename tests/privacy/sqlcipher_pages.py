"""Reading a SQLCipher 4 file as the decrypted bytes of every page (and of every
frame of its write-ahead log), to prove what is, and is not, anywhere in it.

SQLCipher 4 with crmdesk's settings: 4096-byte pages, AES-256-CBC (keyed by the
file's data key) over each page but the 80 reserved bytes at its end (a 16-byte
IV, then the HMAC); the first 16 bytes of the file are the salt, in the clear.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crmdesk.store import keyfile
from crmdesk.store.cipher import PAGE_SIZE

RESERVE = 80
IV = 16
SALT = 16
WAL_HEADER, FRAME_HEADER = 32, 24


def _key(db_path: Path, passphrase: str) -> bytes:
    """The file's data key (pages are encrypted with it directly), from its key file."""
    return keyfile.load(db_path).unwrap_passphrase(passphrase, db_path)


def _decrypt(key: bytes, page: bytes, first: bool) -> bytes:
    body_end = PAGE_SIZE - RESERVE
    iv = page[body_end : body_end + IV]
    start = SALT if first else 0
    plain = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return plain.update(page[start:body_end]) + plain.finalize()


def decrypted_pages(db_path: Path, passphrase: str) -> bytes:
    """The plaintext of every page of the file and of its WAL, concatenated."""
    key = _key(db_path, passphrase)
    data = db_path.read_bytes()
    out = [
        _decrypt(key, data[i : i + PAGE_SIZE], i == 0)
        for i in range(0, len(data) - PAGE_SIZE + 1, PAGE_SIZE)
    ]
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists():
        frames = wal.read_bytes()[WAL_HEADER:]
        step = FRAME_HEADER + PAGE_SIZE
        for i in range(0, len(frames) - step + 1, step):
            page_no = int.from_bytes(frames[i : i + 4], "big")
            out.append(_decrypt(key, frames[i + FRAME_HEADER : i + step], page_no == 1))
    return b"".join(out)
