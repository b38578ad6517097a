"""A shop owner's day, through the real widgets: from an empty profile to a
customer with a call, a purchase and a follow-up, deleted and brought back."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from crmdesk.config.settings import Settings
from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.followup import FollowUpDialog
from crmdesk.ui.dialogs.purchase import PurchaseDialog
from crmdesk.ui.dialogs.unlock import UnlockDialog
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.models.contact_list import ID_ROLE

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def _dialog(window: MainWindow, kind: type):  # type: ignore[no-untyped-def]
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    assert len(found) == 1, f"expected one open {kind.__name__}"
    return found[0]


def _closed(widget) -> bool:  # type: ignore[no-untyped-def]
    """Dialogs delete themselves on close."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def _activate(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Offscreen, closing a dialog does not hand activation back (a window manager would)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _names(window: MainWindow) -> list[str]:
    model = window.contacts.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def _search(qtbot, window: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    box = window.contacts.search
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: window.contacts.status.text().endswith(f"for “{text}”"))


def test_a_day_in_the_shop(qtbot, ops, home) -> None:  # type: ignore[no-untyped-def]
    # Start: create the database through the welcome dialog.
    welcome = UnlockDialog(ops, Settings(), region="FI")
    qtbot.addWidget(welcome)
    welcome.show()
    qtbot.keyClicks(welcome.create_pass, "correct horse battery")
    qtbot.keyClicks(welcome.create_repeat, "correct horse battery")
    qtbot.mouseClick(welcome.create_button, LEFT)
    qtbot.waitUntil(
        lambda: welcome.recovery.isVisible(), timeout=30_000
    )  # the recovery code, noted
    qtbot.mouseClick(welcome.recovery.noted, LEFT)
    qtbot.mouseClick(welcome.recovery.continue_button, LEFT)
    qtbot.waitUntil(lambda: welcome.crm is not None)
    crm = welcome.crm
    window = MainWindow(crm, ops, Settings(locale="en_US", reminders_enabled=False), "crmdesk.db")
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.contacts.model.ready and ops.pending == 0)
        assert window.contacts.stack.currentWidget() is window.contacts.empty
        assert "Ctrl+N" in window.contacts.empty.text()

        # Ctrl+N: a new person through the contact dialog.
        qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
        dialog = _dialog(window, ContactDialog)
        assert not dialog.save_button.isEnabled()
        assert dialog.problem.text() == "Type a first or last name to save."
        qtbot.keyClicks(dialog.first_name, "Matti")
        qtbot.keyClicks(dialog.last_name, "Virtanen")
        qtbot.keyClicks(dialog.phones.rows[0].number.edit, "040 123 4567")
        qtbot.keyClicks(dialog.emails.rows[0].address.edit, "matti@example.com")
        assert dialog.save_button.isEnabled()
        qtbot.mouseClick(dialog.save_button, LEFT)
        qtbot.waitUntil(lambda: _closed(dialog))
        qtbot.waitUntil(lambda: window.activity.card is not None)
        assert window.activity.card_view.name_label.text() == "Matti Virtanen"
        qtbot.waitUntil(lambda: "Matti Virtanen" in _names(window))

        # Find it by part of the name, and by the number in another format.
        _search(qtbot, window, "virt")
        assert _names(window) == ["Matti Virtanen"]
        _search(qtbot, window, "+358401234567")
        assert _names(window) == ["Matti Virtanen"]
        _search(qtbot, window, "nobody-like-this")
        assert window.contacts.stack.currentWidget() is window.contacts.empty
        _search(qtbot, window, "matti")
        qtbot.keyClick(window.contacts.search, Qt.Key.Key_Down)
        assert window.focusWidget() is window.contacts.view
        assert window.contacts.current_id() == window.activity.contact_id

        # Ctrl+L: log a call with the quick entry (Ctrl+F goes back to the search).
        _activate(qtbot, window)
        qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
        assert window.focusWidget() is window.contacts.search
        qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
        assert window.focusWidget() is window.activity.quick
        assert window.activity.kind.currentData() == "call"
        qtbot.keyClicks(window.activity.quick, "Asked about winter tyres")
        qtbot.keyClick(window.activity.quick, Qt.Key.Key_Return)
        timeline = window.activity.model
        qtbot.waitUntil(lambda: timeline.rowCount() == 1 and timeline.activity(0).kind == "call")
        assert timeline.activity(0).text == "Asked about winter tyres"
        assert window.activity.quick.text() == ""

        # A purchase with two lines; the card shows what is owed.
        qtbot.mouseClick(window.activity.purchase_button, LEFT)
        purchase = _dialog(window, PurchaseDialog)
        line = purchase.rows[0]
        qtbot.keyClicks(line.item, "Winter tyre")
        line.quantity.selectAll()
        qtbot.keyClicks(line.quantity, "4")
        qtbot.keyClicks(line.price, "89,90")
        assert line.total.text() == "359.60 EUR"
        qtbot.keyClick(line.price, Qt.Key.Key_Return)  # Enter on the price adds a line
        second = purchase.rows[1]
        assert purchase.focusWidget() is second.item
        qtbot.keyClicks(second.item, "Fitting")
        qtbot.keyClicks(second.price, "40")
        assert purchase.total.text() == "399.60 EUR"
        qtbot.mouseClick(purchase.save_button, LEFT)
        qtbot.waitUntil(lambda: _closed(purchase))
        qtbot.waitUntil(lambda: window.activity.card_view.owed.value.text() == "399.60 EUR")
        assert window.activity.card_view.bought.value.text() == "399.60 EUR"
        qtbot.waitUntil(
            lambda: timeline.rowCount() == 2 and timeline.activity(0).kind == "purchase"
        )
        assert [ln.description for ln in timeline.activity(0).lines] == ["Winter tyre", "Fitting"]
        assert window.activity.card.stage == "customer"

        # Ctrl+K: a follow-up; snooze it, then tick it done.
        _activate(qtbot, window)
        qtbot.keyClick(window, Qt.Key.Key_K, CTRL)
        followup = _dialog(window, FollowUpDialog)
        qtbot.keyClicks(followup.text, "Ask how the tyres are")
        qtbot.mouseClick(followup.save_button, LEFT)
        pane = window.followups
        qtbot.waitUntil(lambda: pane.model.total() == 1)
        item = pane._all()[0]
        assert item.text == "Ask how the tyres are"
        menu = pane.build_menu(item)
        snooze = next(a for a in menu.actions() if a.text() == "&Snooze").menu()
        next(a for a in snooze.actions() if a.text() == "1 hour").trigger()
        qtbot.waitUntil(
            lambda: (
                pane.model.count("today") + pane.model.count("upcoming") == 1
                and pane._all()[0].due_at != item.due_at
            )
        )
        snoozed = pane._all()[0]
        assert abs((snoozed.due_at - item.due_at).total_seconds()) > 60
        pane.view.setFocus()
        pane.view.setCurrentIndex(pane.model.index_of(snoozed.id))
        qtbot.keyClick(pane.view, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: pane.model.total() == 0)
        assert pane.stack.currentWidget() is pane.empty
        assert window.undo_label.isVisible()

        # Delete the contact from the list, then Ctrl+Z brings it back.
        _activate(qtbot, window)
        contact_id = window.activity.contact_id
        window.contacts.search.clear()
        qtbot.waitUntil(lambda: window.contacts.status.text() == "1 contact")
        window.show_contact(contact_id)
        window.contacts.view.setFocus()
        qtbot.keyClick(window.contacts.view, Qt.Key.Key_Delete)
        qtbot.waitUntil(lambda: "Matti Virtanen" not in _names(window))
        assert window.undo_label.text().startswith("Deleted Matti Virtanen")
        assert window.activity.card is None
        qtbot.keyClick(window.contacts.view, Qt.Key.Key_Z, CTRL)
        qtbot.waitUntil(lambda: "Matti Virtanen" in _names(window))
        qtbot.waitUntil(lambda: window.activity.card is not None)
        assert window.activity.card.id == contact_id
        assert window.contacts.model.index(0, 0).data(ID_ROLE) == contact_id
        assert not window.undo_label.isVisible()
    finally:
        window.close()
        crm.close()
    ini = (home / "config" / "ui.ini").read_text()
    assert "geometry" in ini and "splitter" in ini, "window and panes sizes are remembered"
