"""View ▸ Suggested follow-ups… (Ctrl+Shift+G): birthdays, quiet customers and
complaint check-ins worth a follow-up, each accepted (scheduled as a follow-up)
or dismissed (not suggested again). Reads and writes run off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.permissions import EDIT, PERMISSION_LABELS
from crmdesk.services.app import Crm
from crmdesk.services.suggestions import Suggestion
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, muted, show_error

if TYPE_CHECKING:
    from crmdesk.ui.main_window import MainWindow

SHORTCUT = "Ctrl+Shift+G"
COLUMNS = ("Due", "Contact", "Why", "Suggestion")
NOTHING = (
    "No suggestions right now.\n\nBirthdays in the coming week, customers quieter than "
    "usual and complaints resolved a week ago show up here."
)


class SuggestionsDialog(QDialog):
    """Open suggestions: accept (schedule the follow-up), dismiss, or open the contact."""

    contact_requested = Signal(str)

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Suggested follow-ups")
        self.suggestions: list[Suggestion] = []
        self._may_edit = True
        self._keep_row = 0
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName("Suggested follow-ups")
        self.tree.currentItemChanged.connect(lambda *_: self._enable())
        self.tree.itemDoubleClicked.connect(lambda *_: self._open_contact())
        self.empty = empty_state(NOTHING)
        intro = muted(
            "Follow-ups worth making now. Accept schedules one with the reason as its text; "
            "Dismiss hides the suggestion for good. Enter accepts, Delete dismisses."
        )
        intro.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.problem = error_label()
        self.accept_button = QPushButton("&Accept")
        self.accept_button.setToolTip("Schedule this as a follow-up (Enter)")
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.setToolTip("Do not suggest this again (Delete)")
        self.open_button = QPushButton("&Open contact")
        self.open_button.setToolTip("Show this contact's card in the main window (double-click)")
        self.accept_button.clicked.connect(self.accept_current)
        self.dismiss_button.clicked.connect(self.dismiss_current)
        self.open_button.clicked.connect(self._open_contact)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.accept_button, self.dismiss_button, self.open_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        # On the list, Enter accepts (rather than reaching the dialog's Close button).
        for key, slot in (
            (Qt.Key.Key_Return, self.accept_current),
            (Qt.Key.Key_Enter, self.accept_current),
            (Qt.Key.Key_Delete, self.dismiss_current),
        ):
            QShortcut(QKeySequence(key), self.tree, slot, Qt.ShortcutContext.WidgetShortcut)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(920, 420)
        self._enable()
        ops.changes_applied.connect(self._changed)
        self.finished.connect(lambda _code: ops.changes_applied.disconnect(self._changed))
        self.reload()

    def _changed(self, _changes: ChangeSet) -> None:
        self.reload()  # an accept or dismissal here, a purchase or a sync elsewhere

    def reload(self) -> None:
        """Read the open suggestions again."""
        crm = self.crm
        self.ops.read(
            lambda: (crm.suggestions.list(), crm.users.may(EDIT)), self._show, self._failed
        )

    def _show(self, result: tuple[list[Suggestion], bool]) -> None:
        if not shiboken6.isValid(self):
            return  # closed while the read ran
        self.suggestions, self._may_edit = result
        self.tree.clear()
        for s in self.suggestions:
            due = "Today" if s.due == date.today() else fmt.day(s.due)
            item = QTreeWidgetItem([due, s.contact_name, s.rule_label, s.reason])
            item.setToolTip(3, s.reason)
            self.tree.addTopLevelItem(item)
        gap = self.fontMetrics().averageCharWidth() * 3
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, self.tree.columnWidth(column) + gap)
        self.empty.setVisible(not self.suggestions)
        self.tree.setVisible(bool(self.suggestions))
        if self.suggestions:
            row = min(self._keep_row, len(self.suggestions) - 1)
            self.tree.setCurrentItem(self.tree.topLevelItem(row))
            self.tree.setFocus()
        self._enable()

    def current(self) -> Suggestion | None:
        """The suggestion chosen in the list."""
        row = self.tree.indexOfTopLevelItem(self.tree.currentItem())
        return self.suggestions[row] if 0 <= row < len(self.suggestions) else None

    def _enable(self, busy: bool = False) -> None:
        chosen = self.current() is not None and not busy
        why = f"Your role may not {PERMISSION_LABELS[EDIT]}."
        for button, tip in (
            (self.accept_button, "Schedule this as a follow-up (Enter)"),
            (self.dismiss_button, "Do not suggest this again (Delete)"),
        ):
            button.setEnabled(chosen and self._may_edit)
            button.setToolTip(tip if self._may_edit else why)
        self.open_button.setEnabled(chosen)

    def accept_current(self) -> None:
        """Schedule the chosen suggestion as a follow-up."""
        chosen = self.current()
        if chosen is None or not self._may_edit:
            return
        suggestions = self.crm.suggestions

        def done(_followup_id: str) -> None:
            self.result_label.setText(
                f"Follow-up scheduled for {chosen.contact_name} on {fmt.day(chosen.due)}."
            )

        self._write(
            lambda: suggestions.accept(chosen),
            ChangeSet.for_contact(chosen.contact_id, followups=True),
            done,
        )

    def dismiss_current(self) -> None:
        """Hide the chosen suggestion for good."""
        chosen = self.current()
        if chosen is None or not self._may_edit:
            return
        suggestions = self.crm.suggestions

        def done(_dismissed: Suggestion) -> None:
            self.result_label.setText(
                f"Dismissed: {chosen.contact_name}, {chosen.rule_label.lower()}."
            )

        self._write(lambda: suggestions.dismiss(chosen), ChangeSet(), done)

    def _write(
        self, fn: Callable[[], Any], changes: ChangeSet, done: Callable[[Any], None]
    ) -> None:
        self._keep_row = max(0, self.tree.indexOfTopLevelItem(self.tree.currentItem()))
        self._enable(busy=True)
        show_error(self.problem, "")
        self.ops.write(fn, changes, done, self._failed)

    def _open_contact(self) -> None:
        chosen = self.current()
        if chosen is not None:
            self.contact_requested.emit(chosen.contact_id)

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        show_error(self.problem, describe(exc))
        self.reload()


def install(window: MainWindow, menu: QMenu) -> QAction:
    """Add "Suggested follow-ups…" to ``menu`` and a button to the follow-ups pane."""
    action = QAction("Suggested follo&w-ups…", window)
    action.setShortcut(QKeySequence(SHORTCUT))
    action.setStatusTip("Birthdays, quiet customers and complaint check-ins worth a follow-up")
    action.triggered.connect(lambda _checked=False: open_suggestions(window))
    menu.addAction(action)
    button = QPushButton("Su&ggestions…")
    button.setToolTip(f"Follow-ups worth making now ({SHORTCUT})")
    button.clicked.connect(lambda: open_suggestions(window))
    window.followups.header.addWidget(button)
    return action


def open_suggestions(window: MainWindow) -> SuggestionsDialog:
    """Show the suggestions dialog over ``window``."""
    dialog = SuggestionsDialog(window.crm, window.ops, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.contact_requested.connect(window.show_contact)
    dialog.show()
    return dialog
