"""Follow-ups grouped under Overdue, Today and Upcoming (a two-level tree).

Top-level rows are the sections that have something in them; their children
are the follow-ups. Ticking a child's checkbox does not change the model:
it asks (``complete_requested``) and the pane runs the service call, then
reloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from crmdesk.services.views import FollowUpView
from crmdesk.ui import fmt

Index = QModelIndex | QPersistentModelIndex
SECTIONS = (("overdue", "Overdue"), ("today", "Today"), ("upcoming", "Upcoming"))
FOLLOWUP_ROLE = Qt.ItemDataRole.UserRole + 1
SECTION_ROLE = Qt.ItemDataRole.UserRole + 2
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3
DUE_ROLE = Qt.ItemDataRole.UserRole + 4
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 5
HIGH_ROLE = Qt.ItemDataRole.UserRole + 6
OVERDUE_FG = QColor("#b71c1c")
OVERDUE_BG = QColor(198, 40, 40, 28)
TOP = 0  # internalId of a section row; a follow-up row has its section's row + 1


class FollowUpModel(QAbstractItemModel):
    """Sections of follow-ups; one checkable row per follow-up."""

    complete_requested = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._sections: list[tuple[str, str, list[FollowUpView]]] = []
        self._now = datetime.now(UTC)

    def set_followups(
        self, groups: dict[str, Sequence[FollowUpView]], now: datetime | None = None
    ) -> None:
        """Replace everything with ``{"overdue": [...], "today": [...], "upcoming": [...]}``."""
        self.beginResetModel()
        self._now = now or datetime.now(UTC)
        self._sections = [
            (key, title, list(groups.get(key, ()))) for key, title in SECTIONS if groups.get(key)
        ]
        self.endResetModel()

    def total(self) -> int:
        return sum(len(items) for _, _, items in self._sections)

    def count(self, section: str) -> int:
        return next((len(items) for key, _, items in self._sections if key == section), 0)

    def followup(self, index: Index) -> FollowUpView | None:
        if not index.isValid() or index.internalId() == TOP:
            return None
        _, _, items = self._sections[index.internalId() - 1]
        return items[index.row()] if index.row() < len(items) else None

    def index_of(self, followup_id: str) -> QModelIndex:
        for s, (_, _, items) in enumerate(self._sections):
            for r, item in enumerate(items):
                if item.id == followup_id:
                    return self.createIndex(r, 0, s + 1)
        return QModelIndex()

    # -- structure -------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._sections)
        if parent.internalId() == TOP and parent.column() == 0:
            return len(self._sections[parent.row()][2])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return "Follow-up" if section == 0 else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.internalId() != TOP:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    # -- content ---------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == TOP:
            return self._section_data(index, role)
        item = self.followup(index)
        if item is None:
            return None
        overdue = self._sections[index.internalId() - 1][0] == "overdue"
        if role == Qt.ItemDataRole.DisplayRole:
            return item.contact_name
        if role == DETAIL_ROLE:
            return item.text
        if role == DUE_ROLE:
            return fmt.when(item.due_at, self._now)
        if role == OVERDUE_ROLE:
            return overdue
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if item.done_at else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            extra = f"\nPriority: {item.priority}" if item.priority != "normal" else ""
            repeat = f"\nRepeats: {item.recurrence}" if item.recurrence != "none" else ""
            due = fmt.when(item.due_at, self._now)
            return f"{item.contact_name}\n{item.text}\nDue {due}{extra}{repeat}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{item.contact_name}, {item.text}, due {fmt.when(item.due_at, self._now)}"
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return QBrush(OVERDUE_BG)
        if role == HIGH_ROLE:
            return item.priority == "high"
        if role == FOLLOWUP_ROLE:
            return item
        return None

    def _section_data(self, index: Index, role: int) -> Any:
        key, title, items = self._sections[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{title} ({len(items)})"
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and key == "overdue":
            return QBrush(OVERDUE_FG)
        if role == SECTION_ROLE:
            return key
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        item = self.followup(index)
        if item is None or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if checked and item.done_at is None:
            self.complete_requested.emit(item.id)
        return False
