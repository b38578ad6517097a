"""A smart list's query as one SQL condition over ``contacts``.

Activities, purchases, deals, tags and addresses are tested with
``contacts.id IN (sub-query)``: each sub-query runs once over its own index
(kind and time, product, tag) instead of once per contact. Every value the
user typed travels as a bound parameter (and ``contains`` escapes ``%`` and
``_``). Relative dates are resolved against ``now`` when the condition is
built, so a saved list re-run tomorrow moves with the calendar. Text
compares ignore case (ASCII letters, as SQLite does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import aliased

from crmdesk.domain import smart_query as sq
from crmdesk.domain.clock import to_utc
from crmdesk.domain.money import currency_exponent
from crmdesk.domain.stages import DealStage
from crmdesk.store.models import (
    Activity,
    Address,
    Contact,
    ContactTag,
    Deal,
    OrderLine,
    Product,
    Tag,
    User,
)

Clause = Any
CLOSED_DEALS = (DealStage.WON.value, DealStage.LOST.value)


def where(query: sq.SmartQuery, now: datetime, currency: str) -> Clause:
    """The condition a contact must meet to be on the list (``now``: UTC)."""
    parts = [_condition(c, now, currency) for c in query.conditions]
    if not parts:
        return true()
    return and_(*parts) if query.match == "all" else or_(*parts)


def _condition(c: sq.Condition, now: datetime, currency: str) -> Clause:
    field = c.field
    if field.startswith("last "):
        kind = field.removeprefix("last ")
        return _last_activity(None if kind == "activity" else kind, c, now)
    if field in _TEXT_FIELDS:
        columns, related = _TEXT_FIELDS[field]()
        return _text(columns, c.op, c.value, related)
    if field == "created":
        return _moment(Contact.created_at, c, now)
    if field == "birthday":
        return _day(Contact.birthday, c)
    if field == "consent":
        return Contact.consent_marketing.is_(c.value == "yes")
    if field == "total purchases":
        return _total_purchases(c, currency)
    if field == "open deal":
        has = Contact.id.in_(_deals().where(Deal.stage.not_in(CLOSED_DEALS)))
        return has if c.value == "yes" else ~has
    if field == "deal value":
        deals = _deals().where(Deal.currency == currency)
        return Contact.id.in_(deals.where(_amount(Deal.value_minor, c, currency)))
    if field == "deal stage":
        return _text([Deal.stage], c.op, c.value, (Contact.id, _deals()))
    raise AssertionError(f"no SQL for field {field!r}")  # the domain lists every field


# -- text ------------------------------------------------------------------

#: Columns to test, and for a related table: the contact's key into it and the
#: sub-query giving that key for its rows.
Related = tuple[Any, Any] | None
TextField = tuple[Sequence[Any], Related]


def _company() -> TextField:
    company = aliased(Contact)
    return [company.display_name], (Contact.company_id, select(company.id))


def _owner() -> TextField:
    return [User.username], (Contact.owner_id, select(User.id))


def _tag() -> TextField:
    rows = select(ContactTag.contact_id).join(Tag, Tag.id == ContactTag.tag_id)
    return [Tag.name], (Contact.id, rows)


def _address(column: Any) -> Callable[[], TextField]:
    return lambda: ([column], (Contact.id, select(Address.contact_id)))


def _bought() -> TextField:
    rows = (
        select(Activity.contact_id)
        .select_from(Product)
        .join(OrderLine, OrderLine.product_id == Product.id)
        .join(Activity, Activity.id == OrderLine.activity_id)
        .where(*_activities("purchase"))
    )
    return [Product.name, Product.sku], (Contact.id, rows)


def _own(column: Any) -> Callable[[], TextField]:
    return lambda: ([column], None)


_TEXT_FIELDS: dict[str, Callable[[], TextField]] = {
    "name": _own(Contact.display_name),
    "company": _company,
    "stage": _own(Contact.stage),
    "source": _own(Contact.source),
    "owner": _owner,
    "tag": _tag,
    "city": _address(Address.city),
    "country": _address(Address.country),
    "bought": _bought,
}


def _text(columns: Sequence[Any], op: str, value: sq.Value, related: Related) -> Clause:
    """``op`` on text ``columns`` (any of them), of the contact or of a related table.

    ``is not`` and ``is empty`` are the negation of ``is`` and ``is not empty``:
    "tag is not vip" means no tag of the contact is vip.
    """
    positive = {sq.NE: sq.EQ, sq.EMPTY: sq.NOT_EMPTY}.get(op, op)
    test = or_(*(_text_test(func.lower(func.coalesce(c, "")), positive, value) for c in columns))
    if related is None:
        return test if op == positive else ~test
    key, rows = related
    found = key.in_(rows.where(test))
    return found if op == positive else or_(key.is_(None), ~found)


def _text_test(column: Any, op: str, value: sq.Value) -> Clause:
    if op == sq.NOT_EMPTY:
        return column != ""
    if op == sq.ONE_OF:
        return column.in_([v.lower() for v in value])  # type: ignore[union-attr]
    if op == sq.CONTAINS:
        return column.contains(str(value).lower(), autoescape=True)
    return column == str(value).lower()


# -- dates -----------------------------------------------------------------


def _midnight(day: str | date) -> datetime:
    """Local midnight at the start of ``day``, in UTC."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return to_utc(datetime.combine(day, time()))


