"""A report's :class:`Chart` description drawn with Qt Charts.

Line, bar and stacked bars over category labels that rotate and thin out when
crowded, a y axis with round steps and locale numbers, tooltips with the value
under the pointer, colours readable on light and dark themes, and an empty
state instead of an empty pair of axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import (
    QAbstractSeries,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QStackedWidget, QToolTip, QWidget

from crmdesk.services.reports.base import Chart
from crmdesk.ui import fmt
from crmdesk.ui.widgets.common import empty_state

EMPTY_TEXT = "No data in this period.\n\nTry a longer period, or another report."

#: Tableau 10: distinct hues of middle lightness that read on white and on dark grey.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
MAX_LABEL_CHARS = 22
#: More series than this: the legend goes beside the chart, one name a line.
LEGEND_BELOW_MAX = 6
Y_TICKS = 5


@dataclass(frozen=True)
class ChartColors:
    """Background, text and grid colours of a chart."""

    background: QColor
    text: QColor
    grid: QColor

    @classmethod
    def of(cls, palette: QPalette) -> ChartColors:
        """Colours of the window's palette (so a dark theme gets a dark chart)."""
        grid = QColor(palette.color(QPalette.ColorRole.Text))
        grid.setAlphaF(0.15)
        return cls(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text), grid
        )


#: For paper: black on white, whatever the screen's theme.
PRINT_COLORS = ChartColors(QColor("white"), QColor("#202020"), QColor("#dddddd"))


def is_empty(description: Chart | None) -> bool:
    """True when there is nothing to draw: no chart, no categories or only zeros."""
    return (
        description is None
        or not description.categories
        or not any(v for s in description.series for v in s.values)
    )


def value_span(description: Chart) -> tuple[float, float]:
    """The lowest and highest value the y axis must show (stacks summed), 0 included."""
    if description.kind == "stacked_bar":
        columns = list(zip(*(s.values for s in description.series), strict=True))
        highs = [sum(v for v in col if v > 0) for col in columns]
        lows = [sum(v for v in col if v < 0) for col in columns]
    else:
        highs = lows = [v for s in description.series for v in s.values]
    return min(0.0, *lows), max(0.0, *highs)


def nice_axis(low: float, high: float, whole: bool) -> tuple[float, float, float]:
    """A range covering ``low``..``high`` in about five round steps (1, 2, 2.5, 5 × 10ⁿ).

    ``whole``: the data are counts, so a step is never below 1.
    """
    if high <= low:
        high = low + 1
    raw = (high - low) / Y_TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))
    if whole:
        step = max(1.0, round(step))
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def tooltip_text(description: Chart, series: int, category: int) -> str:
    """``call — 2026-03: 12`` for one bar or point."""
    one = description.series[series]
    decimals = fmt.decimals_needed(one.values)
    value = fmt.number(one.values[category], decimals)
    return f"{one.name} — {description.categories[category]}: {value}"


def _unique(labels: Sequence[str]) -> list[str]:
    """Short labels, kept distinct (the category axis drops a repeated label)."""
    seen: set[str] = set()
    result = []
    for label in labels:
        text = label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"
        while text in seen:
            text += "\u200b"  # invisible, but makes it another label
        seen.add(text)
        result.append(text)
    return result


def series_color(index: int) -> QColor:
    """The palette's colours in turn; lighter on the second round, so none repeats."""
    laps, place = divmod(index, len(PALETTE))
    return QColor(PALETTE[place]).lighter(100 + 35 * laps)


