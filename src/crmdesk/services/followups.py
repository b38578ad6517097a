"""Follow-ups: what to do next, for whom, and when."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.domain.stages import Priority, Recurrence
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services import ledger
from crmdesk.services.contacts import live_contact
from crmdesk.services.context import Context
from crmdesk.services.uow import UnitOfWork
from crmdesk.services.views import FollowUpView
from crmdesk.services.visibility import owner_scope, visible
from crmdesk.store.models import Contact, FollowUp

WHEN_CHOICES = ("overdue", "today", "upcoming", "open", "done", "all")


class FollowUpService:
    """Scheduling, completing, snoozing and listing follow-ups."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self,
        contact_id: str,
        due: datetime,
        text: str = "",
        priority: str = "normal",
        recurrence: str = "none",
        deal_id: str | None = None,
        owner_id: str | None = None,
    ) -> str:
        """Schedule a follow-up; returns its id."""
        prio = Priority(priority) if priority in Priority._value2member_map_ else None
        if prio is None:
            raise ValidationError(f"'{priority}' is not a priority (low, normal, high).")
        rec = Recurrence(recurrence) if recurrence in Recurrence._value2member_map_ else None
        if rec is None:
            raise ValidationError(f"'{recurrence}' is not a recurrence.")
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = live_contact(uow.session, contact_id)
            owner = owner_id or self.ctx.actor_id
            return schedule(uow, contact, due, text, prio.value, rec.value, deal_id, owner).id

    def complete(self, followup_id: str) -> str | None:
        """Tick a follow-up done; a recurring one spawns the next. Returns its id."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            followup = _open(uow, followup_id)
            now = utcnow()
            followup.done_at = followup.updated_at = now
            uow.record("complete", "followup", followup.id, followup.text)
            rule = Recurrence(followup.recurrence)
            next_due = rule.next_after(followup.due_at)
            while next_due is not None and next_due <= now:
                next_due = rule.next_after(next_due)
            if next_due is None:
                return None
            spawned = FollowUp(
                id=new_id(),
                contact_id=followup.contact_id,
                deal_id=followup.deal_id,
                owner_id=followup.owner_id,
                due_at=next_due,
                text=followup.text,
                priority=followup.priority,
                recurrence=followup.recurrence,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(spawned)
            uow.session.flush()
            uow.record(
                "create",
                "followup",
                spawned.id,
                "next of a recurring follow-up",
                {"due_at": [None, next_due]},
            )
            return spawned.id

    def reopen(self, followup_id: str) -> None:
        """Undo a completion."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            followup = uow.session.get(FollowUp, followup_id)
            if followup is None or followup.deleted_at is not None or followup.done_at is None:
                raise NotFound(f"No completed follow-up with id {followup_id}.")
            followup.done_at = None
            followup.updated_at = utcnow()
            uow.record("reopen", "followup", followup.id, followup.text)

    def reschedule(self, followup_id: str, due: datetime) -> None:
        """Move an open follow-up to a new time."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            followup = _open(uow, followup_id)
            old = followup.due_at
            followup.due_at = due
            followup.updated_at = utcnow()
            uow.record("update", "followup", followup.id, "rescheduled", {"due_at": [old, due]})

    def snooze(self, followup_id: str, delta: timedelta) -> datetime:
        """Push an open follow-up ``delta`` from now; returns the new due time."""
        due = utcnow() + delta
        self.reschedule(followup_id, due)
        return due

    def delete(self, followup_id: str) -> None:
        """Move a follow-up to the trash."""
        with self.ctx.write() as uow:
            uow.require(DELETE)
            followup = uow.session.get(FollowUp, followup_id)
            if followup is None or followup.deleted_at is not None:
                raise NotFound(f"No follow-up with id {followup_id}.")
            followup.deleted_at = followup.updated_at = utcnow()
            uow.record("delete", "followup", followup.id, followup.text)

    def restore(self, followup_id: str) -> None:
        """Bring a follow-up back from the trash."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            followup = uow.session.get(FollowUp, followup_id)
            if followup is None or followup.deleted_at is None:
                raise NotFound(f"No deleted follow-up with id {followup_id}.")
            followup.deleted_at = None
            followup.updated_at = utcnow()
            uow.record("restore", "followup", followup.id, followup.text)

    def get(self, followup_id: str) -> FollowUpView:
        """One follow-up."""
        with self.ctx.read() as session:
            row = session.execute(
                ledger.followup_query().where(FollowUp.id == followup_id)
            ).one_or_none()
            if row is None:
                raise NotFound(f"No follow-up with id {followup_id}.")
            return ledger.followup_view(*row)

    def list(
        self,
        when: str = "open",
        *,
        now: datetime | None = None,
        day_end: datetime | None = None,
        owner_id: str | None = None,
        limit: int = 500,
    ) -> list[FollowUpView]:
        """Follow-ups by when they are due.

        ``overdue``: due before now; ``today``: from now to ``day_end`` (the end
        of the user's local day); ``upcoming``: after that; ``open``: all not
        done; ``done``: completed, newest first; ``all``.
        """
        if when not in WHEN_CHOICES:
            raise ValidationError(f"'{when}' is not one of {', '.join(WHEN_CHOICES)}.")
        now = now or utcnow()
        if day_end is None:
            local = now.astimezone()
            day_end = (
                local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            ).astimezone(now.tzinfo)
        stmt = ledger.followup_query()
        if when != "all":
            stmt = stmt.where(
                FollowUp.done_at.is_not(None) if when == "done" else FollowUp.done_at.is_(None)
            )
        if when == "overdue":
            stmt = stmt.where(FollowUp.due_at < now)
        elif when == "today":
            stmt = stmt.where(FollowUp.due_at >= now, FollowUp.due_at < day_end)
        elif when == "upcoming":
            stmt = stmt.where(FollowUp.due_at >= day_end)
        if owner_id:
            stmt = stmt.where(FollowUp.owner_id == owner_id)
        order = FollowUp.done_at.desc() if when == "done" else FollowUp.due_at
        with self.ctx.read() as session:
            scope = owner_scope(session, self.ctx.actor_id)
            if scope:
                stmt = stmt.where(visible(scope))
            rows = session.execute(stmt.order_by(order).limit(limit)).all()
            return [ledger.followup_view(*row) for row in rows]

    def next_due_after(self, moment: datetime) -> datetime | None:
        """When the next open follow-up after ``moment`` falls due (for reminders)."""
        with self.ctx.read() as session:
            return session.execute(
                select(FollowUp.due_at)
                .where(
                    FollowUp.done_at.is_(None),
                    FollowUp.deleted_at.is_(None),
                    FollowUp.due_at > moment,
                )
                .order_by(FollowUp.due_at)
                .limit(1)
            ).scalar_one_or_none()


def schedule(
    uow: UnitOfWork,
    contact: Contact,
    due: datetime,
    text: str = "",
    priority: str = "normal",
    recurrence: str = "none",
    deal_id: str | None = None,
    owner_id: str | None = None,
) -> FollowUp:
    """Add a follow-up for a live ``contact`` in ``uow``, with its audit entry."""
    now = utcnow()
    followup = FollowUp(
        id=new_id(),
        contact_id=contact.id,
        deal_id=deal_id,
        owner_id=owner_id,
        due_at=due,
        text=text.strip(),
        priority=priority,
        recurrence=recurrence,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(followup)
    uow.session.flush()
    uow.record(
        "create",
        "followup",
        followup.id,
        f"for {contact.display_name}",
        {"due_at": [None, due], "text": [None, followup.text]},
    )
    return followup


def _open(uow: UnitOfWork, followup_id: str) -> FollowUp:
    followup = uow.session.get(FollowUp, followup_id)
    if followup is None or followup.deleted_at is not None:
        raise NotFound(f"No follow-up with id {followup_id}.")
    if followup.done_at is not None:
        raise ValidationError("That follow-up is already done.")
    return followup
