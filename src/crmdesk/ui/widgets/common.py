"""Small building blocks: empty-state text, error labels, section titles,
the invalid-field look, and a notice banner."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from crmdesk.ui.widgets.icons import kind_icon

ERROR_COLOR = "#c62828"

#: Added to the application's style sheet: fields marked invalid get a red border.
STYLE_SHEET = f"""
*[invalid="true"] {{ border: 1px solid {ERROR_COLOR}; border-radius: 3px; padding: 2px; }}
QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
QLabel[role="error"] {{ color: {ERROR_COLOR}; }}
QLabel[role="empty"] {{ color: palette(placeholder-text); }}
QLabel[role="muted"] {{ color: palette(placeholder-text); }}
QFrame[role="tile"] {{ background: palette(alternate-base); border: 1px solid palette(midlight);
                      border-radius: 6px; }}
QFrame[role="banner"] {{ background: #fff4d6; border: 1px solid #e0c070; border-radius: 6px; }}
QFrame[role="banner"] QLabel {{ color: #3a3000; }}
QLabel[role="offer"] {{ background: palette(alternate-base); border-left: 3px solid #2e7d32;
                       border-radius: 3px; padding: 4px 6px; }}
QFrame[kind="call"] {{ background: #e3f2e5; border-color: #88c090; }}
QFrame[kind="call"] QLabel {{ color: #12361a; }}
"""


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Give ``widget`` (or take away) the red border of an invalid field."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (``&Due:``) focuses ``buddy``.

    ``QFormLayout.addRow(text, layout)`` has no field to bind the mnemonic to
    and would show the ``&``; rows holding a layout use this instead.
    """
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def error_label() -> QLabel:
    """A red message line, hidden while empty."""
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_error(label: QLabel, text: str) -> None:
    """Show ``text`` in an error label (hide it when empty)."""
    label.setText(text)
    label.setVisible(bool(text))


def empty_state(text: str) -> QLabel:
    """Centred, wrapped, muted text telling the user what to do next."""
    label = QLabel(text)
    label.setProperty("role", "empty")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setMargin(24)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label


def muted(text: str = "") -> QLabel:
    """A secondary, greyed label."""
    label = QLabel(text)
    label.setProperty("role", "muted")
    return label


def title_label(text: str, scale: float = 1.15) -> QLabel:
    """A bold heading, ``scale`` times the normal font size."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def hline() -> QFrame:
    """A thin horizontal separator."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class Banner(QFrame):
    """A notice at the top of the window with optional action buttons."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self._icon = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._icon)
        layout.addWidget(self.message, 1)
        self._buttons = QHBoxLayout()
        layout.addLayout(self._buttons)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.hide()

    def show_notice(
        self,
        text: str,
        actions: Sequence[tuple[str, Callable[[], None]]] = (),
        kind: str = "",
    ) -> None:
        """Show ``text`` (plain) with a button per ``(label, callback)``."""
        while self._buttons.count():
            item = self._buttons.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, cb=callback: (self.dismiss(), cb()))
            self._buttons.addWidget(button)
        self.message.setText(text)
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        size = self.fontMetrics().height() + 6
        self._icon.setPixmap(kind_icon(kind or "followup").pixmap(size, size))
        self.show()

    def dismiss(self) -> None:
        """Hide the banner."""
        self.hide()
        self.closed.emit()


def secondary_color(palette: QPalette, selected: bool) -> QPalette.ColorRole:
    """The role for secondary text: muted, or readable on a selection."""
    return QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
