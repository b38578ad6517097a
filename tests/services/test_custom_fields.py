"""Custom field definitions: keys, labels, types, order, removal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.custom_fields import normalize_value
from crmdesk.services.inputs import ContactPatch
from crmdesk.store.models import AuditEntry


def _labels(crm: Crm) -> list[str]:
    return [f.label for f in crm.custom_fields.list()]


def test_keys_come_from_labels_once_and_stay_on_rename(crm: Crm) -> None:
    assert crm.custom_fields.add("Shoe size", "number") == "shoe_size"
    assert crm.custom_fields.add("Käyntipäivä", "date") == "kayntipaiva"
    crm.custom_fields.rename("shoe_size", "Shoe size (EU)")
    fields = crm.custom_fields.list()
    assert [(f.key, f.label, f.field_type) for f in fields] == [
        ("shoe_size", "Shoe size (EU)", "number"),
        ("kayntipaiva", "Käyntipäivä", "date"),
    ]


def test_labels_are_unique_ignoring_case_and_accents(crm: Crm) -> None:
    crm.custom_fields.add("Käyntipäivä")
    with pytest.raises(ValidationError, match="already a field called 'Käyntipäivä'"):
        crm.custom_fields.add("KAYNTIPAIVA")
    with pytest.raises(ValidationError, match="needs a name"):
        crm.custom_fields.add("   ")
    with pytest.raises(ValidationError, match="Unknown field type"):
        crm.custom_fields.add("Size", "colour")


def test_a_deleted_key_is_not_reused(crm: Crm) -> None:
    crm.custom_fields.add("Size")
    crm.custom_fields.delete("size")
    assert _labels(crm) == []
    assert crm.custom_fields.add("Size") == "size_2"  # old values keep their own key
    with pytest.raises(NotFound):
        crm.custom_fields.delete("size")


def test_move_reorders_and_clamps(crm: Crm) -> None:
    for label in ("A", "B", "C"):
        crm.custom_fields.add(label)
    crm.custom_fields.move("c", -1)
    assert _labels(crm) == ["A", "C", "B"]
    crm.custom_fields.move("a", 10)
    assert _labels(crm) == ["C", "B", "A"]
    assert [f.key for f in crm.custom_fields.list()] == ["c", "b", "a"]


def test_values_are_checked_by_type_and_counted(crm: Crm) -> None:
    crm.custom_fields.add("Shoe size", "number")
    crm.custom_fields.add("Newsletter", "yesno")
    crm.custom_fields.add("Visited", "date")
    anna = crm.contacts.create(
        "person",
        ContactPatch(
            first_name="Anna",
            custom={"shoe_size": "38,5", "newsletter": "Kyllä", "visited": "2026-05-01"},
        ),
    )
    card = crm.queries.card(anna)
    assert dict(card.custom) == {
        "Shoe size": "38.5",
        "Newsletter": "yes",
        "Visited": "2026-05-01",
    }
    with pytest.raises(ValidationError, match="Shoe size: 'big' is not a number"):
        crm.contacts.update(anna, ContactPatch(custom={"shoe_size": "big"}))
    with pytest.raises(ValidationError, match=r"Visited: '1\.5\.2026' is not a date"):
        crm.contacts.update(anna, ContactPatch(custom={"visited": "1.5.2026"}))
    assert dict(crm.queries.card(anna).custom)["Shoe size"] == "38.5"  # unchanged
    assert {f.key: f.used_by for f in crm.custom_fields.list()} == {
        "shoe_size": 1,
        "newsletter": 1,
        "visited": 1,
    }


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        ("number", " 1 000,25 ", "1000.25"),
        ("number", "-3", "-3"),
        ("yesno", "no", "no"),
        ("yesno", "EI", "no"),
        ("text", "  anything  ", "anything"),
        ("date", "", ""),
    ],
)
def test_normalize_value(field_type: str, raw: str, stored: str) -> None:
    assert normalize_value(field_type, "F", raw) == stored


@pytest.mark.parametrize(("field_type", "raw"), [("number", "nan"), ("yesno", "maybe")])
def test_normalize_value_refuses(field_type: str, raw: str) -> None:
    with pytest.raises(ValidationError):
        normalize_value(field_type, "F", raw)


def test_changes_are_audited(crm: Crm) -> None:
    crm.custom_fields.add("Size")
    crm.custom_fields.rename("size", "Size (EU)")
    crm.custom_fields.delete("size")
    with crm.db.reading() as session:
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.entity == "custom_field")
        ).scalars()
        assert list(actions) == ["create", "update", "delete"]
    assert crm.verify_audit().ok
