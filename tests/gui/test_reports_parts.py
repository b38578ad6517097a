"""The pieces of the Reports window: axis steps, tooltips, the table model, period
presets, and PDF pages for awkward tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QToolTip

from crmdesk.services.periods import Period
from crmdesk.services.reports.base import Chart, ReportResult, Series, Table
from crmdesk.ui import fmt
from crmdesk.ui.reports.chart import (
    ChartColors,
    ReportChart,
    build_chart,
    is_empty,
    nice_axis,
    series_color,
    value_span,
)
from crmdesk.ui.reports.choices import preset_period
from crmdesk.ui.reports.pdf import write_pdf
from crmdesk.ui.reports.table_model import ReportTableModel

MONTHS = ("2026-01", "2026-02", "2026-03")


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("low", "high", "whole", "expected"),
    [
        (0, 97, True, (0, 100, 20)),
        (0, 3, True, (0, 3, 1)),  # counts never step by halves
        (0, 0.3, False, (0, 0.3, 0.1)),
        (-12, 41, False, (-20, 60, 20)),
        (0, 1_234_567, True, (0, 1_250_000, 250_000)),
    ],
)
def test_y_axis_steps_are_round(low: float, high: float, whole: bool, expected: tuple) -> None:  # type: ignore[type-arg]
    assert nice_axis(low, high, whole) == pytest.approx(expected)


def test_stacks_are_summed_for_the_axis_and_zeros_are_empty() -> None:
    stacked = Chart("stacked_bar", MONTHS, (Series("a", (5, 1, -2)), Series("b", (4, 0, -3))))
    assert value_span(stacked) == (-5, 9)
    assert value_span(Chart("bar", MONTHS, stacked.series)) == (-3, 5)
    assert is_empty(None)
    assert is_empty(Chart("line", MONTHS, (Series("a", (0, 0, 0)),)))
    assert not is_empty(stacked)


def test_hovering_a_bar_or_a_point_shows_its_value(qtbot, app) -> None:  # type: ignore[no-untyped-def]
    widget = ReportChart()
    qtbot.addWidget(widget)
    widget.resize(700, 360)
    widget.show()
    fmt.set_locale("fi_FI")
    series = (Series("call", (3.0, 1234.0, 7.0)), Series("meeting", (1.0, 2.0, 0.5)))
    widget.show_chart(Chart("stacked_bar", MONTHS, series, "activities"))
    chart = widget.view.chart()
    assert chart.legend().isVisible()
    assert chart.axes(Qt.Orientation.Vertical)[0].titleText() == "activities"
    bars = chart.series()[0].barSets()
    bars[0].hovered.emit(True, 1)
    assert _plain(QToolTip.text()) == "call — 2026-02: 1 234"
    bars[1].hovered.emit(True, 2)
    assert _plain(QToolTip.text()) == "meeting — 2026-03: 0,5"

    widget.show_chart(Chart("line", MONTHS, (Series("revenue", (10.0, 20.0, 15.0)),)))
    line = widget.view.chart().series()[0]
    assert not widget.view.chart().legend().isVisible()  # one series: the axis says it
    line.hovered.emit(line.at(2), True)
    assert _plain(QToolTip.text()) == "revenue — 2026-03: 15"
    line.hovered.emit(line.at(2), False)
    qtbot.waitUntil(lambda: not QToolTip.isVisible())  # Qt hides it after a moment


def test_a_dark_theme_gets_a_dark_chart(qtbot, app) -> None:  # type: ignore[no-untyped-def]
    dark = QPalette(app.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    colors = ChartColors.of(dark)
    chart = build_chart(Chart("bar", MONTHS, (Series("a", (1, 2, 3)),)), colors)
    assert chart.backgroundBrush().color().name() == "#1e1e1e"
    for axis in chart.axes():
        assert axis.labelsColor().name() == "#e0e0e0"
    chart.deleteLater()


def test_many_series_get_distinct_colours_and_a_legend_beside_the_chart(qtbot, app) -> None:  # type: ignore[no-untyped-def]
    widget = ReportChart()
    qtbot.addWidget(widget)
    names = [f"Customer {n}" for n in range(11)]
    series = tuple(Series(name, (1.0, 2.0, 3.0)) for name in names)
    widget.show_chart(Chart("stacked_bar", MONTHS, series))
    chart = widget.view.chart()
    assert chart.legend().alignment() == Qt.AlignmentFlag.AlignRight
    colours = {b.color().name() for b in chart.series()[0].barSets()}
    assert len(colours) == 11 == len({series_color(n).name() for n in range(11)})
    widget.show_chart(Chart("stacked_bar", MONTHS, series[:2]))
    assert widget.view.chart().legend().alignment() == Qt.AlignmentFlag.AlignBottom


def test_table_model_formats_numbers_in_the_locale_and_sorts(qtbot, qtmodeltester, app) -> None:  # type: ignore[no-untyped-def]
    fmt.set_locale("fi_FI")
    table = Table(
        "Sales",
        ("product", "units", "win_rate"),
        (("Tyres", 1200, 0.25), ("Rims", 7, None), ("Bolts", 35, 1.5)),
    )
    model = ReportTableModel(table)
    qtmodeltester.check(model)
    text = [[model.data(model.index(r, c)) for c in range(3)] for r in range(3)]
    assert [[_plain(t) for t in row] for row in text] == [
        ["Tyres", "1 200", "0,25"],
        ["Rims", "7", ""],
        ["Bolts", "35", "1,50"],
    ]
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Win rate"
    right = Qt.AlignmentFlag.AlignRight
    assert model.data(model.index(0, 1), Qt.ItemDataRole.TextAlignmentRole) & right
    assert not model.data(model.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) & right

    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["Bolts", "Tyres", "Rims"]
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["Bolts", "Rims", "Tyres"]
    model.sort(-1)
    assert [model.data(model.index(r, 0)) for r in range(3)] == ["Tyres", "Rims", "Bolts"]
    qtmodeltester.check(model)


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        ("this_month", date(2026, 2, 15), (date(2026, 2, 1), date(2026, 2, 15))),
        ("last_month", date(2026, 1, 10), (date(2025, 12, 1), date(2025, 12, 31))),
        ("this_quarter", date(2026, 8, 20), (date(2026, 7, 1), date(2026, 8, 20))),
        ("last_12_months", date(2026, 2, 15), (date(2025, 3, 1), date(2026, 2, 15))),
        ("this_year", date(2026, 2, 15), (date(2026, 1, 1), date(2026, 2, 15))),
        ("last_year", date(2026, 2, 15), (date(2025, 1, 1), date(2025, 12, 31))),
    ],
)
def test_period_presets(preset: str, today: date, expected: tuple[date, date]) -> None:
    assert preset_period(preset, today) == Period(*expected)


def _pdf_text(path: Path) -> tuple[int, str]:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    pages = document.pageCount()
    text = " ".join(document.getAllText(page).text() for page in range(pages))
    document.close()
    return pages, " ".join(text.split())  # headers wrap onto two lines


def test_pdf_fits_a_wide_table_and_says_when_one_is_empty(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    columns = tuple(f"column_{n}" for n in range(14))
    wide = Table(
        "Wide", columns, tuple(tuple(f"value {r}-{c}" for c in range(14)) for r in range(3))
    )
    result = ReportResult(
        "wide",
        "A wide report",
        Period(date(2026, 1, 1), date(2026, 3, 31)),
        (wide, Table("Nothing here", ("period", "count"), ())),
        findings=("The first finding.", "A second finding."),
    )
    path = tmp_path / "wide.pdf"
    assert write_pdf(result, "Q1", None, path) == 1
    pages, text = _pdf_text(path)
    assert pages == 1
    for expected in ("A wide report", "The first finding.", "Column 0", "Column 13", "value 2-13"):
        assert expected in text
    assert "No rows in this period." in text
