"""The Reports window: pick a report and a period; see findings, chart and tables;
save them as CSV or PDF. Reports and saving run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.errors import CrmdeskError
from crmdesk.interchange.csv_format import LOCALE_PRESETS, CsvOptions, resolve_options
from crmdesk.services.app import Crm
from crmdesk.services.reports.base import ReportResult
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.reports.chart import ReportChart, chart_image, is_empty
from crmdesk.ui.reports.choices import ReportChoices
from crmdesk.ui.reports.pdf import saving, write_pdf
from crmdesk.ui.reports.table_model import ReportTableModel
from crmdesk.ui.widgets.common import buddy_label, error_label, muted, show_error, title_label

#: Choices settle for this long before the report runs (typing a date, arrowing a list).
SETTLE_MS = 250
#: The chart as drawn into the PDF, in logical pixels (about 2:1, like the window's).
PDF_CHART = QSize(760, 360)


def csv_options() -> CsvOptions:
    """The CSV style of the user's locale (delimiter, decimal mark), else plain CSV."""
    name = fmt.locale().name()
    return resolve_options(locale=name) if name in LOCALE_PRESETS else CsvOptions()


class ReportsWindow(QWidget):
    """Any report of the registry, through the report contract alone."""

    saved = Signal(str)  # a sentence for the main window's status bar

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._crm, self._ops = crm, ops
        self.result: ReportResult | None = None
        self.subtitle = ""  # the period and choices ``result`` was run with
        self._generation = 0  # answers to older runs are dropped
        self._in_flight = 0
        self._folder = Path.home()
        self.setWindowTitle(f"Reports — {crm.db.path.name} — crmdesk")

        self.picker = QListWidget()
        for spec in crm.reports.specs():
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setToolTip(spec.description)
            self.picker.addItem(item)
        self.picker.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        widest = self.picker.sizeHintForColumn(0) + 2 * self.picker.frameWidth()
        self.picker.setFixedWidth(widest + self.fontMetrics().averageCharWidth() * 3)
        self.title = title_label("", 1.4)
        self.description = muted()
        self.description.setWordWrap(True)
        self.choices = ReportChoices()
        self.refresh_button = QPushButton("Refres&h")
        self.refresh_button.setToolTip("Run the report again (F5)")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2)
        self.busy.setAccessibleName("Running the report")
        self.busy.hide()
        self.status = muted()
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.PlainText)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.findings.setAccessibleName("Findings")
        self.chart = ReportChart()
        self.tables = QTabWidget()
        self.tables.setDocumentMode(True)
        self.problem = error_label()
        self.csv_button = QPushButton("Save &CSV…")
        self.csv_button.setToolTip("The main table as a spreadsheet file (Ctrl+S)")
        self.pdf_button = QPushButton("Save P&DF…")
        self.pdf_button.setToolTip("Findings, chart and tables on A4 pages (Ctrl+P)")
        close = QPushButton("Close")

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(self.tables)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([600, 400])  # proportions: the table shows several rows
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy)
        buttons.addWidget(self.status, 1)
        for button in (self.refresh_button, self.csv_button, self.pdf_button, close):
            buttons.addWidget(button)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.description)
        right.addWidget(self.choices)
        right.addWidget(self.findings)
        right.addWidget(self.splitter, 1)
        right.addWidget(self.problem)
        right.addLayout(buttons)
        left = QVBoxLayout()
        left.addWidget(buddy_label("&Reports:", self.picker))
        left.addWidget(self.picker, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 150, self.fontMetrics().height() * 54)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.run_report)
        self.picker.currentRowChanged.connect(self._report_changed)
        self.choices.changed.connect(self._timer.start)
        self.refresh_button.clicked.connect(self.run_report)
        self.csv_button.clicked.connect(self.save_csv)
        self.pdf_button.clicked.connect(self.save_pdf)
        close.clicked.connect(self.close)
        for keys, slot in (
            (QKeySequence.StandardKey.Refresh, self.run_report),
            (QKeySequence.StandardKey.Save, self.csv_button.click),  # nothing when greyed
            (QKeySequence.StandardKey.Print, self.pdf_button.click),
            (QKeySequence.StandardKey.Close, self.close),
            (QKeySequence(Qt.Key.Key_Escape), self.close),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)
        ops.changes_applied.connect(self._changes_applied)
        self.picker.setCurrentRow(0)

    # -- choosing and running --------------------------------------------

    @property
    def running(self) -> bool:
        """True while a run or a save is under way or about to start."""
        return self._in_flight > 0 or self._timer.isActive()

    def show_report(self, name: str) -> None:
        """Select the report called ``name`` (it runs once the choices settle)."""
        for row in range(self.picker.count()):
            if self.picker.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.picker.setCurrentRow(row)

    def report_name(self) -> str:
        """The name of the selected report."""
        return str(self.picker.currentItem().data(Qt.ItemDataRole.UserRole))

    def _report_changed(self, _row: int) -> None:
        spec = self._crm.reports.spec(self.report_name())
        self.title.setText(spec.title)
        self.description.setText(spec.description)
        self.choices.set_spec(spec)
        self._timer.start()

    def run_report(self) -> None:
        """Run the selected report with the chosen period on a worker thread."""
        self._timer.stop()
        try:
            period = self.choices.period()
        except CrmdeskError as exc:
            show_error(self.problem, str(exc))
            return
        show_error(self.problem, "")
        self._generation += 1
        generation, subtitle = self._generation, self.choices.describe()
        name, reports = self.report_name(), self._crm.reports
        by, every = self.choices.by.currentData() or "", self.choices.every.currentData() or ""
        self._working(+1)
        self.status.setText("Running…")
        self._ops.read(
            lambda: reports.run(name, period, by=by, every=every),
            lambda result: self._show(generation, subtitle, result),
            lambda exc: self._failed(generation, exc),
        )

    def _working(self, change: int) -> None:
        self._in_flight += change
        self.busy.setVisible(self._in_flight > 0)

    def _show(self, generation: int, subtitle: str, result: ReportResult) -> None:
        self._working(-1)
        if generation != self._generation:
            return
        self.result, self.subtitle = result, subtitle
        self.findings.setText("\n".join(f"•  {line}" for line in result.findings))
        self.findings.setVisible(bool(result.findings))
        self.chart.show_chart(result.chart)
        current = self.tables.currentIndex()
        self._clear_tables()
        for table in result.tables:
            self.tables.addTab(self._table_view(ReportTableModel(table)), table.title)
        self.tables.setCurrentIndex(max(0, min(current, self.tables.count() - 1)))
        rows = len(result.tables[0].rows) if result.tables else 0
        self.status.setText(f"{subtitle}. {rows:,} rows.")

    def _clear_tables(self) -> None:
        while self.tables.count():
            view = self.tables.widget(0)
            self.tables.removeTab(0)
            view.deleteLater()  # removing a tab keeps its page

    def _table_view(self, model: ReportTableModel) -> QTableView:
        view = QTableView()
        model.setParent(view)
        view.setModel(model)
        view.setAlternatingRowColors(True)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.verticalHeader().setVisible(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the report's own order first
        view.setSortingEnabled(True)
        view.resizeColumnsToContents()
        return view

    def _failed(self, generation: int, exc: BaseException) -> None:
        self._working(-1)
        if generation != self._generation:
            return
        self.result = None
        self.chart.show_chart(None)
        self.findings.hide()
        self._clear_tables()
        self.status.setText("")
        show_error(self.problem, describe(exc))

    def _changes_applied(self, changes: ChangeSet) -> None:
        if changes.everything and self.isVisible():
            self._timer.start()  # another user signed in, or View ▸ Refresh

    # -- saving ----------------------------------------------------------

    def _ask_path(self, what: str, suffix: str) -> Path | None:
        if self.result is None:
            show_error(self.problem, "There is nothing to save yet; wait for the report.")
            return None
        result = self.result
        first, last = result.period.start, result.period.end
        suggested = self._folder / f"{result.name}-{first}-{last}{suffix}"
        chosen, _filter = QFileDialog.getSaveFileName(
            self, f"Save {what}", str(suggested), f"{what} files (*{suffix})"
        )
        if not chosen:
            return None
        path = Path(chosen)
        self._folder = path.parent
        return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)

    def save_csv(self) -> None:
        """Ask where, then save the main table as CSV in the locale's style."""
        if (path := self._ask_path("CSV", ".csv")) is not None:
            self.save_csv_to(path)

    def save_pdf(self) -> None:
        """Ask where, then save findings, chart and tables as an A4 PDF."""
        if (path := self._ask_path("PDF", ".pdf")) is not None:
            self.save_pdf_to(path)

    def save_csv_to(self, path: Path) -> None:
        """Write the shown report's main table to ``path`` (off the GUI thread)."""
        if self.result is None:
            return
        result, reports, options = self.result, self._crm.reports, csv_options()

        def work() -> int:
            with saving(path):
                return reports.save_csv(result, path, options)

        self._saving(work, lambda rows: f"Saved {rows:,} rows of “{result.title}” to {path}.")

    def save_pdf_to(self, path: Path) -> None:
        """Write the shown report to ``path`` as a PDF (drawn off the GUI thread)."""
        if self.result is None:
            return
        result, subtitle, reports = self.result, self.subtitle, self._crm.reports
        chart = None if is_empty(result.chart) else result.chart
        image = None if chart is None else chart_image(chart, PDF_CHART)

        def work() -> int:
            with reports.saving(result, path, "pdf"):
                return write_pdf(result, subtitle, image, path)

        self._saving(work, lambda pages: f"Saved “{result.title}” ({pages} pages) to {path}.")

    def _saving(self, work: Callable[[], int], sentence: Callable[[int], str]) -> None:
        self._working(+1)
        show_error(self.problem, "")
        self.status.setText("Saving…")

        def done(value: int) -> None:
            self._working(-1)
            message = sentence(value)
            self.status.setText(message)
            self.saved.emit(message)

        def failed(exc: BaseException) -> None:
            self._working(-1)
            self.status.setText("")
            show_error(self.problem, describe(exc))

        self._ops.read(work, done, failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.result is not None:
            self._timer.start()  # shown again: the data may have changed meanwhile

    def closeEvent(self, event: QCloseEvent) -> None:
        self._timer.stop()
        super().closeEvent(event)
