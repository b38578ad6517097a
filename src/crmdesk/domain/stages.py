"""The fixed vocabularies: lifecycle and deal stages, activity kinds,
complaint states, priorities and recurrence rules."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from crmdesk.errors import ValidationError

E = TypeVar("E", bound=StrEnum)


def _parse(enum: type[E], text: str, what: str, aliases: dict[str, str] | None = None) -> E:
    key = text.strip().lower().replace("-", " ").replace("_", " ")
    for member in enum:
        label = getattr(member, "label", member.value)
        if key in (member.value.replace("_", " "), str(label).lower()):
            return member
    if aliases and key in aliases:
        return enum(aliases[key])
    choices = ", ".join(m.value for m in enum)
    raise ValidationError(f"'{text}' is not a {what}; use one of: {choices}.", field=what)


class Stage(StrEnum):
    """Where a contact stands in the customer relationship."""

    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    REPEAT = "repeat_customer"
    AT_RISK = "at_risk"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def phase(self) -> str:
        """Prospecting, acquisition, development or retention."""
        return {
            "lead": "prospecting",
            "prospect": "prospecting",
            "customer": "acquisition",
            "repeat_customer": "development",
            "at_risk": "retention",
            "lapsed": "retention",
        }[self.value]


def parse_stage(text: str) -> Stage:
    """A lifecycle stage from its value or label (``repeat``, ``at-risk`` too)."""
    return _parse(Stage, text, "stage", {"repeat": "repeat_customer"})


class DealStage(StrEnum):
    NEW = "new"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_closed(self) -> bool:
        return self in (DealStage.WON, DealStage.LOST)


def parse_deal_stage(text: str) -> DealStage:
    """A deal stage from its name."""
    return _parse(DealStage, text, "deal stage")


class ActivityKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    VISIT = "visit"
    PURCHASE = "purchase"
    PAYMENT = "payment"
    COMPLAINT = "complaint"

    @property
    def label(self) -> str:
        return "E-mail" if self is ActivityKind.EMAIL else self.value.capitalize()


def parse_activity_kind(text: str) -> ActivityKind:
    """An activity kind from its name (``e-mail`` too)."""
    return _parse(ActivityKind, text, "activity type", {"e mail": "email", "mail": "email"})


class ComplaintStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def parse_complaint_status(text: str) -> ComplaintStatus:
    """A complaint status from its name."""
    return _parse(ComplaintStatus, text, "complaint status")


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def parse_priority(text: str) -> Priority:
    """A priority from its name."""
    return _parse(Priority, text, "priority")


class Recurrence(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        return "Does not repeat" if self is Recurrence.NONE else self.value.capitalize()

    def next_after(self, due: datetime) -> datetime | None:
        """The next occurrence after ``due`` (month ends clamp: Jan 31 -> Feb 28)."""
        if self is Recurrence.NONE:
            return None
        if self is Recurrence.DAILY:
            return due + timedelta(days=1)
        if self is Recurrence.WEEKLY:
            return due + timedelta(weeks=1)
        months = 1 if self is Recurrence.MONTHLY else 12
        month_index = due.month - 1 + months
        year, month = due.year + month_index // 12, month_index % 12 + 1
        day = min(due.day, calendar.monthrange(year, month)[1])
        return due.replace(year=year, month=month, day=day)


def parse_recurrence(text: str) -> Recurrence:
    """A recurrence rule from its name."""
    return _parse(Recurrence, text, "recurrence", {"never": "none", "no": "none"})
