"""Read models handed to the CLI and GUI: plain frozen dataclasses, never ORM
objects, so nothing outside the services ever touches a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crmdesk.services.upsell import Offer


@dataclass(frozen=True)
class PhoneView:
    label: str
    raw: str
    e164: str | None
    display: str


@dataclass(frozen=True)
class EmailView:
    label: str
    address: str


@dataclass(frozen=True)
class AddressView:
    label: str
    street: str
    postal_code: str
    city: str
    region: str
    country: str

    def one_line(self) -> str:
        """``Street 1, 00100 Helsinki, FI`` without empty parts."""
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.street, place, self.region, self.country) if p)


@dataclass(frozen=True)
class ContactSummary:
    """One row of a contact list or search result."""

    id: str
    kind: str
    display_name: str
    company_name: str
    stage: str
    phone: str
    email: str
    sort_key: str = ""
    num: int = 0

    @property
    def is_company(self) -> bool:
        return self.kind == "company"


@dataclass(frozen=True)
class BalanceView:
    """Purchases, payments and what is owed, in one currency (minor units)."""

    currency: str
    purchased_minor: int
    paid_minor: int

    @property
    def owed_minor(self) -> int:
        return self.purchased_minor - self.paid_minor


@dataclass(frozen=True)
class TermsView:
    """Commercial terms of an account and the credit still available."""

    holder_id: str
    holder_name: str
    payment_terms_days: int | None
    credit_limit_minor: int | None
    currency: str
    discount_bp: int
    price_list: str
    owed_minor: int

    @property
    def credit_left_minor(self) -> int | None:
        if self.credit_limit_minor is None:
            return None
        return self.credit_limit_minor - self.owed_minor


@dataclass(frozen=True)
class OrderLineView:
    description: str
    quantity: Decimal
    unit_price_minor: int
    line_total_minor: int


@dataclass(frozen=True)
class ActivityView:
    id: str
    contact_id: str
    kind: str
    occurred_at: datetime
    text: str
    user_name: str
    amount_minor: int | None
    currency: str | None
    status: str | None
    resolution: str
    resolved_at: datetime | None
    lines: tuple[OrderLineView, ...] = ()


@dataclass(frozen=True)
class FollowUpView:
    id: str
    contact_id: str
    contact_name: str
    due_at: datetime
    text: str
    priority: str
    recurrence: str
    done_at: datetime | None
    deal_id: str | None
    owner_name: str


@dataclass(frozen=True)
class DealView:
    id: str
    contact_id: str
    contact_name: str
    title: str
    stage: str
    value_minor: int
    currency: str
    expected_close: date | None
    owner_name: str
    reason: str
    closed_at: datetime | None


@dataclass(frozen=True)
class ContactCard:
    """Everything the contact card and the screen pop show about one contact."""

    id: str
    kind: str
    display_name: str
    first_name: str
    last_name: str
    company_id: str | None
    company_name: str
    title: str
    stage: str
    source: str
    owner_name: str
    website: str
    birthday: date | None
    notes: str
    consent_marketing: bool
    consent_marketing_at: datetime | None
    consent_source: str
    phones: tuple[PhoneView, ...]
    emails: tuple[EmailView, ...]
    addresses: tuple[AddressView, ...]
    tags: tuple[str, ...]
    custom: tuple[tuple[str, str], ...]
    balances: tuple[BalanceView, ...]
    terms: TermsView | None
    recent_activities: tuple[ActivityView, ...]
    open_followups: tuple[FollowUpView, ...]
    open_complaints: tuple[ActivityView, ...]
    open_deals: tuple[DealView, ...]
    last_purchases: tuple[ActivityView, ...]
    members: tuple[ContactSummary, ...]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @property
    def is_company(self) -> bool:
        return self.kind == "company"


@dataclass(frozen=True)
class PopResult:
    """What a screen pop for one phone number found."""

    number: str
    e164: str | None
    card: ContactCard | None
    candidates: tuple[ContactSummary, ...] = field(default=())
    offers: tuple[Offer, ...] = field(default=())  # what to offer the caller next