def build_chart(description: Chart, colors: ChartColors) -> QChart:
    """A QChart drawing ``description`` (category labels are placed by :func:`fit_labels`)."""
    chart = QChart()
    chart.setBackgroundBrush(colors.background)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 8, 12, 4))
    chart.setLocale(fmt.locale())
    chart.setLocalizeNumbers(True)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    for series in _series(description):
        chart.addSeries(series)

    x_axis = QCategoryAxis()
    x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    x_axis.setGridLineVisible(False)
    x_axis.setTruncateLabels(False)  # fit_labels spaces them; a cut label says nothing
    x_axis.setStartValue(-0.5)
    y_axis = QValueAxis()
    whole = all(float(v).is_integer() for s in description.series for v in s.values)
    low, high, step = nice_axis(*value_span(description), whole)
    y_axis.setRange(low, high)
    y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
    y_axis.setTickAnchor(0.0)
    y_axis.setTickInterval(step)
    y_axis.setLabelFormat(f"%.{fmt.decimals_needed((low, step))}f")
    y_axis.setTitleText(description.y_label)
    title_font = y_axis.titleFont()
    title_font.setPointSizeF(y_axis.labelsFont().pointSizeF())
    title_font.setBold(False)
    y_axis.setTitleFont(title_font)
    for axis, side in (
        (x_axis, Qt.AlignmentFlag.AlignBottom),
        (y_axis, Qt.AlignmentFlag.AlignLeft),
    ):
        axis.setLabelsColor(colors.text)
        axis.setTitleBrush(colors.text)
        axis.setLinePen(QPen(colors.grid, 1))
        axis.setGridLineColor(colors.grid)
        chart.addAxis(axis, side)
        for one in chart.series():
            one.attachAxis(axis)

    legend = chart.legend()
    legend.setVisible(len(description.series) > 1)
    many = len(description.series) > LEGEND_BELOW_MAX
    legend.setAlignment(Qt.AlignmentFlag.AlignRight if many else Qt.AlignmentFlag.AlignBottom)
    legend.setShowToolTips(True)  # the whole name of a shortened entry
    legend.setLabelColor(colors.text)
    return chart


def _series(description: Chart) -> list[QAbstractSeries]:
    colors = [series_color(i) for i in range(len(description.series))]
    if description.kind == "line":
        lines: list[QAbstractSeries] = []
        for i, one in enumerate(description.series):
            line = QLineSeries()
            line.setName(one.name)
            line.append([QPointF(x, v) for x, v in enumerate(one.values)])
            line.setPen(QPen(colors[i], 2.5))
            line.setColor(colors[i])
            line.setPointsVisible(len(description.categories) <= 24)
            line.setMarkerSize(5)
            lines.append(line)
        return lines
    bars = QStackedBarSeries() if description.kind == "stacked_bar" else QBarSeries()
    bars.setBarWidth(min(0.75, 0.2 + 0.12 * len(description.categories)))  # few: not slabs
    for i, one in enumerate(description.series):
        bar_set = QBarSet(one.name)
        bar_set.append(list(one.values))
        bar_set.setColor(colors[i])
        bar_set.setBorderColor(colors[i])
        bars.append(bar_set)
    return [bars]


def fit_step(chart: QChart, categories: Sequence[str], plot_width: float) -> tuple[int, int]:
    """How to label the x axis in ``plot_width`` pixels: level when every label has room,
    else upright (Qt cuts slanted labels to their level width) and, when still
    crowded, only every 2nd, 3rd... one. Returns (step, angle)."""
    metrics = QFontMetricsF(chart.axes(Qt.Orientation.Horizontal)[0].labelsFont())
    slot = max(plot_width, 1.0) / max(len(categories), 1)
    widest = max((metrics.horizontalAdvance(label) for label in _unique(categories)), default=0)
    angle, need = 0, widest + metrics.averageCharWidth() * 2
    if need > slot:
        angle, need = -90, metrics.height() * 1.5
    return max(1, math.ceil(need / slot)), angle


