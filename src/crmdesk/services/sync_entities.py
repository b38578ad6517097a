"""What syncs: the synced tables, their fields, and their values on the wire.

A synced *entity* is a table; a *row id* is its primary key (``"a|b"`` for a
composite key of two UUIDs, each written in 22 base64url characters so the id
stays within the server's 64); a *field* is a column. Columns derived from others (contact
number, display name, sort key, phone E.164 and reversed digits, e-mail key)
and the local ``updated_at``/``deleted_at`` do not travel: the row's tombstone
travels as the pseudo-field :data:`DELETED` and the rest is recomputed here.
Wire values are what the store keeps (ISO text for times, text for decimals),
with booleans as JSON booleans.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Boolean, Column, inspect
from sqlalchemy.types import TypeDecorator

from crmdesk.store.models import (
    Activity,
    Address,
    Base,
    Contact,
    ContactTag,
    CustomField,
    CustomValue,
    Deal,
    Email,
    FollowUp,
    OrderLine,
    Phone,
    Product,
    SavedList,
    StageChange,
    SuggestionDecision,
    Tag,
)

#: The tombstone pseudo-field (``crmdesk.sync.protocol.DELETED``).
DELETED = "_deleted"

SYNCED_MODELS: tuple[type[Base], ...] = (
    Contact,
    Phone,
    Email,
    Address,
    Tag,
    ContactTag,
    CustomField,
    CustomValue,
    Product,
    Deal,
    Activity,
    OrderLine,
    FollowUp,
    StageChange,
    SuggestionDecision,
    SavedList,
)
DERIVED = {
    "contacts": frozenset({"num", "display_name", "sort_key"}),
    "contact_phones": frozenset({"e164", "digits_rev"}),
    "contact_emails": frozenset({"address_key"}),
}
LOCAL_ONLY = frozenset({"updated_at", "deleted_at"})
#: Order in which new rows are written, parents before children.
WRITE_ORDER = (
    "contacts",
    "tags",
    "custom_fields",
    "products",
    "deals",
    "activities",
    "followups",
    "order_lines",
    "contact_phones",
    "contact_emails",
    "contact_addresses",
    "contact_tags",
    "custom_values",
    "stage_history",
    "suggestion_decisions",
    "saved_lists",
)


@dataclass(frozen=True)
class EntitySpec:
    """How one synced table maps to rows and fields."""

    name: str
    model: type[Base]
    key: tuple[str, ...]
    fields: tuple[str, ...]
    columns: Mapping[str, Column[Any]]
    required: frozenset[str]  # fields a new row cannot be written without
    references: Mapping[str, str]  # column -> table it refers to
    soft_delete: bool  # has deleted_at (else a tombstone removes the row)

    def row_id(self, values: Any) -> str:
        """The row id of an ORM object or a mapping of column values."""
        get = values.__getitem__ if isinstance(values, Mapping) else values.__getattribute__
        if not self.composite:
            return str(get(self.key[0]))
        return "|".join(_compact(str(get(k))) for k in self.key)

    def key_values(self, row_id: str) -> dict[str, str]:
        """The key columns named by a row id."""
        if not self.composite:
            return {self.key[0]: row_id}
        parts = [_expand(p) for p in row_id.split("|")]
        return dict(zip(self.key, parts, strict=True))

    @property
    def composite(self) -> bool:
        """True when the key is made of references (links, custom values)."""
        return len(self.key) > 1

    def to_wire(self, column: str, value: Any) -> Any:
        """A column value as it travels (the stored form; booleans as booleans)."""
        return wire_value(self.columns[column], value)


def _compact(key: str) -> str:
    """A UUID in 22 characters (base64url), so ``a|b`` fits the server's 64."""
    return base64.urlsafe_b64encode(uuid.UUID(key).bytes).rstrip(b"=").decode()


@lru_cache(maxsize=65536)
def _expand(part: str) -> str:
    return str(uuid.UUID(bytes=base64.urlsafe_b64decode(part + "==")))


def wire_value(column: Column[Any], value: Any) -> Any:
    """``value`` of ``column`` as stored, JSON-ready."""
    if value is None:
        return None
    if isinstance(column.type, Boolean):
        return bool(value)
    if isinstance(column.type, TypeDecorator):
        return column.type.process_bind_param(value, None)  # type: ignore[no-untyped-call]
    return value


def _spec(model: type[Base]) -> EntitySpec:
    table = model.__table__
    mapper = inspect(model)
    key = tuple(c.name for c in mapper.primary_key)
    derived = DERIVED.get(table.name, frozenset())
    columns = {c.name: c for c in table.columns}
    fields = tuple(name for name in columns if name not in key and name not in derived | LOCAL_ONLY)
    required = frozenset(
        name
        for name in fields
        if not columns[name].nullable
        and columns[name].default is None
        and columns[name].server_default is None
    )
    references = {
        c.name: next(iter(c.foreign_keys)).column.table.name
        for c in table.columns
        if c.foreign_keys
    }
    return EntitySpec(
        name=table.name,
        model=model,
        key=key,
        fields=fields,
        columns=columns,
        required=required,
        references=references,
        soft_delete="deleted_at" in columns,
    )


@cache
def specs() -> dict[str, EntitySpec]:
    """Every synced entity by table name."""
    return {model.__table__.name: _spec(model) for model in SYNCED_MODELS}


@cache
def spec_of_model(model: type[Base]) -> EntitySpec | None:
    """The entity of an ORM class, or None when it does not sync."""
    return next((s for s in specs().values() if s.model is model), None)


def spec(entity: str) -> EntitySpec | None:
    """The entity by table name, or None when it does not sync."""
    return specs().get(entity)
