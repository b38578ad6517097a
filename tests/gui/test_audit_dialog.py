"""Tools ▸ Audit trail…: filters, lazy pages, before/after, the chain check."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDate, Qt
from sqlalchemy import text

from crmdesk.domain.clock import utcnow
from crmdesk.services.app import Crm
from crmdesk.services.audit_trail import AuditFilter
from crmdesk.services.inputs import ContactPatch
from crmdesk.ui.dialogs.audit_trail import ANY_DAY, AuditTrailDialog
from crmdesk.ui.models import audit_log
from crmdesk.ui.models.audit_log import AuditLogModel

LEFT = Qt.MouseButton.LeftButton
WAIT_MS = 20_000  # generous: the test machine is shared and often busy


def fill(crm: Crm) -> str:
    matti = crm.contacts.create("person", ContactPatch(first_name="Matti", last_name="Aho"))
    crm.contacts.update(matti, ContactPatch(first_name="Mikko"))
    crm.contacts.create("person", ContactPatch(first_name="Liisa", last_name="Laine"))
    crm.activities.log(matti, "call", "asked about tyres")
    return matti


def open_dialog(qtbot, crm: Crm, ops) -> AuditTrailDialog:  # type: ignore[no-untyped-def]
    dialog = AuditTrailDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: ops.pending == 0 and dialog.model.rowCount() > 0, timeout=WAIT_MS)
    return dialog


def cell(dialog: AuditTrailDialog, row: int, column: int) -> str:
    return str(dialog.model.data(dialog.model.index(row, column)))


def test_filters_and_before_after(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    matti = fill(crm)
    dialog = open_dialog(qtbot, crm, ops)
    total = dialog.model.rowCount()
    qtbot.waitUntil(lambda: cell(dialog, 0, 3) != audit_log.PLACEHOLDER, timeout=WAIT_MS)
    assert cell(dialog, 0, 3) == "log" and cell(dialog, 0, 4).startswith("activity ")
    assert dialog.count_label.text() == f"{total} entries, newest first."

    dialog.action.setCurrentIndex(dialog.action.findData("update"))
    dialog.record.setText(matti)
    qtbot.waitUntil(lambda: dialog.count_label.text() == "1 entry, newest first.", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: dialog.details.rowCount() > 0, timeout=WAIT_MS)
    fields = {
        dialog.details.item(r, 0).text(): (
            dialog.details.item(r, 1).text(),
            dialog.details.item(r, 2).text(),
        )
        for r in range(dialog.details.rowCount())
    }
    assert fields["first_name"] == ("Matti", "Mikko")
    dialog.grab().save("/tmp/audit-dialog.png")

    dialog.action.setCurrentIndex(0)
    dialog.record.setText("Liisa")  # part of a record's name
    qtbot.waitUntil(lambda: dialog.count_label.text() == "1 entry, newest first.", timeout=WAIT_MS)
    tomorrow = (utcnow() + timedelta(days=1)).date()
    dialog.record.clear()
    dialog.start.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
    qtbot.waitUntil(lambda: dialog.count_label.text() == "No entries match.", timeout=WAIT_MS)
    dialog.start.setDate(ANY_DAY)
    qtbot.waitUntil(
        lambda: dialog.count_label.text() == f"{total} entries, newest first.", timeout=WAIT_MS
    )
    owner = crm.ctx.actor_id
    qtbot.waitUntil(lambda: dialog.user.findData(owner) > 0, timeout=WAIT_MS)
    dialog.user.setCurrentIndex(dialog.user.findData(owner))
    qtbot.waitUntil(lambda: ops.pending == 0 and dialog.model.rowCount() == total, timeout=WAIT_MS)


def test_verify_chain_button(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    fill(crm)
    dialog = open_dialog(qtbot, crm, ops)
    qtbot.mouseClick(dialog.verify_button, LEFT)
    qtbot.waitUntil(lambda: dialog.verify_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.verify_label.text().startswith("✔ Audit trail intact: ")
    with crm.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'x' WHERE seq = 4"))
    qtbot.mouseClick(dialog.verify_button, LEFT)
    qtbot.waitUntil(lambda: dialog.verify_label.text().startswith("✖"), timeout=WAIT_MS)
    assert "BROKEN at entry 4: entry was altered." in dialog.verify_label.text()
    dialog.grab().save("/tmp/audit-dialog-broken.png")


def test_the_model_loads_pages_lazily(qtbot, qtmodeltester, crm: Crm, ops, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(audit_log, "PAGE", 5)
    for n in range(30):
        crm.contacts.create("person", ContactPatch(first_name=f"P{n}"))
    model = AuditLogModel(crm.audit, ops)
    model.show(AuditFilter())
    qtbot.waitUntil(lambda: model.rowCount() >= 33, timeout=WAIT_MS)
    assert model.pages_held == 0  # nothing fetched before it is looked at
    assert model.data(model.index(20, 0)) == audit_log.PLACEHOLDER
    qtbot.waitUntil(
        lambda: model.data(model.index(20, 0)) != audit_log.PLACEHOLDER, timeout=WAIT_MS
    )
    assert model.pages_held == 1
    assert int(model.data(model.index(20, 0))) == model.rowCount() - 20
    qtmodeltester.check(model)


def test_menu_opens_it_with_ctrl_shift_a(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    action = next(a for a in window.findChildren(type(window.undo_action)) if "Audit" in a.text())
    assert action.shortcut().toString() == "Ctrl+Shift+A"
    dialog = window.open_audit_trail()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=WAIT_MS)
    dialog.close()
