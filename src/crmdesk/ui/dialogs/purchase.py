"""Logging a purchase: line items with quantity and unit price, and a running total."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.money import Money, multiply, parse_amount
from crmdesk.errors import ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.inputs import LineInput
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import RecordDialog
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.widgets.common import error_label, muted, set_invalid, show_error, title_label


class LineRow:
    """The widgets of one order line, placed in the dialog's grid."""

    def __init__(self) -> None:
        self.item = QLineEdit()
        self.item.setPlaceholderText("Item or service")
        self.quantity = QLineEdit("1")
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.price = QLineEdit()
        self.price.setPlaceholderText("0.00")
        self.price.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.total = QLabel()
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove.setToolTip("Remove this line")

    def widgets(self) -> list[QWidget]:
        return [self.item, self.quantity, self.price, self.total, self.remove]

    def is_blank(self) -> bool:
        return not self.item.text().strip() and not self.price.text().strip()

    def evaluate(self, currency: str) -> tuple[Money | None, str]:
        """The line total, or the reason it cannot be computed."""
        set_invalid(self.quantity, False)
        set_invalid(self.price, False)
        if self.is_blank():
            return None, ""
        try:
            quantity = Decimal(self.quantity.text().strip().replace(",", "."))
            if not quantity.is_finite() or quantity <= 0:
                raise InvalidOperation
        except InvalidOperation:
            set_invalid(self.quantity, True)
            return None, f"'{self.quantity.text()}' is not a quantity above zero."
        if not self.price.text().strip():
            return None, ""
        try:
            unit = parse_amount(self.price.text(), currency)
        except ValidationError as exc:
            set_invalid(self.price, True)
            return None, str(exc)
        if unit.minor < 0:
            set_invalid(self.price, True)
            return None, "A unit price cannot be negative."
        return multiply(unit, quantity), ""

    def value(self) -> LineInput:
        return LineInput(
            self.item.text().strip(), self.quantity.text().strip(), self.price.text().strip()
        )


class PurchaseDialog(RecordDialog):
    """Records what a contact bought; the balance on the card follows."""

    def __init__(
        self, crm: Crm, ops: Ops, contact_id: str, contact_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._contact_id = crm, ops, contact_id
        self._currency = crm.currency
        self.setWindowTitle(f"Purchase by {contact_name}")
        self.rows: list[LineRow] = []

        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 4)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 2)
        self.grid.setColumnStretch(3, 2)
        for col, text in enumerate(("Item", "Qty", f"Unit price ({self._currency})", "Line total")):
            self.grid.addWidget(muted(text), 0, col)
        add = QPushButton("+ Add &line")
        add.setFlat(True)
        add.setAutoDefault(False)
        add.clicked.connect(lambda: self.add_line().item.setFocus())

        self.total = title_label("", 1.2)
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.when = fmt.now_edit()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional note, e.g. order number")
        form = QFormLayout()
        form.addRow("&When:", self.when)
        form.addRow("&Note:", self.note)

        self.problem = error_label()
        # No default button: Enter moves along a line and adds the next one
        # (see add_line), so a half-typed purchase is never saved by accident.
        self.save_button = QPushButton("&Log purchase")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self._save)
        cancel = QPushButton("Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.problem, 4)
        buttons.addStretch(1)  # keeps the buttons their natural size while there is no problem
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        totals = QHBoxLayout()
        totals.addWidget(add)
        totals.addStretch(1)
        totals.addWidget(QLabel("Total:"))
        totals.addWidget(self.total)
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addLayout(totals)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.sizeHint().height())
        self.add_line()
        self._recalculate()

    def add_line(self) -> LineRow:
        """A new empty line at the bottom."""
        row = LineRow()
        r = len(self.rows) + 1
        for col, widget in enumerate(row.widgets()):
            self.grid.addWidget(widget, r, col)
            widget.show()  # now, not at the next event loop turn: it may take the focus at once
        for edit in (row.item, row.quantity, row.price):
            edit.textChanged.connect(self._recalculate)
        row.item.returnPressed.connect(row.quantity.setFocus)
        row.quantity.returnPressed.connect(row.price.setFocus)
        row.price.returnPressed.connect(self._enter_on_price)
        row.remove.clicked.connect(lambda: self._remove(row))
        self.rows.append(row)
        return row

    def _enter_on_price(self) -> None:
        """Enter on a price adds a line (or goes to the next one)."""
        focused = next((r for r in self.rows if r.price.hasFocus()), self.rows[-1])
        position = self.rows.index(focused)
        if position + 1 < len(self.rows):
            self.rows[position + 1].item.setFocus()
        elif not focused.is_blank():
            self.add_line().item.setFocus()

    def _remove(self, row: LineRow) -> None:
        if len(self.rows) == 1:
            for edit in (row.item, row.price):
                edit.clear()
            return
        self.rows.remove(row)
        for widget in row.widgets():
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self._recalculate()

    def _recalculate(self) -> str:
        total = Money.zero(self._currency)
        problem = ""
        for row in self.rows:
            line_total, message = row.evaluate(self._currency)
            row.total.setText(fmt.money(line_total.minor, self._currency) if line_total else "")
            problem = problem or message
            if line_total is not None:
                total = total + line_total
        self.total.setText(fmt.money(total.minor, self._currency))
        filled = [r for r in self.rows if not r.is_blank()]
        if not problem and not filled:
            problem = "Add at least one item with its price."
        elif not problem and any(
            not r.item.text().strip() or not r.price.text().strip() for r in filled
        ):
            problem = "Every line needs an item name and a unit price."
        show_error(self.problem, problem)
        self.save_button.setEnabled(not problem)
        self.save_button.setToolTip(problem)
        return problem

    def _save(self) -> None:
        if self._recalculate():
            return
        lines = [r.value() for r in self.rows if not r.is_blank()]
        at = fmt.picked_time(self.when)
        note, contact_id, activities = self.note.text(), self._contact_id, self._crm.activities
        if not self.begin_save():
            return
        self._ops.write(
            lambda: activities.purchase(contact_id, lines, at=at, text=note),
            ChangeSet.for_contact(contact_id, listed=True),
            self._saved,
            self._failed,
        )
