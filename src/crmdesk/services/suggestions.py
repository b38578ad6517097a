"""Timely outreach: follow-ups worth making today, found by simple rules.

- ``birthday``: the contact's birthday falls within the next 7 days;
- ``quiet``: a customer with purchases on at least 3 days has bought nothing for
  longer than 1.5 times their own usual interval (the median gap between those days);
- ``complaint``: a complaint was resolved a week ago, time to check they are happy
  (suggested for a week from then, so it passes if nobody looks).

Each suggestion is one *occasion* (the birthday of a year, the silence since a
given last purchase, one complaint). Accepting makes a follow-up with the reason
as its text; accepting or dismissing is kept in ``suggestion_decisions`` so that
occasion is not suggested again. The decision's id is derived from contact, rule
and occasion, so the suggestion's id is the same on every computer.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby, pairwise
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from crmdesk.domain.clock import DEFAULT_HOUR, to_utc, utcnow
from crmdesk.domain.permissions import EDIT, VIEW
from crmdesk.errors import SuggestionAmbiguous, SuggestionDecided, SuggestionNotFound
from crmdesk.services.contacts import live_contact
from crmdesk.services.context import Context
from crmdesk.services.followups import schedule
from crmdesk.services.periods import Period
from crmdesk.services.permissions import require
from crmdesk.services.visibility import owner_scope
from crmdesk.store.models import SuggestionDecision
from crmdesk.store.types import parse_utc

BIRTHDAY_DAYS = 7  # a birthday this many days ahead (or today) is suggested
QUIET_FACTOR = 1.5  # silence longer than this times the usual interval
QUIET_MIN_DAYS = 3  # purchase days needed to know someone's usual interval
CHECK_IN_DAYS = 7  # days after a resolved complaint to check in
CHECK_IN_WINDOW = 7  # days the check-in stays suggested
RULE_LABELS = {
    "birthday": "Birthday",
    "quiet": "Due to buy again",
    "complaint": "Complaint check-in",
}
_NAMESPACE = uuid.UUID("6f1c2d43-5b7e-4c1a-9a57-3d2f0e8b9c11")
_CHUNK = 400


@dataclass(frozen=True)
class Suggestion:
    """A follow-up worth making: for whom, why, and when."""

    id: str
    contact_id: str
    contact_name: str
    rule: str
    occasion: str
    reason: str
    due: date

    @property
    def rule_label(self) -> str:
        """The rule in words (``Birthday``)."""
        return RULE_LABELS[self.rule]


def suggestion_id(contact_id: str, rule: str, occasion: str) -> str:
    """The id of one occasion: the same on every computer."""
    return str(uuid.uuid5(_NAMESPACE, f"{contact_id}|{rule}|{occasion}"))


class SuggestionService:
    """Listing, accepting and dismissing suggested follow-ups."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self, today: date | None = None, limit: int = 500) -> list[Suggestion]:
        """Open suggestions for contacts the user may see, soonest due first."""
        today = today or date.today()
        with self.ctx.read() as session:
            require(session, self.ctx.actor_id, VIEW)
            scope = owner_scope(session, self.ctx.actor_id)
            found = [
                *_birthdays(session, scope, today),
                *_quiet(session, scope, today),
                *_check_ins(session, scope, today),
            ]
            decided = _decided(session, [s.id for s in found])
        found = [s for s in found if s.id not in decided]
        found.sort(key=lambda s: (s.due, s.rule, s.contact_name.casefold()))
        return found[:limit]

    def accept(self, ref: str | Suggestion, today: date | None = None) -> str:
        """Make the suggestion's follow-up (the reason is its text); returns its id.

        ``ref`` is an id (or its first characters), or a suggestion :meth:`list`
        gave, which is not looked for again (the window passes those)."""
        chosen = ref if isinstance(ref, Suggestion) else self._find(ref, today)
        due = max(to_utc(datetime.combine(chosen.due, time(DEFAULT_HOUR))), utcnow())
        with self.ctx.write() as uow:
            uow.require(EDIT)
            self._decide(uow.session, chosen, "accepted")
            contact = live_contact(uow.session, chosen.contact_id)
            followup_id = schedule(uow, contact, due, chosen.reason, owner_id=uow.actor_id).id
            uow.record(
                "accept",
                "suggestion",
                chosen.id,
                f"{chosen.rule_label}: {chosen.contact_name}",
                {"followup_id": [None, followup_id]},
            )
            return followup_id

    def dismiss(self, ref: str | Suggestion, today: date | None = None) -> Suggestion:
        """Never suggest this occasion again; returns what was dismissed (``ref`` as
        for :meth:`accept`)."""
        chosen = ref if isinstance(ref, Suggestion) else self._find(ref, today)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            self._decide(uow.session, chosen, "dismissed")
            uow.record(
                "dismiss", "suggestion", chosen.id, f"{chosen.rule_label}: {chosen.contact_name}"
            )
        return chosen

    def _find(self, ref: str, today: date | None) -> Suggestion:
        ref = ref.strip().lower()
        if len(ref) < 4:
            raise SuggestionNotFound(
                "Give the suggestion's id, or at least its first 4 characters."
            )
        matches = [s for s in self.list(today, limit=1_000_000) if s.id.startswith(ref)]
        if len(matches) > 1:
            raise SuggestionAmbiguous(
                f"Several suggestions start with {ref}; give more of the id.",
                [(s.id, f"{s.contact_name}: {s.reason}") for s in matches],
            )
        if not matches:
            with self.ctx.read() as session:
                outcome = session.execute(
                    text("SELECT outcome FROM suggestion_decisions WHERE id LIKE :p LIMIT 1"),
                    {"p": f"{ref}%"},
                ).scalar()
            if outcome:
                raise SuggestionDecided(f"That suggestion was already {outcome}.")
            raise SuggestionNotFound(f"No current suggestion with id {ref}.")
        return matches[0]

    def _decide(self, session: Session, chosen: Suggestion, outcome: str) -> None:
        held = session.get(SuggestionDecision, chosen.id)
        if held is not None and held.deleted_at is None:
            raise SuggestionDecided(f"That suggestion was already {held.outcome}.")
        now = utcnow()
        if held is None:
            session.add(
                SuggestionDecision(
                    id=chosen.id,
                    contact_id=chosen.contact_id,
                    rule=chosen.rule,
                    occasion=chosen.occasion,
                    outcome=outcome,
                    updated_at=now,
                )
            )
        else:  # a decision another computer tombstoned: decide afresh
            held.outcome, held.deleted_at, held.updated_at = outcome, None, now
        session.flush()


