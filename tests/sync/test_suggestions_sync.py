"""A suggestion dismissed on one laptop is not suggested on the other after a sync."""

from __future__ import annotations

from datetime import date, timedelta

from synctools import Replica, canonical, sync

from crmdesk.services.inputs import ContactPatch


def test_a_dismissal_travels_and_both_laptops_agree(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    soon = date.today() + timedelta(days=2)
    a.contacts.create(
        "person", ContactPatch(first_name="Aino", last_name="Aho", birthday=soon.replace(year=1980))
    )
    sync(a)
    sync(b)
    (on_a,) = a.suggestions.list()
    (on_b,) = b.suggestions.list()
    assert on_a.id == on_b.id, "the same occasion has the same id on every computer"

    a.suggestions.dismiss(on_a.id)
    b.suggestions.dismiss(on_b.id)  # offline, the same decision: the same row
    for crm in (a, b, a):
        sync(crm)

    assert a.suggestions.list() == b.suggestions.list() == []
    assert canonical(a) == canonical(b)
    assert a.sync.status().open_conflicts == 0
