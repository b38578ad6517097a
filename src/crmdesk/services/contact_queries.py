"""Reading contacts: list pages, summaries, the full card, and references."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from crmdesk.domain import emails as email_rules
from crmdesk.domain import phones
from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import is_id
from crmdesk.domain.smart_query import SmartQuery
from crmdesk.errors import Ambiguous, NotFound, PermissionDenied, ValidationError
from crmdesk.services import ledger, smart_sql
from crmdesk.services.context import Context
from crmdesk.services.views import (
    AddressView,
    ContactCard,
    ContactSummary,
    EmailView,
    PhoneView,
)
from crmdesk.services.visibility import owner_scope, visible
from crmdesk.store.models import (
    Contact,
    ContactTag,
    CustomField,
    CustomValue,
    Email,
    Phone,
    Tag,
    User,
)

MIN_SUFFIX_DIGITS = 6


@dataclass(frozen=True)
class ContactFilter:
    """Filters of the contact list; ``None`` means "any"."""

    kind: str | None = None
    stage: str | None = None
    tag: str | None = None
    company_id: str | None = None
    owner_id: str | None = None
    smart: SmartQuery | None = None  # a smart list's query
    visible_to: str | None = None  # set by the services: see ``visibility``
    currency: str = ""  # set by the services: amounts in ``smart`` are in it


def summary_query() -> object:
    """SELECT of the columns a :class:`ContactSummary` needs (first phone/e-mail)."""
    company = aliased(Contact)
    phone = (
        select(Phone.raw)
        .where(Phone.contact_id == Contact.id)
        .order_by(Phone.position)
        .limit(1)
        .scalar_subquery()
    )
    email = (
        select(Email.address)
        .where(Email.contact_id == Contact.id)
        .order_by(Email.position)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Contact.id,
            Contact.kind,
            Contact.display_name,
            func.coalesce(company.display_name, ""),
            Contact.stage,
            func.coalesce(phone, ""),
            func.coalesce(email, ""),
            Contact.sort_key,
            Contact.num,
        )
        .select_from(Contact)
        .outerjoin(company, company.id == Contact.company_id)
    )


def _summaries(rows: Sequence[Sequence[object]]) -> list[ContactSummary]:
    return [ContactSummary(*row) for row in rows]  # type: ignore[arg-type]


def summaries_by_num(session: Session, nums: Sequence[int]) -> list[ContactSummary]:
    """Summaries for the given ``contacts.num`` values, in the order given."""
    if not nums:
        return []
    rows = session.execute(summary_query().where(Contact.num.in_(nums))).all()  # type: ignore[attr-defined]
    by_num = {row[8]: row for row in rows}
    return _summaries([by_num[n] for n in nums if n in by_num])


def scope_filter(flt: ContactFilter, owner: str | None, currency: str) -> ContactFilter:
    """``flt`` for a user who sees ``owner``'s contacts (None: all), amounts in ``currency``."""
    return replace(flt, visible_to=owner, currency=currency if flt.smart else "")


def apply_filter(stmt: Any, flt: ContactFilter) -> Any:
    """``stmt`` narrowed to live contacts that pass ``flt``."""
    stmt = stmt.where(Contact.deleted_at.is_(None))
    if flt.kind:
        stmt = stmt.where(Contact.kind == flt.kind)
    if flt.stage:
        stmt = stmt.where(Contact.stage == flt.stage)
    if flt.company_id:
        stmt = stmt.where(Contact.company_id == flt.company_id)
    if flt.owner_id:
        stmt = stmt.where(Contact.owner_id == flt.owner_id)
    if flt.visible_to:
        stmt = stmt.where(visible(flt.visible_to))
    if flt.smart is not None:
        stmt = stmt.where(smart_sql.where(flt.smart, utcnow(), flt.currency))
    if flt.tag:
        stmt = stmt.where(
            Contact.id.in_(
                select(ContactTag.contact_id)
                .join(Tag, Tag.id == ContactTag.tag_id)
                .where(Tag.name == flt.tag)
            )
        )
    return stmt


