"""Contact and company records of an export page: details and balances per page.

Each page of contacts costs one query per detail (e-mails, phones,
addresses, tags, balances) for the whole page, never one per contact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from operator import itemgetter
from typing import Any

from crmdesk.interchange.records import Labelled, PhoneNumber, PostalAddress
from crmdesk.services.export_values import Row, amount, moment

#: How many contact ids go into one ``IN (...)`` list.
IDS_PER_QUERY = 5000


def contact_records(conn: Any, rows: list[Row], default_currency: str) -> Iterator[dict[str, Any]]:
    """One record per contact row (as selected by ``ExportQueries``), with every column."""
    ids = [r[1] for r in rows]
    emails = _grouped(
        conn,
        "SELECT contact_id, label, address FROM contact_emails"
        " WHERE contact_id IN ({ids}) ORDER BY contact_id, position",
        ids,
        lambda r: Labelled(r[1], r[2]),
    )
    phones = _grouped(
        conn,
        "SELECT contact_id, label, raw, e164 FROM contact_phones"
        " WHERE contact_id IN ({ids}) ORDER BY contact_id, position",
        ids,
        lambda r: PhoneNumber(r[1], r[2], r[3]),
    )
    addresses = _grouped(
        conn,
        "SELECT contact_id, label, street, postal_code, city, region, country"
        " FROM contact_addresses WHERE contact_id IN ({ids}) ORDER BY contact_id, position",
        ids,
        lambda r: PostalAddress(*r[1:]),
    )
    tags = _grouped(
        conn,
        "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id"
        " WHERE ct.contact_id IN ({ids}) ORDER BY ct.contact_id, t.name COLLATE NOCASE",
        ids,
        itemgetter(1),
    )
    balances = _balances(conn, rows)
    for r in rows:
        (_num, cid, kind, display, first, last, company, title, stage, source, owner) = r[:11]
        (website, birthday, consent, notes, terms_days, credit, terms_cur, discount) = r[11:19]
        owed = balances.get(cid, {})
        # The terms currency, else the only one the account uses, else the default.
        currency = terms_cur or (next(iter(owed)) if len(owed) == 1 else default_currency)
        yield {
            "id": cid,
            "kind": kind,
            "display_name": display,
            "first_name": first,
            "last_name": last,
            "company": company,
            "title": title,
            "name": display,
            "stage": stage,
            "source": source,
            "owner": owner,
            "emails": emails.get(cid, ()),
            "phones": phones.get(cid, ()),
            "addresses": addresses.get(cid, ()),
            "website": website,
            "birthday": birthday,  # stored as an ISO date, exported as one
            "tags": tags.get(cid, ()),
            "consent_marketing": bool(consent),
            "notes": notes,
            "payment_terms_days": terms_days,
            "credit_limit": amount(credit, currency),
            "discount_percent": Decimal(discount or 0) / 100,
            "balance": amount(owed.get(currency, 0), currency),
            "currency": currency,
            "created_at": moment(r[19]),
            "updated_at": moment(r[20]),
        }


def _grouped(
    conn: Any, sql: str, ids: list[str], make: Callable[[Row], Any]
) -> dict[str, list[Any]]:
    """``make(row)`` of every row of ``sql`` over ``ids``, grouped by the first column."""
    out: dict[str, list[Any]] = defaultdict(list)
    for r in conn.execute(sql.format(ids=",".join("?" * len(ids))), ids):
        out[r[0]].append(make(r))
    return out


def _balances(conn: Any, rows: list[Row]) -> dict[str, dict[str, int]]:
    """Purchases minus payments per contact and currency; a company's include its people's."""
    company_ids = [r[1] for r in rows if r[2] == "company"]
    account_of = {r[1]: [r[1]] for r in rows}  # whose activities count on which accounts
    if company_ids:
        marks = ",".join("?" * len(company_ids))
        for member, company in conn.execute(
            f"SELECT id, company_id FROM contacts WHERE company_id IN ({marks})", company_ids
        ):
            account_of.setdefault(member, []).append(company)
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    everyone = list(account_of)
    for start in range(0, len(everyone), IDS_PER_QUERY):
        part = everyone[start : start + IDS_PER_QUERY]
        sql = (
            "SELECT contact_id, currency, sum(CASE WHEN kind = 'purchase'"
            " THEN amount_minor ELSE -amount_minor END) FROM activities"
            f" WHERE contact_id IN ({','.join('?' * len(part))})"
            " AND kind IN ('purchase', 'payment') AND deleted_at IS NULL"
            " AND amount_minor IS NOT NULL GROUP BY contact_id, currency"
        )
        for contact_id, currency, total in conn.execute(sql, part):
            for account in account_of[contact_id]:
                out[account][currency] += int(total)
    return out
