"""Duplicate proposals: contacts that look like one customer, found after a sync.

After a sync applied remote contacts, every contact that arrived or changed
(and every contact changed since the last look, so an interrupted sync is
covered) is compared with the other live contacts by the importer's rules
(:mod:`crmdesk.domain.duplicates`): the same e-mail key, the same E.164 phone,
a very similar name at the same company, or for companies the same name. Only
two people or two companies make a pair. A pair is kept once in
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
from crmdesk.domain.duplicates import name_keys, similar_names
from crmdesk.domain.ids import new_id
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.context import Context
from crmdesk.services.sync_status import read_state, write_state
from crmdesk.store.models import DuplicateProposal
from crmdesk.store.types import format_utc, parse_utc

CHUNK = 900
CHECKED = "duplicates_checked"  # sync_state: when contacts were last compared
#: A value more contacts share than this is not one customer's (a switchboard
#: number, a shared mailbox, a common company name): it proposes nothing.
MAX_GROUP = 8
Pair = tuple[str, str]


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


def propose(session: Session, candidates: set[str], now: datetime) -> int:
    """Record the pairs that involve a contact of ``candidates``; returns how many are new."""
    if not candidates:
        return 0
    live = session.execute(text("SELECT count(*) FROM contacts WHERE deleted_at IS NULL"))
    everyone = len(candidates) >= int(live.scalar_one())  # a first sync: all are new here
    if not everyone:
        session.execute(text("CREATE TEMP TABLE duplicate_candidates (id TEXT PRIMARY KEY)"))
    try:
        if not everyone:
            session.execute(
                text("INSERT INTO duplicate_candidates (id) VALUES (:id)"),
                [{"id": c} for c in candidates],
            )
        found: dict[Pair, str] = {}
        for pair, reason in _pairs(session, candidates, everyone):
            found.setdefault(pair, reason)
    finally:
        if not everyone:
            session.execute(text("DROP TABLE duplicate_candidates"))
    if not found:
        return 0
    before = _count(session)
    session.execute(
        text(
            "INSERT OR IGNORE INTO duplicate_proposals (id, contact_a, contact_b, reason,"
            " found_at) VALUES (:id, :a, :b, :r, :t)"
        ),
        [
            {"id": new_id(), "a": a, "b": b, "r": reason, "t": format_utc(now)}
            for (a, b), reason in sorted(found.items())
        ],
    )
    return _count(session) - before


def _count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM duplicate_proposals")).scalar_one())


def _pairs(session: Session, candidates: set[str], everyone: bool) -> Iterator[tuple[Pair, str]]:
    """Every pair of live contacts of one kind, one of them a candidate, by the rules in order.

    Candidates are in the ``duplicate_candidates`` table unless ``everyone`` is; its
    joins are CROSS JOINs, which SQLite takes as "this table first": without
    statistics on a temporary table it would otherwise scan the big one."""
    for column, table, what in (
        ("address_key", "contact_emails", "same e-mail"),
        ("e164", "contact_phones", "same phone"),
    ):
        if everyone:
            values = (
                f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY {column}"
                f" HAVING count(DISTINCT contact_id) BETWEEN 2 AND {MAX_GROUP}"
            )
        else:
            values = (
                f"SELECT x2.{column} FROM duplicate_candidates d CROSS JOIN {table} x2"
                f" ON x2.contact_id = d.id WHERE x2.{column} IS NOT NULL"
            )
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for value, kind, contact_id in session.execute(
            text(
                f"SELECT DISTINCT x.{column}, c.kind, c.id FROM {table} x"
                " JOIN contacts c ON c.id = x.contact_id AND c.deleted_at IS NULL"
                f" WHERE x.{column} IN ({values})"
            )
        ):
            groups[(value, kind)].append(contact_id)
        for (value, _kind), ids in groups.items():
            yield from ((pair, f"{what} {value}") for pair in _group_pairs(ids, candidates))
    yield from _similar_people(session, candidates, everyone)
    if everyone:
        names = (
            "SELECT sort_key FROM contacts WHERE kind = 'company' AND deleted_at IS NULL"
            f" GROUP BY sort_key HAVING count(*) BETWEEN 2 AND {MAX_GROUP}"
        )
    else:
        names = (
            "SELECT c2.sort_key FROM duplicate_candidates d CROSS JOIN contacts c2 ON c2.id = d.id"
            " WHERE c2.kind = 'company'"
        )
    companies: dict[str, list[str]] = defaultdict(list)
    for key, contact_id in session.execute(
        text(
            "SELECT sort_key, id FROM contacts WHERE kind = 'company' AND deleted_at IS NULL"
            f" AND sort_key IN ({names})"
        )
    ):
        companies[key].append(contact_id)
    for ids in companies.values():
        yield from ((pair, "same company name") for pair in _group_pairs(ids, candidates))


def _group_pairs(ids: list[str], candidates: set[str]) -> Iterator[Pair]:
    """Pairs of contacts sharing a value, one a candidate; none when too many share it."""
    ids = sorted(set(ids))
    if len(ids) > MAX_GROUP:
        return
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if a in candidates or b in candidates:
                yield (a, b)


def _similar_people(
    session: Session, candidates: set[str], everyone: bool
) -> Iterator[tuple[Pair, str]]:
    """People with very similar names at companies of the same name as a candidate's."""
    people_sql = (
        "SELECT co.sort_key, co.display_name, p.id, p.first_name, p.last_name"
        " FROM contacts co JOIN contacts p ON p.company_id = co.id"
        " WHERE co.kind = 'company' AND co.deleted_at IS NULL AND p.deleted_at IS NULL"
    )
    if not everyone:
        people_sql += (
            " AND co.sort_key IN (SELECT c2.sort_key FROM duplicate_candidates d"
            " CROSS JOIN contacts p2 ON p2.id = d.id JOIN contacts c2 ON c2.id = p2.company_id)"
        )
    people: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for key, name, contact_id, first, last in session.execute(text(people_sql)):
        people[key].append((contact_id, name, *name_keys(first, last)))
    for group in people.values():
        by_last: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        by_first: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
        for person in group:
            by_last[person[3]].append(person)
            by_first[person[2]].append(person)
        for person in group:
            if person[0] not in candidates:
                continue
            similar = [
                other
                for other in {*by_last[person[3]], *by_first[person[2]]}
                if other[0] != person[0] and similar_names(*person[2:], *other[2:])
            ]
            if len(similar) >= MAX_GROUP:
                continue  # a name too common at this company to say anything
            for other in similar:
                low, high = sorted((person[0], other[0]))
                yield (low, high), f"similar name at {person[1]}"


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
