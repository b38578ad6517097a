"""Choosing one of several contacts (a phone number shared by a family or a company)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListView, QVBoxLayout, QWidget

from crmdesk.services.views import ContactSummary
from crmdesk.ui.models.contact_list import ContactListModel
from crmdesk.ui.ops import Ops
from crmdesk.ui.widgets.contact_delegate import ContactDelegate


class PickContactDialog(QDialog):
    """A short list to pick from; :meth:`chosen` after ``exec()``."""

    def __init__(
        self,
        ops: Ops,
        message: str,
        candidates: Sequence[ContactSummary],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Which contact?")
        self.model = ContactListModel(ops, self)
        self.model.show_results(candidates)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ContactDelegate(self.view))
        self.view.setCurrentIndex(self.model.index(0, 0))
        self.view.activated.connect(lambda _index: self.accept())
        label = QLabel(message)
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton("&Show", QDialogButtonBox.ButtonRole.AcceptRole).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 60, self.fontMetrics().height() * 22)

    def chosen(self) -> ContactSummary | None:
        return self.model.summary(self.view.currentIndex().row())