class ContactQueries:
    """The read side of contacts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def page(
        self,
        flt: ContactFilter = ContactFilter(),
        after: tuple[str, int] | None = None,
        limit: int = 200,
    ) -> list[ContactSummary]:
        """The next ``limit`` contacts in name order after the key ``(sort_key, num)``.

        Keyset paging: as fast at row 900,000 as at row 0.
        """
        stmt = apply_filter(summary_query(), self.scoped(flt))
        if after is not None:
            stmt = stmt.where(tuple_(Contact.sort_key, Contact.num) > tuple_(*after))
        stmt = stmt.order_by(Contact.sort_key, Contact.num).limit(limit)
        with self.ctx.read() as session:
            return _summaries(session.execute(stmt).all())

    def page_keys(self, flt: ContactFilter, step: int) -> list[tuple[str, int]]:
        """The key ``(sort_key, num)`` of every ``step``-th contact in name order.

        Entry ``k`` is what :meth:`page` takes as ``after`` to start page
        ``k + 1``, so a list can jump to any depth with one keyset query.
        """
        rn = func.row_number().over(order_by=(Contact.sort_key, Contact.num)).label("rn")
        flt = self.scoped(flt)
        ranked = apply_filter(select(Contact.sort_key, Contact.num, rn), flt).subquery()
        stmt = (
            select(ranked.c.sort_key, ranked.c.num)
            .where(ranked.c.rn % step == 0)
            .order_by(ranked.c.rn)
        )
        with self.ctx.read() as session:
            return [(key, num) for key, num in session.execute(stmt)]

    def count(self, flt: ContactFilter = ContactFilter()) -> int:
        """How many live contacts pass the filter."""
        with self.ctx.read() as session:
            stmt = apply_filter(select(func.count()).select_from(Contact), self.scoped(flt))
            return int(session.execute(stmt).scalar_one())

    def scoped(self, flt: ContactFilter) -> ContactFilter:
        """``flt`` narrowed to what the acting user may see (amounts in the default currency)."""
        with self.ctx.read() as session:
            scope = owner_scope(session, self.ctx.actor_id)
        return scope_filter(flt, scope, self.ctx.currency)

    def summaries(self, ids: Sequence[str]) -> list[ContactSummary]:
        """Summaries for the given ids, in the order given (missing ids skipped)."""
        with self.ctx.read() as session:
            rows = session.execute(summary_query().where(Contact.id.in_(ids))).all()  # type: ignore[attr-defined]
        by_id = {row[0]: row for row in rows}
        return _summaries([by_id[i] for i in ids if i in by_id])

    def tags(self) -> list[str]:
        """All tag names, alphabetically."""
        with self.ctx.read() as session:
            return list(session.execute(select(Tag.name).order_by(func.lower(Tag.name))).scalars())

    def users(self) -> list[tuple[str, str]]:
        """(id, display name) of every active user, for the owner filter."""
        with self.ctx.read() as session:
            rows = session.execute(
                select(User.id, User.display_name)
                .where(User.deleted_at.is_(None))
                .order_by(func.lower(User.display_name))
            ).all()
        return [(i, name) for i, name in rows]

    def companies(self, prefix: str = "", limit: int = 50) -> list[ContactSummary]:
        """Live companies whose name starts with ``prefix``."""
        from crmdesk.domain.names import company_sort_key

        key = company_sort_key(prefix) if prefix.strip() else ""
        stmt = (
            summary_query()
            .where(  # type: ignore[attr-defined]
                Contact.kind == "company",
                Contact.deleted_at.is_(None),
                Contact.sort_key >= key,
                Contact.sort_key < key + "\uffff",
            )
            .order_by(Contact.sort_key)
            .limit(limit)
        )
        with self.ctx.read() as session:
            return _summaries(session.execute(stmt).all())

    def resolve(self, ref: str, *, include_deleted: bool = False) -> str:
        """The id of the one contact ``ref`` names: an id, e-mail, phone or exact name.

        Several matches raise :class:`Ambiguous` with the candidates listed.
        """
        ref = ref.strip()
        if not ref:
            raise ValidationError("Say which contact: an id, e-mail, phone number or name.")
        with self.ctx.read() as session:
            live = [] if include_deleted else [Contact.deleted_at.is_(None)]
            scope = owner_scope(session, self.ctx.actor_id)
            if scope:
                live.append(visible(scope))
            if is_id(ref):
                found = session.execute(
                    select(Contact.id).where(Contact.id == ref, *live)
                ).scalar_one_or_none()
                if found is None:
                    raise NotFound(f"No contact with id {ref}.")
                return found
            if email_rules.looks_like_email(ref):
                ids = list(
                    session.execute(
                        select(Contact.id)
                        .join(Email, Email.contact_id == Contact.id)
                        .where(Email.address_key == email_rules.email_key(ref), *live)
                        .distinct()
                    ).scalars()
                )
                return _one(session, ids, ref)
            if re.fullmatch(r"[\d\s+()\-./]+", ref) and sum(c.isdigit() for c in ref) >= 3:
                return _one(session, find_by_phone(session, ref, self.ctx.region, live), ref)
            ids = list(
                session.execute(
                    select(Contact.id).where(Contact.sort_key.in_(name_keys(ref)), *live).limit(20)
                ).scalars()
            )
            return _one(session, ids, ref)

    def card(self, contact_id: str, *, recent: int = 20) -> ContactCard:
        """Everything about one contact, including balance and what is open."""
        with self.ctx.read() as session:
            contact = session.execute(
                select(Contact).where(Contact.id == contact_id)
            ).scalar_one_or_none()
            if contact is None:
                raise NotFound(f"No contact with id {contact_id}.")
            scope = owner_scope(session, self.ctx.actor_id)
            if scope and contact.owner_id not in (scope, None):
                raise PermissionDenied(f"{contact.display_name} belongs to another salesperson.")
            owner = session.get(User, contact.owner_id) if contact.owner_id else None
            custom = session.execute(
                select(CustomField.label, CustomValue.value)
                .join(CustomValue, CustomValue.field_id == CustomField.id)
                .where(CustomValue.contact_id == contact.id)
                .order_by(CustomField.position)
            ).all()
            members: list[ContactSummary] = []
            if contact.kind == "company":
                members = _summaries(
                    session.execute(
                        summary_query()
                        .where(  # type: ignore[attr-defined]
                            Contact.company_id == contact.id, Contact.deleted_at.is_(None)
                        )
                        .order_by(Contact.sort_key)
                        .limit(100)
                    ).all()
                )
            return ContactCard(
                id=contact.id,
                kind=contact.kind,
                display_name=contact.display_name,
                first_name=contact.first_name,
                last_name=contact.last_name,
                company_id=contact.company_id,
                company_name=contact.company.display_name if contact.company else "",
                title=contact.title,
                stage=contact.stage,
                source=contact.source,
                owner_name=owner.display_name if owner else "",
                website=contact.website,
                birthday=contact.birthday,
                notes=contact.notes,
                consent_marketing=bool(contact.consent_marketing),
                consent_marketing_at=contact.consent_marketing_at,
                consent_source=contact.consent_source,
                phones=tuple(
                    PhoneView(
                        p.label, p.raw, p.e164, phones.format_phone(p.e164, p.raw, self.ctx.region)
                    )
                    for p in contact.phones
                ),
                emails=tuple(EmailView(e.label, e.address) for e in contact.emails),
                addresses=tuple(
                    AddressView(a.label, a.street, a.postal_code, a.city, a.region, a.country)
                    for a in contact.addresses
                ),
                tags=tuple(sorted((t.name for t in contact.tags), key=str.casefold)),
                custom=tuple((label, value) for label, value in custom),
                balances=tuple(ledger.balances(session, contact)),
                terms=ledger.terms(session, contact, self.ctx.currency),
                recent_activities=tuple(ledger.activities(session, contact.id, limit=recent)),
                open_followups=tuple(ledger.open_followups(session, contact.id)),
                open_complaints=tuple(ledger.open_complaints(session, contact.id)),
                open_deals=tuple(ledger.open_deals(session, contact.id)),
                last_purchases=tuple(
                    ledger.activities(session, contact.id, limit=5, kind="purchase")
                ),
                members=tuple(members),
                created_at=contact.created_at,
                updated_at=contact.updated_at,
                deleted_at=contact.deleted_at,
            )


def name_keys(name: str) -> set[str]:
    """Sort keys a typed full name may have: "Matti Jääskeläinen" is stored
    as "jaaskelainen matti", a company as its own name."""
    from crmdesk.domain.names import sort_key

    words = sort_key(name).split()
    return {" ".join(words[i:] + words[:i]) for i in range(len(words))} or {""}


def find_by_phone(
    session: Session, raw: str, region: str, live: list[Any] | None = None
) -> list[str]:
    """Contacts with this number: exact E.164 first, else a suffix match.

    The suffix match finds numbers stored without a country code; it needs at
    least six digits so a short number does not match half the database.
    """
    live = [Contact.deleted_at.is_(None)] if live is None else live
    e164, digits = phones.normalize_for_lookup(raw, region)
    base = select(Contact.id).join(Phone, Phone.contact_id == Contact.id).where(*live)
    if e164:
        ids = list(session.execute(base.where(Phone.e164 == e164).distinct()).scalars())
        if ids:
            return ids
    significant = _significant_digits(e164, digits)
    if len(significant) < MIN_SUFFIX_DIGITS:
        return []
    rev = phones.reversed_digits(significant)
    stmt = base.where(and_(Phone.digits_rev >= rev, Phone.digits_rev < rev + ":"))
    if e164:
        # A number stored with its own, different country code is another number.
        stmt = stmt.where(Phone.e164.is_(None))
    stmt = stmt.distinct().limit(50)
    return list(session.execute(stmt).scalars())


def _significant_digits(e164: str | None, digits: str) -> str:
    """The national significant number (no country code, no trunk 0)."""
    if e164:
        import phonenumbers

        number = phonenumbers.parse(e164, None)
        return phonenumbers.national_significant_number(number)
    return digits.lstrip("0")


def _one(session: Session, ids: list[str], ref: str) -> str:
    if not ids:
        raise NotFound(f"No contact matches '{ref}'.")
    if len(ids) == 1:
        return ids[0]
    rows = session.execute(
        select(Contact.id, Contact.display_name)
        .where(Contact.id.in_(ids))
        .order_by(Contact.sort_key)
    ).all()
    raise Ambiguous(
        f"'{ref}' matches {len(rows)} contacts; use one of the ids below.",
        [(r[0], r[1]) for r in rows],
    )
