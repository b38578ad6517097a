"""Follow-ups: scheduling, the overdue/today/upcoming lists, completing and repeating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from crmdesk.domain.clock import utcnow
from crmdesk.domain.stages import Recurrence
from crmdesk.errors import NotFound, ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch

Counts = Callable[[], dict[str, int]]

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DAY_END = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # midnight in Helsinki


@pytest.fixture
def matti(crm: Crm) -> str:
    return crm.contacts.create("person", ContactPatch(first_name="Matti", last_name="Virtanen"))


def ids(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [row.id for row in rows]


def test_lists_by_when_due(crm: Crm, matti: str) -> None:
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aalto"))
    late = crm.followups.add(matti, NOW - timedelta(days=2), "Send the offer", "high")
    later_today = crm.followups.add(anna, NOW + timedelta(hours=3), "Call back")
    soon_today = crm.followups.add(matti, NOW + timedelta(minutes=5), "Confirm fitting")
    tomorrow = crm.followups.add(matti, DAY_END + timedelta(hours=9), "Ask about rims")
    next_month = crm.followups.add(anna, NOW + timedelta(days=30), "Winter check")

    def listed(when: str) -> list[str]:
        return ids(crm.followups.list(when, now=NOW, day_end=DAY_END))

    assert listed("overdue") == [late]
    assert listed("today") == [soon_today, later_today]
    assert listed("upcoming") == [tomorrow, next_month]
    assert listed("open") == [late, soon_today, later_today, tomorrow, next_month]
    assert listed("done") == []
    [view] = crm.followups.list("overdue", now=NOW, day_end=DAY_END)
    assert (view.contact_id, view.contact_name, view.text, view.priority) == (
        matti,
        "Matti Virtanen",
        "Send the offer",
        "high",
    )
    assert view.owner_name  # defaults to the acting user
    assert view.done_at is None
    # The card lists the contact's own open follow-ups, soonest first.
    assert ids(list(crm.queries.card(matti).open_followups)) == [late, soon_today, tomorrow]
    with pytest.raises(ValidationError):
        crm.followups.list("someday")


def test_boundaries_belong_to_the_later_list(crm: Crm, matti: str) -> None:
    at_now = crm.followups.add(matti, NOW)
    at_day_end = crm.followups.add(matti, DAY_END)
    assert ids(crm.followups.list("overdue", now=NOW, day_end=DAY_END)) == []
    assert ids(crm.followups.list("today", now=NOW, day_end=DAY_END)) == [at_now]
    assert ids(crm.followups.list("upcoming", now=NOW, day_end=DAY_END)) == [at_day_end]


def test_complete_and_reopen(crm: Crm, matti: str) -> None:
    first = crm.followups.add(matti, NOW - timedelta(hours=1), "Call")
    second = crm.followups.add(matti, NOW + timedelta(hours=1), "Visit")
    before = utcnow()
    assert crm.followups.complete(first) is None  # does not repeat
    done = crm.followups.get(first)
    assert done.done_at is not None and done.done_at >= before
    assert ids(crm.followups.list("overdue", now=NOW, day_end=DAY_END)) == []
    assert ids(crm.followups.list("done", now=NOW, day_end=DAY_END)) == [first]
    assert ids(crm.followups.list("all", now=NOW, day_end=DAY_END)) == [first, second]
    assert ids(list(crm.queries.card(matti).open_followups)) == [second]
    with pytest.raises(ValidationError, match="already done"):
        crm.followups.complete(first)
    with pytest.raises(ValidationError, match="already done"):
        crm.followups.reschedule(first, NOW)

    crm.followups.reopen(first)
    assert crm.followups.get(first).done_at is None
    assert ids(crm.followups.list("overdue", now=NOW, day_end=DAY_END)) == [first]
    with pytest.raises(NotFound):
        crm.followups.reopen(first)  # it is open already


def test_monthly_follow_up_spawns_the_next_one_in_the_future(crm: Crm, matti: str) -> None:
    now = utcnow()
    due = (now - timedelta(days=75)).replace(microsecond=0)
    monthly = crm.followups.add(matti, due, "Check the tyre pressure", "low", "monthly")
    spawned = crm.followups.complete(monthly)
    assert spawned is not None and spawned != monthly
    expected = Recurrence.MONTHLY.next_after(due)
    while expected is not None and expected <= now:
        expected = Recurrence.MONTHLY.next_after(expected)
    nxt = crm.followups.get(spawned)
    assert nxt.due_at == expected
    assert nxt.due_at > now
    assert nxt.due_at - now < timedelta(days=32)  # the first one after now, not later
    assert (nxt.text, nxt.priority, nxt.recurrence, nxt.contact_id) == (
        "Check the tyre pressure",
        "low",
        "monthly",
        matti,
    )
    assert nxt.done_at is None
    assert ids(list(crm.queries.card(matti).open_followups)) == [spawned]
    # Completing the next one spawns another, a month on.
    after = crm.followups.complete(spawned)
    assert after is not None
    assert crm.followups.get(after).due_at == Recurrence.MONTHLY.next_after(nxt.due_at)


def test_daily_follow_up_due_later_today_moves_one_day(crm: Crm, matti: str) -> None:
    due = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    daily = crm.followups.add(matti, due, "Water the plants", recurrence="daily")
    spawned = crm.followups.complete(daily)
    assert spawned is not None
    assert crm.followups.get(spawned).due_at == Recurrence.DAILY.next_after(due)


def test_snooze_and_reschedule(crm: Crm, matti: str) -> None:
    followup = crm.followups.add(matti, NOW, "Call")
    before = utcnow()
    due = crm.followups.snooze(followup, timedelta(hours=2))
    assert before + timedelta(hours=2) <= due <= utcnow() + timedelta(hours=2)
    assert crm.followups.get(followup).due_at == due
    moved = datetime(2026, 12, 24, 7, 0, tzinfo=UTC)
    crm.followups.reschedule(followup, moved)
    assert crm.followups.get(followup).due_at == moved
    assert ids(crm.followups.list("upcoming", now=NOW, day_end=DAY_END)) == [followup]
    assert crm.followups.next_due_after(NOW) == moved
    assert crm.followups.next_due_after(moved) is None


def test_bad_priority_or_recurrence_writes_nothing(crm: Crm, matti: str, counts: Counts) -> None:
    before = counts()
    for priority, recurrence in [("urgent", "none"), ("normal", "fortnightly"), ("High", "none")]:
        with pytest.raises(ValidationError):
            crm.followups.add(matti, NOW, "x", priority, recurrence)
        assert counts() == before, (priority, recurrence)


def test_deleted_follow_ups_and_contacts_leave_the_lists(crm: Crm, matti: str) -> None:
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna"))
    gone = crm.followups.add(matti, NOW + timedelta(hours=1), "Deleted one")
    kept = crm.followups.add(matti, NOW + timedelta(hours=2), "Kept")
    annas = crm.followups.add(anna, NOW + timedelta(hours=3), "Anna's")
    crm.followups.delete(gone)
    assert ids(crm.followups.list("today", now=NOW, day_end=DAY_END)) == [kept, annas]
    with pytest.raises(NotFound):
        crm.followups.get(gone)
    with pytest.raises(NotFound):
        crm.followups.complete(gone)
    with pytest.raises(NotFound):
        crm.followups.delete(gone)
    crm.contacts.delete(anna)
    assert ids(crm.followups.list("today", now=NOW, day_end=DAY_END)) == [kept]
    with pytest.raises(NotFound):
        crm.followups.add(anna, NOW, "for a deleted contact")
