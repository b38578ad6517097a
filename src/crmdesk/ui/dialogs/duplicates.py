"""Sync ▸ Duplicates…: pairs of contacts that look like one customer, side by side.

Each pair can be merged into the left or the right contact (the other goes to
the trash, its history moves over; the window offers Undo), or marked "Not
duplicates" so it is never proposed again. Reads and writes run off the GUI
thread through :class:`~crmdesk.ui.ops.Ops`.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.app import Crm
from crmdesk.services.contact_merge import MergeResult
from crmdesk.services.duplicates import DuplicatePair, DuplicateSide
from crmdesk.ui import fmt
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import empty_state, error_label, muted, show_error

PAIR_ROLE = Qt.ItemDataRole.UserRole


class DuplicatesDialog(QDialog):
    """Open duplicate proposals: compare, merge either way, or dismiss."""

    undoable = Signal(str, object)  # what was done, a callable that undoes it

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.crm, self.ops = crm, ops
        self.setWindowTitle("Possible duplicates")
        self.pairs: list[DuplicatePair] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Possible duplicates")
        self.list.currentRowChanged.connect(lambda _row: self._compare())
        self.empty = empty_state("No possible duplicates. Pairs found after a sync show here.")
        self.left_box, self.left = _side_box("Left")
        self.right_box, self.right = _side_box("Right")
        sides = QHBoxLayout()
        sides.addWidget(self.left_box, 1)
        sides.addWidget(self.right_box, 1)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.problem = error_label()
        self.merge_left = QPushButton("Merge into &left")
        self.merge_left.setToolTip("Keep the left contact; the right one's history moves to it")
        self.merge_right = QPushButton("Merge into &right")
        self.merge_right.setToolTip("Keep the right contact; the left one's history moves to it")
        self.dismiss_button = QPushButton("&Not duplicates")
        self.dismiss_button.setToolTip("Never propose this pair again")
        self.merge_left.clicked.connect(lambda: self._merge(into_left=True))
        self.merge_right.clicked.connect(lambda: self._merge(into_left=False))
        self.dismiss_button.clicked.connect(self._dismiss)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.merge_left, self.merge_right, self.dismiss_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        intro = muted(
            "Contacts that look like one customer. A merge keeps the activities, follow-ups "
            "and deals of both and moves the other contact to the trash; Ctrl+Z undoes it."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(sides)
        layout.addWidget(self.result_label)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(760, 480)
        self._enable(False)
        ops.changes_applied.connect(self._changed)
        self.finished.connect(lambda _code: ops.changes_applied.disconnect(self._changed))
        self.reload()

    def _changed(self, _changes: ChangeSet) -> None:
        self.reload()  # a merge, its undo (Ctrl+Z), a dismissal or a sync

    def reload(self) -> None:
        """Read the open proposals again."""
        self.ops.read(self.crm.duplicates.open_pairs, self._show, self._failed)

    def _show(self, pairs: list[DuplicatePair]) -> None:
        if not shiboken6.isValid(self):
            return  # closed while the read ran
        self.pairs = pairs
        self.list.clear()
        for pair in pairs:
            item = QListWidgetItem(f"{pair.left.name}  ·  {pair.right.name}  —  {pair.reason}")
            item.setData(PAIR_ROLE, pair.id)
            self.list.addItem(item)
        self.empty.setVisible(not pairs)
        self.list.setVisible(bool(pairs))
        if pairs:
            self.list.setCurrentRow(0)
            self.list.setFocus()
        self._compare()

    def current(self) -> DuplicatePair | None:
        """The pair chosen in the list."""
        row = self.list.currentRow()
        return self.pairs[row] if 0 <= row < len(self.pairs) else None

    def _compare(self) -> None:
        pair = self.current()
        self.left.setText(_describe(pair.left) if pair else "")
        self.right.setText(_describe(pair.right) if pair else "")
        self._enable(pair is not None)

    def _enable(self, enabled: bool) -> None:
        for button in (self.merge_left, self.merge_right, self.dismiss_button):
            button.setEnabled(enabled)

    def _merge(self, *, into_left: bool) -> None:
        pair = self.current()
        if pair is None:
            return
        keep, other = (pair.left, pair.right) if into_left else (pair.right, pair.left)
        merges, ops = self.crm.merges, self.ops
        changes = ChangeSet(frozenset({keep.id, other.id}), contact_list=True, followups=True)

        def merged(result: MergeResult) -> None:
            def undo() -> None:
                ops.write(lambda: merges.unmerge(result.merge_id), changes)

            self.result_label.setText(result.summary())
            self.undoable.emit(f"Merged {other.name} into {keep.name}", undo)

        self._enable(False)
        show_error(self.problem, "")
        self.ops.write(lambda: merges.merge(keep.id, other.id), changes, merged, self._failed)

    def _dismiss(self) -> None:
        pair = self.current()
        if pair is None:
            return
        self._enable(False)
        show_error(self.problem, "")

        def done(_result: None) -> None:
            self.result_label.setText(f"{pair.left.name} and {pair.right.name}: not duplicates.")
            self.reload()

        self.ops.write(
            lambda: self.crm.duplicates.dismiss(pair.id), ChangeSet(), done, self._failed
        )

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        show_error(self.problem, describe(exc))
        self.reload()


def _side_box(title: str) -> tuple[QGroupBox, QLabel]:
    box = QGroupBox(title)
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setMinimumHeight(label.fontMetrics().lineSpacing() * 7)  # name and five details
    layout = QVBoxLayout(box)
    layout.addWidget(label)
    return box, label


def _describe(side: DuplicateSide) -> str:
    """A contact as rich text: the details the user decides by."""
    rows = [
        ("Company", side.company or "—"),
        ("E-mails", ", ".join(side.emails) or "—"),
        ("Phones", ", ".join(side.phones) or "—"),
        ("Activities", f"{side.activities:,}"),
        ("Last activity", fmt.when(side.last_activity) if side.last_activity else "never"),
    ]
    lines = "".join(f"<br>{fmt.esc(k)}: {fmt.esc(v)}" for k, v in rows)
    return f"<b>{fmt.esc(side.name)}</b>{lines}"
