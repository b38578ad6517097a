"""Input fields that explain themselves: a line edit with its error under it,
and add/remove lists of labelled phones, e-mails and addresses."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.emails import normalize_email
from crmdesk.domain.phones import parse_phone
from crmdesk.errors import ValidationError
from crmdesk.services.inputs import AddressInput, EmailInput, PhoneInput
from crmdesk.services.views import AddressView, EmailView, PhoneView
from crmdesk.ui.widgets.common import error_label, set_invalid, show_error

Validator = Callable[[str], str | None]


def phone_validator(region: Callable[[], str]) -> Validator:
    """Checks a phone number with the domain rules (default region from ``region()``)."""

    def check(text: str) -> str | None:
        try:
            parse_phone(text, region())
        except ValidationError as exc:
            return str(exc)
        return None

    return check


def email_validator(text: str) -> str | None:
    """Checks an e-mail address with the domain rules."""
    try:
        normalize_email(text)
    except ValidationError as exc:
        return str(exc)
    return None


class ValidatedField(QWidget):
    """A line edit with a red border and a message under it while invalid.

    Checked when the user leaves the field (not at every keystroke, which would
    shout at a half-typed address) and again as they fix it.
    """

    validity_changed = Signal()

    def __init__(
        self, validator: Validator | None = None, placeholder: str = "", *, required: bool = False
    ) -> None:
        super().__init__()
        self._validator = validator
        self._required = required
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.setFocusProxy(self.edit)
        self._message = ""
        self.edit.editingFinished.connect(self.check)
        self.edit.textEdited.connect(self._recheck)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    @property
    def message(self) -> str:
        """The current error, empty while valid."""
        return self._message

    def check(self) -> bool:
        """Validate now; returns True when the field is fine."""
        text = self.text()
        if not text:
            message = "This field is required." if self._required else ""
        else:
            message = (self._validator(text) or "") if self._validator else ""
        self.set_error(message)
        return not message

    def set_error(self, message: str) -> None:
        """Show ``message`` under the field (empty: valid again)."""
        changed = message != self._message
        self._message = message
        set_invalid(self.edit, bool(message))
        show_error(self.error, message)
        if changed:
            self.validity_changed.emit()

    def _recheck(self) -> None:
        if self._message:
            self.check()


def _label_combo(choices: tuple[str, ...], current: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(choices))
    combo.setCurrentText(current or choices[0])
    combo.setToolTip("Label: pick one or type your own")
    return combo


def _remove_button(what: str) -> QToolButton:
    button = QToolButton()
    button.setText("✕")
    button.setAutoRaise(True)
    button.setToolTip(f"Remove this {what}")
    button.setAccessibleName(f"Remove {what}")
    return button


class _Row(QWidget):
    removed = Signal(QWidget)
    validity_changed = Signal()

    def fields(self) -> list[ValidatedField]:
        return []


class PhoneRow(_Row):
    """Label and number."""

    def __init__(self, region: Callable[[], str], view: PhoneView | None = None) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = _label_combo(
            ("mobile", "work", "home", "fax", "other"), view.label if view else ""
        )
        self.number = ValidatedField(phone_validator(region), "040 123 4567")
        self.number.validity_changed.connect(self.validity_changed)
        if view:
            self.number.setText(view.raw)
        remove = _remove_button("phone")
        remove.clicked.connect(lambda: self.removed.emit(self))
        layout.addWidget(self.label)
        layout.addWidget(self.number, 1)
        layout.addWidget(remove)
        self.setFocusProxy(self.number)

    def fields(self) -> list[ValidatedField]:
        return [self.number]

    def value(self) -> PhoneInput | None:
        text = self.number.text()
        return PhoneInput(text, self.label.currentText().strip()) if text else None


class EmailRow(_Row):
    """Label and address."""

    def __init__(self, view: EmailView | None = None) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = _label_combo(("work", "home", "other"), view.label if view else "")
        self.address = ValidatedField(email_validator, "name@example.com")
        self.address.validity_changed.connect(self.validity_changed)
        if view:
            self.address.setText(view.address)
        remove = _remove_button("e-mail")
        remove.clicked.connect(lambda: self.removed.emit(self))
        layout.addWidget(self.label)
        layout.addWidget(self.address, 1)
        layout.addWidget(remove)
        self.setFocusProxy(self.address)

    def fields(self) -> list[ValidatedField]:
        return [self.address]

    def value(self) -> EmailInput | None:
        text = self.address.text()
        return EmailInput(text, self.label.currentText().strip()) if text else None


class AddressRow(_Row):
    """Label, street, postal code, city, region and country."""

    def __init__(self, view: AddressView | None = None) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.label = _label_combo(
            ("work", "home", "delivery", "billing", "other"), view.label if view else ""
        )
        self.street = QLineEdit(view.street if view else "")
        self.street.setPlaceholderText("Street and number")
        self.postal_code = QLineEdit(view.postal_code if view else "")
        self.postal_code.setPlaceholderText("Postal code")
        self.city = QLineEdit(view.city if view else "")
        self.city.setPlaceholderText("City")
        self.region = QLineEdit(view.region if view else "")
        self.region.setPlaceholderText("State / region")
        self.country = QLineEdit(view.country if view else "")
        self.country.setPlaceholderText("Country")
        remove = _remove_button("address")
        remove.clicked.connect(lambda: self.removed.emit(self))
        grid.addWidget(self.label, 0, 0)
        grid.addWidget(self.street, 0, 1, 1, 3)
        grid.addWidget(remove, 0, 4)
        grid.addWidget(self.postal_code, 1, 1)
        grid.addWidget(self.city, 1, 2, 1, 2)
        grid.addWidget(self.region, 2, 1)
        grid.addWidget(self.country, 2, 2, 1, 2)
        grid.setColumnStretch(2, 1)
        self.setFocusProxy(self.street)

    def value(self) -> AddressInput | None:
        parts = [
            w.text().strip()
            for w in (self.street, self.postal_code, self.city, self.region, self.country)
        ]
        if not any(parts):
            return None
        return AddressInput(*parts, label=self.label.currentText().strip())


class RowList(QWidget):
    """A growing list of rows with an "Add ..." button under it."""

    validity_changed = Signal()

    def __init__(self, make_row: Callable[[], _Row], add_text: str) -> None:
        super().__init__()
        self._make_row = make_row
        self.rows: list[_Row] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setSpacing(4)
        layout.addLayout(self._rows_layout)
        self.add_button = QPushButton(add_text)
        self.add_button.setFlat(True)
        self.add_button.clicked.connect(lambda: self.add().setFocus())
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def add(self, row: _Row | None = None) -> _Row:
        """Append ``row`` (a new empty one by default)."""
        row = row or self._make_row()
        row.removed.connect(self._remove)
        row.validity_changed.connect(self.validity_changed)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        row.show()  # now, so it can take the focus at once
        return row

    def fields(self) -> list[ValidatedField]:
        return [f for row in self.rows for f in row.fields()]

    def _remove(self, row: QWidget) -> None:
        self.rows.remove(row)  # type: ignore[arg-type]
        row.setParent(None)
        row.deleteLater()
        self.validity_changed.emit()
