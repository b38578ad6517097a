"""Smart lists: a query over contacts as conditions (field, operator, value).

A :class:`SmartQuery` is one group of conditions that must *all* hold, or of
which *any* must hold. Fields cover the contact itself (name, stage, tag,
city...), its activities (``last call``, ``last purchase``...), what it bought
and its deals. Dates may be relative ("in the last 90 days", "more than 3
months ago"): they are kept relative and resolved when the list runs, so a
saved list stays live. A query reads and writes a small text grammar, one
condition per line (``stage is customer``, ``last purchase more than 90 days
ago``), and JSON with a version number. Pure: no I/O, no SQL.
"""

from __future__ import annotations

import json
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from crmdesk.domain.stages import ActivityKind, parse_deal_stage, parse_stage
from crmdesk.errors import QueryInvalid, ValidationError

VERSION = 1
MAX_CONDITIONS = 30
MAX_AMOUNT = 10_000

# Operators: the key kept in JSON, and how the text grammar writes it.
EQ, NE, CONTAINS, ONE_OF = "is", "is not", "contains", "is one of"
GT, LT, BETWEEN = ">", "<", "between"
EMPTY, NOT_EMPTY = "is empty", "is not empty"
BEFORE, AFTER, IN_LAST, AGO = "before", "after", "in the last", "more than ... ago"
OPERATORS = (EQ, NE, CONTAINS, ONE_OF, GT, LT, BETWEEN, EMPTY, NOT_EMPTY, BEFORE, AFTER,
             IN_LAST, AGO)  # fmt: skip
#: Other spellings the text grammar accepts.
ALIASES = {"=": EQ, "equals": EQ, "!=": NE, "in": ONE_OF, "above": GT, "below": LT}
UNITS = ("days", "weeks", "months", "years")

# Value kinds.
TEXT, STAGE, DEAL_STAGE = "text", "stage", "deal stage"
DATE, MONEY, YESNO = "date", "money", "yes/no"

_TEXT_OPS = (EQ, NE, CONTAINS, ONE_OF, EMPTY, NOT_EMPTY)
_DATE_OPS = (IN_LAST, AGO, BEFORE, AFTER, BETWEEN, EMPTY, NOT_EMPTY)
_MONEY_OPS = (GT, LT, BETWEEN, EQ)


@dataclass(frozen=True)
class Field:
    """A field a condition can test: its name, value kind, operators and meaning."""

    name: str
    kind: str
    ops: tuple[str, ...]
    help: str
    group: str = "Contact"


def _fields() -> dict[str, Field]:
    fields = [
        Field("name", TEXT, _TEXT_OPS, "the contact's name"),
        Field("company", TEXT, _TEXT_OPS, "the company a person belongs to"),
        Field("stage", STAGE, (EQ, NE, ONE_OF), "lifecycle stage"),
        Field("source", TEXT, _TEXT_OPS, "how we met them"),
        Field("owner", TEXT, (EQ, NE, ONE_OF, EMPTY, NOT_EMPTY), "user name of the owner"),
        Field("tag", TEXT, (EQ, NE, ONE_OF, EMPTY, NOT_EMPTY), "has (or lacks) a tag"),
        Field("city", TEXT, _TEXT_OPS, "city of any address"),
        Field("country", TEXT, _TEXT_OPS, "country of any address"),
        Field("created", DATE, _DATE_OPS, "when the contact was added"),
        Field("birthday", DATE, (BEFORE, AFTER, BETWEEN, EMPTY, NOT_EMPTY), "date of birth"),
        Field("consent", YESNO, (EQ,), "agreed to marketing"),
        Field("last activity", DATE, _DATE_OPS, "latest activity of any kind", "Activities"),
    ]
    fields += [
        Field(f"last {k.value}", DATE, _DATE_OPS, f"latest {k.value} logged", "Activities")
        for k in ActivityKind
    ]
    fields += [
        Field("bought", TEXT, (EQ, NE, CONTAINS, ONE_OF), "a product (name or SKU)", "Purchases"),
        Field("total purchases", MONEY, _MONEY_OPS, "sum of all purchases", "Purchases"),
        Field("open deal", YESNO, (EQ,), "has a deal not yet won or lost", "Deals"),
        Field("deal stage", DEAL_STAGE, (EQ, NE, ONE_OF), "has a deal in this stage", "Deals"),
        Field("deal value", MONEY, _MONEY_OPS, "has a deal of this value", "Deals"),
    ]
    return {f.name: f for f in fields}


FIELDS = _fields()


