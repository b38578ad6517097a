"""A line edit that completes company names as you type.

Each pause in typing asks ``queries.companies(prefix)`` on a worker; the
answer fills the completer if the text has not changed since.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from crmdesk.services.views import ContactSummary
from crmdesk.ui.ops import Ops

Lookup = Callable[[str], list[ContactSummary]]


class CompanyLineEdit(QLineEdit):
    """Company name with completion; :meth:`company_id` when one was picked."""

    company_picked = Signal(str)  # id

    def __init__(self, ops: Ops, lookup: Lookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ops = ops
        self._lookup = lookup
        self._ids: dict[str, str] = {}
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._picked)
        self.setCompleter(completer)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._query)
        self.textEdited.connect(lambda _text: self._timer.start())

    def company_id(self) -> str | None:
        """The id of the company whose exact name is in the field, if known."""
        return self._ids.get(self.text().strip())

    def _query(self) -> None:
        prefix = self.text().strip()
        lookup = self._lookup
        self._ops.read(lambda: lookup(prefix), lambda rows: self._arrived(prefix, rows))

    def _arrived(self, prefix: str, rows: list[ContactSummary]) -> None:
        if prefix != self.text().strip():
            return  # typed on meanwhile; a newer query is coming
        self._ids.update({r.display_name: r.id for r in rows})
        self._names.setStringList([r.display_name for r in rows])
        if self.hasFocus() and rows and not (len(rows) == 1 and rows[0].display_name == prefix):
            self.completer().complete()

    def _picked(self, name: str) -> None:
        company_id = self._ids.get(name)
        if company_id:
            self.company_picked.emit(company_id)