def fit_labels(chart: QChart, categories: Sequence[str], plot_width: float) -> tuple[int, int]:
    """Label the x axis as :func:`fit_step` says; returns (step, angle)."""
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QCategoryAxis)
    step, angle = fit_step(chart, categories, plot_width)
    labels = _unique(categories)
    for label in axis.categoriesLabels():
        axis.remove(label)
    for i in range(0, len(labels), step):
        axis.append(labels[i], i)
    axis.setRange(-0.5, len(labels) - 0.5)  # removing and appending labels moves the ends
    axis.setLabelsAngle(angle)
    return step, angle


def chart_image(description: Chart, size: QSize, scale: float = 2.0) -> QImage:
    """``description`` drawn for paper at ``size`` (logical), ``scale`` times sharper."""
    chart = build_chart(description, PRINT_COLORS)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.resize(size)
    fit_labels(chart, description.categories, size.width() * 0.85)
    chart.resize(size.width(), size.height())
    image = QImage(size * scale, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.scene().render(painter, QRectF(image.rect()), QRectF(0, 0, size.width(), size.height()))
    painter.end()
    view.deleteLater()
    return image


class _View(QChartView):
    """A chart view that re-places the category labels when its width changes."""

    def __init__(self, owner: ReportChart) -> None:
        super().__init__()
        self._owner = owner
        self.setRenderHint(QPainter.RenderHint.Antialiasing)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._owner.refit.start()  # once the chart has its new size


class ReportChart(QStackedWidget):
    """The chart of one report result, or a sentence saying there is nothing to draw."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.description: Chart | None = None
        self.view = _View(self)
        self.view.setAccessibleName("Report chart")
        self.empty = empty_state(EMPTY_TEXT)
        self.addWidget(self.view)
        self.addWidget(self.empty)
        self.setMinimumHeight(self.fontMetrics().height() * 14)
        self.step, self.angle = 1, 0
        self.refit = QTimer(self)
        self.refit.setSingleShot(True)
        self.refit.setInterval(0)
        self.refit.timeout.connect(self.fit)
        self.show_chart(None)

    @property
    def showing_empty(self) -> bool:
        """True while the empty-state sentence is shown instead of a chart."""
        return self.currentWidget() is self.empty

    def show_chart(self, description: Chart | None) -> None:
        """Draw ``description``; the empty state when it has nothing to show."""
        self.description = None if is_empty(description) else description
        if self.description is None:
            self._replace(QChart())
            self.setCurrentWidget(self.empty)
            return
        chart = build_chart(self.description, ChartColors.of(QApplication.palette()))
        for i, one in enumerate(chart.series()):
            if isinstance(one, QLineSeries):
                one.hovered.connect(lambda point, on, i=i: self._hovered(on, i, round(point.x())))
            else:
                for j, bar_set in enumerate(one.barSets()):  # type: ignore[attr-defined]
                    bar_set.hovered.connect(lambda on, index, j=j: self._hovered(on, j, index))
        self.step, self.angle = fit_labels(chart, self.description.categories, self._plot_width())
        self._replace(chart)
        self.setCurrentWidget(self.view)

    def _replace(self, chart: QChart) -> None:
        old = self.view.chart()
        self.view.setChart(chart)
        old.deleteLater()  # the view lets go of the old chart without deleting it

    def _plot_width(self) -> float:
        """About how wide the plot area is: the view less the y axis and margins."""
        metrics = self.fontMetrics()
        return self.view.width() - metrics.horizontalAdvance("0" * 10) - metrics.height() * 2

    def fit(self) -> None:
        """Place the x labels again when the view's width calls for another spacing."""
        if self.description is None:
            return
        chart, categories = self.view.chart(), self.description.categories
        if fit_step(chart, categories, self._plot_width()) != (self.step, self.angle):
            self.step, self.angle = fit_labels(chart, categories, self._plot_width())

    def _hovered(self, on: bool, series: int, category: int) -> None:
        if not on or self.description is None:
            QToolTip.hideText()
            return
        category = min(max(category, 0), len(self.description.categories) - 1)
        QToolTip.showText(QCursor.pos(), tooltip_text(self.description, series, category), self)
