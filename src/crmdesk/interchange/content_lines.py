"""Content lines shared by vCard and iCalendar: escaping and folding (RFC 6350, 5545).

A line longer than 75 octets is folded: CRLF and one space, never inside a
UTF-8 sequence. Every line ends in CRLF.
"""

from __future__ import annotations

from collections.abc import Iterable

CRLF = "\r\n"
LIMIT = 75


def escape(text: str) -> str:
    """A text value with backslash, newline, comma and semicolon escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def structured(parts: Iterable[str]) -> str:
    """A structured value (``N``, ``ADR``): escaped parts joined by ``;``."""
    return ";".join(escape(p) for p in parts)


def fold(line: str) -> str:
    """``line`` folded at 75 octets, with its CRLF."""
    data = line.encode("utf-8")
    if len(data) <= LIMIT:
        return line + CRLF
    pieces: list[str] = []
    start, limit = 0, LIMIT
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # never cut a UTF-8 sequence
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start, limit = end, LIMIT - 1  # continuation lines begin with a space
    pieces.append(data[start:].decode("utf-8"))
    return (CRLF + " ").join(pieces) + CRLF


def content_line(name: str, text: str, **params: str) -> str:
    """``NAME;PARAM=value:TEXT`` folded, with its CRLF (``text`` already escaped)."""
    head = name + "".join(f";{key.upper()}={val}" for key, val in params.items() if val)
    return fold(f"{head}:{text}")
