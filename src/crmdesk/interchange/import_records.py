"""Contacts read from a file: raw text first, then checked against the domain rules.

Readers (CSV through a mapping, vCard directly) produce :class:`RawContact`;
:func:`validate` turns one into a :class:`ContactRecord` whose ``problems``
say, value by value, what cannot be imported and why. Nothing is dropped
quietly: a value that has no place of its own (a second website, a birthday
without a year) is kept in the notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from crmdesk.domain import emails as email_rules
from crmdesk.domain import names, phones
from crmdesk.domain.money import parse_amount, validate_currency
from crmdesk.domain.stages import parse_stage
from crmdesk.errors import ValidationError

# Scalar fields whose repeated values are joined (with this separator) instead
# of the extra ones going to the notes.
JOINED = {
    "first_name": " ",
    "last_name": " ",
    "title": ", ",
    "notes": "\n",
    "street": ", ",
}
YES = {"yes", "y", "true", "1", "x", "kyllä", "ja", "si", "sì", "oui"}
NO = {"no", "n", "false", "0", "", "ei", "nein", "non"}
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
OUTLOOK_EMPTY_DATE = "0/0/00"
NOTE_LABELS = {
    "website": "Website",
    "company": "Company",
    "birthday": "Birthday",
    "source": "Source",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One value that cannot be imported, and why (a sentence)."""

    field: str
    value: str
    reason: str


@dataclass(slots=True)
class Labelled:
    """An e-mail address or phone number as written, with its label."""

    value: str
    label: str = ""