def _live(scope: str | None) -> tuple[str, dict[str, Any]]:
    """SQL condition on ``c`` (contacts): live and visible to the user."""
    if scope is None:
        return "c.deleted_at IS NULL", {}
    return (
        "c.deleted_at IS NULL AND (c.owner_id = :scope OR c.owner_id IS NULL)",
        {"scope": scope},
    )


def _make(
    contact_id: str, name: str, rule: str, occasion: str, reason: str, due: date
) -> Suggestion:
    return Suggestion(
        suggestion_id(contact_id, rule, occasion), contact_id, name, rule, occasion, reason, due
    )


def _birthdays(session: Session, scope: str | None, today: date) -> Iterator[Suggestion]:
    days = [today + timedelta(days=n) for n in range(BIRTHDAY_DAYS + 1)]
    on: dict[str, date] = {d.strftime("%m-%d"): d for d in days}
    if "02-28" in on and "02-29" not in on:  # in a common year, 29 February is kept on the 28th
        on["02-29"] = on["02-28"]
    marks = ", ".join(f":d{i}" for i in range(len(on)))
    where, params = _live(scope)
    params.update({f"d{i}": key for i, key in enumerate(on)})
    rows = session.execute(
        text(
            "SELECT c.id, c.display_name, c.birthday FROM contacts c"
            f" WHERE {where} AND c.birthday IS NOT NULL AND substr(c.birthday, 6) IN ({marks})"
        ),
        params,
    )
    for contact_id, name, birthday in rows:
        day = on[birthday[5:]]
        when = "today" if day == today else f"on {day.strftime('%A')} {day.day} {day:%B}"
        reason = f"Birthday {when}: send greetings."
        yield _make(contact_id, name, "birthday", str(day.year), reason, day)


