"""Custom fields: the user's own questions about every contact ("Shoe size").

A definition has a label, a stable key (made from the label once, so CSV
columns and scripts keep working when the label is edited), a type that
decides what a value may be, and a position in the contact dialog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.names import clean_name_part as clean
from crmdesk.domain.names import sort_key as fold
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.context import Context
from crmdesk.store.models import CustomField, CustomValue

#: Field types and how the dialog names them.
TYPES = {"text": "Text", "number": "Number", "date": "Date", "yesno": "Yes / no"}
YES, NO = "yes", "no"
MAX_LABEL = 60


@dataclass(frozen=True)
class CustomFieldView:
    """One definition, as the settings and the contact dialog show it."""

    id: str
    key: str
    label: str
    field_type: str
    used_by: int  # contacts with a value in this field


def normalize_value(field_type: str, label: str, raw: str) -> str:
    """The stored form of a value typed for a field; '' clears it.

    Numbers keep a dot as decimal separator, dates are ISO, yes/no is
    ``yes``/``no``; anything else raises :class:`ValidationError` naming the field.
    """
    value = raw.strip()
    if not value or field_type == "text":
        return value
    if field_type == "number":
        try:
            number = Decimal(value.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(f"{label}: '{value}' is not a number.", field="custom")
        return format(number.normalize(), "f") if number == number.to_integral() else str(number)
    if field_type == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError(
                f"{label}: '{value}' is not a date like 2026-11-30.", field="custom"
            ) from None
    if field_type == "yesno":
        folded = fold(value)
        if folded in ("yes", "y", "true", "1", "x", "kylla", "si", "jah", "da"):
            return YES
        if folded in ("no", "n", "false", "0", "ei", "ne"):
            return NO
        raise ValidationError(f"{label}: answer yes or no, not '{value}'.", field="custom")
    raise ValidationError(f"Unknown field type '{field_type}'.", field="field_type")


def _key_for(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_") or "field"


class CustomFieldService:
    """Defining, renaming, ordering and removing custom fields."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self) -> list[CustomFieldView]:
        """Every live definition in dialog order, with how many contacts use it."""
        used = (
            select(func.count())
            .select_from(CustomValue)
            .where(CustomValue.field_id == CustomField.id)
            .scalar_subquery()
        )
        with self.ctx.read() as session:
            rows = session.execute(
                select(CustomField.id, CustomField.key, CustomField.label, CustomField.field_type)
                .add_columns(used)
                .where(CustomField.deleted_at.is_(None))
                .order_by(CustomField.position, CustomField.created_at)
            ).all()
        return [CustomFieldView(*row) for row in rows]

    def add(self, label: str, field_type: str = "text") -> str:
        """Define a new field at the end; returns its key."""
        label = self._check_label(label)
        if field_type not in TYPES:
            raise ValidationError(
                f"Unknown field type '{field_type}'; use {', '.join(TYPES)}.", field="field_type"
            )
        now = utcnow()
        with self.ctx.write() as uow:
            uow.require(EDIT)
            session = uow.session
            self._check_unique(session, label, None)
            taken = set(session.execute(select(CustomField.key)).scalars())
            key = base = _key_for(label)
            counter = 1
            while key in taken:
                counter += 1
                key = f"{base}_{counter}"
            position = session.execute(
                select(func.coalesce(func.max(CustomField.position), -1) + 1)
            ).scalar_one()
            field = CustomField(
                id=new_id(),
                key=key,
                label=label,
                field_type=field_type,
                position=position,
                created_at=now,
                updated_at=now,
            )
            session.add(field)
            uow.record("create", "custom_field", field.id, label, {"type": field_type})
            return key

    def rename(self, key: str, label: str) -> None:
        """Change what the dialog calls a field (its key stays)."""
        label = self._check_label(label)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            field = _live(uow.session, key)
            if field.label == label:
                return
            self._check_unique(uow.session, label, field.id)
            uow.record("update", "custom_field", field.id, label, {"label": [field.label, label]})
            field.label, field.updated_at = label, utcnow()

    def move(self, key: str, offset: int) -> None:
        """Move a field up (negative) or down in the dialog."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            session = uow.session
            fields = list(
                session.execute(
                    select(CustomField)
                    .where(CustomField.deleted_at.is_(None))
                    .order_by(CustomField.position, CustomField.created_at)
                ).scalars()
            )
            index = next((i for i, f in enumerate(fields) if f.key == key), None)
            if index is None:
                raise NotFound(f"There is no custom field '{key}'.")
            target = max(0, min(len(fields) - 1, index + offset))
            if target == index:
                return
            fields.insert(target, fields.pop(index))
            for position, field in enumerate(fields):
                field.position = position
            uow.record("update", "custom_field", fields[target].id, key, {"position": target})

    def delete(self, key: str) -> None:
        """Remove a field from every contact's dialog (values stay in history)."""
        with self.ctx.write() as uow:
            uow.require(DELETE)
            field = _live(uow.session, key)
            field.deleted_at = field.updated_at = utcnow()
            uow.record("delete", "custom_field", field.id, field.label)

    @staticmethod
    def _check_label(label: str) -> str:
        label = clean(label)
        if not label:
            raise ValidationError("A custom field needs a name.", field="label")
        if len(label) > MAX_LABEL:
            raise ValidationError(
                f"A field name may be {MAX_LABEL} characters at most.", field="label"
            )
        return label

    @staticmethod
    def _check_unique(session: Session, label: str, own_id: str | None) -> None:
        for other_id, other in session.execute(
            select(CustomField.id, CustomField.label).where(CustomField.deleted_at.is_(None))
        ):
            if other_id != own_id and fold(other) == fold(label):
                raise ValidationError(f"There is already a field called '{other}'.", field="label")


def _live(session: Session, key: str) -> CustomField:
    field = session.execute(
        select(CustomField).where(CustomField.key == key, CustomField.deleted_at.is_(None))
    ).scalar_one_or_none()
    if field is None:
        raise NotFound(f"There is no custom field '{key}'.")
    return field
