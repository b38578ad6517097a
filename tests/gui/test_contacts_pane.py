"""The contacts pane's filters and keyboard behaviour."""

from __future__ import annotations

from PySide6.QtCore import Qt

from crmdesk.services.inputs import ContactPatch
from crmdesk.ui.main_window import MainWindow


def _names(window: MainWindow) -> list[str]:
    model = window.contacts.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def _refilter(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.contacts.model.ready and window.ops.pending == 0)


def test_filters_by_kind_stage_tag_and_company(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create("company", ContactPatch(company_name="Acme Oy", tags=["wholesale"]))
    crm.contacts.create(
        "person",
        ContactPatch(first_name="Anna", last_name="Aalto", company="Acme Oy", stage="customer"),
    )
    crm.contacts.create("person", ContactPatch(first_name="Bertta", last_name="Berg", tags=["vip"]))
    pane = window.contacts
    pane.refresh()
    pane._load_tags()
    _refilter(qtbot, window)
    assert _names(window) == ["Anna Aalto", "Acme Oy", "Bertta Berg"]
    assert pane.status.text() == "3 contacts"
    assert pane.owner_filter.isHidden()  # one user: no owner filter to bother with

    pane.kind_filter.setCurrentIndex(pane.kind_filter.findData("company"))
    _refilter(qtbot, window)
    assert _names(window) == ["Acme Oy"]
    pane.kind_filter.setCurrentIndex(0)

    pane.stage_filter.setCurrentIndex(pane.stage_filter.findData("customer"))
    _refilter(qtbot, window)
    assert _names(window) == ["Anna Aalto"]
    pane.stage_filter.setCurrentIndex(0)

    qtbot.waitUntil(lambda: pane.tag_filter.findData("vip") >= 0)
    pane.tag_filter.setCurrentIndex(pane.tag_filter.findData("vip"))
    _refilter(qtbot, window)
    assert _names(window) == ["Bertta Berg"]
    qtbot.keyClicks(pane.search, "ber")  # a search keeps the filters
    qtbot.waitUntil(lambda: pane.status.text().endswith("for “ber”"))
    assert _names(window) == ["Bertta Berg"]
    pane.search.clear()
    pane.tag_filter.setCurrentIndex(0)

    qtbot.keyClicks(pane.company_filter, "acm")
    popup = pane.company_filter.completer().popup()
    qtbot.waitUntil(lambda: pane.company_filter.completer().completionCount() == 1)
    pane.company_filter.completer().activated.emit("Acme Oy")
    popup.hide()
    _refilter(qtbot, window)
    assert _names(window) == ["Anna Aalto"]
    pane.company_filter.clear()
    _refilter(qtbot, window)
    assert len(_names(window)) == 3
    assert pane.stack.currentWidget() is pane.view

    pane.stage_filter.setCurrentIndex(pane.stage_filter.findData("lapsed"))
    _refilter(qtbot, window)
    assert pane.stack.currentWidget() is pane.empty
    assert pane.empty.text() == "No contacts match these filters."


def test_enter_in_the_list_goes_to_quick_entry(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create("person", ContactPatch(first_name="Kalle", last_name="Kuusi"))
    window.contacts.refresh()
    _refilter(qtbot, window)
    window.contacts.select_first()
    qtbot.keyClick(window.contacts.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.activity.card is not None)
    qtbot.waitUntil(lambda: window.focusWidget() is window.activity.quick)
