"""The activity pane: the selected contact's card above their timeline, with
quick entry (pick a kind, type, press Enter) and the purchase and payment dialogs."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from crmdesk.domain.stages import ActivityKind, ComplaintStatus
from crmdesk.errors import NotFound
from crmdesk.services.app import Crm
from crmdesk.services.upsell import Offer
from crmdesk.services.views import ActivityView, ContactCard, DealView
from crmdesk.ui import fmt
from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.deal import DealDialog
from crmdesk.ui.dialogs.followup import FollowUpDialog
from crmdesk.ui.dialogs.payment import PaymentDialog
from crmdesk.ui.dialogs.purchase import PurchaseDialog
from crmdesk.ui.models.timeline import TimelineModel
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, show_error, title_label
from crmdesk.ui.widgets.contact_card import ContactCardView
from crmdesk.ui.widgets.icons import kind_icon
from crmdesk.ui.widgets.timeline_delegate import TimelineDelegate

QUICK_KINDS = ("call", "meeting", "email", "note", "visit", "complaint")
NO_SELECTION = (
    "Select a contact on the left to see their card and history.\n\n"
    "Press Ctrl+N to add a new contact."
)
NO_ACTIVITY = "Nothing logged yet.\n\nType what happened in the box above and press Enter."


class ActivityPane(QWidget):
    """Card and timeline of one contact."""

    undoable = Signal(str, object)  # what was done, a callable that undoes it
    contact_clicked = Signal(str)
    card_shown = Signal(object)  # ContactCard

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops = crm, ops
        self.contact_id: str | None = None
        self.card: ContactCard | None = None
        self._generation = 0
        self._focus_when_loaded = False
        self._timeline_of: str | None = None  # whose activities the timeline model holds

        self.card_view = ContactCardView()
        self.card_view.edit_requested.connect(self.edit_contact)
        self.card_view.deal_requested.connect(self.new_deal)
        self.card_view.deal_clicked.connect(self.open_deal)
        self.card_view.contact_clicked.connect(self.contact_clicked)

        self.kind = QComboBox()
        for kind in QUICK_KINDS:
            self.kind.addItem(kind_icon(kind), ActivityKind(kind).label, kind)
        self.kind.setAccessibleName("Activity type")
        self.quick = QLineEdit()
        self.quick.setPlaceholderText("What happened? Press Enter to log it  (Ctrl+L)")
        self.quick.setAccessibleName("Log an activity")
        self.quick.returnPressed.connect(self.log_quick)
        self.purchase_button = QPushButton(kind_icon("purchase"), "&Purchase…")
        self.purchase_button.clicked.connect(self.new_purchase)
        self.payment_button = QPushButton(kind_icon("payment"), "Pa&yment…")
        self.payment_button.clicked.connect(self.new_payment)
        heading = QHBoxLayout()
        heading.addWidget(title_label("Timeline", 1.05), 1)
        heading.addWidget(self.purchase_button)
        heading.addWidget(self.payment_button)
        quick_row = QHBoxLayout()
        quick_row.addWidget(self.kind)
        quick_row.addWidget(self.quick, 1)
        self.quick_error = error_label()

        self.model = TimelineModel(ops, self)
        self.model.loaded.connect(self._timeline_state)
        self.model.rowsInserted.connect(self._timeline_state)
        self.timeline = QListView()
        self.timeline.setModel(self.model)
        self.timeline.setItemDelegate(TimelineDelegate(self.timeline))
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.timeline.setResizeMode(QListView.ResizeMode.Adjust)
        self.timeline.setWordWrap(True)
        self.timeline.setAccessibleName("Timeline")
        self.timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline.customContextMenuRequested.connect(self._timeline_menu)
        self.timeline_empty = empty_state(NO_ACTIVITY)
        self.timeline_stack = QStackedWidget()
        self.timeline_stack.addWidget(self.timeline)
        self.timeline_stack.addWidget(self.timeline_empty)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addLayout(heading)
        lower_layout.addLayout(quick_row)
        lower_layout.addWidget(self.quick_error)
        lower_layout.addWidget(self.timeline_stack, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.card_view)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty_state(NO_SELECTION))
        self.stack.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        QWidget.setTabOrder(self.kind, self.quick)
        QWidget.setTabOrder(self.quick, self.purchase_button)
        QWidget.setTabOrder(self.purchase_button, self.payment_button)
        QWidget.setTabOrder(self.payment_button, self.timeline)
        ops.changes_applied.connect(self._changes)

    # -- showing a contact -----------------------------------------------

    def show_contact(self, contact_id: str | None, *, force: bool = False) -> None:
        """Load and show ``contact_id`` (None: the "select a contact" hint)."""
        if contact_id == self.contact_id and self.card is not None and not force:
            return
        self._generation += 1
        self.contact_id = contact_id
        if contact_id is None:
            self.card = None
            self.stack.setCurrentIndex(0)
            self._timeline_of = None
            self.model.load(None)
            return
        generation, queries, crm = self._generation, self._crm.queries, self._crm
        self._ops.read(
            lambda: queries.card(contact_id, recent=0),
            lambda card: self._card_arrived(generation, card),
            lambda exc: self._card_failed(generation, exc),
        )
        if self.card is None or self.card.id != contact_id:
            self.card_view.set_offers(())  # not the last contact's offer meanwhile
        self._ops.read(
            lambda: crm.upsell.suggest_for(contact_id),
            lambda offers: self._offers_arrived(generation, offers),
            lambda exc: self._offers_arrived(generation, ()),
        )
        if self._timeline_of == contact_id:
            self.model.reload()  # same contact, something changed: swap the rows in place
        else:
            self._timeline_of = contact_id
            activities = self._crm.activities
            self.model.load(
                lambda offset, limit: activities.timeline(contact_id, limit=limit, offset=offset)
            )

    def _card_arrived(self, generation: int, card: ContactCard) -> None:
        if generation != self._generation:
            return
        if card.deleted_at is not None:
            self.show_contact(None)
            return
        self.card = card
        self.card_view.set_card(card)
        self.stack.setCurrentIndex(1)
        if self._focus_when_loaded:
            self._focus_when_loaded = False
            self.quick.setFocus(Qt.FocusReason.OtherFocusReason)
        self.card_shown.emit(card)

    def _offers_arrived(self, generation: int, offers: tuple[Offer, ...]) -> None:
        if generation == self._generation:
            self.card_view.set_offers(offers)

    def _card_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if isinstance(exc, NotFound):
            self.show_contact(None)
        else:
            self._ops.failed.emit(describe(exc))

    def _timeline_state(self) -> None:
        self.timeline_stack.setCurrentWidget(
            self.timeline if self.model.rowCount() else self.timeline_empty
        )

    def _changes(self, changes: ChangeSet) -> None:
        if self.contact_id and changes.touches(self.contact_id):
            self.show_contact(self.contact_id, force=True)

    # -- logging ---------------------------------------------------------

    def focus_quick_entry(self) -> None:
        """Keyboard to the quick entry (once the card is in, if it is still loading)."""
        if self.card is not None and self.card.id == self.contact_id:
            self.quick.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif self.contact_id is not None:
            self._focus_when_loaded = True

    def log_quick(self) -> None:
        """Log what is typed in the quick entry as the chosen kind."""
        text, kind, contact_id = self.quick.text().strip(), self.kind.currentData(), self.contact_id
        if not text or contact_id is None:
            return
        activities = self._crm.activities
        self.quick.setEnabled(False)

        def done(_activity_id: str) -> None:
            self.quick.clear()
            self.quick.setEnabled(True)
            self.quick.setFocus()
            show_error(self.quick_error, "")

        def failed(exc: BaseException) -> None:
            self.quick.setEnabled(True)
            show_error(self.quick_error, describe(exc))

        self._ops.write(
            lambda: activities.log(contact_id, kind, text),
            ChangeSet.for_contact(contact_id, followups=False),
            done,
            failed,
        )

    def _dialog(self, make: Callable[[ContactCard], QWidget]) -> QWidget | None:
        if self.card is None:
            return None
        dialog = make(self.card)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def new_purchase(self) -> QWidget | None:
        return self._dialog(
            lambda c: PurchaseDialog(self._crm, self._ops, c.id, c.display_name, self)
        )

    def new_payment(self) -> QWidget | None:
        def make(card: ContactCard) -> QWidget:
            owed = next(
                (b.owed_minor for b in card.balances if b.currency == self._crm.currency), 0
            )
            return PaymentDialog(self._crm, self._ops, card.id, card.display_name, owed, self)

        return self._dialog(make)

    def new_followup(self) -> QWidget | None:
        return self._dialog(
            lambda c: FollowUpDialog(self._crm, self._ops, c.id, c.display_name, self)
        )

    def new_deal(self) -> QWidget | None:
        return self._dialog(
            lambda c: DealDialog(self._crm, self._ops, c.id, c.display_name, None, self)
        )

    def open_deal(self, deal: DealView) -> QWidget | None:
        return self._dialog(
            lambda c: DealDialog(self._crm, self._ops, c.id, c.display_name, deal, self)
        )

    def edit_contact(self) -> QWidget | None:
        return self._dialog(lambda c: ContactDialog(self._crm, self._ops, card=c, parent=self))

    # -- timeline context menu -------------------------------------------

    def _timeline_menu(self, pos: QPoint) -> None:
        activity = self.model.activity(self.timeline.indexAt(pos).row())
        if activity is None:
            return
        menu = QMenu(self)
        if activity.kind == "complaint":
            for status in ComplaintStatus:
                action = menu.addAction(f"Mark as {status.label.lower()}")
                action.setEnabled(status.value != activity.status)
                action.triggered.connect(
                    lambda _=False, s=status.value: self.set_complaint_status(activity, s)
                )
            menu.addSeparator()
        menu.addAction("Delete this entry", lambda: self.delete_activity(activity))
        menu.exec(self.timeline.viewport().mapToGlobal(pos))

    def set_complaint_status(
        self, activity: ActivityView, status: str, resolution: str | None = None
    ) -> None:
        """Move a complaint along; resolving asks how it was resolved."""
        if status == ComplaintStatus.RESOLVED.value and resolution is None:
            dialog = QInputDialog(self)
            dialog.setWindowTitle("Resolve complaint")
            dialog.setLabelText("How was it resolved?")
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.textValueSelected.connect(
                lambda text: self.set_complaint_status(activity, status, text)
            )
            dialog.open()
            return
        activities = self._crm.activities
        self._ops.write(
            lambda: activities.set_complaint_status(activity.id, status, resolution or ""),
            ChangeSet.for_contact(activity.contact_id),
        )

    def delete_activity(self, activity: ActivityView) -> None:
        """Move an entry to the trash (undo brings it back)."""
        activities = self._crm.activities
        changes = ChangeSet.for_contact(activity.contact_id)
        label = f"{fmt.kind_label(activity.kind)} of {fmt.when(activity.occurred_at)}"

        def undo() -> None:
            self._ops.write(lambda: activities.restore(activity.id), changes)

        self._ops.write(
            lambda: activities.delete(activity.id),
            changes,
            lambda _r: self.undoable.emit(f"Deleted {label}", undo),
        )
