"""A contact's timeline, newest first, fetched a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from crmdesk.services.views import ActivityView
from crmdesk.ui import fmt
from crmdesk.ui.ops import Ops, describe
from crmdesk.ui.widgets.icons import kind_icon

PAGE = 50
Index = QModelIndex | QPersistentModelIndex
PageSource = Callable[[int, int], list[ActivityView]]  # (offset, limit)

ACTIVITY_ROLE = Qt.ItemDataRole.UserRole + 1
HTML_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3

STATUS_COLORS = {"open": "#c62828", "in_progress": "#ef6c00", "resolved": "#2e7d32"}


def _amount(a: ActivityView) -> str:
    return (
        fmt.money(a.amount_minor, a.currency) if a.amount_minor is not None and a.currency else ""
    )


def activity_html(a: ActivityView) -> str:
    """The rich text of one timeline entry."""
    meta = " · ".join(p for p in (fmt.when(a.occurred_at), a.user_name) if p)
    head = f"<b>{fmt.esc(fmt.kind_label(a.kind))}</b>"
    if a.kind in ("purchase", "payment") and _amount(a):
        head += f" &nbsp;<b>{fmt.esc(_amount(a))}</b>"
    if a.kind == "complaint":
        color = STATUS_COLORS.get(a.status or "open", "#555")
        head += f" &nbsp;<span style='color:{color}'>● {fmt.esc(fmt.status_label(a.status))}</span>"
    parts = [f"{head} &nbsp;<span style='color:gray'>{fmt.esc(meta)}</span>"]
    if a.kind == "purchase" and a.lines:
        rows = "".join(
            f"<tr><td>{fmt.esc(ln.description)}</td>"
            f"<td align='right'>&nbsp;&nbsp;{fmt.esc(_qty(ln.quantity))} ×"
            f" {fmt.esc(fmt.money(ln.unit_price_minor, a.currency or ''))}</td>"
            f"<td align='right'>&nbsp;&nbsp;"
            f"{fmt.esc(fmt.money(ln.line_total_minor, a.currency or ''))}</td></tr>"
            for ln in a.lines
        )
        parts.append(
            f"<table cellspacing='0' cellpadding='1' style='margin-top:2px'>{rows}</table>"
        )
        note = a.text if a.text != ", ".join(ln.description for ln in a.lines) else ""
        if note:
            parts.append(fmt.esc(note))
    elif a.text:
        parts.append(fmt.esc(a.text))
    if a.kind == "complaint" and (a.resolution or a.resolved_at):
        resolved = f"Resolved {fmt.when(a.resolved_at)}" if a.resolved_at else "Resolution"
        parts.append(f"<i>{fmt.esc(resolved)}: {fmt.esc(a.resolution or '—')}</i>")
    return "".join(p if p.startswith("<table") else f"<div>{p}</div>" for p in parts)


def _qty(quantity: object) -> str:
    text = str(quantity)
    return text.replace(".", fmt.locale().decimalPoint())


class TimelineModel(QAbstractListModel):
    """Activities of one contact; more pages load as the user scrolls."""

    loaded = Signal()

    def __init__(self, ops: Ops, parent: Any = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._rows: list[ActivityView] = []
        self._source: PageSource | None = None
        self._more = False
        self._fetching = False
        self._generation = 0
        self._html: dict[str, str] = {}
        self._ready = False

    @property
    def ready(self) -> bool:
        """True once the first page is in."""
        return self._ready

    def load(self, source: PageSource | None) -> None:
        """Show the activities ``source(offset, limit)`` gives (None: nothing)."""
        self.beginResetModel()
        self._generation += 1
        self._rows = []
        self._html = {}
        self._source = source
        self._more = source is not None
        self._fetching = False
        self._ready = source is None
        self.endResetModel()
        if source is not None:
            self._request()

    def reload(self) -> None:
        """Fetch what is shown again and swap it in at once (no empty flash)."""
        source = self._source
        if source is None:
            return
        self._generation += 1
        generation, limit = self._generation, max(PAGE, len(self._rows))
        self._fetching = True
        self._ops.read(
            lambda: source(0, limit),
            lambda rows: self._replaced(generation, rows, limit),
            lambda exc: self._failed(generation, exc),
        )

    def _replaced(self, generation: int, rows: list[ActivityView], limit: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self._html = {}
        self._more = len(rows) == limit
        self._fetching = False
        self._ready = True
        self.endResetModel()
        self.loaded.emit()

    def activity(self, row: int) -> ActivityView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        a = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(p for p in (fmt.kind_label(a.kind), _amount(a), a.text) if p)
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(a.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{fmt.kind_label(a.kind)} · {fmt.when(a.occurred_at)}"
        if role == HTML_ROLE:
            if a.id not in self._html:
                self._html[a.id] = activity_html(a)
            return self._html[a.id]
        if role == ACTIVITY_ROLE:
            return a
        if role == KIND_ROLE:
            return a.kind
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request()

    def _request(self) -> None:
        source = self._source
        if source is None:
            return
        self._fetching = True
        generation, offset = self._generation, len(self._rows)
        self._ops.read(
            lambda: source(offset, PAGE),
            lambda rows: self._arrived(generation, rows),
            lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, rows: list[ActivityView]) -> None:
        if generation != self._generation:
            return
        first = not self._ready
        self._ready = True
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._fetching = False  # after the insert: the next page starts after these rows
        self._more = len(rows) == PAGE
        if first:
            self.loaded.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self._more = False
            self._ready = True
            self._ops.failed.emit(describe(exc))
