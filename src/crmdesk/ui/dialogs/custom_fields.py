"""Settings > Custom fields: the user's own questions on every contact card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.custom_fields import TYPES, CustomFieldView
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, muted, show_error

KEY_ROLE = Qt.ItemDataRole.UserRole
EMPTY = (
    "No custom fields yet.\n\nAdd one below to ask the same question about every contact,"
    " like “Shoe size” or “Newsletter”."
)


class CustomFieldsDialog(QDialog):
    """List, add, rename, reorder and remove custom field definitions."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom fields")
        self._crm, self._ops = crm, ops
        self.list = QListWidget()
        self.list.setAccessibleName("Custom fields")
        self.list.currentRowChanged.connect(lambda _row: self._enable())
        self.list.itemActivated.connect(lambda _item: self.rename())
        self.empty = empty_state(EMPTY)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.list)
        self.stack.addWidget(self.empty)

        self.label = QLineEdit()
        self.label.setPlaceholderText("New field, e.g. Shoe size")
        self.label.setAccessibleName("New field name")
        self.label.returnPressed.connect(self.add)
        self.type = QComboBox()
        for value, text in TYPES.items():
            self.type.addItem(text, value)
        self.type.setAccessibleName("New field type")
        self.add_button = QPushButton("&Add")
        self.add_button.clicked.connect(self.add)
        adding = QHBoxLayout()
        adding.addWidget(self.label, 1)
        adding.addWidget(self.type)
        adding.addWidget(self.add_button)

        self.rename_button = QPushButton("&Rename…")
        self.rename_button.clicked.connect(self.rename)
        self.up_button = QPushButton("Move &up")
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button = QPushButton("Move do&wn")
        self.down_button.clicked.connect(lambda: self.move(1))
        self.delete_button = QPushButton("Re&move")
        self.delete_button.clicked.connect(self.delete)
        side = QVBoxLayout()
        for button in (self.rename_button, self.up_button, self.down_button, self.delete_button):
            button.setAutoDefault(False)  # Enter in the entry line adds; it renames nothing
            side.addWidget(button)
        self.add_button.setAutoDefault(False)
        side.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.stack, 1)
        body.addLayout(side)

        self.problem = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            button.setAutoDefault(False)  # Enter in the entry line must not close the dialog
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted("Fields appear on the “Terms & more” page of every contact, in this order.")
        )
        layout.addLayout(body, 1)
        layout.addLayout(adding)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self.delete)
        self.resize(520, 380)
        self._fields: list[CustomFieldView] = []
        self._select_key: str | None = None
        self._enable()
        self.reload()

    # -- reading ---------------------------------------------------------

    def reload(self) -> None:
        """Fetch the definitions again (off the GUI thread)."""
        self._ops.read(self._crm.custom_fields.list, self._arrived, self._failed)

    def _arrived(self, fields: list[CustomFieldView]) -> None:
        self._fields = fields
        self.list.clear()
        for field in fields:
            used = f"used by {field.used_by}" if field.used_by else "not used yet"
            item = QListWidgetItem(f"{field.label}  —  {TYPES[field.field_type]}, {used}")
            item.setData(KEY_ROLE, field.key)
            self.list.addItem(item)
            if field.key == self._select_key:
                self.list.setCurrentItem(item)
        self.stack.setCurrentWidget(self.list if fields else self.empty)
        self._enable()

    def current(self) -> CustomFieldView | None:
        """The selected definition."""
        row = self.list.currentRow()
        return self._fields[row] if 0 <= row < len(self._fields) else None

    def _enable(self) -> None:
        chosen = self.current() is not None
        for button in (self.rename_button, self.up_button, self.down_button, self.delete_button):
            button.setEnabled(chosen)

    # -- changing --------------------------------------------------------

    def add(self) -> None:
        """Define the field typed in the entry line."""
        label, field_type = self.label.text(), self.type.currentData()

        def done(key: str) -> None:
            self.label.clear()
            self._select_key = key
            self._changed()

        self._write(lambda: self._crm.custom_fields.add(label, field_type), done)

    def rename(self) -> None:
        """Ask for a new label for the selected field."""
        field = self.current()
        if field is None:
            return
        label, ok = QInputDialog.getText(self, "Rename field", "New name:", text=field.label)
        if ok and label.strip() and label != field.label:
            self._select_key = field.key
            self._write(lambda: self._crm.custom_fields.rename(field.key, label))

    def move(self, offset: int) -> None:
        """Move the selected field up (-1) or down (1)."""
        field = self.current()
        if field is not None:
            self._select_key = field.key
            self._write(lambda: self._crm.custom_fields.move(field.key, offset))

    def delete(self) -> None:
        """Remove the selected field (after asking when contacts use it)."""
        field = self.current()
        if field is None:
            return
        if field.used_by:
            answer = QMessageBox.question(
                self,
                "Remove field",
                f"{field.used_by} contact(s) have a value in “{field.label}”. Remove the field "
                "from every contact card? The values stay in the audit history.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._select_key = None
        self._write(lambda: self._crm.custom_fields.delete(field.key))

    def _write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None) -> None:
        show_error(self.problem, "")
        self._ops.write(
            fn, ChangeSet(everything=True), on_done or (lambda _r: self._changed()), self._failed
        )

    def _changed(self) -> None:
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        show_error(self.problem, describe(exc))
