"""Saved lists travel between laptops like other rows: created, renamed, deleted."""

from __future__ import annotations

import pytest
from synctools import Replica, canonical, sync

from crmdesk.domain.smart_query import parse_query
from crmdesk.errors import UnknownList
from crmdesk.services.inputs import ContactPatch


def test_a_saved_list_syncs_and_runs_on_the_other_laptop(replica: Replica) -> None:
    a, b = replica("anna"), replica("bo")
    a.contacts.create("person", ContactPatch(first_name="Vera", last_name="Vip", tags=["vip"]))
    a.smart_lists.create("VIP", parse_query(["tag is vip", "last purchase is empty"]))
    sync(a)
    sync(b)
    on_b = b.smart_lists.get("VIP")
    assert str(on_b.query) == "tag is vip and last purchase is empty"
    assert [r.display_name for r in b.smart_lists.page(on_b.query)] == ["Vera Vip"]
    b.smart_lists.rename("VIP", "Best customers")
    sync(b)
    sync(a)
    assert [s.name for s in a.smart_lists.all()] == ["Best customers"]
    a.smart_lists.delete("Best customers")
    sync(a)
    sync(b)
    assert b.smart_lists.all() == []
    with pytest.raises(UnknownList):
        b.smart_lists.get("Best customers")
    assert canonical(a) == canonical(b)
