"""Settings > Custom fields, and the fields on the contact dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt

from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.custom_fields import CustomFieldsDialog

LEFT = Qt.MouseButton.LeftButton


def _rows(dialog: CustomFieldsDialog) -> list[str]:
    return [dialog.list.item(i).text().split("  —  ")[0] for i in range(dialog.list.count())]


def test_define_order_and_remove_fields_then_fill_one(qtbot, crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = CustomFieldsDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert dialog.stack.currentWidget() is dialog.empty
    assert not dialog.delete_button.isEnabled()

    qtbot.keyClicks(dialog.label, "Shoe size")
    dialog.type.setCurrentIndex(dialog.type.findData("number"))
    qtbot.keyClick(dialog.label, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert dialog.label.text() == ""
    qtbot.keyClicks(dialog.label, "Newsletter")
    dialog.type.setCurrentIndex(dialog.type.findData("yesno"))
    qtbot.mouseClick(dialog.add_button, LEFT)
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    assert _rows(dialog) == ["Shoe size", "Newsletter"]
    assert dialog.list.currentItem().text().startswith("Newsletter")  # the new one is selected

    qtbot.mouseClick(dialog.up_button, LEFT)
    qtbot.waitUntil(lambda: _rows(dialog) == ["Newsletter", "Shoe size"])

    qtbot.keyClicks(dialog.label, "newsletter")  # same name, other case
    qtbot.keyClick(dialog.label, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert dialog.problem.text() == "There is already a field called 'Newsletter'."

    contact = ContactDialog(crm, ops)
    qtbot.addWidget(contact)
    contact.show()
    qtbot.waitUntil(lambda: set(contact._custom) == {"newsletter", "shoe_size"})
    assert contact._custom["shoe_size"].placeholderText() == "a number, e.g. 42"
    qtbot.keyClicks(contact.last_name, "Nurmi")
    qtbot.keyClicks(contact._custom["shoe_size"], "big")
    qtbot.mouseClick(contact.save_button, LEFT)
    qtbot.waitUntil(lambda: contact.problem.text() == "Shoe size: 'big' is not a number.")
    contact._custom["shoe_size"].clear()
    qtbot.keyClicks(contact._custom["shoe_size"], "44,5")
    qtbot.mouseClick(contact.save_button, LEFT)
    qtbot.waitUntil(lambda: not contact.isVisible())
    (nurmi,) = crm.search.search("Nurmi")
    assert dict(crm.queries.card(nurmi.id).custom) == {"Shoe size": "44.5"}

    dialog.list.setCurrentRow(0)  # Newsletter: unused, removed without a question
    qtbot.mouseClick(dialog.delete_button, LEFT)
    qtbot.waitUntil(lambda: _rows(dialog) == ["Shoe size"])
    assert "used by 1" in dialog.list.item(0).text()
