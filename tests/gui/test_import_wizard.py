"""The import wizard driven through its widgets: file, mapping with preview,
duplicates, progress, summary, undo; and the import history dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch, EmailInput
from crmdesk.ui.dialogs.import_history import ImportHistoryDialog
from crmdesk.ui.dialogs.import_wizard import ImportWizard, MappingPage
from crmdesk.ui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton


def write_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "Name;Mail;Cell;Remarks\n"
        "Virtanen, Anna;anna@example.fi;040 111 2222;first\n"
        "Lahti, Pekka;pekka@@example.fi;050 333 4444;bad e-mail\n"
        "Koski, Mia;mia@example.fi;;new\n",
        encoding="utf-8",
    )
    return path


def preview_rows(page: MappingPage) -> list[tuple[str, str, str]]:
    table = page.preview
    return [
        (table.item(r, 1).text(), table.item(r, 2).text(), table.item(r, 5).text())
        for r in range(table.rowCount())
    ]


def phones_shown(page: MappingPage) -> bool:
    item = page.preview.item(0, 4)
    return item is not None and item.text() == "040 111 2222"


def choose(page: MappingPage, column: str, field: str) -> None:
    row = next(
        r for r in range(page.columns.rowCount()) if page.columns.item(r, 0).text() == column
    )
    combo = page.columns.cellWidget(row, 1)
    combo.setCurrentIndex(combo.findText(field))
    combo.activated.emit(combo.currentIndex())  # as when the user picks it


def test_import_through_the_wizard_then_undo(
    qtbot, window: MainWindow, crm: Crm, ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    crm.contacts.create(
        "person",
        ContactPatch(first_name="Mia", last_name="Koski", emails=[EmailInput("mia@example.fi")]),
    )
    path = write_file(tmp_path)
    wizard = window.open_import()
    assert isinstance(wizard, ImportWizard)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    qtbot.keyClicks(wizard.file_page.path, str(path))
    wizard.file_page.path.editingFinished.emit()
    qtbot.waitUntil(next_button.isEnabled)
    assert (
        "CSV, utf-8, separated by ';'; 4 columns, read as generic" in wizard.file_page.found.text()
    )
    qtbot.mouseClick(next_button, LEFT)

    page = wizard.mapping_page
    qtbot.waitUntil(lambda: page.preview.rowCount() == 3 or page.problem.text() != "")
    assert page.problem.text() == ""
    assert preview_rows(page)[1][0] == "Rejected"
    assert preview_rows(page)[1][2] == "'pekka@@example.fi' is not a valid e-mail address."
    assert page.preview.item(1, 0).background().color().red() == 255
    assert preview_rows(page)[2][0] == "Skip"  # Mia is in the database already
    choose(page, "Cell", "phone")
    choose(page, "Remarks", "notes")
    qtbot.waitUntil(
        lambda: (
            page.preview.item(0, 4) is not None and page.preview.item(0, 4).text() == "040 111 2222"
        )
    )
    qtbot.mouseClick(next_button, LEFT)

    policy = wizard.policy_page
    qtbot.waitUntil(lambda: "would create 1 contacts" in policy.counts.text())
    merge = next(b for b in policy.group.buttons() if b.property("policy") == "merge")
    merge.click()
    qtbot.waitUntil(lambda: "merge 1 rows" in policy.counts.text())
    qtbot.mouseClick(next_button, LEFT)

    summary = wizard.summary_page
    qtbot.waitUntil(lambda: wizard.currentPage() is summary, timeout=10_000)
    assert summary.summary.text().startswith(
        "Imported people.csv: 1 created, 1 merged, 0 skipped, 1 rejected."
    )
    assert str(tmp_path / "people.rejects.csv") in summary.summary.text()
    assert "Row 3 (rejected) Pekka Lahti" in summary.rows.toPlainText()
    anna = crm.search.search("virtanen")[0]
    assert crm.queries.card(anna.id).notes == "first"
    mia = crm.search.search("koski")[0]
    assert crm.queries.card(mia.id).notes == "new"  # merged into the existing Mia
    qtbot.waitUntil(lambda: window.contacts.model.rowCount() == 2)

    qtbot.mouseClick(summary.undo_button, LEFT)
    qtbot.waitUntil(lambda: summary.summary.text().startswith("Import undone"))
    assert summary.summary.text().startswith(
        "Import undone: 1 contacts moved to the trash, 1 put back as before."
    )
    assert crm.search.search("virtanen") == []
    assert crm.queries.card(mia.id).notes == ""
    wizard.button(QWizard.WizardButton.FinishButton).click()


def test_cancel_keeps_nothing_and_history_undoes(
    qtbot, window: MainWindow, crm: Crm, ops, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "many.csv"
    path.write_text(
        "First name,Last name,Email\n"
        + "".join(f"P{i},Test,p{i}@example.fi\n" for i in range(10_000))
    )
    wizard = window.open_import()
    wizard.file_page.path.setText(str(path))
    wizard.file_page.detect()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.waitUntil(next_button.isEnabled)
    wizard.next()
    wizard.next()
    run = wizard.run_page
    wizard.next()
    assert wizard.currentPage() is run
    run.cancel()
    qtbot.waitUntil(lambda: run.problem.isVisible(), timeout=10_000)
    assert run.problem.text().startswith("The import was cancelled; nothing was imported.")
    assert crm.search.search("test") == []
    assert wizard.button(QWizard.WizardButton.BackButton).isEnabled()
    wizard.back()
    wizard.next()  # again, to the end this time
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=20_000)
    wizard.close()

    dialog = window.open_import_history()
    assert isinstance(dialog, ImportHistoryDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1)
    assert dialog.table.item(0, 2).text() == "10000"
    assert not dialog.undo_button.isEnabled()
    dialog.table.selectRow(0)
    assert dialog.undo_button.isEnabled()
    qtbot.mouseClick(dialog.undo_button, LEFT)
    qtbot.waitUntil(lambda: dialog.result_label.text().startswith("Import undone"), timeout=60_000)
    qtbot.waitUntil(
        lambda: dialog.table.item(0, 7) is not None and dialog.table.item(0, 7).text() != ""
    )
    assert crm.queries.count() == 0
    dialog.close()
