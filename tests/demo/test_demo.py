"""Demo data: realistic, consistent with what the services write, cancellable."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdesk.services.app import Crm
from crmdesk.services.demo import generate


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    crm = Crm.create(tmp_path / "crm.db", "pw-demo-data", region="FI", currency="EUR")
    yield crm
    crm.close()


def test_demo_contacts_are_whole_and_findable(crm: Crm) -> None:
    seen: list[tuple[int, int]] = []
    stats = generate(crm, 300, seed=7, progress=lambda done, total: seen.append((done, total)))
    assert stats.contacts == 300 == crm.queries.count()
    assert 0 < stats.companies < 300
    assert stats.activities > 300 and stats.followups > 0
    assert seen[-1] == (300, 300)
    assert crm.verify_audit().ok

    people = [s for s in crm.queries.page(limit=300) if not s.is_company and s.phone]
    person = people[0]
    card = crm.queries.card(person.id)
    assert card.phones and card.display_name == person.display_name
    # Found by name prefix, by phone in both formats, and by screen pop.
    assert person.id in [h.id for h in crm.search.search(card.last_name[:3], limit=300)]
    e164 = card.phones[0].e164
    assert e164
    assert crm.screenpop.pop(e164).card is not None or crm.screenpop.pop(e164).candidates
    national_digits = "".join(c for c in card.phones[0].display if c.isdigit())
    pop = crm.screenpop.pop(card.phones[0].display)
    found = [pop.card.id] if pop.card else [c.id for c in pop.candidates]
    assert person.id in found, national_digits
    # Balances on a customer with purchases match the timeline.
    buyers = [
        s for s in crm.queries.page(limit=300) if crm.activities.timeline(s.id, kind="purchase")
    ]
    card = crm.queries.card(buyers[0].id)
    purchases = crm.activities.timeline(buyers[0].id, kind="purchase", limit=1000)
    own = sum(a.amount_minor or 0 for a in purchases)
    assert own <= card.balances[0].purchased_minor
    assert all(sum(ln.line_total_minor for ln in a.lines) == a.amount_minor for a in purchases)


def test_same_seed_same_people(tmp_path: Path, crm: Crm) -> None:
    generate(crm, 120, seed=3)
    other = Crm.create(tmp_path / "other.db", "pw-demo-data", region="FI", currency="EUR")
    try:
        generate(other, 120, seed=3)
        names = [s.display_name for s in crm.queries.page(limit=200)]
        assert names == [s.display_name for s in other.queries.page(limit=200)]
    finally:
        other.close()


def test_cancel_stops_between_batches(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crmdesk.services.demo.BATCH", 50)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    stats = generate(crm, 1000, seed=1, cancelled=cancelled)
    assert stats.contacts == 100 == crm.queries.count()
    assert crm.verify_audit().ok
    # Adding more later continues the numbering without clashes.
    generate(crm, 60, seed=2)
    assert crm.queries.count() == 160
