"""Privacy in the window: Contact ▸ Export everything about this person… (into a
folder the user picks), Contact ▸ Erase this person… (the owner confirms by typing
the person's name) and View ▸ Leads to review… (the retention review)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.privacy import ReviewLead, name_matches
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, muted, show_error


def export_person(
    parent: QWidget,
    crm: Crm,
    ops: Ops,
    contact_id: str,
    name: str,
    tell: Callable[[str], None],
) -> None:
    """Ask for a folder, then write the person's JSON and vCard there off the GUI thread."""
    folder = QFileDialog.getExistingDirectory(parent, f"Export everything about {name} to")
    if not folder:
        return
    ops.write(
        lambda: crm.privacy.export(contact_id, Path(folder)),
        ChangeSet(),
        lambda files: tell(f"Wrote {files.json.name} and {files.vcard.name} to {folder}."),
        lambda exc: QMessageBox.warning(parent, "Export", describe(exc)),
    )


class EraseDialog(QDialog):
    """Erase one person everywhere, after typing their name."""

    def __init__(
        self, crm: Crm, ops: Ops, contact_id: str, name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.crm, self.ops, self.contact_id, self.name = crm, ops, contact_id, name
        self.setWindowTitle(f"Erase {name}")
        warning = QLabel(
            f"<b>This erases {fmt.esc(name)} for good</b>: their details, activities, "
            "purchases, payments, deals and follow-ups, their search entry and the data in "
            "the audit entries about them, here, on the server and on every computer at "
            "its next sync. The audit trail keeps only that an erasure happened.<br><br>"
            "Export their data first if they asked for a copy. This cannot be undone."
        )
        warning.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText(name)
        self.typed.setAccessibleName("Type the person's name to confirm")
        self.typed.textChanged.connect(self._enable)
        form = QFormLayout()
        form.addRow(f"&Type “{name}” to confirm:", self.typed)
        self.problem = error_label()
        self.erase_button = QPushButton("&Erase for good")
        self.erase_button.setAutoDefault(False)
        self.erase_button.clicked.connect(self._erase)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self._enable()

    def _enable(self) -> None:
        self.erase_button.setEnabled(name_matches(self.typed.text(), self.name))

    def _erase(self) -> None:
        typed, contact_id = self.typed.text(), self.contact_id
        self.erase_button.setEnabled(False)
        show_error(self.problem, "")
        self.ops.write(
            lambda: self.crm.privacy.erase(contact_id, typed),
            ChangeSet(frozenset({contact_id}), contact_list=True, followups=True),
            lambda _rows: self.accept(),
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            show_error(self.problem, describe(exc))
            self._enable()


class ReviewDialog(QDialog):
    """View ▸ Leads to review…: leads nobody has touched for the retention period."""

    open_contact = Signal(str)

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Leads to review")
        self.months = QSpinBox()
        self.months.setRange(1, 240)
        self.months.setSuffix(" months")
        self.months.setAccessibleName("Retention period")
        self.list = QListWidget()
        self.list.setAccessibleName("Leads untouched for the retention period")
        self.list.itemActivated.connect(
            lambda item: self.open_contact.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.empty = empty_state("No lead has gone untouched that long.")
        self.problem = error_label()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("&Untouched for at least:", self.months)
        hint = muted(
            "Leads with no change and no activity for this long. Open one (Enter or "
            "double-click) to keep it, or erase it from the Contact menu."
        )
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter in the list opens a lead; it must not also close the dialog.
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(520, 420)
        ops.read(lambda: crm.privacy.retention_months, self._months_read, self._failed)

    def _months_read(self, months: int) -> None:
        if not shiboken6.isValid(self):
            return
        self.months.setValue(months)
        self.months.valueChanged.connect(self._months_changed)
        self.reload()

    def _months_changed(self, months: int) -> None:
        self.ops.write(
            lambda: self.crm.privacy.set_retention_months(months),
            ChangeSet(),
            lambda _r: self.reload(),
            self._failed,
        )

    def reload(self) -> None:
        """Read the leads again."""
        months = self.months.value()
        self.ops.read(lambda: self.crm.privacy.review(months), self._show, self._failed)

    def _show(self, leads: list[ReviewLead]) -> None:
        if not shiboken6.isValid(self):
            return
        self.list.clear()
        for lead in leads:
            item = QListWidgetItem(f"{lead.name}  —  last touched {fmt.when(lead.last_touched)}")
            item.setData(Qt.ItemDataRole.UserRole, lead.id)
            self.list.addItem(item)
        self.list.setVisible(bool(leads))
        self.empty.setVisible(not leads)

    def _failed(self, exc: BaseException) -> None:
        if shiboken6.isValid(self):
            show_error(self.problem, describe(exc))
