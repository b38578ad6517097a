"""Passphrase change, recovery, unlock throttling, idle lock and automatic backups,
through the real widgets."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from crmdesk.config import paths
from crmdesk.config.settings import Settings, load_settings
from crmdesk.errors import WrongPassphrase
from crmdesk.services import backups
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.store import keyfile
from crmdesk.store.database import Database
from crmdesk.ui.dialogs.passphrase import ChangePassphraseDialog, RecoverDialog
from crmdesk.ui.dialogs.settings import SettingsDialog
from crmdesk.ui.dialogs.unlock import UnlockDialog
from crmdesk.ui.main_window import MainWindow

PASS = "correct horse battery"
NEW = "a brand new passphrase"
SLOW = 30_000  # ms: Argon2id takes a few seconds on a busy machine
SHOTS = os.environ.get("CRMDESK_SCREENSHOTS")  # a folder: save pictures of the dialogs


def _shot(widget: QWidget, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"keys-{name}.png"))


def _type(qtbot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    field.clear()
    qtbot.keyClicks(field, text)


def test_change_passphrase_dialog(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = ChangePassphraseDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.save_button.isEnabled()
    _type(qtbot, dialog.current, "not the passphrase")
    _type(qtbot, dialog.new.passphrase, NEW)
    _type(qtbot, dialog.new.repeat, NEW + "x")
    assert not dialog.save_button.isEnabled()
    assert dialog.new.error.text() == "The two passphrases are not the same."
    _type(qtbot, dialog.new.repeat, NEW)
    assert dialog.save_button.isEnabled()
    _shot(dialog, "change-passphrase")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=SLOW)
    assert dialog.problem.text() == "That is not the current passphrase."
    assert dialog.isVisible()
    _shot(dialog, "change-passphrase-wrong")

    _type(qtbot, dialog.current, PASS)
    with qtbot.waitSignal(dialog.changed, timeout=SLOW) as said:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert said.args == ["The passphrase was changed."]
    assert dialog.result() == QDialog.DialogCode.Accepted
    try:
        crm.check_passphrase(PASS)
        raise AssertionError("the old passphrase still works")
    except WrongPassphrase:
        pass
    crm.check_passphrase(NEW)


def test_forgot_passphrase_with_the_recovery_code(qtbot, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.db"
    code = keyfile.new_recovery_code()
    Crm.create(path, PASS, region="FI", recovery_code=code).close()
    dialog = RecoverDialog(ops, path, "FI")
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.code, keyfile.new_recovery_code())
    _type(qtbot, dialog.new.passphrase, NEW)
    _type(qtbot, dialog.new.repeat, NEW)
    _shot(dialog, "recover")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=SLOW)
    assert "does not unlock" in dialog.problem.text()
    _type(qtbot, dialog.code, code.lower())
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.crm is not None, timeout=SLOW)
    dialog.crm.close()
    Database.open(path, NEW).close()


def test_unlock_dialog_says_how_long_to_wait(qtbot, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.db"
    Crm.create(path, PASS, region="FI").close()
    dialog = UnlockDialog(ops, Settings(), path)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(4):
        _type(qtbot, dialog.open_pass, "a wrong guess")
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog._busy and dialog.open_error.isVisible(), timeout=SLOW)
    assert "Too many wrong passphrases: wait 30 seconds" in dialog.open_error.text()
    assert not dialog.unlock_button.isEnabled()
    qtbot.keyClick(dialog.open_pass, Qt.Key.Key_Return)  # Enter does not try either
    assert not dialog._busy
    _shot(dialog, "unlock-throttled")


def test_recovery_code_page_after_creating(qtbot, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = UnlockDialog(ops, Settings(), tmp_path / "new.db", "FI")
    qtbot.addWidget(dialog)
    dialog.show()
    _type(qtbot, dialog.create_pass, PASS)
    _type(qtbot, dialog.create_repeat, PASS)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=SLOW)
    _shot(dialog, "recovery-code")
    code = dialog.recovery.value
    assert dialog.recovery.code.text().replace("\n", "") == code  # shown on two lines
    dialog.reject()  # closed on the code page: the database is made and closed cleanly
    Database.recover(tmp_path / "new.db", code, NEW).close()


def test_lock_now_hides_everything_until_the_passphrase(
    qtbot, window: MainWindow, crm: Crm
) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create("person", ContactPatch(first_name="Secret", last_name="Customer"))
    settings_dialog = SettingsDialog(crm, window.ops, window.settings, window)
    settings_dialog.show()
    lock = window.idle_lock
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert lock.locked
    assert window.centralWidget().currentWidget() is lock.screen
    assert not window.contacts.isVisible() and not window.activity.isVisible()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not settings_dialog.isVisible()
    assert not window.undo_action.isEnabled() and not lock.action.isEnabled()
    _shot(window, "locked")
    popped: list[str] = []
    lock.when_unlocked(lambda: popped.append("pop"))
    assert popped == []  # a screen pop waits for the passphrase

    _type(qtbot, lock.screen.passphrase, "not it")
    qtbot.keyClick(lock.screen.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: lock.screen.problem.isVisible(), timeout=SLOW)
    assert lock.locked and "not the passphrase" in lock.screen.problem.text()
    _type(qtbot, lock.screen.passphrase, PASS)
    with qtbot.waitSignal(lock.locked_changed, timeout=SLOW):
        qtbot.keyClick(lock.screen.passphrase, Qt.Key.Key_Return)
    assert not lock.locked and popped == ["pop"]
    assert window.contacts.isVisible() and window.menuBar().isVisible()
    assert settings_dialog.isVisible() and lock.action.isEnabled()
    assert lock.screen.passphrase.text() == ""
    settings_dialog.close()


def test_idle_time_comes_from_the_settings(qtbot, window: MainWindow, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    lock = window.idle_lock
    assert lock._timer.isActive() and lock._timer.interval() == 10 * 60_000  # the default
    dialog = SettingsDialog(crm, window.ops, window.settings, window)
    dialog.applied.connect(window.apply_settings)
    dialog.show()
    _shot(dialog, "settings")
    dialog.idle_lock.setValue(0)
    dialog.backup_keep.setValue(3)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=SLOW)
    assert load_settings().idle_lock_minutes == 0 and load_settings().backup_keep == 3
    assert not lock._timer.isActive()  # 0: never
    assert window.auto_backup.keep == 3
    lock.set_minutes(5)
    assert lock._timer.interval() == 5 * 60_000
    lock._timer.timeout.emit()  # what five quiet minutes do
    assert lock.locked


def test_automatic_backup_runs_off_the_gui_thread(qtbot, window: MainWindow, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.auto_backup.written, timeout=30_000) as said:
        window.auto_backup.check()
    [made] = backups.automatic_backups(paths.backup_dir(), crm.db.path)
    assert said.args == [f"Backed up to {made}."]
    assert keyfile.path_for(made).exists()
    window.auto_backup.check()  # not due again today
    qtbot.waitUntil(lambda: window.ops.pending == 0, timeout=SLOW)
    assert len(backups.automatic_backups(paths.backup_dir(), crm.db.path)) == 1
