"""Finding pairs of live contacts that look like one customer, and recording them.

The rules are the importer's (:mod:`crmdesk.domain.duplicates`), in order: the
same e-mail key, the same E.164 phone, a very similar name at a company of the
same name, and for companies the same name. Only two people or two companies
make a pair, at least one of them a *candidate* (a contact that arrived or
changed), and a value more than :data:`MAX_GROUP` contacts share proposes
nothing.

After a pull, the candidates go into a temporary table that leads every join
(``CROSS JOIN``: SQLite takes it as "this table first"; without statistics on a
temporary table it would scan the big one instead). After a first sync every
contact is a candidate: the names are then read in one pass over the contacts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.duplicates import name_keys, similar_names
from crmdesk.domain.ids import new_id
from crmdesk.store.types import format_utc

#: A value more contacts share than this is not one customer's (a switchboard
#: number, a shared mailbox, a common company name): it proposes nothing.
MAX_GROUP = 8
Pair = tuple[str, str]
Person = tuple[str, str, str, str]  # id, company name shown, first and last name keys


def propose(session: Session, candidates: set[str], now: datetime) -> int:
    """Record the pairs that involve a contact of ``candidates``; returns how many are new."""
    if not candidates:
        return 0
    live = session.execute(text("SELECT count(*) FROM contacts WHERE deleted_at IS NULL"))
    if len(candidates) >= int(live.scalar_one()):
        found = _first_reasons(_everyone(session, candidates))
    else:
        session.execute(text("CREATE TEMP TABLE duplicate_candidates (id TEXT PRIMARY KEY)"))
        try:
            session.execute(
                text("INSERT INTO duplicate_candidates (id) VALUES (:id)"),
                [{"id": c} for c in candidates],
            )
            found = _first_reasons(_some(session, candidates))
        finally:
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


def _first_reasons(pairs: Iterator[tuple[Pair, str]]) -> dict[Pair, str]:
    found: dict[Pair, str] = {}
    for pair, reason in pairs:
        found.setdefault(pair, reason)
    return found


def _count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM duplicate_proposals")).scalar_one())


def _some(session: Session, candidates: set[str]) -> Iterator[tuple[Pair, str]]:
    """The pairs of the candidates in the ``duplicate_candidates`` table."""
    for column, table in (("address_key", "contact_emails"), ("e164", "contact_phones")):
        yield from _shared_values(
            session,
            column,
            table,
            f"SELECT x2.{column} FROM duplicate_candidates d CROSS JOIN {table} x2"
            f" ON x2.contact_id = d.id WHERE x2.{column} IS NOT NULL",
            candidates,
        )
    people: dict[str, list[Person]] = defaultdict(list)
    for key, name, contact_id, first, last in session.execute(
        text(
            "SELECT co.sort_key, co.display_name, p.id, p.first_name, p.last_name"
            " FROM contacts co JOIN contacts p ON p.company_id = co.id"
            " WHERE co.kind = 'company' AND co.deleted_at IS NULL AND p.deleted_at IS NULL"
            " AND co.sort_key IN (SELECT c2.sort_key FROM duplicate_candidates d"
            " CROSS JOIN contacts p2 ON p2.id = d.id JOIN contacts c2 ON c2.id = p2.company_id)"
        )
    ):
        people[key].append((contact_id, name, *name_keys(first, last)))
    yield from _similar_people(people, candidates)
    companies: dict[str, list[str]] = defaultdict(list)
    for key, contact_id in session.execute(
        text(
            "SELECT sort_key, id FROM contacts WHERE kind = 'company' AND deleted_at IS NULL"
            " AND sort_key IN (SELECT c2.sort_key FROM duplicate_candidates d"
            " CROSS JOIN contacts c2 ON c2.id = d.id WHERE c2.kind = 'company')"
        )
    ):
        companies[key].append(contact_id)
    yield from _same_company_names(companies, candidates)


def _everyone(session: Session, candidates: set[str]) -> Iterator[tuple[Pair, str]]:
    """The pairs when every contact is a candidate (a first sync)."""
    for column, table in (("address_key", "contact_emails"), ("e164", "contact_phones")):
        yield from _shared_values(
            session,
            column,
            table,
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
            f" GROUP BY {column} HAVING count(*) > 1",
            candidates,
        )
    rows = session.execute(
        text(
            "SELECT id, kind, sort_key, display_name, company_id, first_name, last_name"
            " FROM contacts WHERE deleted_at IS NULL"
        )
    ).all()
    company_of = {r.id: (r.sort_key, r.display_name) for r in rows if r.kind == "company"}
    companies: dict[str, list[str]] = defaultdict(list)
    people: dict[str, list[Person]] = defaultdict(list)
    for r in rows:
        if r.kind == "company":
            companies[r.sort_key].append(r.id)
        elif r.company_id in company_of:
            key, name = company_of[r.company_id]
            people[key].append((r.id, name, *name_keys(r.first_name, r.last_name)))
    yield from _similar_people(people, candidates)
    yield from _same_company_names(companies, candidates)


def _shared_values(
    session: Session, column: str, table: str, values: str, candidates: set[str]
) -> Iterator[tuple[Pair, str]]:
    """Pairs of one kind sharing an e-mail key or a phone number among ``values``."""
    what = "same e-mail" if table == "contact_emails" else "same phone"
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for value, kind, contact_id in session.execute(
        text(
            f"SELECT x.{column}, c.kind, c.id FROM {table} x"
            " JOIN contacts c ON c.id = x.contact_id AND c.deleted_at IS NULL"
            f" WHERE x.{column} IN ({values})"
        )
    ):
        groups[(value, kind)].append(contact_id)
    for (value, _kind), ids in groups.items():
        yield from ((pair, f"{what} {value}") for pair in _group_pairs(ids, candidates))


def _same_company_names(
    companies: dict[str, list[str]], candidates: set[str]
) -> Iterator[tuple[Pair, str]]:
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
    people: dict[str, list[Person]], candidates: set[str]
) -> Iterator[tuple[Pair, str]]:
    """People with very similar names at companies of one name (grouped by its key)."""
    for group in people.values():
        by_last: dict[str, list[Person]] = defaultdict(list)
        by_first: dict[str, list[Person]] = defaultdict(list)
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
