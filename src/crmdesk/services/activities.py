"""The timeline: calls, meetings, notes, purchases, payments and complaints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from crmdesk.domain.clock import utcnow
from crmdesk.domain.ids import new_id
from crmdesk.domain.money import Money, multiply, parse_amount, validate_currency
from crmdesk.domain.permissions import DELETE, EDIT
from crmdesk.domain.stages import ActivityKind, ComplaintStatus, Stage, parse_activity_kind
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services import ledger
from crmdesk.services.contacts import live_contact
from crmdesk.services.context import Context
from crmdesk.services.inputs import LineInput
from crmdesk.services.uow import UnitOfWork
from crmdesk.services.views import ActivityView
from crmdesk.store.models import Activity, Contact, OrderLine, Product, StageChange

PLAIN_KINDS = {
    ActivityKind.CALL,
    ActivityKind.MEETING,
    ActivityKind.EMAIL,
    ActivityKind.NOTE,
    ActivityKind.VISIT,
    ActivityKind.COMPLAINT,
}
MAX_TEXT = 100_000


class ActivityService:
    """Logging to and reading from a contact's timeline."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def log(
        self,
        contact_id: str,
        kind: str,
        text: str,
        at: datetime | None = None,
        deal_id: str | None = None,
    ) -> str:
        """Log a call, meeting, e-mail, note, visit or complaint; returns its id."""
        activity_kind = parse_activity_kind(kind)
        if activity_kind not in PLAIN_KINDS:
            raise ValidationError(
                f"Use the purchase or payment command to log a {activity_kind.value}.",
                field="kind",
            )
        text = _clean_text(text, required=True)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = live_contact(uow.session, contact_id)
            activity = self._new(uow, contact, activity_kind, text, at)
            activity.deal_id = deal_id
            if activity_kind is ActivityKind.COMPLAINT:
                activity.status = ComplaintStatus.OPEN.value
            uow.session.flush()
            uow.record(
                "log",
                "activity",
                activity.id,
                f"{activity_kind.value}: {contact.display_name}",
                {"kind": activity_kind.value, "contact_id": contact.id},
            )
            return activity.id

    def purchase(
        self,
        contact_id: str,
        lines: list[LineInput],
        currency: str | None = None,
        at: datetime | None = None,
        text: str = "",
    ) -> str:
        """Log a purchase with its order lines; the total is their sum."""
        if not lines:
            raise ValidationError("A purchase needs at least one line.", field="lines")
        currency = validate_currency(currency or self.ctx.currency)
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = live_contact(uow.session, contact_id)
            activity = self._new(uow, contact, ActivityKind.PURCHASE, _clean_text(text), at)
            total = Money.zero(currency)
            for position, line in enumerate(lines):
                description = " ".join(line.description.split())
                if not description:
                    raise ValidationError(f"Line {position + 1} has no item name.", field="lines")
                quantity = _quantity(line.quantity, position)
                unit = parse_amount(line.unit_price, currency)
                if unit.minor < 0:
                    raise ValidationError(
                        f"Line {position + 1}: a unit price cannot be negative.", field="lines"
                    )
                line_total = multiply(unit, quantity)
                total = total + line_total
                activity.lines.append(
                    OrderLine(
                        id=new_id(),
                        product_id=_product(uow, description, unit).id,
                        description=description,
                        quantity=quantity,
                        unit_price_minor=unit.minor,
                        line_total_minor=line_total.minor,
                        position=position,
                    )
                )
            activity.amount_minor = total.minor
            activity.currency = currency
            if not activity.text:
                activity.text = ", ".join(ln.description for ln in activity.lines)
            uow.session.flush()
            self._advance_stage_on_purchase(uow, contact)
            uow.record(
                "log",
                "activity",
                activity.id,
                f"purchase: {contact.display_name}",
                {
                    "kind": "purchase",
                    "contact_id": contact.id,
                    "amount_minor": total.minor,
                    "currency": currency,
                },
            )
            return activity.id

    def payment(
        self,
        contact_id: str,
        amount: str,
        currency: str | None = None,
        at: datetime | None = None,
        text: str = "",
    ) -> str:
        """Log a payment received; it reduces the balance owed."""
        currency = validate_currency(currency or self.ctx.currency)
        money = parse_amount(amount, currency)
        if money.minor <= 0:
            raise ValidationError("A payment must be more than zero.", field="amount")
        with self.ctx.write() as uow:
            uow.require(EDIT)
            contact = live_contact(uow.session, contact_id)
            activity = self._new(uow, contact, ActivityKind.PAYMENT, _clean_text(text), at)
            activity.amount_minor = money.minor
            activity.currency = currency
            uow.session.flush()
            uow.record(
                "log",
                "activity",
                activity.id,
                f"payment: {contact.display_name}",
                {
                    "kind": "payment",
                    "contact_id": contact.id,
                    "amount_minor": money.minor,
                    "currency": currency,
                },
            )
            return activity.id

    def set_complaint_status(self, activity_id: str, status: str, resolution: str = "") -> None:
        """Move a complaint along; resolving it stamps the resolution date."""
        new_status = (
            ComplaintStatus(status) if status in ComplaintStatus._value2member_map_ else None
        )
        if new_status is None:
            raise ValidationError(f"'{status}' is not a complaint status.", field="status")
        with self.ctx.write() as uow:
            uow.require(EDIT)
            activity = _live_activity(uow, activity_id)
            if activity.kind != ActivityKind.COMPLAINT.value:
                raise ValidationError("Only a complaint has a status.")
            old = (activity.status, activity.resolution)
            activity.status = new_status.value
            if resolution.strip():
                activity.resolution = resolution.strip()
            activity.resolved_at = utcnow() if new_status is ComplaintStatus.RESOLVED else None
            activity.updated_at = utcnow()
            uow.record(
                "update",
                "activity",
                activity.id,
                "complaint status",
                {"status": [old[0], activity.status], "resolution": [old[1], activity.resolution]},
            )
            uow.touch_contact(activity.contact_id)

    def delete(self, activity_id: str) -> None:
        """Move an activity to the trash."""
        with self.ctx.write() as uow:
            uow.require(DELETE)
            activity = _live_activity(uow, activity_id)
            activity.deleted_at = activity.updated_at = utcnow()
            uow.record("delete", "activity", activity.id, activity.kind)
            uow.touch_contact(activity.contact_id)

    def restore(self, activity_id: str) -> None:
        """Bring an activity back from the trash."""
        with self.ctx.write() as uow:
            uow.require(EDIT)
            activity = uow.session.get(Activity, activity_id)
            if activity is None or activity.deleted_at is None:
                raise NotFound(f"No deleted activity with id {activity_id}.")
            activity.deleted_at = None
            activity.updated_at = utcnow()
            uow.record("restore", "activity", activity.id, activity.kind)
            uow.touch_contact(activity.contact_id)

    def timeline(
        self, contact_id: str, *, limit: int = 50, offset: int = 0, kind: str | None = None
    ) -> list[ActivityView]:
        """The contact's activities, newest first, one page at a time."""
        with self.ctx.read() as session:
            return ledger.activities(session, contact_id, limit=limit, offset=offset, kind=kind)

    # -- helpers ---------------------------------------------------------

    def _new(
        self,
        uow: UnitOfWork,
        contact: Contact,
        kind: ActivityKind,
        text: str,
        at: datetime | None,
    ) -> Activity:
        now = utcnow()
        activity = Activity(
            id=new_id(),
            contact_id=contact.id,
            kind=kind.value,
            occurred_at=at or now,
            text=text,
            user_id=self.ctx.actor_id,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(activity)
        uow.touch_contact(contact.id)
        return activity

    def _advance_stage_on_purchase(self, uow: UnitOfWork, contact: Contact) -> None:
        """First purchase makes a customer; a later one a repeat customer."""
        purchases = uow.session.execute(
            select(func.count())
            .select_from(Activity)
            .where(
                Activity.contact_id == contact.id,
                Activity.kind == "purchase",
                Activity.deleted_at.is_(None),
            )
        ).scalar_one()
        stage = Stage(contact.stage)
        if stage in (Stage.LEAD, Stage.PROSPECT):
            new = Stage.CUSTOMER if purchases <= 1 else Stage.REPEAT
        elif stage in (Stage.CUSTOMER, Stage.AT_RISK, Stage.LAPSED) and purchases > 1:
            new = Stage.REPEAT
        else:
            return
        uow.session.add(
            StageChange(
                id=new_id(),
                contact_id=contact.id,
                from_stage=stage.value,
                to_stage=new.value,
                changed_at=utcnow(),
                user_id=self.ctx.actor_id,
            )
        )
        uow.record(
            "update",
            "contact",
            contact.id,
            contact.display_name,
            {"stage": [stage.value, new.value]},
        )
        contact.stage = new.value
        contact.updated_at = utcnow()


def _clean_text(text: str, *, required: bool = False) -> str:
    text = text.strip()
    if required and not text:
        raise ValidationError("Write what happened: the text cannot be empty.", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"The text is longer than {MAX_TEXT} characters.", field="text")
    return text


def _quantity(text: str, position: int) -> Decimal:
    try:
        quantity = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            f"Line {position + 1}: '{text}' is not a quantity.", field="lines"
        ) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError(
            f"Line {position + 1}: the quantity must be more than zero.", field="lines"
        )
    if quantity == quantity.to_integral_value():
        return quantity.quantize(Decimal(1))
    return quantity.normalize()


def _product(uow: UnitOfWork, name: str, unit: Money) -> Product:
    product = uow.session.execute(
        select(Product)
        .where(func.lower(Product.name) == name.lower(), Product.deleted_at.is_(None))
        .limit(1)
    ).scalar_one_or_none()
    if product is None:
        now = utcnow()
        product = Product(
            id=new_id(),
            name=name,
            unit_price_minor=unit.minor,
            currency=unit.currency,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(product)
        uow.session.flush()
        uow.record("create", "product", product.id, name)
    return product


def _live_activity(uow: UnitOfWork, activity_id: str) -> Activity:
    activity = uow.session.get(Activity, activity_id)
    if activity is None or activity.deleted_at is not None:
        raise NotFound(f"No activity with id {activity_id}.")
    return activity
