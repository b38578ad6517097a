"""Read helpers shared by the card and the screen pop: balances, terms, and
timeline, follow-up and deal views. They run inside a caller's session."""

from __future__ import annotations

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from crmdesk.domain.stages import ComplaintStatus, DealStage
from crmdesk.services.views import (
    ActivityView,
    BalanceView,
    DealView,
    FollowUpView,
    OrderLineView,
    TermsView,
)
from crmdesk.store.models import Activity, Contact, Deal, FollowUp, User


def account_ids(session: Session, contact: Contact) -> list[str]:
    """The contacts whose purchases count on this account: a company's people too."""
    if contact.kind != "company":
        return [contact.id]
    members = session.execute(select(Contact.id).where(Contact.company_id == contact.id))
    return [contact.id, *members.scalars()]


def balances(session: Session, contact: Contact) -> list[BalanceView]:
    """Purchases, payments and the balance owed, per currency."""
    rows = session.execute(
        select(
            Activity.currency,
            func.sum(case((Activity.kind == "purchase", Activity.amount_minor), else_=0)),
            func.sum(case((Activity.kind == "payment", Activity.amount_minor), else_=0)),
        )
        .where(
            Activity.contact_id.in_(account_ids(session, contact)),
            Activity.deleted_at.is_(None),
            Activity.kind.in_(("purchase", "payment")),
        )
        .group_by(Activity.currency)
        .order_by(Activity.currency)
    ).all()
    return [BalanceView(cur, int(bought or 0), int(paid or 0)) for cur, bought, paid in rows]


def owed_minor(session: Session, contact: Contact, currency: str) -> int:
    """What the account owes in one currency."""
    for line in balances(session, contact):
        if line.currency == currency:
            return line.owed_minor
    return 0


def terms(session: Session, contact: Contact, default_currency: str) -> TermsView | None:
    """The terms that apply: the contact's own, else its company's."""
    holder = contact
    if _has_terms(contact) is False and contact.company is not None:
        holder = contact.company
    if not _has_terms(holder):
        return None
    currency = holder.terms_currency or default_currency
    return TermsView(
        holder_id=holder.id,
        holder_name=holder.display_name,
        payment_terms_days=holder.payment_terms_days,
        credit_limit_minor=holder.credit_limit_minor,
        currency=currency,
        discount_bp=holder.discount_bp or 0,
        price_list=holder.price_list or "",
        owed_minor=owed_minor(session, holder, currency),
    )


def _has_terms(contact: Contact) -> bool:
    return (
        contact.payment_terms_days is not None
        or contact.credit_limit_minor is not None
        or bool(contact.discount_bp)
        or bool(contact.price_list)
    )


def activity_view(activity: Activity, user_name: str = "") -> ActivityView:
    """An activity row as a read model."""
    return ActivityView(
        id=activity.id,
        contact_id=activity.contact_id,
        kind=activity.kind,
        occurred_at=activity.occurred_at,
        text=activity.text,
        user_name=user_name,
        amount_minor=activity.amount_minor,
        currency=activity.currency,
        status=activity.status,
        resolution=activity.resolution,
        resolved_at=activity.resolved_at,
        lines=tuple(
            OrderLineView(ln.description, ln.quantity, ln.unit_price_minor, ln.line_total_minor)
            for ln in activity.lines
        ),
    )


def activities(
    session: Session,
    contact_id: str,
    *,
    limit: int = 50,
    offset: int = 0,
    kind: str | None = None,
) -> list[ActivityView]:
    """The contact's timeline, newest first."""
    stmt = (
        select(Activity, func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == Activity.user_id)
        .where(Activity.contact_id == contact_id, Activity.deleted_at.is_(None))
    )
    if kind:
        stmt = stmt.where(Activity.kind == kind)
    stmt = stmt.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit)
    return [activity_view(a, name) for a, name in session.execute(stmt.offset(offset)).all()]


def open_complaints(session: Session, contact_id: str) -> list[ActivityView]:
    """Complaints not yet resolved, oldest first."""
    stmt = (
        select(Activity)
        .where(
            Activity.contact_id == contact_id,
            Activity.deleted_at.is_(None),
            Activity.kind == "complaint",
            Activity.status != ComplaintStatus.RESOLVED.value,
        )
        .order_by(Activity.occurred_at)
    )
    return [activity_view(a) for a in session.execute(stmt).scalars()]


def followup_query() -> Select[FollowUp, str, str]:
    """SELECT of follow-ups with their contact's and owner's names."""
    owner = aliased(User)
    return (
        select(FollowUp, Contact.display_name, func.coalesce(owner.display_name, ""))
        .join(Contact, Contact.id == FollowUp.contact_id)
        .outerjoin(owner, owner.id == FollowUp.owner_id)
        .where(FollowUp.deleted_at.is_(None), Contact.deleted_at.is_(None))
    )


def followup_view(f: FollowUp, contact_name: str, owner_name: str) -> FollowUpView:
    """A follow-up row as a read model."""
    return FollowUpView(
        id=f.id,
        contact_id=f.contact_id,
        contact_name=contact_name,
        due_at=f.due_at,
        text=f.text,
        priority=f.priority,
        recurrence=f.recurrence,
        done_at=f.done_at,
        deal_id=f.deal_id,
        owner_name=owner_name,
    )


def open_followups(session: Session, contact_id: str) -> list[FollowUpView]:
    """The contact's follow-ups not done yet, soonest first."""
    stmt = (
        followup_query()
        .where(FollowUp.contact_id == contact_id, FollowUp.done_at.is_(None))
        .order_by(FollowUp.due_at)
    )
    return [followup_view(*row) for row in session.execute(stmt).all()]


def deal_view(deal: Deal, contact_name: str, owner_name: str) -> DealView:
    """A deal row as a read model."""
    return DealView(
        id=deal.id,
        contact_id=deal.contact_id,
        contact_name=contact_name,
        title=deal.title,
        stage=deal.stage,
        value_minor=deal.value_minor,
        currency=deal.currency,
        expected_close=deal.expected_close,
        owner_name=owner_name,
        reason=deal.reason,
        closed_at=deal.closed_at,
    )


def deal_query() -> Select[Deal, str, str]:
    """SELECT of deals with their contact's and owner's names."""
    owner = aliased(User)
    return (
        select(Deal, Contact.display_name, func.coalesce(owner.display_name, ""))
        .join(Contact, Contact.id == Deal.contact_id)
        .outerjoin(owner, owner.id == Deal.owner_id)
        .where(Deal.deleted_at.is_(None))
    )


def open_deals(session: Session, contact_id: str) -> list[DealView]:
    """The contact's deals that are neither won nor lost."""
    closed = [DealStage.WON.value, DealStage.LOST.value]
    stmt = (
        deal_query()
        .where(Deal.contact_id == contact_id, Deal.stage.not_in(closed))
        .order_by(Deal.expected_close)
    )
    return [deal_view(*row) for row in session.execute(stmt).all()]
