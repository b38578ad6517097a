"""File ▸ Import…: pick a file, check the mapping and a preview, choose what
duplicates do, import with progress and cancel, and see (or undo) the result.

Every service call runs off the GUI thread through :class:`Ops`; the import
itself is one long job whose cancel rolls the whole import back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from crmdesk.errors import Cancelled
from crmdesk.interchange.mapping import FIELDS, Target
from crmdesk.interchange.presets import PRESETS
from crmdesk.services.app import Crm
from crmdesk.services.import_undo import UndoResult
from crmdesk.services.imports import ImportOptions, ImportPlan, ImportResult, SourceInfo
from crmdesk.ui.ops import ChangeSet, Ops, Progress, describe
from crmdesk.ui.widgets.common import error_label, show_error

PREVIEW_ROWS = 20
LISTED_ROWS = 500
NOT_IMPORTED = "(not imported)"
PROBLEM = QColor(255, 225, 225)
DUPLICATE = QColor(255, 245, 210)
ACTIONS = {"create": "New", "merge": "Merge", "skip": "Skip", "reject": "Rejected"}
POLICIES = (
    ("skip", "&Skip the row and leave the existing contact as it is"),
    ("merge", "&Merge: fill the existing contact's empty fields, add new e-mails, phones, tags"),
    ("create", "&Create a new contact anyway"),
)


class ImportWizard(QWizard):
    """The import, page by page; ``state`` holds what the pages share."""

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Import contacts")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.info: SourceInfo | None = None
        self.targets: list[Target | None] = []
        self.policy = "skip"
        self.result: ImportResult | None = None
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.policy_page = PolicyPage(self)
        self.run_page = RunPage(self)
        self.summary_page = SummaryPage(self)
        for page in (
            self.file_page,
            self.mapping_page,
            self.policy_page,
            self.run_page,
            self.summary_page,
        ):
            self.addPage(page)
        self.resize(900, 620)

    def options(self) -> ImportOptions:
        """The import as the pages have set it up so far."""
        assert self.info is not None
        mapping = tuple(zip(self.info.columns, self.targets, strict=True))
        return ImportOptions(
            self.info.path, self.info.format, self.info.preset, mapping, self.policy
        )

    def reject(self) -> None:
        if self.run_page.running:
            self.run_page.cancel()
            return
        super().reject()


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Choose a file")
        self.setSubTitle(
            "A CSV file (Google Contacts, Outlook, crmdesk or any spreadsheet) or a vCard file."
        )
        self.path = QLineEdit()
        self.path.setPlaceholderText("/path/to/contacts.csv")
        self.path.editingFinished.connect(self.detect)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        self.found = QLabel()
        self.problem = error_label()
        self._looked_at = ""
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        label = QLabel("&File:")
        label.setBuddy(self.path)
        layout.addWidget(label)
        layout.addLayout(row)
        layout.addWidget(self.found)
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import contacts", "", "Contacts (*.csv *.txt *.vcf *.vcard);;All files (*)"
        )
        if name:
            self.path.setText(name)
            self.detect()

    def detect(self) -> None:
        """Look at the file off the GUI thread; the page completes when it is understood."""
        text = self.path.text().strip()
        if text == self._looked_at and self.w.info is not None:
            return  # focus leaving the field again: nothing new to look at
        self._looked_at = text
        self.w.info = None
        self.completeChanged.emit()
        if not text:
            return
        path = Path(text).expanduser()
        self.found.setText("Looking at the file…")
        show_error(self.problem, "")
        self.w.ops.read(lambda: self.w.crm.imports.inspect(path), self._found, self._failed)

    def _found(self, info: SourceInfo) -> None:
        self.w.info = info
        self.w.targets = list(info.targets)
        self.found.setText(describe_source(info))
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.found.setText("")
        show_error(self.problem, describe(exc))

    def isComplete(self) -> bool:
        return self.w.info is not None


def describe_source(info: SourceInfo) -> str:
    how = f"{info.format.upper()}, {info.encoding}"
    if info.delimiter:
        how += ", separated by " + ("tabs" if info.delimiter == "\t" else f"'{info.delimiter}'")
    if info.format == "csv":
        how += f"; {len(info.columns)} columns, read as {info.preset}"
    return f"{info.path.name}: {how}."


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Check the columns")
        self.setSubTitle("Choose the field each column goes into; the preview follows.")
        self.source = QLabel()
        self.preset = QComboBox()
        self.preset.addItems(list(PRESETS))
        self.preset.activated.connect(lambda _i: self._preset_chosen())
        self.columns = QTableWidget(0, 2)
        self.columns.setHorizontalHeaderLabels(["Column in the file", "Field"])
        self.columns.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.columns.verticalHeader().hide()
        self.preview = QTableWidget(0, 6)
        self.preview.setHorizontalHeaderLabels(
            ["Row", "What happens", "Name", "E-mails", "Phones", "Why"]
        )
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.verticalHeader().hide()
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problem = error_label()
        form = QFormLayout()
        form.addRow("File:", self.source)
        form.addRow("&Column names:", self.preset)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.columns, 2)
        layout.addWidget(QLabel(f"Preview of the first {PREVIEW_ROWS} rows:"))
        layout.addWidget(self.preview, 3)
        layout.addWidget(self.problem)
        self._generation = 0

    def initializePage(self) -> None:
        info = self.w.info
        assert info is not None
        self.source.setText(describe_source(info))
        self.preset.setCurrentText(info.preset if info.preset in PRESETS else "auto")
        self.preset.setEnabled(info.format == "csv")
        self.columns.setVisible(info.format == "csv")
        self.columns.setRowCount(len(info.columns))
        for row, (column, target) in enumerate(zip(info.columns, self.w.targets, strict=True)):
            item = QTableWidgetItem(column)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.columns.setItem(row, 0, item)
            self.columns.setCellWidget(row, 1, self._combo(row, target))
        self.refresh_preview()

    def _combo(self, row: int, target: Target | None) -> QComboBox:
        combo = QComboBox()
        combo.addItem(NOT_IMPORTED, None)
        if target is not None and target != Target(target.field):
            text = target.describe() + (f" ({target.group})" if target.group else "")
            combo.addItem(text, target)
        for name, helptext in FIELDS.items():
            if name != "ignore":
                combo.addItem(name, Target(name))
                combo.setItemData(combo.count() - 1, helptext, Qt.ItemDataRole.ToolTipRole)
        index = 0 if target is None or target.field == "ignore" else combo.findData(target)
        combo.setCurrentIndex(max(index, 0))
        combo.activated.connect(lambda _i, r=row, c=combo: self._mapped(r, c))
        return combo

    def _mapped(self, row: int, combo: QComboBox) -> None:
        self.w.targets[row] = combo.currentData()
        self.refresh_preview()

    def _preset_chosen(self) -> None:
        info = self.w.info
        assert info is not None
        path, preset = info.path, self.preset.currentText()
        self.w.ops.read(
            lambda: self.w.crm.imports.inspect(path, preset=preset), self._reloaded, self._failed
        )

    def _reloaded(self, info: SourceInfo) -> None:
        self.w.info = info
        self.w.targets = list(info.targets)
        self.initializePage()

    def refresh_preview(self) -> None:
        """Plan the first rows again (off the GUI thread); only the latest answer is shown."""
        self._generation += 1
        generation, options = self._generation, self.w.options()
        show_error(self.problem, "")
        self.w.ops.read(
            lambda: self.w.crm.imports.preview(options, PREVIEW_ROWS),
            lambda plan: self._show(generation, plan),
            self._failed,
        )

    def _show(self, generation: int, plan: ImportPlan) -> None:
        if generation != self._generation:
            return
        self.preview.setRowCount(len(plan.outcomes))
        for row, outcome in enumerate(plan.outcomes):
            record = outcome.record
            cells = [
                str(outcome.row),
                ACTIONS[outcome.action],
                outcome.name,
                ", ".join(e.address for e in record.emails) if record else "",
                ", ".join(p.raw for p in record.phones) if record else "",
                outcome.reason,
            ]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(outcome.reason)
                if outcome.action == "reject":
                    item.setBackground(QBrush(PROBLEM))
                elif outcome.action in ("merge", "skip"):
                    item.setBackground(QBrush(DUPLICATE))
                self.preview.setItem(row, column, item)
        self.preview.resizeColumnsToContents()

    def _failed(self, exc: BaseException) -> None:
        show_error(self.problem, describe(exc))


class PolicyPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Duplicates")
        self.setSubTitle(
            "A row is a duplicate when a contact has the same e-mail or phone number, "
            "or a very similar name at the same company."
        )
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        for policy, text in POLICIES:
            button = QRadioButton(text)
            button.setProperty("policy", policy)
            self.group.addButton(button)
            layout.addWidget(button)
            if policy == "skip":
                button.setChecked(True)
        self.group.buttonToggled.connect(lambda _b, _on: self._chosen())
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        layout.addSpacing(12)
        layout.addWidget(self.counts)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self._chosen()

    def _chosen(self) -> None:
        button = self.group.checkedButton()
        self.w.policy = str(button.property("policy"))
        options = self.w.options()
        self.counts.setText("Counting…")
        self.w.ops.read(
            lambda: self.w.crm.imports.plan(options),
            lambda plan: self._counted(options.on_duplicate, plan),
            lambda exc: self.counts.setText(describe(exc)),
        )

    def _counted(self, policy: str, plan: ImportPlan) -> None:
        if policy != self.w.policy:
            return
        c = plan.counts
        self.counts.setText(
            f"This import would create {c['create']:,} contacts, merge {c['merge']:,} rows, "
            f"skip {c['skip']:,} and reject {c['reject']:,}."
        )


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Importing")
        self.setSubTitle("All rows go in as one change: cancel, and nothing is imported.")
        self.bar = QProgressBar()
        self.status = QLabel()
        self.cancel_button = QPushButton("Cancel &import")
        self.cancel_button.clicked.connect(self.cancel)
        self.problem = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.progress: Progress | None = None
        self.running = False

    def initializePage(self) -> None:
        self.w.result = None
        self.running = True
        self.bar.setRange(0, 0)
        self.status.setText("Reading the file…")
        show_error(self.problem, "")
        self.cancel_button.setEnabled(True)
        self.w.button(QWizard.WizardButton.BackButton).setEnabled(False)
        options, imports = self.w.options(), self.w.crm.imports
        self.progress = self.w.ops.long_job(
            lambda p: imports.run(options, p, p.cancelled),
            self._progress,
            ChangeSet(everything=True),
            self._done,
            self._failed,
        )

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.status.setText("Checking rows…" if done < total // 2 else "Writing contacts…")

    def cancel(self) -> None:
        if self.progress is not None and self.running:
            self.progress.cancel()
            self.status.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def _done(self, result: ImportResult) -> None:
        self.running = False
        self.w.result = result
        self.completeChanged.emit()
        self.w.next()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(False)
        self.status.setText("")
        text = describe(exc) if not isinstance(exc, Cancelled) else str(exc)
        show_error(self.problem, text + " Go back to change the import, or close.")
        self.w.button(QWizard.WizardButton.BackButton).setEnabled(True)

    def isComplete(self) -> bool:
        return self.w.result is not None


class SummaryPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Done")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rows = QPlainTextEdit()
        self.rows.setReadOnly(True)
        self.undo_button = QPushButton("&Undo import")
        self.undo_button.clicked.connect(self.undo)
        self.problem = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows, 1)
        layout.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.problem)

    def initializePage(self) -> None:
        result = self.w.result
        assert result is not None
        self.w.button(QWizard.WizardButton.BackButton).setEnabled(False)
        text = f"Imported {result.plan.source.path.name}: {result.summary()}."
        if result.rejects_path:
            text += f"\nRejected rows were written to {result.rejects_path}."
        self.summary.setText(text)
        self.rows.setPlainText(outcome_lines(result.plan))
        self.undo_button.setEnabled(True)

    def undo(self) -> None:
        result = self.w.result
        assert result is not None
        self.undo_button.setEnabled(False)
        history, import_id = self.w.crm.import_history, result.import_id
        self.w.ops.write(
            lambda: history.undo(import_id), ChangeSet(everything=True), self._undone, self._failed
        )

    def _undone(self, undone: UndoResult) -> None:
        text = f"Import undone: {undone.summary()}."
        self.summary.setText(text + "".join(f"\n{k}" for k in undone.kept))

    def _failed(self, exc: BaseException) -> None:
        show_error(self.problem, describe(exc))


def outcome_lines(plan: ImportPlan) -> str:
    """The rows that were not simply created, one line each."""
    lines: list[Any] = []
    for o in plan.outcomes:
        if o.action != "create" or o.reason:
            lines.append(f"Row {o.row} ({ACTIONS[o.action].lower()}) {o.name}: {o.reason}")
        if len(lines) >= LISTED_ROWS:
            lines.append("…")
            break
    return "\n".join(lines) or "Every row was imported."