@dataclass(slots=True)
class AddressParts:
    """One postal address."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    label: str = ""

    def is_empty(self) -> bool:
        return not any((self.street, self.postal_code, self.city, self.region, self.country))


@dataclass(slots=True)
class RawContact:
    """A contact as the file wrote it; ``original`` is the row (or card) itself."""

    row: int
    original: list[str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    emails: list[Labelled] = field(default_factory=list)
    phones: list[Labelled] = field(default_factory=list)
    addresses: list[AddressParts] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        """Add a scalar value (empty ones are ignored; line breaks become ``\\n``)."""
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if value:
            self.fields.setdefault(name, []).append(value)

    def is_empty(self) -> bool:
        return not (self.fields or self.emails or self.phones or self.tags) and all(
            a.is_empty() for a in self.addresses
        )


@dataclass(frozen=True, slots=True)
class EmailValue:
    address: str
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class PhoneValue:
    raw: str
    e164: str | None
    digits: str
    label: str
    national: str | None = None


@dataclass(slots=True)
class ContactRecord:
    """A contact checked against the rules, ready to be matched and written."""

    row: int
    original: list[str]
    kind: str = "person"
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    title: str = ""
    website: str = ""
    notes: str = ""
    stage: str | None = None
    source: str = ""
    owner: str = ""
    id: str = ""
    birthday: date | None = None
    consent_marketing: bool | None = None
    payment_terms_days: int | None = None
    credit_limit_minor: int | None = None
    discount_bp: int | None = None
    currency: str | None = None
    created_at: datetime | None = None
    emails: list[EmailValue] = field(default_factory=list)
    phones: list[PhoneValue] = field(default_factory=list)
    addresses: list[AddressParts] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        if self.kind == "company":
            return self.company
        return names.person_display_name(self.first_name, self.last_name)

    @property
    def reason(self) -> str:
        """All problems in one line, for reports and the reject file."""
        return "; ".join(p.reason for p in self.problems)


def validate(raw: RawContact, region: str, currency: str) -> ContactRecord:
    """Check every value of ``raw``; what breaks a rule becomes a :class:`Problem`."""
    rec = ContactRecord(row=raw.row, original=raw.original)
    notes: list[str] = []
    values = raw.fields

    def one(name: str) -> str:
        found = values.get(name)
        if not found:
            return ""
        if len(found) == 1:  # most fields: nothing to join or to move to the notes
            return found[0]
        joiner = JOINED.get(name)
        if joiner is not None:
            return joiner.join(found)
        for extra in found[1:]:
            if extra != found[0]:
                notes.append(
                    f"{NOTE_LABELS.get(name, name.replace('_', ' ').capitalize())}: {extra}"
                )
        return found[0]

    def problem(name: str, value: str, exc: Exception | str) -> None:
        rec.problems.append(Problem(name, value, str(exc)))

    rec.first_name, rec.last_name = one("first_name"), one("last_name")
    full = one("full_name")
    if full and not (rec.first_name or rec.last_name):
        rec.first_name, rec.last_name = split_full_name(full)
    rec.company, rec.title = one("company"), one("title")
    rec.website, rec.source, rec.owner, rec.id = (
        one("website"),
        one("source"),
        one("owner"),
        one("id"),
    )
    rec.notes = one("notes")
    kind = one("kind").casefold()
    if kind not in ("", "person", "company"):
        problem("kind", kind, f"'{kind}' is not a kind of contact; use person or company.")
    if kind == "company" or (not kind and not (rec.first_name or rec.last_name) and rec.company):
        rec.kind = "company"
        rec.company = rec.company or one("display_name") or full
    elif not (rec.first_name or rec.last_name):
        display = one("display_name")
        if display:
            rec.first_name, rec.last_name = split_full_name(display)
    try:
        if rec.kind == "company":
            rec.company = names.validate_company_name(rec.company)
        else:
            rec.first_name, rec.last_name = names.validate_person(rec.first_name, rec.last_name)
            if rec.company:
                rec.company = names.validate_company_name(rec.company)
    except ValidationError as exc:
        problem("name", rec.display_name, _name_reason(exc, raw))

    stage = one("stage")
    if stage:
        try:
            rec.stage = parse_stage(stage).value
        except ValidationError as exc:
            problem("stage", stage, exc)
    birthday = one("birthday")
    if birthday:
        try:
            rec.birthday = parse_birthday(birthday)
        except ValidationError as exc:
            problem("birthday", birthday, exc)
        if rec.birthday is None and birthday != OUTLOOK_EMPTY_DATE:
            notes.append(f"Birthday: {birthday}")
    consent = one("consent_marketing")
    if consent:
        if consent.casefold() in YES:
            rec.consent_marketing = True
        elif consent.casefold() in NO:
            rec.consent_marketing = False
        else:
            problem("consent_marketing", consent, f"'{consent}' is not yes or no.")
    _terms(rec, one, problem, currency)
    created = one("created_at")
    if created:
        try:
            rec.created_at = _timestamp(created)
        except ValueError:
            problem("created_at", created, f"'{created}' is not a date and time.")

    for item in raw.emails:
        try:
            address = email_rules.normalize_email(item.value)
            rec.emails.append(EmailValue(address, email_rules.email_key(address), item.label))
        except ValidationError as exc:
            problem("email", item.value, exc)
    for item in raw.phones:
        try:
            parsed = phones.parse_phone(item.value, region)
            rec.phones.append(
                PhoneValue(parsed.raw, parsed.e164, parsed.digits, item.label, parsed.national)
            )
        except ValidationError as exc:
            problem("phone", item.value, exc)
    rec.addresses = [a for a in raw.addresses if not a.is_empty()]
    seen: set[str] = set()
    for tag in raw.tags:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            rec.tags.append(tag)
    if notes:
        rec.notes = "\n".join(p for p in (rec.notes, *notes) if p)
    return rec


def split_full_name(text: str) -> tuple[str, str]:
    """``Virtanen, Matti`` and ``Matti Virtanen`` both give ``("Matti", "Virtanen")``."""
    text = " ".join(text.split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    first, _, last = text.rpartition(" ")
    return (first, last) if first else ("", last)


def parse_birthday(text: str) -> date | None:
    """A birthday in the forms exports use; None when it has no year (``--04-05``)."""
    text = text.strip()
    if text == OUTLOOK_EMPTY_DATE or _NO_YEAR.fullmatch(text):
        return None
    try:
        if m := _DMY.fullmatch(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _SLASHED.fullmatch(text):
            first, second = int(m[1]), int(m[2])
            month, day = (second, first) if first > 12 else (first, second)
            return date(int(m[3]), month, day)
        if m := _COMPACT.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError(f"'{text}' is not a date.", field="birthday") from None


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _terms(
    rec: ContactRecord,
    one: Callable[[str], str],
    problem: Callable[[str, str, Exception | str], None],
    default_currency: str,
) -> None:
    """Payment terms, credit limit, discount and their currency."""
    currency = one("currency")
    if currency:
        try:
            rec.currency = validate_currency(currency)
        except ValidationError as exc:
            problem("currency", currency, exc)
    days = one("payment_terms_days")
    if days:
        if days.isdigit() and int(days) <= 365:
            rec.payment_terms_days = int(days)
        else:
            problem("payment_terms_days", days, f"'{days}' is not a number of days (0 to 365).")
    limit = one("credit_limit")
    if limit:
        try:
            minor = parse_amount(limit, rec.currency or default_currency).minor
        except ValidationError as exc:
            problem("credit_limit", limit, exc)
        else:
            if minor < 0:
                problem("credit_limit", limit, "A credit limit cannot be negative.")
            rec.credit_limit_minor = minor
    discount = one("discount_percent")
    if discount:
        try:
            value = float(discount.rstrip("% ").replace(",", "."))
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:
            problem(
                "discount_percent", discount, f"'{discount}' is not a discount from 0 to 100 %."
            )
        else:
            rec.discount_bp = round(value * 100)


def _name_reason(exc: ValidationError, raw: RawContact) -> str:
    if raw.emails or raw.phones:
        return f"{exc} (the row has no name or company)"
    return str(exc)
