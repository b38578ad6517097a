"""Two-line contact rows: avatar, name, and company and phone under it.

People get a round avatar, companies a square one, a bold name and the word
"Company" in the second line, so the two are told apart at a glance.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from crmdesk.ui.models.contact_list import COMPANY_ROLE, SUBTITLE_ROLE
from crmdesk.ui.widgets.common import secondary_color
from crmdesk.ui.widgets.icons import paint_avatar

Index = QModelIndex | QPersistentModelIndex


class ContactDelegate(QStyledItemDelegate):
    """Paints one contact row; sizes follow the font, so 200 % scaling just works."""

    @staticmethod
    def row_height(metrics: QFontMetrics) -> int:
        """Height of one row for a font: two lines of text and some air."""
        return int(metrics.height() * 2.9)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(metrics.height() * 10, self.row_height(metrics))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        if style:
            opt.text = ""
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        rect = opt.rect
        line = QFontMetrics(opt.font).height()
        pad = max(4, line // 3)
        size = line * 2.1
        avatar = QRectF(rect.left() + pad, rect.top() + (rect.height() - size) / 2, size, size)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        is_company = bool(index.data(COMPANY_ROLE))
        paint_avatar(painter, avatar, name, is_company)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_left = int(avatar.right() + pad * 1.5)
        width = rect.right() - text_left - pad
        top = rect.top() + (rect.height() - 2 * line) // 2
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(text_role))
        fm_bold = QFontMetrics(bold)
        painter.drawText(
            text_left,
            top,
            width,
            line,
            Qt.AlignmentFlag.AlignVCenter,
            fm_bold.elidedText(name, Qt.TextElideMode.ElideRight, width),
        )
        small = QFont(opt.font)
        small.setItalic(is_company)
        painter.setFont(small)
        painter.setPen(palette.color(secondary_color(palette, selected)))
        sub = str(index.data(SUBTITLE_ROLE) or "")
        painter.drawText(
            text_left,
            top + line,
            width,
            line,
            Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(small).elidedText(sub, Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()
