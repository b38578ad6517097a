"""SQLAlchemy models. They mirror the tables built by ``migrations``; a test
checks that the two agree column for column."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import FetchedValue, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crmdesk.store.types import DecimalText, ISODate, UTCDateTime


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Timestamps:
    """``created_at``/``updated_at``/``deleted_at`` (soft delete) columns."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str]
    display_name: Mapped[str]
    role: Mapped[str]
    secret_hash: Mapped[str | None] = mapped_column(default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Role(Base):
    """A role the owner made from the permission list (``permissions``: JSON array)."""

    __tablename__ = "roles"
    name: Mapped[str] = mapped_column(primary_key=True)
    permissions: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Contact(Timestamps, Base):
    """A person or a company (``kind``); people may belong to a company."""

    __tablename__ = "contacts"
    num: Mapped[int] = mapped_column(Integer, server_default=FetchedValue())
    id: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str]
    first_name: Mapped[str] = mapped_column(default="")
    last_name: Mapped[str] = mapped_column(default="")
    company_name: Mapped[str] = mapped_column(default="")
    title: Mapped[str] = mapped_column(default="")
    company_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), default=None)
    display_name: Mapped[str]
    sort_key: Mapped[str]
    stage: Mapped[str] = mapped_column(default="lead")
    source: Mapped[str] = mapped_column(default="")
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    website: Mapped[str] = mapped_column(default="")
    birthday: Mapped[date | None] = mapped_column(ISODate, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    consent_marketing_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    consent_source: Mapped[str] = mapped_column(default="")
    payment_terms_days: Mapped[int | None] = mapped_column(default=None)
    credit_limit_minor: Mapped[int | None] = mapped_column(default=None)
    terms_currency: Mapped[str | None] = mapped_column(default=None)
    discount_bp: Mapped[int] = mapped_column(default=0)
    price_list: Mapped[str] = mapped_column(default="")

    __mapper_args__ = {"primary_key": [id], "eager_defaults": True}  # noqa: RUF012

    phones: Mapped[list[Phone]] = relationship(
        order_by="Phone.position", cascade="all, delete-orphan", lazy="selectin"
    )
    emails: Mapped[list[Email]] = relationship(
        order_by="Email.position", cascade="all, delete-orphan", lazy="selectin"
    )
    addresses: Mapped[list[Address]] = relationship(
        order_by="Address.position", cascade="all, delete-orphan", lazy="selectin"
    )
    tags: Mapped[list[Tag]] = relationship(secondary="contact_tags", lazy="selectin")
    company: Mapped[Contact | None] = relationship(
        remote_side="Contact.id", foreign_keys=[company_id], lazy="joined"
    )


class Phone(Base):
    __tablename__ = "contact_phones"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(default="")
    raw: Mapped[str]
    e164: Mapped[str | None]
    digits_rev: Mapped[str]
    position: Mapped[int] = mapped_column(default=0)


class Email(Base):
    __tablename__ = "contact_emails"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(default="")
    address: Mapped[str]
    address_key: Mapped[str]
    position: Mapped[int] = mapped_column(default=0)


class Address(Base):
    __tablename__ = "contact_addresses"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(default="")
    street: Mapped[str] = mapped_column(default="")
    postal_code: Mapped[str] = mapped_column(default="")
    city: Mapped[str] = mapped_column(default="")
    region: Mapped[str] = mapped_column(default="")
    country: Mapped[str] = mapped_column(default="")
    position: Mapped[int] = mapped_column(default=0)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactTag(Base):
    __tablename__ = "contact_tags"
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)


class CustomField(Timestamps, Base):
    __tablename__ = "custom_fields"
    id: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str]
    label: Mapped[str]
    field_type: Mapped[str] = mapped_column(default="text")
    position: Mapped[int] = mapped_column(default=0)


class CustomValue(Base):
    __tablename__ = "custom_values"
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[str] = mapped_column(
        ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str]


class Product(Timestamps, Base):
    __tablename__ = "products"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    sku: Mapped[str] = mapped_column(default="")
    unit_price_minor: Mapped[int | None] = mapped_column(default=None)
    currency: Mapped[str]


