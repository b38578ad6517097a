"""“Who is working?”: choose yourself (and type your PIN) in a file shared by several people."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.users import UserView
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import buddy_label, error_label, muted, show_error, title_label

USER_ROLE = Qt.ItemDataRole.UserRole


class SignInDialog(QDialog):
    """Pick a user from the list; the PIN field opens for users who have one."""

    def __init__(
        self, crm: Crm, ops: Ops, parent: QWidget | None = None, *, switching: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Switch user" if switching else "Who is working?")
        self._crm, self._ops = crm, ops
        self.signed_in: UserView | None = None
        self.people = QListWidget()
        self.people.setAccessibleName("Users")
        self.people.setSpacing(3)
        self.people.currentItemChanged.connect(lambda *_: self._chosen())
        self.people.itemActivated.connect(lambda _item: self.accept())
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("PIN or password")
        self.pin.returnPressed.connect(self.accept)
        self.problem = error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Sign in")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(title_label("Who is working?"))
        layout.addWidget(
            muted("Several people use this file. Choose yourself; what you do is recorded so.")
        )
        layout.addWidget(self.people, 1)
        layout.addWidget(buddy_label("&PIN or password:", self.pin))
        layout.addWidget(self.pin)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(400, 380)
        self._chosen()
        ops.read(
            crm.users.active, self._arrived, lambda exc: show_error(self.problem, describe(exc))
        )

    def _arrived(self, users: list[UserView]) -> None:
        current = self._crm.ctx.actor_id
        for user in users:
            pin = ", PIN" if user.has_secret else ""
            item = QListWidgetItem(f"{user.display_name}  —  {user.role}{pin}")
            item.setData(USER_ROLE, user)
            self.people.addItem(item)
            if user.id == current:
                self.people.setCurrentItem(item)
        if self.people.currentRow() < 0:
            self.people.setCurrentRow(0)
        self.people.setFocus()

    def chosen(self) -> UserView | None:
        """The user selected in the list."""
        item = self.people.currentItem()
        return item.data(USER_ROLE) if item is not None else None

    def _chosen(self) -> None:
        user = self.chosen()
        needs_pin = user is not None and user.has_secret
        self.pin.setEnabled(needs_pin)
        self.pin.setPlaceholderText("" if needs_pin else "not needed for this user")
        if not needs_pin:
            self.pin.clear()
        self.ok.setEnabled(user is not None)
        show_error(self.problem, "")

    def accept(self) -> None:
        """Check the PIN off the GUI thread; close only when it signed the user in."""
        user = self.chosen()
        if user is None:
            return
        if user.has_secret and not self.pin.text():
            show_error(self.problem, f"Type {user.display_name}'s PIN or password.")
            self.pin.setFocus()
            return
        self.ok.setEnabled(False)
        secret = self.pin.text()
        self._ops.write(
            lambda: self._crm.users.sign_in(user.username, secret),
            ChangeSet(everything=True),
            self._signed_in,
            self._refused,
        )

    def _signed_in(self, user: UserView) -> None:
        self.signed_in = user
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        show_error(self.problem, describe(exc))
        self.pin.selectAll()
        self.pin.setFocus()
