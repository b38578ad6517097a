"""Opening a deal, or moving one to another stage (won and lost ask why)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.money import parse_amount
from crmdesk.domain.stages import DealStage
from crmdesk.errors import ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.views import DealView
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import buddy_label, error_label, show_error
from crmdesk.ui.widgets.fields import ValidatedField


class DealDialog(FormDialog):
    """New deal for a contact (``deal=None``) or a stage change of ``deal``."""

    saved = Signal()

    def __init__(
        self,
        crm: Crm,
        ops: Ops,
        contact_id: str,
        contact_name: str,
        deal: DealView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._contact_id, self._deal = crm, ops, contact_id, deal
        currency = deal.currency if deal else crm.currency
        self._currency = currency
        self.setWindowTitle(f"Deal: {deal.title}" if deal else f"New deal with {contact_name}")
        self.title = QLineEdit(deal.title if deal else "")
        self.title.setPlaceholderText("e.g. Winter tyres for the delivery vans")
        self.value = ValidatedField(self._check_value, "0")
        value_row = QHBoxLayout()
        value_row.addWidget(self.value, 1)
        value_row.addWidget(QLabel(currency))
        self.stage = QComboBox()
        for stage in DealStage:
            self.stage.addItem(stage.label, stage.value)
        self.stage.currentIndexChanged.connect(self._stage_changed)
        self.has_close = QCheckBox("Expected to close by")
        self.close_date = QDateEdit(QDate.currentDate().addMonths(1))
        self.close_date.setCalendarPopup(True)
        self.has_close.toggled.connect(self.close_date.setEnabled)
        self.close_date.setEnabled(False)
        close_row = QHBoxLayout()
        close_row.addWidget(self.has_close)
        close_row.addWidget(self.close_date, 1)
        self.reason = QLineEdit(deal.reason if deal else "")
        self.reason.setPlaceholderText("Why was it won or lost? (helps next time)")

        form = QFormLayout()
        self.form = form
        form.addRow("For:", QLabel(f"<b>{fmt.esc(contact_name)}</b>"))
        form.addRow("&Title:", self.title)
        form.addRow(buddy_label("&Value:", self.value.edit), value_row)
        form.addRow("&Stage:", self.stage)
        form.addRow("Close:", close_row)
        form.addRow("&Reason:", self.reason)
        if deal:
            self.title.setReadOnly(True)
            self.value.setText(fmt.money(deal.value_minor, currency).rsplit(" ", 1)[0])
            self.value.edit.setReadOnly(True)
            self.stage.setCurrentIndex(max(0, self.stage.findData(deal.stage)))
            form.setRowVisible(close_row, False)
        self.problem = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(
            "&Move deal" if deal else "&Open deal", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 65)
        self._stage_changed()

    def _check_value(self, text: str) -> str | None:
        try:
            if parse_amount(text, self._currency).minor < 0:
                return "A deal value cannot be negative."
        except ValidationError as exc:
            return str(exc)
        return None

    def _stage_changed(self) -> None:
        closed = DealStage(self.stage.currentData()).is_closed
        self.form.setRowVisible(self.reason, closed)

    def _save(self) -> None:
        deals, stage, reason = self._crm.deals, self.stage.currentData(), self.reason.text()
        changes = ChangeSet.for_contact(self._contact_id)
        if self._deal is not None:
            deal_id = self._deal.id

            def work() -> None:
                deals.move(deal_id, stage, reason)
        else:
            if not self.value.check():
                return
            title, value, contact_id = self.title.text(), self.value.text() or "0", self._contact_id
            close = self.close_date.date().toPython() if self.has_close.isChecked() else None

            def work() -> None:
                new_id = deals.create(contact_id, title, value, stage=stage, expected_close=close)
                if reason.strip() and DealStage(stage).is_closed:
                    deals.move(new_id, stage, reason)

        if not self.begin_save():
            return
        self._ops.write(work, changes, lambda _result: self._saved(), self._failed)

    def _saved(self) -> None:
        self.end_save()
        self.saved.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
