"""Scheduling a follow-up, and picking a new time for one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.stages import Priority, Recurrence
from crmdesk.services.app import Crm
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import RecordDialog
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.widgets.common import buddy_label, error_label

MORNING = QTime(9, 0)


def tomorrow_morning() -> datetime:
    """09:00 tomorrow, local time, as UTC."""
    dt = QDateTime.currentDateTime().addDays(1)
    dt.setTime(MORNING)
    return fmt.from_qdatetime(dt)


def next_week_morning() -> datetime:
    """09:00 a week from today, local time, as UTC."""
    dt = QDateTime.currentDateTime().addDays(7)
    dt.setTime(MORNING)
    return fmt.from_qdatetime(dt)


def in_one_hour() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)


def due_edit(initial: datetime) -> tuple[QDateTimeEdit, QHBoxLayout]:
    """A due-time field with In 1 hour / Tomorrow / Next week buttons beside it."""
    edit = fmt.datetime_edit(fmt.to_qdatetime(initial))
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    for label, pick in (
        ("In 1 hour", in_one_hour),
        ("Tomorrow", tomorrow_morning),
        ("Next week", next_week_morning),
    ):
        button = QPushButton(label)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False, p=pick: edit.setDateTime(fmt.to_qdatetime(p())))
        row.addWidget(button)
    return edit, row


class FollowUpDialog(RecordDialog):
    """What to do next for a contact, and when."""

    def __init__(
        self, crm: Crm, ops: Ops, contact_id: str, contact_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._contact_id = crm, ops, contact_id
        self.setWindowTitle(f"Follow-up with {contact_name}")
        self.text = QLineEdit()
        self.text.setPlaceholderText("e.g. Call back about the winter tyres")
        self.due, due_row = due_edit(tomorrow_morning())
        self.priority = QComboBox()
        for p in Priority:
            self.priority.addItem(p.label, p.value)
        self.priority.setCurrentIndex(self.priority.findData(Priority.NORMAL.value))
        self.repeat = QComboBox()
        for r in Recurrence:
            self.repeat.addItem(r.label, r.value)
        form = QFormLayout()
        form.addRow("For:", QLabel(f"<b>{fmt.esc(contact_name)}</b>"))
        form.addRow("&What:", self.text)
        form.addRow(buddy_label("&Due:", self.due), due_row)
        form.addRow("&Priority:", self.priority)
        form.addRow("&Repeats:", self.repeat)
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
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 75)
        self.text.setFocus()

    def _save(self) -> None:
        due = fmt.from_qdatetime(self.due.dateTime())
        text, contact_id = self.text.text(), self._contact_id
        priority, repeat = self.priority.currentData(), self.repeat.currentData()
        followups = self._crm.followups
        if not self.begin_save():
            return
        self._ops.write(
            lambda: followups.add(contact_id, due, text, priority, repeat),
            ChangeSet(frozenset({contact_id}), followups=True),
            self._saved,
            self._failed,
        )


class RescheduleDialog(QDialog):
    """Picks a new due time; :meth:`due` after ``exec()``."""

    def __init__(self, current: datetime, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reschedule follow-up")
        self.edit, row = due_edit(max(current, in_one_hour()))
        form = QFormLayout()
        form.addRow(QLabel(fmt.esc(what)))
        form.addRow(buddy_label("&New time:", self.edit), row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def due(self) -> datetime:
        return fmt.from_qdatetime(self.edit.dateTime())
