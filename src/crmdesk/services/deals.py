"""Deals (opportunities): stage, value, expected close, won/lost reason."""

from __future__ import annotations

from datetime import date

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import parse_amount, validate_currency
from crmdesk.domain.permissions import EDIT
from crmdesk.domain.stages import DealStage, parse_deal_stage
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services import ledger
from crmdesk.services.contacts import live_contact
from crmdesk.services.context import Context
from crmdesk.services.views import DealView
from crmdesk.store.models import Deal


class DealService:
    """Creating deals and moving them through their stages."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create(
        self,
        contact_id: str,
        title: str,
        value: str = "0",
        currency: str | None = None,
        stage: str = "new",
        expected_close: date | None = None,
    ) -> str:
        """Open a deal for a contact; returns its id."""
        title = " ".join(title.split())
        if not title:
            raise ValidationError("A deal needs a title.", field="title")
        currency = validate_currency(currency or self.ctx.currency)
        money = parse_amount(value, currency)
        if money.minor < 0:
            raise ValidationError("A deal value cannot be negative.", field="value")
        deal_stage = parse_deal_stage(stage)
        now = utcnow()
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = live_contact(uow.session, contact_id)
            deal = Deal(
                id=new_id(),
                contact_id=contact.id,
                title=title,
                stage=deal_stage.value,
                value_minor=money.minor,
                currency=currency,
                expected_close=expected_close,
                owner_id=self.ctx.actor_id,
                created_at=now,
                updated_at=now,
                closed_at=now if deal_stage.is_closed else None,
            )
            uow.session.add(deal)
            uow.session.flush()
            uow.record(
                "create",
                "deal",
                deal.id,
                title,
                {"stage": [None, deal.stage], "value_minor": [None, money.minor]},
            )
            return deal.id

    def move(self, deal_id: str, stage: str, reason: str = "") -> None:
        """Move a deal to another stage; won and lost close it (with a reason)."""
        new_stage = parse_deal_stage(stage)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            deal = uow.session.get(Deal, deal_id)
            if deal is None or deal.deleted_at is not None:
                raise NotFound(f"No deal with id {deal_id}.")
            old = deal.stage
            deal.stage = new_stage.value
            deal.reason = reason.strip() or deal.reason
            deal.closed_at = utcnow() if new_stage.is_closed else None
            deal.updated_at = utcnow()
            uow.record(
                "update",
                "deal",
                deal.id,
                deal.title,
                {"stage": [old, deal.stage], "reason": deal.reason},
            )

    def list_for(self, contact_id: str, *, include_closed: bool = True) -> list[DealView]:
        """A contact's deals, newest first."""
        stmt = ledger.deal_query().where(Deal.contact_id == contact_id)
        if not include_closed:
            stmt = stmt.where(Deal.stage.not_in([DealStage.WON.value, DealStage.LOST.value]))
        with self.ctx.read() as session:
            rows = session.execute(stmt.order_by(Deal.created_at.desc())).all()
            return [ledger.deal_view(*row) for row in rows]
