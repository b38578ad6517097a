"""A report on A4 paper: title, period, findings, the chart and every table, paginated.

:func:`write_pdf` runs on a worker thread (it paints into a QPdfWriter, which
Qt allows off the GUI thread); the chart comes in as an image drawn on the GUI
thread by :func:`crmdesk.ui.reports.chart.chart_image`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from crmdesk.errors import ExportError
from crmdesk.services.reports.base import ReportResult, Table
from crmdesk.store.files import write_atomically
from crmdesk.ui import fmt
from crmdesk.ui.reports.table_model import heading, is_number, table_texts

DPI = 300
MARGIN_MM = 15
BODY_PT = 9.0
SMALLEST_PT = 6.0
INK = QColor("black")
MUTED = QColor("#606060")
RULE = QColor("#b0b0b0")
STRIPE = QColor("#f2f2f2")
WRAP = int(Qt.TextFlag.TextWordWrap)
ELIDE = Qt.TextElideMode.ElideRight


@contextmanager
def saving(path: Path) -> Iterator[None]:
    """Turn a failed write into one sentence naming the file."""
    try:
        yield
    except OSError as exc:
        raise ExportError(f"Could not write {path}: {exc.strerror or exc}.") from exc


def write_pdf(result: ReportResult, subtitle: str, chart: QImage | None, path: Path) -> int:
    """Write ``result`` to ``path`` as an A4 PDF; returns the number of pages."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(*(MARGIN_MM,) * 4), QPageLayout.Unit.Millimeter)
    writer.setResolution(DPI)
    writer.setTitle(result.title)
    writer.setCreator("crmdesk")
    sheet = _Sheet(writer, f"{result.title} · {subtitle}")
    sheet.text(result.title, _font(16, bold=True))
    sheet.text(f"{subtitle}. Made {fmt.day(date.today())}.", _font(BODY_PT), MUTED)
    sheet.gap(2)
    if result.findings:
        sheet.text("\n".join(f"•  {line}" for line in result.findings), _font(10))
        sheet.gap(2)
    if chart is not None and not chart.isNull():
        sheet.image(chart)
    for table in result.tables:
        sheet.table(table)
    pages = sheet.finish()
    buffer.close()
    with saving(path):
        write_atomically(path, bytes(buffer.data().data()))
    return pages


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


