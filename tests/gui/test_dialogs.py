"""Dialogs: inline validation, editing, deals, payments, settings, reminders, demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from crmdesk.config.settings import Settings, load_settings
from crmdesk.services.inputs import ContactPatch, EmailInput, LineInput, PhoneInput
from crmdesk.ui.demo_job import DemoJob
from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.deal import DealDialog
from crmdesk.ui.dialogs.payment import PaymentDialog
from crmdesk.ui.dialogs.settings import SettingsDialog
from crmdesk.ui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton


def _gone(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def test_bad_email_and_phone_are_marked_inline(qtbot, crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = ContactDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.last_name, "Nurmi")
    email = dialog.emails.rows[0].address
    qtbot.keyClicks(email.edit, "nurmi@")
    assert email.message == "", "no complaint while still typing"
    email.edit.editingFinished.emit()  # the user tabs out of the field
    assert email.edit.property("invalid") is True
    assert email.error.text() == "'nurmi@' is not a valid e-mail address."
    assert not dialog.save_button.isEnabled()
    assert dialog.problem.text() == email.message

    phone = dialog.phones.rows[0].number
    qtbot.keyClicks(phone.edit, "call me")
    phone.edit.editingFinished.emit()
    assert phone.error.text() == "'call me' is not a phone number."
    assert dialog.problem.text() == "Fix the 2 fields marked in red."

    qtbot.keyClicks(email.edit, "example.com")
    assert email.message == "" and email.edit.property("invalid") is False
    phone.edit.clear()
    qtbot.keyClicks(phone.edit, "040 555 1234")
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: _gone(dialog))
    found = crm.search.search("Nurmi")
    assert [c.email for c in found] == ["nurmi@example.com"]


def test_edit_company_with_terms(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    company = crm.contacts.create(
        "company",
        ContactPatch(
            company_name="Acme Oy",
            phones=[PhoneInput("09 123 456")],
            emails=[EmailInput("info@acme.fi")],
        ),
    )
    window.show_contact(company)
    qtbot.waitUntil(lambda: window.activity.card is not None)
    dialog = window.activity.edit_contact()
    assert isinstance(dialog, ContactDialog)
    assert dialog.company_name.text() == "Acme Oy"
    assert not dialog.first_name.isVisible()
    dialog.terms_days.setValue(14)
    qtbot.keyClicks(dialog.credit_limit.edit, "2000")
    qtbot.keyClicks(dialog.discount.edit, "5")
    dialog.tags.setText("wholesale, vip")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: _gone(dialog))
    qtbot.waitUntil(lambda: window.activity.card.terms is not None)
    card = window.activity.card_view
    assert card.credit.value.text() == "2,000.00 EUR"
    assert card.terms.value.text().replace("\u00a0", " ") == "14 days net · 5 % off"
    assert window.activity.card.tags == ("vip", "wholesale")


def test_payment_lowers_the_balance(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    person = crm.contacts.create("person", ContactPatch(first_name="Eeva", last_name="Laine"))
    crm.activities.purchase(person, [LineInput("Battery", "1", "150")])
    window.show_contact(person)
    qtbot.waitUntil(lambda: window.activity.card is not None)
    assert window.activity.card_view.owed.value.text() == "150.00 EUR"
    dialog = window.activity.new_payment()
    assert isinstance(dialog, PaymentDialog)
    qtbot.keyClicks(dialog.amount.edit, "-5")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.amount.message == "A payment must be more than zero."
    dialog.amount.edit.clear()
    qtbot.keyClicks(dialog.amount.edit, "100")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: window.activity.card_view.owed.value.text() == "50.00 EUR")


def test_deal_and_complaint(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    person = crm.contacts.create("person", ContactPatch(first_name="Jussi", last_name="Koski"))
    complaint = crm.activities.log(person, "complaint", "Wrong tyre size delivered")
    window.show_contact(person)
    qtbot.waitUntil(
        lambda: window.activity.card is not None and window.activity.model.rowCount() == 1
    )
    dialog = window.activity.new_deal()
    assert isinstance(dialog, DealDialog)
    qtbot.keyClicks(dialog.title, "Fleet tyres")
    qtbot.keyClicks(dialog.value.edit, "12000")
    dialog.stage.setCurrentIndex(dialog.stage.findData("proposal"))
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(
        lambda: window.activity.card is not None and len(window.activity.card.open_deals) == 1
    )
    assert "Fleet tyres" in window.activity.card_view.details.toPlainText()

    activity = window.activity.model.activity(0)
    assert activity.id == complaint
    window.activity.set_complaint_status(activity, "resolved", "Swapped for the right size")
    qtbot.waitUntil(
        lambda: (
            window.activity.model.rowCount() == 1
            and window.activity.model.activity(0).status == "resolved"
        )
    )
    assert window.activity.model.activity(0).resolution == "Swapped for the right size"


def test_settings_are_saved(qtbot, window: MainWindow, crm, ops) -> None:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(crm, ops, window.settings, window)
    qtbot.addWidget(dialog)
    dialog.region.setCurrentIndex(dialog.region.findData("SE"))
    dialog.currency.setCurrentText("SEK")
    dialog.endpoint.setChecked(True)
    dialog.port.setValue(0 + 47700)
    dialog.applied.connect(window.apply_settings)
    dialog._save()
    qtbot.waitUntil(lambda: crm.region == "SE")
    assert crm.currency == "SEK"
    assert crm.stored_settings()["region"] == "SE"
    saved = load_settings()
    assert saved.pop_endpoint_enabled and saved.pop_endpoint_port == 47700
    qtbot.waitUntil(lambda: window.pop_endpoint.port == 47700)
    window.pop_endpoint.stop()


def test_overdue_followup_shows_a_reminder(qtbot, app, crm, ops) -> None:  # type: ignore[no-untyped-def]
    person = crm.contacts.create("person", ContactPatch(first_name="Maija", last_name="Heino"))
    crm.followups.add(person, datetime.now(UTC) - timedelta(minutes=5), "Send the offer")
    window = MainWindow(crm, ops, Settings(locale="en_US"), "crm.db")
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.banner.isVisible())
        assert "Send the offer" in window.banner.message.text()
        assert "Send the offer" in window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: window.followups.model.count("overdue") == 1)
    finally:
        window.close()


def test_demo_data_with_progress(qtbot, window: MainWindow, crm, ops) -> None:  # type: ignore[no-untyped-def]
    messages: list[str] = []
    job = DemoJob(window, crm, ops, 120, seed=7)
    job.finished.connect(messages.append)
    qtbot.waitUntil(lambda: bool(messages), timeout=20_000)
    assert messages == ["Added 120 demo contacts."]
    qtbot.waitUntil(lambda: window.contacts.status.text() == f"{crm.queries.count()} contacts")
    qtbot.waitUntil(lambda: window.contacts.model.rowCount() > 0)


def test_followup_double_click_and_reschedule(qtbot, window: MainWindow, crm) -> None:  # type: ignore[no-untyped-def]
    shown = crm.contacts.create("person", ContactPatch(first_name="Aino", last_name="Kivi"))
    other = crm.contacts.create("person", ContactPatch(first_name="Veikko", last_name="Puro"))
    crm.followups.add(other, datetime.now(UTC) + timedelta(days=3), "Bring the brochure")
    window.followups.refresh()
    window.show_contact(shown)
    pane = window.followups
    qtbot.waitUntil(lambda: pane.model.total() == 1 and window.activity.card is not None)
    item = pane._all()[0]
    index = pane.model.index_of(item.id)
    rect = pane.view.visualRect(index)
    qtbot.mouseClick(pane.view.viewport(), LEFT, pos=rect.center())  # QTest's double
    qtbot.mouseDClick(pane.view.viewport(), LEFT, pos=rect.center())  # click lacks the press
    qtbot.waitUntil(lambda: window.activity.card is not None and window.activity.card.id == other)

    dialog = pane.reschedule(item)
    new_due = (datetime.now(UTC) + timedelta(days=10)).replace(second=0, microsecond=0)
    from crmdesk.ui import fmt

    dialog.edit.setDateTime(fmt.to_qdatetime(new_due))
    dialog.accept()
    qtbot.waitUntil(lambda: pane.model.total() == 1 and pane._all()[0].due_at == new_due)


def test_demo_data_can_be_cancelled(qtbot, window: MainWindow, crm, ops) -> None:  # type: ignore[no-untyped-def]
    messages: list[str] = []
    job = DemoJob(window, crm, ops, 10_001, seed=5)
    job.finished.connect(messages.append)
    cancel = job.dialog.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    cancel.click()  # the batch under way still finishes; no further one starts
    qtbot.waitUntil(lambda: bool(messages), timeout=30_000)
    assert messages[0].endswith("(stopped early).")
    assert crm.queries.count() < 10_001
