"""Fixed vocabularies: labels, parsing, and how recurring follow-ups move."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmdesk.domain.stages import (
    ActivityKind,
    ComplaintStatus,
    DealStage,
    Priority,
    Recurrence,
    Stage,
    parse_activity_kind,
    parse_complaint_status,
    parse_deal_stage,
    parse_priority,
    parse_recurrence,
    parse_stage,
)
from crmdesk.errors import ValidationError

# --- lifecycle stages ----------------------------------------------------------


def test_stage_values_are_the_stored_strings() -> None:
    assert [s.value for s in Stage] == [
        "lead",
        "prospect",
        "customer",
        "repeat_customer",
        "at_risk",
        "lapsed",
    ]
    assert Stage.REPEAT == "repeat_customer"
    assert Stage("at_risk") is Stage.AT_RISK


@pytest.mark.parametrize(
    ("stage", "label", "phase"),
    [
        (Stage.LEAD, "Lead", "prospecting"),
        (Stage.PROSPECT, "Prospect", "prospecting"),
        (Stage.CUSTOMER, "Customer", "acquisition"),
        (Stage.REPEAT, "Repeat customer", "development"),
        (Stage.AT_RISK, "At risk", "retention"),
        (Stage.LAPSED, "Lapsed", "retention"),
    ],
)
def test_stage_label_and_phase(stage: Stage, label: str, phase: str) -> None:
    assert stage.label == label
    assert stage.phase == phase


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("lead", Stage.LEAD),
        ("LEAD", Stage.LEAD),
        (" Prospect ", Stage.PROSPECT),
        ("customer", Stage.CUSTOMER),
        ("repeat_customer", Stage.REPEAT),
        ("Repeat customer", Stage.REPEAT),
        ("repeat-customer", Stage.REPEAT),
        ("repeat", Stage.REPEAT),
        ("REPEAT", Stage.REPEAT),
        ("at_risk", Stage.AT_RISK),
        ("at-risk", Stage.AT_RISK),
        ("at risk", Stage.AT_RISK),
        ("At  Risk", Stage.AT_RISK),
        ("lapsed", Stage.LAPSED),
    ],
)
def test_parse_stage(text: str, stage: Stage) -> None:
    assert parse_stage(text) is stage


@pytest.mark.parametrize("text", ["", "vip", "customers", "risk", "at", "repeat customer!"])
def test_parse_stage_lists_the_valid_stages(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_stage(text)
    message = str(caught.value)
    assert f"'{text}'" in message
    for stage in Stage:
        assert stage.value in message
    assert caught.value.field == "stage"


# --- deal stages ---------------------------------------------------------------


def test_deal_stages() -> None:
    assert [s.value for s in DealStage] == [
        "new",
        "qualified",
        "proposal",
        "negotiation",
        "won",
        "lost",
    ]
    assert {s for s in DealStage if s.is_closed} == {DealStage.WON, DealStage.LOST}
    assert DealStage.NEGOTIATION.label == "Negotiation"


@pytest.mark.parametrize(
    ("text", "stage"),
    [("won", DealStage.WON), ("Lost", DealStage.LOST), (" NEGOTIATION ", DealStage.NEGOTIATION)],
)
def test_parse_deal_stage(text: str, stage: DealStage) -> None:
    assert parse_deal_stage(text) is stage


def test_parse_deal_stage_refuses_lifecycle_stages() -> None:
    with pytest.raises(ValidationError, match="new, qualified, proposal, negotiation, won, lost"):
        parse_deal_stage("customer")


# --- activity kinds, complaint status, priority --------------------------------------


def test_activity_kinds_and_labels() -> None:
    assert [k.value for k in ActivityKind] == [
        "call",
        "meeting",
        "email",
        "note",
        "visit",
        "purchase",
        "payment",
        "complaint",
    ]
    assert ActivityKind.CALL.label == "Call"
    assert ActivityKind.EMAIL.label == "E-mail"
    assert ActivityKind.COMPLAINT.label == "Complaint"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call", ActivityKind.CALL),
        ("CALL", ActivityKind.CALL),
        ("email", ActivityKind.EMAIL),
        ("e-mail", ActivityKind.EMAIL),
        ("E-mail", ActivityKind.EMAIL),
        ("mail", ActivityKind.EMAIL),
        ("visit", ActivityKind.VISIT),
        ("purchase", ActivityKind.PURCHASE),
        ("payment", ActivityKind.PAYMENT),
        ("complaint", ActivityKind.COMPLAINT),
    ],
)
def test_parse_activity_kind(text: str, kind: ActivityKind) -> None:
    assert parse_activity_kind(text) is kind


def test_parse_activity_kind_refuses_unknown_kinds() -> None:
    with pytest.raises(
        ValidationError, match=r"^'fax' is not an activity type; use one of: "
    ) as caught:
        parse_activity_kind("fax")
    assert "call, meeting, email" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("open", ComplaintStatus.OPEN),
        ("in_progress", ComplaintStatus.IN_PROGRESS),
        ("in progress", ComplaintStatus.IN_PROGRESS),
        ("In-Progress", ComplaintStatus.IN_PROGRESS),
        ("RESOLVED", ComplaintStatus.RESOLVED),
    ],
)
def test_parse_complaint_status(text: str, status: ComplaintStatus) -> None:
    assert parse_complaint_status(text) is status
    assert ComplaintStatus.IN_PROGRESS.label == "In progress"


@pytest.mark.parametrize(
    ("text", "priority"),
    [("low", Priority.LOW), ("Normal", Priority.NORMAL), (" HIGH ", Priority.HIGH)],
)
def test_parse_priority(text: str, priority: Priority) -> None:
    assert parse_priority(text) is priority


@pytest.mark.parametrize(
    "parse", [parse_complaint_status, parse_priority, parse_recurrence, parse_deal_stage]
)
def test_every_parser_refuses_garbage_with_a_validation_error(parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="use one of"):
        parse("garbage")


# --- recurrence ----------------------------------------------------------------


def test_recurrence_values() -> None:
    assert [r.value for r in Recurrence] == ["none", "daily", "weekly", "monthly", "yearly"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("none", Recurrence.NONE),
        ("never", Recurrence.NONE),
        ("Daily", Recurrence.DAILY),
        ("weekly", Recurrence.WEEKLY),
        ("MONTHLY", Recurrence.MONTHLY),
        ("yearly", Recurrence.YEARLY),
    ],
)
def test_parse_recurrence(text: str, rule: Recurrence) -> None:
    assert parse_recurrence(text) is rule


def naive(*args: int) -> datetime:
    return datetime(*args)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rule", "due", "following"),
    [
        (Recurrence.DAILY, naive(2026, 1, 31, 9), naive(2026, 2, 1, 9)),
        (Recurrence.DAILY, naive(2026, 12, 31, 9), naive(2027, 1, 1, 9)),
        (Recurrence.WEEKLY, naive(2026, 2, 25, 9), naive(2026, 3, 4, 9)),
        (Recurrence.MONTHLY, naive(2026, 1, 15, 9, 30), naive(2026, 2, 15, 9, 30)),
        (Recurrence.MONTHLY, naive(2027, 1, 31, 9), naive(2027, 2, 28, 9)),
        (Recurrence.MONTHLY, naive(2028, 1, 31, 9), naive(2028, 2, 29, 9)),  # leap year
        (Recurrence.MONTHLY, naive(2026, 3, 31, 9), naive(2026, 4, 30, 9)),
        (Recurrence.MONTHLY, naive(2026, 8, 31, 9), naive(2026, 9, 30, 9)),
        (Recurrence.MONTHLY, naive(2026, 12, 31, 9), naive(2027, 1, 31, 9)),
        (Recurrence.MONTHLY, naive(2026, 11, 30, 9), naive(2026, 12, 30, 9)),
        (Recurrence.YEARLY, naive(2026, 5, 17, 9), naive(2027, 5, 17, 9)),
        (Recurrence.YEARLY, naive(2028, 2, 29, 9), naive(2029, 2, 28, 9)),
        (Recurrence.YEARLY, naive(2027, 2, 28, 9), naive(2028, 2, 28, 9)),
    ],
)
def test_next_after(rule: Recurrence, due: datetime, following: datetime) -> None:
    assert rule.next_after(due) == following


def test_none_does_not_repeat() -> None:
    assert Recurrence.NONE.next_after(naive(2026, 1, 1)) is None
    assert Recurrence.NONE.label == "Does not repeat"


@pytest.fixture
def helsinki(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset() is needed to change the local time zone")
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_aware_due_keeps_its_local_time_across_dst(helsinki: None) -> None:
    # 09:00 EET on Saturday; Helsinki moves to summer time on Sunday 2026-03-29.
    due = datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    following = Recurrence.DAILY.next_after(due)
    assert following == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 09:00 EEST
    assert following is not None and following.tzinfo is UTC
    assert Recurrence.WEEKLY.next_after(due) == datetime(2026, 4, 4, 6, 0, tzinfo=UTC)


def test_month_end_clamps_on_the_local_date(helsinki: None) -> None:
    # 00:30 on 31 January in Helsinki is still 30 January in UTC.
    due = datetime(2026, 1, 30, 22, 30, tzinfo=UTC)
    assert Recurrence.MONTHLY.next_after(due) == datetime(2026, 2, 27, 22, 30, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2098, 12, 31)))
def test_monthly_always_lands_in_the_next_month(due: datetime) -> None:
    following = Recurrence.MONTHLY.next_after(due)
    assert following is not None
    assert (following.year * 12 + following.month) - (due.year * 12 + due.month) == 1
    month_length = calendar.monthrange(following.year, following.month)[1]
    assert following.day == min(due.day, month_length)
    assert following.time() == due.time()
