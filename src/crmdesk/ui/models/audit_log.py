"""The audit trail as a table: entry numbers first, rows a page at a time.

:meth:`AuditLogModel.show` asks (on a worker thread) for the numbers of the
matching entries, newest first; a page of rows is fetched, again off the GUI
thread, when it comes into view, and only the most recently seen pages are
kept. Every new filter bumps a generation number, so a late answer for an old
filter is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from crmdesk.services.audit_trail import AuditFilter, AuditRow, AuditTrail
from crmdesk.ui import fmt
from crmdesk.ui.ops import Ops, describe

PAGE = 200
MAX_PAGES = 20
PLACEHOLDER = "…"
COLUMNS = ("#", "When", "User", "Action", "Record", "Summary")
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class AuditLogModel(QAbstractTableModel):
    """Audit entries matching a filter, newest first, loaded lazily."""

    counted = Signal(int)  # how many entries match
    failed = Signal(str)  # a sentence for the user

    def __init__(self, trail: AuditTrail, ops: Ops, parent: Any = None) -> None:
        super().__init__(parent)
        self._trail, self._ops = trail, ops
        self._seqs: list[int] = []
        self._pages: OrderedDict[int, list[AuditRow]] = OrderedDict()
        self._in_flight: set[int] = set()
        self._generation = 0

    def show(self, f: AuditFilter) -> None:
        """Replace the rows with the entries matching ``f``."""
        self.beginResetModel()
        self._generation += 1
        self._seqs, self._in_flight = [], set()
        self._pages.clear()
        self.endResetModel()
        generation, trail = self._generation, self._trail
        self._ops.read(
            lambda: trail.seqs(f),
            lambda seqs: self._counted(generation, seqs),
            lambda exc: self._failed(generation, exc),
        )

    @property
    def pages_held(self) -> int:
        """How many pages of rows are in memory."""
        return len(self._pages)

    def entry(self, row: int) -> AuditRow | None:
        """The row's entry, if its page is loaded."""
        page = self._pages.get(row // PAGE) if 0 <= row < len(self._seqs) else None
        return page[row % PAGE] if page is not None and row % PAGE < len(page) else None

    # -- Qt model ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._seqs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._seqs):
            return None
        entry = self.entry(index.row())
        if entry is None:
            self._request(index.row() // PAGE)
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        self._pages.move_to_end(index.row() // PAGE)
        if role == ROW_ROLE:
            return entry
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _cells(entry)[index.column()]
        return None

    # -- internals -------------------------------------------------------

    def _counted(self, generation: int, seqs: list[int]) -> None:
        if generation != self._generation:
            return
        if seqs:
            self.beginInsertRows(QModelIndex(), 0, len(seqs) - 1)
            self._seqs = seqs
            self.endInsertRows()
        self.counted.emit(len(seqs))

    def _request(self, number: int) -> None:
        if number in self._in_flight:
            return
        self._in_flight.add(number)
        generation, trail = self._generation, self._trail
        wanted = self._seqs[number * PAGE : (number + 1) * PAGE]
        self._ops.read(
            lambda: trail.rows(wanted),
            lambda rows: self._arrived(generation, number, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, number: int, rows: list[AuditRow]) -> None:
        if generation != self._generation:
            return
        self._in_flight.discard(number)
        self._pages[number] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if rows:
            start = number * PAGE
            end = min(start + len(rows), len(self._seqs)) - 1
            self.dataChanged.emit(self.index(start, 0), self.index(end, len(COLUMNS) - 1))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._in_flight.clear()
            self.failed.emit(describe(exc))


def _cells(entry: AuditRow) -> tuple[str, ...]:
    shown = entry.entity_id or ""
    if len(shown) > 12:  # a record id: its start is enough to tell them apart
        shown = f"{shown[:8]}…"
    record = f"{entry.entity} {shown}".strip()
    return (
        str(entry.seq),
        fmt.when(entry.at),
        entry.user,
        entry.action,
        record,
        entry.summary,
    )
