"""The duplicates dialog on its own: empty state, merge by mouse, a failure in one sentence."""

from __future__ import annotations

from PySide6.QtCore import Qt

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, EmailInput
from crmdesk.ui.dialogs.duplicates import DuplicatesDialog

LEFT = Qt.MouseButton.LeftButton


def pair(crm: Crm) -> tuple[str, str]:
    a = crm.contacts.create(
        "person", ContactPatch(first_name="Anna", last_name="Aho", emails=[EmailInput("a@x.fi")])
    )
    b = crm.contacts.create(
        "person", ContactPatch(first_name="Anna", last_name="Aho", emails=[EmailInput("A@x.fi")])
    )
    crm.duplicates.after_sync({b})  # what a sync runs for what it brought
    return a, b


def test_nothing_to_show(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = DuplicatesDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: ops.pending == 0)
    assert dialog.empty.isVisible() and not dialog.list.isVisible()
    assert not dialog.merge_left.isEnabled() and not dialog.dismiss_button.isEnabled()


def test_merge_into_right_by_mouse(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    a, b = pair(crm)
    dialog = DuplicatesDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    right = dialog.current().right.id  # type: ignore[union-attr]
    (other,) = {a, b} - {right}
    undo: list[str] = []
    dialog.undoable.connect(lambda what, _fn: undo.append(what))
    qtbot.mouseClick(dialog.merge_right, LEFT)
    qtbot.waitUntil(lambda: dialog.empty.isVisible())
    assert undo == ["Merged Anna Aho into Anna Aho"]
    assert [r.id for r in crm.search.search("aho")] == [right]
    assert f"Merged into Anna Aho ({right})" in crm.queries.card(other).notes


def test_a_failed_merge_is_one_sentence(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    pair(crm)
    dialog = DuplicatesDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    left = dialog.current().left  # type: ignore[union-attr]
    crm.contacts.delete(left.id)  # meanwhile, elsewhere in the program
    qtbot.mouseClick(dialog.merge_right, LEFT)
    qtbot.waitUntil(lambda: dialog.problem.text() != "")
    assert dialog.problem.text() == "Anna Aho is in the trash; restore it first."
    qtbot.waitUntil(lambda: dialog.empty.isVisible())  # the pair is gone with its contact
    assert len(crm.search.search("aho")) == 1
