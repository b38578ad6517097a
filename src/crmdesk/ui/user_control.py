"""Who is signed in: the status-bar name, “Switch user…”, “Users and roles…”, and
menu actions and buttons the signed-in role may not use, disabled with a tooltip
saying why."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from crmdesk.domain.permissions import MANAGE_USERS, PERMISSION_LABELS, PERMISSIONS
from crmdesk.services.app import Crm
from crmdesk.services.users import UserView
from crmdesk.ui.dialogs.sign_in import SignInDialog
from crmdesk.ui.dialogs.users import UsersDialog
from crmdesk.ui.ops import ChangeSet, Ops

Rights = tuple[UserView | None, frozenset[str]]
Guarded = QAction | QWidget


class UserControl(QObject):
    """Keeps the window's name label and guarded actions in step with the signed-in user."""

    def __init__(self, crm: Crm, ops: Ops, window: QMainWindow) -> None:
        super().__init__(window)
        self._crm, self._ops, self._window = crm, ops, window
        self._guarded: list[tuple[Guarded, str, str]] = []
        self.label = QLabel()
        self.label.setAccessibleName("Signed-in user")
        self.switch_action = QAction("S&witch user…", window)
        self.switch_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.switch_action.setStatusTip("Let someone else work in this window")
        self.switch_action.triggered.connect(lambda _checked=False: self.switch_user())
        self.users_action = QAction("&Users and roles…", window)
        self.users_action.setStatusTip("Who may sign in, and what each role may do")
        self.users_action.triggered.connect(lambda _checked=False: self.open_users())
        self.guard(self.users_action, MANAGE_USERS)

    def guard(self, action: Guarded, permission: str) -> None:
        """Enable ``action`` (or a button) only for roles that grant ``permission``."""
        self._guarded.append((action, permission, action.toolTip()))

    def refresh(self) -> None:
        """Read who is signed in and what they may do (off the GUI thread), then apply it."""

        def read() -> Rights:
            granted = frozenset(p for p in PERMISSIONS if self._crm.users.may(p))
            return self._crm.users.current(), granted

        self._ops.read(read, self._apply)

    def _apply(self, rights: Rights) -> None:
        user, granted = rights
        role = user.role if user else "owner"
        self.label.setText(f"Signed in as {user.display_name} ({role})" if user else "")
        for action, permission, tip in self._guarded:
            allowed = permission in granted
            action.setEnabled(allowed)
            why = f"Your role ({role}) may not {PERMISSION_LABELS[permission]}."
            action.setToolTip(tip if allowed else why)
            action.setStatusTip(action.statusTip() if allowed else why)

    def switch_user(self) -> SignInDialog:
        """Ask who is working now (Ctrl+Shift+U)."""
        dialog = SignInDialog(self._crm, self._ops, self._window, switching=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def open_users(self) -> UsersDialog:
        """File ▸ Users and roles… (owners)."""
        dialog = UsersDialog(self._crm, self._ops, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: self._changed())
        dialog.open()
        return dialog

    def _changed(self) -> None:
        self.refresh()
        self._ops.changes_applied.emit(ChangeSet(everything=True))
