"""The window's sync: indicator, Sync now (progress, result), conflicts flipped by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from synctools import USER_PASSWORD, LiveServer, Replica, sync

from crmdesk.config.settings import Settings
from crmdesk.services.inputs import ContactPatch

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)"),
]


@pytest.fixture
def window_for(qapp, qtbot, replica: Replica) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from crmdesk.ui import fmt
    from crmdesk.ui.main import application
    from crmdesk.ui.main_window import MainWindow
    from crmdesk.ui.ops import Ops

    application()
    fmt.set_locale("en_US")
    made = []

    def make(crm):  # type: ignore[no-untyped-def]
        ops = Ops()
        win = MainWindow(crm, ops, Settings(locale="en_US", reminders_enabled=False), "crm.db")
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.contacts.model.ready and ops.pending == 0)
        made.append((win, ops))
        return win

    yield make
    for win, ops in made:
        win.close()
        ops.wait()


def test_sync_now_from_the_window_and_flip_a_conflict(
    window_for,
    qtbot,
    replica: Replica,
    server: LiveServer,  # type: ignore[no-untyped-def]
) -> None:
    a, b = replica("anna"), replica("bo")
    pid = a.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    sync(a)
    win = window_for(b)
    qtbot.waitUntil(lambda: "never synced" in win.sync.label.text())
    # The settings dialog: server and user are shown; the password is given here.
    from crmdesk.ui.dialogs.sync import ConflictsDialog, SyncSettingsDialog

    dialog = SyncSettingsDialog(win.sync, win)
    assert dialog.server.text() == server.url and dialog.user.text() == "bo"
    dialog.password.setText(USER_PASSWORD)
    messages: list[str] = []
    win.sync.finished.connect(messages.append)
    dialog._save()
    qtbot.waitUntil(lambda: any(m.startswith("Synced") for m in messages), timeout=20_000)
    qtbot.waitUntil(lambda: "0 to send" in win.sync.label.text())
    qtbot.waitUntil(win.sync.timer.isActive)  # syncs by itself from now on
    qtbot.waitUntil(lambda: win.contacts.model.rowCount() == 1)

    # A concurrent edit: Anna's laptop and this window change the same field.
    a.contacts.update(pid, ContactPatch(title="Buyer"))
    sync(a)
    b.contacts.update(pid, ContactPatch(title="Owner"))
    messages.clear()
    win.sync_action.trigger()
    qtbot.waitUntil(lambda: any(m.startswith("Synced") for m in messages), timeout=20_000)
    qtbot.waitUntil(lambda: "1 conflicts" in win.sync.label.text())
    conflicts = ConflictsDialog(b, win.ops, win)
    qtbot.addWidget(conflicts)
    qtbot.waitUntil(lambda: conflicts.list.count() == 1)
    assert "lost 'Buyer'" in conflicts.list.item(0).text()
    conflicts.flip_button.click()
    qtbot.waitUntil(lambda: conflicts.list.count() == 0)
    assert b.queries.card(pid).title == "Buyer"
    messages.clear()
    win.sync_action.trigger()
    qtbot.waitUntil(lambda: any(m.startswith("Synced") for m in messages), timeout=20_000)
    sync(a)
    assert a.queries.card(pid).title == "Buyer"
