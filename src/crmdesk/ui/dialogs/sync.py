"""Sync ▸ Settings (server, user, password) and Sync ▸ Conflicts (flip or dismiss)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.sync_status import ConflictView
from crmdesk.sync.engine import SyncEngine
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.sync_control import SyncControl


class SyncSettingsDialog(QDialog):
    """Server address, user name and password; OK saves them and syncs."""

    def __init__(self, control: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.setWindowTitle("Sync settings")
        state = SyncEngine(control.crm).state()
        self.server = QLineEdit(state.get("server_url", ""))
        self.server.setPlaceholderText("https://crm.example:8750")
        self.user = QLineEdit(state.get("username", ""))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("needed the first time and after a sign-out")
        self.error = QLabel()
        self.error.setObjectName("error")
        form = QFormLayout()
        form.addRow("&Server:", self.server)
        form.addRow("&User:", self.user)
        form.addRow("&Password:", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save and sync")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _save(self) -> None:
        server, user = self.server.text().strip(), self.user.text().strip()
        if not server or not user:
            self.error.setText("Give the server address and your user name.")
            return
        self.control.configure(server, user, self.password.text())
        self.control.sync_now()
        self.accept()


class ConflictsDialog(QDialog):
    """Open conflicts: which value was kept and which lost; flip or dismiss each."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Sync conflicts")
        self.list = QListWidget()
        self.note = QLabel()
        self.flip_button = QPushButton("&Use the lost value")
        self.dismiss_button = QPushButton("&Keep the kept value")
        self.flip_button.clicked.connect(lambda: self._resolve(self.crm.sync.flip))
        self.dismiss_button.clicked.connect(lambda: self._resolve(self.crm.sync.dismiss))
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        for button in (self.flip_button, self.dismiss_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.note)
        layout.addLayout(row)
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.resize(640, 360)
        self.reload()

    def reload(self) -> None:
        """Read the open conflicts again."""
        self.ops.read(self.crm.sync.conflicts, self._show)

    def _show(self, conflicts: list[ConflictView]) -> None:
        self.list.clear()
        for c in conflicts:
            item = QListWidgetItem(
                f"{c.entity} {c.field}: kept {_value(c.winner_value)} ({c.winner_user or '?'}),"
                f" lost {_value(c.loser_value)} ({c.loser_user or '?'})"
            )
            item.setData(256, c.id)  # Qt.UserRole
            self.list.addItem(item)
        self.note.setText("" if conflicts else "No conflicts.")
        if conflicts:
            self.list.setCurrentRow(0)
        self._enable()

    def _enable(self) -> None:
        chosen = self.list.currentItem() is not None
        self.flip_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)

    def _resolve(self, action: Any) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        conflict_id = str(item.data(256))
        self.ops.write(
            lambda: action(conflict_id),
            ChangeSet(everything=True),
            lambda _result: self.reload(),
            lambda exc: self.note.setText(describe(exc)),
        )


def _value(value: Any) -> str:
    return "(empty)" if value in (None, "") else repr(value)
