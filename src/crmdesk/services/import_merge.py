"""Merging an imported row into a contact: fill what is empty, add what is new.

Existing values are never overwritten; e-mails, phones, addresses and tags
the contact lacks are added. For a contact already in the database the merge
is a :class:`ContactPatch` applied by :class:`ContactService`'s own rules, and
the values before and after are kept so the import can be undone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from crmdesk.domain.money import Money, format_plain
from crmdesk.interchange.import_records import ContactRecord
from crmdesk.services.contacts import ContactService
from crmdesk.services.inputs import AddressInput, ContactPatch, EmailInput, PhoneInput, TermsInput
from crmdesk.services.uow import UnitOfWork
from crmdesk.store.models import Contact

FILLED = ("title", "website", "notes", "source", "owner", "stage", "birthday",
          "consent_marketing", "payment_terms_days", "credit_limit_minor", "discount_bp",
          "currency", "created_at", "company", "first_name", "last_name")  # fmt: skip
# What a merge into a database contact may change, and undo puts back.
MERGED_SCALARS = ("first_name", "last_name", "title", "website", "notes", "source",
                  "birthday", "company_id", "payment_terms_days", "credit_limit_minor",
                  "terms_currency")  # fmt: skip
SCALAR_TEXT = ("first_name", "last_name", "title", "website", "notes", "source")
LABELS = {"company_id": "company", "credit_limit_minor": "credit limit",
          "terms_currency": "currency", "payment_terms_days": "payment terms"}  # fmt: skip


def merge_into_new(base: ContactRecord, rec: ContactRecord) -> None:
    """Fill ``base`` (a contact this import creates) from a later duplicate row."""
    for name in FILLED:
        if name in ("first_name", "last_name") and base.kind == "company":
            continue
        if name == "company" and base.kind == "company":
            continue
        if getattr(base, name) in (None, "") and getattr(rec, name) not in (None, ""):
            setattr(base, name, getattr(rec, name))
    keys = {e.key for e in base.emails}
    base.emails.extend(e for e in rec.emails if e.key not in keys)
    numbers = {p.e164 or p.digits for p in base.phones}
    base.phones.extend(p for p in rec.phones if (p.e164 or p.digits) not in numbers)
    addresses = {_address_key(a) for a in base.addresses}
    base.addresses.extend(a for a in rec.addresses if _address_key(a) not in addresses)
    tags = {t.casefold() for t in base.tags}
    base.tags.extend(t for t in rec.tags if t.casefold() not in tags)


def fill_patch(contact: Contact, records: list[ContactRecord]) -> ContactPatch:
    """The patch that fills ``contact``'s empty fields from ``records`` and adds new values."""
    patch = ContactPatch()
    for rec in records:
        for name in ("title", "website", "notes", "source"):
            if not getattr(contact, name) and getattr(patch, name) is None and getattr(rec, name):
                setattr(patch, name, getattr(rec, name))
        if contact.kind == "person":
            for name in ("first_name", "last_name"):
                if not getattr(contact, name) and not getattr(patch, name) and getattr(rec, name):
                    setattr(patch, name, getattr(rec, name))
            if contact.company_id is None and patch.company is None and rec.company:
                patch.company = rec.company
        if contact.birthday is None and patch.birthday is None and rec.birthday is not None:
            patch.birthday = rec.birthday
        terms = patch.terms or TermsInput()
        if contact.payment_terms_days is None and rec.payment_terms_days is not None:
            terms = replace(terms, payment_terms_days=rec.payment_terms_days)
        if contact.credit_limit_minor is None and rec.credit_limit_minor is not None:
            currency = rec.currency or contact.terms_currency
            if currency:
                money = Money(rec.credit_limit_minor, currency)
                terms = replace(terms, credit_limit=format_plain(money), currency=currency)
        if terms != TermsInput():
            patch.terms = terms
        emails = {e.address_key for e in contact.emails} | {
            e.address.casefold() for e in patch.add_emails
        }
        for e in rec.emails:
            if e.key not in emails:
                patch.add_emails.append(EmailInput(e.address, e.label))
                emails.add(e.key)
        numbers = {p.e164 or p.digits_rev[::-1] for p in contact.phones}
        for p in rec.phones:
            if (p.e164 or p.digits) not in numbers:
                patch.add_phones.append(PhoneInput(p.raw, p.label))
                numbers.add(p.e164 or p.digits)
        addresses = {
            (a.street, a.postal_code, a.city, a.region, a.country) for a in contact.addresses
        }
        for a in rec.addresses:
            if _address_key(a) not in addresses:
                addresses.add(_address_key(a))
                patch.add_addresses.append(
                    AddressInput(a.street, a.postal_code, a.city, a.region, a.country, a.label)
                )
        tags = {t.name.casefold() for t in contact.tags} | {t.casefold() for t in patch.add_tags}
        for t in rec.tags:
            if t.casefold() not in tags:
                patch.add_tags.append(t)
                tags.add(t.casefold())
    return patch


def snapshot(contact: Contact) -> dict[str, Any]:
    """The merge-relevant values of ``contact``, as JSON-ready values."""
    out: dict[str, Any] = {}
    for name in MERGED_SCALARS:
        value = getattr(contact, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    out["email_ids"] = [e.id for e in contact.emails]
    out["phone_ids"] = [p.id for p in contact.phones]
    out["address_ids"] = [a.id for a in contact.addresses]
    out["tag_ids"] = [t.id for t in contact.tags]
    return out


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what the merge changed: (values before, values after, with the added ids)."""
    old = {k: before[k] for k in MERGED_SCALARS if before[k] != after[k]}
    new = {k: after[k] for k in old}
    for key in ("email_ids", "phone_ids", "address_ids", "tag_ids"):
        added = [i for i in after[key] if i not in set(before[key])]
        if added:
            new[key] = added
    return old, new


def put_back(
    service: ContactService,
    uow: UnitOfWork,
    contact: Contact,
    before: dict[str, Any],
    after: dict[str, Any],
    kept: list[str],
) -> dict[str, Any]:
    """Undo one merge (``before``/``after`` from :func:`changed`) where the values are
    still the merge's; what was edited since is kept and named in ``kept``."""
    changes: dict[str, Any] = {}
    patch = ContactPatch()
    for name in MERGED_SCALARS:
        if name not in after:
            continue
        current = getattr(contact, name)
        current = current.isoformat() if isinstance(current, date) else current
        if current != after[name]:
            label = LABELS.get(name, name.replace("_", " "))
            kept.append(f"{contact.display_name}: the {label} was edited since; kept.")
            continue
        old = before.get(name)
        if name in SCALAR_TEXT:
            setattr(patch, name, old or "")
        elif name == "company_id":
            patch.company = old or ""
        else:
            value = date.fromisoformat(old) if name == "birthday" and old else old
            setattr(contact, name, value)
            changes[name] = [current, old]
    changes.update(service.apply_patch(uow, contact, patch))
    for key, relation in (
        ("email_ids", "emails"),
        ("phone_ids", "phones"),
        ("address_ids", "addresses"),
        ("tag_ids", "tags"),
    ):
        added = set(after.get(key, ()))
        rows = getattr(contact, relation)
        keep = [r for r in rows if r.id not in added]
        if len(keep) != len(rows):
            setattr(contact, relation, keep)
            changes[relation] = "removed what the merge added"
    return changes


def _address_key(a: Any) -> tuple[str, ...]:
    return (a.street, a.postal_code, a.city, a.region, a.country)