class _Sheet:
    """Paints blocks top to bottom, starting a new page when a block does not fit."""

    def __init__(self, writer: QPdfWriter, footer: str) -> None:
        self.writer = writer
        self.painter = QPainter(writer)
        self.footer = footer
        self.width = float(writer.width())
        self.mm = DPI / 25.4
        footer_font = _font(7.5)
        self.footer_height = QFontMetricsF(footer_font, writer).height() + 3 * self.mm
        self.bottom = writer.height() - self.footer_height
        self.y = 0.0
        self.page = 1

    def gap(self, millimetres: float) -> None:
        self.y += millimetres * self.mm

    def room(self, height: float) -> None:
        """Move to a new page unless ``height`` fits below the current position."""
        if self.y > 0 and self.y + height > self.bottom:
            self._footer()
            self.writer.newPage()
            self.page += 1
            self.y = 0.0

    def text(self, text: str, font: QFont, color: QColor = INK) -> None:
        self.painter.setFont(font)
        box = self.painter.boundingRect(QRectF(0, 0, self.width, 1e6), WRAP, text)
        self.room(box.height())
        self.painter.setPen(color)
        self.painter.drawText(QRectF(0, self.y, self.width, box.height()), WRAP, text)
        self.y += box.height() + 1.5 * self.mm

    def image(self, image: QImage) -> None:
        width = self.width
        height = width * image.height() / image.width()
        most = self.bottom * 0.5
        if height > most:
            width, height = width * most / height, most
        self.room(height)
        self.painter.drawImage(QRectF((self.width - width) / 2, self.y, width, height), image)
        self.y += height + 4 * self.mm

    def table(self, table: Table) -> None:
        """Title, header and rows; the header is repeated on each new page."""
        texts = table_texts(table)
        headers = [heading(c) for c in table.columns]
        right = [any(is_number(row[c]) for row in table.rows) for c in range(len(headers))]
        body, bold, widths = self._fit_columns(headers, texts)
        metrics = QFontMetricsF(body, self.writer)
        row_height = metrics.height() * 1.45
        pad = metrics.averageCharWidth()
        self.painter.setFont(bold)
        header_height = (
            row_height
            - metrics.height()
            + max(
                self.painter.boundingRect(QRectF(0, 0, w - 2 * pad, 1e6), WRAP, h).height()
                for h, w in zip(headers, widths, strict=True)
            )
        )
        title_font = _font(11, bold=True)
        title_height = QFontMetricsF(title_font, self.writer).height() * 1.4

        def header(continued: bool) -> None:
            self.room(title_height + header_height + row_height)
            self.painter.setFont(title_font)
            self.painter.setPen(INK)
            title = f"{table.title} (continued)" if continued else table.title
            self.painter.drawText(QRectF(0, self.y, self.width, title_height), 0, title)
            self.y += title_height
            self._row(headers, widths, right, bold, header_height, pad, wrap=True)
            self.painter.setPen(RULE)
            self.painter.drawLine(0, int(self.y), int(self.width), int(self.y))

        header(False)
        if not texts:
            self._row(["No rows in this period."], [self.width], [False], body, row_height, pad)
        for n, cells in enumerate(texts):
            page = self.page
            self.room(row_height)
            if self.page != page:
                header(True)
            shade = STRIPE if n % 2 else None
            self._row(cells, widths, right, body, row_height, pad, shade=shade)
        self.y += 5 * self.mm

    def _fit_columns(
        self, headers: list[str], texts: list[list[str]]
    ) -> tuple[QFont, QFont, list[float]]:
        """Fonts and column widths that fit the page: headers wrap at spaces, smaller
        type comes next, and only then are cells cut short."""
        points = BODY_PT
        while True:
            body, bold = _font(points), _font(points, bold=True)
            plain, strong = QFontMetricsF(body, self.writer), QFontMetricsF(bold, self.writer)
            pad = plain.averageCharWidth() * 2
            natural = [
                max(
                    [strong.horizontalAdvance(word) for word in header.split()]
                    + [plain.horizontalAdvance(row[c]) for row in texts]
                )
                + pad
                for c, header in enumerate(headers)
            ]
            total = sum(natural) or 1.0
            if total <= self.width or points <= SMALLEST_PT:
                scale = self.width / total if total > self.width else 1.0
                spare = 0.0 if scale < 1 else (self.width - total) / len(natural)
                return body, bold, [w * scale + spare for w in natural]
            points = max(SMALLEST_PT, points * self.width / total)

    def _row(
        self,
        cells: list[str],
        widths: list[float],
        right: list[bool],
        font: QFont,
        height: float,
        pad: float,
        shade: QColor | None = None,
        wrap: bool = False,
    ) -> None:
        if shade is not None:
            self.painter.fillRect(QRectF(0, self.y, sum(widths), height), shade)
        self.painter.setFont(font)
        self.painter.setPen(INK)
        metrics = QFontMetricsF(font, self.writer)
        x = 0.0
        for text, width, to_right in zip(cells, widths, right, strict=True):
            side = Qt.AlignmentFlag.AlignRight if to_right else Qt.AlignmentFlag.AlignLeft
            flags = int(side | Qt.AlignmentFlag.AlignVCenter) | (WRAP if wrap else 0)
            shown = text if wrap else metrics.elidedText(text, ELIDE, width - 2 * pad)
            self.painter.drawText(QRectF(x + pad, self.y, width - 2 * pad, height), flags, shown)
            x += width
        self.y += height

    def _footer(self) -> None:
        self.painter.setFont(_font(7.5))
        self.painter.setPen(MUTED)
        box = QRectF(0, self.bottom + 2 * self.mm, self.width, self.footer_height)
        footer = QFontMetricsF(_font(7.5), self.writer).elidedText(
            self.footer, ELIDE, self.width * 0.8
        )
        self.painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft), footer)
        self.painter.drawText(box, int(Qt.AlignmentFlag.AlignRight), f"Page {self.page}")

    def finish(self) -> int:
        """Close the document; returns how many pages it has."""
        self._footer()
        self.painter.end()
        return self.page
