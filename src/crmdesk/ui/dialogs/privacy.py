"""Contact ▸ Export everything about this person… (into a folder the user picks) and
Contact ▸ Erase this person… (the owner confirms by typing the person's name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.privacy import name_matches
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, show_error


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
