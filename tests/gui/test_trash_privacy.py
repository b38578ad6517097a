"""View ▸ Trash… and Contact ▸ Erase this person… through real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import text

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, EmailInput
from crmdesk.ui.dialogs.privacy import EraseDialog, ReviewDialog
from crmdesk.ui.dialogs.trash import TrashDialog

LEFT = Qt.MouseButton.LeftButton


def _person(crm: Crm, first: str, last: str) -> str:
    return crm.contacts.create(
        "person",
        ContactPatch(first_name=first, last_name=last, emails=[EmailInput(f"{first}@x.fi")]),
    )


def test_trash_restores_and_purges_selected(qtbot, crm: Crm, ops, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ann, ben = _person(crm, "Ann", "Bin"), _person(crm, "Ben", "Bin")
    note = crm.activities.log(ann, "note", "Remember the blue boots")
    crm.activities.delete(note)
    crm.contacts.delete(ben)
    dialog = TrashDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2 and dialog.purge_button.isEnabled())
    dialog.grab().save("/tmp/privacy-trash.png")
    assert dialog.table.item(0, 1).text() == "Ben Bin"
    assert dialog.table.item(1, 2).text() == "Ann Bin"
    assert dialog.table.item(0, 4).text()  # who deleted it

    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.restore_button, LEFT)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert crm.activities.timeline(ann)[0].text == "Remember the blue boots"

    dialog.table.selectRow(0)
    qtbot.keyClick(dialog.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    asked: list[str] = []

    def answer_yes(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "warning", answer_yes)
    qtbot.mouseClick(dialog.purge_button, LEFT)
    qtbot.waitUntil(lambda: dialog.empty.isVisible())
    assert asked == ["Remove Ben Bin for good? This cannot be undone, here or on the server."]
    assert crm.trash.items() == []
    assert crm.verify_audit().ok


def test_erase_waits_for_the_name_typed(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    cid = _person(crm, "Erin", "Gone")
    dialog = EraseDialog(crm, ops, cid, "Erin Gone")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.typed, "erin gon")
    dialog.grab().save("/tmp/privacy-erase.png")
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.typed, "e")
    assert dialog.erase_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.erase_button, LEFT)
    assert crm.search.search("Erin") == []
    assert crm.verify_audit().ok


def test_menus_reach_trash_and_privacy(window, qtbot, crm: Crm, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    texts = {a.text() for a in window.findChildren(QAction)}
    assert {"&Trash…", "E&xport everything about this person…", "Erase this pe&rson…"} <= texts
    trash = window.open_trash()
    qtbot.waitUntil(lambda: trash.empty.isVisible())
    trash.close()
    assert window.erase_person() is None  # nobody selected: a message, no dialog
    cid = _person(crm, "Ella", "Export")
    window.show_contact(cid)
    qtbot.waitUntil(lambda: window.activity.card is not None)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a: str(tmp_path))
    window.export_person()
    qtbot.waitUntil(lambda: "Wrote Ella-Export-" in window.statusBar().currentMessage())
    assert len(list(tmp_path.glob("Ella-Export-*"))) == 2
    dialog = window.erase_person()
    assert dialog is not None and dialog.windowTitle() == "Erase Ella Export"
    dialog.close()


def test_review_lists_untouched_leads_and_opens_one(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    old = _person(crm, "Olga", "Oldlead")
    _person(crm, "Nina", "Newlead")
    with crm.db.writing() as session:
        session.execute(
            text("UPDATE contacts SET updated_at = '2021-03-01T00:00:00.000Z' WHERE id = :i"),
            {"i": old},
        )
    dialog = ReviewDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    dialog.grab().save("/tmp/privacy-review.png")
    assert dialog.months.value() == 24
    assert dialog.list.item(0).text().startswith("Olga Oldlead")
    with qtbot.waitSignal(dialog.open_contact) as opened:
        dialog.list.setCurrentRow(0)
        qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert opened.args == [old]
    assert dialog.isVisible()  # Enter opened the lead and kept the list open
    dialog.months.setValue(240)
    qtbot.waitUntil(lambda: dialog.empty.isVisible())
    assert crm.privacy.retention_months == 240
