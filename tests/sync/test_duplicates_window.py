"""Sync ▸ Duplicates… in the window: found by a sync, compared, merged, undone, dismissed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from synctools import LiveServer, Replica, sync

from crmdesk.config.settings import Settings
from crmdesk.services.inputs import ContactPatch, EmailInput, PhoneInput

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)"),
]


@pytest.fixture
def window(qapp, qtbot, replica: Replica) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from crmdesk.ui import fmt
    from crmdesk.ui.main import application
    from crmdesk.ui.main_window import MainWindow
    from crmdesk.ui.ops import Ops

    application()
    fmt.set_locale("en_US")
    a, b = replica("anna"), replica("bo")
    sync(a)
    sync(b)
    for crm, patch, met in (
        (a, ContactPatch(company="Koski Oy", phones=[PhoneInput("040 123 4567")],
                         emails=[EmailInput("kalle@koski.fi")]), "met at the fair"),
        (b, ContactPatch(phones=[PhoneInput("+358401234567")]), "met in the shop"),
    ):  # fmt: skip
        patch.first_name, patch.last_name = "Kalle", "Koski"
        crm.activities.log(crm.contacts.create("person", patch), "visit", met)
    a.contacts.create("person", ContactPatch(first_name="Eva", last_name="Ek", emails=[
        EmailInput("desk@ek.fi")]))  # fmt: skip
    b.contacts.create("person", ContactPatch(first_name="Emil", last_name="Ek", emails=[
        EmailInput("DESK@ek.fi")]))  # fmt: skip
    sync(a)
    ops = Ops()
    win = MainWindow(b, ops, Settings(locale="en_US", reminders_enabled=False), "crm.db")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.contacts.model.ready and ops.pending == 0)
    yield win
    win.close()
    ops.wait()


def test_duplicates_found_by_a_sync_are_merged_and_undone_by_keyboard(
    window,
    qtbot,
    tmp_path: Path,
    server: LiveServer,  # type: ignore[no-untyped-def]
) -> None:
    win = window
    b = win.crm
    messages: list[str] = []
    win.sync.finished.connect(messages.append)
    win.sync_action.trigger()
    qtbot.waitUntil(lambda: any("2 possible duplicates" in m for m in messages), timeout=20_000)
    qtbot.waitUntil(lambda: "2 possible duplicates" in win.sync.label.text())

    from crmdesk.ui.dialogs.duplicates import DuplicatesDialog

    qtbot.keyClick(
        win, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    (dialog,) = win.findChildren(DuplicatesDialog)  # Sync ▸ Duplicates…
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    texts = [dialog.list.item(i).text() for i in range(2)]
    assert any(t == "Kalle Koski  ·  Kalle Koski  —  same phone +358401234567" for t in texts)
    assert any(t.endswith("same e-mail desk@ek.fi") for t in texts)
    dialog.list.setFocus()
    while "Kalle" not in dialog.list.currentItem().text():
        qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    pair = dialog.current()
    sides = {pair.left.company: dialog.left.text(), pair.right.company: dialog.right.text()}
    assert "Koski Oy" in sides and "kalle@koski.fi" in sides["Koski Oy"]
    assert "+358401234567" in sides[""] and "Activities: 1<br>" in sides[""]
    assert dialog.grab().save(str(tmp_path / "duplicates.png"))  # README's screenshot

    keep, other = pair.left, pair.right
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # Merge into left
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert dialog.result_label.text().startswith("Merged Kalle Koski into Kalle Koski: moved ")
    card = b.queries.card(keep.id)
    assert sorted(a.text for a in card.recent_activities) == ["met at the fair", "met in the shop"]
    assert [r.id for r in b.search.search("koski kalle")] == [keep.id]
    assert win.undo_action.isEnabled()

    qtbot.keyClick(dialog.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Undo
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    assert len(b.search.search("koski kalle")) == 2
    assert len(b.queries.card(other.id).recent_activities) == 1

    # "Not duplicates" for Eva and Emil: gone from the list, and not proposed again.
    while "Ek" not in dialog.list.currentItem().text():
        qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    assert "not duplicates" in dialog.result_label.text()
    dialog.close()
    assert sync(b).duplicates == 1
