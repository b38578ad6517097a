"""Item models: Qt's model tester on each, and lazy paging of the contact list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crmdesk.services import demo
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.ui.models.contact_list import PAGE, ContactListModel
from crmdesk.ui.models.followups import FollowUpModel
from crmdesk.ui.models.timeline import TimelineModel


def test_contact_list_pages_lazily(qtbot, qtmodeltester, ops, crm) -> None:  # type: ignore[no-untyped-def]
    demo.generate(crm, 450, seed=3)
    total = crm.queries.count()
    assert total > 2 * PAGE
    asked: list[tuple[object, int]] = []

    def source(after, limit):  # type: ignore[no-untyped-def]
        asked.append((after, limit))
        return crm.queries.page(ContactFilter(), after, limit)

    model = ContactListModel(ops)
    model.browse(source)
    qtbot.waitUntil(lambda: model.ready)
    assert model.rowCount() == PAGE, "only the first page is loaded"
    assert asked == [(None, PAGE)]
    qtmodeltester.check(model)  # the tester itself asks for the next page
    qtbot.waitUntil(lambda: ops.pending == 0)
    while model.canFetchMore():
        model.fetchMore()
        assert not model.canFetchMore(), "one page in flight at a time"
        qtbot.waitUntil(lambda: ops.pending == 0)
    assert model.rowCount() == total
    last = model.summary(PAGE - 1)
    assert asked[1] == ((last.sort_key, last.num), PAGE), "keyset paging, not offsets"
    names = [model.summary(r).sort_key for r in range(model.rowCount())]
    assert names == sorted(names)


def test_stale_page_is_dropped(qtbot, ops, crm) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create("person", ContactPatch(first_name="Old", last_name="List"))
    model = ContactListModel(ops)
    model.browse(lambda after, limit: crm.queries.page(ContactFilter(), after, limit))
    model.show_results([])  # the user typed a search before the page arrived
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert model.rowCount() == 0


def test_timeline_model(qtbot, qtmodeltester, ops, crm) -> None:  # type: ignore[no-untyped-def]
    contact = crm.contacts.create("person", ContactPatch(first_name="Tiina", last_name="Aho"))
    for n in range(60):
        crm.activities.log(contact, "note", f"Note {n}")
    crm.activities.purchase(contact, [LineInput("Oil change", "1", "79")])
    crm.activities.log(contact, "complaint", "Scratch on the rim")
    model = TimelineModel(ops)
    model.load(lambda offset, limit: crm.activities.timeline(contact, limit=limit, offset=offset))
    qtbot.waitUntil(lambda: model.ready)
    qtmodeltester.check(model)
    assert model.activity(0).kind == "complaint", "newest first"
    from crmdesk.ui.models.timeline import HTML_ROLE

    assert "Open" in model.index(0, 0).data(HTML_ROLE)
    assert "Oil change" in model.index(1, 0).data(HTML_ROLE)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 62)


def test_followup_model(qtbot, qtmodeltester, crm) -> None:  # type: ignore[no-untyped-def]
    contact = crm.contacts.create("person", ContactPatch(first_name="Olli", last_name="Salo"))
    now = datetime.now(UTC)
    crm.followups.add(contact, now - timedelta(hours=2), "Late")
    crm.followups.add(contact, now + timedelta(days=5), "Later")
    model = FollowUpModel()
    model.set_followups(
        {
            "overdue": crm.followups.list("overdue", now=now),
            "today": crm.followups.list("today", now=now),
            "upcoming": crm.followups.list("upcoming", now=now),
        },
        now,
    )
    qtmodeltester.check(model)
    assert model.count("overdue") == 1 and model.count("upcoming") == 1
    assert model.index(0, 0).data() == "Overdue (1)"
    late = model.index(0, 0, model.index(0, 0))
    assert model.followup(late).text == "Late"
    requested: list[str] = []
    model.complete_requested.connect(requested.append)
    from PySide6.QtCore import Qt

    model.setData(late, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert requested == [model.followup(late).id]
