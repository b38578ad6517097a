"""Follow-up rows: checkbox, contact and due time on one line, what to do under it."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from crmdesk.ui.models.followups import (
    DETAIL_ROLE,
    DUE_ROLE,
    HIGH_ROLE,
    OVERDUE_FG,
    OVERDUE_ROLE,
    TOP,
)
from crmdesk.ui.widgets.common import secondary_color

Index = QModelIndex | QPersistentModelIndex


class FollowUpDelegate(QStyledItemDelegate):
    """Two lines per follow-up; section rows use the default look."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        if index.internalId() == TOP:
            return QSize(line * 8, int(line * 1.8))
        return QSize(line * 12, int(line * 2.6))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if index.internalId() == TOP:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        if style is None:
            return
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        check = style.subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, widget)
        box = QStyleOptionViewItem(opt)
        box.rect = check
        box.state = box.state & ~QStyle.StateFlag.State_HasFocus
        box.state |= QStyle.StateFlag.State_Off
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, box, painter, widget
        )

        line = QFontMetrics(opt.font).height()
        pad = max(3, line // 4)
        left = check.right() + pad * 2
        rect = QRect(left, opt.rect.top() + pad, opt.rect.right() - left - pad, line)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        due = str(index.data(DUE_ROLE) or "")
        due_width = QFontMetrics(opt.font).horizontalAdvance(due) + pad
        overdue = bool(index.data(OVERDUE_ROLE))
        painter.setPen(OVERDUE_FG if overdue and not selected else palette.color(text_role))
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, due)
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(text_role))
        name_rect = rect.adjusted(0, 0, -due_width, 0)
        name = QFontMetrics(bold).elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideRight,
            name_rect.width(),
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        detail = QFont(opt.font)
        detail.setBold(bool(index.data(HIGH_ROLE)))
        painter.setFont(detail)
        painter.setPen(palette.color(secondary_color(palette, selected)))
        text = str(index.data(DETAIL_ROLE) or "")
        detail_rect = rect.translated(0, line)
        painter.drawText(
            detail_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(detail).elidedText(text, Qt.TextElideMode.ElideRight, detail_rect.width()),
        )
        painter.restore()