def _quiet(session: Session, scope: str | None, today: date) -> Iterator[Suggestion]:
    # One pass over the purchases in table order (sequential pages, no index), sorted
    # by customer; names only for the customers who turn out quiet.
    raw = session.connection().connection.dbapi_connection  # no per-row wrapping
    assert raw is not None
    rows = raw.execute(
        "SELECT contact_id, occurred_at FROM activities NOT INDEXED"
        " WHERE kind = 'purchase' AND deleted_at IS NULL ORDER BY contact_id"
    )
    quiet: dict[str, tuple[float, int, date]] = {}
    for contact_id, group in groupby(rows, key=lambda row: row[0]):
        stamps = [row[1] for row in group]
        # The rhythm from UTC days (a slice, no parsing); the silence from the
        # last purchase's local day.
        days = sorted({date.fromisoformat(at[:10]) for at in stamps})
        if len(days) < QUIET_MIN_DAYS:
            continue
        usual = statistics.median((b - a).days for a, b in pairwise(days))
        last = parse_utc(max(stamps)).astimezone().date()
        silent = (today - last).days
        if silent > QUIET_FACTOR * usual:
            quiet[contact_id] = (usual, silent, last)
    for contact_id, name in _live_names(session, scope, list(quiet)):
        usual, silent, last = quiet[contact_id]
        reason = (
            f"Usually buys every {usual:g} days; nothing for {silent} days "
            f"(last purchase {last.isoformat()})."
        )
        yield _make(contact_id, name, "quiet", last.isoformat(), reason, today)


def _live_names(session: Session, scope: str | None, ids: list[str]) -> Iterator[tuple[str, str]]:
    """The live contacts among ``ids`` the user may see, with their names."""
    where, base = _live(scope)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        params = {**base, **{f"i{n}": v for n, v in enumerate(chunk)}}
        sql = f"SELECT c.id, c.display_name FROM contacts c WHERE c.id IN ({marks}) AND {where}"
        yield from ((str(cid), str(name)) for cid, name in session.execute(text(sql), params))


def _check_ins(session: Session, scope: str | None, today: date) -> Iterator[Suggestion]:
    first = today - timedelta(days=CHECK_IN_DAYS + CHECK_IN_WINDOW - 1)
    low, high = Period(first, today - timedelta(days=CHECK_IN_DAYS)).bounds()
    where, params = _live(scope)
    params.update({"low": low, "high": high})
    rows = session.execute(
        text(
            "SELECT a.id, a.contact_id, c.display_name, a.text,"
            " date(a.resolved_at, 'localtime') FROM activities a"
            " JOIN contacts c ON c.id = a.contact_id"
            " WHERE a.kind = 'complaint' AND a.status = 'resolved' AND a.deleted_at IS NULL"
            f" AND a.resolved_at >= :low AND a.resolved_at < :high AND {where}"
        ),
        params,
    )
    for activity_id, contact_id, name, about, resolved in rows:
        resolved_on = date.fromisoformat(resolved)
        subject = " ".join(about.split())
        subject = f" ({subject[:60]}{'…' if len(subject) > 60 else ''})" if subject else ""
        reason = (
            f"Complaint{subject} resolved on {resolved_on.isoformat()}: check they are happy now."
        )
        due = resolved_on + timedelta(days=CHECK_IN_DAYS)
        yield _make(contact_id, name, "complaint", activity_id, reason, due)


def _decided(session: Session, ids: list[str]) -> set[str]:
    """Which of ``ids`` were accepted or dismissed already."""
    out: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        out.update(
            session.execute(
                text(
                    f"SELECT id FROM suggestion_decisions WHERE id IN ({marks})"
                    " AND deleted_at IS NULL"
                ),
                {f"i{n}": v for n, v in enumerate(chunk)},
            ).scalars()
        )
    return out
