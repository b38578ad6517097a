"""The main window's Reports menu: the whole window (Ctrl+Shift+R) and one entry per report.

Kept apart from the window so starting crmdesk does not load Qt Charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from crmdesk.domain.permissions import EXPORT

if TYPE_CHECKING:
    from crmdesk.ui.reports.window import ReportsWindow

SHORTCUT = "Ctrl+Shift+R"


class ReportsMenu(QObject):
    """Adds "Reports" to ``window``'s menu bar and keeps one Reports window for it.

    ``window`` is the main window: it has ``crm``, ``ops``, ``people`` (the role
    guard) and ``show_message``.
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._main = window
        self.window: ReportsWindow | None = None
        self.menu = window.menuBar().addMenu("&Reports")
        self.menu.setToolTipsVisible(True)
        self.open_action = self._add("&All reports…", "Charts, tables and findings", None)
        self.open_action.setShortcut(QKeySequence(SHORTCUT))
        self.menu.addSeparator()
        for spec in window.crm.reports.specs():
            self._add(spec.title, spec.description, spec.name)

    def _add(self, text: str, tip: str, name: str | None) -> QAction:
        action = QAction(text, self._main)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: self.open(name))
        self.menu.addAction(action)
        return action

    def open(self, name: str | None = None) -> ReportsWindow:
        """Show the Reports window (made on first use), on report ``name`` if given."""
        if self.window is None:
            from crmdesk.ui.reports.window import ReportsWindow

            main = self._main
            self.window = ReportsWindow(main.crm, main.ops, main)
            self.window.saved.connect(main.show_message)
            for button in (self.window.csv_button, self.window.pdf_button):
                main.people.guard(button, EXPORT)
            main.people.refresh()
        if name is not None:
            self.window.show_report(name)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window
