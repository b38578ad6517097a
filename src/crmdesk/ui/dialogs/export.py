"""File ▸ Export…: pick what and how, see the first rows, write the file with progress."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.errors import CrmdeskError, ValidationError
from crmdesk.interchange.csv_format import LOCALE_PRESETS, CsvOptions, resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.exports import FORMATS, ExportRequest, ExportResult, Period, Preview
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.ops import ChangeSet, Ops, Progress, describe
from crmdesk.ui.widgets.common import buddy_label, error_label, muted, show_error

KIND_LABELS = {
    "contacts": "Contacts (people and companies)",
    "companies": "Companies",
    "activities": "Activities (timeline)",
    "purchases": "Purchases (one row per order line)",
    "payments": "Payments",
    "followups": "Follow-ups",
    "deals": "Deals",
}
FORMAT_LABELS = {"csv": "CSV (spreadsheet)", "vcard": "vCard (.vcf)", "ics": "iCalendar (.ics)"}
SUFFIXES = {"csv": ".csv", "vcard": ".vcf", "ics": ".ics"}
PREVIEW_ROWS = 20


def last_month(today: date) -> tuple[QDate, QDate]:
    """The first and last day of the month before ``today`` (the accountant's period)."""
    first_this = QDate(today.year, today.month, 1)
    return first_this.addMonths(-1), first_this.addDays(-1)


class ExportDialog(FormDialog):
    """Export one kind of record to a CSV, vCard or iCalendar file."""

    exported = Signal(str)  # a sentence for the status bar

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops = crm, ops
        self._job: Progress | None = None
        self._generation = 0  # answers to older previews are dropped
        self._chosen_path = ""  # a path the save dialog confirmed (overwrite allowed)
        self._shown: int | None = None  # preview rows on screen
        self._total: int | None = None  # rows the export will hold
        self.setWindowTitle("Export")

        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind)
        self.format = QComboBox()
        self.vcard_version = QComboBox()
        self.vcard_version.addItems(["3.0", "4.0"])
        self.limit_period = QCheckBox("&Only this period:")
        start, end = last_month(date.today())
        self.start, self.end = self._date_edit(start), self._date_edit(end)
        period = QHBoxLayout()
        period.addWidget(self.limit_period)
        period.addWidget(self.start)
        period.addWidget(QLabel("to"))
        period.addWidget(self.end)
        period.addStretch(1)

        self.locale = QComboBox()
        self.locale.addItem("Default (comma, point, ISO dates)", "")
        for name in LOCALE_PRESETS:
            self.locale.addItem(name, name)
        self.delimiter = QComboBox()
        for label, value in (("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "tab")):
            self.delimiter.addItem(label, value)
        self.decimal = QComboBox()
        self.decimal.addItem("Point 1234.50", ".")
        self.decimal.addItem("Comma 1234,50", ",")
        self.encoding = QComboBox()
        for label, value in (
            ("UTF-8 with BOM (spreadsheets)", "utf-8-sig"),
            ("UTF-8", "utf-8"),
            ("Windows-1252", "cp1252"),
        ):
            self.encoding.addItem(label, value)
        self.date_format = QLineEdit("yyyy-mm-dd")
        csv_row = QHBoxLayout()
        for widget in (self.delimiter, self.decimal, self.encoding):
            csv_row.addWidget(widget)
        csv_row.addWidget(self.date_format, 1)

        self.path = QLineEdit()
        self.path.setPlaceholderText("Where to write the file")
        browse = QPushButton("&Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)

        form = QFormLayout()
        form.addRow(buddy_label("&What:", self.kind), self.kind)
        form.addRow("Period:", period)
        form.addRow(buddy_label("&Format:", self.format), self.format)
        form.addRow(buddy_label("vCard &version:", self.vcard_version), self.vcard_version)
        form.addRow(buddy_label("Spreadsheet &locale:", self.locale), self.locale)
        form.addRow("CSV style:", csv_row)
        form.addRow(buddy_label("F&ile:", self.path), file_row)
        self._form = form

        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setVisible(False)
        self.summary = muted("")
        self.problem = error_label()
        self.progress = QProgressBar()
        self.progress.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.addButton("&Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_export)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh_preview)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("First rows:"))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 120, self.fontMetrics().height() * 40)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.locale.currentIndexChanged.connect(self._apply_preset)
        self.limit_period.toggled.connect(self._period_toggled)
        for combo in (self.delimiter, self.decimal, self.encoding):
            combo.currentIndexChanged.connect(self.refresh_preview)
        self.date_format.editingFinished.connect(self.refresh_preview)
        self.start.dateChanged.connect(self.refresh_preview)
        self.end.dateChanged.connect(self.refresh_preview)
        self._period_toggled(False)
        self._kind_changed()
        self.kind.setFocus()

    # -- choices ---------------------------------------------------------

    def _date_edit(self, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.format.blockSignals(True)
        self.format.clear()
        for fmt, kinds in FORMATS.items():
            if kind in kinds:
                self.format.addItem(FORMAT_LABELS[fmt], fmt)
        self.format.blockSignals(False)
        self._format_changed()

    def _format_changed(self) -> None:
        fmt = self.format.currentData() or "csv"
        is_csv = fmt == "csv"
        for widget in (self.locale, self.delimiter, self.decimal, self.encoding, self.date_format):
            widget.setEnabled(is_csv)
        self._form.setRowVisible(self.vcard_version, fmt == "vcard")
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(SUFFIXES[fmt])))
        self.refresh_preview()

    def _apply_preset(self) -> None:
        name = self.locale.currentData()
        options = resolve_options(locale=name or None)
        for combo, value in (
            (self.delimiter, "tab" if options.delimiter == "\t" else options.delimiter),
            (self.decimal, options.decimal),
        ):
            combo.setCurrentIndex(combo.findData(value))
        pattern = options.date_format
        for token, directive in (("yyyy", "%Y"), ("mm", "%m"), ("dd", "%d")):
            pattern = pattern.replace(directive, token)
        self.date_format.setText(pattern)
        self.refresh_preview()

    def _period_toggled(self, on: bool) -> None:
        self.start.setEnabled(on)
        self.end.setEnabled(on)
        self.refresh_preview()

    def _browse(self) -> None:
        fmt = self.format.currentData()
        suggested = self.path.text() or str(
            Path.home() / f"{self.kind.currentData()}{SUFFIXES[fmt]}"
        )
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export to", suggested)
        if chosen:
            self.path.setText(chosen)
            self._chosen_path = chosen

    def period(self) -> Period:
        """The period the dialog shows (open-ended when not limited)."""
        if not self.limit_period.isChecked():
            return Period()
        return Period(self.start.date().toPython(), self.end.date().toPython())

    def csv_options(self) -> CsvOptions:
        """The CSV style chosen; raises ValidationError for a bad date format."""
        return resolve_options(
            delimiter=self.delimiter.currentData(),
            decimal=self.decimal.currentData(),
            encoding=self.encoding.currentData(),
            date_format=self.date_format.text().strip() or "yyyy-mm-dd",
        )

    def request(self) -> ExportRequest:
        """The export the dialog describes; raises a CrmdeskError for bad choices."""
        text = self.path.text().strip()
        if not text:
            raise ValidationError("Choose the file to write first (Browse…).", field="path")
        return ExportRequest(
            kind=self.kind.currentData(),
            path=Path(text).expanduser(),
            format=self.format.currentData(),
            period=self.period(),
            csv=self.csv_options(),
            vcard_version=self.vcard_version.currentText(),
            overwrite=text == self._chosen_path,
        )

    # -- preview ---------------------------------------------------------

    def refresh_preview(self) -> None:
        """Ask for the first rows again (off the GUI thread)."""
        self._generation += 1
        generation = self._generation
        try:
            options = self.csv_options()
            period = self.period()
        except CrmdeskError as exc:
            show_error(self.problem, str(exc))
            return
        show_error(self.problem, "")
        kind, exports = self.kind.currentData(), self._crm.exports
        self._shown = self._total = None
        self.summary.setText("Reading…")
        self._ops.read(
            lambda: exports.preview(kind, period, options, PREVIEW_ROWS),
            lambda preview: self._show_preview(generation, preview),
            lambda exc: self._preview_failed(generation, exc),
        )
        self._ops.read(  # counting can take a while on a big file: the rows come first
            lambda: exports.count(kind, period),
            lambda total: self._show_total(generation, total),
            lambda exc: self._preview_failed(generation, exc),
        )

    def _show_preview(self, generation: int, preview: Preview) -> None:
        if generation != self._generation:
            return
        self.table.clear()
        self.table.setColumnCount(len(preview.columns))
        self.table.setRowCount(len(preview.rows))
        self.table.setHorizontalHeaderLabels(list(preview.columns))
        for r, row in enumerate(preview.rows):
            for c, cell in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(cell.replace("\n", " ⏎ ")))
        self.table.resizeColumnsToContents()
        self._shown = len(preview.rows)
        self._say_rows()

    def _show_total(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._total = total
            self._say_rows()

    def _say_rows(self) -> None:
        if self._total is None:
            self.summary.setText("Counting…")
        elif self._shown is not None and self._total > self._shown:
            self.summary.setText(f"{self._total:,} rows in all; the first {self._shown} are shown.")
        else:
            self.summary.setText(f"{self._total:,} rows in all.")

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.summary.setText("")
            show_error(self.problem, describe(exc))

    # -- export ----------------------------------------------------------

    def start_export(self) -> None:
        """Write the file on the worker thread, with progress and Stop."""
        try:
            request = self.request()
        except CrmdeskError as exc:
            show_error(self.problem, str(exc))
            return
        if not self.begin_save():
            return
        show_error(self.problem, "")
        exports = self._crm.exports
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)

        def work(progress: Progress) -> ExportResult:
            return exports.export(request, progress, progress.cancelled)

        self._job = self._ops.long_job(
            work, self._progressed, ChangeSet(), self._finished, self._failed
        )

    def cancel_export(self) -> None:
        """Stop the running export after its current batch; nothing is kept."""
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self.summary.setText("Stopping…")

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))
        self.summary.setText(f"Exported {done:,} of {total:,} rows…")

    def _end_job(self) -> None:
        self._job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.end_save()

    def _finished(self, result: ExportResult) -> None:
        self._end_job()
        if not result.completed:
            self.summary.setText("Export stopped; no file was written.")
            return
        message = f"Exported {result.rows:,} {result.kind} to {result.path}."
        self.exported.emit(message)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._end_job()
        self.summary.setText("")
        show_error(self.problem, describe(exc))

    def done(self, result: int) -> None:
        self._generation += 1  # a preview still on its way finds the dialog gone
        super().done(result)

    def reject(self) -> None:
        """Escape stops a running export; otherwise it closes the dialog."""
        if self._job is not None:
            self.cancel_export()
            return
        super().reject()


def open_export_dialog(window: Any, crm: Crm, ops: Ops) -> ExportDialog:
    """Show the export dialog; its result goes to the window's status bar."""
    dialog = ExportDialog(crm, ops, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.exported.connect(window.show_message)
    dialog.show()
    return dialog
