"""Smart lists in the main window: the "List:" picker of the contacts pane and
the Lists menu (new, edit, export, follow-ups, delete)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox, QWidget

from crmdesk.domain.permissions import DELETE, EDIT, EXPORT
from crmdesk.domain.smart_query import SmartQuery
from crmdesk.services.app import Crm
from crmdesk.services.smart_lists import SavedListView
from crmdesk.ui.dialogs.smart_list import ListFollowUpsDialog, QueryBuilderDialog
from crmdesk.ui.ops import ChangeSet, Ops

if TYPE_CHECKING:
    from crmdesk.services.exports import ExportResult
    from crmdesk.ui.main_window import MainWindow

ALL_CONTACTS = "All contacts"
NEW_LIST_SHORTCUT = "Ctrl+Shift+F"


class ListPicker(QComboBox):
    """ "All contacts" or one saved list; ``picked`` when the choice changes."""

    picked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Saved list")
        self.setToolTip(f"Show only the contacts on a saved list ({NEW_LIST_SHORTCUT}: a new one)")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self._lists: dict[str, SavedListView] = {}
        self.addItem(ALL_CONTACTS, None)
        self.currentIndexChanged.connect(lambda _i: self.picked.emit())

    def current(self) -> SavedListView | None:
        """The list picked, or None for all contacts."""
        return self._lists.get(self.currentData())

    def query(self) -> SmartQuery | None:
        """The picked list's query (None: all contacts)."""
        saved = self.current()
        return saved.query if saved else None

    def set_lists(self, lists: list[SavedListView]) -> None:
        """Replace the choices, keeping the current list if it is still there.

        ``picked`` is emitted only when what the list shows changed.
        """
        before = self.current()
        self._lists = {s.id: s for s in lists}
        self.blockSignals(True)
        self.clear()
        self.addItem(ALL_CONTACTS, None)
        for saved in lists:
            self.addItem(saved.name, saved.id)
            self.setItemData(self.count() - 1, saved.description, 3)  # tooltip role
        self.setCurrentIndex(max(0, self.findData(before.id if before else None)))
        self.blockSignals(False)
        after = self.current()
        if (before and before.query) != (after and after.query):
            self.picked.emit()

    def pick(self, list_id: str | None) -> None:
        """Show the list with this id (None: all contacts)."""
        self.setCurrentIndex(max(0, self.findData(list_id)))


class ListActions:
    """The Lists menu of the main window, acting on the list picked in the pane."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.crm: Crm = window.crm
        self.ops: Ops = window.ops
        self.picker: ListPicker = window.contacts.lists

    def new(self) -> None:
        """The query builder for a new list; the list is shown once saved."""
        self._builder(None)

    def edit(self) -> None:
        saved = self._picked("change")
        if saved is not None:
            self._builder(saved)

    def _builder(self, saved: SavedListView | None) -> None:
        dialog = QueryBuilderDialog(self.crm, self.ops, saved, self.window)
        dialog.saved.connect(self._show_when_loaded)
        dialog.open()

    def _show_when_loaded(self, saved: SavedListView) -> None:
        self.window.show_message(f"Saved the list {saved.name}.")
        self.window.contacts.show_list(saved.id)

    def export(self) -> None:
        saved = self._picked("export")
        if saved is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self.window,
            f"Export {saved.name} to",
            str(Path.home() / f"{saved.name}.csv"),
            "CSV for spreadsheets (*.csv);;vCard (*.vcf)",
        )
        if not path:
            return
        fmt = "vcard" if path.lower().endswith((".vcf", ".vcard")) else "csv"
        smart = self.crm.smart_lists
        self.ops.write(
            lambda: smart.export(saved.id, Path(path), fmt=fmt, overwrite=True),
            ChangeSet(),
            lambda result: self._exported(saved, result),
        )

    def _exported(self, saved: SavedListView, result: ExportResult) -> None:
        where = f"{saved.name} to {result.path}"
        self.window.show_message(f"Wrote {result.rows:,} contacts of {where}.")

    def followups(self) -> None:
        saved = self._picked("make follow-ups for")
        if saved is None:
            return
        dialog = ListFollowUpsDialog(self.crm, self.ops, saved, self.window)
        dialog.accepted.connect(
            lambda: self.window.show_message(f"Scheduled {dialog.made:,} follow-ups.")
        )
        dialog.open()

    def delete(self) -> None:
        saved = self._picked("delete")
        if saved is None:
            return
        sure = QMessageBox.question(
            self.window,
            "Delete list",
            f"Delete the list {saved.name}? Its contacts stay as they are.",
        )
        if sure != QMessageBox.StandardButton.Yes:
            return
        smart = self.crm.smart_lists
        self.picker.pick(None)
        self.ops.write(lambda: smart.delete(saved.id), ChangeSet(contact_list=True))

    def _picked(self, verb: str) -> SavedListView | None:
        saved = self.picker.current()
        if saved is None:
            self.window.show_message(f"Pick a list in the contacts pane to {verb} first.")
        return saved


def install(window: MainWindow, add: Callable[..., Any]) -> ListActions:
    """Add the L&ists menu to ``window``'s menu bar; ``add(menu, text, slot, keys, tip,
    needs)`` makes an action guarded by a permission (``MainWindow._action``)."""
    actions = ListActions(window)
    menu = window.menuBar().addMenu("L&ists")
    menu.setToolTipsVisible(True)
    add(menu, "&New smart list…", actions.new, NEW_LIST_SHORTCUT, "Find contacts by rules", EDIT)
    add(menu, "&Edit this list…", actions.edit, None, "Change the picked list's rules", EDIT)
    add(menu, "E&xport this list…", actions.export, None, "Its contacts to a file", EXPORT)
    add(menu, "Make &follow-ups…", actions.followups, None, "One for everyone on it", EDIT)
    add(menu, "&Delete this list", actions.delete, None, "The contacts stay", DELETE)
    return actions
