"""Adding or editing a person or a company.

Fields are checked with the domain rules when the user leaves them; a bad
phone or e-mail gets a red border and a sentence under it, and the Save
button says what is still wrong instead of popping up message boxes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.money import KNOWN, parse_amount
from crmdesk.domain.stages import Stage
from crmdesk.errors import ValidationError
from crmdesk.services.app import Crm
from crmdesk.services.custom_fields import CustomFieldView
from crmdesk.services.inputs import ContactPatch, PhoneInput, TermsInput
from crmdesk.services.views import ContactCard, PhoneView
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, show_error
from crmdesk.ui.widgets.company_field import CompanyLineEdit
from crmdesk.ui.widgets.fields import AddressRow, EmailRow, PhoneRow, RowList, ValidatedField

SOURCES = (
    "",
    "Walk-in",
    "Phone call",
    "Referral",
    "Website",
    "Trade fair",
    "Advertisement",
    "Other",
)

CUSTOM_HINTS = {"number": "a number, e.g. 42", "date": "YYYY-MM-DD", "yesno": "yes or no"}


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class ContactDialog(FormDialog):
    """Create (``card=None``) or edit a contact; emits :attr:`saved` with its id."""

    saved = Signal(str)

    def __init__(
        self,
        crm: Crm,
        ops: Ops,
        kind: str = "person",
        card: ContactCard | None = None,
        phone: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._crm, self._ops, self._card = crm, ops, card
        self._custom: dict[str, QLineEdit] = {}
        kind = card.kind if card else kind
        self.setWindowTitle(f"Edit {card.display_name}" if card else "New contact")

        self.tabs = QTabWidget()
        self.tabs.addTab(_scroll(self._general_tab()), "&General")
        self.tabs.addTab(_scroll(self._more_tab()), "&Address && notes")
        self.tabs.addTab(_scroll(self._terms_tab()), "&Terms && custom fields")

        self.problem = error_label()
        self.save_button = QPushButton("&Save")
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
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)

        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 100, self.fontMetrics().height() * 36)
        self._set_kind(kind)
        if card:
            self._fill(card)
        else:
            self.phones.add(
                PhoneRow(
                    lambda: crm.region, PhoneView("mobile", phone, None, phone) if phone else None
                )
            )
            self.emails.add()
        for rows in (self.phones, self.emails):
            rows.validity_changed.connect(self._explain)
        ops.read(crm.custom_fields.list, self._custom_fields_arrived)
        self._explain()

    # -- tabs ------------------------------------------------------------

    def _general_tab(self) -> QWidget:
        page = QWidget()
        self.general = form = QFormLayout(page)
        self.person_radio = QRadioButton("&Person")
        self.company_radio = QRadioButton("Co&mpany")
        self.person_radio.toggled.connect(lambda on: self._set_kind("person" if on else "company"))
        self._kinds = kinds = QHBoxLayout()
        kinds.addWidget(self.person_radio)
        kinds.addWidget(self.company_radio)
        kinds.addStretch(1)
        form.addRow("Kind:", kinds)
        self.first_name = QLineEdit()
        self.last_name = QLineEdit()
        self.company_name = ValidatedField(None, "Acme Oy", required=True)
        self.title = QLineEdit()
        self.title.setPlaceholderText("e.g. Purchasing manager")
        self.company = CompanyLineEdit(
            self._ops, lambda prefix: self._crm.queries.companies(prefix, 20)
        )
        self.company.setPlaceholderText("Type to pick a company, or a new name to add it")
        self.website = QLineEdit()
        form.addRow("&First name:", self.first_name)
        form.addRow("&Last name:", self.last_name)
        form.addRow("Company &name:", self.company_name)
        form.addRow("T&itle:", self.title)
        form.addRow("C&ompany:", self.company)
        form.addRow("&Website:", self.website)
        self.phones = RowList(lambda: PhoneRow(lambda: self._crm.region), "+ Add phone")
        self.emails = RowList(EmailRow, "+ Add e-mail")
        form.addRow("Phones:", self.phones)
        form.addRow("E-mails:", self.emails)
        self.stage = QComboBox()
        for stage in Stage:
            self.stage.addItem(stage.label, stage.value)
        form.addRow("&Stage:", self.stage)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("Comma-separated, e.g. vip, newsletter")
        form.addRow("T&ags:", self.tags)
        self.first_name.textChanged.connect(self._explain)
        self.last_name.textChanged.connect(self._explain)
        self.company_name.edit.textChanged.connect(self._explain)
        return page

    def _more_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.addresses = RowList(AddressRow, "+ Add address")
        form.addRow("Addresses:", self.addresses)
        self.source = QComboBox()
        self.source.setEditable(True)
        self.source.addItems(list(SOURCES))
        self.source.setToolTip("How you met them")
        form.addRow("S&ource:", self.source)
        self.consent = QCheckBox("May receive &marketing (newsletters, offers)")
        form.addRow("Consent:", self.consent)
        self.consent_source = QLineEdit()
        self.consent_source.setPlaceholderText("e.g. signed form at the shop, web sign-up")
        self.consent_source.setToolTip("Where the consent was given or withdrawn")
        form.addRow("Consent given &by:", self.consent_source)
        self.consent_when = QLabel("Not recorded yet")
        form.addRow("Consent changed:", self.consent_when)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        form.addRow("&Notes:", self.notes)
        return page

    def _terms_tab(self) -> QWidget:
        page = QWidget()
        self.terms_form = form = QFormLayout(page)
        self.terms_days = QSpinBox()
        self.terms_days.setRange(-1, 365)
        self.terms_days.setSpecialValueText("Not set")
        self.terms_days.setSuffix(" days")
        self.terms_days.setValue(-1)
        form.addRow("&Payment terms:", self.terms_days)
        self.currency = QComboBox()
        self.currency.addItems(sorted(KNOWN))
        self.currency.setCurrentText(self._crm.currency)
        form.addRow("&Currency:", self.currency)
        self.credit_limit = ValidatedField(self._check_amount, "e.g. 2000")
        form.addRow("Credit &limit:", self.credit_limit)
        self.discount = ValidatedField(self._check_percent, "e.g. 5")
        form.addRow("&Discount %:", self.discount)
        self.price_list = QLineEdit()
        form.addRow("P&rice list:", self.price_list)
        for field in (self.credit_limit, self.discount):
            field.validity_changed.connect(self._explain)
        return page

    def _check_amount(self, text: str) -> str | None:
        try:
            if parse_amount(text, self.currency.currentText()).minor < 0:
                return "A credit limit cannot be negative."
        except ValidationError as exc:
            return str(exc)
        return None

    def _check_percent(self, text: str) -> str | None:
        try:
            value = float(text.strip().rstrip("%").replace(",", "."))
        except ValueError:
            return f"'{text}' is not a percentage."
        return None if 0 <= value <= 100 else "A discount must be between 0 and 100 %."

    def _custom_fields_arrived(self, fields: list[CustomFieldView]) -> None:
        values = dict(self._card.custom) if self._card else {}
        for field in fields:
            edit = QLineEdit(values.get(field.label, ""))
            edit.setPlaceholderText(CUSTOM_HINTS.get(field.field_type, ""))
            self._custom[field.key] = edit
            self.terms_form.addRow(f"{field.label}:", edit)

    # -- filling and reading ---------------------------------------------

    def _set_kind(self, kind: str) -> None:
        person = kind == "person"
        self.person_radio.setChecked(person)
        self.company_radio.setChecked(not person)
        self.general.setRowVisible(self._kinds, self._card is None)
        for widget, for_person in (
            (self.first_name, True),
            (self.last_name, True),
            (self.title, True),
            (self.company, True),
            (self.company_name, False),
            (self.website, False),
        ):
            self.general.setRowVisible(widget, for_person == person)
        if self._card is None:
            self.setWindowTitle("New person" if person else "New company")
        self._explain()

    def kind(self) -> str:
        return "person" if self.person_radio.isChecked() else "company"

    def _fill(self, card: ContactCard) -> None:
        self.first_name.setText(card.first_name)
        self.last_name.setText(card.last_name)
        self.company_name.setText(card.display_name if card.is_company else "")
        self.title.setText(card.title)
        self.company.setText(card.company_name)
        self.website.setText(card.website)
        for phone in card.phones:
            self.phones.add(PhoneRow(lambda: self._crm.region, phone))
        for email in card.emails:
            self.emails.add(EmailRow(email))
        for address in card.addresses:
            self.addresses.add(AddressRow(address))
        self.stage.setCurrentIndex(max(0, self.stage.findData(card.stage)))
        self.tags.setText(", ".join(card.tags))
        self.source.setCurrentText(card.source)
        self.consent.setChecked(card.consent_marketing)
        self.consent_source.setText(card.consent_source)
        if card.consent_marketing_at is not None:
            self.consent_when.setText(fmt.when(card.consent_marketing_at))
        self.notes.setPlainText(card.notes)
        terms = card.terms if card.terms and card.terms.holder_id == card.id else None
        if terms:
            self.terms_days.setValue(
                terms.payment_terms_days if terms.payment_terms_days is not None else -1
            )
            self.currency.setCurrentText(terms.currency)
            if terms.credit_limit_minor is not None:
                self.credit_limit.setText(
                    fmt.money(terms.credit_limit_minor, terms.currency).rsplit(" ", 1)[0]
                )
            self.discount.setText(f"{terms.discount_bp / 100:g}" if terms.discount_bp else "")
            self.price_list.setText(terms.price_list)
        for edit in self.findChildren(QLineEdit):
            edit.setCursorPosition(0)  # show the start of long addresses, not the end

    def patch(self) -> ContactPatch:
        """What the form says, as a change for the services."""
        person = self.kind() == "person"
        phones = [v for r in self.phones.rows if (v := r.value()) is not None]  # type: ignore[attr-defined]
        emails = [v for r in self.emails.rows if (v := r.value()) is not None]  # type: ignore[attr-defined]
        addresses = [v for r in self.addresses.rows if (v := r.value()) is not None]  # type: ignore[attr-defined]
        terms = None
        if (
            self.terms_days.value() >= 0
            or self.credit_limit.text()
            or self.discount.text()
            or self.price_list.text()
            or (self._card and self._card.terms and self._card.terms.holder_id == self._card.id)
        ):
            terms = TermsInput(
                payment_terms_days=self.terms_days.value()
                if self.terms_days.value() >= 0
                else None,
                credit_limit=self.credit_limit.text().replace("\u00a0", "").replace(" ", ""),
                currency=self.currency.currentText(),
                discount_percent=self.discount.text() or "0",
                price_list=self.price_list.text(),
            )
        return ContactPatch(
            first_name=self.first_name.text() if person else None,
            last_name=self.last_name.text() if person else None,
            company_name=None if person else self.company_name.text(),
            company=self.company.text().strip() if person else None,
            title=self.title.text() if person else None,
            website=None if person else self.website.text(),
            stage=self.stage.currentData(),
            source=self.source.currentText(),
            notes=self.notes.toPlainText(),
            consent_marketing=self.consent.isChecked(),
            consent_source=self.consent_source.text(),
            phones=[PhoneInput(p.raw, p.label) for p in phones],
            emails=emails,
            addresses=addresses,
            tags=[t.strip() for t in self.tags.text().split(",") if t.strip()],
            custom={key: edit.text() for key, edit in self._custom.items()},
            terms=terms,
        )

    # -- validation and saving -------------------------------------------

    def _fields(self) -> list[tuple[int, ValidatedField]]:
        return [
            *((0, f) for f in self.phones.fields() + self.emails.fields()),
            *((2, f) for f in (self.credit_limit, self.discount)),
        ]

    def _explain(self) -> None:
        """Enable Save, or say in one line why it is not possible yet."""
        person = self.kind() == "person"
        bad = [f for _, f in self._fields() if f.message]
        if bad:
            reason = (
                bad[0].message if len(bad) == 1 else f"Fix the {len(bad)} fields marked in red."
            )
        elif person and not (self.first_name.text().strip() or self.last_name.text().strip()):
            reason = "Type a first or last name to save."
        elif not person and not self.company_name.text():
            reason = "Type the company's name to save."
        else:
            reason = ""
        show_error(self.problem, reason)
        self.save_button.setEnabled(not reason)
        self.save_button.setToolTip(reason)

    def _save(self) -> None:
        checks = [(tab, f, f.check()) for tab, f in self._fields()]
        bad = [(tab, f) for tab, f, ok in checks if not ok]
        self._explain()
        if bad:
            self.tabs.setCurrentIndex(bad[0][0])
            bad[0][1].setFocus()
            return
        patch, kind, card = self.patch(), self.kind(), self._card
        contacts = self._crm.contacts
        if not self.begin_save():
            return
        if card is None:
            self._ops.write(
                lambda: contacts.create(kind, patch),
                lambda new_id: ChangeSet(frozenset({new_id}), contact_list=True),
                self._saved,
                self._failed,
            )
        else:
            self._ops.write(
                lambda: contacts.update(card.id, patch),
                ChangeSet.for_contact(card.id, listed=True, followups=True),
                lambda _none: self._saved(card.id),
                self._failed,
            )

    def _saved(self, contact_id: str) -> None:
        self.end_save()
        self.saved.emit(contact_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
        field = getattr(exc, "field", None)
        targets = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company_name": self.company_name,
        }
        if field in targets:
            self.tabs.setCurrentIndex(0)
            targets[field].setFocus(Qt.FocusReason.OtherFocusReason)
