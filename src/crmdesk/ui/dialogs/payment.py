"""Logging a payment received; it lowers what the contact owes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.money import Money, format_plain, parse_amount
from crmdesk.errors import ValidationError
from crmdesk.services.app import Crm
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import RecordDialog
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.widgets.common import buddy_label, error_label, show_error
from crmdesk.ui.widgets.fields import ValidatedField


class PaymentDialog(RecordDialog):
    """Amount, date and an optional note; "Pay in full" fills in what is owed."""

    def __init__(
        self,
        crm: Crm,
        ops: Ops,
        contact_id: str,
        contact_name: str,
        owed_minor: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._contact_id = crm, ops, contact_id
        self._currency = crm.currency
        self.setWindowTitle(f"Payment from {contact_name}")
        owed = QLabel(
            f"{contact_name} owes <b>{fmt.esc(fmt.money(owed_minor, self._currency))}</b>."
            if owed_minor > 0
            else f"{contact_name} owes nothing at the moment."
        )
        self.amount = ValidatedField(self._check, f"Amount in {self._currency}", required=True)
        self.amount.validity_changed.connect(self._explain)
        self.amount.edit.textChanged.connect(self._explain)
        full = QPushButton("Pay in &full")
        full.setEnabled(owed_minor > 0)
        decimal = fmt.locale().decimalPoint()
        full.clicked.connect(
            lambda: self.amount.setText(format_plain(Money(owed_minor, self._currency), decimal))
        )
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(QLabel(self._currency))
        amount_row.addWidget(full)
        self.when = fmt.now_edit()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional, e.g. cash, card, invoice 1042")
        form = QFormLayout()
        form.addRow(owed)
        form.addRow(buddy_label("&Amount:", self.amount.edit), amount_row)
        form.addRow("&When:", self.when)
        form.addRow("&Note:", self.note)

        self.problem = error_label()
        self.save_button = QPushButton("&Log payment")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.problem, 4)
        buttons.addStretch(1)  # keeps the buttons their natural size while there is no problem
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self._explain()

    def _check(self, text: str) -> str | None:
        try:
            if parse_amount(text, self._currency).minor <= 0:
                return "A payment must be more than zero."
        except ValidationError as exc:
            return str(exc)
        return None

    def _explain(self) -> None:
        reason = self.amount.message or ("" if self.amount.text() else "Type the amount received.")
        show_error(self.problem, "")  # an earlier refusal no longer applies
        self.save_button.setEnabled(not reason)
        self.save_button.setToolTip(reason)

    def _save(self) -> None:
        if not self.amount.check():
            self.amount.setFocus()
            return
        amount, note, contact_id = self.amount.text(), self.note.text(), self._contact_id
        at = fmt.picked_time(self.when)
        activities = self._crm.activities
        if not self.begin_save():
            return
        self._ops.write(
            lambda: activities.payment(contact_id, amount, at=at, text=note),
            ChangeSet.for_contact(contact_id),
            self._saved,
            self._failed,
        )
