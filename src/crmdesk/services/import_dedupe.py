"""Finding the contact an imported row duplicates: in the database or earlier in the file.

Three rules, in this order (keys in :mod:`crmdesk.domain.duplicates`): the
same e-mail address (case-insensitive), the same phone number (E.164), or a
very similar name at the same company. A crmdesk id already in
the database also marks a duplicate. Database lookups go through the
indexes in chunks of rows (``prefetch``); rows seen earlier in the file are
kept in dictionaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from crmdesk.domain.duplicates import company_key, name_keys, similar_first, within_one_edit
from crmdesk.interchange.import_records import ContactRecord

SQL_CHUNK = 900


@dataclass(eq=False, slots=True)
class Existing:
    """A live contact already in the database."""

    id: str
    name: str


@dataclass(eq=False, slots=True)
class NewContact:
    """A contact this import creates; rows merged into it add to ``record``."""

    record: ContactRecord
    implicit: bool = False  # a company created because a person named it
    id: str = ""
    company: Existing | NewContact | None = None
    rows: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.record.display_name


Target = Existing | NewContact


@dataclass(frozen=True)
class Match:
    target: Target
    reason: str


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), SQL_CHUNK):
        yield values[start : start + SQL_CHUNK]


class Matcher:
    """The duplicate index of one import."""

    def __init__(self, dbapi: Any) -> None:
        self.db = dbapi
        self.emails: dict[str, Target] = {}
        self.phones: dict[str, Target] = {}
        self.ids: dict[str, Target] = {}
        self.taken_ids: set[str] = set()  # ids in the database, live or in the trash
        self.companies: dict[str, Target] = {}  # company sort key -> company
        self.by_last: dict[tuple[str, str], list[tuple[str, Target]]] = {}
        self.by_first: dict[tuple[str, str], list[tuple[str, Target]]] = {}
        self._loaded_companies: set[str] = set()
        self._emails_db: dict[str, Existing] = {}
        self._phones_db: dict[str, Existing] = {}

    # -- the database, a chunk of rows at a time ---------------------------------

    def prefetch(self, records: Iterable[ContactRecord]) -> None:
        """Look up in the database everything the next rows may match."""
        emails, phones, ids, companies = set(), set(), set(), set()
        for rec in records:
            emails.update(e.key for e in rec.emails if e.key not in self.emails)
            phones.update(p.e164 for p in rec.phones if p.e164 and p.e164 not in self.phones)
            if rec.id:
                ids.add(rec.id)
            if rec.company:
                key = company_key(rec.company)
                if key not in self._loaded_companies:
                    companies.add(key)
        self._emails_db.update(
            (key, Existing(cid, name))
            for key, cid, name in self._query(
                "SELECT e.address_key, c.id, c.display_name FROM contact_emails e"
                " JOIN contacts c ON c.id = e.contact_id"
                " WHERE c.deleted_at IS NULL AND e.address_key IN ({})",
                emails,
            )
        )
        self._phones_db.update(
            (e164, Existing(cid, name))
            for e164, cid, name in self._query(
                "SELECT p.e164, c.id, c.display_name FROM contact_phones p"
                " JOIN contacts c ON c.id = p.contact_id"
                " WHERE c.deleted_at IS NULL AND p.e164 IN ({})",
                phones,
            )
        )
        for cid, name, deleted in self._query(
            "SELECT id, display_name, deleted_at FROM contacts WHERE id IN ({})", ids
        ):
            self.taken_ids.add(cid)
            if deleted is None:
                self.ids.setdefault(cid, Existing(cid, name))
        for cid, name, key in self._query(
            "SELECT id, display_name, sort_key FROM contacts WHERE kind = 'company'"
            " AND deleted_at IS NULL AND sort_key IN ({}) ORDER BY num",
            companies,
        ):
            self.companies.setdefault(key, Existing(cid, name))
        for cid, name, first, last, key in self._query(
            "SELECT c.id, c.display_name, c.first_name, c.last_name, co.sort_key"
            " FROM contacts co JOIN contacts c ON c.company_id = co.id"
            " WHERE co.kind = 'company' AND co.deleted_at IS NULL AND c.deleted_at IS NULL"
            " AND co.sort_key IN ({})",
            companies,
        ):
            self._index_name(key, first, last, Existing(cid, name))
        self._loaded_companies |= companies

    def _query(self, sql: str, values: set[str]) -> Iterator[tuple[Any, ...]]:
        ordered = sorted(values)
        for chunk in _chunks(ordered):
            yield from self.db.execute(sql.format(",".join("?" * len(chunk))), tuple(chunk))

    # -- matching ----------------------------------------------------------------

    def match(self, rec: ContactRecord) -> Match | None:
        """The contact ``rec`` duplicates, with the reason; None when it is new."""
        if rec.id and rec.id in self.ids:
            return Match(self.ids[rec.id], "same id")
        for e in rec.emails:
            target = self.emails.get(e.key) or self._emails_db.get(e.key)
            if target is not None:
                return Match(target, f"same e-mail {e.address}")
        for p in rec.phones:
            if p.e164:
                target = self.phones.get(p.e164) or self._phones_db.get(p.e164)
                if target is not None:
                    return Match(target, f"same phone {p.raw}")
        if rec.kind == "company":
            target = self.companies.get(company_key(rec.company))
            if target is not None:
                return Match(target, "same company name")
        elif rec.company:
            company = company_key(rec.company)
            first, last = name_keys(rec.first_name, rec.last_name)
            for other_first, target in self.by_last.get((company, last), ()):
                if similar_first(first, other_first):
                    return Match(target, f"similar name at {rec.company}")
            for other_last, target in self.by_first.get((company, first), ()):
                if within_one_edit(last, other_last):
                    return Match(target, f"similar name at {rec.company}")
        return None

    def remember(self, rec: ContactRecord, target: Target) -> None:
        """Later rows with the same e-mail, phone, id or name point to ``target``."""
        for e in rec.emails:
            self.emails.setdefault(e.key, target)
        for p in rec.phones:
            if p.e164:
                self.phones.setdefault(p.e164, target)
        if rec.id:
            self.ids.setdefault(rec.id, target)
        if rec.kind == "company":
            self.companies.setdefault(company_key(rec.company), target)
        elif rec.company:
            self._index_name(company_key(rec.company), rec.first_name, rec.last_name, target)

    def _index_name(self, company: str, first: str, last: str, target: Target) -> None:
        first_key, last_key = name_keys(first, last)
        self.by_last.setdefault((company, last_key), []).append((first_key, target))
        self.by_first.setdefault((company, first_key), []).append((last_key, target))
