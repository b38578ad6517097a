"""Passphrases: the new-passphrase fields with their strength meter, the recovery
code shown once at creation, and the dialogs to change a passphrase or to set
a new one with the recovery code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.errors import WrongPassphrase
from crmdesk.services.app import Crm
from crmdesk.ui import keyring_store
from crmdesk.ui.dialogs.base import FormDialog
from crmdesk.ui.ops import ChangeSet, Ops, describe
from crmdesk.ui.widgets.common import error_label, muted, set_invalid, show_error, title_label

MIN_LENGTH = 8


def strength(passphrase: str) -> tuple[int, str]:
    """A 0-4 score and a hint; long passphrases of several words score best."""
    if len(passphrase) < MIN_LENGTH:
        return 0, f"Too short: use at least {MIN_LENGTH} characters."
    classes = sum(
        any(test(c) for c in passphrase)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    score = 1 + (len(passphrase) >= 12) + (len(passphrase) >= 16 or words >= 3) + (classes >= 3)
    hints = {
        1: "Weak: a few more words would make it much stronger.",
        2: "Fair: longer is stronger; try a short sentence.",
        3: "Good.",
        4: "Strong.",
    }
    return min(score, 4), hints[min(score, 4)]


def password_field(placeholder: str) -> QLineEdit:
    """A line edit that hides what is typed."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


def remember_if_kept(path: Path, passphrase: str) -> None:
    """Put the new passphrase in the keyring when it remembered the old one."""
    if keyring_store.get(path) is not None:
        keyring_store.remember(path, passphrase)


