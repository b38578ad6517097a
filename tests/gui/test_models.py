"""Item models: Qt's model tester on each, and lazy paging of the contact list."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from crmdesk.services import demo
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.ui.models import contact_list
from crmdesk.ui.models.contact_list import PAGE, ContactListModel, ListSource
from crmdesk.ui.models.followups import FollowUpModel
from crmdesk.ui.models.timeline import TimelineModel


def _source(crm, asked: list | None = None) -> ListSource:  # type: ignore[no-untyped-def]
    def page(after, limit):  # type: ignore[no-untyped-def]
        if asked is not None:
            asked.append((after, limit))
        return crm.queries.page(ContactFilter(), after, limit)

    return ListSource(
        page=page,
        count=crm.queries.count,
        page_keys=lambda step: crm.queries.page_keys(ContactFilter(), step),
    )


def test_contact_list_is_windowed(qtbot, qtmodeltester, ops, crm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(contact_list, "MAX_PAGES", 2)
    demo.generate(crm, 650, seed=3)
    total = crm.queries.count()
    assert total > 3 * PAGE
    asked: list[tuple[object, int]] = []
    model = ContactListModel(ops)
    counted: list[int] = []
    model.counted.connect(counted.append)
    model.browse(_source(crm, asked))
    qtbot.waitUntil(lambda: model.ready)
    assert asked == [(None, PAGE)], "the first page alone comes first"
    qtbot.waitUntil(lambda: counted == [total])
    assert model.rowCount() == total, "then the list has its full length at once"
    assert not model.canFetchMore()

    last_row = total - 1
    assert model.index(last_row).data() == contact_list.PLACEHOLDER  # not loaded: asked for
    qtbot.waitUntil(lambda: model.summary(last_row) is not None)
    keys = crm.queries.page_keys(ContactFilter(), PAGE)
    last_page = last_row // PAGE
    assert asked[-1] == (keys[last_page - 1], PAGE), "keyset paging, not offsets"
    everyone = crm.queries.page(ContactFilter(), None, total)
    assert model.summary(last_row) == everyone[-1]
    for row in (PAGE + 5, 2 * PAGE + 7):  # two more pages: the oldest page is let go
        model.index(row).data()
        qtbot.waitUntil(lambda row=row: model.summary(row) is not None)
        assert model.summary(row) == everyone[row]
    assert model.pages_held == 2
    assert model.summary(0) is None and model.summary(last_row) is None
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: ops.pending == 0)


def test_contact_list_pages_on_before_its_length_is_known(qtbot, ops, crm) -> None:  # type: ignore[no-untyped-def]
    demo.generate(crm, 450, seed=4)
    source = _source(crm)
    slow = ListSource(source.page, count=lambda: time.sleep(1.5) or 0, page_keys=lambda n: [])
    model = ContactListModel(ops)
    model.browse(slow)
    qtbot.waitUntil(lambda: model.ready)
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert not model.canFetchMore(), "one page in flight at a time"
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE)
    assert model.summary(2 * PAGE - 1) == crm.queries.page(ContactFilter(), None, 2 * PAGE)[-1]
    qtbot.waitUntil(lambda: ops.pending == 0, timeout=5000)
    assert model.rowCount() == 0, "the (made-up) count of 0 is the truth once it arrives"


def test_stale_page_is_dropped(qtbot, ops, crm) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create("person", ContactPatch(first_name="Old", last_name="List"))
    model = ContactListModel(ops)
    model.browse(_source(crm))
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
