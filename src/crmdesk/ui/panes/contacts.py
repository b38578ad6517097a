"""The contacts pane: search as you type, filters, and the lazy contact list."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.stages import Stage
from crmdesk.services.app import Crm
from crmdesk.services.contact_queries import ContactFilter
from crmdesk.services.smart_lists import SavedListView
from crmdesk.services.views import ContactSummary
from crmdesk.ui.models.contact_list import ID_ROLE, ContactListModel, ListSource
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.smart_lists import ListPicker
from crmdesk.ui.widgets.common import buddy_label, empty_state, muted
from crmdesk.ui.widgets.company_field import CompanyLineEdit
from crmdesk.ui.widgets.contact_delegate import ContactDelegate

SEARCH_DELAY_MS = 120
SEARCH_LIMIT = 200
NO_CONTACTS = (
    "No contacts yet.\n\n"
    "Press Ctrl+N to add one, or use File ▸ Generate demo data… to try crmdesk out."
)


class ContactListView(QTableView):
    """The list of contacts: one column, rows of one fixed height.

    A table view, not a list view: QListView lays out every row again when
    rows arrive or change (seconds at a million rows, each time a page comes
    in), while a table's fixed-height rows cost nothing per row.
    """

    def __init__(self, row_height: int) -> None:
        super().__init__()
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(row_height)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTabKeyNavigation(False)


class ContactsPane(QWidget):
    """Finds contacts; tells the window which one is selected."""

    contact_selected = Signal(str)
    contact_activated = Signal(str)
    new_requested = Signal()

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops = crm, ops
        self._generation = 0
        self._company_id: str | None = None
        self._keep: str | None = None
        self._select_when_loaded = False
        self._restoring = False  # re-selecting after a reload must not switch the card
        self._show_list: str | None = None  # a list just saved, to pick once it is loaded

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, phones, e-mails…")
        self.search.setToolTip("Search as you type, also notes and activity text (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search contacts")
        self.search.installEventFilter(self)
        self.new_button = QPushButton("+ &New")
        self.new_button.setToolTip("Add a contact (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        self.lists = ListPicker()
        self.lists.picked.connect(self.refresh)
        list_row = QHBoxLayout()
        list_row.addWidget(buddy_label("&List:", self.lists))
        list_row.addWidget(self.lists, 1)

        self.kind_filter = QComboBox()
        for text, value in (("Everyone", None), ("People", "person"), ("Companies", "company")):
            self.kind_filter.addItem(text, value)
        self.stage_filter = QComboBox()
        self.stage_filter.addItem("Any stage", None)
        for stage in Stage:
            self.stage_filter.addItem(stage.label, stage.value)
        self.tag_filter = QComboBox()
        self.tag_filter.addItem("Any tag", None)
        self.owner_filter = QComboBox()
        self.owner_filter.addItem("Anyone's", None)
        self.owner_filter.setToolTip("Show only the contacts one user owns")
        self.owner_filter.setVisible(False)  # a single-user shop is never bothered with it
        self.company_filter = CompanyLineEdit(ops, lambda prefix: crm.queries.companies(prefix, 20))
        self.company_filter.setPlaceholderText("Any company")
        self.company_filter.setClearButtonEnabled(True)
        self.company_filter.company_picked.connect(self._company_picked)
        self.company_filter.textChanged.connect(self._company_text)
        filters = QGridLayout()
        filters.addWidget(self.kind_filter, 0, 0)
        filters.addWidget(self.stage_filter, 0, 1)
        filters.addWidget(self.tag_filter, 1, 0)
        filters.addWidget(self.company_filter, 1, 1)
        filters.addWidget(self.owner_filter, 2, 0, 1, 2)
        filters.setColumnStretch(0, 1)
        filters.setColumnStretch(1, 1)
        for combo in (self.kind_filter, self.stage_filter, self.tag_filter, self.owner_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            combo.currentIndexChanged.connect(self.refresh)

        self.model = ContactListModel(ops, self)
        self.model.loaded.connect(self._loaded)
        self.model.counted.connect(self._counted)
        delegate = ContactDelegate()
        self.view = ContactListView(delegate.row_height(self.fontMetrics()))
        delegate.setParent(self.view)
        self.view.setModel(self.model)
        self.view.setItemDelegate(delegate)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAccessibleName("Contacts")
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.activated.connect(lambda index: self.contact_activated.emit(index.data(ID_ROLE)))
        self.empty = empty_state(NO_CONTACTS)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.status = muted()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(list_row)
        layout.addLayout(filters)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)
        for a, b in (
            (self.search, self.new_button),
            (self.new_button, self.lists),
            (self.lists, self.kind_filter),
            (self.kind_filter, self.stage_filter),
            (self.stage_filter, self.tag_filter),
            (self.tag_filter, self.company_filter),
            (self.company_filter, self.owner_filter),
            (self.owner_filter, self.view),
        ):
            QWidget.setTabOrder(a, b)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self._select_timer = QTimer(self)
        self._select_timer.setSingleShot(True)
        self._select_timer.setInterval(60)
        self._select_timer.timeout.connect(self._emit_selected)
        ops.changes_applied.connect(self._changes)
        self._load_tags()
        self.refresh()

    # -- queries ---------------------------------------------------------

    def filter(self) -> ContactFilter:
        """The filter the combos and company field describe."""
        return ContactFilter(
            kind=self.kind_filter.currentData(),
            stage=self.stage_filter.currentData(),
            tag=self.tag_filter.currentData(),
            company_id=self._company_id,
            owner_id=self.owner_filter.currentData(),
            smart=self.lists.query(),
        )

    def refresh(self) -> None:
        """Run the current search or browse again (keeps the selection if it can)."""
        self._search_timer.stop()
        self._keep = self.current_id() or self._keep
        self._generation += 1
        generation, flt, query = self._generation, self.filter(), self.search.text().strip()
        queries, search = self._crm.queries, self._crm.search
        if query:
            self._ops.read(
                lambda: search.search(query, SEARCH_LIMIT, flt),
                lambda rows: self._results(generation, query, rows),
            )
        else:
            self.model.browse(
                ListSource(
                    page=lambda after, limit: queries.page(flt, after, limit),
                    count=lambda: queries.count(flt),
                    page_keys=lambda step: queries.page_keys(flt, step),
                )
            )

    def _results(self, generation: int, query: str, rows: list[ContactSummary]) -> None:
        if generation != self._generation:
            return  # the user typed on; a newer search is on its way
        more = "+" if len(rows) >= SEARCH_LIMIT else ""
        self.status.setText(
            f"{len(rows)}{more} match{'es' if len(rows) != 1 else ''} for “{query}”"
        )
        self.empty.setText(f"Nothing matches “{query}”.\n\nPress Ctrl+N to add a new contact.")
        self.model.show_results(rows)  # emits loaded: selection and empty state follow

    def _counted(self, count: int) -> None:
        text = f"{count:,} contact{'s' if count != 1 else ''}".replace(",", "\u202f")
        saved = self.lists.current()
        self.status.setText(f"{text} on {saved.name}" if saved else text)
        filtered = self.filter() != ContactFilter()
        self.empty.setText("No contacts match these filters." if filtered else NO_CONTACTS)
        self._show_empty_state()

    def _loaded(self) -> None:
        self._show_empty_state()
        if self._select_when_loaded:
            self._select_when_loaded = False
            self.select_first()
        elif self._keep:
            self.select_quietly(self._keep)

    def _show_empty_state(self) -> None:
        self.stack.setCurrentWidget(self.view if self.model.rowCount() else self.empty)

    def _load_tags(self) -> None:
        queries, smart = self._crm.queries, self._crm.smart_lists
        self._ops.read(
            lambda: ([(t, t) for t in queries.tags()], queries.users(), smart.all()),
            self._choices_arrived,
        )

    def _choices_arrived(
        self, choices: tuple[list[tuple[str, str]], list[tuple[str, str]], list[SavedListView]]
    ) -> None:
        tags, users, lists = choices
        _refill(self.tag_filter, "Any tag", tags)
        _refill(self.owner_filter, "Anyone's", users)
        self.owner_filter.setVisible(len(users) > 1)
        self.lists.set_lists(lists)
        if self._show_list and any(s.id == self._show_list for s in lists):
            self.lists.pick(self._show_list)
            self._show_list = None

    def show_list(self, list_id: str) -> None:
        """Show a saved list (now, or as soon as the pane has loaded it)."""
        self._show_list = list_id
        self._load_tags()

    def _company_picked(self, company_id: str) -> None:
        self._company_id = company_id
        self.refresh()

    def _company_text(self, text: str) -> None:
        if not text.strip() and self._company_id:
            self._company_id = None
            self.refresh()

    def _changes(self, changes: ChangeSet) -> None:
        if changes.everything or changes.contact_list:
            self.refresh()
            self._load_tags()

    # -- selection -------------------------------------------------------

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(ID_ROLE) if index.isValid() else None

    def select_first(self) -> None:
        """Select the first result and move the keyboard focus to the list."""
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, 0))
            self.view.setFocus()

    def select_quietly(self, contact_id: str | None) -> bool:
        """Highlight ``contact_id`` if it is loaded (else clear), without announcing it."""
        row = self.model.row_of(contact_id) if contact_id else -1
        self._restoring = True
        try:
            if row >= 0:
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
            else:
                self.view.selectionModel().clear()
        finally:
            self._restoring = False
        return row >= 0

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._keep = current.data(ID_ROLE)
            if not self._restoring:
                self._select_timer.start()

    def _emit_selected(self) -> None:
        contact_id = self.current_id()
        if contact_id:
            self.contact_selected.emit(contact_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            if self._search_timer.isActive():
                self._select_when_loaded = True
                self.refresh()
            else:
                self.select_first()
            return True
        return super().eventFilter(watched, event)


def _refill(combo: QComboBox, anything: str, choices: list[tuple[str, str]]) -> None:
    """Replace a filter combo's choices (value, text), keeping the current one if it can."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(anything, None)
    for value, text in choices:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)
