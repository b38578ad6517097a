"""File ▸ Users and roles…: who may sign in, with which role, and what each role allows
(owner only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.permissions import PERMISSION_LABELS, PERMISSIONS
from crmdesk.services.app import Crm
from crmdesk.services.roles import RoleView
from crmdesk.services.users import Policy, UserView
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, muted, show_error

PERMISSION_ROLE = Qt.ItemDataRole.UserRole


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _left(button: QPushButton) -> QWidget:
    """``button`` at its natural width on the left of a form row."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(button)
    layout.addStretch(1)
    return row


class UsersDialog(QDialog):
    """Two pages: users (add, change role, disable; who sees what) and roles."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Users and roles")
        self._crm, self._ops = crm, ops
        self._users: list[UserView] = []
        self.problem = error_label()
        tabs = QTabWidget()
        tabs.addTab(self._users_page(), "&Users")
        tabs.addTab(self._roles_page(), "&Roles")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(720, 600)
        self.reload()

    # -- pages -----------------------------------------------------------

    def _users_page(self) -> QWidget:
        self.user_table = _table(["User name", "Shown as", "Role", "PIN", "State"])
        self.user_table.setAccessibleName("Users")
        self.user_table.itemSelectionChanged.connect(self._enable)
        self.role_button = QPushButton("Change &role…")
        self.role_button.clicked.connect(self.change_role)
        self.disable_button = QPushButton("&Disable")
        self.disable_button.clicked.connect(self.toggle_disabled)
        side = QVBoxLayout()
        for button in (self.role_button, self.disable_button):
            button.setAutoDefault(False)
            side.addWidget(button)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.user_table, 1)
        top.addLayout(side)

        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("e.g. sam")
        self.new_display = QLineEdit()
        self.new_display.setPlaceholderText("e.g. Sam Berg")
        self.new_role = QComboBox()
        self.new_pin = QLineEdit()
        self.new_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_pin.setPlaceholderText("optional, 4 characters or more")
        add = QPushButton("&Add user")
        add.setAutoDefault(False)
        add.clicked.connect(self.add_user)
        form = QFormLayout()
        form.addRow("User &name:", self.new_name)
        form.addRow("Shown &as:", self.new_display)
        form.addRow("R&ole:", self.new_role)
        form.addRow("&PIN or password:", self.new_pin)
        form.addRow("", _left(add))

        self.own_only = QCheckBox("&Salespeople see only their own customers (and unowned ones)")
        self.own_only.toggled.connect(
            lambda on: self._write(lambda: self._crm.users.set_policy(own_records_only=on))
        )
        self.bulk = QSpinBox()
        self.bulk.setRange(1, 10_000_000)
        self.bulk.setSuffix(" rows")
        self.bulk.setAccessibleName("Bulk limit")
        self.bulk.editingFinished.connect(
            lambda: self._write(lambda: self._crm.users.set_policy(bulk_rows=self.bulk.value()))
        )
        limit = QFormLayout()
        limit.addRow("&Bulk limit:", self.bulk)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(top, 1)
        layout.addWidget(muted("Add a user"))
        layout.addLayout(form)
        layout.addWidget(self.own_only)
        layout.addLayout(limit)
        layout.addWidget(
            muted("Deleting or exporting more rows than the bulk limit needs the bulk permission.")
        )
        return page

    def _roles_page(self) -> QWidget:
        self.role_table = _table(["Role", "Kind", "Allows"])
        self.role_table.setAccessibleName("Roles")
        self.role_table.setWordWrap(True)
        self.role_name = QLineEdit()
        self.role_name.setPlaceholderText("e.g. Shop assistant")
        self.grants = QListWidget()
        self.grants.setAccessibleName("Permissions of the new role")
        for name in PERMISSIONS:
            item = QListWidgetItem(PERMISSION_LABELS[name].capitalize())
            item.setData(PERMISSION_ROLE, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.grants.addItem(item)
        rows = self.grants.sizeHintForRow(0) * self.grants.count()
        self.grants.setFixedHeight(rows + 2 * self.grants.frameWidth() + 4)
        make = QPushButton("&Make role")
        make.setAutoDefault(False)
        make.clicked.connect(self.add_role)
        form = QFormLayout()
        form.addRow("Role &name:", self.role_name)
        form.addRow("It &may:", self.grants)
        form.addRow("", _left(make))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.role_table, 1)
        layout.addWidget(muted("Make a role — it stays in this file; roles do not sync."))
        layout.addLayout(form)
        return page

    # -- reading ---------------------------------------------------------

    def reload(self) -> None:
        """Fetch users, roles and the policy again (off the GUI thread)."""

        def fetch() -> tuple[list[UserView], list[RoleView], Policy]:
            return self._crm.users.list(), self._crm.roles.list(), self._crm.users.policy()

        self._ops.read(fetch, self._arrived, self._failed)

    def _arrived(self, data: tuple[list[UserView], list[RoleView], Policy]) -> None:
        users, roles, policy = data
        self._users = users
        self.user_table.setRowCount(len(users))
        for row, user in enumerate(users):
            cells = (
                user.username,
                user.display_name,
                user.role,
                "yes" if user.has_secret else "",
                "disabled" if user.disabled else "active",
            )
            for column, text in enumerate(cells):
                self.user_table.setItem(row, column, QTableWidgetItem(text))
        self.role_table.setRowCount(len(roles))
        for row, role in enumerate(roles):
            allows = ", ".join(PERMISSION_LABELS[p] for p in role.permissions)
            cells = (role.name, "built-in" if role.builtin else "custom", allows)
            for column, text in enumerate(cells):
                self.role_table.setItem(row, column, QTableWidgetItem(text))
        self.role_table.resizeRowsToContents()
        chosen = self.new_role.currentText() or "salesperson"
        self.new_role.clear()
        self.new_role.addItems([role.name for role in roles])
        self.new_role.setCurrentText(chosen)
        self.own_only.blockSignals(True)
        self.own_only.setChecked(policy.own_records_only)
        self.own_only.blockSignals(False)
        self.bulk.blockSignals(True)
        self.bulk.setValue(policy.bulk_limit)
        self.bulk.blockSignals(False)
        self._enable()

    def current(self) -> UserView | None:
        """The user selected in the table."""
        row = self.user_table.currentRow()
        return self._users[row] if self.user_table.selectedItems() and row >= 0 else None

    def _enable(self) -> None:
        user = self.current()
        self.role_button.setEnabled(user is not None)
        self.disable_button.setEnabled(user is not None)
        self.disable_button.setText("&Enable" if user and user.disabled else "&Disable")

    # -- changing --------------------------------------------------------

    def add_user(self) -> None:
        """Add the user typed in the form."""
        name, shown = self.new_name.text(), self.new_display.text()
        role, pin = self.new_role.currentText(), self.new_pin.text()

        def done(_user: object) -> None:
            for line in (self.new_name, self.new_display, self.new_pin):
                line.clear()
            self.reload()

        self._write(lambda: self._crm.users.add(name, shown, role, pin), done)

    def change_role(self) -> None:
        """Ask for the selected user's new role."""
        user = self.current()
        if user is None:
            return
        roles = [self.new_role.itemText(i) for i in range(self.new_role.count())]
        at = roles.index(user.role) if user.role in roles else 0
        role, ok = QInputDialog.getItem(
            self, "Change role", f"Role of {user.display_name}:", roles, at, False
        )
        if ok and role != user.role:
            self._write(lambda: self._crm.users.set_role(user.username, role))

    def toggle_disabled(self) -> None:
        """Disable the selected user, or enable them again."""
        user = self.current()
        if user is not None:
            self._write(lambda: self._crm.users.set_disabled(user.username, not user.disabled))

    def add_role(self) -> None:
        """Make the role named in the form from the ticked permissions."""
        name = self.role_name.text()
        grants = [
            self.grants.item(i).data(PERMISSION_ROLE)
            for i in range(self.grants.count())
            if self.grants.item(i).checkState() == Qt.CheckState.Checked
        ]

        def done(_role: object) -> None:
            self.role_name.clear()
            for i in range(self.grants.count()):
                self.grants.item(i).setCheckState(Qt.CheckState.Unchecked)
            self.reload()

        self._write(lambda: self._crm.roles.add(name, grants), done)

    def _write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None) -> None:
        show_error(self.problem, "")
        self._ops.write(
            fn, ChangeSet(everything=True), on_done or (lambda _r: self.reload()), self._failed
        )

    def _failed(self, exc: BaseException) -> None:
        show_error(self.problem, describe(exc))
        self.reload()
