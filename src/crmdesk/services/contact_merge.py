"""Merging two contacts that are one customer, and undoing a merge.

``merge(keep, other)`` moves everything that happened with ``other`` onto
``keep`` (activities with their order lines, follow-ups, deals, stage history,
and a company's people), fills ``keep``'s empty fields from ``other``, adds the
e-mails, phones, addresses, tags and custom values ``keep`` lacks, and moves
``other`` to the trash with a note of where it went. It is one unit of work:
every change is audited and captured for sync like any edit. The merge is kept
in ``contact_merges`` so :meth:`MergeService.unmerge` can put it back: ``other``
comes out of the trash, what moved and is still on ``keep`` moves back, and
what was filled in is taken out again unless it was edited since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money, format_plain
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.contacts import ContactService, live_contact
from crmdesk.services.context import Context
from crmdesk.services.import_merge import changed, put_back, snapshot
from crmdesk.services.inputs import AddressInput, ContactPatch, EmailInput, PhoneInput, TermsInput
from crmdesk.store.models import (
    Activity,
    Contact,
    ContactMerge,
    CustomField,
    CustomValue,
    Deal,
    DuplicateProposal,
    FollowUp,
    StageChange,
)
from crmdesk.store.types import format_utc

#: What moves from ``other`` to ``keep``: name in the record -> model with a contact column.
MOVED: dict[str, tuple[type[Any], str]] = {
    "activities": (Activity, "contact_id"),
    "followups": (FollowUp, "contact_id"),
    "deals": (Deal, "contact_id"),
    "stage_history": (StageChange, "contact_id"),
    "members": (Contact, "company_id"),
}


@dataclass(frozen=True)
class MergeResult:
    """What one merge did."""

    merge_id: str
    keep_id: str
    keep_name: str
    other_id: str
    other_name: str
    moved: dict[str, int]
    filled: tuple[str, ...]  # fields and kinds of values added to keep

    def summary(self) -> str:
        """One sentence for the status bar or the terminal."""
        moved = ", ".join(f"{n} {what}" for what, n in self.moved.items() if n) or "nothing"
        return f"Merged {self.other_name} into {self.keep_name}: moved {moved}."


@dataclass(frozen=True)
class UnmergeResult:
    """What undoing a merge did, and what it left because it changed since."""

    other_id: str
    other_name: str
    moved_back: int
    kept: tuple[str, ...]


class MergeService:
    """Merging duplicates into one contact, and undoing it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.contacts = ContactService(ctx)

    def merge(self, keep_id: str, other_id: str) -> MergeResult:
        """Merge ``other_id`` into ``keep_id`` (one transaction); ``other`` goes to the trash."""
        if keep_id == other_id:
            raise ValidationError("A contact cannot be merged into itself.")
        with self.ctx.write() as uow:
            uow.require(DELETE)
            session = uow.session
            keep, other = live_contact(session, keep_id), live_contact(session, other_id)
            if keep.kind != other.kind:
                raise ValidationError(
                    f"{other.display_name} is a {other.kind} and {keep.display_name} a "
                    f"{keep.kind}; only two people or two companies can be merged."
                )
            now = utcnow()
            newer_stage = _latest_stage_change(session, other.id) > _latest_stage_change(
                session, keep.id
            )
            moved = _move(session, other.id, keep.id)
            before = snapshot(keep)
            patch, custom = _fill_patch(session, keep, other)
            stage = [keep.stage, other.stage]
            if newer_stage and other.stage != keep.stage:
                patch.stage = other.stage
            changes = self.contacts.apply_patch(uow, keep, patch)
            for value in custom:
                session.add(value)
            session.flush()
            old, new = changed(before, snapshot(keep))
            new["custom_field_ids"] = [v.field_id for v in custom]
            note = f"Merged into {keep.display_name} ({keep.id}) on {format_utc(now)[:10]}."
            filled = {"before": old, "after": new, "other_notes": other.notes, "note": note}
            if patch.stage is not None:
                filled["stage"] = stage
            other.notes = f"{other.notes}\n\n{note}".strip()
            other.deleted_at = other.updated_at = keep.updated_at = now
            record = ContactMerge(
                id=new_id(),
                keep_id=keep.id,
                other_id=other.id,
                user_id=self.ctx.actor_id,
                merged_at=now,
                moved=json.dumps(moved),
                filled=json.dumps(filled, ensure_ascii=False),
            )
            session.add(record)
            _set_proposal(session, keep.id, other.id, "merged", now)
            counts = {what: len(ids) for what, ids in moved.items()}
            uow.record(
                "merge",
                "contact",
                keep.id,
                f"merged {other.display_name} into {keep.display_name}",
                {
                    "keep": [keep.id, keep.display_name],
                    "other": [other.id, other.display_name],
                    "moved": counts,
                    "filled": changes,
                    "merge": record.id,
                },
            )
            for contact_id in (keep.id, other.id, *moved["members"]):
                uow.touch_contact(contact_id)
            return MergeResult(
                record.id,
                keep.id,
                keep.display_name,
                other.id,
                other.display_name,
                counts,
                tuple(changes),
            )

    def last_merge(self, other_id: str) -> str:
        """The id of the latest merge (not undone) that put ``other_id`` into another contact."""
        with self.ctx.read() as session:
            found = session.execute(
                select(ContactMerge.id)
                .where(ContactMerge.other_id == other_id, ContactMerge.undone_at.is_(None))
                .order_by(ContactMerge.merged_at.desc())
                .limit(1)
            ).scalar_one_or_none()
        if found is None:
            raise NotFound("That contact was not merged into another one (or it was undone).")
        return found

    def unmerge(self, merge_id: str) -> UnmergeResult:
        """Undo a merge as far as it still applies: ``other`` out of the trash, its
        moved records back, filled values out of ``keep`` unless edited since."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            session = uow.session
            record = session.get(ContactMerge, merge_id)
            if record is None:
                raise NotFound(f"No merge with id {merge_id}.")
            if record.undone_at is not None:
                raise ValidationError("That merge was already undone.")
            keep = session.get(Contact, record.keep_id)
            other = session.get(Contact, record.other_id)
            assert keep is not None and other is not None  # foreign keys
            now = utcnow()
            kept: list[str] = []
            moved_back = _move_back(session, json.loads(record.moved), keep.id, other.id, kept)
            filled = json.loads(record.filled)
            changes = put_back(self.contacts, uow, keep, filled["before"], filled["after"], kept)
            _remove_custom(session, keep.id, other.id, filled["after"].get("custom_field_ids", []))
            if "stage" in filled:
                old_stage, new_stage = filled["stage"]
                if keep.stage == new_stage:
                    changes.update(
                        self.contacts.apply_patch(uow, keep, ContactPatch(stage=old_stage))
                    )
                else:
                    kept.append(f"{keep.display_name}: the stage was changed since; kept.")
            if other.notes == f"{filled['other_notes']}\n\n{filled['note']}".strip():
                other.notes = filled["other_notes"]
            other.deleted_at = None
            other.updated_at = keep.updated_at = now
            record.undone_at = now
            _set_proposal(session, keep.id, other.id, "open", None)
            uow.record(
                "unmerge",
                "contact",
                other.id,
                f"took {other.display_name} back out of {keep.display_name}",
                {"merge": record.id, "moved_back": moved_back, "filled": changes, "kept": kept},
            )
            for contact_id in (keep.id, other.id):
                uow.touch_contact(contact_id)
            return UnmergeResult(other.id, other.display_name, moved_back, tuple(kept))


def _latest_stage_change(session: Session, contact_id: str) -> str:
    latest = session.execute(
        text("SELECT max(changed_at) FROM stage_history WHERE contact_id = :c"), {"c": contact_id}
    ).scalar_one()
    return str(latest or "")


def _move(session: Session, from_id: str, to_id: str) -> dict[str, list[str]]:
    """Point every record of ``from_id`` at ``to_id`` (through the ORM, so sync sees it)."""
    moved: dict[str, list[str]] = {}
    for what, (model, column) in MOVED.items():
        rows = session.execute(select(model).where(getattr(model, column) == from_id)).scalars()
        moved[what] = []
        for row in rows:
            setattr(row, column, to_id)
            if hasattr(row, "updated_at"):
                row.updated_at = utcnow()
            moved[what].append(row.id)
    return moved


def _move_back(
    session: Session, moved: dict[str, list[str]], keep_id: str, other_id: str, kept: list[str]
) -> int:
    """Move the records a merge moved back, those still on ``keep_id``."""
    count = 0
    for what, ids in moved.items():
        model, column = MOVED[what]
        for row_id in ids:
            row = session.execute(select(model).where(model.id == row_id)).scalar_one_or_none()
            if row is None or getattr(row, column) != keep_id:
                kept.append(f"One of the {what.replace('_', ' ')} has moved since; left there.")
                continue
            setattr(row, column, other_id)
            count += 1
    return count


def _fill_patch(
    session: Session, keep: Contact, other: Contact
) -> tuple[ContactPatch, list[CustomValue]]:
    """What ``keep`` takes from ``other``: empty fields and the values it lacks."""
    patch = ContactPatch()
    for name in ("title", "website", "notes", "source"):
        if not getattr(keep, name) and getattr(other, name):
            setattr(patch, name, getattr(other, name))
    if keep.kind == "person":
        for name in ("first_name", "last_name"):
            if not getattr(keep, name) and getattr(other, name):
                setattr(patch, name, getattr(other, name))
        if keep.company_id is None and other.company_id is not None:
            patch.company = other.company_id
    if keep.birthday is None and other.birthday is not None:
        patch.birthday = other.birthday
    terms = TermsInput()
    if keep.payment_terms_days is None and other.payment_terms_days is not None:
        terms = replace(terms, payment_terms_days=other.payment_terms_days)
    if keep.credit_limit_minor is None and other.credit_limit_minor is not None:
        currency = other.terms_currency or keep.terms_currency
        if currency and currency == (keep.terms_currency or currency):
            limit = format_plain(Money(other.credit_limit_minor, currency))
            terms = replace(terms, credit_limit=limit, currency=currency)
    if terms != TermsInput():
        patch.terms = terms
    emails = {e.address_key for e in keep.emails}
    for e in other.emails:
        if e.address_key not in emails:
            emails.add(e.address_key)
            patch.add_emails.append(EmailInput(e.address, e.label))
    numbers = {p.e164 or p.digits_rev for p in keep.phones}
    for p in other.phones:
        if (p.e164 or p.digits_rev) not in numbers:
            numbers.add(p.e164 or p.digits_rev)
            patch.add_phones.append(PhoneInput(p.raw, p.label))
    places = {_place(a) for a in keep.addresses}
    for a in other.addresses:
        if _place(a) not in places:
            places.add(_place(a))
            patch.add_addresses.append(
                AddressInput(a.street, a.postal_code, a.city, a.region, a.country, a.label)
            )
    tags = {t.name.casefold() for t in keep.tags}
    patch.add_tags = [t.name for t in other.tags if t.name.casefold() not in tags]
    return patch, _custom_values(session, keep.id, other.id)


def _custom_values(session: Session, keep_id: str, other_id: str) -> list[CustomValue]:
    """New custom values for ``keep`` where it has none and ``other`` has one."""
    has = set(
        session.execute(
            select(CustomValue.field_id).where(CustomValue.contact_id == keep_id)
        ).scalars()
    )
    rows = session.execute(
        select(CustomValue)
        .join(CustomField, CustomField.id == CustomValue.field_id)
        .where(CustomValue.contact_id == other_id, CustomField.deleted_at.is_(None))
    ).scalars()
    return [
        CustomValue(contact_id=keep_id, field_id=v.field_id, value=v.value)
        for v in rows
        if v.field_id not in has
    ]


def _remove_custom(session: Session, keep_id: str, other_id: str, field_ids: list[str]) -> None:
    """Take out of ``keep`` the custom values a merge copied, where they are still the same."""
    for field_id in field_ids:
        mine = session.get(CustomValue, (keep_id, field_id))
        theirs = session.get(CustomValue, (other_id, field_id))
        if mine is not None and theirs is not None and mine.value == theirs.value:
            session.delete(mine)


def _set_proposal(session: Session, a: str, b: str, status: str, when: Any) -> None:
    low, high = sorted((a, b))
    proposal = session.execute(
        select(DuplicateProposal).where(
            DuplicateProposal.contact_a == low, DuplicateProposal.contact_b == high
        )
    ).scalar_one_or_none()
    if proposal is not None:
        proposal.status = status
        proposal.resolved_at = when


def _place(a: Any) -> tuple[str, ...]:
    return (a.street, a.postal_code, a.city, a.region, a.country)
