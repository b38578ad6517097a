"""The query builder (a smart list's conditions, with a live count) and the
"follow-ups for everyone on this list" dialog."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain import smart_query as sq
from crmdesk.errors import CrmdeskError
from crmdesk.services.app import Crm
from crmdesk.services.smart_lists import SavedListView
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.dialogs.followup import due_edit, next_week_morning
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import buddy_label, error_label, muted, show_error
from crmdesk.ui.widgets.condition_row import ConditionRow

COUNT_DELAY_MS = 250
FIRST_CONDITION = sq.Condition("stage", sq.EQ, "customer")


class QueryBuilderDialog(FormDialog):
    """Conditions row by row, all or any of them, the live count, and Save as list."""

    saved = Signal(object)  # the SavedListView

    def __init__(
        self, crm: Crm, ops: Ops, saved: SavedListView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._editing = crm, ops, saved
        self._generation = 0
        self.setWindowTitle(f"Edit list {saved.name}" if saved else "New smart list")
        self.match = QComboBox()
        self.match.addItem("all", "all")
        self.match.addItem("any", "any")
        self.match.setAccessibleName("Match all or any")
        top = QHBoxLayout()
        top.addWidget(buddy_label("Contacts that &match", self.match))
        top.addWidget(self.match)
        top.addWidget(QLabel("of these conditions:"))
        top.addStretch(1)

        self.rows_box = QWidget()
        self.rows = QVBoxLayout(self.rows_box)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rows_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.add_button = QPushButton("+ &Add condition")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip("Another condition (Alt+A)")
        self.add_button.clicked.connect(lambda: self.add_row().field.setFocus())
        self.count = QLabel()
        self.count.setAccessibleName("How many contacts match")
        self.problem = error_label()
        adding = QHBoxLayout()
        adding.addWidget(self.add_button)
        adding.addStretch(1)
        adding.addWidget(self.count)

        self.name = QLineEdit(saved.name if saved else "")
        self.name.setPlaceholderText("e.g. Customers to win back")
        self.name.textChanged.connect(self._update_save)
        form = QFormLayout()
        form.addRow(buddy_label("List &name:", self.name), self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        label = "&Save list" if saved else "&Save as list"
        self.save_button = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addLayout(adding)
        layout.addWidget(self.problem)
        layout.addWidget(muted("Dates like “in the last 90 days” move with the calendar."))
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        width = self.fontMetrics().averageCharWidth()
        self.setMinimumSize(width * 100, self.fontMetrics().height() * 24)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COUNT_DELAY_MS)
        self._timer.timeout.connect(self._recount)
        self.match.currentIndexChanged.connect(self._changed)
        if saved is not None:
            self.match.setCurrentIndex(self.match.findData(saved.query.match))
        for condition in saved.query.conditions if saved else (FIRST_CONDITION,):
            self.add_row(condition)
        self.condition_rows()[0].field.setFocus()
        self._changed()

    # -- rows ----------------------------------------------------------------

    def condition_rows(self) -> list[ConditionRow]:
        """The rows, top to bottom."""
        found = (self.rows.itemAt(i).widget() for i in range(self.rows.count()))
        return [w for w in found if isinstance(w, ConditionRow)]

    def add_row(self, condition: sq.Condition | None = None) -> ConditionRow:
        """Append a condition row (a copy of the last row's field when none is given)."""
        row = ConditionRow(condition)
        row.changed.connect(self._changed)
        row.remove_requested.connect(self._remove)
        previous = self.condition_rows()
        self.rows.insertWidget(self.rows.count() - 1, row)
        chain = [previous[-1].remove] if previous else []
        chain += [*row.focus_chain(), self.add_button]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)
        self._changed()
        return row

    def _remove(self, row: ConditionRow) -> None:
        rows = self.condition_rows()
        index = rows.index(row)
        row.hide()
        self.rows.removeWidget(row)
        row.deleteLater()
        rest = self.condition_rows()
        (rest[min(index, len(rest) - 1)].field if rest else self.add_button).setFocus()
        self._changed()

    def query(self) -> sq.SmartQuery:
        """The query as the rows say; :class:`QueryInvalid` names the first problem."""
        conditions = [row.condition() for row in self.condition_rows()]
        return sq.query(conditions, self.match.currentData())

    # -- the live count ------------------------------------------------------

    def _changed(self) -> None:
        self._generation += 1
        self._timer.start()
        self._update_save()

    def _recount(self) -> None:
        try:
            query = self.query()
        except CrmdeskError as exc:
            self.count.setText("")
            show_error(self.problem, str(exc))
            self._update_save()
            return
        self.problem.hide()
        self._update_save()
        self.count.setText("Counting…")
        generation, smart = self._generation, self._crm.smart_lists
        self._ops.read(
            lambda: smart.count(query),
            lambda n: self._counted(generation, n),
            lambda exc: self._count_failed(generation, exc),
        )

    def _counted(self, generation: int, count: int) -> None:
        if generation == self._generation:
            noun = "contact matches" if count == 1 else "contacts match"
            self.count.setText(f"<b>{fmt.locale().toString(count)}</b> {noun}")

    def _count_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.count.setText("")
            show_error(self.problem, describe(exc))

    def _update_save(self) -> None:
        if not self.saving:
            self.save_button.setEnabled(bool(self.name.text().strip()) and self.problem.isHidden())

    # -- saving ----------------------------------------------------------------

    def _save(self) -> None:
        try:
            query = self.query()
        except CrmdeskError as exc:
            show_error(self.problem, str(exc))
            return
        name, smart, editing = self.name.text(), self._crm.smart_lists, self._editing
        if not self.begin_save():
            return

        def write() -> SavedListView:
            if editing is None:
                return smart.create(name, query)
            smart.edit(editing.id, query)
            return smart.rename(editing.id, name)

        self._ops.write(write, ChangeSet(contact_list=True), self._saved, self._failed)

    def _saved(self, saved: SavedListView) -> None:
        self.end_save()
        self.saved.emit(saved)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))


class ListFollowUpsDialog(FormDialog):
    """ "Call everyone at risk this week": one follow-up per contact on a list."""

    def __init__(
        self, crm: Crm, ops: Ops, saved: SavedListView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._saved_list = crm, ops, saved
        self.setWindowTitle(f"Follow-ups for {saved.name}")
        self.text = QLineEdit()
        self.text.setPlaceholderText("e.g. Call about the spring offer")
        self.due, due_row = due_edit(next_week_morning())
        self.count = muted("Counting…")
        form = QFormLayout()
        form.addRow("For:", QLabel(f"everyone on <b>{fmt.esc(saved.name)}</b>"))
        form.addRow("", self.count)
        form.addRow(buddy_label("&What:", self.text), self.text)
        form.addRow(buddy_label("&Due:", self.due), due_row)
        self.problem = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "&Schedule", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)
        smart = crm.smart_lists
        ops.read(lambda: smart.count(saved.query), self._counted)
        self.made = 0

    def _counted(self, count: int) -> None:
        people = "1 contact" if count == 1 else f"{fmt.locale().toString(count)} contacts"
        self.count.setText(f"{people} will each get a follow-up.")

    def _save(self) -> None:
        text, due = self.text.text(), fmt.from_qdatetime(self.due.dateTime())
        smart, saved = self._crm.smart_lists, self._saved_list
        if not self.begin_save():
            return
        self._ops.write(
            lambda: smart.make_followups(saved.query, text, due, f"list '{saved.name}'"),
            ChangeSet(followups=True),
            self._done,
            self._failed,
        )

    def _done(self, made: int) -> None:
        self.end_save()
        self.made = made
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
