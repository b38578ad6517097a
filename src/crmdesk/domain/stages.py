"""The fixed vocabularies: lifecycle and deal stages, activity kinds,
complaint states, priorities and recurrence rules."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from crmdesk.errors import ValidationError

E = TypeVar("E", bound=StrEnum)


def _key(text: str) -> str:
    """``At-Risk``, ``at_risk`` and `` at  risk `` all give ``at risk``."""
    return " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def _parse(
    enum: type[E], text: str, what: str, field: str, aliases: dict[str, str] | None = None
) -> E:
    """The member of ``enum`` whose value or label is ``text`` (case-insensitive)."""
    key = _key(text)
    for member in enum:
        if key in (_key(member.value), _key(str(getattr(member, "label", member.value)))):
            return member
    if aliases and key in aliases:
        return enum(aliases[key])
    choices = ", ".join(member.value for member in enum)
    article = "an" if what[0] in "aeiou" else "a"
    raise ValidationError(
        f"'{text.strip()}' is not {article} {what}; use one of: {choices}.", field=field
    )


class Stage(StrEnum):
    """Where a contact stands in the customer lifecycle."""

    LEAD = "lead"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    REPEAT = "repeat_customer"
    AT_RISK = "at_risk"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        """``Repeat customer``: the stage as shown to people."""
        return self.value.replace("_", " ").capitalize()

    @property
    def phase(self) -> str:
        """``prospecting``, ``acquisition``, ``development`` or ``retention``."""
        return _PHASES[self]


_PHASES = {
    Stage.LEAD: "prospecting",
    Stage.PROSPECT: "prospecting",
    Stage.CUSTOMER: "acquisition",
    Stage.REPEAT: "development",
    Stage.AT_RISK: "retention",
    Stage.LAPSED: "retention",
}


def parse_stage(text: str) -> Stage:
    """A lifecycle stage from its value or label (also ``repeat``, ``at-risk``)."""
    return _parse(Stage, text, "stage", "stage", {"repeat": Stage.REPEAT.value})


class DealStage(StrEnum):
    """Where a deal stands in the sales pipeline."""

    NEW = "new"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"

    @property
    def label(self) -> str:
        """The stage as shown to people."""
        return self.value.capitalize()

    @property
    def is_closed(self) -> bool:
        """True for won and lost deals."""
        return self in (DealStage.WON, DealStage.LOST)


def parse_deal_stage(text: str) -> DealStage:
    """A deal stage from its name."""
    return _parse(DealStage, text, "deal stage", "stage")


class ActivityKind(StrEnum):
    """What kind of thing happened with a contact."""

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
        """``Call``, ``E-mail``...: the kind as shown to people."""
        return "E-mail" if self is ActivityKind.EMAIL else self.value.capitalize()


def parse_activity_kind(text: str) -> ActivityKind:
    """An activity kind from its name (``e-mail`` and ``mail`` too)."""
    return _parse(ActivityKind, text, "activity type", "kind", {"mail": "email", "e mail": "email"})


class ComplaintStatus(StrEnum):
    """How far a complaint has been dealt with."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        """The status as shown to people."""
        return self.value.replace("_", " ").capitalize()


def parse_complaint_status(text: str) -> ComplaintStatus:
    """A complaint status from its name (``in progress``, ``in-progress`` too)."""
    return _parse(ComplaintStatus, text, "complaint status", "status")


class Priority(StrEnum):
    """How urgent a follow-up is."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def label(self) -> str:
        """The priority as shown to people."""
        return self.value.capitalize()


def parse_priority(text: str) -> Priority:
    """A priority from its name."""
    return _parse(Priority, text, "priority", "priority")


def _add_months(wall: datetime, months: int) -> datetime:
    """``wall`` moved by ``months``, the day clamped to the target month's length."""
    index = wall.month - 1 + months
    year, month = wall.year + index // 12, index % 12 + 1
    return wall.replace(
        year=year, month=month, day=min(wall.day, calendar.monthrange(year, month)[1])
    )


class Recurrence(StrEnum):
    """How a follow-up repeats once it is done."""

    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def label(self) -> str:
        """The rule as shown to people."""
        return "Does not repeat" if self is Recurrence.NONE else self.value.capitalize()

    def next_after(self, due: datetime) -> datetime | None:
        """The occurrence after ``due``, or None for :attr:`NONE`.

        Months clamp to their length (Jan 31 -> Feb 28/29, Feb 29 -> Feb 28 a
        year on). An aware ``due`` repeats at the same local wall-clock time, also
        across a daylight-saving change, and comes back in ``due``'s time zone;
        a naive one is moved as it is.
        """
        if self is Recurrence.NONE:
            return None
        wall = due if due.tzinfo is None else due.astimezone().replace(tzinfo=None)
        if self is Recurrence.DAILY:
            wall += timedelta(days=1)
        elif self is Recurrence.WEEKLY:
            wall += timedelta(weeks=1)
        else:
            wall = _add_months(wall, 1 if self is Recurrence.MONTHLY else 12)
        if due.tzinfo is None:
            return wall
        return wall.astimezone().astimezone(due.tzinfo)


def parse_recurrence(text: str) -> Recurrence:
    """A recurrence rule from its name (``never`` means none)."""
    return _parse(
        Recurrence,
        text,
        "repeat rule",
        "recurrence",
        {"never": "none", "no": "none", "once": "none"},
    )
