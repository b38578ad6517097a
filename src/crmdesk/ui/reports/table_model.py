"""A report's table as a sortable Qt model, and its cells as locale-formatted text
(shared with the PDF, so screen and paper say the same)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from crmdesk.services.reports.base import Cell, Table
from crmdesk.ui import fmt

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def heading(column: str) -> str:
    """``Win rate`` for ``win_rate``: a column name as a header."""
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def is_number(value: Cell) -> bool:
    """True for int and float cells (the ones shown right-aligned)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def column_decimals(table: Table) -> list[int]:
    """Per column, the decimals its numbers need (0 to 2), so a column lines up."""
    return [
        fmt.decimals_needed(float(row[c]) for row in table.rows if is_number(row[c]))  # type: ignore[arg-type]
        for c in range(len(table.columns))
    ]


def cell_text(value: Cell, decimals: int) -> str:
    """A cell as the user reads it: numbers in the locale, nothing for None."""
    if value is None:
        return ""
    if is_number(value):
        return fmt.number(value, decimals)  # type: ignore[arg-type]
    return str(value)


def table_texts(table: Table) -> list[list[str]]:
    """Every cell of ``table`` as text, row by row."""
    decimals = column_decimals(table)
    return [[cell_text(v, decimals[c]) for c, v in enumerate(row)] for row in table.rows]


def _sort_key(value: Cell) -> tuple[int, float, str]:
    if is_number(value):
        return (0, float(value), "")  # type: ignore[arg-type]
    return (1, 0.0, str(value).casefold())


class ReportTableModel(QAbstractTableModel):
    """One :class:`Table`, sortable; sorting by column -1 restores the report's order."""

    def __init__(self, table: Table, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self._order = list(range(len(table.rows)))  # report row shown on each line
        self._decimals = column_decimals(table)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.table.rows[self._order[index.row()]][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value, self._decimals[index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if is_number(value) else LEFT
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.table.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return heading(self.table.columns[section])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = any(is_number(row[section]) for row in self.table.rows)
            return RIGHT if numeric else LEFT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        rows = self.table.rows
        new_order = list(range(len(rows)))  # positions in the report's own order
        if 0 <= column < len(self.table.columns):
            present = [i for i in new_order if rows[i][column] is not None]
            present.sort(
                key=lambda i: _sort_key(rows[i][column]),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
            new_order = present + [i for i in new_order if rows[i][column] is None]
        new_row = {i: r for r, i in enumerate(new_order)}
        for index in self.persistentIndexList():
            moved_to = new_row[self._order[index.row()]]
            self.changePersistentIndex(index, self.index(moved_to, index.column()))
        self._order = new_order
        self.layoutChanged.emit()
