"""Duplicate proposals: contacts that look like one customer, found after a sync.

After a sync applied remote contacts, every contact that arrived or changed
(and every contact changed since the last look, so an interrupted sync is
covered) is compared with the other live contacts by the importer's rules
(:mod:`crmdesk.services.duplicate_finder`). A pair is kept once in
``duplicate_proposals``; "not duplicates" is remembered, so a dismissed pair
is never proposed again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.permissions import EDIT
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.context import Context
from crmdesk.services.duplicate_finder import propose
from crmdesk.services.sync_status import read_state, write_state
from crmdesk.store.models import DuplicateProposal
from crmdesk.store.types import format_utc, parse_utc

CHUNK = 900
CHECKED = "duplicates_checked"  # sync_state: when contacts were last compared


@dataclass(frozen=True)
class DuplicateSide:
    """One contact of a proposed pair, as the user compares them."""

    id: str
    kind: str
    name: str
    company: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    activities: int
    last_activity: datetime | None


@dataclass(frozen=True)
class DuplicatePair:
    """An open proposal: two contacts and why they look like one."""

    id: str
    left: DuplicateSide
    right: DuplicateSide
    reason: str
    found_at: datetime


class DuplicateService:
    """Finding, listing and dismissing duplicate proposals."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def after_sync(self, touched: Iterable[str]) -> int:
        """Compare the contacts ``touched`` by a sync (and those changed since the last
        look) with the others; returns how many proposals are open now."""
        with self.ctx.write() as uow:
            session = uow.session
            now = utcnow()
            mark = read_state(session).get(CHECKED)
            candidates = set(touched)
            if mark is not None:
                candidates.update(
                    session.execute(
                        text("SELECT id FROM contacts WHERE updated_at >= :m"), {"m": mark}
                    ).scalars()
                )
            new = propose(session, candidates, now)
            write_state(session, **{CHECKED: format_utc(now)})
            if new:
                uow.record("propose", "duplicates", None, f"{new} possible duplicates found")
        return self.open_count()

    def open_count(self) -> int:
        """Open proposals whose two contacts are both live."""
        with self.ctx.read() as session:
            return int(session.execute(text(f"SELECT count(*) {_OPEN}")).scalar_one())

    def open_pairs(self, limit: int = 200) -> list[DuplicatePair]:
        """Open proposals, oldest first, with what the user needs to compare the two."""
        with self.ctx.read() as session:
            rows = session.execute(
                text(
                    f"SELECT p.id, p.contact_a, p.contact_b, p.reason, p.found_at {_OPEN}"
                    " ORDER BY p.found_at, p.id LIMIT :n"
                ),
                {"n": limit},
            ).all()
            sides = _sides(session, {c for row in rows for c in row[1:3]})
            return [
                DuplicatePair(pid, sides[a], sides[b], reason, parse_utc(found))
                for pid, a, b, reason, found in rows
            ]

    def dismiss(self, proposal_id: str) -> None:
        """Mark a pair "not duplicates": it is closed and never proposed again."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            proposal = _find(uow.session, proposal_id)
            if proposal.status != "open":
                raise ValidationError(f"That proposal is already {proposal.status}.")
            proposal.status = "dismissed"
            proposal.resolved_at = utcnow()
            uow.record(
                "dismiss",
                "duplicates",
                proposal.id,
                "not duplicates",
                {"contacts": [proposal.contact_a, proposal.contact_b]},
            )


_OPEN = (
    "FROM duplicate_proposals p JOIN contacts a ON a.id = p.contact_a"
    " JOIN contacts b ON b.id = p.contact_b WHERE p.status = 'open'"
    " AND a.deleted_at IS NULL AND b.deleted_at IS NULL"
)


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _marks(chunk: list[str]) -> str:
    return ", ".join(f":v{i}" for i in range(len(chunk)))


def _params(chunk: list[str]) -> dict[str, Any]:
    return {f"v{i}": v for i, v in enumerate(chunk)}


def _find(session: Session, ref: str) -> DuplicateProposal:
    ref = ref.strip().lower()
    if len(ref) < 4:
        raise ValidationError("Give the proposal id, or at least its first 4 characters.")
    found = list(
        session.execute(
            select(DuplicateProposal).where(DuplicateProposal.id.like(f"{ref}%")).limit(2)
        ).scalars()
    )
    if not found:
        raise NotFound(f"No duplicate proposal with id {ref}.")
    if len(found) > 1:
        raise ValidationError(f"Several proposals start with {ref}; give more of the id.")
    return found[0]


def _grouped(session: Session, params: dict[str, Any], sql: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for contact_id, value in session.execute(text(sql), params):
        found[contact_id].append(value)
    return found


def _sides(session: Session, contact_ids: set[str]) -> dict[str, DuplicateSide]:
    """The contacts of a page of proposals, with their details (four queries a chunk)."""
    out: dict[str, DuplicateSide] = {}
    for chunk in _chunks(sorted(contact_ids)):
        params, marks = _params(chunk), _marks(chunk)
        emails = _grouped(
            session,
            params,
            f"SELECT contact_id, address FROM contact_emails WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position",
        )
        phones = _grouped(
            session,
            params,
            f"SELECT contact_id, raw FROM contact_phones WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position",
        )
        activity = {
            cid: (int(count), last)
            for cid, count, last in session.execute(
                text(
                    "SELECT contact_id, count(*), max(occurred_at) FROM activities"
                    f" WHERE contact_id IN ({marks}) GROUP BY contact_id"
                ),
                params,
            )
        }
        for contact_id, kind, name, company in session.execute(
            text(
                "SELECT c.id, c.kind, c.display_name, co.display_name FROM contacts c"
                f" LEFT JOIN contacts co ON co.id = c.company_id WHERE c.id IN ({marks})"
            ),
            params,
        ):
            count, last = activity.get(contact_id, (0, None))
            out[contact_id] = DuplicateSide(
                id=contact_id,
                kind=kind,
                name=name,
                company=company or "",
                emails=tuple(emails[contact_id]),
                phones=tuple(phones[contact_id]),
                activities=count,
                last_activity=parse_utc(last) if last else None,
            )
    return out
