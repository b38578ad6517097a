"""The Reports window: every report in the registry shown as chart, findings and
tables; periods, CSV and PDF files, and who may save them."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QBarSeries, QLineSeries, QStackedBarSeries
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QFileDialog, QTableView

from crmdesk.services import demo
from crmdesk.services.app import Crm
from crmdesk.services.inputs import ContactPatch
from crmdesk.services.periods import Period
from crmdesk.services.reports import SPECS
from crmdesk.ui import fmt
from crmdesk.ui.main_window import MainWindow
from crmdesk.ui.reports.chart import is_empty
from crmdesk.ui.reports.choices import preset_period
from crmdesk.ui.reports.window import ReportsWindow


def _open(qtbot, crm: Crm, ops, name: str = "activity") -> ReportsWindow:  # type: ignore[no-untyped-def]
    window = ReportsWindow(crm, ops)
    qtbot.addWidget(window)
    window.show()
    window.show_report(name)
    _settle(qtbot, window, name)
    return window


def _settle(qtbot, window: ReportsWindow, name: str = "") -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: (
            not window.running
            and (window.result is not None or window.problem.isVisible())
            and (not name or (window.result is not None and window.result.name == name))
        ),
        timeout=15_000,
    )


def _views(window: ReportsWindow) -> list[QTableView]:
    return [window.tables.widget(i) for i in range(window.tables.count())]  # type: ignore[misc]


def _calls(crm: Crm, days_ago: list[int]) -> None:
    anna = crm.contacts.create("person", ContactPatch(first_name="Anna", last_name="Aho"))
    now = datetime.now(UTC).replace(hour=12)
    for n, ago in enumerate(days_ago):
        kind = "call" if n % 3 else "meeting"
        crm.activities.log(anna, kind, f"talk {n}", at=now - timedelta(days=ago))


def test_menu_lists_every_report_and_opens_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    menu = window.reports.menu
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&All reports…", *(spec.title for spec in SPECS.values())]
    assert window.reports.open_action.shortcut() == QKeySequence("Ctrl+Shift+R")
    owned = [
        a for a in window.findChildren(QAction) if a.shortcut() == QKeySequence("Ctrl+Shift+R")
    ]
    assert owned == [window.reports.open_action]  # the shortcut is not taken twice
    window.reports.open_action.trigger()
    reports = window.reports.window
    assert reports is not None and reports.isVisible() and reports.isWindow()
    _settle(qtbot, reports)
    last = next(a for a in menu.actions() if a.text() == list(SPECS.values())[-1].title)
    last.trigger()
    assert window.reports.window is reports  # one window, switched to the chosen report
    assert reports.report_name() == list(SPECS)[-1]
    _settle(qtbot, reports, list(SPECS)[-1])
    reports.close()
    assert not reports.isVisible()
    _calls(window.crm, [1])  # logged while the window was closed
    assert window.reports.open("activity") is reports
    qtbot.waitUntil(
        lambda: reports.result is not None and "1 activities" in reports.findings.text()
    )


@pytest.mark.parametrize("name", list(SPECS))
def test_every_report_shows_its_tables_and_chart(qtbot, crm: Crm, ops, name: str) -> None:  # type: ignore[no-untyped-def]
    demo.generate(crm, 80, seed=11)
    window = _open(qtbot, crm, ops, name)
    spec = SPECS[name]
    assert window.title.text() == spec.title
    assert window.choices.by.isVisibleTo(window) == bool(spec.groupings)
    assert window.choices.every.isVisibleTo(window) == bool(spec.intervals)
    choices = [(window.choices.by, v) for v in spec.groupings] + [
        (window.choices.every, v) for v in spec.intervals
    ]
    for combo, value in choices or [(None, "")]:
        if combo is not None:
            combo.setCurrentIndex(combo.findData(value))
        _settle(qtbot, window, name)
        assert not window.problem.isVisible(), window.problem.text()
        result = window.result
        assert result is not None
        assert window.tables.count() == len(result.tables)
        for view, table in zip(_views(window), result.tables, strict=True):
            model = view.model()
            assert model.rowCount() == len(table.rows)
            assert model.columnCount() == len(table.columns)
        assert window.chart.showing_empty == is_empty(result.chart)
        if not window.chart.showing_empty:
            assert result.chart is not None
            drawn = window.chart.view.chart().series()
            if result.chart.kind == "line":
                assert [s.name() for s in drawn] == [s.name for s in result.chart.series]
            else:
                assert [b.label() for b in drawn[0].barSets()] == [
                    s.name for s in result.chart.series
                ]
        assert window.findings.text().count("•") == len(result.findings)


def test_activity_chart_and_table_show_the_logged_calls(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    _calls(crm, [1, 2, 3, 40])
    window = _open(qtbot, crm, ops)
    result = window.result
    assert result is not None and result.name == "activity"
    chart = window.chart.view.chart()
    assert isinstance(chart.series()[0], QStackedBarSeries)
    totals = [sum(s.values) for s in result.chart.series]  # type: ignore[union-attr]
    assert sorted(totals) == [2.0, 2.0]  # 2 calls and 2 meetings
    assert "4 activities logged" in window.findings.text()
    view = _views(window)[0]
    model = view.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert headers == ["Period", "Call", "Meeting", "Total"]
    assert (
        model.data(model.index(0, 3), Qt.ItemDataRole.TextAlignmentRole)
        & Qt.AlignmentFlag.AlignRight
    )
    assert view.isSortingEnabled()
    view.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # a click on "Total", twice
    totals = [model.data(model.index(r, 3)) for r in range(model.rowCount())]
    assert [int(t) for t in totals] == sorted((int(t) for t in totals), reverse=True)
    assert sum(int(t) for t in totals) == 4
    assert window.windowTitle() == "Reports — crm.db — crmdesk"
    window.grab().save("/tmp/reportgui-test-activity.png")


def test_changing_the_period_runs_the_report_again(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    _calls(crm, [1, 2, 40, 400])
    window = _open(qtbot, crm, ops)
    assert window.choices.preset.currentData() == "last_12_months"
    first = window.result
    assert first is not None and "3 activities" in first.findings[0]

    window.choices.apply_preset("last_year")
    _settle(qtbot, window)
    assert window.result is not first
    assert window.result.period == preset_period("last_year", date.today())  # type: ignore[union-attr]

    today = date.today()
    window.choices.end.setDate(QDate(today.year, today.month, today.day))
    window.choices.start.setDate(QDate(today.year, today.month, today.day).addDays(-10))
    assert window.choices.preset.currentData() == "custom"
    assert window.running  # waits for the choices to settle, then runs
    _settle(qtbot, window)
    assert window.result.period == Period(today - timedelta(days=10), today)  # type: ignore[union-attr]
    assert "2 activities" in window.result.findings[0]  # type: ignore[union-attr]

    window.choices.every.setCurrentIndex(window.choices.every.findData("week"))
    _settle(qtbot, window)
    assert all("-W" in row[0] for row in window.result.tables[0].rows)  # type: ignore[union-attr, operator]


def test_a_bad_period_is_named_and_nothing_runs(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    window = _open(qtbot, crm, ops)
    shown = window.result
    window.choices.start.setDate(window.choices.end.date().addDays(5))
    qtbot.waitUntil(lambda: window.problem.isVisible())
    assert "starts" in window.problem.text() and "after it ends" in window.problem.text()
    assert window.result is shown and not window.running


def test_nothing_logged_shows_the_empty_state(qtbot, crm: Crm, ops) -> None:  # type: ignore[no-untyped-def]
    window = _open(qtbot, crm, ops)
    assert window.chart.showing_empty
    assert "No data in this period" in window.chart.empty.text()
    window.grab().save("/tmp/reportgui-empty.png")


def test_csv_and_pdf_are_written(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _calls(crm, [1, 30, 200, 400])  # the weekly table has a row for each of 105 weeks
    window = _open(qtbot, crm, ops)
    window.choices.start.setDate(window.choices.end.date().addYears(-2))
    window.choices.every.setCurrentIndex(window.choices.every.findData("week"))
    _settle(qtbot, window)
    result = window.result
    assert result is not None and len(result.tables[0].rows) > 100

    window.save_csv_to(tmp_path / "activity.csv")
    _settle(qtbot, window)
    with (tmp_path / "activity.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(result.tables[0].columns)
    assert len(rows) == len(result.tables[0].rows) + 1
    assert window.status.text().startswith(f"Saved {len(result.tables[0].rows)} rows")

    pdf = tmp_path / "activity.pdf"
    window.save_pdf_to(pdf)
    _settle(qtbot, window)
    assert not window.problem.isVisible(), window.problem.text()
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF") and len(body) > 20_000
    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    assert document.pageCount() >= 3  # chart, then 100+ table rows
    assert f"({document.pageCount()} pages)" in window.status.text()
    assert "Activities logged" in document.getAllText(document.pageCount() - 1).text()
    document.close()


def test_save_asks_for_a_file_and_adds_the_suffix(
    qtbot, crm: Crm, ops, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _calls(crm, [1])
    window = _open(qtbot, crm, ops)
    asked: list[str] = []

    def ask(_parent, title, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(tmp_path / "for the accountant"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    _settle(qtbot, window)
    assert (tmp_path / "for the accountant.pdf").read_bytes().startswith(b"%PDF")
    assert Path(asked[0]).name.startswith("activity-") and asked[0].endswith(".pdf")
    fmt.set_locale("fi_FI")  # the CSV follows the spreadsheet style of the display locale
    window.csv_button.click()
    _settle(qtbot, window)
    header = (tmp_path / "for the accountant.csv").read_text("utf-8-sig").splitlines()[0]
    assert header == "period;meeting;total"  # the one activity logged is a meeting


def test_saving_into_a_missing_folder_says_so(qtbot, crm: Crm, ops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _open(qtbot, crm, ops)
    window.save_pdf_to(tmp_path / "no such folder" / "report.pdf")
    _settle(qtbot, window)
    assert window.problem.isVisible()
    assert window.problem.text().startswith(f"Could not write {tmp_path / 'no such folder'}")


def _sign_in_as(crm: Crm, role: str, grants: list[str] | None = None) -> None:
    if grants is not None:
        crm.roles.add(role, grants)
    crm.users.add("pat", "Pat Lee", role)
    crm.users.sign_in("pat")


def test_accountant_may_save(qtbot, window: MainWindow, crm: Crm) -> None:  # type: ignore[no-untyped-def]
    _sign_in_as(crm, "accountant")
    reports = window.reports.open()
    _settle(qtbot, reports)
    qtbot.waitUntil(lambda: "Pat Lee (accountant)" in window.people.label.text())
    assert reports.csv_button.isEnabled() and reports.pdf_button.isEnabled()


def test_a_role_without_export_sees_saving_greyed_with_the_reason(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, crm: Crm, tmp_path: Path
) -> None:
    _sign_in_as(crm, "Viewer", ["view"])
    reports = window.reports.open()
    _settle(qtbot, reports)
    qtbot.waitUntil(lambda: not reports.pdf_button.isEnabled())
    assert not reports.csv_button.isEnabled()
    assert reports.pdf_button.toolTip() == "Your role (Viewer) may not export."
    reports.grab().save("/tmp/reportgui-no-export.png")
    for save, name in ((reports.save_pdf_to, "r.pdf"), (reports.save_csv_to, "r.csv")):
        save(tmp_path / name)  # the shortcut path: refused by the check off the GUI thread
        _settle(qtbot, reports)
        assert "may not export" in reports.problem.text()
        assert not (tmp_path / name).exists()


def test_a_role_that_may_not_view_gets_the_reason_not_a_chart(
    qtbot, window: MainWindow, crm: Crm
) -> None:  # type: ignore[no-untyped-def]
    _sign_in_as(crm, "Exporter", ["export"])
    reports = window.reports.open()
    _settle(qtbot, reports)
    assert reports.problem.isVisible() and reports.result is None
    assert reports.chart.showing_empty and reports.tables.count() == 0


def test_line_and_bar_charts_from_other_reports(qtbot, app) -> None:  # type: ignore[no-untyped-def]
    from crmdesk.services.reports.base import Chart, Series
    from crmdesk.ui.reports.chart import ReportChart

    widget = ReportChart()
    qtbot.addWidget(widget)
    widget.resize(800, 400)
    widget.show()
    months = tuple(f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(36))
    widget.show_chart(Chart("line", months, (Series("revenue", tuple(range(36))),), "EUR"))
    assert isinstance(widget.view.chart().series()[0], QLineSeries)
    assert widget.angle == -90 and widget.step > 1  # 36 labels thinned out, upright
    widget.grab().save("/tmp/reportgui-line.png")
    widget.show_chart(Chart("bar", ("a", "b"), (Series("won", (3.0, 1.0)),)))
    assert isinstance(widget.view.chart().series()[0], QBarSeries)
    assert (widget.step, widget.angle) == (1, 0)
    assert not isinstance(widget.view.chart().series()[0], QStackedBarSeries)


def test_locking_hides_the_reports_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    reports = window.reports.open()
    _settle(qtbot, reports)
    window.idle_lock.lock()
    assert not reports.isVisible()  # no customer figures on an unattended screen
