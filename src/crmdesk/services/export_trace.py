"""Tracing a leaked file back to the export it came from, by its watermark row.

Every watermarked export keeps its made-up row's ids and name in its audit
entry. A file is read once, in chunks (any size, any encoding a spreadsheet
saves in, any delimiter or quoting): the ids in it are matched against the
recorded rows; a file whose ids were stripped can still match on the made-up
name, which is weaker evidence (a real customer may share it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from crmdesk.domain.permissions import VIEW_AUDIT
from crmdesk.errors import NotTraced, UnreadableFile
from crmdesk.interchange.sniff import detect_encoding
from crmdesk.services.context import Context
from crmdesk.services.permissions import require

CHUNK_CHARS = 1 << 20
OVERLAP = 200  # longer than any marker, so one split across chunks is still seen
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class TraceMatch:
    """One export whose watermark is in the file."""

    seq: int  # the export's audit entry
    at: str  # when (stored UTC text)
    user: str  # who exported (username, or the user id if the user is gone)
    kind: str
    format: str
    rows: int
    file: str  # where it was written
    filters: dict[str, object]
    evidence: str  # "row id" or "name only"

    def describe(self) -> str:
        """One line for the user."""
        period = " to ".join(str(self.filters.get(k) or "…") for k in ("from", "to"))
        return (
            f"Export of {self.rows:,} {self.kind} as {self.format} by {self.user} at {self.at}"
            f" (period {period}) to {self.file}; audit entry {self.seq}, matched by "
            f"{self.evidence}."
        )


def trace(ctx: Context, path: Path) -> list[TraceMatch]:
    """The recorded exports whose watermark is in ``path``; ``NotTraced`` when none."""
    with ctx.read() as session:
        require(session, ctx.actor_id, VIEW_AUDIT)
        rows = session.execute(
            text(
                "SELECT a.seq, a.at, coalesce(u.username, a.user_id, ''), a.changes"
                " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
                " WHERE a.action = 'export' ORDER BY a.seq"
            )
        ).all()
    exports = []
    for seq, at, user, changes in rows:
        details = json.loads(changes)
        if isinstance(details.get("watermark"), dict):
            exports.append((seq, at, user, details))
    if not exports:
        raise NotTraced("No export so far carried a watermark, so none can be traced.")
    ids, folded = _scan(path, [d["watermark"]["name"].casefold() for *_, d in exports])
    matches = []
    for seq, at, user, details in exports:
        marker = details["watermark"]
        if marker["id"] in ids or marker["contact_id"] in ids:
            evidence = "row id"
        elif marker["name"].casefold() in folded:
            evidence = "name only"
        else:
            continue
        filters = {k: details.get(k) for k in ("from", "to", "limit")}
        matches.append(
            TraceMatch(
                seq,
                at,
                user,
                details["kind"],
                details["format"],
                details["rows"],
                details["file"],
                filters,
                evidence,
            )
        )
    if not matches:
        raise NotTraced(f"{path.name} matches no recorded export's watermark.")
    return sorted(matches, key=lambda m: m.evidence != "row id")


def _scan(path: Path, names: list[str]) -> tuple[set[str], set[str]]:
    """The ids in the file, and which of ``names`` occur in it (case-insensitively)."""
    ids: set[str] = set()
    found: set[str] = set()
    tail = ""
    for chunk in _chunks(path):
        window = (tail + chunk).casefold()
        ids.update(UUID.findall(window))
        found.update(n for n in names if n in window)
        tail = window[-OVERLAP:]
    return ids, found


def _chunks(path: Path) -> Iterator[str]:
    if not path.is_file():
        raise UnreadableFile(f"There is no file at {path}.")
    encoding, _lines = detect_encoding(path)
    try:
        with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
            while chunk := fh.read(CHUNK_CHARS):
                yield chunk
    except OSError as exc:
        raise UnreadableFile(f"Could not read {path}: {exc.strerror or exc}.") from exc