def _after_day(day: str) -> datetime:
    return _midnight(date.fromisoformat(day) + timedelta(days=1))


def _moment(column: Any, c: sq.Condition, now: datetime) -> Clause:
    """A date condition on one UTC timestamp column."""
    value = c.value
    if c.op == sq.EMPTY:
        return column.is_(None)
    if c.op == sq.NOT_EMPTY:
        return column.is_not(None)
    if isinstance(value, sq.Relative):
        cut = value.back_from(now)
        return column >= cut if c.op == sq.IN_LAST else column < cut
    if c.op == sq.BEFORE:
        return column < _midnight(str(value))
    if c.op == sq.AFTER:
        return column >= _after_day(str(value))
    low, high = value  # type: ignore[misc]
    return and_(column >= _midnight(low), column < _after_day(high))


def _day(column: Any, c: sq.Condition) -> Clause:
    """A date condition on a calendar-date column (birthday)."""
    value = c.value
    if c.op in (sq.EMPTY, sq.NOT_EMPTY):
        return column.is_(None) if c.op == sq.EMPTY else column.is_not(None)
    if c.op == sq.BEFORE:
        return column < date.fromisoformat(str(value))
    if c.op == sq.AFTER:
        return column > date.fromisoformat(str(value))
    low, high = value  # type: ignore[misc]
    return column.between(date.fromisoformat(low), date.fromisoformat(high))


def _activities(kind: str | None) -> list[Clause]:
    """Live activities (of one ``kind``)."""
    live = [Activity.deleted_at.is_(None)]
    return [*live, Activity.kind == kind] if kind else live


def _last_activity(kind: str | None, c: sq.Condition, now: datetime) -> Clause:
    """A date condition on the contact's latest activity (of ``kind``).

    "The last call was before D" is "a call exists, and no call on or after
    D"; each part is one pass over the (kind, time) index, not a look per contact.
    """

    def has(*more: Clause) -> Clause:
        return Contact.id.in_(select(Activity.contact_id).where(*_activities(kind), *more))

    at, value = Activity.occurred_at, c.value
    if c.op == sq.EMPTY:
        return ~has()
    if c.op == sq.NOT_EMPTY:
        return has()
    if isinstance(value, sq.Relative):
        cut = value.back_from(now)
        return has(at >= cut) if c.op == sq.IN_LAST else and_(has(), ~has(at >= cut))
    if c.op == sq.AFTER:
        return has(at >= _after_day(str(value)))
    if c.op == sq.BEFORE:
        return and_(has(), ~has(at >= _midnight(str(value))))
    low, high = value  # type: ignore[misc]
    end = _after_day(high)
    return and_(has(at >= _midnight(low), at < end), ~has(at >= end))


# -- money and deals -----------------------------------------------------------


def _minor(text: str, currency: str) -> int:
    return int(Decimal(text).scaleb(currency_exponent(currency)).to_integral_value())


def _amount(column: Any, c: sq.Condition, currency: str) -> Clause:
    value = c.value
    if c.op == sq.BETWEEN:
        low, high = value  # type: ignore[misc]
        return column.between(_minor(low, currency), _minor(high, currency))
    amount = _minor(str(value), currency)
    if c.op == sq.GT:
        return column > amount
    if c.op == sq.LT:
        return column < amount
    return column == amount


def _total_purchases(c: sq.Condition, currency: str) -> Clause:
    """Purchases (in ``currency``) summed per contact in one grouped pass.

    A contact who bought nothing has a total of 0: when 0 meets the condition,
    the list is everyone but those whose total does not.
    """
    total = func.sum(Activity.amount_minor)
    test = _amount(total, c, currency)
    buyers = (
        select(Activity.contact_id)
        .where(*_activities("purchase"), Activity.currency == currency)
        .group_by(Activity.contact_id)
    )
    if _meets(0, c, currency):
        return Contact.id.not_in(buyers.having(~test))
    return Contact.id.in_(buyers.having(test))


def _meets(minor: int, c: sq.Condition, currency: str) -> bool:
    """Whether an amount of ``minor`` units meets a money condition."""
    if c.op == sq.BETWEEN:
        low, high = (_minor(v, currency) for v in c.value)  # type: ignore[union-attr]
        return low <= minor <= high
    amount = _minor(str(c.value), currency)
    return {sq.GT: minor > amount, sq.LT: minor < amount}.get(c.op, minor == amount)


def _deals() -> Any:
    return select(Deal.contact_id).where(Deal.deleted_at.is_(None))
