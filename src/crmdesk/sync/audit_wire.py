"""The audit part of the sync protocol: each node's hash chain, copied to the server.

Endpoints (same header, token and ``ErrorBody`` rules as ``protocol``):

- ``GET  /api/v1/audit/head`` -> ``AuditHead``: how much of this node's chain
  the server holds (``length`` = last ``seq``, ``head`` = its hash).
- ``POST /api/v1/audit`` ``AuditPush`` -> ``AuditHead``: entries that continue
  the chain, with the client's whole ``length`` and ``head``.

The server accepts a push only when it extends what it already holds: entries
it has must be identical (so a replay, even a late one, changes nothing), the
first new one must link to its last, every hash must be right, and a chain
shorter than the server's is refused unless the push is such a replay.
Otherwise ``409 audit_diverged``: the file was restored from an older copy, or
its trail was edited. The client also compares the server's head with its own
chain before sending anything, so a restored copy stops there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmdesk.domain.audit_chain import Link
from crmdesk.sync.protocol import ProtocolError

MAX_AUDIT_ENTRIES = 2000  # entries per push
AUDIT_DIVERGED = "audit_diverged"
#: What the user is told (the server adds where the chains part).
DIVERGED_MESSAGE = (
    "This database's audit trail does not extend what the server saw: "
    "the file may have been restored from an older copy or tampered with"
)

_TYPES: tuple[tuple[type, ...], ...] = (
    (int,),
    (str,),
    (str, type(None)),
    (str,),
    (str,),
    (str, type(None)),
    (str,),
    (str,),
    (str,),
    (str,),
)


def link_to_json(link: Link) -> list[Any]:
    """One entry on the wire: its ten fields in ``Link`` order."""
    return list(link)


def link_from_json(data: Any) -> Link:
    """An entry from the wire; ``ProtocolError`` when it has the wrong shape."""
    if not isinstance(data, list) or len(data) != len(_TYPES):
        raise ProtocolError(f"an audit entry is a list of {len(_TYPES)} fields")
    for value, kinds in zip(data, _TYPES, strict=True):
        if not isinstance(value, kinds) or isinstance(value, bool):
            raise ProtocolError("an audit entry field has the wrong type")
    return Link(*data)


@dataclass(frozen=True)
class AuditHead:
    """How long a chain is and the hash of its last entry."""

    length: int
    head: str

    def to_json(self) -> dict[str, Any]:
        return {"length": self.length, "head": self.head}

    @classmethod
    def from_json(cls, data: Any) -> AuditHead:
        if not isinstance(data, dict):
            raise ProtocolError("an audit head is an object")
        length, head = data.get("length"), data.get("head")
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise ProtocolError("'length' must be a whole number")
        if not isinstance(head, str):
            raise ProtocolError("'head' must be text")
        return cls(length, head)


@dataclass(frozen=True)
class AuditPush:
    """Entries continuing this node's chain, and the client's whole chain's head."""

    node: str
    entries: list[Link]
    length: int
    head: str

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "entries": [link_to_json(e) for e in self.entries],
            "length": self.length,
            "head": self.head,
        }

    @classmethod
    def from_json(cls, data: Any) -> AuditPush:
        top = AuditHead.from_json(data)
        node, entries = data.get("node"), data.get("entries")
        if not isinstance(node, str):
            raise ProtocolError("'node' must be text")
        if not isinstance(entries, list):
            raise ProtocolError("'entries' must be a list")
        return cls(node, [link_from_json(e) for e in entries], top.length, top.head)
