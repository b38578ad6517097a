"""File ▸ Import history…: the imports done so far, and undo of one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.import_undo import ImportView, UndoResult
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, show_error

COLUMNS = ["When", "File", "Created", "Merged", "Skipped", "Rejected", "By", "Undone"]


class ImportHistoryDialog(QDialog):
    """A table of imports with an Undo button for the selected one."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Import history")
        self.imports: list[ImportView] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selected)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.problem = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.undo_button = QPushButton("&Undo import")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(820, 360)
        self.reload()

    def reload(self) -> None:
        history = self.crm.import_history
        self.ops.read(history.list, self._loaded, lambda e: show_error(self.problem, describe(e)))

    def _loaded(self, imports: list[ImportView]) -> None:
        self.imports = imports
        self.table.setRowCount(len(imports))
        for row, i in enumerate(imports):
            cells = [
                fmt.when(i.started_at), i.file_name, str(i.created), str(i.merged),
                str(i.skipped), str(i.rejected), i.user,
                fmt.when(i.undone_at) if i.undone_at else "",
            ]  # fmt: skip
            for column, value in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self._selected()

    def selected(self) -> ImportView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.imports[rows[0].row()] if rows else None

    def _selected(self) -> None:
        chosen = self.selected()
        self.undo_button.setEnabled(chosen is not None and chosen.undone_at is None)

    def undo(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        self.undo_button.setEnabled(False)
        history, import_id = self.crm.import_history, chosen.id
        self.ops.write(
            lambda: history.undo(import_id), ChangeSet(everything=True), self._undone, self._failed
        )

    def _undone(self, undone: UndoResult) -> None:
        self.result_label.setText(
            f"Import undone: {undone.summary()}." + "".join(f"\n{k}" for k in undone.kept)
        )
        self.reload()

    def _failed(self, exc: BaseException) -> None:
        show_error(self.problem, describe(exc))
        self._selected()
