"""The smart-list query: validation, the text grammar, JSON and relative dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crmdesk.domain import smart_query as sq
from crmdesk.errors import QueryInvalid


@pytest.mark.parametrize(
    ("text", "field", "op", "value"),
    [
        ("stage = Customer", "stage", sq.EQ, "customer"),
        ("stage is repeat", "stage", sq.EQ, "repeat_customer"),
        ("Last  Purchase more than 90 days ago", "last purchase", sq.AGO, sq.Relative(90, "days")),
        ("last call in the last 1 week", "last call", sq.IN_LAST, sq.Relative(1, "weeks")),
        ("tag is one of vip, gold ,", "tag", sq.ONE_OF, ("vip", "gold")),
        ("tag in vip", "tag", sq.ONE_OF, ("vip",)),
        (
            "created between 2026-01-01 and 2026-03-31",
            "created",
            sq.BETWEEN,
            ("2026-01-01", "2026-03-31"),
        ),
        ("total purchases > 1 000,50", "total purchases", sq.GT, "1000.5"),
        ("deal value below 10", "deal value", sq.LT, "10"),
        ("birthday is empty", "birthday", sq.EMPTY, None),
        ("city is not empty", "city", sq.NOT_EMPTY, None),
        ("consent = Y", "consent", sq.EQ, "yes"),
        ("open deal is no", "open deal", sq.EQ, "no"),
        ("deal stage != won", "deal stage", sq.NE, "won"),
        ("bought Coffee beans", "bought", sq.EQ, "Coffee beans"),
        ("name contains x' OR 1=1 --", "name", sq.CONTAINS, "x' OR 1=1 --"),
    ],
)
def test_the_grammar_reads_conditions(text: str, field: str, op: str, value: sq.Value) -> None:
    found = sq.parse_condition(text)
    assert found == sq.Condition(field, op, value)
    assert sq.parse_condition(str(found)) == found  # what it prints, it reads back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour is red", "'colour is red' does not start with a field"),
        ("stage contains cust", "'stage' cannot use 'contains'"),
        ("stage is nope", "'nope' is not a stage"),
        ("deal stage is maybe", "'maybe' is not a deal stage"),
        ("created in the last 3 fortnights", "'3 fortnights' is not a span"),
        ("created in the last 0 days", "'0 days' is not a span"),
        ("created more than lots ago", "'lots' is not a span"),
        ("created before 1.2.2026", "'1.2.2026' is not a date"),
        ("created between 2026-03-01 and 2026-01-01", "is empty"),
        ("created between 2026-03-01", "needs two values"),
        ("total purchases > -5", "'-5' is not an amount"),
        ("total purchases > lots", "'lots' is not an amount"),
        ("consent is maybe", "'consent' is yes or no"),
        ("name is", "Give a value for 'name'"),
        ("tag is one of ,", "needs at least one value"),
        ("name", "has no operator"),
        ("name is " + "x" * 201, "longer than 200 characters"),
    ],
)
def test_bad_conditions_are_named_in_one_sentence(text: str, message: str) -> None:
    with pytest.raises(QueryInvalid, match=message.replace(".", r"\.")) as raised:
        sq.parse_condition(text)
    assert raised.value.exit_code == 56


def test_queries_round_trip_through_versioned_json() -> None:
    query = sq.parse_query(
        ["stage is customer", "last purchase more than 3 months ago", "tag is one of a, b"], "any"
    )
    data = json.loads(query.to_json())
    assert data["version"] == sq.VERSION
    assert data["conditions"][1] == {
        "field": "last purchase",
        "op": sq.AGO,
        "value": {"amount": 3, "unit": "months"},
    }
    assert sq.from_json(query.to_json()) == query
    assert str(query) == (
        "stage is customer or last purchase more than 3 months ago or tag is one of a, b"
    )


def test_stored_json_is_validated_again() -> None:
    with pytest.raises(QueryInvalid, match="damaged"):
        sq.from_json("{not json")
    with pytest.raises(QueryInvalid, match="of version 2"):
        sq.from_json('{"version": 2, "conditions": []}')
    condition = {"field": "stage", "op": "is", "value": "x"}
    bad = json.dumps({"version": 1, "match": "all", "conditions": [condition]})
    with pytest.raises(QueryInvalid, match="'x' is not a stage"):
        sq.from_json(bad)
    with pytest.raises(QueryInvalid, match="'most' is not a way"):
        sq.query([], "most")
    with pytest.raises(QueryInvalid, match="at most 30"):
        sq.query([sq.parse_condition("tag is a")] * 31)


def test_relative_spans_count_back_from_when_the_list_runs() -> None:
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert sq.Relative(90, "days").back_from(now) == datetime(2025, 12, 31, 12, tzinfo=UTC)
    assert sq.Relative(2, "weeks").back_from(now) == datetime(2026, 3, 17, 12, tzinfo=UTC)
    assert sq.Relative(1, "months").back_from(now) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert sq.Relative(13, "months").back_from(now) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert sq.Relative(1, "years").back_from(now) == datetime(2025, 3, 31, 12, tzinfo=UTC)
    assert str(sq.Relative(1, "months")) == "1 month"


def test_every_field_has_operators_and_help() -> None:
    assert {"name", "tag", "city", "last purchase", "bought", "open deal"} <= set(sq.FIELDS)
    for field in sq.FIELDS.values():
        assert field.ops and field.help
        assert set(field.ops) <= set(sq.OPERATORS)
