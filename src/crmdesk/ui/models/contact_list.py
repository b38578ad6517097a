"""The contact list: a windowed model over any number of contacts.

Browsing first shows page 0 (``queries.page(filter, after=None, limit=200)``),
then learns in the background how many contacts pass the filter and the key
of every 200th one (``queries.page_keys``). From then on the list has its
full length at once, so the scroll bar can be dragged anywhere, and a page
is fetched by one keyset query when it comes into view. Only the most
recently seen pages are kept (:data:`MAX_PAGES`), so memory stays flat at a
million rows. A search shows a fixed list of results instead. Every reset
bumps a generation number, so an answer that arrives late for an old list
is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
MAX_PAGES = 40  # pages kept in memory (8,000 rows)
MAX_IN_FLIGHT = 3  # page requests at a time; the newest wanted wins
PLACEHOLDER = "…"
Index = QModelIndex | QPersistentModelIndex
Key = tuple[str, int]

SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 3
COMPANY_ROLE = Qt.ItemDataRole.UserRole + 4


@dataclass(frozen=True)
class ListSource:
    """Where a browsed list comes from (each runs on a worker thread)."""

    page: Callable[[Key | None, int], list[ContactSummary]]  # (after, limit)
    count: Callable[[], int]
    page_keys: Callable[[int], list[Key]]  # key of every n-th row


def subtitle(row: ContactSummary) -> str:
    """``Acme Oy · 040 123 4567`` for a person, ``Company · 09 123 456`` for a company."""
    first = "Company" if row.is_company else row.company_name
    return " · ".join(p for p in (first, row.phone or row.email) if p)


class ContactListModel(QAbstractListModel):
    """Contacts in name order, fetched a page at a time as they come into view."""

    loaded = Signal()  # the first page (or the results) arrived
    counted = Signal(int)  # the full length of a browsed list is known

    def __init__(self, ops: Ops, parent: Any = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._source: ListSource | None = None
        self._pages: OrderedDict[int, list[ContactSummary]] = OrderedDict()
        self._keys: list[Key] | None = None  # None until the page keys arrived
        self._rows = 0
        self._in_flight: set[int] = set()
        self._wanted: list[int] = []
        self._generation = 0
        self._ready = False
        self._fixed = False

    # -- what to show ----------------------------------------------------

    def browse(self, source: ListSource) -> None:
        """Show ``source`` from the start."""
        self._reset(source, fixed=False)
        self._request(0)

    def show_results(self, rows: Sequence[ContactSummary]) -> None:
        """Show a fixed list (search results)."""
        self._reset(None, fixed=True)
        self._ready = True
        if rows:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            for start in range(0, len(rows), PAGE):
                self._pages[start // PAGE] = list(rows[start : start + PAGE])
            self._rows = len(rows)
            self.endInsertRows()
        self.loaded.emit()

    @property
    def ready(self) -> bool:
        """True once the first page or the results are in."""
        return self._ready

    @property
    def pages_held(self) -> int:
        """How many pages of rows are in memory."""
        return len(self._pages)

    def summary(self, row: int) -> ContactSummary | None:
        """The row's contact, if its page is loaded."""
        page = self._pages.get(row // PAGE) if 0 <= row < self._rows else None
        return page[row % PAGE] if page is not None and row % PAGE < len(page) else None

    def row_of(self, contact_id: str) -> int:
        """The row showing ``contact_id``, or -1 if it is not loaded."""
        for number, page in self._pages.items():
            for offset, row in enumerate(page):
                if row.id == contact_id:
                    return number * PAGE + offset
        return -1

    # -- Qt model ----------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._rows:
            return None
        row = self.summary(index.row())
        if row is None:
            self._want(index.row() // PAGE)
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        self._pages.move_to_end(index.row() // PAGE)  # recently seen pages stay
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
        """Before the full length is known, the view may page on from the end."""
        if parent.isValid() or self._fixed or self._keys is not None or not self._ready:
            return False
        last = (self._rows - 1) // PAGE
        full = len(self._pages.get(last, ())) == PAGE
        return full and not self._in_flight

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request(self._rows // PAGE)

    # -- internals -------------------------------------------------------

    def _reset(self, source: ListSource | None, *, fixed: bool) -> None:
        self.beginResetModel()
        self._generation += 1
        self._source, self._fixed = source, fixed
        self._pages.clear()
        self._keys = None
        self._rows = 0
        self._in_flight.clear()
        self._wanted.clear()
        self._ready = False
        self.endResetModel()

    def _after(self, number: int) -> Key | None:
        """The key a page starts after (None for the first)."""
        if number == 0:
            return None
        if self._keys is not None:
            return self._keys[number - 1] if number - 1 < len(self._keys) else None
        previous = self._pages.get(number - 1)
        return (previous[-1].sort_key, previous[-1].num) if previous else None

    def _want(self, number: int) -> None:
        """A page came into view: fetch it now, or when a request slot frees up."""
        if self._keys is None or number in self._in_flight:
            return
        if len(self._in_flight) < MAX_IN_FLIGHT:
            self._request(number)
        elif number not in self._wanted:
            self._wanted.append(number)
            del self._wanted[:-MAX_IN_FLIGHT]  # scrolled past: only the latest matter

    def _request(self, number: int) -> None:
        source = self._source
        after = self._after(number)
        if source is None or (number > 0 and after is None):
            return
        self._in_flight.add(number)
        generation = self._generation
        self._ops.read(
            lambda: source.page(after, PAGE),
            lambda rows: self._arrived(generation, number, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, number: int, rows: list[ContactSummary]) -> None:
        if generation != self._generation:
            return  # a page for a list that is no longer shown
        self._in_flight.discard(number)
        first = not self._ready
        self._ready = True
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        start, end = number * PAGE, number * PAGE + len(rows)
        if self._keys is None and end > self._rows:  # paging on before the length is known
            self.beginInsertRows(QModelIndex(), self._rows, end - 1)
            self._rows = end
            self.endInsertRows()
        elif rows:
            last = min(end, self._rows) - 1
            self.dataChanged.emit(self.index(start), self.index(last))
        if first:
            self.loaded.emit()
            self._measure(generation)
        while self._wanted and len(self._in_flight) < MAX_IN_FLIGHT:
            self._request(self._wanted.pop())

    def _measure(self, generation: int) -> None:
        """Learn the list's length and page keys in the background."""
        source = self._source
        if source is None:
            return
        self._ops.read(
            lambda: (source.count(), source.page_keys(PAGE)),
            lambda result: self._measured(generation, *result),
            lambda exc: self._failed(generation, exc),
        )

    def _measured(self, generation: int, count: int, keys: list[Key]) -> None:
        if generation != self._generation:
            return
        self._keys = keys
        if count > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, count - 1)
            self._rows = count
            self.endInsertRows()
        elif count < self._rows:  # rows went away since the first pages came
            self.beginRemoveRows(QModelIndex(), count, self._rows - 1)
            self._rows = count
            self.endRemoveRows()
        self.counted.emit(count)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._in_flight.clear()
            self._ready = True
            self._ops.failed.emit(describe(exc))
