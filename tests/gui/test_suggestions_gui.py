"""Suggested follow-ups in the window, and the upsell offer on the card and in the screen pop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput, PhoneInput
from crmdesk.ui.dialogs.suggestions import SHORTCUT, SuggestionsDialog

BEANS = LineInput("Espresso beans", "1", "12.00")
GRINDER = LineInput("Grinder", "1", "89.00")


def _birthday_person(crm: Crm, first: str, in_days: int) -> str:
    day = date.today() + timedelta(days=in_days)
    return crm.contacts.create(
        "person",
        ContactPatch(first_name=first, last_name="Virtanen", birthday=day.replace(year=1985)),
    )


def _shop(crm: Crm) -> str:
    """Six customers bought beans and a grinder, fourteen only cocoa; Olli only beans."""
    for n in range(20):
        who = crm.contacts.create("person", ContactPatch(first_name="Buyer", last_name=f"{n}"))
        crm.activities.purchase(who, [BEANS, GRINDER] if n < 6 else [LineInput("Cocoa", "1", "4")])
    olli = crm.contacts.create(
        "person",
        ContactPatch(first_name="Olli", last_name="Oja", phones=[PhoneInput("040 111 2222")]),
    )
    crm.activities.purchase(olli, [BEANS])
    return olli


def _open(qtbot, window) -> SuggestionsDialog:  # type: ignore[no-untyped-def]
    action = next(a for a in window.findChildren(QAction) if a.shortcut().toString() == SHORTCUT)
    assert action.text() == "Suggested follo&w-ups…"
    action.trigger()
    dialog = window.findChild(SuggestionsDialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and window.ops.pending == 0)
    return dialog  # type: ignore[no-any-return]


def test_accept_with_enter_and_dismiss_with_delete(qtbot, window, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    aino = _birthday_person(crm, "Aino", 1)
    _birthday_person(crm, "Eero", 3)
    dialog = _open(qtbot, window)
    assert dialog.tree.topLevelItemCount() == 2
    first = dialog.tree.topLevelItem(0)
    assert (first.text(1), first.text(2)) == ("Aino Virtanen", "Birthday")
    assert dialog.tree.hasFocus() or dialog.tree.currentItem() is first

    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1 and window.ops.pending == 0)
    (followup,) = crm.followups.list("all")
    assert followup.contact_id == aino and followup.text.startswith("Birthday on ")
    assert "Follow-up scheduled for Aino Virtanen" in dialog.result_label.text()
    qtbot.waitUntil(lambda: window.followups.model.rowCount() > 0)  # the pane shows it

    qtbot.keyClick(dialog.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: dialog.empty.isVisible())
    assert len(crm.followups.list("all")) == 1, "dismissing makes no follow-up"
    assert crm.suggestions.list() == []
    assert not dialog.accept_button.isEnabled() and not dialog.dismiss_button.isEnabled()


def test_the_follow_ups_pane_has_a_button_for_it(qtbot, window, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    buttons = [
        window.followups.header.itemAt(i).widget() for i in range(window.followups.header.count())
    ]
    (button,) = [b for b in buttons if b is not None and b.text() == "Su&ggestions…"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(SuggestionsDialog)
    qtbot.waitUntil(lambda: dialog.empty.isVisible())


@pytest.mark.slow
def test_card_and_screen_pop_offer_the_next_product(qtbot, window, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    olli = _shop(crm)
    window.show_contact(olli)
    offer = window.activity.card_view.offer
    qtbot.waitUntil(lambda: offer.isVisible())
    assert "Offer next:</b> Grinder" in offer.text()
    assert "86% of customers who bought Espresso beans also bought Grinder" in offer.text()
    assert offer.toolTip().startswith("6 of 7 customers who bought Espresso beans")

    buyer = crm.search.search("Buyer 0")[0].id  # bought both: nothing more to offer
    window.show_contact(buyer)
    qtbot.waitUntil(lambda: window.activity.card is not None and window.activity.card.id == buyer)
    qtbot.waitUntil(lambda: window.ops.pending == 0)
    assert not offer.isVisible()

    window.pop("0401112222")
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "Olli Oja. Offer next: Grinder — 86% of customers" in window.banner.message.text()
    qtbot.waitUntil(lambda: offer.isVisible())


def test_a_role_that_may_not_edit_sees_why(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    _birthday_person(crm, "Aino", 2)
    crm.users.add("alma", "Alma Aalto", "accountant")
    crm.users.sign_in("alma")
    dialog = SuggestionsDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1 and ops.pending == 0)
    assert not dialog.accept_button.isEnabled() and not dialog.dismiss_button.isEnabled()
    assert dialog.accept_button.toolTip() == "Your role may not add and change records."
    assert dialog.open_button.isEnabled()
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert crm.followups.list("all") == [] and ops.pending == 0
