"""The contact full-text index (FTS5), kept in step by the service layer.

One document per live contact, keyed by ``contacts.num``: name, company,
e-mails, phone digits (as typed, E.164 and national), notes and the text of
recent activities. Contacts in the trash are not in the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import phonenumbers
from sqlalchemy.orm import Session

ACTIVITY_TEXT_LIMIT = 20_000
RECENT_ACTIVITIES = 200
CHUNK = 400
TOKEN = re.compile(r"\w+", re.UNICODE)
PHONE_CHARS = re.compile(r"^[\d\s+()\-./]+$")
# bm25 weights per column: name, company, emails, phones, notes, activity
WEIGHTS = "10.0, 5.0, 3.0, 3.0, 1.0, 1.0"


def phone_tokens(raw: str, e164: str | None, national: str | None) -> set[str]:
    """The digit strings a phone is findable by."""
    out = {re.sub(r"\D", "", raw)}
    if e164:
        out.add(e164.lstrip("+"))
    if national:
        out.add(re.sub(r"\D", "", national))
    return {t for t in out if t}


def phones_document(numbers: Iterable[tuple[str, str | None, str | None]]) -> str:
    """The phones column of a search document, from ``(raw, e164, national)``.

    A missing national format is worked out from the E.164 number.
    """
    tokens: set[str] = set()
    for raw, e164, national in numbers:
        tokens |= phone_tokens(raw, e164, national or _national_format(e164))
    return " ".join(sorted(tokens))


def reindex_contacts(
    session: Session, contact_ids: Iterable[str], nationals: Mapping[str, str] | None = None
) -> None:
    """Rebuild the index documents of the given contacts from the tables.

    Works in chunks with one query per kind of detail, so rebuilding the
    documents of thousands of contacts (a sync page) stays quick. ``nationals``
    may give the national format of E.164 numbers already parsed (by E.164).
    """
    ids = sorted(set(contact_ids))
    session.flush()  # the documents are read with plain SQL, below the ORM
    for start in range(0, len(ids), CHUNK):
        _reindex_chunk(session, ids[start : start + CHUNK], nationals or {})


def _reindex_chunk(session: Session, ids: list[str], nationals: Mapping[str, str]) -> None:
    # The DB-API connection of the session's transaction, without SQLAlchemy's
    # per-statement and per-parameter processing (a first sync indexes every contact).
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    marks = ", ".join("?" * len(ids))
    rows = dbapi.execute(
        "SELECT c.id, c.num, c.display_name, c.deleted_at, coalesce(co.display_name, ''),"
        " c.notes, c.title FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id"
        f" WHERE c.id IN ({marks})",
        ids,
    ).fetchall()
    if not rows:
        return
    nums = ", ".join(str(int(r[1])) for r in rows)
    dbapi.execute(f"DELETE FROM contact_fts WHERE rowid IN ({nums})")
    live = [r for r in rows if r[3] is None]
    if not live:
        return
    emails: dict[str, list[str]] = {}
    for contact_id, address in dbapi.execute(
        f"SELECT contact_id, address FROM contact_emails WHERE contact_id IN ({marks})", ids
    ):
        emails.setdefault(contact_id, []).append(address)
    phones: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for contact_id, raw, e164 in dbapi.execute(
        f"SELECT contact_id, raw, e164 FROM contact_phones WHERE contact_id IN ({marks})", ids
    ):
        phones.setdefault(contact_id, []).append((raw, e164, nationals.get(e164 or "")))
    activity: dict[str, list[str]] = {}
    for contact_id, body in dbapi.execute(
        "SELECT contact_id, text FROM (SELECT contact_id, text, row_number() OVER"
        " (PARTITION BY contact_id ORDER BY occurred_at DESC) AS n FROM activities"
        f" WHERE contact_id IN ({marks}) AND deleted_at IS NULL AND text != '')"
        " WHERE n <= ? ORDER BY contact_id, n",
        [*ids, RECENT_ACTIVITIES],
    ):
        activity.setdefault(contact_id, []).append(body)
    dbapi.executemany(
        "INSERT INTO contact_fts (rowid, name, company, emails, phones, notes, activity)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                num,
                name,
                " ".join(p for p in (company, title) if p),
                " ".join(emails.get(contact_id, [])),
                phones_document(phones.get(contact_id, [])),
                notes,
                "\n".join(activity.get(contact_id, []))[:ACTIVITY_TEXT_LIMIT],
            )
            for contact_id, num, name, _, company, notes, title in live
        ],
    )


def scrub(session: Session) -> None:
    """Rewrite the index without the documents removed from it, old versions included.

    Removing or replacing a document only marks its tokens deleted (FTS5's
    secure-delete would erase them at once, but makes every re-index five times
    slower, a sync pull of 1,000 edits included). Merging every segment into one
    drops the marked tokens; with SQLite's ``secure_delete`` the freed pages are
    zeroed, so an erased or purged person leaves no word in the file.
    """
    optimize = "INSERT INTO contact_fts (contact_fts) VALUES ('optimize')"
    session.connection().exec_driver_sql(optimize)


def _national_format(e164: str | None) -> str | None:
    """The number as dialled inside its own country (``040 1234567``)."""
    if not e164:
        return None
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def match_expression(query: str) -> str | None:
    """Turn what the user typed into an FTS5 prefix query, or None if empty.

    Every word must match as a prefix; a query that looks like a phone number
    is matched as one run of digits against the phone column.
    """
    query = query.strip()
    if PHONE_CHARS.match(query):
        digits = re.sub(r"\D", "", query)
        if len(digits) >= 3:
            if digits.startswith("00"):
                # "00358 40..." is "+358 40...": phones are indexed without the prefix.
                return f'phones : ("{digits}"* OR "{digits[2:]}"*)'
            return f'phones : "{digits}"*'
    tokens = TOKEN.findall(query)
    if not tokens:
        return None
    return " ".join(f'"{t}"*' for t in tokens)
