"""Tools ▸ Audit trail…: who changed what and when, with before and after.

Filters (user, action, kind of record, record name or id, date range) narrow
the table; the entries load a page at a time off the GUI thread
(:class:`~crmdesk.ui.models.audit_log.AuditLogModel`). Selecting an entry
shows each field it changed, before and after. "Verify chain" checks the
hash chain in the background and says where it breaks, if it does.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.audit_chain import ChainReport
from crmdesk.services.app import Crm
from crmdesk.services.audit_trail import ACTIONS, AuditFilter, AuditRow
from crmdesk.ui.models.audit_log import ROW_ROLE, AuditLogModel
from crmdesk.ui.ops import Ops, describe
from crmdesk.ui.widgets.common import buddy_label, error_label, muted, show_error

ANY_DAY = QDate(2000, 1, 1)  # the date edits' minimum, shown as "Any"
FILTER_DELAY_MS = 250


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setMinimumDate(ANY_DAY)
    edit.setSpecialValueText("Any")
    edit.setDate(ANY_DAY)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _picked(edit: QDateEdit) -> date | None:
    value = edit.date()
    return None if value == ANY_DAY else date(value.year(), value.month(), value.day())


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class AuditTrailDialog(QDialog):
    """The audit trail, filterable, with each entry's changes and a chain check."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Audit trail")
        self.user = QComboBox()
        self.user.addItem("Everyone", None)
        self.action = QComboBox()
        self.action.addItem("Any action", None)
        for name in ACTIONS:
            self.action.addItem(name.capitalize(), name)
        self.entity = QComboBox()
        self.entity.addItem("Any kind", None)
        self.record = QLineEdit()
        self.record.setPlaceholderText("Name or id of a record")
        self.record.setClearButtonEnabled(True)
        self.start, self.end = _date_edit(), _date_edit()
        filters = QGridLayout()
        rows = (
            (("&User:", self.user), ("&Action:", self.action), ("&Kind:", self.entity)),
            (("&Record:", self.record), ("&From:", self.start), ("&To:", self.end)),
        )
        for row, pairs in enumerate(rows):
            for column, (label, widget) in enumerate(pairs):
                filters.addWidget(buddy_label(label, widget), row, 2 * column)
                filters.addWidget(widget, row, 2 * column + 1)
        for column, stretch in ((1, 2), (3, 1), (5, 1)):  # room for a record's id
            filters.setColumnStretch(column, stretch)
        filters.setHorizontalSpacing(10)

        self.model = AuditLogModel(crm.audit, ops, self)
        self.table = QTableView()
        self.table.setAccessibleName("Audit entries")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((60, 130, 110, 80, 150)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.model.dataChanged.connect(lambda *_: self._selected())  # its page arrived
        self.details = QTableWidget(0, 3)
        self.details.setAccessibleName("Changed fields")
        self.details.setHorizontalHeaderLabels(["Field", "Before", "After"])
        self.details.verticalHeader().hide()
        self.details.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.details.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.details.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        self.count_label = muted("Loading…")
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        self.problem = error_label()
        self.model.counted.connect(self._counted)
        self.model.failed.connect(lambda text: show_error(self.problem, text))
        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.setToolTip("Check that no entry was edited, inserted or removed")
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self.verify)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.verify_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.verify_label)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(980, 640)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        for combo in (self.user, self.action, self.entity):
            combo.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.record.textChanged.connect(lambda _t: self._timer.start())
        self.start.dateChanged.connect(lambda _d: self._timer.start())
        self.end.dateChanged.connect(lambda _d: self._timer.start())
        trail = crm.audit
        ops.read(lambda: (trail.users(), trail.entities()), self._choices, self._failed)
        self.apply_filter()

    def current_filter(self) -> AuditFilter:
        """What the filter widgets say."""
        return AuditFilter(
            user_id=self.user.currentData(),
            action=self.action.currentData(),
            entity=self.entity.currentData(),
            record=self.record.text(),
            start=_picked(self.start),
            end=_picked(self.end),
        )

    def apply_filter(self) -> None:
        """Show the entries matching the filters (loaded in the background)."""
        self._timer.stop()
        show_error(self.problem, "")
        self.count_label.setText("Loading…")
        self.details.setRowCount(0)
        self.model.show(self.current_filter())

    def verify(self) -> None:
        """Check the hash chain off the GUI thread and show the result."""
        self.verify_button.setEnabled(False)
        self.verify_label.setText("Checking the chain…")
        self.ops.read(self.crm.audit.verify, self._verified, self._failed)

    # -- internals -------------------------------------------------------

    def _choices(self, found: tuple[list[tuple[str, str]], list[str]]) -> None:
        users, entities = found
        for user_id, name in users:
            self.user.addItem(name, user_id)
        for entity in entities:
            self.entity.addItem(entity.capitalize(), entity)

    def _counted(self, count: int) -> None:
        self.count_label.setText(
            "No entries match."
            if count == 0
            else f"{count:,} {'entry' if count == 1 else 'entries'}, newest first."
        )
        if count:
            self.table.selectRow(0)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        entry = self.model.data(rows[0], ROW_ROLE) if rows else None
        self._show_changes(entry)

    def _show_changes(self, entry: AuditRow | None) -> None:
        changes = entry.changes if entry is not None else {}
        self.details.setRowCount(len(changes))
        for row, (name, value) in enumerate(sorted(changes.items())):
            edit = isinstance(value, list) and len(value) == 2
            before, after = (value[0], value[1]) if edit else (None, value)
            for column, text in enumerate((name, _text(before), _text(after))):
                self.details.setItem(row, column, QTableWidgetItem(text))
        self.details.resizeRowsToContents()

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        text = report.describe()
        if not report.ok:
            text += " Someone changed the file outside crmdesk; keep a copy and ask for help."
        self.verify_label.setProperty("role", None if report.ok else "error")
        self.verify_label.style().unpolish(self.verify_label)
        self.verify_label.style().polish(self.verify_label)
        self.verify_label.setText(("✔ " if report.ok else "✖ ") + text)

    def _failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        show_error(self.problem, describe(exc))
