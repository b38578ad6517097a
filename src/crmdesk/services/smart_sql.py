"""A smart list's query as one SQL condition over ``contacts``.

Activities, purchases, deals, tags and addresses are tested with EXISTS
sub-queries correlated to the contact, each served by an index on
``contact_id``; every value the user typed travels as a bound parameter (and
``contains`` escapes ``%`` and ``_``). Relative dates are resolved against
``now`` when the condition is built, so a saved list re-run tomorrow moves
with the calendar. Text compares ignore case (ASCII letters, as SQLite does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, true
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
        column, rows = _TEXT_FIELDS[field]()
        return _text(column, c.op, c.value, rows)
    if field == "created":
        return _moment(Contact.created_at, c, now)
    if field == "birthday":
        return _day(Contact.birthday, c)
    if field == "consent":
        return Contact.consent_marketing.is_(c.value == "yes")
    if field == "total purchases":
        total = (
            select(func.coalesce(func.sum(Activity.amount_minor), 0))
            .where(*_activities("purchase"), Activity.currency == currency)
            .scalar_subquery()
        )
        return _amount(total, c, currency)
    if field == "open deal":
        has = exists(_deals().where(Deal.stage.not_in(CLOSED_DEALS)))
        return has if c.value == "yes" else ~has
    if field == "deal value":
        deals = _deals().where(Deal.currency == currency)
        return exists(deals.where(_amount(Deal.value_minor, c, currency)))
    if field == "deal stage":
        return _text(Deal.stage, c.op, c.value, _deals())
    raise AssertionError(f"no SQL for field {field!r}")  # the domain lists every field


# -- text ------------------------------------------------------------------


def _company() -> tuple[Sequence[Any], Any]:
    company = aliased(Contact)
    return [company.display_name], select(company.id).where(company.id == Contact.company_id)


def _owner() -> tuple[Sequence[Any], Any]:
    return [User.username], select(User.id).where(User.id == Contact.owner_id)


def _tag() -> tuple[Sequence[Any], Any]:
    rows = (
        select(ContactTag.tag_id)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id == Contact.id)
    )
    return [Tag.name], rows


def _address(column: Any) -> Callable[[], tuple[Sequence[Any], Any]]:
    return lambda: ([column], select(Address.id).where(Address.contact_id == Contact.id))


def _bought() -> tuple[Sequence[Any], Any]:
    rows = (
        select(OrderLine.id)
        .join(Activity, Activity.id == OrderLine.activity_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(*_activities("purchase"))
    )
    return [Product.name, Product.sku, OrderLine.description], rows


def _own(column: Any) -> Callable[[], tuple[Sequence[Any], Any]]:
    return lambda: ([column], None)


_TEXT_FIELDS: dict[str, Callable[[], tuple[Sequence[Any], Any]]] = {
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


def _text(columns: Sequence[Any] | Any, op: str, value: sq.Value, rows: Any = None) -> Clause:
    """``op`` on text ``columns`` (any of them); on a related table when ``rows`` is given.

    ``is not`` and ``is empty`` are the negation of ``is`` and ``is not empty``:
    "tag is not vip" means no tag of the contact is vip.
    """
    columns = columns if isinstance(columns, (list, tuple)) else [columns]
    positive = {sq.NE: sq.EQ, sq.EMPTY: sq.NOT_EMPTY}.get(op, op)
    tests = [_text_test(func.lower(func.coalesce(col, "")), positive, value) for col in columns]
    test = or_(*tests)
    if rows is not None:
        test = exists(rows.where(test))
    return ~test if op != positive else test


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
    """Live activities of the contact (of one ``kind``)."""
    found = [Activity.contact_id == Contact.id, Activity.deleted_at.is_(None)]
    return [*found, Activity.kind == kind] if kind else found


def _last_activity(kind: str | None, c: sq.Condition, now: datetime) -> Clause:
    """A date condition on the contact's latest activity (of ``kind``).

    Said with EXISTS: "the last call was before D" is "a call exists, and no
    call on or after D", which the (contact, kind, time) index answers at once.
    """

    def has(*more: Clause) -> Clause:
        return exists(select(Activity.id).where(*_activities(kind), *more))

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


def _deals() -> Any:
    return select(Deal.id).where(Deal.contact_id == Contact.id, Deal.deleted_at.is_(None))
