"""Suggested follow-ups: each rule fires when it should and not otherwise; accept and dismiss."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from crmdesk.errors import SuggestionDecided, SuggestionNotFound
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput

TODAY = date(2026, 11, 23)
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _person(crm: Crm, first: str, birthday: date | None = None) -> str:
    return crm.contacts.create(
        "person", ContactPatch(first_name=first, last_name="Testinen", birthday=birthday)
    )


def _bought_on(crm: Crm, contact_id: str, *days: date) -> None:
    for day in days:
        at = datetime.combine(day, time(12), tzinfo=UTC)
        crm.activities.purchase(contact_id, [LineInput("Coffee", "1", "9.50")], at=at)


def _rules(crm: Crm, today: date = TODAY) -> dict[str, set[str]]:
    """Contact name -> the rules suggested for them."""
    out: dict[str, set[str]] = {}
    for s in crm.suggestions.list(today):
        out.setdefault(s.contact_name, set()).add(s.rule)
    return out


def test_birthday_within_a_week_is_suggested(crm: Crm) -> None:
    _person(crm, "Soon", date(1980, 11, 26))
    _person(crm, "Today", date(1975, 11, 23))
    _person(crm, "Edge", date(1990, 11, 30))
    _person(crm, "Later", date(1980, 12, 1))
    _person(crm, "Yesterday", date(1980, 11, 22))
    _person(crm, "Unknown")

    found = {s.contact_name: s for s in crm.suggestions.list(TODAY)}

    assert set(found) == {"Soon Testinen", "Today Testinen", "Edge Testinen"}
    soon = found["Soon Testinen"]
    assert (soon.rule, soon.due, soon.occasion) == ("birthday", date(2026, 11, 26), "2026")
    assert soon.reason == "Birthday on Thursday 26 November: send greetings."
    assert found["Today Testinen"].reason == "Birthday today: send greetings."


def test_leap_day_birthday_is_kept_on_the_28th_in_a_common_year(crm: Crm) -> None:
    _person(crm, "Leap", date(2004, 2, 29))

    (found,) = crm.suggestions.list(date(2027, 2, 25))
    assert found.due == date(2027, 2, 28)
    assert crm.suggestions.list(date(2027, 3, 1)) == []


def test_quiet_customer_past_their_own_rhythm_is_suggested(crm: Crm) -> None:
    start = TODAY - timedelta(days=150)
    monthly = [start + timedelta(days=30 * n) for n in range(4)]  # last one 60 days ago
    _bought_on(crm, _person(crm, "Overdue"), *monthly)
    _bought_on(crm, _person(crm, "Regular"), *[d + timedelta(days=20) for d in monthly])
    _bought_on(crm, _person(crm, "Twice"), start, start + timedelta(days=10))
    weekly = [TODAY - timedelta(days=30 + 7 * n) for n in range(3)]  # quiet 30 days, usual 7
    _bought_on(crm, _person(crm, "Weekly"), *weekly)

    found = {s.contact_name: s for s in crm.suggestions.list(TODAY)}

    assert set(found) == {"Overdue Testinen", "Weekly Testinen"}
    overdue = found["Overdue Testinen"]
    assert overdue.rule == "quiet" and overdue.due == TODAY
    assert overdue.occasion == monthly[-1].isoformat()
    assert overdue.reason == (
        f"Usually buys every 30 days; nothing for 60 days (last purchase {monthly[-1]})."
    )


def test_complaint_resolved_a_week_ago_asks_for_a_check_in(crm: Crm) -> None:
    unhappy = _person(crm, "Unhappy")
    complaint = crm.activities.log(unhappy, "complaint", "Grinder arrived broken")
    open_one = crm.activities.log(_person(crm, "Waiting"), "complaint", "Late delivery")
    crm.activities.set_complaint_status(complaint, "resolved", "Sent a new one")
    resolved_on = date.today()

    assert _rules(crm, resolved_on + timedelta(days=6)) == {}
    (found,) = crm.suggestions.list(resolved_on + timedelta(days=7))
    assert (found.contact_id, found.rule, found.occasion) == (unhappy, "complaint", complaint)
    assert found.due == resolved_on + timedelta(days=7)
    assert found.reason == (
        f"Complaint (Grinder arrived broken) resolved on {resolved_on}: check they are happy now."
    )
    assert len(crm.suggestions.list(resolved_on + timedelta(days=13))) == 1
    assert crm.suggestions.list(resolved_on + timedelta(days=14)) == []
    assert open_one not in {s.occasion for s in crm.suggestions.list(resolved_on + timedelta(7))}


def test_accept_makes_the_follow_up_and_the_suggestion_goes(crm: Crm) -> None:
    contact = _person(crm, "Soon", date(1980, 11, 26))
    (suggestion,) = crm.suggestions.list(TODAY)

    followup_id = crm.suggestions.accept(suggestion.id[:8], TODAY)

    followup = crm.followups.get(followup_id)
    assert followup.contact_id == contact
    assert followup.text == suggestion.reason
    assert followup.owner_name == crm.users.current().display_name  # type: ignore[union-attr]
    assert followup.due_at.astimezone().date() >= date(2026, 11, 26)
    assert crm.suggestions.list(TODAY) == []
    with pytest.raises(SuggestionDecided, match="already accepted") as err:
        crm.suggestions.accept(suggestion.id, TODAY)
    assert err.value.exit_code == 54
    with crm.db.reading() as session:
        actions = session.execute(
            text("SELECT action FROM audit_log WHERE entity = 'suggestion'")
        ).scalars()
        assert list(actions) == ["accept"]


def test_dismiss_hides_that_occasion_but_not_the_next(crm: Crm) -> None:
    _person(crm, "Soon", date(1980, 11, 26))
    (suggestion,) = crm.suggestions.list(TODAY)

    crm.suggestions.dismiss(suggestion.id, TODAY)

    assert crm.suggestions.list(TODAY) == []
    assert crm.followups.list("all") == []
    (next_year,) = crm.suggestions.list(TODAY.replace(year=2027))
    assert next_year.occasion == "2027"
    with pytest.raises(SuggestionDecided, match="already dismissed"):
        crm.suggestions.dismiss(suggestion.id, TODAY)
    with pytest.raises(SuggestionDecided, match="already dismissed"):
        crm.suggestions.accept(suggestion, TODAY)  # as a window still showing it would
    assert crm.followups.list("all") == [], "nothing half-written"


def test_unknown_or_short_ids_are_named(crm: Crm) -> None:
    with pytest.raises(SuggestionNotFound, match="No current suggestion with id abcdef") as err:
        crm.suggestions.accept("abcdef", TODAY)
    assert err.value.exit_code == 53
    with pytest.raises(SuggestionNotFound, match="at least its first 4"):
        crm.suggestions.dismiss("ab", TODAY)


def test_decisions_sync_are_in_a_dossier_and_go_with_an_erased_person(crm: Crm) -> None:
    contact = _person(crm, "Soon", date(1980, 11, 26))
    (suggestion,) = crm.suggestions.list(TODAY)
    crm.suggestions.dismiss(suggestion.id, TODAY)
    with crm.db.reading() as session:
        fields = session.execute(
            text("SELECT field FROM sync_outbox WHERE entity = 'suggestion_decisions'")
        ).scalars()
        assert {"contact_id", "rule", "occasion", "outcome"} <= set(fields)

    held = crm.privacy.dossier(contact)["suggestion_decisions"]
    assert [(d["rule"], d["outcome"]) for d in held] == [("birthday", "dismissed")]

    crm.privacy.erase(contact, "Soon Testinen")

    with crm.db.reading() as session:
        left = session.execute(text("SELECT count(*) FROM suggestion_decisions")).scalar_one()
    assert left == 0


def test_schema_6_file_takes_the_step_and_remembers_decisions(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema_v6.db", path)
    crm = Crm.open(path, "fixture-passphrase", region="FI")
    try:
        person = "01940000-0000-7000-8000-000000000003"
        crm.contacts.update(person, ContactPatch(birthday=date(1970, 11, 25)))
        (suggestion,) = crm.suggestions.list(TODAY)
        assert suggestion.contact_id == person
        crm.suggestions.dismiss(suggestion.id, TODAY)
        assert crm.suggestions.list(TODAY) == []
    finally:
        crm.close()
