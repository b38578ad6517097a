"""The main window: contacts | activity | follow-ups, side by side."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from crmdesk.config import paths
from crmdesk.config.settings import Settings
from crmdesk.domain.permissions import DELETE, EDIT, EXPORT, MANAGE_USERS, PURGE
from crmdesk.services.app import Crm
from crmdesk.services.views import FollowUpView
from crmdesk.ui import fmt, smart_lists
from crmdesk.ui.auto_backup import AutoBackup
from crmdesk.ui.demo_job import run_demo_dialog
from crmdesk.ui.dialogs.contact import ContactDialog
from crmdesk.ui.dialogs.custom_fields import CustomFieldsDialog
from crmdesk.ui.dialogs.followup import in_one_hour
from crmdesk.ui.dialogs.passphrase import ChangePassphraseDialog
from crmdesk.ui.dialogs.settings import SettingsDialog
from crmdesk.ui.dialogs.suggestions import install as install_suggestions
from crmdesk.ui.lock_screen import IdleLock
from crmdesk.ui.ops import ChangeSet, Ops
from crmdesk.ui.panes.activity import ActivityPane
from crmdesk.ui.panes.contacts import ContactsPane
from crmdesk.ui.panes.followups import FollowUpsPane
from crmdesk.ui.pop_endpoint import PopEndpoint, Reply
from crmdesk.ui.reminders import Reminders
from crmdesk.ui.reports.menu import ReportsMenu
from crmdesk.ui.screen_pop import ScreenPop
from crmdesk.ui.sync_control import SyncControl
from crmdesk.ui.user_control import UserControl
from crmdesk.ui.widgets.common import Banner
from crmdesk.ui.widgets.icons import app_icon


def ui_settings() -> QSettings:
    """Window geometry and splitter sizes, kept beside the settings file."""
    return QSettings(str(paths.config_dir() / "ui.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Everything about one open database."""

    def __init__(self, crm: Crm, ops: Ops, settings: Settings, db_name: str = "") -> None:
        super().__init__()
        self.crm, self.ops, self.settings = crm, ops, settings
        self._undo: tuple[str, Callable[[], None]] | None = None
        fmt.set_locale(settings.locale)
        self.setWindowTitle(f"{db_name} — crmdesk" if db_name else "crmdesk")
        self.setWindowIcon(app_icon())

        self.contacts = ContactsPane(crm, ops)
        self.activity = ActivityPane(crm, ops)
        self.followups = FollowUpsPane(crm, ops)
        self.contacts.contact_selected.connect(self.activity.show_contact)
        self.contacts.contact_activated.connect(self._activated)
        self.contacts.new_requested.connect(lambda: self.new_contact())
        self.activity.contact_clicked.connect(self.show_contact)
        self.followups.contact_requested.connect(self.show_contact)
        self.followups.new_requested.connect(self.new_followup)
        for pane in (self.activity, self.followups):
            pane.undoable.connect(self.offer_undo)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        for pane, stretch in ((self.contacts, 3), (self.activity, 5), (self.followups, 3)):
            pane.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
            self.splitter.addWidget(pane)
            self.splitter.setStretchFactor(self.splitter.indexOf(pane), stretch)
        self.banner = Banner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.undo_label = QLabel()
        self.undo_label.linkActivated.connect(lambda _href: self.undo())
        self.undo_label.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2)
        self.busy.hide()
        self.statusBar().addWidget(self.undo_label)
        self.sync = SyncControl(crm, ops, self)
        self.sync.finished.connect(self.show_message)
        self.statusBar().addPermanentWidget(self.sync.label)
        self.statusBar().addPermanentWidget(self.busy)
        ops.failed.connect(self.show_message)
        ops.busy_changed.connect(self.busy.setVisible)

        self.people = UserControl(crm, ops, self)
        self.statusBar().addPermanentWidget(self.people.label)
        for button in (
            self.contacts.new_button,
            self.followups.new_button,
            self.activity.purchase_button,
            self.activity.payment_button,
            self.activity.card_view.edit_button,
        ):
            self.people.guard(button, EDIT)
        self.idle_lock = IdleLock(
            self, crm, ops, settings.idle_lock_minutes, db_name or crm.db.path.name
        )
        # Whoever unlocked may be someone else, with other rights.
        self.idle_lock.locked_changed.connect(lambda locked: locked or self.people.refresh())
        self.auto_backup = AutoBackup(crm, ops, settings.backup_keep, self)
        self.auto_backup.written.connect(self.show_message)
        self.auto_backup.failed.connect(self.show_message)
        self._build_menus()
        self.people.refresh()
        self.screen_pop = ScreenPop(crm, ops, self)
        self.pop_endpoint = PopEndpoint(self._http_pop, self)
        self.reminders = Reminders(crm, ops, self, settings.reminder_lead_minutes)
        self.reminders.due.connect(self._followups_due)
        self.apply_settings()
        self.sync.start_automatic()
        self.auto_backup.start()
        self._restore_geometry()

    # -- menus and shortcuts ---------------------------------------------

    def _action(
        self,
        menu: Any,
        text: str,
        slot: Callable[[], Any],
        shortcut: Any = None,
        tip: str = "",
        needs: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        if needs is not None:
            self.people.guard(action, needs)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.setToolTipsVisible(True)
        self._action(
            file, "&Import…", self.open_import, "Ctrl+I", "Import contacts from a file", EDIT
        )
        self._action(file, "Import &history…", self.open_import_history)
        self._action(
            file, "Generate &demo data…", self.generate_demo, "", "Add sample contacts", EDIT
        )
        self._action(file, "&Export…", self.export, "Ctrl+Shift+E", "Write data to a file", EXPORT)
        self._action(file, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        self._action(
            file, "Custom &fields…", self.edit_custom_fields, "", "Fields on every contact", EDIT
        )
        file.addSeparator()
        file.addAction(self.people.switch_action)
        file.addAction(self.people.users_action)
        self._action(
            file,
            "Change &passphrase…",
            self.change_passphrase,
            tip="Change the passphrase that unlocks this file (owners)",
            needs=MANAGE_USERS,
        )
        file.addAction(self.idle_lock.action)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(edit, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.undo_action.setEnabled(False)
        self._action(
            edit, "&Find contact", self.contacts.focus_search, QKeySequence.StandardKey.Find
        )
        contact = bar.addMenu("&Contact")
        contact.setToolTipsVisible(True)
        person, company = partial(self.new_contact, "person"), partial(self.new_contact, "company")
        self._action(contact, "&New person…", person, QKeySequence.StandardKey.New, "", EDIT)
        self._action(contact, "New &company…", company, "Ctrl+Shift+N", "", EDIT)
        self._action(contact, "&Edit…", self.activity.edit_contact, "Ctrl+E", "", EDIT)
        self.delete_action = self._action(
            contact, "&Delete", self.delete_selected, QKeySequence.StandardKey.Delete, "", DELETE
        )
        contact.addSeparator()
        for text, slot, keys in (
            ("&Log activity", self.activity.focus_quick_entry, "Ctrl+L"),
            ("&Purchase…", self.activity.new_purchase, "Ctrl+P"),
            ("Pa&yment…", self.activity.new_payment, "Ctrl+Shift+P"),
            ("New &follow-up…", self.new_followup, "Ctrl+K"),
            ("New d&eal…", self.activity.new_deal, None),
        ):
            self._action(contact, text, slot, keys, "", EDIT)
        contact.addSeparator()
        self._action(
            contact,
            "E&xport everything about this person…",
            self.export_person,
            tip="A person's data as JSON and vCard, for a privacy request",
            needs=EXPORT,
        )
        self._action(
            contact, "Erase this pe&rson…", self.erase_person, tip="Owner only", needs=PURGE
        )
        self.list_actions = smart_lists.install(self, self._action)
        view = bar.addMenu("&View")
        self._action(
            view,
            "&Refresh",
            lambda: self.ops.changes_applied.emit(ChangeSet(everything=True)),
            QKeySequence.StandardKey.Refresh,
        )
        self._action(view, "&Trash…", self.open_trash, "Ctrl+Shift+T", "Restore or purge")
        self._action(view, "&Leads to review…", self.open_review, tip="Leads untouched for months")
        self.reports = ReportsMenu(self)
        install_suggestions(self, view)
        sync = bar.addMenu("&Sync")
        self.sync_action = self._action(sync, "Sync &now", self.sync.sync_now, "Ctrl+Shift+S")
        self.cancel_sync_action = self._action(sync, "&Cancel sync", self.sync.cancel)
        self.cancel_sync_action.setEnabled(False)
        self.sync.running_changed.connect(self.cancel_sync_action.setEnabled)
        self.sync.running_changed.connect(lambda running: self.sync_action.setEnabled(not running))
        self._action(sync, "C&onflicts…", self.open_conflicts, "Ctrl+Shift+O")
        self._action(
            sync,
            "&Duplicates…",
            self.open_duplicates,
            "Ctrl+Shift+D",
            "Contacts that look like one customer: merge or dismiss",
        )
        self._action(sync, "&Settings…", self.open_sync_settings)
        tools = bar.addMenu("&Tools")
        self._action(
            tools,
            "&Audit trail…",
            self.open_audit_trail,
            "Ctrl+Shift+A",
            "Who changed what and when; check that the trail is intact",
        )
        helpmenu = bar.addMenu("&Help")
        self._action(helpmenu, "&About crmdesk", self._about)

    # -- contacts --------------------------------------------------------

    def show_contact(self, contact_id: str) -> None:
        """Bring ``contact_id``'s card up (selecting it in the list when it is there)."""
        self.contacts.select_quietly(contact_id)
        self.activity.show_contact(contact_id)

    def _activated(self, contact_id: str) -> None:
        self.activity.show_contact(contact_id)
        self.activity.focus_quick_entry()

    def new_contact(self, kind: str = "person", phone: str = "") -> ContactDialog:
        """Open the contact dialog for a new person or company."""
        dialog = ContactDialog(self.crm, self.ops, kind, phone=phone, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.show_contact)
        dialog.show()
        return dialog

    def new_followup(self) -> None:
        if self.activity.card is None:
            self.show_message("Select a contact first, then schedule the follow-up.")
            return
        self.activity.new_followup()

    def log_call(self) -> None:
        """Quick entry set to "Call", with the keyboard in it."""
        self.activity.kind.setCurrentIndex(self.activity.kind.findData("call"))
        self.activity.focus_quick_entry()

    def delete_selected(self) -> None:
        """Delete what has the keyboard: a timeline entry, a follow-up, else the contact."""
        if self.activity.timeline.hasFocus():
            entry = self.activity.model.activity(self.activity.timeline.currentIndex().row())
            if entry is not None:
                self.activity.delete_activity(entry)
                return
        if self.followups.view.hasFocus() and self.followups.selected() is not None:
            self.followups.delete(self.followups.selected())  # type: ignore[arg-type]
            return
        self.delete_contact()

    def delete_contact(self) -> None:
        """Move the shown contact to the trash; Ctrl+Z brings it back."""
        card = self.activity.card
        if card is None:
            return
        contacts, contact_id, name = self.crm.contacts, card.id, card.display_name
        changes = ChangeSet(frozenset({contact_id}), contact_list=True, followups=True)

        def undo() -> None:
            self.ops.write(
                lambda: contacts.restore(contact_id),
                changes,
                lambda _r: self.show_contact(contact_id),
            )

        def deleted(_result: None) -> None:
            self.activity.show_contact(None)
            self.offer_undo(f"Deleted {name}", undo)

        self.ops.write(lambda: contacts.delete(contact_id), changes, deleted)

    # -- undo, messages --------------------------------------------------

    def offer_undo(self, what: str, undo: Callable[[], None]) -> None:
        """Remember the last destructive action and offer to undo it."""
        self._undo = (what, undo)
        self.undo_label.setText(f"{fmt.esc(what)} — <a href='undo'>Undo</a> (Ctrl+Z)")
        self.undo_label.show()
        self.undo_action.setEnabled(True)
        self.undo_action.setText(f"&Undo: {what}")

    def undo(self) -> None:
        if self._undo is None:
            return
        what, undo = self._undo
        self._undo = None
        self.undo_label.hide()
        self.undo_action.setEnabled(False)
        self.undo_action.setText("&Undo")
        undo()
        self.show_message(f"Undone: {what}")

    def show_message(self, text: str) -> None:
        """A sentence in the status bar for a while."""
        self.statusBar().showMessage(text, 10_000)

    def _followups_due(self, due: list[FollowUpView]) -> None:
        first = due[0]
        more = f" (and {len(due) - 1} more)" if len(due) > 1 else ""
        what = first.text or "follow up"
        text = f"Follow-up due {fmt.when(first.due_at)}: {first.contact_name} — {what}{more}"
        self.banner.show_notice(
            text,
            [
                ("Open", lambda: self.show_contact(first.contact_id)),
                ("Snooze 1 hour", lambda: self.followups.snooze(first.id, in_one_hour())),
            ],
            kind="followup",
        )
        self.show_message(text)

    # -- screen pop and other instances ----------------------------------

    def pop(self, number: str, reply: Reply | None = None) -> None:
        """Screen pop for ``number`` (once unlocked, when the window is locked)."""
        self.idle_lock.when_unlocked(lambda: self.screen_pop.pop(number, reply))

    def _http_pop(self, number: str, reply: Reply) -> None:
        self.pop(number, reply)

    def handle_message(self, message: dict[str, Any]) -> None:
        """A message from a later launch: ``pop`` a number, or just ``raise``."""
        if message.get("cmd") == "pop" and isinstance(message.get("number"), str):
            self.pop(message["number"])
        else:
            self.bring_to_front()

    def bring_to_front(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # -- settings, demo, about -------------------------------------------

    def apply_settings(self) -> None:
        """Start or stop reminders and the pop endpoint as the settings say."""
        s = self.settings
        fmt.set_locale(s.locale)
        self.idle_lock.set_minutes(s.idle_lock_minutes)
        self.auto_backup.keep = s.backup_keep
        self.reminders.lead = timedelta(minutes=s.reminder_lead_minutes)
        if s.reminders_enabled:
            self.reminders.start()
        else:
            self.reminders.stop()
        if s.pop_endpoint_enabled:
            if self.pop_endpoint.port != s.pop_endpoint_port and not self.pop_endpoint.start(
                s.pop_endpoint_port
            ):
                self.show_message(
                    f"The screen-pop endpoint could not use port {s.pop_endpoint_port}: "
                    f"{self.pop_endpoint.error()}"
                )
        else:
            self.pop_endpoint.stop()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.crm, self.ops, self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self.apply_settings)
        dialog.open()

    def change_passphrase(self) -> QWidget:
        """File ▸ Change passphrase…: only the key file is rewritten."""
        dialog = ChangePassphraseDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.show_message)
        dialog.open()
        return dialog

    def edit_custom_fields(self) -> None:
        dialog = CustomFieldsDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export(self) -> QWidget:
        """File ▸ Export…: contacts, activities, purchases... to CSV, vCard or iCalendar."""
        from crmdesk.ui.dialogs.export import open_export_dialog

        return open_export_dialog(self, self.crm, self.ops)

    def open_import(self) -> QWidget:
        """The import wizard (File ▸ Import…, Ctrl+I)."""
        from crmdesk.ui.dialogs.import_wizard import ImportWizard

        wizard = ImportWizard(self.crm, self.ops, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.show()
        return wizard

    def open_import_history(self) -> QWidget:
        """The imports done so far, with undo (File ▸ Import history…)."""
        from crmdesk.ui.dialogs.import_history import ImportHistoryDialog

        dialog = ImportHistoryDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_audit_trail(self) -> QWidget:
        """Every change, filterable, with a chain check (Tools ▸ Audit trail…)."""
        from crmdesk.ui.dialogs.audit_trail import AuditTrailDialog

        dialog = AuditTrailDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_sync_settings(self) -> None:
        from crmdesk.ui.dialogs.sync import SyncSettingsDialog

        dialog = SyncSettingsDialog(self.sync, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_conflicts(self) -> None:
        from crmdesk.ui.dialogs.sync import ConflictsDialog

        dialog = ConflictsDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: self.sync.refresh())
        dialog.open()

    def open_duplicates(self) -> QWidget:
        """Pairs of contacts that look like one customer (Sync ▸ Duplicates…)."""
        from crmdesk.ui.dialogs.duplicates import DuplicatesDialog

        dialog = DuplicatesDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.undoable.connect(self.offer_undo)
        dialog.addAction(self.undo_action)  # Ctrl+Z works in the dialog too
        dialog.show()
        return dialog

    def open_trash(self) -> QWidget:
        """View ▸ Trash…"""
        from crmdesk.ui.dialogs.trash import TrashDialog

        dialog = TrashDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_review(self) -> QWidget:
        """View ▸ Leads to review…"""
        from crmdesk.ui.dialogs.privacy import ReviewDialog

        dialog = ReviewDialog(self.crm, self.ops, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_contact.connect(self.show_contact)
        dialog.show()
        return dialog

    def _person(self) -> tuple[str, str] | None:
        """The shown person's id and name, else a hint in the status bar."""
        card = self.activity.card
        if card is None or card.is_company:
            self.show_message("Select a person first.")
            return None
        return card.id, card.display_name

    def export_person(self) -> None:
        """Contact ▸ Export everything about this person…"""
        from crmdesk.ui.dialogs.privacy import export_person

        if (person := self._person()) is not None:
            export_person(self, self.crm, self.ops, *person, self.show_message)

    def erase_person(self) -> QWidget | None:
        """Contact ▸ Erase this person… (asks for the name)."""
        from crmdesk.ui.dialogs.privacy import EraseDialog

        if (person := self._person()) is None:
            return None
        dialog = EraseDialog(self.crm, self.ops, *person, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.activity.show_contact(None))
        dialog.accepted.connect(lambda: self.show_message(f"Erased {person[1]}."))
        dialog.open()
        return dialog

    def generate_demo(self) -> None:
        run_demo_dialog(self, self.crm, self.ops)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About crmdesk",
            "<b>crmdesk</b><br>Your customers on your own computer, in one encrypted file."
            f"<br><br>Database: {fmt.esc(str(self.crm.db.path))}",
        )

    # -- geometry and closing --------------------------------------------

    def _restore_geometry(self) -> None:
        store = ui_settings()
        geometry = store.value("main/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            pass
        else:
            screen = self.screen().availableGeometry()
            self.resize(min(1280, int(screen.width() * 0.9)), min(800, int(screen.height() * 0.9)))
            width = self.width()
            self.splitter.setSizes([int(width * 0.28), int(width * 0.44), int(width * 0.28)])
        for splitter, key in (
            (self.splitter, "main/splitter"),
            (self.activity.splitter, "activity/splitter"),
        ):
            state = store.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def save_geometry(self) -> None:
        store = ui_settings()
        store.setValue("main/geometry", self.saveGeometry())
        store.setValue("main/splitter", self.splitter.saveState())
        store.setValue("activity/splitter", self.activity.splitter.saveState())
        store.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        self.reminders.stop()
        self.pop_endpoint.stop()
        self.ops.wait()
        super().closeEvent(event)
