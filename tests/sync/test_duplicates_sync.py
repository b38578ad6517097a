"""Duplicates made offline on two laptops: proposed after sync, merged once, converged."""

from __future__ import annotations

from datetime import timedelta

from synctools import Replica, canonical, outbox, sync

from crmdesk.domain.clock import utcnow
from crmdesk.services.inputs import ContactPatch, EmailInput, LineInput, PhoneInput


def test_same_customer_made_on_two_laptops_is_proposed_and_merged(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    sync(a)
    sync(b)
    # Offline, both meet the same customer and type the number their own way.
    on_a = a.contacts.create(
        "person",
        ContactPatch(
            first_name="Kalle",
            last_name="Koski",
            phones=[PhoneInput("040 123 4567")],
            emails=[EmailInput("kalle@koski.fi")],
        ),
    )
    a.activities.purchase(on_a, [LineInput("Winter tyre", "4", "89,90")])
    a.followups.add(on_a, utcnow() + timedelta(days=3), "ask how the tyres work")
    on_b = b.contacts.create(
        "person",
        ContactPatch(first_name="Kalle", last_name="Koski", phones=[PhoneInput("+358 40 1234567")]),
    )
    b.activities.log(on_b, "visit", "met at the fair")
    assert sync(a).duplicates == 0
    assert sync(b).duplicates == 1
    assert sync(a).duplicates == 1
    for crm in (a, b):
        (pair,) = crm.duplicates.open_pairs()
        assert {pair.left.id, pair.right.id} == {on_a, on_b}
        assert pair.reason == "same phone +358401234567"
    # Anna merges Bo's record into hers; both laptops end up with one Kalle.
    a.merges.merge(on_a, on_b)
    sync(a)
    report = sync(b)
    assert report.duplicates == 0
    sync(a)
    assert canonical(a) == canonical(b)
    assert outbox(a) == outbox(b) == []
    for crm in (a, b):
        assert [r.id for r in crm.search.search("koski")] == [on_a]
        card = crm.queries.card(on_a)
        assert sorted(x.kind for x in card.recent_activities) == ["purchase", "visit"]
        assert [f.text for f in card.open_followups] == ["ask how the tyres work"]
        assert [e.address for e in card.emails] == ["kalle@koski.fi"]
        assert [p.e164 for p in card.phones] == ["+358401234567"]
        assert crm.duplicates.open_count() == 0
    # The pair is not proposed again, now that one of them is in the trash.
    assert sync(b).duplicates == 0


def test_a_dismissed_pair_stays_dismissed_after_more_syncs(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    one = a.contacts.create(
        "person", ContactPatch(first_name="Eva", last_name="Ek", emails=[EmailInput("desk@ek.fi")])
    )
    sync(a)
    sync(b)
    two = b.contacts.create(
        "person", ContactPatch(first_name="Emil", last_name="Ek", emails=[EmailInput("DESK@ek.fi")])
    )
    sync(b)
    assert sync(a).duplicates == 1
    (pair,) = a.duplicates.open_pairs()
    assert {pair.left.id, pair.right.id} == {one, two}
    a.duplicates.dismiss(pair.id)
    b.contacts.update(two, ContactPatch(title="Buyer"))  # the pair changes again
    sync(b)
    assert sync(a).duplicates == 0
