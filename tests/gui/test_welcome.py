"""The welcome dialog: create a new encrypted database, or unlock one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from crmdesk.config import paths
from crmdesk.config.settings import Settings, load_settings
from crmdesk.services.app import Crm
from crmdesk.store import keyfile
from crmdesk.ui.dialogs.passphrase import strength
from crmdesk.ui.dialogs.unlock import UnlockDialog

PASSPHRASE = "correct horse battery"


def test_create_database_by_typing_the_passphrase_twice(qtbot, ops, home: Path) -> None:
    dialog = UnlockDialog(ops, Settings(), region="FI")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.pages.currentIndex() == 1, "no database yet: the create page comes first"
    assert dialog.create_file.text() == str(paths.default_database_path())
    assert not dialog.create_button.isEnabled()

    qtbot.keyClicks(dialog.create_pass, PASSPHRASE)
    qtbot.keyClicks(dialog.create_repeat, "correct horse")
    assert dialog.create_error.text() == "The two passphrases are not the same."
    assert not dialog.create_button.isEnabled()
    qtbot.keyClicks(dialog.create_repeat, " battery")
    assert dialog.create_error.isHidden()
    assert dialog.strength_hint.text()

    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    # Made: the recovery code is shown once, and the user must say it was noted.
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 2, timeout=30_000)
    assert keyfile.normalise_recovery_code(dialog.recovery.value)
    assert not dialog.recovery.continue_button.isEnabled()
    dialog.recovery.noted.setChecked(True)
    qtbot.mouseClick(dialog.recovery.continue_button, Qt.MouseButton.LeftButton)
    assert dialog.crm is not None
    assert dialog.result() == dialog.DialogCode.Accepted
    assert paths.default_database_path().exists()
    assert load_settings().recent_databases == [str(paths.default_database_path().resolve())]
    dialog.crm.close()


def test_wrong_passphrase_is_said_inline_and_the_user_can_retry(qtbot, ops, tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    Crm.create(path, PASSPHRASE, region="FI").close()
    dialog = UnlockDialog(ops, Settings(), path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.pages.currentIndex() == 0
    assert dialog.open_file.currentText() == str(path)

    qtbot.keyClicks(dialog.open_pass, "not the passphrase")
    qtbot.keyClick(dialog.open_pass, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.open_error.isVisible())
    assert "does not unlock" in dialog.open_error.text()
    assert dialog.open_pass.property("invalid") is True
    assert dialog.isVisible() and dialog.crm is None

    dialog.open_pass.clear()
    qtbot.keyClicks(dialog.open_pass, PASSPHRASE)
    assert dialog.open_error.isHidden(), "typing again clears the complaint"
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.crm is not None)
    dialog.crm.close()


def test_missing_file_gets_one_clear_sentence(qtbot, ops, tmp_path: Path) -> None:
    dialog = UnlockDialog(ops, Settings(), tmp_path / "elsewhere.db")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._show_open(tmp_path / "gone.db")
    qtbot.keyClicks(dialog.open_pass, PASSPHRASE)
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.open_error.isVisible())
    assert dialog.open_error.text() == f"There is no database at {tmp_path / 'gone.db'}."


def test_remember_checkbox_is_hidden_without_a_keyring(qtbot, ops) -> None:
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # as on a machine with no OS keyring
    try:
        dialog = UnlockDialog(ops, Settings())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: ops.pending == 0)  # the keyring was looked for
        assert dialog.remember.isHidden()
    finally:
        keyring.set_keyring(before)


def test_strength_hint() -> None:
    assert strength("short")[0] == 0
    assert strength("abcdefgh")[0] == 1
    assert strength("correct horse battery staple")[0] >= 3
