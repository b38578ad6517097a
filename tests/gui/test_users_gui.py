"""Sign-in, switching user, the Users and roles dialog, and actions a role may not use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QTabWidget

from crmdesk.services.app import Crm
from crmdesk.ui.dialogs.sign_in import SignInDialog
from crmdesk.ui.dialogs.users import UsersDialog


def _team(crm: Crm) -> None:
    crm.users.add("sam", "Sam Berg", "salesperson", secret="2468")
    crm.users.add("alma", "Alma Niemi", "accountant")


def test_sign_in_needs_the_right_pin(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    _team(crm)
    dialog = SignInDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.people.count() == 3)
    rows = [dialog.people.item(i).text() for i in range(3)]
    assert rows[2] == "Sam Berg  —  salesperson, PIN"
    assert not dialog.pin.isEnabled()  # the owner (preselected) has no PIN
    dialog.people.setCurrentRow(2)
    assert dialog.pin.isEnabled()
    dialog.grab().save("/tmp/roles-sign-in.png")
    qtbot.keyClicks(dialog.pin, "1111")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert "not Sam Berg's PIN" in dialog.problem.text()
    dialog.grab().save("/tmp/roles-sign-in-error.png")
    assert dialog.isVisible() and dialog.signed_in is None
    dialog.pin.setText("2468")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.signed_in is not None)
    assert crm.users.current().username == "sam"


def test_accountant_sees_disabled_actions_with_the_reason(qtbot, window, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    assert window.people.label.text() == f"Signed in as {crm.users.current().display_name} (owner)"
    assert window.delete_action.isEnabled() and window.people.users_action.isEnabled()
    _team(crm)
    dialog = window.people.switch_user()
    qtbot.waitUntil(lambda: dialog.people.count() == 3)
    dialog.people.setCurrentRow(0)  # Alma Niemi, no PIN
    dialog.accept()
    qtbot.waitUntil(lambda: "Alma Niemi (accountant)" in window.people.label.text())
    assert not window.delete_action.isEnabled()
    assert (
        window.delete_action.toolTip()
        == "Your role (accountant) may not move records to the trash."
    )
    assert not window.people.users_action.isEnabled()
    assert not window.contacts.new_button.isEnabled()
    assert "may not add and change records" in window.activity.purchase_button.toolTip()
    export = next(
        a for a in window.findChildren(type(window.delete_action)) if a.text() == "&Export…"
    )
    assert export.isEnabled()
    passwd = next(
        a
        for a in window.findChildren(type(window.delete_action))
        if a.text() == "Change &passphrase…"
    )
    assert not passwd.isEnabled()  # the file's passphrase is the owner's
    assert window.people.switch_action.shortcut().toString() == "Ctrl+Shift+U"


def test_owner_adds_a_user_and_a_role_in_the_dialog(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = UsersDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.user_table.rowCount() == 1 and dialog.new_role.count() == 3)
    qtbot.keyClicks(dialog.new_name, "sam")
    qtbot.keyClicks(dialog.new_display, "Sam Berg")
    dialog.new_role.setCurrentText("salesperson")
    dialog.add_user()
    qtbot.waitUntil(lambda: dialog.user_table.rowCount() == 2)
    assert dialog.user_table.item(1, 2).text() == "salesperson"
    dialog.role_name.setText("Shop assistant")
    for row in (0, 1):  # view, edit
        dialog.grants.item(row).setCheckState(Qt.CheckState.Checked)
    dialog.add_role()
    qtbot.waitUntil(lambda: dialog.role_table.rowCount() == 4)
    assert dialog.role_table.item(3, 2).text() == "view records, add and change records"
    assert dialog.new_role.count() == 4
    dialog.own_only.setChecked(True)
    qtbot.waitUntil(lambda: crm.users.policy().own_records_only)
    dialog.user_table.selectRow(1)
    dialog.toggle_disabled()
    qtbot.waitUntil(lambda: dialog.user_table.item(1, 4).text() == "disabled")
    dialog.add_user()  # an empty name
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert "Give the new user a name" in dialog.problem.text()
    dialog.grab().save("/tmp/roles-users.png")
    dialog.findChild(QTabWidget).setCurrentIndex(1)
    dialog.grab().save("/tmp/roles-roles.png")


def test_whoever_unlocks_a_shared_file_says_who_they_are(qtbot, window, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    _team(crm)
    lock = window.idle_lock
    lock.lock()
    lock.screen.passphrase.setText("correct horse battery")
    lock.screen.unlock_button.click()
    qtbot.waitUntil(lambda: lock.who is not None and lock.who.isVisible())
    lock.who.reject()  # nobody chose: the customers stay hidden
    assert lock.locked and "Choose who is working" in lock.screen.problem.text()

    lock.screen.passphrase.setText("correct horse battery")
    lock.screen.unlock_button.click()
    qtbot.waitUntil(lambda: lock.who is not None and lock.who.people.count() == 3)
    who = lock.who
    who.people.setCurrentRow(0)  # Alma Niemi, accountant, no PIN
    with qtbot.waitSignal(lock.locked_changed, timeout=30_000):
        who.accept()
    assert not lock.locked and crm.users.current().username == "alma"
    qtbot.waitUntil(lambda: "Alma Niemi (accountant)" in window.people.label.text())
    assert not window.delete_action.isEnabled()  # the owner's rights did not come back
