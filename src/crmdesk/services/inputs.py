"""What callers hand to the services to create or change records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class PhoneInput:
    raw: str
    label: str = ""


@dataclass(frozen=True)
class EmailInput:
    address: str
    label: str = ""


@dataclass(frozen=True)
class AddressInput:
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    label: str = ""


@dataclass(frozen=True)
class TermsInput:
    """Commercial terms; ``None`` fields are left as they are."""

    payment_terms_days: int | None = None
    credit_limit: str | None = None
    currency: str | None = None
    discount_percent: str | None = None
    price_list: str | None = None


@dataclass
class ContactPatch:
    """A change to a contact. ``None`` means "leave as it is".

    List fields come in three forms: ``phones`` replaces the whole list,
    ``add_phones``/``remove_phones`` change it item by item (removal matches
    the number in any format). Same for e-mails, addresses and tags.
    """

    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    company: str | None = None
    title: str | None = None
    stage: str | None = None
    source: str | None = None
    owner_id: str | None = None
    website: str | None = None
    birthday: date | None = None
    notes: str | None = None
    consent_marketing: bool | None = None
    consent_source: str | None = None
    phones: list[PhoneInput] | None = None
    add_phones: list[PhoneInput] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    emails: list[EmailInput] | None = None
    add_emails: list[EmailInput] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    addresses: list[AddressInput] | None = None
    add_addresses: list[AddressInput] = field(default_factory=list)
    tags: list[str] | None = None
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)
    terms: TermsInput | None = None


@dataclass(frozen=True)
class LineInput:
    """One purchase line: ``quantity`` and ``unit_price`` as the user typed them."""

    description: str
    quantity: str
    unit_price: str