class NewPassphrase(QObject):
    """A new passphrase typed twice, with a strength meter: rows added to ``form``."""

    changed = Signal()

    def __init__(self, form: QFormLayout, label: str = "&Passphrase:") -> None:
        super().__init__(form)
        self.passphrase = password_field(
            f"At least {MIN_LENGTH} characters; a short sentence is best"
        )
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(self.passphrase.fontMetrics().height() // 2)
        self.hint = muted()
        self.repeat = password_field("The same passphrase again")
        self.error = error_label()
        form.addRow(label, self.passphrase)
        form.addRow("", self.bar)
        form.addRow("", self.hint)
        form.addRow("&Repeat:", self.repeat)
        form.addRow("", self.error)
        self.passphrase.textChanged.connect(self.check)
        self.repeat.textChanged.connect(self.check)
        self.check()

    def text(self) -> str:
        """The passphrase typed."""
        return self.passphrase.text()

    def check(self) -> bool:
        """Update the meter and the mismatch message; True when it can be used."""
        passphrase, repeat = self.passphrase.text(), self.repeat.text()
        score, hint = strength(passphrase)
        self.bar.setValue(score)
        self.hint.setText(hint if passphrase else "")
        mismatch = bool(repeat) and repeat != passphrase
        set_invalid(self.repeat, mismatch)
        show_error(self.error, "The two passphrases are not the same." if mismatch else "")
        self.changed.emit()
        return len(passphrase) >= MIN_LENGTH and repeat == passphrase


class RecoveryCodePanel(QWidget):
    """The recovery code, shown once after a database is made; ``confirmed`` when noted."""

    confirmed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = ""
        self.code = QLabel()
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSizeF(self.font().pointSizeF() * 1.3)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setProperty("role", "tile")
        self.code.setMargin(12)
        explain = QLabel(
            "If you ever forget the passphrase, this code lets you set a new one "
            "(“Forgot passphrase?” when unlocking, or crmdesk recover). Write it on paper "
            "and keep it away from this computer: anyone with the code and the file can "
            "read your customers. It is shown only now."
        )
        explain.setWordWrap(True)
        copy = QPushButton("C&opy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.value))
        self.noted = QCheckBox("I have &written the recovery code down")
        self.continue_button = QPushButton("&Continue")
        self.continue_button.setEnabled(False)
        self.noted.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self.confirmed)
        buttons = QHBoxLayout()
        buttons.addWidget(copy)
        buttons.addStretch(1)
        buttons.addWidget(self.continue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title_label("Your recovery code"))
        layout.addWidget(self.code)
        layout.addWidget(explain)
        layout.addWidget(self.noted)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def show_code(self, code: str) -> None:
        """Show ``code`` (on two lines of four groups) and ask again for the tick."""
        self.value = code
        groups = code.split("-")
        half = len(groups) // 2
        self.code.setText("-".join(groups[:half]) + "-\n" + "-".join(groups[half:]))
        self.noted.setChecked(False)
        self.noted.setFocus()


class ChangePassphraseDialog(FormDialog):
    """File ▸ Change passphrase…: rewraps the key; the file is not re-encrypted."""

    changed = Signal(str)  # a sentence for the status bar

    def __init__(self, crm: Crm, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._crm, self._ops = crm, ops
        self.setWindowTitle("Change passphrase")
        form = QFormLayout()
        self.current = password_field("The passphrase you unlock with now")
        self.current.textEdited.connect(lambda: self._problem(""))
        form.addRow("C&urrent passphrase:", self.current)
        self.new = NewPassphrase(form, "&New passphrase:")
        self.problem = error_label()
        note = muted(
            "Only the key file beside the database is rewritten; the database stays as it "
            "is. Backups made earlier still open with the passphrase they were made with."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("&Change passphrase")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        self.new.changed.connect(self._update)
        self.current.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 76)
        self._update()

    def _update(self) -> None:
        if not self.saving:
            self.save_button.setEnabled(self._ready())

    def _ready(self) -> bool:
        new = self.new
        return (
            len(new.text()) >= MIN_LENGTH
            and new.repeat.text() == new.text()
            and bool(self.current.text())
        )

    def _problem(self, text: str) -> None:
        set_invalid(self.current, bool(text))
        show_error(self.problem, text)

    def _save(self) -> None:
        if not self._ready() or not self.begin_save():
            return
        crm, old, new = self._crm, self.current.text(), self.new.text()

        def work() -> None:
            crm.change_passphrase(old, new)
            remember_if_kept(crm.db.path, new)

        self._ops.write(work, ChangeSet(), lambda _r: self._done(), self._failed)

    def _done(self) -> None:
        self.end_save()
        self.changed.emit("The passphrase was changed.")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        if isinstance(exc, WrongPassphrase):
            self._problem("That is not the current passphrase.")
        else:
            self._problem(describe(exc))
        self.current.selectAll()
        self.current.setFocus()


class RecoverDialog(FormDialog):
    """“Forgot passphrase?”: a new passphrase set with the recovery code;
    after ``exec()`` succeeds, :attr:`crm` is the open database."""

    def __init__(
        self, ops: Ops, path: Path, region: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ops, self._path, self._region = ops, path, region
        self.crm: Crm | None = None
        self.setWindowTitle("Forgot passphrase")
        intro = QLabel(
            f"Type the recovery code of <b>{path.name}</b> (shown when it was made), "
            "then choose a new passphrase."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        metrics = self.code.fontMetrics()
        self.code.setMinimumWidth(metrics.horizontalAdvance(self.code.placeholderText()) + 24)
        self.code.textEdited.connect(lambda: show_error(self.problem, ""))
        form.addRow("Recovery &code:", self.code)
        self.new = NewPassphrase(form, "&New passphrase:")
        self.problem = error_label()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("&Set passphrase and open")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)

    def _save(self) -> None:
        if not self.code.text().strip():
            show_error(self.problem, "Type the recovery code.")
            return
        if not self.new.check():
            show_error(
                self.problem, f"Type a new passphrase of at least {MIN_LENGTH} characters, twice."
            )
            return
        if not self.begin_save():
            return
        path, code, new, region = self._path, self.code.text(), self.new.text(), self._region

        def work() -> Crm:
            crm = Crm.recover(path, code, new, region=region)
            remember_if_kept(path, new)
            return crm

        self._ops.read(work, self._done, self._failed)

    def _done(self, crm: Crm) -> None:
        self.end_save()
        self.crm = crm
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.end_save()
        show_error(self.problem, describe(exc))
        self.code.setFocus()