class Deal(Timestamps, Base):
    __tablename__ = "deals"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    title: Mapped[str]
    stage: Mapped[str] = mapped_column(default="new")
    value_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str]
    expected_close: Mapped[date | None] = mapped_column(ISODate, default=None)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    reason: Mapped[str] = mapped_column(default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Activity(Timestamps, Base):
    """One timeline entry; purchases carry order lines, complaints a status."""

    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.id"), default=None)
    amount_minor: Mapped[int | None] = mapped_column(default=None)
    currency: Mapped[str | None] = mapped_column(default=None)
    status: Mapped[str | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[str] = mapped_column(primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"), default=None)
    description: Mapped[str]
    quantity: Mapped[Decimal] = mapped_column(DecimalText)
    unit_price_minor: Mapped[int]
    line_total_minor: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class FollowUp(Timestamps, Base):
    __tablename__ = "followups"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.id"), default=None)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(default="normal")
    recurrence: Mapped[str] = mapped_column(default="none")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SuggestionDecision(Base):
    """A suggested follow-up the user accepted or dismissed (one per occasion)."""

    __tablename__ = "suggestion_decisions"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    rule: Mapped[str]
    occasion: Mapped[str]
    outcome: Mapped[str]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SavedList(Timestamps, Base):
    """A smart list: a name and its query (``SmartQuery`` JSON)."""

    __tablename__ = "saved_lists"
    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    query: Mapped[str] = mapped_column(Text)


class StageChange(Base):
    __tablename__ = "stage_history"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None]
    to_stage: Mapped[str]
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


class AuditEntry(Base):
    """One link of the append-only, hash-chained audit trail."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[str | None]
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[str | None]
    summary: Mapped[str] = mapped_column(default="")
    changes: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str]
    hash: Mapped[str]


class ImportBatch(Base):
    """One import of a file: who, when, what it did, and whether it was undone."""

    __tablename__ = "imports"
    id: Mapped[str] = mapped_column(primary_key=True)
    file_name: Mapped[str]
    format: Mapped[str]
    preset: Mapped[str] = mapped_column(default="")
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ImportItem(Base):
    """A contact an import created, or merged into (with its values before and after)."""

    __tablename__ = "import_items"
    import_id: Mapped[str] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    action: Mapped[str]
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)


class SyncState(Base):
    """Key/value state of the sync client (node id, cursor, server, token...)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


class SyncRowClock(Base):
    """The stamps of the values a synced row's fields hold in this database
    (``stamps``: a JSON object, field name -> stamp)."""

    __tablename__ = "sync_row_clocks"
    entity: Mapped[str] = mapped_column(primary_key=True)
    row_id: Mapped[str] = mapped_column(primary_key=True)
    stamps: Mapped[str] = mapped_column(Text)


class SyncOutboxEntry(Base):
    """A field change waiting for the server's acknowledgement."""

    __tablename__ = "sync_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str]
    row_id: Mapped[str]
    field: Mapped[str]
    value: Mapped[str] = mapped_column(Text)
    stamp: Mapped[str]
    base: Mapped[str | None]
    batch_id: Mapped[str | None] = mapped_column(default=None)


class SyncConflict(Base):
    """Two concurrent edits of one field, as reported by the server."""

    __tablename__ = "sync_conflicts"
    id: Mapped[str] = mapped_column(primary_key=True)
    entity: Mapped[str]
    row_id: Mapped[str]
    field: Mapped[str]
    winner_value: Mapped[str] = mapped_column(Text)
    winner_stamp: Mapped[str]
    winner_user: Mapped[str | None]
    loser_value: Mapped[str] = mapped_column(Text)
    loser_stamp: Mapped[str]
    loser_user: Mapped[str | None]
    detected_at: Mapped[str]
    status: Mapped[str] = mapped_column(default="open")
    resolved_at: Mapped[str | None] = mapped_column(default=None)


class SyncPending(Base):
    """Remote field values of a row that cannot be written yet."""

    __tablename__ = "sync_pending"
    entity: Mapped[str] = mapped_column(primary_key=True)
    row_id: Mapped[str] = mapped_column(primary_key=True)
    fields: Mapped[str] = mapped_column(Text)
    waits_for: Mapped[str | None]


class DuplicateProposal(Base):
    """Two contacts that look like one customer (``contact_a`` < ``contact_b``)."""

    __tablename__ = "duplicate_proposals"
    id: Mapped[str] = mapped_column(primary_key=True)
    contact_a: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    contact_b: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    reason: Mapped[str]
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ContactMerge(Base):
    """One merge of ``other_id`` into ``keep_id``: what moved and what was filled (JSON)."""

    __tablename__ = "contact_merges"
    id: Mapped[str] = mapped_column(primary_key=True)
    keep_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    other_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    moved: Mapped[str] = mapped_column(Text)
    filled: Mapped[str] = mapped_column(Text)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
