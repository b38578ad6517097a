"""View ▸ Trash…: deleted contacts, activities, deals and follow-ups, with when and
by whom; restore the selected ones, or (the owner) purge them for good."""

from __future__ import annotations

from contextlib import suppress

import shiboken6
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.errors import NotInTrash
from crmdesk.services.app import Crm
from crmdesk.services.trash import KINDS, TrashItem
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, muted, show_error

COLUMNS = ("What", "Name", "Contact", "Deleted", "By")
EVERYTHING = ChangeSet(everything=True)


class TrashDialog(QDialog):
    """The trash: restore or purge selected records."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.items: list[TrashItem] = []
        self.setWindowTitle("Trash")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Deleted records")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):  # the name and the contact share the spare width
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable)
        self.empty = empty_state("The trash is empty.")
        self.problem = error_label()
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setToolTip("Bring the selected records back")
        self.purge_button = QPushButton("&Purge for good…")
        self.purge_button.setToolTip("Remove the selected records for good (owner only)")
        self.restore_button.clicked.connect(self._restore)
        self.purge_button.clicked.connect(self._purge)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.restore_button, self.purge_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        intro = muted(
            "Deleted records stay here until they are restored or purged. Purging removes "
            "them for good, on the server and on every computer at their next sync."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(780, 440)
        self.may_purge = False
        self._enable()
        ops.changes_applied.connect(self._changed)
        self.finished.connect(lambda _code: ops.changes_applied.disconnect(self._changed))
        ops.read(crm.trash.may_purge, self._permission)
        self.reload()

    def _permission(self, may: bool) -> None:
        if shiboken6.isValid(self):
            self.may_purge = may
            self._enable()

    def _changed(self, _changes: ChangeSet) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the trash again."""
        self.ops.read(self.crm.trash.items, self._show, self._failed)

    def _show(self, items: list[TrashItem]) -> None:
        if not shiboken6.isValid(self):
            return
        self.items = items
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            cells = (
                KINDS[item.kind][2],
                item.title,
                "" if item.kind == "contact" else item.contact_name,
                fmt.when(item.deleted_at),
                item.deleted_by,
            )
            for column, value in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.empty.setVisible(not items)
        self.table.setVisible(bool(items))
        if items and not self.table.selectedItems():
            self.table.selectRow(0)
        self.table.setFocus()
        self._enable()

    def selected(self) -> list[TrashItem]:
        """The records chosen in the table."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.items[r] for r in rows if r < len(self.items)]

    def _enable(self) -> None:
        chosen = bool(self.selected())
        self.restore_button.setEnabled(chosen)
        self.purge_button.setEnabled(chosen and self.may_purge)

    def _restore(self) -> None:
        chosen = self.selected()
        # Contacts first: an activity of a deleted contact waits for its contact.
        chosen.sort(key=lambda i: i.kind != "contact")
        trash = self.crm.trash

        def run() -> None:
            for item in chosen:
                trash.restore(item.kind, item.id)

        show_error(self.problem, "")
        self.ops.write(run, EVERYTHING, None, self._failed)

    def _purge(self) -> None:
        chosen = self.selected()
        if not chosen:
            return
        what = chosen[0].title if len(chosen) == 1 else f"{len(chosen)} records"
        answer = QMessageBox.warning(
            self,
            "Purge for good",
            f"Remove {what} for good? This cannot be undone, here or on the server.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        trash = self.crm.trash
        chosen.sort(key=lambda i: i.kind != "contact")

        def run() -> None:
            for item in chosen:
                with suppress(NotInTrash):  # already gone with its contact
                    trash.purge(item.kind, item.id)

        show_error(self.problem, "")
        self.ops.write(run, EVERYTHING, None, self._failed)

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            show_error(self.problem, describe(exc))
            self.reload()
