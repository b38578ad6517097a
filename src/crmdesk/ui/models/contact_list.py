"""The contact list: a lazy model that pages through contacts by key.

Browsing asks ``queries.page(filter, after=(sort_key, num), limit=200)`` for
one page at a time as the view scrolls (``canFetchMore``/``fetchMore``), on a
worker thread. A search shows a fixed list of results instead. Every reset
bumps a generation number, so a page that arrives late for an old query is
dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from crmdesk.services.views import ContactSummary
from crmdesk.ui.ops import Ops, describe

PAGE = 200
Index = QModelIndex | QPersistentModelIndex
PageSource = Callable[[tuple[str, int] | None, int], list[ContactSummary]]

SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 3
COMPANY_ROLE = Qt.ItemDataRole.UserRole + 4


def subtitle(row: ContactSummary) -> str:
    """``Acme Oy · 040 123 4567`` for a person, ``Company · 09 123 456`` for a company."""
    first = "Company" if row.is_company else row.company_name
    return " · ".join(p for p in (first, row.phone or row.email) if p)


class ContactListModel(QAbstractListModel):
    """Contacts in name order, loaded a page at a time; or search results."""

    loaded = Signal()  # the first page (or the results) arrived

    def __init__(self, ops: Ops, parent: Any = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._rows: list[ContactSummary] = []
        self._source: PageSource | None = None
        self._more = False
        self._fetching = False
        self._generation = 0
        self._ready = False

    # -- what to show ----------------------------------------------------

    def browse(self, source: PageSource) -> None:
        """Page through ``source(after, limit)`` from the start."""
        self._reset(source)
        self._more = True
        self._request()

    def show_results(self, rows: Sequence[ContactSummary]) -> None:
        """Show a fixed list (search results)."""
        self._reset(None)
        self._ready = True
        if rows:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows = list(rows)
            self.endInsertRows()
        self.loaded.emit()

    @property
    def ready(self) -> bool:
        """True once the first page or the results are in."""
        return self._ready

    def summary(self, row: int) -> ContactSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, contact_id: str) -> int:
        """The row showing ``contact_id``, or -1 if it is not loaded."""
        return next((i for i, r in enumerate(self._rows) if r.id == contact_id), -1)

    # -- Qt model ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.display_name
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(p for p in (row.display_name, subtitle(row), row.email) if p)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return subtitle(row)
        if role == SUMMARY_ROLE:
            return row
        if role == ID_ROLE:
            return row.id
        if role == SUBTITLE_ROLE:
            return subtitle(row)
        if role == COMPANY_ROLE:
            return row.is_company
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request()

    # -- internals -------------------------------------------------------

    def _reset(self, source: PageSource | None) -> None:
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._source = source
        self._more = False
        self._fetching = False
        self._ready = False
        self.endResetModel()

    def _request(self) -> None:
        source = self._source
        if source is None:
            return
        self._fetching = True
        generation = self._generation
        after = (self._rows[-1].sort_key, self._rows[-1].num) if self._rows else None
        self._ops.read(
            lambda: source(after, PAGE),
            lambda rows: self._arrived(generation, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, rows: list[ContactSummary]) -> None:
        if generation != self._generation:
            return  # a page for a list that is no longer shown
        first = not self._ready
        self._ready = True
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        # Only now: a view may ask for more while the rows go in, and the next
        # page must start after them.
        self._fetching = False
        self._more = len(rows) == PAGE
        if first:
            self.loaded.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self._more = False
            self._ready = True
            self._ops.failed.emit(describe(exc))
