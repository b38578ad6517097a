"""Creating, changing, deleting and restoring people and companies."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.domain import emails as email_rules
from crmdesk.domain import names, phones
from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import is_id, named_id, new_id
from crmdesk.domain.money import parse_amount, validate_currency
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.domain.stages import Stage, parse_stage
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.context import Context
from crmdesk.services.custom_fields import normalize_value
from crmdesk.services.inputs import AddressInput, ContactPatch, EmailInput, PhoneInput
from crmdesk.services.permissions import require_rows
from crmdesk.services.uow import UnitOfWork
from crmdesk.store.models import (
    Address,
    Contact,
    CustomField,
    CustomValue,
    Email,
    Phone,
    StageChange,
    Tag,
)

SCALAR_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "title",
    "source",
    "owner_id",
    "website",
    "birthday",
    "notes",
    "consent_marketing",
    "consent_source",
)


class ContactService:
    """The write side of contacts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create(self, kind: str, patch: ContactPatch) -> str:
        """Create a person (``kind='person'``) or a company; returns the new id."""
        if kind not in ("person", "company"):
            raise ValidationError(f"Unknown contact kind '{kind}'.", field="kind")
        now = utcnow()
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = Contact(
                id=new_id(),
                kind=kind,
                display_name="",
                sort_key="",
                stage=Stage.LEAD.value,
                owner_id=self.ctx.actor_id,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(contact)
            changes = self._apply(uow, contact, patch, creating=True)
            uow.session.flush()
            uow.record("create", "contact", contact.id, contact.display_name, changes)
            uow.touch_contact(contact.id)
            return contact.id

    def update(self, contact_id: str, patch: ContactPatch) -> None:
        """Change a contact; only what the patch names is touched."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = _live(uow.session, contact_id)
            old_name = contact.display_name
            changes = self._apply(uow, contact, patch, creating=False)
            if not changes:
                return
            contact.updated_at = utcnow()
            uow.record("update", "contact", contact.id, contact.display_name, changes)
            uow.touch_contact(contact.id)
            if contact.kind == "company" and contact.display_name != old_name:
                for member_id in _member_ids(uow.session, contact.id):
                    uow.touch_contact(member_id)

    def delete(self, contact_id: str) -> None:
        """Move a contact to the trash (soft delete; restorable)."""
        with self.ctx.write() as uow:
            uow.require(DELETE)
            contact = _live(uow.session, contact_id)
            contact.deleted_at = contact.updated_at = utcnow()
            uow.record("delete", "contact", contact.id, contact.display_name)
            uow.touch_contact(contact.id)

    def delete_many(self, contact_ids: Sequence[str]) -> int:
        """Move several contacts to the trash in one go; returns how many.

        Over the bulk limit the role needs ``bulk_delete``; the audit entry
        lists every id either way.
        """
        ids = list(dict.fromkeys(contact_ids))
        with self.ctx.write() as uow:
            bulk = require_rows(uow.session, self.ctx.actor_id, DELETE, len(ids), "contacts")
            now = utcnow()
            for contact_id in ids:
                contact = _live(uow.session, contact_id)
                contact.deleted_at = contact.updated_at = now
                uow.touch_contact(contact.id)
            action = "bulk_delete" if bulk else "delete"
            uow.record(action, "contact", None, f"{len(ids):,} contacts to the trash", {"ids": ids})
        return len(ids)

    def restore(self, contact_id: str) -> None:
        """Bring a contact back from the trash."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = uow.session.execute(
                select(Contact).where(Contact.id == contact_id)
            ).scalar_one_or_none()
            if contact is None:
                raise NotFound(f"No contact with id {contact_id}.")
            if contact.deleted_at is None:
                raise ValidationError(f"{contact.display_name} is not in the trash.")
            contact.deleted_at = None
            contact.updated_at = utcnow()
            uow.record("restore", "contact", contact.id, contact.display_name)
            uow.touch_contact(contact.id)

    def apply_patch(self, uow: UnitOfWork, contact: Contact, patch: ContactPatch) -> dict[str, Any]:
        """Apply ``patch`` to ``contact`` inside the caller's unit of work (no audit
        entry: the caller records one for the whole change); returns the changes."""
        return self._apply(uow, contact, patch, creating=False)

    # -- applying a patch ------------------------------------------------

    def _apply(
        self, uow: UnitOfWork, contact: Contact, patch: ContactPatch, *, creating: bool
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        session = uow.session

        def set_field(name: str, value: Any) -> None:
            old = getattr(contact, name)
            if old != value:
                setattr(contact, name, value)
                changes[name] = [old, value]

        for name in SCALAR_FIELDS:
            value = getattr(patch, name)
            if value is None:
                continue
            if isinstance(value, str) and name not in ("owner_id",):
                value = value.strip()
            if name == "company_name" and contact.kind != "company" and value:
                raise ValidationError("Only a company has a company name.", field="company_name")
            set_field(name, value)
        if "consent_marketing" in changes:
            set_field("consent_marketing_at", utcnow())

        if contact.kind == "person":
            first, last = names.validate_person(contact.first_name, contact.last_name)
            set_field("first_name", first)
            set_field("last_name", last)
            set_field("display_name", names.person_display_name(first, last))
            set_field("sort_key", names.person_sort_key(first, last))
            if patch.company is not None:
                company_id = self._company_for(uow, patch.company) if patch.company else None
                set_field("company_id", company_id)
        else:
            if patch.company:
                raise ValidationError("A company cannot belong to another company.")
            name = names.validate_company_name(contact.company_name)
            set_field("company_name", name)
            set_field("display_name", name)
            set_field("sort_key", names.company_sort_key(name))

        if patch.stage is not None:
            stage = parse_stage(patch.stage).value
            if creating or stage != contact.stage:
                session.add(
                    StageChange(
                        id=new_id(),
                        contact_id=contact.id,
                        from_stage=None if creating else contact.stage,
                        to_stage=stage,
                        changed_at=utcnow(),
                        user_id=self.ctx.actor_id,
                    )
                )
                set_field("stage", stage)
        elif creating:
            session.add(
                StageChange(
                    id=new_id(),
                    contact_id=contact.id,
                    from_stage=None,
                    to_stage=contact.stage,
                    changed_at=utcnow(),
                    user_id=self.ctx.actor_id,
                )
            )

        self._apply_phones(contact, patch, changes)
        self._apply_emails(contact, patch, changes)
        self._apply_addresses(contact, patch, changes)
        self._apply_tags(session, contact, patch, changes)
        self._apply_custom(session, contact, patch, changes)
        self._apply_terms(contact, patch, changes)
        return changes

    def _phone_row(self, item: PhoneInput, position: int) -> Phone:
        parsed = phones.parse_phone(item.raw, self.ctx.region)
        return Phone(
            id=new_id(),
            label=item.label.strip(),
            raw=parsed.raw,
            e164=parsed.e164,
            digits_rev=phones.reversed_digits(parsed.digits),
            position=position,
        )

    def _apply_phones(self, contact: Contact, patch: ContactPatch, changes: dict[str, Any]) -> None:
        before = [p.raw for p in contact.phones]
        if patch.phones is not None:
            contact.phones = [self._phone_row(p, i) for i, p in enumerate(patch.phones)]
        for raw in patch.remove_phones:
            e164, digits = phones.normalize_for_lookup(raw, self.ctx.region)
            keep = [p for p in contact.phones if not _same_phone(p, e164, digits)]
            if len(keep) == len(contact.phones):
                raise ValidationError(f"{contact.display_name} has no phone number {raw}.")
            contact.phones = keep
        for item in patch.add_phones:
            contact.phones.append(self._phone_row(item, len(contact.phones)))
        after = [p.raw for p in contact.phones]
        if after != before:
            changes["phones"] = [before, after]

    def _apply_emails(self, contact: Contact, patch: ContactPatch, changes: dict[str, Any]) -> None:
        before = [e.address for e in contact.emails]

        def row(item: EmailInput, position: int) -> Email:
            address = email_rules.normalize_email(item.address)
            return Email(
                id=new_id(),
                label=item.label.strip(),
                address=address,
                address_key=email_rules.email_key(address),
                position=position,
            )

        if patch.emails is not None:
            contact.emails = [row(e, i) for i, e in enumerate(patch.emails)]
        for address in patch.remove_emails:
            key = email_rules.email_key(address.strip())
            keep = [e for e in contact.emails if e.address_key != key]
            if len(keep) == len(contact.emails):
                raise ValidationError(f"{contact.display_name} has no e-mail {address}.")
            contact.emails = keep
        for item in patch.add_emails:
            contact.emails.append(row(item, len(contact.emails)))
        after = [e.address for e in contact.emails]
        if after != before:
            changes["emails"] = [before, after]

    def _apply_addresses(
        self, contact: Contact, patch: ContactPatch, changes: dict[str, Any]
    ) -> None:
        before = [_address_text(a) for a in contact.addresses]

        def row(item: AddressInput, position: int) -> Address:
            return Address(
                id=new_id(),
                label=item.label.strip(),
                street=item.street.strip(),
                postal_code=item.postal_code.strip(),
                city=item.city.strip(),
                region=item.region.strip(),
                country=item.country.strip(),
                position=position,
            )

        if patch.addresses is not None:
            contact.addresses = [row(a, i) for i, a in enumerate(patch.addresses)]
        for item in patch.add_addresses:
            contact.addresses.append(row(item, len(contact.addresses)))
        after = [_address_text(a) for a in contact.addresses]
        if after != before:
            changes["addresses"] = [before, after]

    def _apply_tags(
        self, session: Session, contact: Contact, patch: ContactPatch, changes: dict[str, Any]
    ) -> None:
        before = [t.name for t in contact.tags]
        wanted = list(before) if patch.tags is None else []
        for name in (patch.tags or []) + patch.add_tags:
            name = " ".join(name.split())
            if not name:
                raise ValidationError("A tag cannot be empty.", field="tags")
            if name.casefold() not in {w.casefold() for w in wanted}:
                wanted.append(name)
        for name in patch.remove_tags:
            lowered = name.strip().casefold()
            if lowered not in {w.casefold() for w in wanted}:
                raise ValidationError(f"{contact.display_name} has no tag '{name}'.")
            wanted = [w for w in wanted if w.casefold() != lowered]
        if [w.casefold() for w in wanted] == [b.casefold() for b in before]:
            return
        contact.tags = [_tag(session, name) for name in wanted]
        changes["tags"] = [before, [t.name for t in contact.tags]]

    def _apply_custom(
        self, session: Session, contact: Contact, patch: ContactPatch, changes: dict[str, Any]
    ) -> None:
        for key, value in patch.custom.items():
            definition = session.execute(
                select(CustomField).where(CustomField.key == key, CustomField.deleted_at.is_(None))
            ).scalar_one_or_none()
            if definition is None:
                raise ValidationError(f"There is no custom field '{key}'.", field="custom")
            current = session.get(CustomValue, (contact.id, definition.id))
            old = current.value if current else None
            value = normalize_value(definition.field_type, definition.label, value)
            if value == (old or ""):
                continue
            if current is None:
                session.add(CustomValue(contact_id=contact.id, field_id=definition.id, value=value))
            elif value:
                current.value = value
            else:
                session.delete(current)
            changes[f"custom.{key}"] = [old, value or None]

    def _apply_terms(self, contact: Contact, patch: ContactPatch, changes: dict[str, Any]) -> None:
        terms = patch.terms
        if terms is None:
            return

        def set_field(name: str, value: Any) -> None:
            old = getattr(contact, name)
            if old != value:
                setattr(contact, name, value)
                changes[name] = [old, value]

        currency = validate_currency(terms.currency or contact.terms_currency or self.ctx.currency)
        set_field("terms_currency", currency)
        if terms.payment_terms_days is not None:
            if not 0 <= terms.payment_terms_days <= 365:
                raise ValidationError("Payment terms must be 0 to 365 days.", field="terms")
            set_field("payment_terms_days", terms.payment_terms_days)
        if terms.credit_limit is not None:
            limit = parse_amount(terms.credit_limit, currency).minor if terms.credit_limit else None
            if limit is not None and limit < 0:
                raise ValidationError("A credit limit cannot be negative.", field="terms")
            set_field("credit_limit_minor", limit)
        if terms.discount_percent is not None:
            set_field("discount_bp", _basis_points(terms.discount_percent))
        if terms.price_list is not None:
            set_field("price_list", terms.price_list.strip())

    def _company_for(self, uow: UnitOfWork, ref: str) -> str:
        """The id of the company named or identified by ``ref``; created if new."""
        session = uow.session
        ref = ref.strip()
        if is_id(ref):
            company = session.execute(
                select(Contact).where(Contact.id == ref, Contact.kind == "company")
            ).scalar_one_or_none()
            if company is None:
                raise NotFound(f"No company with id {ref}.")
            return company.id
        name = names.validate_company_name(ref)
        found = session.execute(
            select(Contact.id)
            .where(
                Contact.kind == "company",
                Contact.deleted_at.is_(None),
                Contact.sort_key == names.company_sort_key(name),
            )
            .limit(1)
        ).scalar_one_or_none()
        if found:
            return found
        now = utcnow()
        company = Contact(
            id=new_id(),
            kind="company",
            company_name=name,
            display_name=name,
            sort_key=names.company_sort_key(name),
            stage=Stage.LEAD.value,
            owner_id=self.ctx.actor_id,
            created_at=now,
            updated_at=now,
        )
        session.add(company)
        session.add(
            StageChange(
                id=new_id(),
                contact_id=company.id,
                from_stage=None,
                to_stage=company.stage,
                changed_at=now,
                user_id=self.ctx.actor_id,
            )
        )
        session.flush()
        uow.record("create", "contact", company.id, name, {"company_name": [None, name]})
        uow.touch_contact(company.id)
        return company.id


def _live(session: Session, contact_id: str) -> Contact:
    contact = session.execute(select(Contact).where(Contact.id == contact_id)).scalar_one_or_none()
    if contact is None:
        raise NotFound(f"No contact with id {contact_id}.")
    if contact.deleted_at is not None:
        raise NotFound(f"{contact.display_name} is in the trash; restore it first.")
    return contact


def live_contact(session: Session, contact_id: str) -> Contact:
    """The contact with this id, refusing one that is missing or in the trash."""
    return _live(session, contact_id)


def _member_ids(session: Session, company_id: str) -> list[str]:
    return list(
        session.execute(select(Contact.id).where(Contact.company_id == company_id)).scalars()
    )


def _same_phone(phone: Phone, e164: str | None, digits: str) -> bool:
    if e164 and phone.e164 == e164:
        return True
    return phones.reversed_digits(digits) == phone.digits_rev


def _address_text(a: Address) -> str:
    return ", ".join(p for p in (a.street, a.postal_code, a.city, a.region, a.country) if p)


def _tag(session: Session, name: str) -> Tag:
    # tags.name is COLLATE NOCASE, which (like SQLite's lower()) folds ASCII only:
    # "Ärsyttävä" must find "ärsyttävä" too, so other names are compared here.
    tag = session.execute(select(Tag).where(Tag.name == name)).scalar_one_or_none()
    if tag is None and not name.isascii():
        key = name.casefold()
        tag = next(
            (t for t in session.execute(select(Tag)).scalars() if t.name.casefold() == key), None
        )
    if tag is None:
        tag = Tag(id=named_id("tag", name), name=name, created_at=utcnow())
        session.add(tag)
    return tag


def _basis_points(text: str) -> int:
    try:
        value = Decimal(text.strip().rstrip("%").replace(",", "."))
    except InvalidOperation:
        raise ValidationError(f"'{text}' is not a discount percentage.", field="terms") from None
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError("A discount must be between 0 and 100 %.", field="terms")
    return int((value * 100).to_integral_value())
