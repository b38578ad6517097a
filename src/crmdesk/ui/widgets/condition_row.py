"""One condition of the query builder: field, operator and a value editor that fits."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from crmdesk.domain import smart_query as sq
from crmdesk.domain.stages import DealStage, Stage

# Pages of the value editor.
NONE, TEXT, CHOICE, SPAN, DATE, DATES, TEXTS = range(7)
CHOICES = {
    sq.STAGE: [(s.label, s.value) for s in Stage],
    sq.DEAL_STAGE: [(s.value.capitalize(), s.value) for s in DealStage],
    sq.YESNO: [("Yes", "yes"), ("No", "no")],
}
OP_LABELS = {sq.AGO: "more than … ago", sq.GT: "more than", sq.LT: "less than"}
PLACEHOLDERS = {sq.ONE_OF: "several, separated by commas", sq.CONTAINS: "part of the text"}


def _page(kind: str, op: str) -> int:
    if op in (sq.EMPTY, sq.NOT_EMPTY):
        return NONE
    if op in (sq.IN_LAST, sq.AGO):
        return SPAN
    if op == sq.BETWEEN:
        return DATES if kind == sq.DATE else TEXTS
    if kind == sq.DATE:
        return DATE
    if kind in CHOICES and op != sq.ONE_OF:
        return CHOICE
    return TEXT


def _date_edit() -> QDateEdit:
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


class ConditionRow(QWidget):
    """Field, operator, value; ``changed`` on every edit, ``remove_requested`` from ✕."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, condition: sq.Condition | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = QComboBox()
        self.field.setAccessibleName("Field")
        group = ""
        for spec in sq.FIELDS.values():
            if spec.group != group and group:
                self.field.insertSeparator(self.field.count())
            group = spec.group
            self.field.addItem(spec.name, spec.name)
            self.field.setItemData(self.field.count() - 1, spec.help, 3)  # tooltip role
        self.op = QComboBox()
        self.op.setAccessibleName("Operator")
        self.text, self.low, self.high = QLineEdit(), QLineEdit(), QLineEdit()
        for edit, name in ((self.text, "Value"), (self.low, "From"), (self.high, "To")):
            edit.setAccessibleName(name)
        self.choice = QComboBox()
        self.choice.setAccessibleName("Value")
        self.amount = QSpinBox()
        self.amount.setRange(1, sq.MAX_AMOUNT)
        self.amount.setValue(30)
        self.amount.setAccessibleName("How many")
        self.unit = QComboBox()
        for unit in sq.UNITS:
            self.unit.addItem(unit, unit)
        self.date, self.date_from, self.date_to = _date_edit(), _date_edit(), _date_edit()
        self.date_from.setDate(QDate.currentDate().addMonths(-1))
        self.stack = QStackedWidget()
        pages: list[list[QWidget]] = [
            [],
            [self.text],
            [self.choice],
            [self.amount, self.unit],
            [self.date],
            [self.date_from, QLabel("and"), self.date_to],
            [self.low, QLabel("and"), self.high],
        ]
        for widgets in pages:
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for widget in widgets:
                row.addWidget(widget, 0 if isinstance(widget, QLabel) else 1)
            self.stack.addWidget(page)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this condition")
        self.remove.setAccessibleName("Remove condition")
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 3)
        layout.addWidget(self.op, 2)
        layout.addWidget(self.stack, 4)
        layout.addWidget(self.remove)

        self.field.currentIndexChanged.connect(self._field_changed)
        self.op.currentIndexChanged.connect(self._op_changed)
        for edit in (self.text, self.low, self.high):
            edit.textChanged.connect(self.changed)
        for combo in (self.choice, self.unit):
            combo.currentIndexChanged.connect(self.changed)
        self.amount.valueChanged.connect(self.changed)
        for date_edit in (self.date, self.date_from, self.date_to):
            date_edit.dateChanged.connect(self.changed)
        self._field_changed()
        if condition is not None:
            self.set_condition(condition)

    def focus_chain(self) -> list[QWidget]:
        """The row's widgets in Tab order (hidden value editors are skipped by Qt)."""
        editors = [self.text, self.choice, self.amount, self.unit, self.date]
        editors += [self.date_from, self.date_to, self.low, self.high]
        return [self.field, self.op, *editors, self.remove]

    def spec(self) -> sq.Field:
        return sq.FIELDS[self.field.currentData()]

    def condition(self) -> sq.Condition:
        """The condition as typed; :class:`QueryInvalid` names what is wrong."""
        spec, op = self.spec(), self.op.currentData()
        page = self.stack.currentIndex()
        value: sq.Value = None
        if page == TEXT:
            text = self.text.text()
            value = tuple(text.split(",")) if op == sq.ONE_OF else text
            if op == sq.ONE_OF:
                value = tuple(v.strip() for v in value if v.strip())
        elif page == CHOICE:
            value = self.choice.currentData()
        elif page == SPAN:
            value = sq.Relative(self.amount.value(), self.unit.currentData())
        elif page == DATE:
            value = self.date.date().toString("yyyy-MM-dd")
        elif page == DATES:
            value = tuple(d.date().toString("yyyy-MM-dd") for d in (self.date_from, self.date_to))
        elif page == TEXTS:
            value = (self.low.text(), self.high.text())
        return sq.condition(spec.name, op, value)

    def set_condition(self, c: sq.Condition) -> None:
        """Show a saved condition."""
        self.field.setCurrentIndex(self.field.findData(c.field))
        self.op.setCurrentIndex(self.op.findData(c.op))
        value = c.value
        if isinstance(value, sq.Relative):
            self.amount.setValue(value.amount)
            self.unit.setCurrentIndex(self.unit.findData(value.unit))
        elif isinstance(value, tuple):
            page = self.stack.currentIndex()
            if page == DATES:
                self.date_from.setDate(QDate.fromString(value[0], "yyyy-MM-dd"))
                self.date_to.setDate(QDate.fromString(value[1], "yyyy-MM-dd"))
            elif page == TEXTS:
                self.low.setText(value[0])
                self.high.setText(value[1])
            else:
                self.text.setText(", ".join(value))
        elif isinstance(value, str):
            if self.stack.currentIndex() == CHOICE:
                self.choice.setCurrentIndex(self.choice.findData(value))
            elif self.stack.currentIndex() == DATE:
                self.date.setDate(QDate.fromString(value, "yyyy-MM-dd"))
            else:
                self.text.setText(value)

    def _field_changed(self) -> None:
        spec = self.spec()
        self.field.setToolTip(spec.help)
        current = self.op.currentData()
        self.op.blockSignals(True)
        self.op.clear()
        for op in spec.ops:
            self.op.addItem(OP_LABELS.get(op, op), op)
        self.op.setCurrentIndex(max(0, self.op.findData(current)))
        self.op.blockSignals(False)
        self.choice.blockSignals(True)
        self.choice.clear()
        for label, value in CHOICES.get(spec.kind, []):
            self.choice.addItem(label, value)
        self.choice.blockSignals(False)
        self._op_changed()

    def _op_changed(self) -> None:
        op = self.op.currentData()
        self.stack.setCurrentIndex(_page(self.spec().kind, op))
        hint = PLACEHOLDERS.get(op, "e.g. 250" if self.spec().kind == sq.MONEY else "")
        self.text.setPlaceholderText(hint)
        self.changed.emit()
