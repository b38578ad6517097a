"""File ▸ Export…: the real dialog, its preview, the export with progress and Stop."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from sqlalchemy import select

from crmdesk.interchange import columns
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, LineInput
from crmdesk.store.models import AuditEntry
from crmdesk.ui.dialogs.export import ExportDialog
from crmdesk.ui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton


def _gone(widget) -> bool:  # type: ignore[no-untyped-def]
    return not shiboken6.isValid(widget) or not widget.isVisible()


def _customers(crm: Crm, count: int) -> None:
    for i in range(count):
        contact = crm.contacts.create(
            "person", ContactPatch(first_name=f"Asiakas{i:03d}", last_name="Virtanen")
        )
        if i < 3:
            crm.activities.purchase(
                contact,
                [LineInput("Winter tyre", "4", "89.90")],
                at=datetime(2026, 10, 10 + i, 12, tzinfo=UTC),
            )


def _headers(dialog: ExportDialog) -> list[str]:
    table = dialog.table
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def _export_entries(crm: Crm) -> list[dict[str, object]]:
    with crm.db.reading() as session:
        found = session.execute(
            select(AuditEntry.changes).where(AuditEntry.action == "export")
        ).scalars()
        return [json.loads(c) for c in found]


def test_file_menu_opens_the_dialog_with_ctrl_shift_e(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    action = next(a for a in window.findChildren(QAction) if a.text() == "&Export…")
    assert action.shortcut() == QKeySequence("Ctrl+Shift+E")
    action.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.table.columnCount() == len(columns.CONTACTS))
    dialog.reject()
    qtbot.waitUntil(lambda: _gone(dialog))


def test_pick_kind_see_preview_and_export(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _customers(crm, 3)
    dialog = ExportDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind.setCurrentIndex(dialog.kind.findData("purchases"))
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3)
    assert _headers(dialog) == list(columns.PURCHASES)
    qtbot.waitUntil(lambda: dialog.summary.text() == "3 rows in all.")  # counted apart
    assert [f for f in (dialog.format.itemData(i) for i in range(dialog.format.count()))] == ["csv"]

    dialog.locale.setCurrentIndex(dialog.locale.findData("fi_FI"))  # ; , dd.mm.yyyy
    qtbot.waitUntil(lambda: dialog.table.item(0, 9).text() == "89,90")
    assert dialog.table.item(0, 1).text() == "10.10.2026"
    assert dialog.delimiter.currentData() == ";" and dialog.date_format.text() == "dd.mm.yyyy"

    dialog.limit_period.setChecked(True)
    dialog.start.setDate(datetime(2026, 10, 11).date())
    dialog.end.setDate(datetime(2026, 10, 31).date())
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)

    out = tmp_path / "purchases.csv"
    dialog.path.setText(str(out))
    with qtbot.waitSignal(dialog.exported) as sent:
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert sent.args == [f"Exported 2 purchases to {out}."]
    qtbot.waitUntil(lambda: _gone(dialog))
    table = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"), newline=""), delimiter=";"))
    assert table[0] == list(columns.PURCHASES)
    assert [row[1] for row in table[1:]] == ["11.10.2026", "12.10.2026"]
    assert _export_entries(crm)[-1]["rows"] == 2


def test_vcard_format_and_inline_errors(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _customers(crm, 2)
    dialog = ExportDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.problem.text() == "Choose the file to write first (Browse…)."
    dialog.path.setText(str(tmp_path / "people.csv"))
    dialog.format.setCurrentIndex(dialog.format.findData("vcard"))
    assert dialog.path.text() == str(tmp_path / "people.vcf")
    assert not dialog.delimiter.isEnabled() and dialog.vcard_version.isVisibleTo(dialog)
    existing = tmp_path / "people.vcf"
    existing.write_text("mine")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: "already exists" in dialog.problem.text())
    assert dialog.save_button.isEnabled() and existing.read_text() == "mine"
    existing.unlink()
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: _gone(dialog))
    assert existing.read_bytes().count(b"BEGIN:VCARD\r\n") == 2


def test_stop_leaves_no_file(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _customers(crm, 120)
    crm.exports.batch_size = 1  # 120 batches: Stop lands long before the end
    dialog = ExportDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 20)
    qtbot.waitUntil(lambda: dialog.summary.text() == "120 rows in all; the first 20 are shown.")
    out = tmp_path / "contacts.csv"
    dialog.path.setText(str(out))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.saving and dialog.cancel_button.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape stops the export, not the dialog
    qtbot.waitUntil(lambda: not dialog.saving)
    assert dialog.isVisible()
    assert dialog.summary.text() == "Export stopped; no file was written."
    assert list(tmp_path.glob("*contacts.csv*")) == []
    assert _export_entries(crm) == []


def test_bad_date_format_is_said_inline(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = ExportDialog(crm, ops)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.date_format.setText("mm/yyyy")
    dialog.date_format.editingFinished.emit()
    assert "day, month and year" in dialog.problem.text()
    dialog.path.setText(str(tmp_path / "contacts.csv"))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert "day, month and year" in dialog.problem.text() and not dialog.saving
    assert list(tmp_path.glob("*contacts.csv*")) == []
    dialog.date_format.setText("dd/mm/yyyy")
    dialog.date_format.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.problem.text() == "")
