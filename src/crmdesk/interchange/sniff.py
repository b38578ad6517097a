"""Guessing how a file to import is written: format, encoding and delimiter.

Encoding: a byte-order mark decides (UTF-8, UTF-16); else the whole file is
checked as strict UTF-8 in chunks (constant memory); else Windows-1252, the
encoding of spreadsheets saved on Western European Windows, and Latin-1 for
the few bytes Windows-1252 leaves undefined.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from crmdesk.errors import UnreadableFile

CHUNK = 1 << 20
SAMPLE_LINES = 50
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Sniffed:
    """What a file looks like: ``csv`` or ``vcard``, its encoding and CSV delimiter."""

    format: str
    encoding: str
    delimiter: str
    lines: int = 0  # line breaks in the file: an upper bound of its rows, for progress


def detect_encoding(path: Path) -> tuple[str, int]:
    """The Python codec name to read ``path`` with, and its number of line breaks."""
    lines = 0
    with _open(path) as f:
        head = f.read(4)
        f.seek(0)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = ""
        decoder = codecs.getincrementaldecoder(encoding or "utf-8")("strict")
        cp1252 = not encoding
        utf8 = True  # with a BOM: valid in the encoding it announces
        while chunk := f.read(CHUNK):
            lines += chunk.count(b"\n")
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if cp1252:
                try:
                    chunk.decode("cp1252")
                except UnicodeDecodeError:
                    cp1252 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if encoding and not utf8:
        raise UnreadableFile(
            f"{path.name} starts with a {encoding.upper().removesuffix('-SIG')} byte-order mark "
            "but is not valid text in that encoding."
        )
    if encoding:
        return encoding, lines
    if utf8:
        return "utf-8", lines
    return ("cp1252" if cp1252 else "latin-1"), lines


def detect_delimiter(sample: str) -> str:
    """The delimiter (``,`` ``;`` or tab) that splits the first lines most consistently."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = []
        try:
            for number, row in enumerate(csv.reader(io.StringIO(sample), delimiter=delimiter)):
                if number >= SAMPLE_LINES:
                    break
                if row:
                    counts.append(len(row))
        except csv.Error:
            continue
        if len(counts) > 1:
            counts = counts[:-1]  # the sample may cut the last row short
        if not counts or max(counts) < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sniff(path: Path, format: str | None = None) -> Sniffed:
    """Format (unless given), encoding and delimiter of ``path``."""
    encoding, lines = detect_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as f:
        sample = f.read(64 * 1024)
    if not sample.strip():
        raise UnreadableFile(f"{path.name} is empty; there is nothing to import.")
    if format is None:
        start = sample.lstrip("\ufeff \t\r\n")[:11].upper()
        format = "vcard" if start.startswith("BEGIN:VCARD") else "csv"
        if format == "csv" and path.suffix.lower() in (".vcf", ".vcard"):
            format = "vcard"
    if format not in ("csv", "vcard"):
        raise UnreadableFile(f"'{format}' is not a format crmdesk imports; use csv or vcard.")
    delimiter = detect_delimiter(sample) if format == "csv" else ""
    return Sniffed(format, encoding, delimiter, lines)


def _open(path: Path) -> io.BufferedReader:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise UnreadableFile(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path} is a folder, not a file to import.") from None
    except OSError as exc:
        raise UnreadableFile(f"{path} cannot be read: {exc.strerror}.") from None
