"""Icons drawn in code (crisp at any scale, nothing to ship): activity kinds,
the application icon and initials avatars."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from crmdesk.domain.names import initials

SIZES = (16, 20, 24, 32, 40, 48, 64, 96, 128)
WHITE = QColor("white")

KIND_COLORS = {
    "call": "#2e7d32",
    "meeting": "#6a1b9a",
    "email": "#1565c0",
    "note": "#6d4c41",
    "visit": "#00838f",
    "purchase": "#ef6c00",
    "payment": "#558b2f",
    "complaint": "#c62828",
    "followup": "#37474f",
}
PERSON_COLORS = (
    "#1e88e5",
    "#43a047",
    "#8e24aa",
    "#f4511e",
    "#00897b",
    "#3949ab",
    "#c0ca33",
    "#d81b60",
)
COMPANY_COLORS = ("#455a64", "#5d4037", "#37474f", "#4e342e", "#263238")

Glyph = Callable[[QPainter], None]


def _pen(p: QPainter, width: float = 0.075) -> None:
    pen = QPen(WHITE, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)


def _call(p: QPainter) -> None:
    path = QPainterPath(QPointF(0.33, 0.27))
    path.cubicTo(0.22, 0.36, 0.30, 0.55, 0.43, 0.65)
    path.cubicTo(0.55, 0.75, 0.66, 0.78, 0.73, 0.68)
    _pen(p, 0.11)
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawEllipse(QPointF(0.33, 0.28), 0.08, 0.08)
    p.drawEllipse(QPointF(0.72, 0.67), 0.08, 0.08)


def _meeting(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    for x in (0.38, 0.62):
        p.drawEllipse(QPointF(x, 0.38), 0.085, 0.085)
        p.drawPie(QRectF(x - 0.15, 0.52, 0.30, 0.30), 0, 180 * 16)


def _email(p: QPainter) -> None:
    _pen(p)
    p.drawRoundedRect(QRectF(0.25, 0.32, 0.50, 0.36), 0.04, 0.04)
    path = QPainterPath(QPointF(0.27, 0.35))
    path.lineTo(0.5, 0.52)
    path.lineTo(0.73, 0.35)
    p.drawPath(path)


def _note(p: QPainter) -> None:
    _pen(p)
    p.drawRoundedRect(QRectF(0.31, 0.24, 0.38, 0.52), 0.04, 0.04)
    for y in (0.38, 0.5, 0.62):
        p.drawLine(QPointF(0.39, y), QPointF(0.61 if y < 0.6 else 0.52, y))


def _visit(p: QPainter) -> None:
    path = QPainterPath(QPointF(0.5, 0.78))
    path.cubicTo(0.40, 0.62, 0.30, 0.52, 0.30, 0.42)
    path.arcTo(QRectF(0.30, 0.22, 0.40, 0.40), 180, -180)
    path.cubicTo(0.70, 0.52, 0.60, 0.62, 0.5, 0.78)
    hole = QPainterPath()
    hole.addEllipse(QPointF(0.5, 0.42), 0.075, 0.075)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawPath(path.subtracted(hole))


def _purchase(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawRoundedRect(QRectF(0.28, 0.40, 0.44, 0.36), 0.05, 0.05)
    _pen(p, 0.07)
    p.drawArc(QRectF(0.39, 0.25, 0.22, 0.28), 0, 180 * 16)
    p.drawLine(QPointF(0.39, 0.39), QPointF(0.39, 0.42))
    p.drawLine(QPointF(0.61, 0.39), QPointF(0.61, 0.42))


def _payment(p: QPainter) -> None:
    _pen(p, 0.065)
    p.drawRoundedRect(QRectF(0.22, 0.33, 0.56, 0.34), 0.04, 0.04)
    p.drawEllipse(QPointF(0.5, 0.5), 0.08, 0.08)
    p.drawPoint(QPointF(0.31, 0.5))
    p.drawPoint(QPointF(0.69, 0.5))


def _complaint(p: QPainter) -> None:
    _pen(p, 0.12)
    p.drawLine(QPointF(0.5, 0.27), QPointF(0.5, 0.56))
    p.drawPoint(QPointF(0.5, 0.73))


def _followup(p: QPainter) -> None:
    _pen(p, 0.07)
    p.drawEllipse(QPointF(0.5, 0.5), 0.24, 0.24)
    p.drawLine(QPointF(0.5, 0.5), QPointF(0.5, 0.35))
    p.drawLine(QPointF(0.5, 0.5), QPointF(0.61, 0.56))


GLYPHS: dict[str, Glyph] = {
    "call": _call,
    "meeting": _meeting,
    "email": _email,
    "note": _note,
    "visit": _visit,
    "purchase": _purchase,
    "payment": _payment,
    "complaint": _complaint,
    "followup": _followup,
}


def paint_badge(p: QPainter, rect: QRectF, kind: str) -> None:
    """A coloured disc with the kind's white glyph, filling ``rect``."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.translate(rect.topLeft())
    p.scale(rect.width(), rect.height())
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(KIND_COLORS.get(kind, "#607d8b")))
    p.drawEllipse(QRectF(0.02, 0.02, 0.96, 0.96))
    GLYPHS.get(kind, _note)(p)
    p.restore()


def _icon(paint: Callable[[QPainter, QRectF], None]) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


@cache
def kind_icon(kind: str) -> QIcon:
    """The icon of an activity kind (``call``, ``purchase``...) or ``followup``."""
    return _icon(lambda p, r: paint_badge(p, r, kind))


def _paint_app(p: QPainter, rect: QRectF) -> None:
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.translate(rect.topLeft())
    p.scale(rect.width(), rect.height())
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1565c0"))
    p.drawRoundedRect(QRectF(0.04, 0.04, 0.92, 0.92), 0.2, 0.2)
    p.setBrush(WHITE)
    p.drawRoundedRect(QRectF(0.18, 0.27, 0.64, 0.46), 0.06, 0.06)
    p.setBrush(QColor("#1565c0"))
    p.drawEllipse(QPointF(0.34, 0.44), 0.07, 0.07)
    p.drawPie(QRectF(0.24, 0.52, 0.20, 0.18), 0, 180 * 16)
    p.drawRect(QRectF(0.5, 0.39, 0.22, 0.05))
    p.drawRect(QRectF(0.5, 0.50, 0.16, 0.05))
    p.restore()


@cache
def app_icon() -> QIcon:
    """The window and tray icon: a blue card with a person on it."""
    return _icon(_paint_app)


def avatar_color(name: str, is_company: bool) -> QColor:
    """A stable colour per name; companies get darker, muted ones."""
    palette = COMPANY_COLORS if is_company else PERSON_COLORS
    return QColor(palette[zlib.crc32(name.casefold().encode()) % len(palette)])


def paint_avatar(p: QPainter, rect: QRectF, name: str, is_company: bool) -> None:
    """Initials on a disc (people) or a rounded square (companies)."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(avatar_color(name, is_company)))
    if is_company:
        radius = rect.width() * 0.18
        p.drawRoundedRect(rect, radius, radius)
    else:
        p.drawEllipse(rect)
    font = QFont(p.font())
    font.setBold(True)
    font.setPixelSize(max(6, int(rect.height() * 0.38)))
    p.setFont(font)
    p.setPen(WHITE)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials(name) or "?")
    p.restore()


def avatar_pixmap(name: str, is_company: bool, size: int, ratio: float = 1.0) -> QPixmap:
    """An avatar as a pixmap of ``size`` logical pixels at device pixel ``ratio``."""
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_avatar(painter, QRectF(0, 0, size, size), name, is_company)
    painter.end()
    return pixmap
