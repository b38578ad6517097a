"""Timeline entries: the kind's icon beside rich text that wraps to the width."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFontMetrics,
    QIcon,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from crmdesk.ui.models.timeline import HTML_ROLE, KIND_ROLE
from crmdesk.ui.widgets.icons import paint_badge

Index = QModelIndex | QPersistentModelIndex


class TimelineDelegate(QStyledItemDelegate):
    """Lays out each entry as a small rich-text document."""

    def _metrics(self, option: QStyleOptionViewItem) -> tuple[int, int, float]:
        line = QFontMetrics(option.font).height()
        pad = max(4, line // 3)
        return line, pad, line * 1.6

    def _document(self, option: QStyleOptionViewItem, index: Index, width: float) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        doc.setHtml(str(index.data(HTML_ROLE) or ""))
        doc.setTextWidth(max(50.0, width))
        return doc

    def _text_width(self, option: QStyleOptionViewItem) -> float:
        _line, pad, icon = self._metrics(option)
        view = option.widget
        width = option.rect.width()
        if isinstance(view, QAbstractItemView):
            width = view.viewport().width()
        return width - icon - 4 * pad

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        _line, pad, icon = self._metrics(option)
        doc = self._document(option, index, self._text_width(option))
        height = max(icon, doc.size().height()) + 2 * pad
        return QSize(int(self._text_width(option) + icon + 3 * pad), int(height) + 1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        opt.text = ""
        opt.icon = QIcon()
        if widget is not None:
            widget.style().drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget
            )
        _line, pad, icon = self._metrics(opt)
        rect = opt.rect
        paint_badge(
            painter,
            QRectF(rect.left() + pad, rect.top() + pad, icon, icon),
            str(index.data(KIND_ROLE)),
        )
        left = rect.left() + icon + 2 * pad
        doc = self._document(opt, index, rect.right() - left - pad)
        painter.save()
        painter.translate(left, rect.top() + pad)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        doc.documentLayout().draw(painter, context)
        painter.restore()