@dataclass(frozen=True)
class Relative:
    """``90 days``: a span back from the moment the list runs."""

    amount: int
    unit: str

    def back_from(self, now: datetime) -> datetime:
        """The moment this span before ``now`` (months and years keep the day of month)."""
        if self.unit in ("days", "weeks"):
            days = self.amount * (7 if self.unit == "weeks" else 1)
            return now - timedelta(days=days)
        months = self.amount * (12 if self.unit == "years" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


Value = str | tuple[str, ...] | Relative | None


@dataclass(frozen=True)
class Condition:
    """One test: ``field`` ``op`` ``value`` (normalized by :func:`condition`)."""

    field: str
    op: str
    value: Value = None

    def __str__(self) -> str:
        if self.op == AGO:
            return f"{self.field} more than {self.value} ago"
        if self.op in (EMPTY, NOT_EMPTY):
            return f"{self.field} {self.op}"
        if self.op == BETWEEN:
            low, high = self.value  # type: ignore[misc]
            return f"{self.field} between {low} and {high}"
        if isinstance(self.value, tuple):
            return f"{self.field} {self.op} {', '.join(self.value)}"
        return f"{self.field} {self.op} {self.value}"


@dataclass(frozen=True)
class SmartQuery:
    """Conditions that must all hold (``match="all"``) or of which any must."""

    conditions: tuple[Condition, ...]
    match: str = "all"

    def __str__(self) -> str:
        joiner = " and " if self.match == "all" else " or "
        return joiner.join(str(c) for c in self.conditions) or "every contact"

    def to_json(self) -> str:
        """The query as JSON (``version``, ``match``, ``conditions``)."""
        return json.dumps(
            {
                "version": VERSION,
                "match": self.match,
                "conditions": [_condition_json(c) for c in self.conditions],
            },
            ensure_ascii=False,
        )


def _condition_json(c: Condition) -> dict[str, Any]:
    value: Any = c.value
    if isinstance(c.value, Relative):
        value = {"amount": c.value.amount, "unit": c.value.unit}
    elif isinstance(c.value, tuple):
        value = list(c.value)
    return {"field": c.field, "op": c.op, "value": value}


def from_json(text: str) -> SmartQuery:
    """A query from :meth:`SmartQuery.to_json` (validated again)."""
    try:
        data = json.loads(text)
        version = data["version"]
        if version != VERSION:
            raise QueryInvalid(
                f"The saved query is of version {version}; this crmdesk reads {VERSION}."
            )
        items = [(c["field"], c["op"], c.get("value")) for c in data["conditions"]]
        match = data.get("match", "all")
    except (ValueError, TypeError, KeyError) as exc:
        raise QueryInvalid("The saved query is not readable (damaged JSON).") from exc
    conditions = []
    for field, op, value in items:
        if isinstance(value, dict):
            value = Relative(int(value.get("amount", 0)), str(value.get("unit", "")))
        elif isinstance(value, list):
            value = tuple(str(v) for v in value)
        conditions.append(condition(str(field), str(op), value))
    return query(conditions, str(match))


def query(conditions: list[Condition] | tuple[Condition, ...], match: str = "all") -> SmartQuery:
    """A validated query."""
    if match not in ("all", "any"):
        raise QueryInvalid(f"'{match}' is not a way to combine conditions; use all or any.")
    if len(conditions) > MAX_CONDITIONS:
        raise QueryInvalid(f"A list has at most {MAX_CONDITIONS} conditions.")
    return SmartQuery(tuple(conditions), match)


def condition(field: str, op: str, value: Value = None) -> Condition:
    """A validated condition with its value normalized ("Customer" -> "customer")."""
    spec = FIELDS.get(" ".join(field.lower().split()))
    if spec is None:
        raise QueryInvalid(f"'{field}' is not a field; use one of: {', '.join(FIELDS)}.")
    op = ALIASES.get(op, op)
    if op not in spec.ops:
        raise QueryInvalid(f"'{spec.name}' cannot use '{op}'; use {', '.join(spec.ops)}.")
    return Condition(spec.name, op, _value(spec, op, value))


def _value(spec: Field, op: str, value: Value) -> Value:
    if op in (EMPTY, NOT_EMPTY):
        return None
    if op in (IN_LAST, AGO):
        if not isinstance(value, Relative):
            raise QueryInvalid(f"'{spec.name} {op}' needs a number of days, weeks or months.")
        if value.unit not in UNITS or not 1 <= value.amount <= MAX_AMOUNT:
            raise QueryInvalid(
                f"'{value}' is not a span; give 1 to {MAX_AMOUNT} {', '.join(UNITS)}."
            )
        return value
    if op in (BETWEEN, ONE_OF):
        parts = tuple(value) if isinstance(value, tuple) else ()
        if op == BETWEEN and len(parts) != 2:
            raise QueryInvalid(f"'{spec.name} between' needs two values: between A and B.")
        if not parts:
            raise QueryInvalid(f"'{spec.name} is one of' needs at least one value.")
        normal = tuple(_one(spec, p) for p in parts)
        if op == BETWEEN and _order_key(spec, normal[0]) > _order_key(spec, normal[1]):
            raise QueryInvalid(f"'{spec.name} between {normal[0]} and {normal[1]}' is empty.")
        return normal
    if not isinstance(value, str):
        raise QueryInvalid(f"'{spec.name} {op}' needs one value.")
    return _one(spec, value)


def _one(spec: Field, raw: str) -> str:
    text = str(raw).strip()
    if not text:
        raise QueryInvalid(f"Give a value for '{spec.name}'.")
    if spec.kind in (STAGE, DEAL_STAGE):
        try:
            parse = parse_stage if spec.kind == STAGE else parse_deal_stage
            return parse(text).value
        except ValidationError as exc:
            raise QueryInvalid(str(exc)) from None
    if spec.kind == YESNO:
        answer = {"yes": "yes", "true": "yes", "y": "yes", "no": "no", "false": "no", "n": "no"}
        if text.lower() not in answer:
            raise QueryInvalid(f"'{spec.name}' is yes or no, not '{text}'.")
        return answer[text.lower()]
    if spec.kind == DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise QueryInvalid(f"'{text}' is not a date; write it as YYYY-MM-DD.") from None
    if spec.kind == MONEY:
        try:
            amount = Decimal(text.replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise QueryInvalid(f"'{text}' is not an amount; write it like 250 or 99.50.") from None
        if not amount.is_finite() or amount < 0 or amount > 10**12:
            raise QueryInvalid(f"'{text}' is not an amount; write it like 250 or 99.50.")
        return format(amount.normalize(), "f")
    if len(text) > 200:
        raise QueryInvalid(f"The value for '{spec.name}' is longer than 200 characters.")
    return text


def _order_key(spec: Field, value: str) -> Any:
    return Decimal(value) if spec.kind == MONEY else value


# -- the text grammar ------------------------------------------------------

_SPAN = re.compile(r"(?P<amount>\d{1,6})\s*(?P<unit>[a-z]+)", re.IGNORECASE)


def parse_condition(text: str) -> Condition:
    """``last purchase more than 90 days ago`` as a :class:`Condition`.

    The field comes first (the longest name that fits), then the operator,
    then the value: ``is one of`` takes values separated by commas,
    ``between`` two values joined by ``and``.
    """
    words = " ".join(text.split())
    lower = words.lower()
    name = max((f for f in FIELDS if lower == f or lower.startswith(f + " ")), key=len, default="")
    if not name:
        raise QueryInvalid(f"'{words}' does not start with a field; fields: {', '.join(FIELDS)}.")
    rest, rest_lower = words[len(name) :].strip(), lower[len(name) :].strip()
    if rest_lower.startswith("more than ") and rest_lower.endswith(" ago"):
        return condition(name, AGO, _span(rest[len("more than ") : -len(" ago")]))
    spellings = sorted([*OPERATORS, *ALIASES], key=len, reverse=True)
    op = next(
        (s for s in spellings if rest_lower == s or rest_lower.startswith(s + " ")), None
    ) or next((s for s in ("=", "!=", ">", "<") if rest_lower.startswith(s)), None)
    if op is None and name == "bought":  # "bought Coffee beans"
        return condition(name, EQ, rest)
    if op is None:
        raise QueryInvalid(f"'{words}' has no operator; use one of {', '.join(FIELDS[name].ops)}.")
    value_text = rest[len(op) :].strip()
    op = ALIASES.get(op, op)
    value: Value = value_text
    if op == IN_LAST:
        value = _span(value_text)
    elif op == ONE_OF:
        value = tuple(v.strip() for v in value_text.split(",") if v.strip())
    elif op == BETWEEN:
        value = tuple(re.split(r"\s+and\s+", value_text, maxsplit=1, flags=re.IGNORECASE))
    return condition(name, op, value)


def _span(text: str) -> Relative:
    found = _SPAN.fullmatch(text.strip())
    unit = found.group("unit").lower() if found else ""
    unit = unit if unit.endswith("s") else unit + "s"
    if found is None or unit not in UNITS:
        raise QueryInvalid(f"'{text.strip()}' is not a span; write it like 90 days or 3 months.")
    return Relative(int(found.group("amount")), unit)


def parse_query(lines: list[str], match: str = "all") -> SmartQuery:
    """A query from text conditions (``crmdesk list add --where ...``)."""
    return query([parse_condition(line) for line in lines], match)
