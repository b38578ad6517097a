"""The follow-ups pane: what is overdue, due today and coming up.

Tick the box to complete one; the context menu snoozes (an hour, tomorrow
morning, next week), reschedules or deletes; double-click opens the contact.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.views import FollowUpView
from crmdesk.ui.dialogs.followup import RescheduleDialog, next_week_morning, tomorrow_morning
from crmdesk.ui.models.followups import FollowUpModel
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.widgets.common import empty_state, title_label
from crmdesk.ui.widgets.followup_delegate import FollowUpDelegate

NOTHING = (
    "Nothing to follow up.\n\n"
    "Select a contact and press Ctrl+K to plan the next call, visit or e-mail."
)
UPCOMING_LIMIT = 200


def snooze_choices() -> list[tuple[str, datetime]]:
    """The snooze menu: label and new due time (UTC)."""
    return [
        ("1 hour", datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)),
        ("Tomorrow morning", tomorrow_morning()),
        ("Next week", next_week_morning()),
    ]


class FollowUpsPane(QWidget):
    """Open follow-ups in three sections."""

    contact_requested = Signal(str)
    new_requested = Signal()
    undoable = Signal(str, object)
    loaded = Signal()

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops = crm, ops
        self._generation = 0
        self.model = FollowUpModel(self)
        self.model.complete_requested.connect(self.complete)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setRootIsDecorated(False)
        self.view.setItemsExpandable(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Follow-ups")
        self.view.setIndentation(0)
        self.view.setItemDelegate(FollowUpDelegate(self.view))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.model.modelReset.connect(self.view.expandAll)

        self.new_button = QPushButton("+ &Follow-up…")
        self.new_button.setToolTip("Schedule a follow-up for the selected contact (Ctrl+K)")
        self.new_button.clicked.connect(self.new_requested)
        self.header = QHBoxLayout()  # others add their buttons here (Suggestions…)
        self.header.addWidget(title_label("Follow-ups", 1.05), 1)
        self.header.addWidget(self.new_button)
        self.empty = empty_state(NOTHING)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.header)
        layout.addWidget(self.stack, 1)
        ops.changes_applied.connect(self._changes)
        self.refresh()

    def refresh(self) -> None:
        """Reload the three sections on a worker."""
        self._generation += 1
        generation, followups = self._generation, self._crm.followups

        def load() -> tuple[datetime, dict[str, list[FollowUpView]]]:
            now = datetime.now(UTC)
            return now, {
                "overdue": followups.list("overdue", now=now),
                "today": followups.list("today", now=now),
                "upcoming": followups.list("upcoming", now=now, limit=UPCOMING_LIMIT),
            }

        self._ops.read(load, lambda result: self._arrived(generation, *result))

    def _arrived(
        self, generation: int, now: datetime, groups: dict[str, list[FollowUpView]]
    ) -> None:
        if generation != self._generation:
            return
        current = self.selected()
        self.model.set_followups(groups, now)
        self.stack.setCurrentWidget(self.view if self.model.total() else self.empty)
        if current is not None:
            index = self.model.index_of(current.id)
            if index.isValid():
                self.view.setCurrentIndex(index)
        self.loaded.emit()

    def _changes(self, changes: ChangeSet) -> None:
        if changes.everything or changes.followups or changes.contact_list:
            self.refresh()

    def selected(self) -> FollowUpView | None:
        return self.model.followup(self.view.currentIndex())

    # -- actions ---------------------------------------------------------

    def complete(self, followup_id: str) -> None:
        """Tick a follow-up done (undo reopens it)."""
        followups = self._crm.followups
        item = next((f for f in self._all() if f.id == followup_id), None)
        changes = ChangeSet(frozenset({item.contact_id}) if item else frozenset(), followups=True)

        def undo() -> None:
            self._ops.write(lambda: followups.reopen(followup_id), changes)

        text = f"Done: {item.text or item.contact_name}" if item else "Follow-up done"
        self._ops.write(
            lambda: followups.complete(followup_id),
            changes,
            lambda _r: self.undoable.emit(text, undo),
        )

    def snooze(self, followup_id: str, until: datetime) -> None:
        """Move a follow-up to ``until``."""
        followups = self._crm.followups
        item = next((f for f in self._all() if f.id == followup_id), None)
        changes = ChangeSet(frozenset({item.contact_id}) if item else frozenset(), followups=True)
        self._ops.write(lambda: followups.reschedule(followup_id, until), changes)

    def reschedule(self, item: FollowUpView) -> RescheduleDialog:
        dialog = RescheduleDialog(item.due_at, f"{item.contact_name} — {item.text}", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.snooze(item.id, dialog.due()))
        dialog.open()
        return dialog

    def delete(self, item: FollowUpView) -> None:
        followups = self._crm.followups
        changes = ChangeSet(frozenset({item.contact_id}), followups=True)

        def undo() -> None:
            self._ops.write(lambda: followups.restore(item.id), changes)

        self._ops.write(
            lambda: followups.delete(item.id),
            changes,
            lambda _r: self.undoable.emit(
                f"Deleted follow-up “{item.text or item.contact_name}”", undo
            ),
        )

    def _snoozer(self, followup_id: str, until: datetime) -> Callable[[], None]:
        return lambda: self.snooze(followup_id, until)

    def _all(self) -> list[FollowUpView]:
        out = []
        for s in range(self.model.rowCount()):
            section = self.model.index(s, 0)
            for r in range(self.model.rowCount(section)):
                item = self.model.followup(self.model.index(r, 0, section))
                if item:
                    out.append(item)
        return out

    def _open(self, index: QModelIndex) -> None:
        item = self.model.followup(index)
        if item is not None:
            self.contact_requested.emit(item.contact_id)

    def _menu(self, pos: QPoint) -> None:
        item = self.model.followup(self.view.indexAt(pos))
        if item is None:
            return
        menu = self.build_menu(item)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def build_menu(self, item: FollowUpView) -> QMenu:
        """The context menu of one follow-up."""
        menu = QMenu(self)
        menu.addAction("&Done", lambda: self.complete(item.id))
        snooze = menu.addMenu("&Snooze")
        for label, until in snooze_choices():
            snooze.addAction(label, self._snoozer(item.id, until))
        menu.addAction("&Reschedule…", lambda: self.reschedule(item))
        menu.addAction("&Open contact", lambda: self.contact_requested.emit(item.contact_id))
        menu.addSeparator()
        menu.addAction("De&lete", lambda: self.delete(item))
        return menu
