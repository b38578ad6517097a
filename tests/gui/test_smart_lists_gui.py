"""Smart lists in the window: build a query with the keyboard, save it, pick it in the
contacts pane, and see the right rows; the list stays live as data changes."""

from __future__ import annotations

import os
import re
from datetime import timedelta

from PySide6.QtCore import Qt

from crmdesk.domain.clock import utcnow
from crmdesk.domain.smart_query import parse_query
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.ui.dialogs.smart_list import ListFollowUpsDialog, QueryBuilderDialog
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.ops import ChangeSet
from crmdesk.ui.widgets.condition_row import CHOICE, DATES, SPAN, TEXT

SHOTS = os.environ.get("CRMDESK_SHOTS")  # a folder: save screenshots there to look at


def _names(window: MainWindow) -> list[str]:
    model = window.contacts.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def _settle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.contacts.model.ready and window.ops.pending == 0)


def _shop(crm) -> dict[str, str]:  # type: ignore[no-untyped-def]
    add = crm.contacts.create
    anna = add("person", ContactPatch(first_name="Anna", last_name="Aalto", stage="customer",
                                      tags=["vip"]))  # fmt: skip
    ben = add(
        "person", ContactPatch(first_name="Ben", last_name="Berg", stage="lead", tags=["vip"])
    )
    cai = add("person", ContactPatch(first_name="Cai", last_name="Chen", stage="customer"))
    crm.activities.purchase(cai, [LineInput("Tea", "1", "5")], at=utcnow() - timedelta(days=200))
    return {"anna": anna, "ben": ben, "cai": cai}


def _count(dialog: QueryBuilderDialog) -> str:
    return re.sub("<[^>]+>", "", dialog.count.text())


def _key(qtbot, dialog, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dialog.focusWidget(), key, modifier)


def _type(qtbot, dialog, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.focusWidget(), text)


def _open_builder(qtbot, window: MainWindow) -> QueryBuilderDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: bool(window.findChildren(QueryBuilderDialog)))
    dialog = window.findChildren(QueryBuilderDialog)[-1]
    qtbot.waitUntil(dialog.isVisible)
    dialog.activateWindow()  # offscreen there is no window manager to do it
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_build_a_query_with_the_keyboard_save_it_and_pick_it(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, crm
) -> None:
    _shop(crm)
    window.contacts.refresh()
    _settle(qtbot, window)
    dialog = _open_builder(qtbot, window)
    first = dialog.condition_rows()[0]
    assert dialog.focusWidget() is first.field
    assert first.condition() == parse_query(["stage is customer"]).conditions[0]
    qtbot.waitUntil(lambda: _count(dialog) == "2 contacts match")

    _key(qtbot, dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # + Add condition
    qtbot.waitUntil(lambda: len(dialog.condition_rows()) == 2)  # a mnemonic clicks animated
    second = dialog.condition_rows()[1]
    qtbot.waitUntil(second.op.isVisible)  # a row added to a shown dialog shows on the next turn
    assert dialog.focusWidget() is second.field
    _type(qtbot, dialog, "tag")
    assert second.field.currentData() == "tag"
    _key(qtbot, dialog, Qt.Key.Key_Tab)  # to the operator: "is"
    assert dialog.focusWidget() is second.op and second.op.currentData() == "is"
    _key(qtbot, dialog, Qt.Key.Key_Tab)
    assert second.stack.currentIndex() == TEXT
    _type(qtbot, dialog, "vip")
    qtbot.waitUntil(lambda: _count(dialog) == "1 contact matches")

    _key(qtbot, dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # List name
    assert dialog.focusWidget() is dialog.name
    _type(qtbot, dialog, "VIP customers")
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "lists-builder.png"))
    _key(qtbot, dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    pane = window.contacts
    qtbot.waitUntil(lambda: pane.lists.currentText() == "VIP customers")
    _settle(qtbot, window)
    assert _names(window) == ["Anna Aalto"]
    qtbot.waitUntil(lambda: pane.status.text() == "1 contact on VIP customers")
    saved = crm.smart_lists.get("VIP customers")
    assert str(saved.query) == "stage is customer and tag is vip"

    # Live: Ben becomes a customer elsewhere; the list shows him after the change.
    crm.contacts.update(crm.queries.resolve("Ben Berg"), ContactPatch(stage="customer"))
    window.ops.changes_applied.emit(ChangeSet(everything=True))  # as after any write
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: _names(window) == ["Anna Aalto", "Ben Berg"])
    if SHOTS:
        window.resize(1200, 700)
        window.grab().save(os.path.join(SHOTS, "lists-window.png"))

    pane.lists.pick(None)  # back to everyone
    _settle(qtbot, window)
    assert _names(window) == ["Anna Aalto", "Ben Berg", "Cai Chen"]


def test_editing_a_list_shows_its_conditions_and_relative_dates(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, crm
) -> None:
    _shop(crm)
    query = parse_query(["last purchase more than 3 months ago", "stage is one of customer, lead",
                         "created between 2026-01-01 and 2026-12-31"], "any")  # fmt: skip
    saved = crm.smart_lists.create("Win back", query)
    window.contacts.show_list(saved.id)
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: window.contacts.lists.currentText() == "Win back")
    window.list_actions.edit()
    dialog = window.findChildren(QueryBuilderDialog)[-1]
    rows = dialog.condition_rows()
    assert [r.stack.currentIndex() for r in rows] == [SPAN, TEXT, DATES]
    assert (rows[0].amount.value(), rows[0].unit.currentData()) == (3, "months")
    assert dialog.match.currentData() == "any"
    assert dialog.query() == query
    rows[1].remove.click()
    assert len(dialog.condition_rows()) == 2
    rows[0].op.setCurrentIndex(rows[0].op.findData("in the last"))
    assert rows[0].stack.currentIndex() == SPAN
    rows[2].field.setCurrentIndex(rows[2].field.findData("consent"))
    assert rows[2].stack.currentIndex() == CHOICE
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "lists-edit.png"))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    edited = crm.smart_lists.get("Win back")
    assert str(edited.query) == "last purchase in the last 3 months or consent is yes"


def test_a_bad_value_is_named_and_blocks_saving(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_builder(qtbot, window)
    row = dialog.condition_rows()[0]
    row.field.setCurrentIndex(row.field.findData("total purchases"))
    row.text.setText("lots")
    dialog.name.setText("Big spenders")
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert dialog.problem.text() == "'lots' is not an amount; write it like 250 or 99.50."
    assert not dialog.save_button.isEnabled()
    row.text.setText("250")
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    qtbot.waitUntil(lambda: _count(dialog) == "0 contacts match")
    dialog.reject()


def test_followups_for_everyone_on_the_picked_list(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    _shop(crm)
    saved = crm.smart_lists.create("VIP", parse_query(["tag is vip"]))
    window.contacts.show_list(saved.id)
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: window.contacts.lists.currentText() == "VIP")
    window.list_actions.followups()
    dialog = window.findChildren(ListFollowUpsDialog)[-1]
    qtbot.waitUntil(lambda: dialog.count.text() == "2 contacts will each get a follow-up.")
    qtbot.keyClicks(dialog.text, "Invite to the spring event")
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "lists-followups.png"))
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert sorted(f.contact_name for f in crm.followups.list()) == ["Anna Aalto", "Ben Berg"]
